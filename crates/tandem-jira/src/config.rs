//! What the Jira connector needs to know: the site, its flavour, the credentials and the
//! project in scope. Built by the config crate from a validated profile; secrets stay in
//! `SecretString` and every `Debug` here is written by hand.

use std::time::Duration;

use secrecy::SecretString;
use tandem_connector::http::HttpSettings;
use tandem_connector::pacing::PacingSettings;
use url::Url;

/// Jira Cloud or Jira Data Center / Server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flavor {
    /// `*.atlassian.net`: REST API v3, rich text in ADF, users by `accountId`.
    Cloud,
    /// Self-hosted: REST API v2 only, rich text in wiki markup, users by `name`/`key`.
    DataCenter,
}

/// The gateway Jira Cloud's scoped tokens must go through
/// (research jira-api.md §1.2: `https://api.atlassian.com/ex/jira/{cloudId}`).
pub const DEFAULT_GATEWAY: &str = "https://api.atlassian.com";

/// How to authenticate.
#[derive(Clone)]
pub enum JiraAuth {
    /// Jira Cloud: the account's e-mail and an (unscoped) API token, as Basic.
    CloudToken {
        /// The account's e-mail address.
        email: String,
        /// The API token.
        token: SecretString,
    },
    /// Jira Cloud: a scoped API token, which only works through the API gateway.
    ScopedToken {
        /// The account's e-mail address.
        email: String,
        /// The scoped API token.
        token: SecretString,
        /// The gateway's base URL (configurable so tests can use the simulator).
        gateway: Url,
        /// The site's cloudId; discovered from `/_edge/tenant_info` when `None`.
        cloud_id: Option<String>,
    },
    /// Jira Data Center: user name and password, as Basic.
    Password {
        /// The login name.
        user: String,
        /// The password.
        password: SecretString,
    },
    /// Jira Data Center: a personal access token, as Bearer.
    Pat {
        /// The token.
        token: SecretString,
    },
}

impl std::fmt::Debug for JiraAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JiraAuth::CloudToken { email, .. } => f
                .debug_struct("CloudToken")
                .field("email", email)
                .field("token", &"[redacted]")
                .finish(),
            JiraAuth::ScopedToken {
                email,
                gateway,
                cloud_id,
                ..
            } => f
                .debug_struct("ScopedToken")
                .field("email", email)
                .field("token", &"[redacted]")
                .field("gateway", &gateway.as_str())
                .field("cloud_id", cloud_id)
                .finish(),
            JiraAuth::Password { user, .. } => f
                .debug_struct("Password")
                .field("user", user)
                .field("password", &"[redacted]")
                .finish(),
            JiraAuth::Pat { .. } => f.debug_struct("Pat").field("token", &"[redacted]").finish(),
        }
    }
}

impl JiraAuth {
    /// The user name the credentials name, if they name one (for identity checks).
    pub fn user(&self) -> Option<&str> {
        match self {
            JiraAuth::CloudToken { email, .. } | JiraAuth::ScopedToken { email, .. } => Some(email),
            JiraAuth::Password { user, .. } => Some(user),
            JiraAuth::Pat { .. } => None,
        }
    }

    /// A short name of the scheme, for reports: `cloud-token`, `scoped-token`, `password`, `pat`.
    pub fn kind(&self) -> &'static str {
        match self {
            JiraAuth::CloudToken { .. } => "cloud-token",
            JiraAuth::ScopedToken { .. } => "scoped-token",
            JiraAuth::Password { .. } => "password",
            JiraAuth::Pat { .. } => "pat",
        }
    }
}

/// How the change feed reads.
#[derive(Clone, Debug)]
pub struct FeedSettings {
    /// How far before the cursor the feed reaches back (clock skew, index lag). JQL dates
    /// have minute precision, so the cursor is also floored to the minute.
    pub overlap: Duration,
    /// Issues per search page (Jira Cloud may return fewer when many fields are asked for).
    pub page_size: u32,
}

impl Default for FeedSettings {
    fn default() -> Self {
        Self {
            overlap: Duration::from_secs(60),
            page_size: 100,
        }
    }
}

/// Everything the Jira connector needs.
#[derive(Clone, Debug)]
pub struct JiraConfig {
    /// The site's base URL, e.g. `https://example.atlassian.net` or
    /// `https://jira.example.com/jira` (context path allowed).
    pub site: Url,
    /// Cloud or Data Center.
    pub flavor: Flavor,
    /// Credentials.
    pub auth: JiraAuth,
    /// The project in scope (key).
    pub project: String,
    /// An extra JQL condition ANDed to the feed (e.g. `labels = sync`).
    pub jql_filter: Option<String>,
    /// HTTP client settings.
    pub http: HttpSettings,
    /// Pacing and retries.
    pub pacing: PacingSettings,
    /// Change feed.
    pub feed: FeedSettings,
}

impl JiraConfig {
    /// A configuration with default HTTP, pacing and feed settings.
    pub fn new(site: Url, flavor: Flavor, auth: JiraAuth, project: impl Into<String>) -> Self {
        Self {
            site,
            flavor,
            auth,
            project: project.into(),
            jql_filter: None,
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
    fn debug_never_shows_secrets() {
        let auths = [
            JiraAuth::CloudToken {
                email: "a@b.c".into(),
                token: SecretString::from("canary-1".to_owned()),
            },
            JiraAuth::ScopedToken {
                email: "a@b.c".into(),
                token: SecretString::from("canary-2".to_owned()),
                gateway: Url::parse(DEFAULT_GATEWAY).unwrap(),
                cloud_id: None,
            },
            JiraAuth::Password {
                user: "u".into(),
                password: SecretString::from("canary-3".to_owned()),
            },
            JiraAuth::Pat {
                token: SecretString::from("canary-4".to_owned()),
            },
        ];
        for a in auths {
            let cfg = JiraConfig::new(
                Url::parse("https://x.atlassian.net").unwrap(),
                Flavor::Cloud,
                a,
                "DEMO",
            );
            let s = format!("{cfg:?}");
            assert!(!s.contains("canary"), "{s}");
            assert!(s.contains("[redacted]"), "{s}");
        }
    }
}
