//! The `[ado]` table of a scenario file: the declared organisation. Maps are keyed by a short
//! handle (identities, tokens, projects...), so `extends = "demo"` plus a few keys changes one
//! thing (see `scenarios/ado-*.toml`).
//!
//! ```toml
//! [ado]
//! organization = "demo"                 # the {org} (or collection) in every URL
//! deployment = "services"               # services | server-2022 | server-2020
//! [ado.identities.sync-bot]
//! email = "sync-bot@example.com"
//! display_name = "Sync Bot"
//! [ado.tokens.demo-ado-pat-sync-bot]    # the token's secret is its key
//! owner = "sync-bot"
//! scopes = ["vso.work_write"]
//! expires = "+335d"                     # absolute date/datetime, or relative to start
//! [ado.projects.Demo]
//! process = "Agile"
//! contributors = ["sync-bot", "group:Developers"]
//! areas = ["Web", "Mobile"]
//! [ado.projects.Demo.area_permissions.Web.sync-bot]
//! deny = ["edit"]                       # "View/Edit work items in this node"
//! [[ado.work_items]]
//! type = "User Story"
//! title = "Sign in with SSO"
//! ```
//! See `scenarios/demo.toml` for a full world.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::common::faults::Faults;
use crate::common::tls::TlsSettings;

/// The whole `[ado]` table. Its `Debug` shows no token secret (they are the `tokens` keys).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdoSpec {
    /// Organisation (Services) or collection (Server) name: the first URL segment.
    #[serde(default = "default_org")]
    pub organization: String,
    /// `services`, `server-2022` or `server-2020`.
    #[serde(default = "default_deployment")]
    pub deployment: String,
    /// Lower the highest api-version served (e.g. `"6.0"`); defaults to the deployment's.
    #[serde(default)]
    pub api_version_cap: Option<String>,
    /// WIQL result cap (VS402337); 20000 like the real service.
    #[serde(default = "default_wiql_max")]
    pub wiql_max_results: usize,
    /// Max ids per bulk read; 200 like the real service.
    #[serde(default = "default_batch_max")]
    pub batch_max: usize,
    /// How unknown credentials are answered without `X-TFS-FedAuthRedirect: Suppress`:
    /// `page` (203 + HTML sign-in page) or `redirect` (302 to the sign-in URL).
    #[serde(default = "default_sign_in")]
    pub sign_in: String,
    /// Refuse loopback hook targets and basic auth over http, like the real service.
    #[serde(default)]
    pub strict_hook_targets: bool,
    #[serde(default)]
    pub identities: BTreeMap<String, IdentitySpec>,
    #[serde(default)]
    pub groups: BTreeMap<String, GroupSpec>,
    /// Credentials, keyed by the token's secret.
    #[serde(default)]
    pub tokens: BTreeMap<String, TokenSpec>,
    /// Custom fields by reference name (`Custom.Team`).
    #[serde(default)]
    pub fields: BTreeMap<String, FieldSpec>,
    /// Extra rules: work item type -> field reference name -> rule.
    #[serde(default)]
    pub rules: BTreeMap<String, BTreeMap<String, RuleSpec>>,
    #[serde(default)]
    pub projects: BTreeMap<String, ProjectSpec>,
    /// Hand-written work items, created in order (ids 1, 2, ...).
    #[serde(default)]
    pub work_items: Vec<WorkItemSpec>,
    /// Generated work items after the hand-written ones (bulk worlds, benchmarks).
    #[serde(default)]
    pub generate: Option<GenerateSpec>,
    /// Service hook subscriptions that exist from the start.
    #[serde(default)]
    pub subscriptions: BTreeMap<String, SubscriptionSpec>,
    #[serde(default)]
    pub rate_limit: RateLimitSpec,
    /// Who the scenario's intended client is (the demo configuration, `tandem doctor`).
    #[serde(default)]
    pub client: Option<ClientSpec>,
    #[serde(default)]
    pub faults: Faults,
    #[serde(default)]
    pub tls: TlsSettings,
}

