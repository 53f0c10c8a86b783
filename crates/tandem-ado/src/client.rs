//! The Azure DevOps REST client: authentication, `api-version` negotiation, and the request
//! helper every endpoint goes through.
//!
//! `api-version` starts at the configured version (7.1 by default). When the server answers
//! `VssVersionOutOfRangeException` ("... the latest REST API version this server supports is
//! 6.0"), the client lowers its version to that, remembers it, and repeats the request
//! (research ado-api.md §1: a free capability probe). Preview-only resources
//! (`connectionData`, comments) get their `-preview.N` suffix per version.
//!
//! Every request sends `X-TFS-FedAuthRedirect: Suppress` so that bad credentials give a 401
//! instead of a sign-in page (research ado-api.md §2).

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderValue, Method, header};
use parking_lot::Mutex;
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tandem_connector::error::{ConnectorError, ErrorKind, Side};
use tandem_connector::http::{HttpClient, RawResponse};
use tandem_connector::redact::Scrubber;
use tandem_connector::transport::{Idempotency, Intent, Transport};
use tokio::sync::OnceCell;
use url::Url;

use crate::classify::AdoDialect;
use crate::config::{AdoAuth, AdoConfig, ApiVersion};
use crate::wire;

/// Where a path is rooted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// `{org}/_apis/...`
    Org,
    /// `{org}/{project}/_apis/...`
    Project,
}

/// Which `api-version` form a resource takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resource {
    /// GA: `7.1`.
    General,
    /// `connectionData`: preview only.
    ConnectionData,
    /// Work item comments: `7.1-preview.4`, `6.0/7.0-preview.3`, `5.x-preview.2`.
    Comments,
}

impl Resource {
    pub(crate) fn version(self, v: ApiVersion) -> String {
        match self {
            Resource::General => v.to_string(),
            Resource::ConnectionData => format!("{v}-preview.1"),
            Resource::Comments => {
                let n = if v >= ApiVersion::LATEST {
                    4
                } else if v.major >= 6 {
                    3
                } else {
                    2
                };
                format!("{v}-preview.{n}")
            }
        }
    }
}

/// A request body.
pub(crate) enum Body {
    None,
    Json(Value),
    /// JSON Patch (`application/json-patch+json`).
    Patch(Vec<wire::PatchOp>),
    Octets(Bytes),
}

#[derive(Debug)]
pub(crate) struct AdoClient {
    pub(crate) cfg: AdoConfig,
    pub(crate) transport: Transport<AdoDialect>,
    org: Url,
    version: Mutex<ApiVersion>,
    pub(crate) html_fields: OnceCell<std::collections::HashSet<String>>,
    pub(crate) states: Mutex<std::collections::HashMap<String, Vec<wire::StateDef>>>,
    /// Set once the work item type list (with every type's states) has been asked for.
    pub(crate) types_listed: std::sync::OnceLock<()>,
}

impl AdoClient {
    pub(crate) fn new(cfg: AdoConfig) -> Result<Self, ConnectorError> {
        let http = HttpClient::new(Side::Ado, &cfg.http)?;
        let mut scrubber = Scrubber::new();
        match &cfg.auth {
            AdoAuth::Pat(t) => scrubber.add(t, &[""]),
            AdoAuth::Bearer(t) => scrubber.add(t, &[]),
        }
        let transport = Transport::new(http, cfg.pacing.clone(), scrubber, AdoDialect);
        let mut org = cfg.org_url.clone();
        if !matches!(org.scheme(), "http" | "https") {
            return Err(ConnectorError::config(
                Side::Ado,
                "the Azure DevOps URL must start with https:// (or http://)",
            ));
        }
        org.set_query(None);
        org.set_fragment(None);
        let trimmed = org.path().trim_end_matches('/').to_owned();
        org.set_path(&trimmed);
        let version = Mutex::new(cfg.api_version);
        Ok(Self {
            cfg,
            transport,
            org,
            version,
            html_fields: OnceCell::new(),
            states: Mutex::new(std::collections::HashMap::new()),
            types_listed: std::sync::OnceLock::new(),
        })
    }

    pub(crate) fn org(&self) -> &Url {
        &self.org
    }

    pub(crate) fn api_version(&self) -> ApiVersion {
        *self.version.lock()
    }

