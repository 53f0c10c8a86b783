//! The `[jira]` table of a scenario file: the declared world. Maps are keyed by a short handle
//! (users, tokens, projects, ...), so `extends = "demo"` plus a few keys changes one thing.
//!
//! ```toml
//! [jira]
//! flavour = "cloud"                       # cloud | datacenter
//! [jira.users.sync-bot]
//! email = "sync-bot@example.com"
//! display_name = "Sync Bot"
//! applications = ["jira-software"]
//! [jira.tokens.demo-jira-token-sync-bot]  # the token's secret is its key
//! owner = "sync-bot"
//! expires = "+300d"                       # absolute date/datetime, or relative to start
//! [jira.projects.DEMO]
//! name = "Demo"
//! type = "software"
//! roles = { Developers = ["user:sync-bot"] }
//! ```
//! See `scenarios/demo.toml` for a full world.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::common::faults::Faults;
use crate::common::tls::TlsSettings;

/// Cloud or Data Center.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Flavour {
    /// Jira Cloud: REST v2 and v3, email + API token, scoped tokens via the gateway.
    #[default]
    Cloud,
    /// Jira Data Center: REST v2 only, user name + password or PAT.
    Datacenter,
}

/// The whole `[jira]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JiraSpec {
    /// Cloud or Data Center.
    #[serde(default)]
    pub flavour: Flavour,
    /// `serverTitle`.
    #[serde(default = "default_title")]
    pub title: String,
    /// Cloud site id (`/_edge/tenant_info`, gateway path `/ex/jira/{cloudId}`).
    #[serde(default = "default_cloud_id")]
    pub cloud_id: String,
    /// `serverInfo.version` (DC); Cloud always reports `1001.0.0-SNAPSHOT`.
    #[serde(default = "default_dc_version")]
    pub version: String,
    /// `serverInfo.deploymentType` for DC ("Server" on real 10.x, "DataCenter" on others).
    #[serde(default = "default_dc_deployment")]
    pub dc_deployment_type: String,
    /// Authentication rules.
    #[serde(default)]
    pub auth: AuthSpec,
    /// Groups that hold the global Administer Jira permission.
    #[serde(default = "default_admin_groups")]
    pub admin_groups: Vec<String>,
    /// People and app accounts.
    #[serde(default)]
    pub users: BTreeMap<String, UserSpec>,
    /// Credentials, keyed by the token's secret.
    #[serde(default)]
    pub tokens: BTreeMap<String, TokenSpec>,
    /// Statuses by name.
    #[serde(default)]
    pub statuses: BTreeMap<String, StatusSpec>,
    /// Issue types by name.
    #[serde(default)]
    pub issue_types: BTreeMap<String, IssueTypeSpec>,
    /// Priorities by name.
    #[serde(default)]
    pub priorities: BTreeMap<String, PrioritySpec>,
    /// Custom fields by id (`customfield_10016`).
    #[serde(default)]
    pub custom_fields: BTreeMap<String, CustomFieldSpec>,
    /// Workflows by name.
    #[serde(default)]
    pub workflows: BTreeMap<String, WorkflowSpec>,
    /// Screens by name: which fields can be set at create and at edit.
    #[serde(default)]
    pub screens: BTreeMap<String, ScreenSpec>,
    /// Permission schemes by name: permission key -> holders.
    #[serde(default)]
    pub permission_schemes: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// Issue link types by name.
    #[serde(default)]
    pub link_types: BTreeMap<String, LinkTypeSpec>,
    /// Projects by key.
    #[serde(default)]
    pub projects: BTreeMap<String, ProjectSpec>,
    /// Generated issues per project key (deterministic), created before `issues`.
    #[serde(default)]
    pub seed: SeedSpec,
    /// Explicit issues.
    #[serde(default)]
    pub issues: Vec<IssueSpec>,
    /// Admin webhooks registered at start.
    #[serde(default)]
    pub webhooks: Vec<WebhookSpec>,
    /// Rate limits.
    #[serde(default)]
    pub rate_limits: RateLimitSpec,
    /// Faults (shared machinery).
    #[serde(default)]
    pub faults: Faults,
    /// TLS (shared machinery).
    #[serde(default)]
    pub tls: TlsSettings,
    /// The credentials and settings a client should use to rehearse this scenario (read by
    /// `tandem sim --write-config` and by tests; the simulator itself does not use them).
    #[serde(default)]
    pub client: ClientSpec,
}

fn default_title() -> String {
    "Jira".into()
}
fn default_cloud_id() -> String {
    "8f3c2d1e-5b6a-4c7d-9e8f-0a1b2c3d4e5f".into()
}
fn default_dc_version() -> String {
    "10.3.13".into()
}
fn default_dc_deployment() -> String {
    "Server".into()
}
fn default_admin_groups() -> Vec<String> {
    vec!["jira-administrators".into(), "site-admins".into()]
}

/// `[jira.auth]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSpec {
    /// DC: failed logins after which CAPTCHA blocks basic auth (0 = never).
    pub captcha_after_failures: u32,
    /// Site URL used in `login-url=` of the CAPTCHA header (default: the simulator's URL).
    pub login_url: Option<String>,
}