impl std::fmt::Debug for AdoSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdoSpec")
            .field("organization", &self.organization)
            .field("deployment", &self.deployment)
            .field("identities", &self.identities.keys().collect::<Vec<_>>())
            .field("tokens", &format_args!("<{} redacted>", self.tokens.len()))
            .field("projects", &self.projects.keys().collect::<Vec<_>>())
            .field("work_items", &self.work_items.len())
            .finish_non_exhaustive()
    }
}

fn default_org() -> String {
    "demo".into()
}
fn default_deployment() -> String {
    "services".into()
}
fn default_wiql_max() -> usize {
    20_000
}
fn default_batch_max() -> usize {
    200
}
fn default_sign_in() -> String {
    "page".into()
}
fn yes() -> bool {
    true
}

/// The intended client of a scenario: what tandem's configuration for it says.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    /// The user the operator means the token to be for.
    pub user: String,
    /// The token tandem is configured with.
    pub token: String,
    pub project: String,
    #[serde(default)]
    pub area_path: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentitySpec {
    /// UPN / e-mail (`uniqueName`).
    pub email: String,
    pub display_name: String,
    /// Fixed id (a stable one is derived from the e-mail otherwise).
    #[serde(default)]
    pub id: Option<String>,
    /// Project Collection Administrator.
    #[serde(default)]
    pub org_admin: bool,
    /// Still a member of the organisation.
    #[serde(default = "yes")]
    pub active: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    /// Identity handles.
    #[serde(default)]
    pub members: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenSpec {
    /// `pat` (Basic with empty user) or `bearer` (an Entra-like access token).
    #[serde(default = "default_kind")]
    pub kind: String,
    /// Identity handle.
    pub owner: String,
    /// Display name of the PAT.
    #[serde(default)]
    pub name: Option<String>,
    /// `vso.work`, `vso.work_write`, `vso.work_full`, `vso.hooks_write`, ... or `app_token`
    /// (full access). Bearer tokens default to full access.
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub created: Option<String>,
    /// Absolute date/datetime or relative (`+90d`, `-1d`, `+1h`); none = never.
    #[serde(default)]
    pub expires: Option<String>,
    #[serde(default)]
    pub revoked: bool,
    /// Valid in all the owner's organisations.
    #[serde(default)]
    pub all_orgs: bool,
    /// The organisation an org-scoped PAT belongs to (default: this one). A different name
    /// makes the token unknown here.
    #[serde(default)]
    pub org: Option<String>,
}

fn default_kind() -> String {
    "pat".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub name: String,
    /// string, plainText, html, integer, double, dateTime, boolean, identity, treePath
    #[serde(rename = "type", default = "default_field_type")]
    pub field_type: String,
    #[serde(default)]
    pub description: String,
    /// Work item types that carry it (all types if empty).
    #[serde(default)]
    pub types: Vec<String>,
}

fn default_field_type() -> String {
    "string".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    #[serde(default)]
    pub required: Option<bool>,
    #[serde(default)]
    pub allowed_values: Option<Vec<String>>,
    #[serde(default)]
    pub default: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectSpec {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_process")]
    pub process: String,
    /// Identity handles or `group:NAME`.
    #[serde(default)]
    pub readers: Vec<String>,
    #[serde(default)]
    pub contributors: Vec<String>,
    #[serde(default)]
    pub administrators: Vec<String>,
    /// "Bypass rules on work item updates" (not granted by default).
    #[serde(default)]
    pub bypass_rules: Vec<String>,
    /// "Suppress notifications for work item updates".
    #[serde(default)]
    pub suppress_notifications: Vec<String>,
    /// Area paths below the project root (`Web`, `Web/Frontend`).
    #[serde(default)]
    pub areas: Vec<String>,
    /// Iterations below the project root, with optional dates.
    #[serde(default)]
    pub iterations: BTreeMap<String, IterationSpec>,
    /// Area path (`""` = root) -> subject -> allow/deny.
    #[serde(default)]
    pub area_permissions: BTreeMap<String, BTreeMap<String, AceSpec>>,
    #[serde(default)]
    pub team: Option<String>,
}

fn default_process() -> String {
    "Agile".into()
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IterationSpec {
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub finish: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AceSpec {
    /// `view`, `edit`
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub deny: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkItemSpec {
    /// A handle other items' `parent` can name.
    #[serde(default)]
    pub key: Option<String>,
    /// Project name (the first project if omitted).
    #[serde(default)]
    pub project: Option<String>,
    #[serde(rename = "type")]
    pub work_item_type: String,
    pub title: String,
    #[serde(default)]
    pub state: Option<String>,
    /// Below the project root (`Web`), or a full path (`Demo\Web`).
    #[serde(default)]
    pub area: Option<String>,
    #[serde(default)]
    pub iteration: Option<String>,
    #[serde(default)]
    pub assigned_to: Option<String>,
    /// Identity handle (default: the first org admin, else the first identity).
    #[serde(default)]
    pub created_by: Option<String>,
    /// When (default: spread over the last days).
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// HTML.
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub priority: Option<i64>,
    /// Any other field by reference name.
    #[serde(default)]
    pub fields: BTreeMap<String, toml::Value>,
    /// `key` of the parent item.
    #[serde(default)]
    pub parent: Option<String>,
    /// Hyperlinks.
    #[serde(default)]
    pub links: Vec<String>,
    #[serde(default)]
    pub comments: Vec<CommentSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentSpec {
    /// Identity handle (default: the item's creator).
    #[serde(default)]
    pub by: Option<String>,
    pub text: String,
    /// `html` (default) or `markdown`.
    #[serde(default)]
    pub format: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateSpec {
    pub count: usize,
    #[serde(default)]
    pub project: Option<String>,
    /// Types to cycle through (default: User Story, Bug, Task).
    #[serde(default)]
    pub types: Vec<String>,
    /// Areas below the root to spread items over (default: the project's areas and root).
    #[serde(default)]
    pub areas: Vec<String>,
    /// Identity handles to assign and create as (default: all).
    #[serde(default)]
    pub people: Vec<String>,
    /// Days back the oldest generated item was created (default 30).
    #[serde(default)]
    pub days: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionSpec {
    /// `workitem.created`, `workitem.updated`, `workitem.commented`, `workitem.deleted`, ...
    pub event_type: String,
    pub url: String,
    /// Identity handle that owns it.
    pub created_by: String,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub basic_auth_username: Option<String>,
    #[serde(default)]
    pub basic_auth_password: Option<String>,
    /// `Name:value` lines, as the consumer input takes them.
    #[serde(default)]
    pub http_headers: Option<String>,
    #[serde(default)]
    pub resource_details_to_send: Option<String>,
}

/// The TSTU model (rate-limits doc): usage per identity in a sliding window; past `limit`
/// requests are delayed (still 200, with `Retry-After` and `X-RateLimit-Delay`), past
/// `block_at` they are refused (429 TF400733).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitSpec {
    pub enabled: bool,
    /// TSTUs per window before delays start (200 on the real service).
    pub limit: f64,
    pub window_seconds: u64,
    /// Usage at which requests are blocked.
    pub block_at: f64,
    /// TSTUs a request costs, by kind.
    pub read_cost: f64,
    pub write_cost: f64,
    pub query_cost: f64,
    /// Longest delay imposed (30 s on the real service).
    pub max_delay_ms: u64,
    /// Really wait the delay before answering (off: only announce it in the headers).
    pub apply_delay: bool,
    /// Send the `X-RateLimit-*` headers on every response, not only near the limit.
    pub always_send_headers: bool,
}

impl Default for RateLimitSpec {
    fn default() -> Self {
        Self {
            enabled: true,
            limit: 200.0,
            window_seconds: 300,
            block_at: 400.0,
            read_cost: 0.05,
            write_cost: 0.25,
            query_cost: 0.5,
            max_delay_ms: 30_000,
            apply_delay: true,
            always_send_headers: true,
        }
    }
}
