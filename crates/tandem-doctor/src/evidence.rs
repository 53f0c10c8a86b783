//! What the probes observed, as plain data: the configured intent (who the sync user is, what
//! the profile needs) next to each probe's typed result. [`crate::diagnose`] reads only this,
//! so every decision can be tested with hand-made evidence and no network.
//!
//! A probe that was not run is `None`; one that ran is `Some(Ok(..))` or `Some(Err(..))` with
//! the connector's typed error (cause, request, status, headers, messages).

use jiff::civil::Date;
use tandem_ado::probe::{AdoProject, ClassificationNode, ConnectionFacts, ValidatedCreate};
use tandem_config::{JiraAuth, JiraMode, TokenRecord};
use tandem_connector::error::ConnectorError;
use tandem_connector::tls::PeerCertificate;
use tandem_jira::probe::{
    FieldInfo, IssueTypeInfo, Myself, PermissionReport, ProjectSummary, ServerInfo, TenantInfo,
    WriteProbe,
};

/// A probe's outcome.
pub type Probed<T> = Option<Result<T, ConnectorError>>;

/// Everything observed for one profile.
#[derive(Clone, Debug)]
pub struct Evidence {
    /// The profile's name.
    pub profile: String,
    /// The day the run happened (token expiry and rotation are counted from it).
    pub today: Date,
    /// Warn this many days before a token expires or is due for rotation.
    pub token_warning_days: u32,
    /// The Jira side.
    pub jira: JiraEvidence,
    /// The Azure DevOps side.
    pub ado: AdoEvidence,
}

/// The network path a side's requests took.
#[derive(Clone, Debug, Default)]
pub struct NetworkPath {
    /// The proxy used, without credentials.
    pub proxy: Option<String>,
    /// The certificate presented at the last handshake (HTTPS only).
    pub peer_certificate: Option<PeerCertificate>,
    /// 429 answers seen by the pacer.
    pub throttled: u64,
}

/// The Jira side: intent and observations.
#[derive(Clone, Debug)]
pub struct JiraEvidence {
    /// The site URL.
    pub site: String,
    /// The configured mode.
    pub mode: JiraMode,
    /// The configured kind of credential.
    pub auth: JiraAuth,
    /// The intended sync user (config `user`).
    pub intended_user: String,
    /// The account name sent with the token (config `login`, else `user`); `None` for a
    /// personal access token (Bearer, no name).
    pub login: Option<String>,
    /// Where Atlassian's API gateway was asked.
    pub gateway: String,
    /// What the profile needs from Jira.
    pub needs: JiraNeeds,
    /// The current token record, if one was kept.
    pub token_record: Option<TokenRecord>,
    /// Why probing could not start (unreadable token, unusable CA bundle).
    pub setup_error: Option<SetupError>,
    /// `serverInfo`, asked anonymously.
    pub server_info: Probed<ServerInfo>,
    /// `myself`: who the credentials are.
    pub myself: Probed<Myself>,
    /// The project list as these credentials see it, asked when `myself` was refused (the
    /// article's "Empty project list").
    pub project_list: Probed<Vec<ProjectSummary>>,
    /// `_edge/tenant_info`, asked when `myself` was refused on Cloud.
    pub tenant: Probed<TenantInfo>,
    /// `myself` through the API gateway with the same credentials.
    pub gateway_myself: Probed<Myself>,
    /// One entry per configured project, in config order.
    pub projects: Vec<JiraProjectEvidence>,
    /// `--probe-write PROJECT`.
    pub write: Option<JiraWriteEvidence>,
    /// Proxy, certificate, throttling.
    pub path: NetworkPath,
}

/// What a profile needs from Jira.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JiraNeeds {
    /// The configured project keys.
    pub projects: Vec<String>,
    /// Permission keys needed in each project (`BROWSE_PROJECTS` first).
    pub permissions: Vec<String>,
    /// Issue types tandem creates (the Jira side of the type map, when it writes to Jira).
    pub issue_types: Vec<String>,
    /// Field ids tandem writes (the Jira side of field maps flowing into Jira).
    pub fields: Vec<String>,
}

/// Observations for one Jira project.
#[derive(Clone, Debug)]
pub struct JiraProjectEvidence {
    /// The key.
    pub key: String,
    /// `GET project/{key}`.
    pub project: Probed<ProjectSummary>,
    /// The projects the user sees, asked when the project is not visible.
    pub visible_projects: Probed<Vec<ProjectSummary>>,
    /// `mypermissions` for [`JiraNeeds::permissions`] (plus `SERVICEDESK_AGENT` in a service
    /// project).
    pub permissions: Probed<PermissionReport>,
    /// Issue types the user may create (createmeta), asked when Create Issues is held.
    pub create_types: Probed<Vec<IssueTypeInfo>>,
    /// The create screen's fields per needed issue type.
    pub create_fields: Vec<(String, Result<Vec<FieldInfo>, ConnectorError>)>,
}

/// `--probe-write PROJECT` on Jira.
#[derive(Clone, Debug)]
pub struct JiraWriteEvidence {
    /// The project named on the command line.
    pub project: String,
    /// The issue type used.
    pub issue_type: String,
    /// What happened.
    pub result: Result<WriteProbe, ConnectorError>,
}

/// The Azure DevOps side: intent and observations.
#[derive(Clone, Debug)]
pub struct AdoEvidence {
    /// The organisation or collection URL.
    pub url: String,
    /// The project.
    pub project: String,
    /// The area path, if the profile limits itself to one.
    pub area_path: Option<String>,
    /// The intended sync identity (config `user`).
    pub intended_user: String,
    /// `pat` or `bearer`.
    pub auth: tandem_config::AdoAuth,
    /// Work item types tandem creates (the Azure DevOps side of the type map, when it writes
    /// there).
    pub needed_types: Vec<String>,
    /// Whether the profile writes to Azure DevOps.
    pub writes: bool,
    /// The current token record, if one was kept.
    pub token_record: Option<TokenRecord>,
    /// Why probing could not start.
    pub setup_error: Option<SetupError>,
    /// `connectionData`: who, which deployment, which api-version.
    pub connection: Probed<ConnectionFacts>,
    /// The project.
    pub project_probe: Probed<AdoProject>,
    /// The projects the identity sees, asked when the project is not visible.
    pub visible_projects: Probed<Vec<AdoProject>>,
    /// The area path's node.
    pub area: Probed<ClassificationNode>,
    /// Work item type names of the project.
    pub work_item_types: Probed<Vec<String>>,
    /// `--probe-write`: a create with `validateOnly=true`.
    pub write: Option<(String, Result<ValidatedCreate, ConnectorError>)>,
    /// Proxy, certificate, throttling.
    pub path: NetworkPath,
}

/// A problem found before any request was sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetupError {
    /// The token reference could not be resolved.
    SecretUnreadable {
        /// The reference as written (`file:/path`, `env:NAME`), never the secret.
        reference: String,
        /// Why.
        reason: String,
    },
    /// The connector could not be built from the settings.
    Connection {
        /// What is wrong.
        reason: String,
    },
}
