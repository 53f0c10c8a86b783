//! The Jira world at run time: users, credentials, configuration, projects and issues, built
//! from a validated [`JiraSpec`]. Indexes are plain vectors and hash maps so 100k issues fit
//! comfortably; the whole world sits behind one `parking_lot::RwLock` in the server state.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::Value;

use super::adf;
use super::spec::{
    AccountType, AuthSpec, Category, ClientSpec, CustomType, Flavour, JiraSpec, ProjectType,
    RateLimitSpec, TokenKind,
};
use crate::common::clock::{Clock, Millis};
use crate::common::rng::Rng;
use crate::common::scenario::{Scenario, ScenarioError};

pub(crate) type UserIx = usize;
pub(crate) type IssueId = u64;

#[derive(Debug, Clone)]
pub(crate) struct User {
    pub handle: String,
    pub account_id: String,
    pub email: Option<String>,
    pub email_visible: bool,
    pub display_name: String,
    pub active: bool,
    pub account_type: AccountType,
    pub name: String,
    pub key: String,
    pub password: Option<String>,
    pub failed_logins: u32,
    pub groups: Vec<String>,
    pub applications: Vec<String>,
    pub time_zone: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub owner: UserIx,
    pub kind: TokenKind,
    pub label: String,
    pub created: Millis,
    pub expires: Option<Millis>,
    pub revoked: bool,
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Status {
    pub id: String,
    pub name: String,
    pub category: Category,
    pub description: String,
}

#[derive(Debug, Clone)]
pub(crate) struct IssueType {
    pub id: String,
    pub name: String,
    pub description: String,
    pub subtask: bool,
    pub hierarchy_level: i32,
}

#[derive(Debug, Clone)]
pub(crate) struct Priority {
    pub id: String,
    pub name: String,
    pub color: String,
}

#[derive(Debug, Clone)]
pub(crate) struct CustomField {
    pub name: String,
    pub kind: CustomType,
    pub options: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Transition {
    pub id: String,
    pub name: String,
    /// Empty: global (from any status).
    pub from: Vec<usize>,
    pub to: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct Workflow {
    pub initial: usize,
    pub transitions: Vec<Transition>,
}

#[derive(Debug, Clone)]
pub(crate) struct Screen {
    pub create: Vec<String>,
    pub edit: Vec<String>,
    pub required: Vec<String>,
}

/// Who a permission or role is granted to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Holder {
    /// Everyone, anonymous included.
    Anyone,
    /// Any logged-in user with product access.
    LoggedIn,
    User(UserIx),
    Group(String),
    Role(String),
    Reporter,
    Assignee,
    Lead,
}

#[derive(Debug, Clone)]
pub(crate) struct Role {
    pub id: String,
    pub name: String,
    pub members: Vec<Holder>,
}

#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub id: String,
    pub key: String,
    pub name: String,
    pub kind: ProjectType,
    pub lead: UserIx,
    pub issue_types: Vec<usize>,
    pub workflow: usize,
    pub screen: Screen,
    pub scheme: BTreeMap<String, Vec<Holder>>,
    pub roles: Vec<Role>,
    pub description: String,
    pub next_number: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct LinkType {
    pub id: String,
    pub name: String,
    pub inward: String,
    pub outward: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Comment {
    pub id: u64,
    pub author: Option<UserIx>,
    pub update_author: Option<UserIx>,
    /// ADF.
    pub body: adf::Doc,
    pub created: Millis,
    pub updated: Millis,
    /// (type "role"|"group", value).
    pub visibility: Option<(String, String)>,
    pub jsd_public: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Attachment {
    pub id: u64,
    pub issue: IssueId,
    pub filename: String,
    pub mime: String,
    pub content: bytes::Bytes,
    pub author: Option<UserIx>,
    pub created: Millis,
    /// Media Services id used by ADF `media` nodes (never the attachment id).
    pub media_id: String,
}

#[derive(Debug, Clone)]
pub(crate) struct IssueLink {
    pub id: u64,
    pub link_type: usize,
    pub inward: IssueId,
    pub outward: IssueId,
}

#[derive(Debug, Clone)]
pub(crate) struct ChangeItem {
    pub field: String,
    pub fieldtype: String,
    pub field_id: String,
    pub from: Option<String>,
    pub from_string: Option<String>,
    pub to: Option<String>,
    pub to_string: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct ChangeGroup {
    pub id: u64,
    pub author: Option<UserIx>,
    pub created: Millis,
    pub items: Vec<ChangeItem>,
}

#[derive(Debug, Clone)]
pub(crate) struct Issue {
    pub id: IssueId,
    pub key: String,
    pub project: usize,
    pub number: u32,
    pub issue_type: usize,
    pub status: usize,
    pub priority: Option<usize>,
    pub summary: String,
    /// ADF.
    pub description: Option<adf::Doc>,
    pub labels: Vec<String>,
    pub assignee: Option<UserIx>,
    pub reporter: Option<UserIx>,
    pub creator: Option<UserIx>,
    pub created: Millis,
    pub updated: Millis,
    pub resolution_date: Option<Millis>,
    pub duedate: Option<String>,
    pub parent: Option<IssueId>,
    /// Custom field id -> value (textarea values are ADF).
    pub custom: BTreeMap<String, Value>,
    pub comments: Vec<Comment>,
    pub attachments: Vec<u64>,
    pub links: Vec<u64>,
    pub properties: BTreeMap<String, Value>,
    pub changelog: Vec<ChangeGroup>,
}

#[derive(Debug, Clone)]
pub(crate) struct Webhook {
    pub id: u64,
    pub name: String,
    pub url: String,
    pub events: Vec<String>,
    pub jql: Option<String>,
    pub secret: Option<String>,
    pub enabled: bool,
    pub created: Millis,
}

/// The whole simulated site.
#[derive(Debug)]
pub(crate) struct World {
    pub flavour: Flavour,
    pub title: String,
    pub cloud_id: String,
    pub version: String,
    pub dc_deployment_type: String,
    pub auth: AuthSpec,
    pub admin_groups: Vec<String>,
    pub users: Vec<User>,
    pub by_account: HashMap<String, UserIx>,
    pub by_email: HashMap<String, UserIx>,
    pub by_name: HashMap<String, UserIx>,
    pub by_handle: HashMap<String, UserIx>,
    pub tokens: HashMap<String, Token>,
    pub statuses: Vec<Status>,
    pub issue_types: Vec<IssueType>,
    pub priorities: Vec<Priority>,
    pub default_priority: Option<usize>,
    pub custom_fields: BTreeMap<String, CustomField>,
    pub workflows: Vec<Workflow>,
    pub link_types: Vec<LinkType>,
    pub projects: Vec<Project>,
    pub project_by_key: HashMap<String, usize>,
    pub issues: HashMap<IssueId, Issue>,
    pub issue_by_key: HashMap<String, IssueId>,
    pub attachments: HashMap<u64, Attachment>,
    pub media: HashMap<String, u64>,
    pub links: HashMap<u64, IssueLink>,
    pub webhooks: Vec<Webhook>,
    pub rate_limits: RateLimitSpec,
    pub client: ClientSpec,
    pub next_issue_id: IssueId,
    pub next_comment_id: u64,
    pub next_attachment_id: u64,
    pub next_link_id: u64,
    pub next_change_id: u64,
    pub next_webhook_id: u64,
    pub clock: Arc<Clock>,
}

/// Parses a scenario time: `2025-06-01`, `2025-06-01T10:00:00Z`, or relative to `now` (Unix
/// milliseconds) `-30d`, `+2h`, `-15m`, `+1w`. Public so that tools writing a client setup for
/// a scenario (`tandem sim --write-config`) date its tokens as the simulator does.
pub fn parse_when(s: &str, now: Millis) -> Option<Millis> {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix('+').or_else(|| s.strip_prefix('-')) {
        let sign = if s.starts_with('-') { -1 } else { 1 };
        let (num, unit) = rest.split_at(rest.find(|c: char| !c.is_ascii_digit())?);
        let n: i64 = num.parse().ok()?;
        let ms = match unit {
            "w" => n * 7 * 86_400_000,
            "d" => n * 86_400_000,
            "h" => n * 3_600_000,
            "m" => n * 60_000,
            "s" => n * 1000,
            _ => return None,
        };
        return Some(now + sign * ms);
    }
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(ts.as_millisecond());
    }
    if let Ok(date) = s.parse::<jiff::civil::Date>() {
        let zoned = date.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok()?;
        return Some(zoned.timestamp().as_millisecond());
    }
    None
}

/// Jira's timestamp format: `2024-01-15T09:30:00.123+0000` (UTC).
pub(crate) fn fmt_ts(ms: Millis) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => {
            let z = ts.to_zoned_datetime(jiff::tz::TimeZone::UTC);
            format!(
                "{}.{:03}+0000",
                z.strftime("%Y-%m-%dT%H:%M:%S"),
                ms.rem_euclid(1000)
            )
        }
        Err(_) => "1970-01-01T00:00:00.000+0000".into(),
    }
}

pub(crate) fn parse_holder(s: &str, by_handle: &HashMap<String, UserIx>) -> Result<Holder, String> {
    let (kind, arg) = s.split_once(':').unwrap_or((s, ""));
    Ok(match kind {
        "anyone" => Holder::Anyone,
        "logged-in" => Holder::LoggedIn,
        "reporter" => Holder::Reporter,
        "assignee" => Holder::Assignee,
        "lead" => Holder::Lead,
        "user" => Holder::User(
            *by_handle
                .get(arg)
                .ok_or_else(|| format!("no user `{arg}` in [jira.users]"))?,
        ),
        "group" => Holder::Group(arg.to_owned()),
        "role" => Holder::Role(arg.to_owned()),
        _ => {
            return Err(format!(
                "unknown holder `{s}`; use anyone, logged-in, reporter, assignee, lead, user:HANDLE, group:NAME or role:NAME"
            ));
        }
    })
}

const WORDS_A: &[&str] = &[
    "Login",
    "Checkout",
    "Search",
    "Export",
    "Billing",
    "Profile",
    "Dashboard",
    "Upload",
    "Notification",
    "Report",
    "Settings",
    "Sync",
    "Import",
    "Calendar",
    "Invoice",
    "Audit",
];
const WORDS_B: &[&str] = &[
    "fails on slow networks",
    "shows stale data",
    "needs a retry button",
    "is too slow",
    "loses unsaved changes",
    "should support dark mode",
    "times out for large accounts",
    "needs an audit trail",
    "breaks with unicode names",
    "should be accessible by keyboard",
];

impl World {
    /// Builds the world from the scenario's `[jira]` table; reference errors point at the key.
    pub(crate) fn build(
        spec: &JiraSpec,
        scenario: &Scenario,
        clock: Arc<Clock>,
    ) -> Result<World, ScenarioError> {
        let now = clock.now_ms();
        let err = |path: &[&str], msg: String| scenario.error_at("jira", path, msg);
        if let Err((k, p)) = spec.faults.validate() {
            return Err(err(&["faults", k], p));
        }
        let mut users = Vec::new();
        let mut by_handle = HashMap::new();
        for (i, (handle, u)) in spec.users.iter().enumerate() {
            let account_id = u
                .account_id
                .clone()
                .unwrap_or_else(|| format!("712020:{:08x}-0000-4000-8000-{:012x}", i + 1, i + 1));
            users.push(User {
                handle: handle.clone(),
                account_id,
                email: u.email.clone(),
                email_visible: u.email_visible,
                display_name: u.display_name.clone(),
                active: u.active,
                account_type: u.account_type,
                name: u.name.clone().unwrap_or_else(|| handle.clone()),
                key: u
                    .key
                    .clone()
                    .unwrap_or_else(|| format!("JIRAUSER{}", 10100 + i)),
                password: u.password.clone(),
                failed_logins: u.failed_logins,
                groups: u.groups.clone(),
                applications: u.applications.clone(),
                time_zone: u.time_zone.clone(),
            });
            by_handle.insert(handle.clone(), i);
        }
        let by_account = users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.account_id.clone(), i))
            .collect();
        let by_email = users
            .iter()
            .enumerate()
            .filter_map(|(i, u)| u.email.as_ref().map(|e| (e.to_lowercase(), i)))
            .collect();
        let by_name = users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.name.to_lowercase(), i))
            .collect();

        let mut tokens = HashMap::new();
        for (secret, t) in &spec.tokens {
            let owner = *by_handle.get(&t.owner).ok_or_else(|| {
                err(
                    &["tokens", secret, "owner"],
                    format!("no user `{}` in [jira.users]", t.owner),
                )
            })?;
            let created = parse_when(&t.created, now).ok_or_else(|| {
                err(
                    &["tokens", secret, "created"],
                    "use a date (2025-06-01), a timestamp (2025-06-01T10:00:00Z) or a relative time (-30d)".into(),
                )
            })?;
            let expires = match &t.expires {
                None => None,
                Some(e) => Some(parse_when(e, now).ok_or_else(|| {
                    err(
                        &["tokens", secret, "expires"],
                        "use a date (2026-06-01), a timestamp or a relative time (+300d)".into(),
                    )
                })?),
            };
            tokens.insert(
                secret.clone(),
                Token {
                    owner,
                    kind: t.kind,
                    label: t.label.clone(),
                    created,
                    expires,
                    revoked: t.revoked,
                    scopes: t.scopes.clone(),
                },
            );
        }

        let statuses: Vec<Status> = spec
            .statuses
            .iter()
            .map(|(name, s)| Status {
                id: s.id.clone(),
                name: name.clone(),
                category: s.category,
                description: s.description.clone(),
            })
            .collect();
        let status_ix = |name: &str| statuses.iter().position(|s| s.name == name);
        let issue_types: Vec<IssueType> = spec
            .issue_types
            .iter()
            .map(|(name, t)| IssueType {
                id: t.id.clone(),
                name: name.clone(),
                description: t.description.clone(),
                subtask: t.subtask,
                hierarchy_level: t.hierarchy_level,
            })
            .collect();
        let mut priorities: Vec<Priority> = spec
            .priorities
            .iter()
            .map(|(name, p)| Priority {
                id: p.id.clone(),
                name: name.clone(),
                color: p.color.clone(),
            })
            .collect();
        priorities.sort_by_key(|p| p.id.parse::<u64>().unwrap_or(u64::MAX));
        let default_priority = spec
            .priorities
            .iter()
            .find(|(_, p)| p.default)
            .and_then(|(n, _)| priorities.iter().position(|p| &p.name == n));
        let custom_fields = spec
            .custom_fields
            .iter()
            .map(|(id, c)| {
                (
                    id.clone(),
                    CustomField {
                        name: c.name.clone(),
                        kind: c.kind,
                        options: c.options.clone(),
                    },
                )
            })
            .collect();

        let mut workflows = Vec::new();
        let mut workflow_names = Vec::new();
        for (wname, w) in &spec.workflows {
            let initial = status_ix(&w.initial).ok_or_else(|| {
                err(
                    &["workflows", wname, "initial"],
                    format!("no status `{}` in [jira.statuses]", w.initial),
                )
            })?;
            let mut transitions = Vec::new();
            for (i, t) in w.transitions.iter().enumerate() {
                let idx = format!("[{i}]");
                let to = status_ix(&t.to).ok_or_else(|| {
                    err(
                        &["workflows", wname, "transitions", &idx, "to"],
                        format!("no status `{}` in [jira.statuses]", t.to),
                    )
                })?;
                let mut from = Vec::new();
                for f in &t.from {
                    from.push(status_ix(f).ok_or_else(|| {
                        err(
                            &["workflows", wname, "transitions", &idx, "from"],
                            format!("no status `{f}` in [jira.statuses]"),
                        )
                    })?);
                }
                transitions.push(Transition {
                    id: t.id.clone(),
                    name: t.name.clone(),
                    from,
                    to,
                });
            }
            workflows.push(Workflow {
                initial,
                transitions,
            });
            workflow_names.push(wname.clone());
        }

        let link_types = spec
            .link_types
            .iter()
            .map(|(name, l)| LinkType {
                id: l.id.clone(),
                name: name.clone(),
                inward: l.inward.clone(),
                outward: l.outward.clone(),
            })
            .collect();

        let mut projects = Vec::new();
        let mut project_by_key = HashMap::new();
        for (key, p) in &spec.projects {
            let lead = *by_handle.get(&p.lead).ok_or_else(|| {
                err(
                    &["projects", key, "lead"],
                    format!("no user `{}` in [jira.users]", p.lead),
                )
            })?;
            let mut types = Vec::new();
            for t in &p.issue_types {
                types.push(
                    issue_types
                        .iter()
                        .position(|x| &x.name == t)
                        .ok_or_else(|| {
                            err(
                                &["projects", key, "issue_types"],
                                format!("no issue type `{t}` in [jira.issue_types]"),
                            )
                        })?,
                );
            }
            let workflow = workflow_names
                .iter()
                .position(|w| w == &p.workflow)
                .ok_or_else(|| {
                    err(
                        &["projects", key, "workflow"],
                        format!("no workflow `{}` in [jira.workflows]", p.workflow),
                    )
                })?;
            let screen = spec.screens.get(&p.screen).ok_or_else(|| {
                err(
                    &["projects", key, "screen"],
                    format!("no screen `{}` in [jira.screens]", p.screen),
                )
            })?;
            let scheme_spec = spec
                .permission_schemes
                .get(&p.permission_scheme)
                .ok_or_else(|| {
                    err(
                        &["projects", key, "permission_scheme"],
                        format!(
                            "no permission scheme `{}` in [jira.permission_schemes]",
                            p.permission_scheme
                        ),
                    )
                })?;
            let mut scheme = BTreeMap::new();
            for (perm, holders) in scheme_spec {
                if !super::perms::is_known(perm) {
                    return Err(err(
                        &["permission_schemes", &p.permission_scheme, perm],
                        format!(
                            "unknown permission key; known: {}",
                            super::perms::ALL
                                .iter()
                                .map(|p| p.0)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
                let mut hs = Vec::new();
                for h in holders {
                    hs.push(parse_holder(h, &by_handle).map_err(|m| {
                        err(&["permission_schemes", &p.permission_scheme, perm], m)
                    })?);
                }
                scheme.insert(perm.clone(), hs);
            }
            let mut roles = Vec::new();
            for (i, (rname, members)) in p.roles.iter().enumerate() {
                let mut hs = Vec::new();
                for h in members {
                    hs.push(
                        parse_holder(h, &by_handle)
                            .map_err(|m| err(&["projects", key, "roles", rname], m))?,
                    );
                }
                roles.push(Role {
                    id: role_id(rname, i),
                    name: rname.clone(),
                    members: hs,
                });
            }
            project_by_key.insert(key.clone(), projects.len());
            projects.push(Project {
                id: p.id.clone(),
                key: key.clone(),
                name: p.name.clone(),
                kind: p.kind,
                lead,
                issue_types: types,
                workflow,
                screen: Screen {
                    create: screen.create.clone(),
                    edit: screen.edit.clone(),
                    required: screen.required.clone(),
                },
                scheme,
                roles,
                description: p.description.clone(),
                next_number: 1,
            });
        }

        let mut world = World {
            flavour: spec.flavour,
            title: spec.title.clone(),
            cloud_id: spec.cloud_id.clone(),
            version: spec.version.clone(),
            dc_deployment_type: spec.dc_deployment_type.clone(),
            auth: spec.auth.clone(),
            admin_groups: spec.admin_groups.clone(),
            users,
            by_account,
            by_email,
            by_name,
            by_handle,
            tokens,
            statuses,
            issue_types,
            priorities,
            default_priority,
            custom_fields,
            workflows,
            link_types,
            projects,
            project_by_key,
            issues: HashMap::new(),
            issue_by_key: HashMap::new(),
            attachments: HashMap::new(),
            media: HashMap::new(),
            links: HashMap::new(),
            webhooks: Vec::new(),
            rate_limits: spec.rate_limits.clone(),
            client: spec.client.clone(),
            next_issue_id: 10000,
            next_comment_id: 10000,
            next_attachment_id: 10000,
            next_link_id: 10000,
            next_change_id: 10000,
            next_webhook_id: 1,
            clock,
        };

        for (key, count) in &spec.seed.issues {
            let Some(&p) = world.project_by_key.get(key) else {
                return Err(err(
                    &["seed", "issues", key],
                    format!("no project `{key}` in [jira.projects]"),
                ));
            };
            world.generate(p, *count, spec.seed.seed, spec.seed.max_comments);
        }
        for (i, is) in spec.issues.iter().enumerate() {
            let idx = format!("[{i}]");
            let e = |k: &str, m: String| err(&["issues", &idx, k], m);
            let p = *world
                .project_by_key
                .get(&is.project)
                .ok_or_else(|| e("project", format!("no project `{}`", is.project)))?;
            let t = world.projects[p]
                .issue_types
                .iter()
                .copied()
                .find(|&t| world.issue_types[t].name == is.issue_type)
                .ok_or_else(|| {
                    e(
                        "issue_type",
                        format!(
                            "project {} has no issue type `{}`",
                            is.project, is.issue_type
                        ),
                    )
                })?;
            let user = |h: &Option<String>, k: &str| -> Result<Option<UserIx>, ScenarioError> {
                match h {
                    None => Ok(None),
                    Some(h) => world
                        .by_handle
                        .get(h)
                        .copied()
                        .map(Some)
                        .ok_or_else(|| e(k, format!("no user `{h}`"))),
                }
            };
            let reporter = user(&is.reporter, "reporter")?;
            let assignee = user(&is.assignee, "assignee")?;
            let status = match &is.status {
                None => None,
                Some(s) => Some(
                    world
                        .statuses
                        .iter()
                        .position(|x| &x.name == s)
                        .ok_or_else(|| e("status", format!("no status `{s}`")))?,
                ),
            };
            let priority = match &is.priority {
                None => world.default_priority,
                Some(s) => Some(
                    world
                        .priorities
                        .iter()
                        .position(|x| &x.name == s)
                        .ok_or_else(|| e("priority", format!("no priority `{s}`")))?,
                ),
            };
            let mut props = BTreeMap::new();
            for (k, v) in &is.properties {
                props.insert(k.clone(), serde_json::to_value(v).unwrap_or(Value::Null));
            }
            let ts = world.clock.tick();
            let id = world.new_issue(p, t, is.summary.clone(), reporter, ts);
            let comments: Vec<Comment> = is
                .comments
                .iter()
                .map(|c| {
                    world.next_comment_id += 1;
                    let at = world.clock.tick();
                    Comment {
                        id: world.next_comment_id,
                        author: reporter,
                        update_author: reporter,
                        body: adf::Doc::new(&adf::from_plain(c)),
                        created: at,
                        updated: at,
                        visibility: None,
                        jsd_public: true,
                    }
                })
                .collect();
            if let Some(issue) = world.issues.get_mut(&id) {
                issue.description = is
                    .description
                    .as_deref()
                    .map(|d| adf::Doc::new(&adf::from_plain(d)));
                if let Some(s) = status {
                    issue.status = s;
                }
                issue.assignee = assignee;
                issue.labels = is.labels.clone();
                issue.priority = priority;
                issue.properties = props;
                issue.comments = comments;
                issue.updated = world.clock.tick();
            }
        }
        for w in &spec.webhooks {
            world.next_webhook_id += 1;
            let id = world.next_webhook_id;
            world.webhooks.push(Webhook {
                id,
                name: w.name.clone(),
                url: w.url.clone(),
                events: w.events.clone(),
                jql: w.jql.clone(),
                secret: w.secret.clone(),
                enabled: true,
                created: now,
            });
        }
        Ok(world)
    }

    /// Creates a bare issue (initial status, default priority) and indexes it.
    pub(crate) fn new_issue(
        &mut self,
        project: usize,
        issue_type: usize,
        summary: String,
        reporter: Option<UserIx>,
        at: Millis,
    ) -> IssueId {
        self.next_issue_id += 1;
        let id = self.next_issue_id;
        let p = &mut self.projects[project];
        let number = p.next_number;
        p.next_number += 1;
        let key = format!("{}-{number}", p.key);
        let status = self.workflows[p.workflow].initial;
        self.issue_by_key.insert(key.clone(), id);
        self.issues.insert(
            id,
            Issue {
                id,
                key,
                project,
                number,
                issue_type,
                status,
                priority: self.default_priority,
                summary,
                description: None,
                labels: Vec::new(),
                assignee: None,
                reporter,
                creator: reporter,
                created: at,
                updated: at,
                resolution_date: None,
                duedate: None,
                parent: None,
                custom: BTreeMap::new(),
                comments: Vec::new(),
                attachments: Vec::new(),
                links: Vec::new(),
                properties: BTreeMap::new(),
                changelog: Vec::new(),
            },
        );
        id
    }

    /// Deterministic seeded issues, spread over the last 60 days.
    pub(crate) fn generate(&mut self, project: usize, count: u32, seed: u64, max_comments: u32) {
        let rng = Rng::new(seed ^ (project as u64).wrapping_mul(0x9E37_79B9));
        let now = self.clock.now_ms();
        let members: Vec<UserIx> = (0..self.users.len())
            .filter(|&u| {
                self.users[u].account_type == AccountType::Atlassian
                    && !self.users[u].applications.is_empty()
            })
            .collect();
        let types = self.projects[project].issue_types.clone();
        let wf = self.projects[project].workflow;
        let statuses: Vec<usize> = {
            let mut s = vec![self.workflows[wf].initial];
            for t in &self.workflows[wf].transitions {
                if !s.contains(&t.to) {
                    s.push(t.to);
                }
            }
            s
        };
        // Creation times increase with the key, as on a real site.
        let span: i64 = 60 * 86_400_000;
        for n in 0..count {
            let pick = |v: &[usize]| v[usize::try_from(rng.below(v.len() as u64)).unwrap_or(0)];
            let created = now - span + (i64::from(n) * span / i64::from(count.max(1)));
            let t = pick(&types);
            let reporter = if members.is_empty() {
                None
            } else {
                Some(pick(&members))
            };
            let summary = format!(
                "{} {}",
                WORDS_A[usize::try_from(rng.below(WORDS_A.len() as u64)).unwrap_or(0)],
                WORDS_B[usize::try_from(rng.below(WORDS_B.len() as u64)).unwrap_or(0)]
            );
            let id = self.new_issue(project, t, summary.clone(), reporter, created);
            let status = pick(&statuses);
            let updated = created + i64::try_from(rng.below(86_400_000)).unwrap_or(0);
            let ncomments = rng.below(u64::from(max_comments) + 1);
            let mut comments = Vec::new();
            for c in 0..ncomments {
                self.next_comment_id += 1;
                let at = created + i64::try_from(c + 1).unwrap_or(1) * 60_000;
                comments.push(Comment {
                    id: self.next_comment_id,
                    author: reporter,
                    update_author: reporter,
                    body: adf::Doc::new(&adf::from_plain(&format!(
                        "Looked into this ({}).",
                        c + 1
                    ))),
                    created: at,
                    updated: at,
                    visibility: None,
                    jsd_public: true,
                });
            }
            let assignee = if rng.chance(0.6) && !members.is_empty() {
                Some(pick(&members))
            } else {
                None
            };
            if let Some(issue) = self.issues.get_mut(&id) {
                issue.status = status;
                issue.updated = updated.min(now);
                issue.description = Some(adf::Doc::new(&adf::from_plain(&format!(
                    "{summary}.\n\nSteps to reproduce are in the linked support case."
                ))));
                issue.comments = comments;
                issue.assignee = assignee;
                if rng.chance(0.3) {
                    issue.labels = vec!["customer".into()];
                }
            }
        }
    }

    pub(crate) fn issue_by_ref(&self, r: &str) -> Option<IssueId> {
        if let Ok(id) = r.parse::<u64>() {
            return self.issues.contains_key(&id).then_some(id);
        }
        self.issue_by_key.get(&r.to_uppercase()).copied()
    }

    pub(crate) fn project_by_ref(&self, r: &str) -> Option<usize> {
        if let Some(&p) = self.project_by_key.get(&r.to_uppercase()) {
            return Some(p);
        }
        self.projects.iter().position(|p| p.id == r)
    }

    /// Whether the user holds the global Administer Jira permission.
    pub(crate) fn is_admin(&self, user: Option<UserIx>) -> bool {
        user.is_some_and(|u| {
            self.users[u]
                .groups
                .iter()
                .any(|g| self.admin_groups.contains(g))
        })
    }

    pub(crate) fn change_id(&mut self) -> u64 {
        self.next_change_id += 1;
        self.next_change_id
    }

    /// Deletes attachments (e.g. orphaned media) and records the removal in the changelog.
    pub(crate) fn delete_attachments(
        &mut self,
        issue: IssueId,
        ids: &[u64],
        author: Option<UserIx>,
        at: Millis,
    ) -> Vec<Attachment> {
        let mut removed = Vec::new();
        for id in ids {
            if let Some(a) = self.attachments.remove(id) {
                self.media.remove(&a.media_id);
                removed.push(a);
            }
        }
        if removed.is_empty() {
            return removed;
        }
        let cid = self.change_id();
        if let Some(is) = self.issues.get_mut(&issue) {
            is.attachments.retain(|a| !ids.contains(a));
            is.changelog.push(ChangeGroup {
                id: cid,
                author,
                created: at,
                items: removed
                    .iter()
                    .map(|a| ChangeItem {
                        field: "Attachment".into(),
                        fieldtype: "jira".into(),
                        field_id: "attachment".into(),
                        from: Some(a.id.to_string()),
                        from_string: Some(a.filename.clone()),
                        to: None,
                        to_string: None,
                    })
                    .collect(),
            });
            is.updated = at;
        }
        removed
    }
}

fn role_id(name: &str, i: usize) -> String {
    match name {
        "Administrators" => "10002".into(),
        "Developers" => "10001".into(),
        "Viewers" => "10003".into(),
        "Service Desk Team" => "10004".into(),
        "Service Desk Customers" => "10005".into(),
        _ => (10100 + i).to_string(),
    }
}
