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
    /// Type, state, field and user mappings.
    pub mappings: Mappings,
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

/// One of the two systems tandem connects.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Jira (Cloud or Data Center).
    Jira,
    /// Azure DevOps (Services or Server).
    Ado,
}

impl Side {
    /// `jira` or `ado`, as in the config and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Jira => "jira",
            Side::Ado => "ado",
        }
    }

    /// Parses `jira` or `ado`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "jira" => Some(Side::Jira),
            "ado" => Some(Side::Ado),
            _ => None,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Jira => "Jira",
            Side::Ado => "Azure DevOps",
        })
    }
}

macro_rules! keyword_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every accepted spelling, in documentation order.
            pub const KEYWORDS: &'static [&'static str] = &[$($text),+];

            /// The spelling used in `tandem.toml`.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the `tandem.toml` spelling.
            pub fn parse(value: &str) -> Option<Self> {
                match value { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

keyword_enum! {
    /// Which way changes flow, for a profile or one field.
    Direction {
        /// Both ways.
        Both = "both",
        /// Jira is the source; Azure DevOps follows.
        JiraToAdo = "jira-to-ado",
        /// Azure DevOps is the source; Jira follows.
        AdoToJira = "ado-to-jira",
    }
}

impl Direction {
    /// True if changes are written to `side`.
    pub fn writes_to(self, side: Side) -> bool {
        matches!(
            (self, side),
            (Direction::Both, _)
                | (Direction::JiraToAdo, Side::Ado)
                | (Direction::AdoToJira, Side::Jira)
        )
    }

    /// True if every flow of `self` is also a flow of `outer`.
    pub fn within(self, outer: Direction) -> bool {
        outer == Direction::Both || self == outer
    }
}

keyword_enum! {
    /// Who wins when both sides changed the same field differently since the last sync.
    ConflictPolicy {
        /// Jira's value is written to Azure DevOps.
        JiraWins = "jira-wins",
        /// Azure DevOps's value is written to Jira.
        AdoWins = "ado-wins",
        /// The side changed most recently wins.
        NewestWins = "newest-wins",
        /// Nothing is written for that field; a conflict is recorded for a person to settle.
        Manual = "manual",
    }
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

keyword_enum! {
    /// What happens to a user field whose value has no entry in the user map.
    UnmappedUsers {
        /// Leave the field unchanged on the other side.
        Skip = "skip",
        /// Write the other side's sync user.
        SyncUser = "sync-user",
        /// Stop syncing that item and report it.
        Error = "error",
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

/// Mappings between the two sides' vocabularies. The sync engine converts these into its own
/// model; they keep the shape of the file.
#[derive(Debug, Clone)]
pub struct Mappings {
    /// Field pairs, each with its effective direction and conflict policy.
    pub fields: Vec<FieldMapping>,
    /// Jira issue type <-> Azure DevOps work item type.
    pub types: PairMap,
    /// Jira status <-> Azure DevOps state.
    pub states: PairMap,
    /// Jira user (accountId or email on Cloud, username on Data Center) <-> Azure DevOps
    /// identity (e-mail/UPN).
    pub users: PairMap,
    /// What to do with users missing from `users`.
    pub unmapped_users: UnmappedUsers,
}

/// One field pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMapping {
    /// Jira field id (`summary`, `customfield_10016`).
    pub jira: String,
    /// Azure DevOps field reference name (`System.Title`).
    pub ado: String,
    /// Which way this field flows (the profile's direction unless narrowed).
    pub direction: Direction,
    /// Conflict policy for this field (the profile's unless overridden).
    pub conflict: ConflictPolicy,
}

/// A value pair of a type, state or user map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// The Jira value.
    pub jira: String,
    /// The Azure DevOps value.
    pub ado: String,
    /// Chosen when several pairs share a value: the reverse lookup of that value picks this one.
    pub default: bool,
}

/// A two-way value map. Validation guarantees each lookup the profile's direction needs has
/// exactly one answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PairMap {
    /// The pairs in file order.
    pub pairs: Vec<Pair>,
}

impl PairMap {
    /// The Azure DevOps value for a Jira value.
    pub fn to_ado(&self, jira: &str) -> Option<&str> {
        Self::lookup(
            self.pairs.iter().map(|p| (&p.jira, &p.ado, p.default)),
            jira,
        )
    }

    /// The Jira value for an Azure DevOps value.
    pub fn to_jira(&self, ado: &str) -> Option<&str> {
        Self::lookup(self.pairs.iter().map(|p| (&p.ado, &p.jira, p.default)), ado)
    }

    /// True if no pairs are defined.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    fn lookup<'a>(
        pairs: impl Iterator<Item = (&'a String, &'a String, bool)>,
        key: &str,
    ) -> Option<&'a str> {
        let mut first = None;
        for (from, to, default) in pairs {
            if from == key {
                if default {
                    return Some(to);
                }
                first.get_or_insert(to.as_str());
            }
        }
        first
    }
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
    fn pair_map_uses_the_default_for_many_to_one() {
        let map = PairMap {
            pairs: vec![
                Pair {
                    jira: "In Progress".into(),
                    ado: "Active".into(),
                    default: false,
                },
                Pair {
                    jira: "In Review".into(),
                    ado: "Active".into(),
                    default: true,
                },
            ],
        };
        assert_eq!(map.to_ado("In Progress"), Some("Active"));
        assert_eq!(map.to_jira("Active"), Some("In Review"));
        assert_eq!(map.to_jira("New"), None);
    }

    #[test]
    fn directions_know_where_they_write() {
        assert!(Direction::Both.writes_to(Side::Jira));
        assert!(Direction::JiraToAdo.writes_to(Side::Ado));
        assert!(!Direction::JiraToAdo.writes_to(Side::Jira));
        assert!(Direction::JiraToAdo.within(Direction::Both));
        assert!(!Direction::Both.within(Direction::AdoToJira));
    }
}