    fn authorization(&self) -> HeaderValue {
        let text = match &self.cfg.auth {
            AdoAuth::Pat(t) => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!(":{}", t.expose_secret()))
            ),
            AdoAuth::Bearer(t) => format!("Bearer {}", t.expose_secret()),
        };
        let mut v = HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""));
        v.set_sensitive(true);
        v
    }

    /// `{org}[/{project}]/_apis/{path}`; path segments given separately are percent-encoded.
    pub(crate) fn url(&self, scope: Scope, segments: &[&str]) -> Result<Url, ConnectorError> {
        let mut u = self.org.clone();
        {
            let mut s = u.path_segments_mut().map_err(|()| {
                ConnectorError::config(Side::Ado, "the Azure DevOps URL cannot be a base URL")
            })?;
            if scope == Scope::Project {
                s.push(&self.cfg.project);
            }
            s.push("_apis");
            for seg in segments {
                s.push(seg);
            }
        }
        Ok(u)
    }

    /// Sends a request, lowering `api-version` and repeating it when the server is older.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn request(
        &self,
        method: Method,
        url: Url,
        resource: Resource,
        query: &[(&str, String)],
        body: Body,
        idempotency: Idempotency,
        intent: &Intent,
    ) -> Result<RawResponse, ConnectorError> {
        let auth = self.authorization();
        loop {
            let version = self.api_version();
            let api = resource.version(version);
            let result = self
                .transport
                .send(idempotency, intent, |c| {
                    let mut b = c
                        .request(method.clone(), url.clone())
                        .header(header::AUTHORIZATION, auth.clone())
                        .header(header::ACCEPT, "application/json")
                        .header("X-TFS-FedAuthRedirect", "Suppress")
                        .query(&[("api-version", api.as_str())]);
                    if !query.is_empty() {
                        b = b.query(query);
                    }
                    match &body {
                        Body::None => b,
                        Body::Json(v) => b.json(v),
                        Body::Patch(ops) => b
                            .header(header::CONTENT_TYPE, "application/json-patch+json")
                            .body(serde_json::to_vec(ops).unwrap_or_default()),
                        Body::Octets(bytes) => b
                            .header(header::CONTENT_TYPE, "application/octet-stream")
                            .body(bytes.clone()),
                    }
                })
                .await;
            match result {
                Err(e) => {
                    if let ErrorKind::ApiVersion {
                        supported: Some(s), ..
                    } = e.kind()
                        && let Some(lower) = ApiVersion::parse(s)
                        && lower < version
                        && lower >= ApiVersion::OLDEST
                    {
                        tracing::info!(side = %Side::Ado, from = %version, to = %lower, "the server is older: lowering api-version");
                        let mut v = self.version.lock();
                        if lower < *v {
                            *v = lower;
                        }
                        continue;
                    }
                    return Err(e);
                }
                ok => return ok,
            }
        }
    }

    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        url: Url,
        resource: Resource,
        query: &[(&str, String)],
        intent: &Intent,
    ) -> Result<T, ConnectorError> {
        let r = self
            .request(
                Method::GET,
                url,
                resource,
                query,
                Body::None,
                Idempotency::Safe,
                intent,
            )
            .await?;
        self.transport.decode(&r)
    }

    pub(crate) async fn fetch<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        query: &[(&str, String)],
        body: Body,
        idempotency: Idempotency,
        intent: &Intent,
    ) -> Result<T, ConnectorError> {
        let r = self
            .request(
                method,
                url,
                Resource::General,
                query,
                body,
                idempotency,
                intent,
            )
            .await?;
        self.transport.decode(&r)
    }

    /// Whether credentials may be sent to `url` (same scheme, host and port as the org URL).
    pub(crate) fn same_origin(&self, url: &Url) -> bool {
        url.scheme() == self.org.scheme()
            && url.host_str() == self.org.host_str()
            && url.port_or_known_default() == self.org.port_or_known_default()
    }

    pub(crate) async fn connection_data(&self) -> Result<wire::ConnectionData, ConnectorError> {
        let url = self.url(Scope::Org, &["connectionData"])?;
        self.get(
            url,
            Resource::ConnectionData,
            &[],
            &Intent::new("read the connection's identity"),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_versions() {
        let v71 = ApiVersion::LATEST;
        let v60 = ApiVersion { major: 6, minor: 0 };
        assert_eq!(Resource::General.version(v71), "7.1");
        assert_eq!(Resource::ConnectionData.version(v60), "6.0-preview.1");
        assert_eq!(Resource::Comments.version(v71), "7.1-preview.4");
        assert_eq!(Resource::Comments.version(v60), "6.0-preview.3");
        assert_eq!(
            Resource::Comments.version(ApiVersion::OLDEST),
            "5.0-preview.2"
        );
    }

    #[test]
    fn urls_encode_the_project() {
        let cfg = AdoConfig::new(
            Url::parse("https://tfs.example.com/tfs/DefaultCollection/").unwrap(),
            "My Project",
            AdoAuth::Pat(secrecy::SecretString::from("x".repeat(8))),
        );
        let c = AdoClient::new(cfg).unwrap();
        let u = c
            .url(Scope::Project, &["wit", "workitems", "$Bug"])
            .unwrap();
        assert_eq!(
            u.as_str(),
            "https://tfs.example.com/tfs/DefaultCollection/My%20Project/_apis/wit/workitems/$Bug"
        );
        let u = c.url(Scope::Org, &["connectionData"]).unwrap();
        assert_eq!(
            u.as_str(),
            "https://tfs.example.com/tfs/DefaultCollection/_apis/connectionData"
        );
    }
}
