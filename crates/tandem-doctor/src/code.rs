//! The vocabulary of a diagnosis: finding codes, their cause categories, the stage of the
//! article's order each belongs to, and severities.
//!
//! Codes are part of the `--json` contract: once published, a code keeps its meaning. New
//! codes may be added; none is renamed.

use std::fmt;

use serde::{Serialize, Serializer};

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A check that passed (`√`).
    Ok,
    /// Worth knowing, nothing to fix; also checks that were not run (`~`).
    Info,
    /// Will become a problem, or could not be confirmed (`~`).
    Warning,
    /// The sync cannot work until this is fixed (`x`).
    Error,
}

/// The cause categories of DESIGN.md's doctor model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// The server cannot be reached, or something else answers (proxy, SSO page, 5xx).
    Network,
    /// The TLS handshake fails (untrusted issuer, expired or misnamed certificate).
    Tls,
    /// The configured product flavour or API does not match the server.
    DeploymentMode,
    /// The credentials are not accepted.
    Credentials,
    /// The credentials are accepted, but as someone else than the intended sync user.
    Identity,
    /// What the token records say about the token's lifetime.
    Token,
    /// The sync user may not see or do what the profile needs.
    Permissions,
    /// Jira Service Management: portal customer instead of agent.
    JsmRole,
    /// The configuration does not fit the server (types, fields, screens, files).
    Configuration,
}

impl Cause {
    /// The exit code of `tandem doctor` when this cause comes first (issue 7): 2 credentials,
    /// identity or token; 3 permissions or role; 4 network, TLS or proxy; 5 configuration or
    /// mode.
    pub fn exit_code(self) -> u8 {
        match self {
            Cause::Credentials | Cause::Identity | Cause::Token => 2,
            Cause::Permissions | Cause::JsmRole => 3,
            Cause::Network | Cause::Tls => 4,
            Cause::DeploymentMode | Cause::Configuration => 5,
        }
    }

    /// The answer to the article's question ("credentials or permissions?") this cause gives.
    pub fn answer(self) -> Answer {
        match self {
            Cause::Credentials | Cause::Identity | Cause::Token => Answer::Credentials,
            Cause::Permissions | Cause::JsmRole => Answer::Permissions,
            Cause::Network | Cause::Tls => Answer::Network,
            Cause::DeploymentMode | Cause::Configuration => Answer::Configuration,
        }
    }

    /// The kebab-case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Network => "network",
            Cause::Tls => "tls",
            Cause::DeploymentMode => "deployment-mode",
            Cause::Credentials => "credentials",
            Cause::Identity => "identity",
            Cause::Token => "token",
            Cause::Permissions => "permissions",
            Cause::JsmRole => "jsm-role",
            Cause::Configuration => "configuration",
        }
    }
}

/// The verdict's first word: what kind of problem it is, in the article's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    /// Fix the credentials (the email, the token, whose token it is).
    Credentials,
    /// Fix the sync user's permissions or role.
    Permissions,
    /// Fix the network path (reachability, TLS, proxy).
    Network,
    /// Fix the configuration (mode, URL, mappings, files).
    Configuration,
}

impl Answer {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Credentials => "credentials",
            Answer::Permissions => "permissions",
            Answer::Network => "network",
            Answer::Configuration => "configuration",
        }
    }
}

/// The stages of the article's order, in the order doctor walks them. When several errors
/// are found, the one of the earliest stage decides the verdict and the exit code: a later
/// stage's result is only meaningful once the earlier ones pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// The configuration and its secrets, before anything is sent.
    Setup,
    /// Reaching the server.
    Network,
    /// The TLS handshake.
    Tls,
    /// Cloud or Data Center, API version.
    Mode,
    /// Are the credentials accepted?
    Authentication,
    /// As whom?
    Identity,
    /// Token records: expiry and rotation.
    TokenRecords,
    /// Can the sync user see the project?
    Project,
    /// May it do what the profile needs?
    Permissions,
    /// Jira Service Management agent role.
    JsmRole,
    /// Issue types, screens and required fields.
    Screens,
    /// `--probe-write`.
    WriteProbe,
}

