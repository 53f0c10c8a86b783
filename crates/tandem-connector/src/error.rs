//! `ConnectorError`: a typed cause, the evidence that led to it, and the fix.
//!
//! Every failure a connector reports is one of the [`ErrorKind`]s below. The kind is decided
//! from the response (status, the product's diagnostic headers, the body's error code), never
//! left as a string for callers to grep. The rendered message names the side, the request,
//! the cause, the evidence and what to do, and is safe to paste in a public forum: it holds
//! no credential (the evidence is captured through [`crate::redact`] and scrubbed of the
//! connector's own secrets before the error is built).

use std::fmt;
use std::time::Duration;

use serde::Serialize;

/// Which product a connector talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// Jira Cloud or Jira Data Center / Server.
    Jira,
    /// Azure DevOps Services or Azure DevOps Server / TFS.
    Ado,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Jira => "Jira",
            Side::Ado => "Azure DevOps",
        })
    }
}

/// The request that failed: method and URL without query string or user info.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestInfo {
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// `scheme://host[:port]/path`, never the query (it may carry user data) or credentials.
    pub url: String,
}

impl RequestInfo {
    /// Builds the description of a request from its method and URL, dropping the query,
    /// fragment and any user info.
    pub fn new(method: &http::Method, url: &url::Url) -> Self {
        Self {
            method: method.to_string(),
            url: crate::redact::url_without_query(url),
        }
    }
}

impl fmt::Display for RequestInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.url)
    }
}

/// What the server said, captured for diagnosis. Header values are redacted (credentials,
/// cookies) and every text is scrubbed of the connector's own secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// The diagnostic headers of the response (a fixed allow-list, see
    /// [`crate::redact::DIAGNOSTIC_HEADERS`]), in the order they came.
    pub headers: Vec<(String, String)>,
    /// `Content-Type` of the response body.
    pub content_type: Option<String>,
    /// The product's own error message(s) from the body (`errorMessages`, `message`...).
    pub messages: Vec<String>,
    /// The machine-readable error code of the body: Azure DevOps `typeKey`
    /// (`AccessCheckException`...) or its `TF`/`VS` number.
    pub code: Option<String>,
    /// The first bytes of a body that could not be read as the product's error shape.
    pub body_excerpt: Option<String>,
}

impl Evidence {
    /// The value of a captured header (case-insensitive name), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn short(&self) -> String {
        let mut parts = Vec::new();
        if let Some(status) = self.status {
            parts.push(format!("HTTP {status}"));
        }
        for (k, v) in &self.headers {
            parts.push(format!("{k}: {v}"));
        }
        if let Some(code) = &self.code {
            parts.push(code.clone());
        }
        for m in self.messages.iter().take(3) {
            parts.push(format!("\"{}\"", crate::redact::clip(m, 200)));
        }
        if self.messages.is_empty()
            && let Some(b) = &self.body_excerpt
        {
            parts.push(format!("body: \"{}\"", crate::redact::clip(b, 120)));
        }
        parts.join(", ")
    }
}

/// Why the server did not accept the credentials. Each variant is something the products
/// actually answer (research: jira-api.md §1, ado-api.md §2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "problem")]
pub enum AuthProblem {
    /// 401: the credentials were rejected. Jira answers a wrong, expired and revoked token
    /// alike, so this covers all three.
    Rejected,
    /// A 2xx served anonymously while `X-Seraph-LoginReason` says `AUTHENTICATED_FAILED`:
    /// Jira dropped the credentials and answered as an anonymous user (empty project list).
    AnonymousFallback,
    /// Azure DevOps says the personal access token has expired (`AccessCheckException`).
    Expired,
    /// Jira locked the account behind a CAPTCHA after failed logins
    /// (`X-Seraph-LoginReason: AUTHENTICATION_DENIED`).
    Captcha {
        /// Where to log in in a browser to clear it, from `X-Authentication-Denied-Reason`.
        login_url: Option<String>,
    },
    /// Jira Cloud got a classic API token as `Authorization: Bearer`
    /// ("Failed to parse Connect Session Auth Token").
    BearerNotAccepted,
    /// Jira Cloud's gateway: the scoped token lacks a scope the request needs.
    ScopeMismatch,
    /// Azure DevOps: the identity or token is not authorized for this resource (TF400813);
    /// most often a PAT without the needed scope (e.g. Work Items read & write).
    NotAuthorizedForResource,
    /// Azure DevOps answered with its sign-in flow (203 + HTML, or a 302 to the sign-in
    /// page) instead of a 401: the credentials were not accepted.
    SignInRedirect,
}

