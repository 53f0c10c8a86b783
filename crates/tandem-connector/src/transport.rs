//! The request loop both connectors share: pace, send, read the rate-limit headers, classify
//! the response into a typed error with evidence, and retry what is safe to retry.
//!
//! Retry rules (jira-api.md §7 "retry only idempotent calls"; DESIGN.md invariant 3):
//! - [`Idempotency::Safe`] requests (reads, and writes that are idempotent by construction,
//!   like a `PUT` of an issue property or a patch guarded by `test /rev`) are retried on any
//!   retryable error, with exponential backoff and jitter, honouring `Retry-After`.
//! - [`Idempotency::Unsafe`] requests (creates, comments, uploads) are retried only when the
//!   server provably did not apply them: a 429 (rejected before processing) or a failure to
//!   connect at all. A timeout or a 5xx after sending may have applied the write, so it is
//!   returned to the caller, whose intent journal makes the next attempt safe.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::{
    AuthProblem, ConnectorError, ErrorKind, Evidence, NetworkProblem, RequestInfo, Side,
};
use crate::http::{HttpClient, RawResponse};
use crate::pacing::{PaceStats, Pacer, PacingSettings};
use crate::redact::{Scrubber, clip, diagnostic_headers};
use crate::tls::PeerCertificate;

/// Whether a request may be repeated blindly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Idempotency {
    /// Repeating it has no further effect.
    Safe,
    /// Repeating it could apply it twice (create, comment, upload).
    Unsafe,
}

/// What a request is for, so that an error can say what failed in the user's terms.
#[derive(Clone, Debug, Default)]
pub struct Intent {
    /// What was attempted, as a verb phrase: "create an issue", "read work items".
    pub operation: String,
    /// The thing acted on, e.g. "issue DEMO-7", used for not-found messages.
    pub target: Option<String>,
    /// The project (or area path) concerned.
    pub project: Option<String>,
    /// The revision a guarded write was made against.
    pub guard: Option<String>,
    /// The response is not JSON (a download): do not treat non-JSON bodies as an error.
    pub raw_body: bool,
}

impl Intent {
    /// An intent with just an operation.
    pub fn new(operation: impl Into<String>) -> Self {
        Self {
            operation: operation.into(),
            ..Self::default()
        }
    }

    /// Sets the target.
    #[must_use]
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// Sets the project.
    #[must_use]
    pub fn project(mut self, project: impl Into<String>) -> Self {
        self.project = Some(project.into());
        self
    }

    /// Sets the guard revision.
    #[must_use]
    pub fn guard(mut self, guard: impl Into<String>) -> Self {
        self.guard = Some(guard.into());
        self
    }

    /// Marks the response as raw bytes.
    #[must_use]
    pub fn raw(mut self) -> Self {
        self.raw_body = true;
        self
    }
}

/// What a product-specific classifier is given.
#[derive(Debug)]
pub struct Exchange<'a> {
    /// The request.
    pub request: &'a RequestInfo,
    /// The response.
    pub response: &'a RawResponse,
    /// The evidence already captured (headers, messages, code).
    pub evidence: &'a Evidence,
    /// What the request was for.
    pub intent: &'a Intent,
}

/// The product-specific half of classification: Jira and Azure DevOps each implement it.
pub trait Dialect: Send + Sync + std::fmt::Debug + 'static {
    /// The side.
    fn side(&self) -> Side;

    /// Reads the product's error body: its messages and its machine-readable code.
    fn body_messages(&self, body: &[u8]) -> (Vec<String>, Option<String>);

    /// Decides the typed cause of a response, or `None` to let the generic status rules
    /// decide (`Some` is also how a 2xx is turned into an error, e.g. Jira's anonymous
    /// fallback). Called for every response.
    fn classify(&self, exchange: &Exchange<'_>) -> Option<ErrorKind>;
}

/// Pacing + HTTP client + classification + retries for one connector.
#[derive(Debug)]
pub struct Transport<D: Dialect> {
    http: HttpClient,
    pacer: Pacer,
    scrubber: Scrubber,
    dialect: D,
}

impl<D: Dialect> Transport<D> {
    /// Assembles a transport.
    pub fn new(http: HttpClient, pacing: PacingSettings, scrubber: Scrubber, dialect: D) -> Self {
        Self {
            http,
            pacer: Pacer::new(pacing),
            scrubber,
            dialect,
        }
    }

    /// The side.
    pub fn side(&self) -> Side {
        self.dialect.side()
    }

    /// The scrubber holding this connector's secrets.
    pub fn scrubber(&self) -> &Scrubber {
        &self.scrubber
    }

    /// The HTTP client.
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// Pacing counters.
    pub fn pace_stats(&self) -> PaceStats {
        self.pacer.stats()
    }

    /// The certificate last seen for `host`.
    pub fn peer_certificate(&self, host: &str) -> Option<PeerCertificate> {
        self.http.peer_certificate(host)
    }

