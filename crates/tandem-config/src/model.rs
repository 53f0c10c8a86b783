//! The validated configuration: every value here has been checked, defaults are filled in,
//! and relative paths are absolute. Only [`crate::validate`] builds these.

use std::fmt;
use std::path::{Path, PathBuf};

use url::Url;

use crate::env::{self, Env, Located, NoStateDir};
use crate::secret::SecretRef;

/// Default number of days before a token's expiry (or rotation date) that warnings start.
pub const DEFAULT_TOKEN_WARNING_DAYS: u32 = 14;

/// A whole, valid `tandem.toml`.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file this was read from.
    pub source: PathBuf,
    /// `state_dir` as written in the file (absolute); see [`Config::state_dir`] for the
    /// effective one.
    pub state_dir: Option<PathBuf>,
    /// Warn this many days before a token expires or is due for rotation.
    pub token_warning_days: u32,
    /// The profiles, in file order. Names are unique.
    pub profiles: Vec<Profile>,
}

impl Config {
    /// The profile called `name`.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|profile| profile.name == name)
    }

    /// The effective state directory: `$TANDEM_STATE_DIR`, then `state_dir`, then
    /// `$XDG_STATE_HOME/tandem`.
    pub fn state_dir(&self, env: &Env) -> Result<Located, NoStateDir> {
        env::state_dir(self.state_dir.as_deref(), env)
    }

    /// Names of all profiles, in file order.
    pub fn profile_names(&self) -> Vec<&str> {
        self.profiles.iter().map(|p| p.name.as_str()).collect()
    }
}

/// One synchronisation: a Jira side, an Azure DevOps side, and how items flow between them.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Unique name (letters, digits, `-`, `_`, `.`); used in token records and keyring accounts.
    pub name: String,
    /// Which way changes flow.
    pub direction: Direction,
    /// Who wins when both sides changed the same field since the last sync.
    pub conflict: ConflictPolicy,
    /// The Jira side.
    pub jira: JiraSide,
    /// The Azure DevOps side.
    pub ado: AdoSide,
    /// Types, fields (with their converters, state and priority maps) and users, in
    /// `tandem-core`'s model, which the sync engine uses as it is.
    pub mapping: Mapping,
}

impl Profile {
    /// The token reference of one side.
    pub fn token(&self, side: Side) -> &SecretRef {
        match side {
            Side::Jira => &self.jira.token,
            Side::Ado => &self.ado.token,
        }
    }

    /// The intended sync user of one side (what the token must authenticate as).
    pub fn sync_user(&self, side: Side) -> &str {
        match side {
            Side::Jira => &self.jira.user,
            Side::Ado => &self.ado.user,
        }
    }

    /// The configured URL of one side.
    pub fn url(&self, side: Side) -> &Url {
        match side {
            Side::Jira => &self.jira.url,
            Side::Ado => &self.ado.url,
        }
    }
}

pub use tandem_core::{ConflictPolicy, Direction, Mapping, Side};

/// A setting written as one of a fixed set of words in `tandem.toml` (and on the command line).
pub trait Keyword: Sized + Copy + 'static {
    /// Every accepted spelling, in documentation order.
    const KEYWORDS: &'static [&'static str];
    /// Parses the `tandem.toml` spelling.
    fn parse(value: &str) -> Option<Self>;
    /// The spelling used in `tandem.toml`.
    fn as_str(self) -> &'static str;
}

macro_rules! keyword_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl Keyword for $name {
            const KEYWORDS: &'static [&'static str] = &[$($text),+];
            fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            fn parse(value: &str) -> Option<Self> {
                match value { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(Keyword::as_str(*self))
            }
        }
    };
}

