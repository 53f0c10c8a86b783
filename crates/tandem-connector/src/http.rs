//! The one HTTP client builder. Every request tandem makes to Jira or Azure DevOps goes
//! through a client built here, so TLS roots, proxy, timeouts, redirects and the User-Agent
//! are decided in one place.
//!
//! - TLS: rustls with the ring provider; the platform's trust store plus an optional extra CA
//!   bundle (the corporate TLS-inspection case); the issuer of every server certificate is
//!   recorded ([`crate::tls::PeerLog`]) so a failure can name it.
//! - Proxy: from the profile, or from `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` read once
//!   and passed explicitly (reqwest's implicit system proxy is switched off so that what the
//!   doctor reports is exactly what is used).
//! - No automatic redirects: a redirect from these APIs means a sign-in page or a moved site,
//!   which is a finding, not something to follow with credentials attached.
//! - gzip, connect and request timeouts, `User-Agent: tandem/VERSION`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use secrecy::{ExposeSecret, SecretString};

use crate::error::{ConnectorError, ErrorKind, NetworkProblem, RequestInfo, Side, TlsProblem};
use crate::redact::{Scrubber, url_without_password};
use crate::tls::{PeerCertificate, PeerLog, RecordingVerifier, install_crypto_provider};

/// The User-Agent every request carries.
pub const USER_AGENT: &str = concat!("tandem/", env!("CARGO_PKG_VERSION"));

/// Where the proxy setting comes from.
#[derive(Clone, Default)]
pub enum ProxySetting {
    /// Connect directly.
    #[default]
    None,
    /// One proxy for all requests, except the hosts in `no_proxy`.
    Url {
        /// `http://[user:password@]host:port`; may hold credentials, so it is secret.
        url: SecretString,
        /// Comma-separated hosts or domains to reach directly (the `NO_PROXY` syntax).
        no_proxy: Option<String>,
    },
    /// The values of the proxy environment variables, read by [`ProxySetting::from_env`].
    Environment {
        /// `HTTPS_PROXY` (or `https_proxy`, or `ALL_PROXY`).
        https: Option<SecretString>,
        /// `HTTP_PROXY` (or `http_proxy`, or `ALL_PROXY`).
        http: Option<SecretString>,
        /// `NO_PROXY` (or `no_proxy`).
        no_proxy: Option<String>,
    },
}

impl std::fmt::Debug for ProxySetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProxySetting::None => f.write_str("ProxySetting::None"),
            ProxySetting::Url { url, no_proxy } => f
                .debug_struct("ProxySetting::Url")
                .field("url", &shown_proxy(url))
                .field("no_proxy", no_proxy)
                .finish(),
            ProxySetting::Environment {
                https,
                http,
                no_proxy,
            } => f
                .debug_struct("ProxySetting::Environment")
                .field("https", &https.as_ref().map(shown_proxy))
                .field("http", &http.as_ref().map(shown_proxy))
                .field("no_proxy", no_proxy)
                .finish(),
        }
    }
}

fn shown_proxy(url: &SecretString) -> String {
    match url::Url::parse(url.expose_secret()) {
        Ok(u) => url_without_password(&u),
        Err(_) => "[unparseable proxy URL]".to_owned(),
    }
}

impl ProxySetting {
    /// Reads `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (upper or lower case)
    /// from the process environment. Returns `None` when none is set.
    pub fn from_env() -> Self {
        fn var(names: &[&str]) -> Option<String> {
            names
                .iter()
                .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
        }
        let all = var(&["ALL_PROXY", "all_proxy"]);
        let https = var(&["HTTPS_PROXY", "https_proxy"]).or_else(|| all.clone());
        let http = var(&["HTTP_PROXY", "http_proxy"]).or(all);
        let no_proxy = var(&["NO_PROXY", "no_proxy"]);
        if https.is_none() && http.is_none() {
            return ProxySetting::None;
        }
        ProxySetting::Environment {
            https: https.map(SecretString::from),
            http: http.map(SecretString::from),
            no_proxy,
        }
    }

    /// The proxy a request to `url` goes through, if any (for diagnosis).
    pub fn proxy_for(&self, url: &url::Url) -> Option<&SecretString> {
        let host = url.host_str()?;
        match self {
            ProxySetting::None => None,
            ProxySetting::Url { url: p, no_proxy } => {
                (!bypassed(host, no_proxy.as_deref())).then_some(p)
            }
            ProxySetting::Environment {
                https,
                http,
                no_proxy,
            } => {
                if bypassed(host, no_proxy.as_deref()) {
                    return None;
                }
                if url.scheme() == "https" {
                    https.as_ref()
                } else {
                    http.as_ref()
                }
            }
        }
    }
}