/// Why a TLS handshake failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsProblem {
    /// The certificate chain does not lead to a trusted root (typical of a corporate
    /// TLS-intercepting proxy whose CA is not in the trust store).
    UntrustedIssuer,
    /// The certificate has expired or is not yet valid.
    Expired,
    /// The certificate is not valid for the host name.
    WrongHost,
    /// Anything else (protocol version, bad encoding, handshake alert).
    Other,
}

/// A Jira field error or an Azure DevOps rule error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    /// Jira field id (`summary`) or Azure DevOps reference name (`System.Title`).
    pub field: String,
    /// The server's message for that field.
    pub message: String,
}

/// Kinds of network failure below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkProblem {
    /// The host name did not resolve.
    Dns,
    /// Nothing listens at the address, or a firewall refused the connection.
    Refused,
    /// Connecting took longer than the connect timeout.
    ConnectTimeout,
    /// The request took longer than the request timeout.
    Timeout,
    /// The connection was closed or reset mid-way.
    Reset,
    /// Another I/O problem.
    Other,
}

/// The typed cause of a connector failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum ErrorKind {
    /// The credentials were not accepted.
    Unauthenticated {
        /// What exactly the server said about them.
        problem: AuthProblem,
    },
    /// Authenticated, but not allowed to do this (Jira 403, Azure DevOps TF237111 area-path
    /// write permission, or a field error that `mypermissions` explains).
    PermissionDenied {
        /// What was attempted, e.g. "create an issue".
        operation: String,
        /// The project (or area path) concerned, when known.
        project: Option<String>,
    },
    /// Not found, or not visible to this user (both products answer the two alike).
    NotFoundOrHidden {
        /// What was looked for, e.g. "issue DEMO-7".
        what: String,
    },
    /// Throttled (429), or told to slow down beyond what the pacing allows.
    RateLimited {
        /// How long the server asked to wait.
        retry_after: Option<Duration>,
        /// Which limit: Jira `RateLimit-Reason`, Azure DevOps `X-RateLimit-Resource`.
        limit: Option<String>,
    },
    /// The item changed since it was read (Azure DevOps `test /rev` failed with 412, or
    /// Jira's `updated` moved): re-read and re-plan.
    StaleRevision {
        /// The revision the write was guarded with.
        expected: String,
        /// The revision found, when known.
        actual: Option<String>,
    },
    /// The server refused the content: per-field messages (Jira `errors`, Azure DevOps
    /// `RuleValidationErrors`) and general messages.
    Validation {
        /// Per-field problems.
        fields: Vec<FieldProblem>,
    },
    /// The server does not support the REST API version (Azure DevOps
    /// `VssVersionOutOfRangeException`), or the API was removed (Jira 410), or the flavour
    /// is wrong (`/rest/api/3` on Data Center).
    ApiVersion {
        /// The version requested.
        requested: String,
        /// The newest version the server says it supports, when it says.
        supported: Option<String>,
    },
    /// The TLS handshake failed.
    Tls {
        /// Why.
        problem: TlsProblem,
        /// Issuer of the server's certificate (`CN=..., O=...`), recorded during the
        /// handshake even when verification failed.
        issuer: Option<String>,
        /// Subject of the server's certificate.
        subject: Option<String>,
        /// The TLS library's reason.
        reason: String,
    },
    /// The proxy refused or failed the request.
    Proxy {
        /// The proxy URL, without credentials.
        proxy: String,
        /// What went wrong (407, tunnel refused, unreachable...).
        reason: String,
    },
    /// The network failed below HTTP.
    Network {
        /// What kind of failure.
        problem: NetworkProblem,
        /// The underlying reason, scrubbed.
        reason: String,
    },
    /// An HTML page came back where JSON was expected: a single-sign-on page, a proxy's
    /// block page or a login form.
    HtmlInsteadOfJson {
        /// The page's `<title>`, when it has one.
        title: Option<String>,
    },
    /// The server failed (5xx).
    Server {
        /// The status.
        status: u16,
    },
    /// Another conflict than a stale revision (409), e.g. a duplicate or a relation rule.
    Conflict,
    /// The request was rejected for another reason (4xx with a message), e.g. a bad query.
    BadRequest,
    /// The response could not be read as the documented shape.
    UnexpectedResponse {
        /// What did not match.
        detail: String,
    },
    /// The connector's own settings are unusable (bad URL, unreadable CA bundle...).
    Config {
        /// What is wrong.
        detail: String,
    },
}

