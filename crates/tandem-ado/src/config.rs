//! What the Azure DevOps connector needs to know: the organization (or collection) URL, the
//! project and area in scope, and the credentials. Secrets stay in `SecretString`; every
//! `Debug` here is written by hand.

use std::time::Duration;

use secrecy::SecretString;
use tandem_connector::http::HttpSettings;
use tandem_connector::pacing::PacingSettings;
use url::Url;

/// How to authenticate.
#[derive(Clone)]
pub enum AdoAuth {
    /// A personal access token, sent as Basic with an empty user name (research ado-api.md §2).
    Pat(SecretString),
    /// An Entra ID (or legacy OAuth) access token, sent as Bearer.
    Bearer(SecretString),
}

impl std::fmt::Debug for AdoAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdoAuth::Pat(_) => f.write_str("Pat([redacted])"),
            AdoAuth::Bearer(_) => f.write_str("Bearer([redacted])"),
        }
    }
}

impl AdoAuth {
    /// `pat` or `bearer`.
    pub fn kind(&self) -> &'static str {
        match self {
            AdoAuth::Pat(_) => "pat",
            AdoAuth::Bearer(_) => "bearer",
        }
    }
}

/// A REST API version `major.minor` (the `-preview.N` suffix is added per resource).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct ApiVersion {
    /// Major.
    pub major: u8,
    /// Minor.
    pub minor: u8,
}

impl ApiVersion {
    /// 7.1, the newest GA version (research ado-api.md §0).
    pub const LATEST: ApiVersion = ApiVersion { major: 7, minor: 1 };
    /// 5.0 (Azure DevOps Server 2019): the oldest this connector speaks (WIQL
    /// `timePrecision`, `workitemsbatch`).
    pub const OLDEST: ApiVersion = ApiVersion { major: 5, minor: 0 };

    /// Parses `6.0`, `7.1-preview.4`, ...
    pub fn parse(s: &str) -> Option<Self> {
        let core = s.trim().split('-').next()?;
        let mut parts = core.split('.');
        let major = parts.next()?.trim().parse().ok()?;
        let minor = parts.next().map_or(Some(0), |m| m.trim().parse().ok())?;
        Some(Self { major, minor })
    }
}

impl std::fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// How the change feed reads.
#[derive(Clone, Debug)]
pub struct FeedSettings {
    /// How far before the cursor the feed reaches back (clock skew, index lag).
    pub overlap: Duration,
    /// Work items per `workitemsbatch` call (the API's maximum is 200).
    pub batch_size: usize,
}

impl Default for FeedSettings {
    fn default() -> Self {
        Self {
            overlap: Duration::from_secs(60),
            batch_size: 200,
        }
    }
}

/// Everything the Azure DevOps connector needs.
#[derive(Clone, Debug)]
pub struct AdoConfig {
    /// `https://dev.azure.com/{org}` or `https://host/tfs/{collection}`.
    pub org_url: Url,
    /// The project in scope (name).
    pub project: String,
    /// Only work items under this area path (`Project\Team`), if set.
    pub area_path: Option<String>,
    /// An extra WIQL condition ANDed to the feed.
    pub wiql_filter: Option<String>,
    /// Credentials.
    pub auth: AdoAuth,
    /// The version to start with; lowered to what the server reports when it is older.
    pub api_version: ApiVersion,
    /// HTTP client settings.
    pub http: HttpSettings,
    /// Pacing and retries.
    pub pacing: PacingSettings,
    /// Change feed.
    pub feed: FeedSettings,
}

impl AdoConfig {
    /// A configuration with default HTTP, pacing and feed settings.
    pub fn new(org_url: Url, project: impl Into<String>, auth: AdoAuth) -> Self {
        Self {
            org_url,
            project: project.into(),
            area_path: None,
            wiql_filter: None,
            auth,
            api_version: ApiVersion::LATEST,
            http: HttpSettings::default(),
            pacing: PacingSettings::default(),
            feed: FeedSettings::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_order() {
        assert_eq!(ApiVersion::parse("7.1-preview.4"), Some(ApiVersion::LATEST));
        assert_eq!(
            ApiVersion::parse("6.0"),
            Some(ApiVersion { major: 6, minor: 0 })
        );
        assert_eq!(ApiVersion::parse("5"), Some(ApiVersion::OLDEST));
        assert_eq!(ApiVersion::parse("x"), None);
        assert!(ApiVersion::parse("6.0").unwrap() < ApiVersion::LATEST);
    }

    #[test]
    fn debug_never_shows_secrets() {
        let c = AdoConfig::new(
            Url::parse("https://dev.azure.com/demo").unwrap(),
            "Demo",
            AdoAuth::Pat(SecretString::from("canary-pat".to_owned())),
        );
        let s = format!("{c:?}");
        assert!(!s.contains("canary"), "{s}");
        assert!(s.contains("Pat([redacted])"));
        assert!(
            !format!(
                "{:?}",
                AdoAuth::Bearer(SecretString::from("canary-b".to_owned()))
            )
            .contains("canary")
        );
    }
}