/// `NO_PROXY` matching: `*` matches everything; an entry matches the host itself and its
/// subdomains (a leading dot is optional); ports are ignored.
fn bypassed(host: &str, no_proxy: Option<&str>) -> bool {
    let Some(list) = no_proxy else { return false };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let entry = entry.rsplit_once(':').map_or(entry, |(h, p)| {
                if p.chars().all(|c| c.is_ascii_digit()) && !h.contains(':') {
                    h
                } else {
                    entry
                }
            });
            let entry = entry.trim_start_matches('.').to_ascii_lowercase();
            host == entry || host.ends_with(&format!(".{entry}"))
        })
}

/// Settings of the HTTP client of one connector.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// Time allowed to open a connection (TCP + TLS).
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, body included.
    pub request_timeout: Duration,
    /// Extra trusted CA certificates (PEM, one or more), added to the platform's roots.
    pub ca_bundle_pem: Option<Vec<u8>>,
    /// Proxy.
    pub proxy: ProxySetting,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            ca_bundle_pem: None,
            proxy: ProxySetting::None,
        }
    }
}

/// A built client: reqwest plus what it needs to explain its failures.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    side: Side,
    peers: Arc<PeerLog>,
    proxy: ProxySetting,
}

// Written by hand: reqwest's own `Debug` would print the proxy configuration verbatim.
impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("side", &self.side)
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

/// A response read to the end.
#[derive(Clone, Debug)]
pub struct RawResponse {
    /// Status.
    pub status: StatusCode,
    /// Headers (may hold cookies: never log them unredacted).
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl RawResponse {
    /// The `Content-Type` without parameters, lower-cased.
    pub fn media_type(&self) -> Option<String> {
        self.headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
    }

    /// Whether the body is an HTML page (by content type or by its first bytes).
    pub fn is_html(&self) -> bool {
        if self
            .media_type()
            .is_some_and(|m| m == "text/html" || m == "application/xhtml+xml")
        {
            return true;
        }
        let head: String = String::from_utf8_lossy(&self.body[..self.body.len().min(512)])
            .trim_start()
            .chars()
            .take(15)
            .collect::<String>()
            .to_ascii_lowercase();
        head.starts_with("<!doctype html") || head.starts_with("<html")
    }

    /// The first value of a header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl HttpClient {
    /// Builds the client. Fails with a `Config` error when the CA bundle or the proxy URL
    /// cannot be used.
    pub fn new(side: Side, settings: &HttpSettings) -> Result<Self, ConnectorError> {
        install_crypto_provider();
        let peers = Arc::new(PeerLog::default());
        let tls = tls_config(side, settings.ca_bundle_pem.as_deref(), peers.clone())?;

        // This is the one place allowed to construct a reqwest client (clippy.toml).
        #[allow(clippy::disallowed_methods)]
        let mut builder = reqwest::Client::builder();
        builder = builder
            .tls_backend_preconfigured(tls)
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .gzip(true)
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            .no_proxy();
        builder = match &settings.proxy {
            ProxySetting::None => builder,
            ProxySetting::Url { url, no_proxy } => builder.proxy(
                reqwest::Proxy::all(url.expose_secret())
                    .map_err(|_| bad_proxy(side, url))?
                    .no_proxy(no_proxy.as_deref().and_then(reqwest::NoProxy::from_string)),
            ),
            ProxySetting::Environment {
                https,
                http,
                no_proxy,
            } => {
                let np = || no_proxy.as_deref().and_then(reqwest::NoProxy::from_string);
                if let Some(p) = https {
                    builder = builder.proxy(
                        reqwest::Proxy::https(p.expose_secret())
                            .map_err(|_| bad_proxy(side, p))?
                            .no_proxy(np()),
                    );
                }
                if let Some(p) = http {
                    builder = builder.proxy(
                        reqwest::Proxy::http(p.expose_secret())
                            .map_err(|_| bad_proxy(side, p))?
                            .no_proxy(np()),
                    );
                }
                builder
            }
        };
        let client = builder.build().map_err(|e| {
            ConnectorError::config(side, format!("could not build the HTTP client: {e}"))
        })?;
        Ok(Self {
            client,
            side,
            peers,
            proxy: settings.proxy.clone(),
        })
    }

    /// The underlying reqwest client, for building requests.
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.client
    }