macro_rules! codes {
    ($($(#[$meta:meta])* $variant:ident = $text:literal, $cause:ident, $stage:ident;)+) => {
        /// A stable finding code (`jira.identity-mismatch`). See the crate docs for the list.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($(#[$meta])* $variant),+ }

        impl Code {
            /// Every code, in the article's order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// The dotted name used in JSON and reports.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text),+ }
            }

            /// The cause category.
            pub fn cause(self) -> Cause {
                match self { $(Code::$variant => Cause::$cause),+ }
            }

            /// The stage of the article's order it belongs to.
            pub fn stage(self) -> Stage {
                match self { $(Code::$variant => Stage::$stage),+ }
            }
        }
    };
}

codes! {
    /// The configuration file cannot be used.
    ConfigInvalid = "config.invalid", Configuration, Setup;
    /// A token reference (`env:`, `file:`, `keyring:`) cannot be read.
    ConfigSecretUnreadable = "config.secret-unreadable", Configuration, Setup;
    /// The connection settings are unusable (CA bundle, proxy URL).
    ConfigConnection = "config.connection", Configuration, Setup;

    /// Nothing answers: DNS, refused, timed out.
    NetUnreachable = "net.unreachable", Network, Network;
    /// The proxy refused or failed.
    NetProxy = "net.proxy", Network, Network;
    /// An HTML page (SSO sign-in, proxy block page) came back instead of JSON.
    NetHtmlInsteadOfJson = "net.html-instead-of-json", Network, Network;
    /// The server failed (5xx).
    NetServerError = "net.server-error", Network, Network;
    /// The server throttled doctor's few requests.
    NetRateLimited = "net.rate-limited", Network, Network;
    /// Something answered that is not the product's API.
    NetUnexpectedResponse = "net.unexpected-response", Network, Network;
    /// The certificate's issuer is not trusted (interception suspected when not a public CA).
    NetTlsUntrusted = "net.tls-untrusted", Tls, Tls;
    /// The certificate is expired, for another host, or the handshake failed otherwise.
    NetTlsInvalid = "net.tls-invalid", Tls, Tls;

    /// Jira answers (and in which mode). `ok`.
    JiraReachable = "jira.reachable", Network, Network;
    /// Cloud mode against Data Center (or the reverse), email as a DC user name, classic
    /// token sent as Bearer.
    JiraModeMismatch = "jira.mode-mismatch", DeploymentMode, Mode;
    /// Wrong, expired or revoked credentials (Jira answers them alike).
    JiraUnauthenticated = "jira.unauthenticated", Credentials, Authentication;
    /// A scoped token: refused at the site URL, accepted through the API gateway.
    JiraScopedToken = "jira.scoped-token", Credentials, Authentication;
    /// Basic auth is blocked by CAPTCHA after failed logins.
    JiraCaptcha = "jira.captcha", Credentials, Authentication;
    /// The token authenticates as another account than the intended sync user.
    JiraIdentityMismatch = "jira.identity-mismatch", Identity, Identity;
    /// The token's account could not be compared with the sync user (email hidden).
    JiraIdentityUnverified = "jira.identity-unverified", Identity, Identity;
    /// The token authenticates as the intended sync user. `ok`.
    JiraIdentity = "jira.identity", Identity, Identity;
    /// The sync user cannot see a configured project.
    JiraProjectNotVisible = "jira.project-not-visible", Permissions, Project;
    /// The sync user lacks a permission the profile needs in a project.
    JiraPermissionMissing = "jira.permission-missing", Permissions, Permissions;
    /// Every permission the profile needs is held. `ok`.
    JiraPermissions = "jira.permissions", Permissions, Permissions;
    /// In a service project the sync user is a portal customer, not an agent.
    JiraJsmNotAgent = "jira.jsm-not-agent", JsmRole, JsmRole;
    /// The sync user is a service desk agent. `ok`.
    JiraJsmAgent = "jira.jsm-agent", JsmRole, JsmRole;
    /// A mapped issue type cannot be created in the project.
    JiraIssueTypeMissing = "jira.issue-type-missing", Configuration, Screens;
    /// A field tandem writes is not on the create screen.
    JiraFieldNotOnScreen = "jira.field-not-on-screen", Configuration, Screens;
    /// The create screen requires a field the profile does not map.
    JiraRequiredFieldUnmapped = "jira.required-field-unmapped", Configuration, Screens;
    /// The create screens take every mapped field. `ok`.
    JiraCreateScreen = "jira.create-screen", Configuration, Screens;
    /// `--probe-write`: creating (and deleting) a test issue failed.
    JiraWriteFailed = "jira.write-failed", Permissions, WriteProbe;
    /// `--probe-write`: an issue was created and deleted. `ok`.
    JiraWriteProbe = "jira.write-probe", Permissions, WriteProbe;
    /// Writing was not proven (a scoped token, a read-only run). `info`.
    JiraWriteNotProven = "jira.write-not-proven", Permissions, WriteProbe;
    /// `--probe-write`: the test issue was created but could not be deleted.
    JiraWriteNotCleanedUp = "jira.write-not-cleaned-up", Permissions, WriteProbe;
    /// Checks that were not run because an earlier one failed. `info`.
    JiraChecksSkipped = "jira.checks-skipped", Permissions, Project;

    /// Azure DevOps answers (deployment, api-version). `ok`.
    AdoReachable = "ado.reachable", Network, Network;
    /// The server is older than any REST API version tandem speaks.
    AdoApiVersionUnsupported = "ado.api-version-unsupported", DeploymentMode, Mode;
    /// The credentials are not accepted.
    AdoUnauthenticated = "ado.unauthenticated", Credentials, Authentication;
    /// The personal access token has expired.
    AdoPatExpired = "ado.pat-expired", Credentials, Authentication;
    /// The personal access token lacks a scope the profile needs.
    AdoPatScopeMissing = "ado.pat-scope-missing", Credentials, Authentication;
    /// The token authenticates as another identity than the intended sync identity.
    AdoIdentityMismatch = "ado.identity-mismatch", Identity, Identity;
    /// The token authenticates as the intended sync identity. `ok`.
    AdoIdentity = "ado.identity", Identity, Identity;
    /// The sync identity cannot see the project.
    AdoProjectNotVisible = "ado.project-not-visible", Permissions, Project;
    /// The configured area path does not exist (or is hidden).
    AdoAreaPathMissing = "ado.area-path-missing", Configuration, Project;
    /// The project (and area path) are visible. `ok`.
    AdoProject = "ado.project", Permissions, Project;
    /// The sync identity may not edit work items in the area path.
    AdoAreaPermissionMissing = "ado.area-permission-missing", Permissions, Permissions;
    /// A mapped work item type does not exist in the project.
    AdoWorkItemTypeMissing = "ado.work-item-type-missing", Configuration, Screens;
    /// The mapped work item types exist. `ok`.
    AdoWorkItemTypes = "ado.work-item-types", Configuration, Screens;
    /// `--probe-write`: the server refused the validate-only create for another reason.
    AdoWriteRejected = "ado.write-rejected", Configuration, WriteProbe;
    /// `--probe-write`: a validate-only create passed (nothing saved). `ok`.
    AdoWriteProbe = "ado.write-probe", Permissions, WriteProbe;
    /// Creation was not proven (a read-only run). `info`.
    AdoWriteNotProven = "ado.write-not-proven", Permissions, WriteProbe;
    /// Checks that were not run because an earlier one failed. `info`.
    AdoChecksSkipped = "ado.checks-skipped", Permissions, Project;

    /// The token expires soon (token records).
    TokenExpiring = "token.expiring", Token, TokenRecords;
    /// The token is due (or overdue) for rotation (token records).
    TokenRotationDue = "token.rotation-due", Token, TokenRecords;
    /// No token record: expiry and rotation cannot be watched. `info`.
    TokenUnrecorded = "token.unrecorded", Token, TokenRecords;
    /// The token record is current. `ok`.
    TokenRecorded = "token.recorded", Token, TokenRecords;
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_dotted_kebab_names() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            let (ns, rest) = s.split_once('.').unwrap();
            assert!(
                ["config", "net", "jira", "ado", "token"].contains(&ns),
                "{s}"
            );
            assert!(
                rest.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{s}"
            );
        }
    }

    #[test]
    fn exit_codes_follow_the_issue() {
        assert_eq!(Code::JiraIdentityMismatch.cause().exit_code(), 2);
        assert_eq!(Code::JiraUnauthenticated.cause().exit_code(), 2);
        assert_eq!(Code::TokenExpiring.cause().exit_code(), 2);
        assert_eq!(Code::JiraPermissionMissing.cause().exit_code(), 3);
        assert_eq!(Code::JiraJsmNotAgent.cause().exit_code(), 3);
        assert_eq!(Code::NetTlsUntrusted.cause().exit_code(), 4);
        assert_eq!(Code::NetProxy.cause().exit_code(), 4);
        assert_eq!(Code::JiraModeMismatch.cause().exit_code(), 5);
        assert_eq!(Code::JiraRequiredFieldUnmapped.cause().exit_code(), 5);
    }

    #[test]
    fn the_article_order_puts_credentials_before_permissions() {
        assert!(Code::NetUnreachable.stage() < Code::JiraModeMismatch.stage());
        assert!(Code::JiraModeMismatch.stage() < Code::JiraUnauthenticated.stage());
        assert!(Code::JiraUnauthenticated.stage() < Code::JiraIdentityMismatch.stage());
        assert!(Code::JiraIdentityMismatch.stage() < Code::JiraProjectNotVisible.stage());
        assert!(Code::JiraProjectNotVisible.stage() < Code::JiraPermissionMissing.stage());
        assert!(Code::JiraPermissionMissing.stage() < Code::JiraJsmNotAgent.stage());
        assert!(Code::JiraJsmNotAgent.stage() < Code::JiraRequiredFieldUnmapped.stage());
    }
}