/// A connector failure: which side, which request, the typed cause and the evidence.
/// Boxed inside, so a `Result<T, ConnectorError>` stays one pointer wide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ConnectorError(Box<Inner>);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Inner {
    side: Side,
    request: Option<RequestInfo>,
    kind: ErrorKind,
    evidence: Evidence,
}

impl std::error::Error for ConnectorError {}

impl ConnectorError {
    /// A new error with no evidence yet.
    pub fn new(side: Side, kind: ErrorKind) -> Self {
        Self(Box::new(Inner {
            side,
            request: None,
            kind,
            evidence: Evidence::default(),
        }))
    }

    /// Attaches the request.
    #[must_use]
    pub fn with_request(mut self, request: RequestInfo) -> Self {
        self.0.request = Some(request);
        self
    }

    /// Attaches the evidence.
    #[must_use]
    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        self.0.evidence = evidence;
        self
    }

    /// Replaces the cause, keeping request and evidence (a connector refining a generic
    /// reading with what it knows, e.g. a 400 that `mypermissions` explains).
    #[must_use]
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.0.kind = kind;
        self
    }

    /// Jira or Azure DevOps.
    pub fn side(&self) -> Side {
        self.0.side
    }

    /// The typed cause.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// The request that failed, when there was one.
    pub fn request(&self) -> Option<&RequestInfo> {
        self.0.request.as_ref()
    }

    /// What the server said.
    pub fn evidence(&self) -> &Evidence {
        &self.0.evidence
    }

    /// A configuration error.
    pub fn config(side: Side, detail: impl Into<String>) -> Self {
        Self::new(
            side,
            ErrorKind::Config {
                detail: detail.into(),
            },
        )
    }

    /// A response that does not have the documented shape.
    pub fn unexpected(side: Side, detail: impl Into<String>) -> Self {
        Self::new(
            side,
            ErrorKind::UnexpectedResponse {
                detail: detail.into(),
            },
        )
    }

    /// Whether trying the same request again, after a wait, can succeed. Only transient
    /// causes qualify; a caller still decides whether the request was safe to repeat
    /// (see [`crate::transport::Idempotency`]).
    pub fn is_retryable(&self) -> bool {
        match &self.0.kind {
            ErrorKind::RateLimited { .. } => true,
            ErrorKind::Network { problem, .. } => !matches!(problem, NetworkProblem::Dns),
            // 501 Not Implemented will not change on a retry.
            ErrorKind::Server { status } => *status != 501,
            _ => false,
        }
    }

    /// How long the server asked to wait before a retry, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match &self.0.kind {
            ErrorKind::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A stable short code for the cause, for logs and JSON (`unauthenticated`, `tls`...).
    pub fn code(&self) -> &'static str {
        match &self.0.kind {
            ErrorKind::Unauthenticated { .. } => "unauthenticated",
            ErrorKind::PermissionDenied { .. } => "permission-denied",
            ErrorKind::NotFoundOrHidden { .. } => "not-found-or-hidden",
            ErrorKind::RateLimited { .. } => "rate-limited",
            ErrorKind::StaleRevision { .. } => "stale-revision",
            ErrorKind::Validation { .. } => "validation",
            ErrorKind::ApiVersion { .. } => "api-version",
            ErrorKind::Tls { .. } => "tls",
            ErrorKind::Proxy { .. } => "proxy",
            ErrorKind::Network { .. } => "network",
            ErrorKind::HtmlInsteadOfJson { .. } => "html-instead-of-json",
            ErrorKind::Server { .. } => "server",
            ErrorKind::Conflict => "conflict",
            ErrorKind::BadRequest => "bad-request",
            ErrorKind::UnexpectedResponse { .. } => "unexpected-response",
            ErrorKind::Config { .. } => "config",
        }
    }

    /// One sentence saying what went wrong.
    pub fn summary(&self) -> String {
        let side = self.0.side;
        match &self.0.kind {
            ErrorKind::Unauthenticated { problem } => match problem {
                AuthProblem::Rejected => format!("{side} rejected the credentials"),
                AuthProblem::AnonymousFallback => format!(
                    "{side} did not accept the credentials and answered as an anonymous user \
                     (Empty project list — probably not authenticated)"
                ),
                AuthProblem::Expired => format!("the {side} personal access token has expired"),
                AuthProblem::Captcha { .. } => {
                    format!("{side} locked the account behind a CAPTCHA after failed logins")
                }
                AuthProblem::BearerNotAccepted => {
                    format!("{side} Cloud does not accept an API token sent as a Bearer token")
                }
                AuthProblem::ScopeMismatch => {
                    format!("the scoped {side} API token lacks a scope this request needs")
                }
                AuthProblem::NotAuthorizedForResource => {
                    format!("{side} says the identity is not authorized to access this resource")
                }
                AuthProblem::SignInRedirect => format!(
                    "{side} answered with its sign-in page: the credentials were not accepted"
                ),
            },
            ErrorKind::PermissionDenied { operation, project } => match project {
                Some(p) => format!("not allowed to {operation} in {p}"),
                None => format!("not allowed to {operation}"),
            },
            ErrorKind::NotFoundOrHidden { what } => {
                format!("{what} does not exist or is not visible to this user")
            }
            ErrorKind::RateLimited { retry_after, limit } => {
                let mut s = format!("{side} is throttling requests");
                if let Some(l) = limit {
                    s.push_str(&format!(" (limit: {l})"));
                }
                if let Some(d) = retry_after {
                    s.push_str(&format!("; it asked to wait {}s", d.as_secs_f64().ceil()));
                }
                s
            }
            ErrorKind::StaleRevision { expected, actual } => match actual {
                Some(a) => {
                    format!("the item changed since it was read (revision {expected} is now {a})")
                }
                None => format!("the item changed since it was read (revision {expected})"),
            },
            ErrorKind::Validation { fields } => {
                if fields.is_empty() {
                    format!("{side} refused the content")
                } else {
                    let list: Vec<String> = fields
                        .iter()
                        .map(|f| format!("{}: {}", f.field, f.message))
                        .collect();
                    format!("{side} refused the content ({})", list.join("; "))
                }
            }
            ErrorKind::ApiVersion {
                requested,
                supported,
            } => match supported {
                Some(s) => format!(
                    "the server does not support REST API version {requested} (newest it supports: {s})"
                ),
                None => format!("the server does not offer REST API version {requested}"),
            },
            ErrorKind::Tls {
                problem,
                issuer,
                reason,
                ..
            } => {
                let what = match problem {
                    TlsProblem::UntrustedIssuer => "the server's certificate is not trusted",
                    TlsProblem::Expired => {
                        "the server's certificate has expired or is not yet valid"
                    }
                    TlsProblem::WrongHost => "the server's certificate is for another host name",
                    TlsProblem::Other => "the TLS handshake failed",
                };
                match issuer {
                    Some(i) => format!("{what} (issued by {i}): {reason}"),
                    None => format!("{what}: {reason}"),
                }
            }
            ErrorKind::Proxy { proxy, reason } => format!("the proxy {proxy} failed: {reason}"),
            ErrorKind::Network { problem, reason } => {
                let what = match problem {
                    NetworkProblem::Dns => "the host name does not resolve",
                    NetworkProblem::Refused => "the connection was refused",
                    NetworkProblem::ConnectTimeout => "connecting timed out",
                    NetworkProblem::Timeout => "the request timed out",
                    NetworkProblem::Reset => "the connection was closed mid-request",
                    NetworkProblem::Other => "a network error occurred",
                };
                format!("{what} ({reason})")
            }
            ErrorKind::HtmlInsteadOfJson { title } => match title {
                Some(t) => format!("an HTML page (\"{t}\") came back instead of JSON"),
                None => "an HTML page came back instead of JSON".to_owned(),
            },
            ErrorKind::Server { status } => format!("{side} failed with HTTP {status}"),
            ErrorKind::Conflict => format!("{side} reported a conflict"),
            ErrorKind::BadRequest => format!("{side} rejected the request"),
            ErrorKind::UnexpectedResponse { detail } => {
                format!("{side} answered in an unexpected shape: {detail}")
            }
            ErrorKind::Config { detail } => {
                format!("the {side} connection settings are unusable: {detail}")
            }
        }
    }

    /// What to do about it, as one or two sentences.
    pub fn fix(&self) -> String {
        let jira = self.0.side == Side::Jira;
        match &self.0.kind {
            ErrorKind::Unauthenticated { problem } => match (problem, jira) {
                (AuthProblem::Rejected | AuthProblem::AnonymousFallback, true) => {
                    "Log in to Jira as the intended sync user, create a new unscoped API token \
                     (Cloud: id.atlassian.com > Security > API tokens; Data Center: a personal \
                     access token), and configure that user's email with the new token; a token \
                     of another account, an expired or a revoked one all fail this way."
                        .to_owned()
                }
                (AuthProblem::Rejected | AuthProblem::AnonymousFallback, false) => {
                    "Create a new personal access token while signed in as the intended sync \
                     identity (User settings > Personal access tokens) with the Work Items \
                     (read & write) scope, and configure it."
                        .to_owned()
                }
                (AuthProblem::Expired, _) => {
                    "Create a new personal access token for the sync identity (or extend this \
                     one under User settings > Personal access tokens) and configure it; record \
                     its expiry so tandem warns before the next one lapses."
                        .to_owned()
                }
                (AuthProblem::Captcha { login_url }, _) => match login_url {
                    Some(u) => format!(
                        "Log in once in a browser at {u} as the sync user and solve the CAPTCHA \
                         (or ask a Jira admin to reset the failed-login count), then check the \
                         configured password or token."
                    ),
                    None => "Log in once in a browser as the sync user and solve the CAPTCHA (or \
                             ask a Jira admin to reset the failed-login count), then check the \
                             configured password or token."
                        .to_owned(),
                },
                (AuthProblem::BearerNotAccepted, _) => {
                    "Use basic authentication (the account's email as user name, the API token as \
                     password) for Jira Cloud; Bearer is for Data Center personal access tokens."
                        .to_owned()
                }
                (AuthProblem::ScopeMismatch, _) => {
                    "Give the scoped token the scopes tandem needs (read:jira-work, \
                     write:jira-work, read:jira-user) or use an unscoped API token of the sync user."
                        .to_owned()
                }
                (AuthProblem::NotAuthorizedForResource, _) => {
                    "Give the personal access token the Work Items (Read & write) scope, or check \
                     that the identity is a member of the organization and project."
                        .to_owned()
                }
                (AuthProblem::SignInRedirect, _) => {
                    "Check the token: Azure DevOps sent its sign-in page, which means the \
                     credentials were not accepted (wrong, expired or revoked token)."
                        .to_owned()
                }
            },
            ErrorKind::PermissionDenied { operation, project } => {
                let project = project.as_deref().unwrap_or("the project");
                if jira {
                    format!(
                        "Grant the sync user the permission to {operation} in {project}'s \
                         permission scheme (through a project role or group), then retry."
                    )
                } else {
                    format!(
                        "Give the sync identity the permission to {operation} on {project} \
                         (Project settings > Project configuration > Areas > Security: \"Edit \
                         work items in this node\"), then retry."
                    )
                }
            }
            ErrorKind::NotFoundOrHidden { .. } => {
                if jira {
                    "Check the key, and that the sync user has Browse Projects in that project \
                     (Jira hides what a user cannot browse)."
                        .to_owned()
                } else {
                    "Check the id, and that the sync identity may view work items in its area \
                     path (\"View work items in this node\")."
                        .to_owned()
                }
            }
            ErrorKind::RateLimited { .. } => {
                "Nothing to fix: tandem waits as asked and slows down; if it persists, lower \
                 the polling rate or spread the sync over time."
                    .to_owned()
            }
            ErrorKind::StaleRevision { .. } => {
                "Nothing to fix: re-read the item and plan the change again.".to_owned()
            }
            ErrorKind::Validation { .. } => {
                if jira {
                    "Check that the fields are on the project's create/edit screen and that the \
                     sync user has Create/Edit Issues (Jira reports a missing permission as \
                     \"Field cannot be set\"); `tandem doctor` tells the two apart."
                        .to_owned()
                } else {
                    "Fix the field values named above (required fields, allowed values) in the \
                     field mapping."
                        .to_owned()
                }
            }
            ErrorKind::ApiVersion { .. } => {
                if jira {
                    "Check the Jira mode: Data Center has only REST API v2; set mode = \
                     \"datacenter\" (or \"auto\") for a self-hosted site."
                        .to_owned()
                } else {
                    "tandem falls back to the version the server reports; if this persists, the \
                     server is older than Azure DevOps Server 2019 and is not supported."
                        .to_owned()
                }
            }
            ErrorKind::Tls { problem, .. } => match problem {
                TlsProblem::UntrustedIssuer => {
                    "If a corporate proxy inspects TLS, add its CA certificate (PEM) as the \
                     connection's CA bundle (`ca_bundle` in the config); otherwise check that \
                     the URL points at the real server."
                        .to_owned()
                }
                TlsProblem::Expired => {
                    "Ask the server's administrator to renew the certificate, and check this \
                     machine's clock."
                        .to_owned()
                }
                TlsProblem::WrongHost => {
                    "Use the host name the certificate was issued for in the URL.".to_owned()
                }
                TlsProblem::Other => {
                    "Check that the URL uses the right scheme and port, and any TLS-inspecting proxy."
                        .to_owned()
                }
            },
            ErrorKind::Proxy { .. } => {
                "Check the proxy URL and its credentials (config `proxy` or HTTPS_PROXY), or add \
                 the host to NO_PROXY if it should be reached directly."
                    .to_owned()
            }
            ErrorKind::Network { problem, .. } => match problem {
                NetworkProblem::Dns => "Check the host name in the URL and this machine's DNS.".to_owned(),
                _ => "Check that the server is reachable from this machine (URL, port, firewall, \
                      proxy); tandem retries transient failures."
                    .to_owned(),
            },
            ErrorKind::HtmlInsteadOfJson { .. } => {
                "A single-sign-on page, a proxy or a login form answered instead of the API: \
                 check the URL (the site's base URL, not a browser page), the proxy settings \
                 and the credentials."
                    .to_owned()
            }
            ErrorKind::Server { .. } => {
                "Nothing to fix on this side: tandem retries reads; if it persists, check the \
                 product's status page."
                    .to_owned()
            }
            ErrorKind::Conflict | ErrorKind::BadRequest => {
                "See the server's message above.".to_owned()
            }
            ErrorKind::UnexpectedResponse { .. } => {
                "Check that the URL points at the product's REST API (not a proxy or another \
                 service); if it does, report this response shape."
                    .to_owned()
            }
            ErrorKind::Config { .. } => "Fix the setting named above in the profile.".to_owned(),
        }
    }
}