impl Default for AuthSpec {
    fn default() -> Self {
        AuthSpec {
            captcha_after_failures: 3,
            login_url: None,
        }
    }
}

/// Account type of a Cloud user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AccountType {
    /// A person with an Atlassian account.
    #[default]
    Atlassian,
    /// A JSM portal-only customer.
    Customer,
    /// A bot / app account.
    App,
}

/// `[jira.users.HANDLE]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    /// Cloud accountId (generated from the handle if absent).
    pub account_id: Option<String>,
    /// Email address (the Cloud login).
    pub email: Option<String>,
    /// Whether `emailAddress` is visible to others (profile privacy); always visible to self.
    #[serde(default = "yes")]
    pub email_visible: bool,
    /// Display name.
    pub display_name: String,
    /// Active account.
    #[serde(default = "yes")]
    pub active: bool,
    /// Cloud account type.
    #[serde(default)]
    pub account_type: AccountType,
    /// DC user name (the login; defaults to the handle).
    pub name: Option<String>,
    /// DC user key (defaults to `JIRAUSER1xxxx`).
    pub key: Option<String>,
    /// DC password.
    pub password: Option<String>,
    /// DC failed login count at start (CAPTCHA once it reaches `auth.captcha_after_failures`).
    #[serde(default)]
    pub failed_logins: u32,
    /// Group names.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Application access: `jira-software`, `jira-servicedesk`, `jira-core`.
    #[serde(default)]
    pub applications: Vec<String>,
    /// IANA time zone.
    #[serde(default = "default_tz")]
    pub time_zone: String,
}

fn yes() -> bool {
    true
}
fn default_tz() -> String {
    "Etc/UTC".into()
}

/// Kind of credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum TokenKind {
    /// Cloud API token: Basic `email:token`.
    #[default]
    ApiToken,
    /// DC personal access token: `Bearer token`.
    Pat,
}

/// `[jira.tokens.SECRET]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenSpec {
    /// Handle of the owning user.
    pub owner: String,
    /// Kind of token.
    #[serde(default)]
    pub kind: TokenKind,
    /// A label, as shown on the account's token page.
    #[serde(default)]
    pub label: String,
    /// When created: `2025-06-01`, `2025-06-01T10:00:00Z`, or relative `-30d`, `-2h`.
    #[serde(default = "default_created")]
    pub created: String,
    /// When it expires (same forms); none = never.
    pub expires: Option<String>,
    /// Revoked by its owner or an admin.
    #[serde(default)]
    pub revoked: bool,
    /// Scopes of a scoped token (Cloud); empty = classic, unscoped.
    #[serde(default)]
    pub scopes: Vec<String>,
}

fn default_created() -> String {
    "-30d".into()
}

/// Status category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// To Do.
    New,
    /// In Progress.
    Indeterminate,
    /// Done.
    Done,
}

/// `[jira.statuses.NAME]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusSpec {
    /// Numeric id.
    pub id: String,
    /// Category.
    pub category: Category,
    /// Description.
    #[serde(default)]
    pub description: String,
}

/// `[jira.issue_types.NAME]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueTypeSpec {
    /// Numeric id.
    pub id: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Sub-task type.
    #[serde(default)]
    pub subtask: bool,
    /// Hierarchy level (Epic 1, standard 0, sub-task -1).
    #[serde(default)]
    pub hierarchy_level: i32,
}

/// `[jira.priorities.NAME]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrioritySpec {
    /// Numeric id.
    pub id: String,
    /// Status colour.
    #[serde(default = "default_color")]
    pub color: String,
    /// Whether new issues get it by default.
    #[serde(default)]
    pub default: bool,
}

fn default_color() -> String {
    "#4a6785".into()
}

/// Custom field value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CustomType {
    /// Free text (single line).
    String,
    /// Multi-line text (ADF on v3, wiki on v2).
    Textarea,
    /// A number.
    Number,
    /// A date `yyyy-MM-dd`.
    Date,
    /// One option of `options`.
    Select,
    /// Labels-like strings.
    Labels,
    /// A user.
    User,
}

/// `[jira.custom_fields.customfield_NNNNN]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomFieldSpec {
    /// Display name.
    pub name: String,
    /// Value type.
    #[serde(rename = "type")]
    pub kind: CustomType,
    /// Options of a select field.
    #[serde(default)]
    pub options: Vec<String>,
}

/// One workflow transition.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionSpec {
    /// Numeric id.
    pub id: String,
    /// Name shown in the UI.
    pub name: String,
    /// From these statuses (empty = from any status: a global transition).
    #[serde(default)]
    pub from: Vec<String>,
    /// To this status.
    pub to: String,
}

/// `[jira.workflows.NAME]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowSpec {
    /// Status of new issues.
    pub initial: String,
    /// Transitions.
    pub transitions: Vec<TransitionSpec>,
}

/// `[jira.screens.NAME]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenSpec {
    /// Field ids settable at create (`project` and `issuetype` are always settable).
    pub create: Vec<String>,
    /// Field ids settable at edit.
    pub edit: Vec<String>,
    /// Field ids required at create.
    #[serde(default = "default_required")]
    pub required: Vec<String>,
}

