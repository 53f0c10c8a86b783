//! The Jira REST client: authentication, base URLs (site, Data Center, or the Cloud gateway
//! for scoped tokens), and one method per endpoint tandem uses. Everything goes through the
//! shared [`Transport`], so pacing, classification and safe retries are the same as on the
//! Azure DevOps side.

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderValue, Method, header};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tandem_connector::error::{ConnectorError, Side};
use tandem_connector::http::{HttpClient, RawResponse};
use tandem_connector::redact::Scrubber;
use tandem_connector::transport::{Idempotency, Intent, Transport};
use tokio::sync::OnceCell;
use url::Url;

use crate::classify::JiraDialect;
use crate::config::{Flavor, JiraAuth, JiraConfig};
use crate::wire;

/// The issue property that carries tandem's idempotency marker (DESIGN.md invariant 1).
pub const MARKER_PROPERTY: &str = "tandem.link";

/// A request body.
pub(crate) enum Body {
    None,
    Json(Value),
    /// Multipart upload of one file, part name `file` (research sync-semantics.md §2).
    File {
        filename: String,
        content: Bytes,
    },
}

#[derive(Debug)]
pub(crate) struct JiraClient {
    pub(crate) cfg: JiraConfig,
    pub(crate) transport: Transport<JiraDialect>,
    site: Url,
    api_base: OnceCell<Url>,
    pub(crate) fields: OnceCell<Vec<wire::Field>>,
    pub(crate) time_zone: OnceCell<Option<String>>,
}

/// `url` with a trailing slash so that `join` appends rather than replaces.
pub(crate) fn as_base(url: &Url) -> Url {
    let mut u = url.clone();
    if !u.path().ends_with('/') {
        let p = format!("{}/", u.path());
        u.set_path(&p);
    }
    u.set_query(None);
    u.set_fragment(None);
    u
}

impl JiraClient {
    pub(crate) fn new(cfg: JiraConfig) -> Result<Self, ConnectorError> {
        let http = HttpClient::new(Side::Jira, &cfg.http)?;
        let mut scrubber = Scrubber::new();
        match &cfg.auth {
            JiraAuth::CloudToken { email, token } | JiraAuth::ScopedToken { email, token, .. } => {
                scrubber.add(token, &[email.as_str()]);
            }
            JiraAuth::Password { user, password } => scrubber.add(password, &[user.as_str()]),
            JiraAuth::Pat { token } => scrubber.add(token, &[]),
        }
        let transport = Transport::new(http, cfg.pacing.clone(), scrubber, JiraDialect);
        let site = as_base(&cfg.site);
        if !matches!(site.scheme(), "http" | "https") {
            return Err(ConnectorError::config(
                Side::Jira,
                "the Jira URL must start with https:// (or http://)",
            ));
        }
        Ok(Self {
            cfg,
            transport,
            site,
            api_base: OnceCell::new(),
            fields: OnceCell::new(),
            time_zone: OnceCell::new(),
        })
    }

    pub(crate) fn site(&self) -> &Url {
        &self.site
    }

    pub(crate) fn flavor(&self) -> Flavor {
        self.cfg.flavor
    }