/// Keywords of types defined in `tandem-core`, which owns their meaning.
macro_rules! foreign_keywords {
    ($name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        impl Keyword for $name {
            const KEYWORDS: &'static [&'static str] = &[$($text),+];
            fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            fn parse(value: &str) -> Option<Self> {
                match value { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

foreign_keywords!(Direction {
    Both = "both",
    JiraToAdo = "jira-to-ado",
    AdoToJira = "ado-to-jira",
});

foreign_keywords!(ConflictPolicy {
    JiraWins = "jira-wins",
    AdoWins = "ado-wins",
    NewestWins = "newest-wins",
    Manual = "manual",
});

/// True if `direction` writes changes to `side`.
pub fn writes_to(direction: Direction, side: Side) -> bool {
    direction.allows(side.other())
}

/// True if every flow of `inner` is also a flow of `outer` (a field may narrow its profile's
/// direction, never widen it).
pub fn within(inner: Direction, outer: Direction) -> bool {
    inner.and(outer) == Some(inner)
}

keyword_enum! {
    /// Which Jira product the URL points at.
    JiraMode {
        /// Jira Cloud (`*.atlassian.net`).
        Cloud = "cloud",
        /// Jira Data Center or Server.
        DataCenter = "datacenter",
        /// Ask the server (`serverInfo.deploymentType`) at connection time.
        Auto = "auto",
    }
}

keyword_enum! {
    /// How tandem authenticates to Jira.
    JiraAuth {
        /// Cloud: account email + classic (unscoped) API token, HTTP Basic, at the site URL.
        CloudApiToken = "cloud-api-token",
        /// Cloud: scoped API token (or service-account token), HTTP Basic, only through the
        /// `api.atlassian.com/ex/jira/{cloudId}` gateway.
        CloudScopedToken = "cloud-scoped-token",
        /// Data Center: username + password, HTTP Basic.
        DcPassword = "dc-password",
        /// Data Center: personal access token, `Authorization: Bearer`.
        DcPat = "dc-pat",
    }
}

impl JiraAuth {
    /// True for the two Jira Cloud kinds.
    pub fn is_cloud(self) -> bool {
        matches!(self, JiraAuth::CloudApiToken | JiraAuth::CloudScopedToken)
    }

    /// True if the secret is sent as a Bearer token (otherwise as the Basic password).
    pub fn is_bearer(self) -> bool {
        self == JiraAuth::DcPat
    }
}

keyword_enum! {
    /// How tandem authenticates to Azure DevOps.
    AdoAuth {
        /// Personal access token, HTTP Basic with an empty user name.
        Pat = "pat",
        /// A Microsoft Entra ID access token, `Authorization: Bearer`.
        Bearer = "bearer",
    }
}

/// Proxy and TLS settings of one side.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transport {
    /// Extra PEM CA certificates trusted in addition to the platform's (for a corporate
    /// TLS-intercepting proxy or a private CA). Absolute.
    pub ca_bundle: Option<PathBuf>,
    /// HTTP(S) proxy for this side; without it the standard `HTTPS_PROXY`/`NO_PROXY`
    /// variables apply.
    pub proxy: Option<Url>,
}

/// The Jira side of a profile.
#[derive(Debug, Clone)]
pub struct JiraSide {
    /// Site root (`https://example.atlassian.net`, or a Data Center base URL with its context
    /// path). No trailing slash in the path.
    pub url: Url,
    /// Cloud, Data Center, or ask the server.
    pub mode: JiraMode,
    /// The kind of credential.
    pub auth: JiraAuth,
    /// The intended sync user: the account email on Cloud, the username on Data Center. The
    /// token must authenticate as exactly this user.
    pub user: String,
    /// The account name sent with the token when it is not `user` (Basic auth: the email on
    /// Cloud, the user name on Data Center). Normally absent: a token only authenticates
    /// together with its own account's name, so a different `login` means the credentials are
    /// another account's, which `tandem doctor` reports.
    pub login: Option<String>,
    /// Where the token (or password) is kept.
    pub token: SecretRef,
    /// Project keys to sync (at least one).
    pub projects: Vec<String>,
    /// Extra JQL condition ANDed into every search, without `ORDER BY`.
    pub jql: Option<String>,
    /// The API gateway URL for scoped tokens (`https://api.atlassian.com/ex/jira/{cloudId}`).
    pub gateway_url: Option<Url>,
    /// Where Atlassian's API gateway answers when it is not `https://api.atlassian.com` (a
    /// forwarding proxy, the simulator). `tandem doctor` asks it whether a token the site
    /// refuses is a scoped token.
    pub api_gateway: Option<Url>,
    /// Proxy and TLS settings.
    pub transport: Transport,
}

impl JiraSide {
    /// The account name sent with the token: `login` if set, else the sync user.
    pub fn login(&self) -> &str {
        self.login.as_deref().unwrap_or(&self.user)
    }

    /// The base URL REST calls go to: the gateway for scoped tokens, the site otherwise.
    pub fn api_base(&self) -> &Url {
        self.gateway_url.as_ref().unwrap_or(&self.url)
    }

    /// The site's cloudId, from `gateway_url` (`.../ex/jira/{cloudId}`).
    pub fn cloud_id(&self) -> Option<&str> {
        self.gateway_url
            .as_ref()
            .and_then(|url| url.path().rsplit('/').next())
            .filter(|id| !id.is_empty())
    }

    /// Cloud or Data Center when the mode or the credential kind says so; `Auto` for `auto`
    /// with nothing to go on.
    pub fn known_mode(&self) -> JiraMode {
        match self.mode {
            JiraMode::Auto if self.auth.is_cloud() => JiraMode::Cloud,
            JiraMode::Auto => JiraMode::Auto,
            mode => mode,
        }
    }
}

/// Azure DevOps Services (cloud) or Server (on premises, formerly TFS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdoDeployment {
    /// `dev.azure.com/{org}` or `{org}.visualstudio.com`.
    Services,
    /// `https://host/tfs/{collection}` or another on-premises collection URL.
    Server,
}

/// The Azure DevOps side of a profile.
#[derive(Debug, Clone)]
pub struct AdoSide {
    /// The organisation (Services) or collection (Server) URL, without trailing slash.
    pub url: Url,
    /// Services or Server, read from the URL.
    pub deployment: AdoDeployment,
    /// The organisation (Services) or collection (Server) name.
    pub organization: String,
    /// The project name.
    pub project: String,
    /// Area path limiting the synced work items (starts with the project name, `\`-separated).
    pub area_path: Option<String>,
    /// Extra WIQL condition ANDed into every query (a condition, not a full `SELECT`).
    pub wiql: Option<String>,
    /// The kind of credential.
    pub auth: AdoAuth,
    /// The intended sync identity (e-mail or UPN on Services, `DOMAIN\user` or UPN on Server).
    pub user: String,
    /// Where the token is kept.
    pub token: SecretRef,
    /// Proxy and TLS settings.
    pub transport: Transport,
}

/// Absolute form of `path`, relative to `base` when relative.
pub(crate) fn absolute(base: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directions_know_where_they_write() {
        assert!(writes_to(Direction::Both, Side::Jira));
        assert!(writes_to(Direction::JiraToAdo, Side::Ado));
        assert!(!writes_to(Direction::JiraToAdo, Side::Jira));
        assert!(within(Direction::JiraToAdo, Direction::Both));
        assert!(within(Direction::Both, Direction::Both));
        assert!(!within(Direction::Both, Direction::AdoToJira));
        assert!(!within(Direction::JiraToAdo, Direction::AdoToJira));
    }

    #[test]
    fn keywords_round_trip() {
        for word in Direction::KEYWORDS {
            assert_eq!(Direction::parse(word).map(Keyword::as_str), Some(*word));
        }
        for word in ConflictPolicy::KEYWORDS {
            assert_eq!(
                ConflictPolicy::parse(word).map(Keyword::as_str),
                Some(*word)
            );
        }
        assert_eq!(JiraAuth::parse("dc-pat"), Some(JiraAuth::DcPat));
    }
}