    /// The certificate last seen for `host`, if a TLS handshake with it happened.
    pub fn peer_certificate(&self, host: &str) -> Option<PeerCertificate> {
        self.peers.get(host)
    }

    /// The proxy a request to `url` goes through, without credentials, for diagnosis.
    pub fn proxy_for(&self, url: &url::Url) -> Option<String> {
        self.proxy.proxy_for(url).map(shown_proxy)
    }

    /// Sends a request and reads the whole response. Transport failures become typed errors
    /// (TLS with the issuer, proxy, DNS, refused, timeout); any HTTP status is returned as is.
    pub async fn execute(
        &self,
        request: reqwest::Request,
        scrubber: &Scrubber,
    ) -> Result<RawResponse, ConnectorError> {
        let info = RequestInfo::new(request.method(), request.url());
        let url = request.url().clone();
        let response = match self.client.execute(request).await {
            Ok(r) => r,
            Err(e) => return Err(self.transport_error(&e, &url, scrubber).with_request(info)),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return Err(self.transport_error(&e, &url, scrubber).with_request(info)),
        };
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }

    /// Classifies a reqwest error (lychee's `ErrorRules` idea: walk the cause chain).
    pub fn transport_error(
        &self,
        e: &reqwest::Error,
        url: &url::Url,
        scrubber: &Scrubber,
    ) -> ConnectorError {
        let side = self.side;
        let chain = scrubber.scrub(&error_chain(e));
        let host = url.host_str().unwrap_or_default();
        if let Some(tls_reason) = find_tls_error(e) {
            let peer = self.peers.get(host).filter(|p| !p.verified);
            let (problem, issuer, subject) = match peer {
                Some(p) => (p.problem.unwrap_or(TlsProblem::Other), p.issuer, p.subject),
                None => (TlsProblem::Other, None, None),
            };
            return ConnectorError::new(
                side,
                ErrorKind::Tls {
                    problem,
                    issuer,
                    subject,
                    reason: scrubber.scrub(&tls_reason),
                },
            );
        }
        let proxy = self.proxy.proxy_for(url).map(shown_proxy);
        if e.is_timeout() {
            let problem = if e.is_connect() {
                NetworkProblem::ConnectTimeout
            } else {
                NetworkProblem::Timeout
            };
            if let (Some(p), true) = (&proxy, e.is_connect()) {
                return ConnectorError::new(
                    side,
                    ErrorKind::Proxy {
                        proxy: p.clone(),
                        reason: "connecting timed out".into(),
                    },
                );
            }
            return ConnectorError::new(
                side,
                ErrorKind::Network {
                    problem,
                    reason: chain,
                },
            );
        }
        if e.is_connect() {
            if let Some(p) = proxy {
                let reason = if chain.contains("proxy authorization required") {
                    "the proxy requires authentication (407)".to_owned()
                } else if chain.contains("tunnel") {
                    format!("the proxy refused to open a tunnel ({chain})")
                } else {
                    format!("could not connect to the proxy ({chain})")
                };
                return ConnectorError::new(side, ErrorKind::Proxy { proxy: p, reason });
            }
            let lower = chain.to_ascii_lowercase();
            let problem = if lower.contains("dns error")
                || lower.contains("failed to lookup")
                || lower.contains("name or service not known")
                || lower.contains("no address")
            {
                NetworkProblem::Dns
            } else if lower.contains("refused") {
                NetworkProblem::Refused
            } else if lower.contains("reset") || lower.contains("closed") {
                NetworkProblem::Reset
            } else {
                NetworkProblem::Other
            };
            return ConnectorError::new(
                side,
                ErrorKind::Network {
                    problem,
                    reason: chain,
                },
            );
        }
        if e.is_body() || e.is_request() || e.is_decode() {
            return ConnectorError::new(
                side,
                ErrorKind::Network {
                    problem: NetworkProblem::Reset,
                    reason: chain,
                },
            );
        }
        ConnectorError::new(
            side,
            ErrorKind::Network {
                problem: NetworkProblem::Other,
                reason: chain,
            },
        )
    }
}

fn bad_proxy(side: Side, url: &SecretString) -> ConnectorError {
    ConnectorError::config(
        side,
        format!(
            "the proxy URL {} is not a valid http(s) URL",
            shown_proxy(url)
        ),
    )
}