fn default_required() -> Vec<String> {
    vec!["summary".into()]
}

/// `[jira.link_types.NAME]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkTypeSpec {
    /// Numeric id.
    pub id: String,
    /// e.g. "is blocked by".
    pub inward: String,
    /// e.g. "blocks".
    pub outward: String,
}

/// Project type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectType {
    /// Jira Software.
    Software,
    /// Jira Work Management.
    Business,
    /// Jira Service Management.
    ServiceDesk,
}

/// `[jira.projects.KEY]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectSpec {
    /// Numeric id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Project type.
    #[serde(rename = "type")]
    pub kind: ProjectType,
    /// Handle of the lead.
    pub lead: String,
    /// Issue type names available.
    pub issue_types: Vec<String>,
    /// Workflow name.
    pub workflow: String,
    /// Screen name.
    pub screen: String,
    /// Permission scheme name.
    pub permission_scheme: String,
    /// Project roles: role name -> holders (`user:HANDLE`, `group:NAME`).
    #[serde(default)]
    pub roles: BTreeMap<String, Vec<String>>,
    /// Description.
    #[serde(default)]
    pub description: String,
}

/// `[jira.seed]`: generated issues.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct SeedSpec {
    /// Project key -> how many issues to generate.
    pub issues: BTreeMap<String, u32>,
    /// Seed of the generator.
    pub seed: u64,
    /// Comments per generated issue (0..=this, drawn).
    pub max_comments: u32,
}

/// `[[jira.issues]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueSpec {
    /// Project key.
    pub project: String,
    /// Issue type name.
    pub issue_type: String,
    /// Summary.
    pub summary: String,
    /// Description as plain text (paragraphs split on blank lines).
    #[serde(default)]
    pub description: Option<String>,
    /// Status name (must be reachable in the workflow; set directly).
    pub status: Option<String>,
    /// Reporter handle.
    pub reporter: Option<String>,
    /// Assignee handle.
    pub assignee: Option<String>,
    /// Labels.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Priority name.
    pub priority: Option<String>,
    /// Issue properties (JSON values written as TOML).
    #[serde(default)]
    pub properties: BTreeMap<String, toml::Value>,
    /// Comments as plain text, by the reporter.
    #[serde(default)]
    pub comments: Vec<String>,
}

/// `[[jira.webhooks]]`: an admin webhook present at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSpec {
    /// Name.
    pub name: String,
    /// Delivery URL.
    pub url: String,
    /// Events (`jira:issue_created`, `jira:issue_updated`, `comment_created`, ...).
    pub events: Vec<String>,
    /// JQL filter on issue events.
    #[serde(default)]
    pub jql: Option<String>,
    /// HMAC secret (`X-Hub-Signature: sha256=...`).
    #[serde(default)]
    pub secret: Option<String>,
}

/// `[jira.rate_limits]`. Zero disables a limit.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitSpec {
    /// Burst limit per method and route: steady requests per second for GET.
    pub get_per_sec: u32,
    /// ... for POST.
    pub post_per_sec: u32,
    /// ... for PUT.
    pub put_per_sec: u32,
    /// ... for DELETE.
    pub delete_per_sec: u32,
    /// Per-issue writes: at most this many in `issue_short_window_secs`.
    pub issue_writes_short: u32,
    /// The short window, in seconds.
    pub issue_short_window_secs: u32,
    /// Per-issue writes: at most this many in `issue_long_window_secs`.
    pub issue_writes_long: u32,
    /// The long window, in seconds.
    pub issue_long_window_secs: u32,
}

impl Default for RateLimitSpec {
    fn default() -> Self {
        // Per-issue write limits as documented for Cloud (jira-api.md §7); burst limits off
        // by default so tests and benchmarks are not throttled unless a scenario asks.
        RateLimitSpec {
            get_per_sec: 0,
            post_per_sec: 0,
            put_per_sec: 0,
            delete_per_sec: 0,
            issue_writes_short: 20,
            issue_short_window_secs: 2,
            issue_writes_long: 100,
            issue_long_window_secs: 30,
        }
    }
}

/// `[jira.client]`: how a client should connect to rehearse the scenario.
#[derive(Debug, Clone, Deserialize, serde::Serialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ClientSpec {
    /// `cloud` or `datacenter`: the mode the client is set to (may differ from the site's
    /// flavour, as in the `datacenter` scenario).
    pub mode: Option<String>,
    /// The intended sync user (email on Cloud, user name on DC).
    pub user: Option<String>,
    /// The login actually sent (defaults to `user`).
    pub login: Option<String>,
    /// The token or password the client holds.
    pub token: Option<String>,
    /// Send the token as `Bearer` rather than Basic.
    #[serde(default)]
    pub bearer: bool,
    /// The project the scenario is about.
    pub project: Option<String>,
    /// Whether the client trusts the simulator's CA (TLS scenarios).
    pub trust_ca: Option<bool>,
    /// Use the API gateway base URL (`/ex/jira/{cloudId}`).
    #[serde(default)]
    pub gateway: bool,
}