    /// Sends a request built by `build` (called again for each retry), and returns the
    /// response when it is a success, or the typed error.
    pub async fn send<F>(
        &self,
        idempotency: Idempotency,
        intent: &Intent,
        build: F,
    ) -> Result<RawResponse, ConnectorError>
    where
        F: Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync,
    {
        let side = self.side();
        let settings = self.pacer.settings().clone();
        let mut backoff = ExponentialBuilder::default()
            .with_min_delay(settings.min_backoff)
            .with_max_delay(settings.max_backoff)
            .with_max_times(settings.max_retries)
            .with_jitter()
            .build();
        let mut attempt = 0usize;
        loop {
            self.pacer.wait_turn().await;
            let request = build(self.http.reqwest()).build().map_err(|e| {
                ConnectorError::config(
                    side,
                    format!(
                        "could not build a request: {}",
                        self.scrubber.scrub(&e.to_string())
                    ),
                )
            })?;
            let info = RequestInfo::new(request.method(), request.url());
            let started = std::time::Instant::now();
            let error = match self.http.execute(request, &self.scrubber).await {
                Ok(response) => {
                    let signals = self.pacer.observe(response.status, &response.headers);
                    tracing::debug!(
                        side = %side,
                        method = %info.method,
                        url = %info.url,
                        status = response.status.as_u16(),
                        elapsed_ms = crate::time::millis(started.elapsed()),
                        rate_remaining = signals.remaining,
                        "response"
                    );
                    match self.check(&info, &response, intent) {
                        None => return Ok(response),
                        Some(e) => e,
                    }
                }
                Err(e) => {
                    tracing::debug!(side = %side, method = %info.method, url = %info.url, error = %e.summary(), "request failed");
                    e
                }
            };
            let repeatable = match idempotency {
                Idempotency::Safe => true,
                Idempotency::Unsafe => provably_not_applied(&error),
            };
            if !error.is_retryable() || !repeatable || attempt >= settings.max_retries {
                return Err(error);
            }
            let wait = match error.retry_after() {
                // Longer than we are willing to block: let the caller reschedule.
                Some(ra) if ra > settings.max_retry_wait => return Err(error),
                // The pacer already holds every request until Retry-After has passed.
                Some(_) => Duration::ZERO,
                None => backoff.next().unwrap_or(settings.max_backoff),
            };
            attempt += 1;
            self.pacer.count_retry();
            tracing::warn!(
                side = %side,
                method = %info.method,
                url = %info.url,
                attempt,
                wait_ms = crate::time::millis(wait),
                error = %error.summary(),
                "retrying"
            );
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
    }

    /// Like [`Transport::send`], then decodes the JSON body.
    pub async fn send_json<T, F>(
        &self,
        idempotency: Idempotency,
        intent: &Intent,
        build: F,
    ) -> Result<T, ConnectorError>
    where
        T: DeserializeOwned,
        F: Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync,
    {
        let response = self.send(idempotency, intent, build).await?;
        self.decode(&response)
    }

    /// Decodes a JSON body, or says what did not match.
    pub fn decode<T: DeserializeOwned>(&self, response: &RawResponse) -> Result<T, ConnectorError> {
        serde_json::from_slice(&response.body).map_err(|e| {
            ConnectorError::unexpected(self.side(), self.scrubber.scrub(&e.to_string()))
                .with_evidence(Evidence {
                    status: Some(response.status.as_u16()),
                    content_type: response.media_type(),
                    body_excerpt: Some(clip(
                        &self
                            .scrubber
                            .scrub(&String::from_utf8_lossy(&response.body)),
                        300,
                    )),
                    ..Evidence::default()
                })
        })
    }

    /// Captures the evidence of a response.
    pub fn evidence(&self, response: &RawResponse) -> Evidence {
        let (messages, code) = self.dialect.body_messages(&response.body);
        let messages: Vec<String> = messages
            .iter()
            .map(|m| clip(&self.scrubber.scrub(m), 500))
            .collect();
        let body_excerpt = if messages.is_empty() && !response.body.is_empty() {
            if response.is_html() {
                html_title(&response.body)
                    .map(|t| format!("HTML page titled \"{}\"", self.scrubber.scrub(&t)))
            } else {
                Some(clip(
                    &self
                        .scrubber
                        .scrub(&String::from_utf8_lossy(&response.body)),
                    300,
                ))
            }
        } else {
            None
        };
        Evidence {
            status: Some(response.status.as_u16()),
            headers: diagnostic_headers(&response.headers, &self.scrubber),
            content_type: response.media_type(),
            messages,
            code: code.map(|c| self.scrubber.scrub(&c)),
            body_excerpt,
        }
    }

    /// `None` for a success; otherwise the typed error.
    fn check(
        &self,
        info: &RequestInfo,
        response: &RawResponse,
        intent: &Intent,
    ) -> Option<ConnectorError> {
        let evidence = self.evidence(response);
        let exchange = Exchange {
            request: info,
            response,
            evidence: &evidence,
            intent,
        };
        let kind = match self.dialect.classify(&exchange) {
            Some(k) => k,
            None => generic_kind(&exchange)?,
        };
        Some(
            ConnectorError::new(self.side(), kind)
                .with_request(info.clone())
                .with_evidence(evidence),
        )
    }
}

/// Whether the request certainly did not reach the point of being applied.
fn provably_not_applied(e: &ConnectorError) -> bool {
    match e.kind() {
        ErrorKind::RateLimited { .. } => true,
        ErrorKind::Network { problem, .. } => {
            matches!(
                problem,
                NetworkProblem::Refused | NetworkProblem::Dns | NetworkProblem::ConnectTimeout
            )
        }
        _ => false,
    }
}

/// The status rules shared by both products, used when the dialect has no better reading.
pub fn generic_kind(x: &Exchange<'_>) -> Option<ErrorKind> {
    let status = x.response.status;
    let intent = x.intent;
    if status.is_success() {
        if !intent.raw_body && x.response.is_html() {
            return Some(ErrorKind::HtmlInsteadOfJson {
                title: html_title(&x.response.body),
            });
        }
        return None;
    }
    if status.is_redirection() {
        let location = x.response.header("location").map(|l| {
            url::Url::parse(l)
                .map_or_else(|_| clip(l, 120), |u| crate::redact::url_without_query(&u))
        });
        return Some(ErrorKind::UnexpectedResponse {
            detail: match location {
                Some(l) => format!("redirected to {l} (redirects are not followed)"),
                None => "redirected (redirects are not followed)".to_owned(),
            },
        });
    }
    let retry_after =
        || crate::pacing::RateSignals::from_headers(&x.response.headers, jiff::Timestamp::now());
    Some(match status {
        StatusCode::UNAUTHORIZED => ErrorKind::Unauthenticated {
            problem: AuthProblem::Rejected,
        },
        StatusCode::FORBIDDEN => ErrorKind::PermissionDenied {
            operation: intent.operation.clone(),
            project: intent.project.clone(),
        },
        StatusCode::NOT_FOUND => ErrorKind::NotFoundOrHidden {
            what: intent
                .target
                .clone()
                .unwrap_or_else(|| x.request.url.clone()),
        },
        StatusCode::PROXY_AUTHENTICATION_REQUIRED => ErrorKind::Proxy {
            proxy: "(configured proxy)".to_owned(),
            reason: "the proxy requires authentication (407)".to_owned(),
        },
        StatusCode::REQUEST_TIMEOUT => ErrorKind::Network {
            problem: NetworkProblem::Timeout,
            reason: "the server timed out the request (408)".to_owned(),
        },
        StatusCode::CONFLICT => ErrorKind::Conflict,
        StatusCode::GONE => ErrorKind::ApiVersion {
            requested: x.request.url.clone(),
            supported: None,
        },
        StatusCode::PRECONDITION_FAILED => ErrorKind::StaleRevision {
            expected: intent.guard.clone().unwrap_or_default(),
            actual: None,
        },
        StatusCode::TOO_MANY_REQUESTS => {
            let s = retry_after();
            ErrorKind::RateLimited {
                retry_after: s.retry_after,
                limit: s.reason,
            }
        }
        s if s.is_server_error() => {
            if s == StatusCode::SERVICE_UNAVAILABLE && retry_after().retry_after.is_some() {
                let s = retry_after();
                ErrorKind::RateLimited {
                    retry_after: s.retry_after,
                    limit: s.reason,
                }
            } else {
                ErrorKind::Server { status: s.as_u16() }
            }
        }
        s if s.is_client_error() && x.response.is_html() => ErrorKind::HtmlInsteadOfJson {
            title: html_title(&x.response.body),
        },
        _ => ErrorKind::BadRequest,
    })
}

/// The text of an HTML page's `<title>`, if any.
pub fn html_title(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]);
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = lower[start..].find('>')? + start + 1;
    let end = lower[open_end..].find("</title>")? + open_end;
    let title = text
        .get(open_end..end)?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!title.is_empty()).then(|| clip(&title, 120))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_of_html() {
        assert_eq!(
            html_title(b"<html><head><TITLE>\n Sign  in to your account</title></head>"),
            Some("Sign in to your account".to_owned())
        );
        assert_eq!(html_title(b"<html><body>x</body></html>"), None);
    }

    #[test]
    fn only_rejected_or_unsent_writes_are_repeatable() {
        let rl = ConnectorError::new(
            Side::Jira,
            ErrorKind::RateLimited {
                retry_after: None,
                limit: None,
            },
        );
        assert!(provably_not_applied(&rl));
        let refused = ConnectorError::new(
            Side::Jira,
            ErrorKind::Network {
                problem: NetworkProblem::Refused,
                reason: String::new(),
            },
        );
        assert!(provably_not_applied(&refused));
        let timeout = ConnectorError::new(
            Side::Jira,
            ErrorKind::Network {
                problem: NetworkProblem::Timeout,
                reason: String::new(),
            },
        );
        assert!(!provably_not_applied(&timeout));
        assert!(!provably_not_applied(&ConnectorError::new(
            Side::Ado,
            ErrorKind::Server { status: 502 }
        )));
    }
}