    fn authorization(&self) -> HeaderValue {
        let text = match &self.cfg.auth {
            JiraAuth::CloudToken { email, token } | JiraAuth::ScopedToken { email, token, .. } => {
                basic(email, token.expose_secret())
            }
            JiraAuth::Password { user, password } => basic(user, password.expose_secret()),
            JiraAuth::Pat { token } => format!("Bearer {}", token.expose_secret()),
        };
        // A token with characters a header cannot carry is refused by the server anyway;
        // send an empty value rather than failing here (the error will say "rejected").
        let mut v = HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""));
        v.set_sensitive(true);
        v
    }

    /// The REST base: `{site}/rest/api/3/` (Cloud), `{site}/rest/api/2/` (Data Center), or
    /// `{gateway}/ex/jira/{cloudId}/rest/api/3/` for scoped tokens.
    pub(crate) async fn api_base(&self) -> Result<Url, ConnectorError> {
        self.api_base
            .get_or_try_init(|| async {
                let join = |base: &Url, p: &str| {
                    base.join(p)
                        .map_err(|e| ConnectorError::config(Side::Jira, format!("bad URL: {e}")))
                };
                match (&self.cfg.auth, self.cfg.flavor) {
                    (
                        JiraAuth::ScopedToken {
                            gateway, cloud_id, ..
                        },
                        _,
                    ) => {
                        let id = match cloud_id {
                            Some(id) => id.clone(),
                            None => self.tenant_info().await?.cloud_id,
                        };
                        join(&as_base(gateway), &format!("ex/jira/{id}/rest/api/3/"))
                    }
                    (_, Flavor::Cloud) => join(&self.site, "rest/api/3/"),
                    (_, Flavor::DataCenter) => join(&self.site, "rest/api/2/"),
                }
            })
            .await
            .cloned()
    }

    /// `GET {site}/_edge/tenant_info`, unauthenticated (research jira-api.md §1.2).
    pub(crate) async fn tenant_info(&self) -> Result<wire::TenantInfo, ConnectorError> {
        let url = self
            .site
            .join("_edge/tenant_info")
            .map_err(|e| ConnectorError::config(Side::Jira, format!("bad URL: {e}")))?;
        let intent = Intent::new("look up the site's cloudId");
        self.transport
            .send_json(Idempotency::Safe, &intent, |c| {
                c.get(url.clone())
                    .header(header::ACCEPT, "application/json")
            })
            .await
    }

    /// Sends a request to `{api_base}{path}`.
    pub(crate) async fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Body,
        idempotency: Idempotency,
        intent: &Intent,
    ) -> Result<RawResponse, ConnectorError> {
        let url = self
            .api_base()
            .await?
            .join(path)
            .map_err(|e| ConnectorError::config(Side::Jira, format!("bad URL: {e}")))?;
        self.request_url(method, url, query, body, idempotency, intent)
            .await
    }

    pub(crate) async fn request_url(
        &self,
        method: Method,
        url: Url,
        query: &[(&str, String)],
        body: Body,
        idempotency: Idempotency,
        intent: &Intent,
    ) -> Result<RawResponse, ConnectorError> {
        let auth = self.authorization();
        self.transport
            .send(idempotency, intent, |c| {
                let mut b = c
                    .request(method.clone(), url.clone())
                    .header(header::AUTHORIZATION, auth.clone())
                    .header(header::ACCEPT, "application/json");
                if !query.is_empty() {
                    b = b.query(query);
                }
                match &body {
                    Body::None => b,
                    Body::Json(v) => b.json(v),
                    Body::File { filename, content } => {
                        let part = reqwest::multipart::Part::stream(content.clone())
                            .file_name(filename.clone());
                        // Jira blocks uploads without this header (XSRF check).
                        b.header("X-Atlassian-Token", "no-check")
                            .multipart(reqwest::multipart::Form::new().part("file", part))
                    }
                }
            })
            .await
    }

    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        intent: &Intent,
    ) -> Result<T, ConnectorError> {
        let r = self
            .request(
                Method::GET,
                path,
                query,
                Body::None,
                Idempotency::Safe,
                intent,
            )
            .await?;
        self.transport.decode(&r)
    }

    pub(crate) async fn send_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Value,
        idempotency: Idempotency,
        intent: &Intent,
    ) -> Result<T, ConnectorError> {
        let r = self
            .request(method, path, &[], Body::Json(body), idempotency, intent)
            .await?;
        self.transport.decode(&r)
    }

    /// Whether `url` is on the site or the API base, so credentials may be sent to it.
    pub(crate) async fn same_origin(&self, url: &Url) -> bool {
        let origin = |u: &Url| {
            (
                u.scheme().to_owned(),
                u.host_str().map(str::to_owned),
                u.port_or_known_default(),
            )
        };
        origin(url) == origin(&self.site)
            || self
                .api_base()
                .await
                .is_ok_and(|b| origin(url) == origin(&b))
    }

    /// `GET /field`, once per connector (Data Center needs it to know which string fields
    /// hold wiki markup).
    pub(crate) async fn fields(&self) -> Result<&Vec<wire::Field>, ConnectorError> {
        self.fields
            .get_or_try_init(|| async {
                self.get("field", &[], &Intent::new("read the field list"))
                    .await
            })
            .await
    }
}

fn basic(user: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"))
    )
}