fn tls_config(
    side: Side,
    ca_bundle_pem: Option<&[u8]>,
    peers: Arc<PeerLog>,
) -> Result<rustls::ClientConfig, ConnectorError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let extra: Vec<CertificateDer<'static>> = match ca_bundle_pem {
        None => Vec::new(),
        Some(pem) => {
            let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(pem).collect();
            let certs = certs.map_err(|e| {
                ConnectorError::config(side, format!("the CA bundle is not valid PEM: {e}"))
            })?;
            if certs.is_empty() {
                return Err(ConnectorError::config(
                    side,
                    "the CA bundle holds no certificate (expected PEM blocks \
                     `-----BEGIN CERTIFICATE-----`)",
                ));
            }
            certs
        }
    };
    let platform = if extra.is_empty() {
        rustls_platform_verifier::Verifier::new(provider.clone())
    } else {
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone())
    }
    .map_err(|e| ConnectorError::config(side, format!("the TLS trust store is unusable: {e}")))?;
    let verifier = RecordingVerifier::new(Arc::new(platform), peers);
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConnectorError::config(side, format!("TLS setup failed: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// The error and its causes as one line, innermost last.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !parts.iter().any(|p| p == &text) {
            parts.push(text);
        }
        cur = next_source(s);
    }
    parts.join(": ")
}

// `io::Error::source()` skips the wrapped error itself; reach it through `get_ref()`.
fn next_source<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a (dyn std::error::Error + 'static)> {
    if let Some(io) = e.downcast_ref::<std::io::Error>()
        && let Some(inner) = io.get_ref()
    {
        return Some(inner);
    }
    e.source()
}

fn find_tls_error(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<rustls::Error>() {
            return Some(t.to_string());
        }
        cur = next_source(err);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_matching() {
        assert!(bypassed("jira.example.com", Some("example.com")));
        assert!(bypassed("jira.example.com", Some(" .example.com ,x")));
        assert!(bypassed("example.com", Some("example.com:443")));
        assert!(!bypassed("notexample.com", Some("example.com")));
        assert!(bypassed("anything", Some("*")));
        assert!(bypassed("127.0.0.1", Some("localhost,127.0.0.1")));
        assert!(!bypassed("127.0.0.1", None));
    }

    #[test]
    fn proxy_for_respects_scheme_and_bypass() {
        let p = ProxySetting::Environment {
            https: Some(SecretString::from("http://u:secret@proxy:3128".to_owned())),
            http: None,
            no_proxy: Some("internal.example".into()),
        };
        let https = url::Url::parse("https://dev.azure.com/x").unwrap();
        let http = url::Url::parse("http://dev.azure.com/x").unwrap();
        let internal = url::Url::parse("https://tfs.internal.example/x").unwrap();
        assert!(p.proxy_for(&https).is_some());
        assert!(p.proxy_for(&http).is_none());
        assert!(p.proxy_for(&internal).is_none());
        let dbg = format!("{p:?}");
        assert!(!dbg.contains("secret"), "{dbg}");
        assert!(dbg.contains("u:redacted@proxy"), "{dbg}");
    }

    #[test]
    fn bad_ca_bundle_is_a_config_error() {
        let settings = HttpSettings {
            ca_bundle_pem: Some(b"not a pem".to_vec()),
            ..HttpSettings::default()
        };
        let e = HttpClient::new(Side::Jira, &settings).unwrap_err();
        assert_eq!(e.code(), "config");
        assert!(
            e.to_string().contains("CA bundle holds no certificate"),
            "{e}"
        );
    }

    #[test]
    fn debug_hides_proxy_credentials() {
        let settings = HttpSettings {
            proxy: ProxySetting::Url {
                url: SecretString::from("http://u:canary-proxy-pw@proxy.example:3128".to_owned()),
                no_proxy: None,
            },
            ..HttpSettings::default()
        };
        let c = HttpClient::new(Side::Jira, &settings).unwrap();
        let dbg = format!("{c:?} {settings:?}");
        assert!(!dbg.contains("canary"), "{dbg}");
    }

    #[test]
    fn builds_with_defaults() {
        let c = HttpClient::new(Side::Ado, &HttpSettings::default()).unwrap();
        assert!(c.peer_certificate("example.com").is_none());
        assert_eq!(USER_AGENT, format!("tandem/{}", env!("CARGO_PKG_VERSION")));
    }
}