impl fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.side, self.summary())?;
        if let Some(r) = &self.0.request {
            write!(f, " [{r}]")?;
        }
        let ev = self.0.evidence.short();
        if !ev.is_empty() {
            write!(f, " [{ev}]")?;
        }
        write!(f, ". Fix: {}", self.fix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_only_for_transient_causes() {
        let rl = ConnectorError::new(
            Side::Jira,
            ErrorKind::RateLimited {
                retry_after: Some(Duration::from_secs(3)),
                limit: None,
            },
        );
        assert!(rl.is_retryable());
        assert_eq!(rl.retry_after(), Some(Duration::from_secs(3)));
        assert!(ConnectorError::new(Side::Ado, ErrorKind::Server { status: 503 }).is_retryable());
        assert!(!ConnectorError::new(Side::Ado, ErrorKind::Server { status: 501 }).is_retryable());
        let auth = ConnectorError::new(
            Side::Jira,
            ErrorKind::Unauthenticated {
                problem: AuthProblem::Rejected,
            },
        );
        assert!(!auth.is_retryable());
        let stale = ConnectorError::new(
            Side::Ado,
            ErrorKind::StaleRevision {
                expected: "4".into(),
                actual: None,
            },
        );
        assert!(!stale.is_retryable());
    }

    #[test]
    fn message_names_cause_evidence_and_fix() {
        let e = ConnectorError::new(
            Side::Jira,
            ErrorKind::Unauthenticated {
                problem: AuthProblem::AnonymousFallback,
            },
        )
        .with_request(RequestInfo {
            method: "GET".into(),
            url: "https://x.atlassian.net/rest/api/3/project/search".into(),
        })
        .with_evidence(Evidence {
            status: Some(200),
            headers: vec![("X-Seraph-LoginReason".into(), "AUTHENTICATED_FAILED".into())],
            ..Evidence::default()
        });
        let s = e.to_string();
        assert!(
            s.contains("Empty project list — probably not authenticated"),
            "{s}"
        );
        assert!(
            s.contains("X-Seraph-LoginReason: AUTHENTICATED_FAILED"),
            "{s}"
        );
        assert!(
            s.contains("Fix: Log in to Jira as the intended sync user"),
            "{s}"
        );
        assert_eq!(e.code(), "unauthenticated");
    }
}
