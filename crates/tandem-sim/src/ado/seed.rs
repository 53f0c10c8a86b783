//! Turning a scenario's `[ado]` table into a [`World`]: every cross-reference is checked and
//! a bad one is reported at its key (file, line, key, problem).

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::common::clock::Clock;
use crate::common::rng::Rng;
use crate::common::scenario::{Scenario, ScenarioError};

use super::comments;
use super::identity::{
    Group, Identity, IdentityIdx, Scopes, Subject, Token, TokenKind, stable_uuid,
};
use super::process::{self, FieldDef, FieldRegistry, FieldType, TypeField};
use super::spec::{AdoSpec, WorkItemSpec};
use super::time::parse_scenario_time;
use super::tree::{Ace, Perms, Structure};
use super::version::Version;
use super::workitem::{CommentFormat, FieldValue};
use super::world::{Deployment, Limits, Organization, Project, Role, Subscription, World};
use super::write::{self, PatchOp, Target, WriteOptions};

const HALF: &str = "ado";

struct Ctx<'a> {
    scenario: &'a Scenario,
    handles: HashMap<String, IdentityIdx>,
}

impl Ctx<'_> {
    fn err(&self, path: &[&str], problem: impl Into<String>) -> ScenarioError {
        self.scenario.error_at(HALF, path, problem)
    }

    fn identity(
        &self,
        world: &World,
        handle: &str,
        path: &[&str],
    ) -> Result<IdentityIdx, ScenarioError> {
        self.handles
            .get(handle)
            .copied()
            .or_else(|| world.find_identity(handle))
            .ok_or_else(|| {
                self.err(
                    path,
                    format!(
                        "no identity `{handle}`; declare it under [ado.identities.{handle}] (known: {})",
                        self.known()
                    ),
                )
            })
    }

    fn subject(&self, world: &World, text: &str, path: &[&str]) -> Result<Subject, ScenarioError> {
        if let Some(group) = text.strip_prefix("group:") {
            return world.find_group(group).map(Subject::Group).ok_or_else(|| {
                self.err(
                    path,
                    format!("no group `{group}`; declare it under [ado.groups.{group}]"),
                )
            });
        }
        self.identity(world, text, path).map(Subject::Identity)
    }

    fn known(&self) -> String {
        let mut k: Vec<&str> = self.handles.keys().map(String::as_str).collect();
        k.sort_unstable();
        k.join(", ")
    }
}

/// Build the world a scenario declares.
pub fn build(
    spec: &AdoSpec,
    scenario: &Scenario,
    clock: Arc<Clock>,
) -> Result<World, ScenarioError> {
    let mut ctx = Ctx {
        scenario,
        handles: HashMap::new(),
    };
    let now = clock.now_ms();
    let deployment = Deployment::parse(&spec.deployment).ok_or_else(|| {
        ctx.err(
            &["deployment"],
            "must be one of: services, server-2022, server-2020",
        )
    })?;
    let mut versions = deployment.versions();
    if let Some(cap) = &spec.api_version_cap {
        let v = Version::parse(cap)
            .ok_or_else(|| ctx.err(&["api_version_cap"], "must look like \"6.0\" or \"7.1\""))?;
        versions.max = versions.max.min(v);
        versions.released = versions.released.min(v);
    }
    if spec.organization.is_empty() || spec.organization.contains(['/', '?', '#', ' ']) {
        return Err(ctx.err(
            &["organization"],
            "must be a single URL path segment such as \"demo\" or \"DefaultCollection\"",
        ));
    }

    // Fields and the process.
    let mut fields = FieldRegistry::default();
    process::core_fields(&mut fields);
    let mut custom = Vec::new();
    for (reference, f) in &spec.fields {
        let ty = FieldType::parse(&f.field_type).ok_or_else(|| {
            ctx.err(
                &["fields", reference, "type"],
                "must be one of: string, plainText, html, integer, double, dateTime, boolean, identity, treePath",
            )
        })?;
        if !reference.contains('.') {
            return Err(ctx.err(
                &["fields", reference.as_str()],
                "a field reference name has a namespace, e.g. Custom.Team",
            ));
        }
        let idx = fields.add(FieldDef {
            reference_name: reference.clone(),
            name: f.name.clone(),
            field_type: ty,
            read_only: false,
            computed: false,
            description: f.description.clone(),
        });
        custom.push((idx, reference.clone(), f.types.clone()));
    }
    let mut agile = process::agile(&fields);
    for (idx, reference, types) in &custom {
        for t in types {
            if agile.find_type(t).is_none() {
                return Err(ctx.err(
                    &["fields", reference.as_str(), "types"],
                    format!("no work item type `{t}` in the Agile process"),
                ));
            }
        }
        for ty in &mut agile.types {
            if types.is_empty() || types.iter().any(|t| t.eq_ignore_ascii_case(&ty.name)) {
                ty.fields.push(TypeField {
                    field: *idx,
                    required: false,
                    allowed_values: None,
                    default_value: None,
                });
            }
        }
    }
    for (type_name, rules) in &spec.rules {
        let Some(t) = agile.find_type(type_name) else {
            return Err(ctx.err(
                &["rules", type_name.as_str()],
                "no such work item type in the Agile process (Epic, Feature, User Story, Bug, Task)",
            ));
        };
        for (field_name, rule) in rules {
            let Some(f) = fields.find(field_name) else {
                return Err(ctx.err(
                    &["rules", type_name.as_str(), field_name.as_str()],
                    "no such field; custom fields are declared under [ado.fields]",
                ));
            };
            let ty = &mut agile.types[t];
            if ty.type_field(f).is_none() {
                ty.fields.push(TypeField {
                    field: f,
                    required: false,
                    allowed_values: None,
                    default_value: None,
                });
            }
            if let Some(tf) = ty.type_field_mut(f) {
                if let Some(r) = rule.required {
                    tf.required = r;
                }
                if let Some(v) = &rule.allowed_values {
                    tf.allowed_values = Some(v.clone());
                }
                if let Some(d) = &rule.default {
                    tf.default_value = Some(d.clone());
                }
            }
        }
    }

    let org = Organization {
        name: spec.organization.clone(),
        id: stable_uuid("organization", &spec.organization),
        deployment,
        versions,
    };
    let mut world = World::new(org, fields, vec![agile], clock);
    world.limits = Limits {
        wiql_max_results: spec.wiql_max_results.max(1),
        batch_max: spec.batch_max.max(1),
        sign_in_redirect: match spec.sign_in.as_str() {
            "page" => false,
            "redirect" => true,
            _ => return Err(ctx.err(&["sign_in"], "must be \"page\" (203) or \"redirect\" (302)")),
        },
        strict_hook_targets: spec.strict_hook_targets,
    };

    // People.
    for (handle, i) in &spec.identities {
        let id =
            match &i.id {
                Some(text) => Some(text.parse::<uuid::Uuid>().map_err(|_| {
                    ctx.err(&["identities", handle.as_str(), "id"], "must be a UUID")
                })?),
                None => None,
            };
        if !i.email.contains('@') {
            return Err(ctx.err(
                &["identities", handle.as_str(), "email"],
                "must be an e-mail address / UPN",
            ));
        }
        let mut identity = Identity::new(&i.email, &i.display_name, id);
        identity.org_admin = i.org_admin;
        identity.active = i.active;
        let idx = world.add_identity(identity);
        ctx.handles.insert(handle.clone(), idx);
    }
    if world.identities.is_empty() {
        return Err(ctx.err(&["identities"], "declare at least one identity"));
    }
    for (name, g) in &spec.groups {
        let mut members = Vec::new();
        for (i, m) in g.members.iter().enumerate() {
            let idx_s = format!("[{i}]");
            members.push(ctx.identity(
                &world,
                m,
                &["groups", name.as_str(), "members", idx_s.as_str()],
            )?);
        }
        world.groups.push(Group {
            id: stable_uuid("group", name),
            name: name.clone(),
            members,
        });
    }
    for (secret, t) in &spec.tokens {
        let path = |k: &'static str| -> [&str; 3] { ["tokens", secret.as_str(), k] };
        let kind = match t.kind.as_str() {
            "pat" => TokenKind::Pat,
            "bearer" => TokenKind::Bearer,
            _ => return Err(ctx.err(&path("kind"), "must be \"pat\" or \"bearer\"")),
        };
        let owner = ctx.identity(&world, &t.owner, &path("owner"))?;
        let mut scopes = Scopes::default();
        for s in &t.scopes {
            scopes = scopes.union(Scopes::parse(s).ok_or_else(|| {
                ctx.err(
                    &path("scopes"),
                    format!(
                        "unknown scope `{s}`; known: {}",
                        Scopes::known_names().collect::<Vec<_>>().join(", ")
                    ),
                )
            })?);
        }
        if t.scopes.is_empty() {
            if kind == TokenKind::Pat {
                return Err(ctx.err(
                    &path("scopes"),
                    "a PAT needs scopes, e.g. [\"vso.work_write\"] (or [\"app_token\"] for full access)",
                ));
            }
            scopes = Scopes::FULL;
        }
        let valid_to = match &t.expires {
            None => None,
            Some(e) => Some(parse_scenario_time(e, now).ok_or_else(|| {
                ctx.err(
                    &path("expires"),
                    "must be a date, a date-time, or relative like \"+90d\" / \"-1d\"",
                )
            })?),
        };
        if let Some(c) = &t.created
            && parse_scenario_time(c, now).is_none()
        {
            return Err(ctx.err(
                &path("created"),
                "must be a date, a date-time, or relative like \"-30d\"",
            ));
        }
        if secret.len() < 8 {
            return Err(ctx.err(
                &["tokens", secret.as_str()],
                "a token secret needs at least 8 characters",
            ));
        }
        world.tokens.insert(
            secret,
            Token {
                kind,
                name: t
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("{} token", t.owner)),
                owner,
                scopes,
                valid_to,
                revoked: t.revoked,
                all_orgs: t.all_orgs,
                org: t.org.clone().unwrap_or_else(|| spec.organization.clone()),
            },
        );
    }

    // Projects.
    for (name, p) in &spec.projects {
        if p.process != "Agile" {
            return Err(ctx.err(
                &["projects", name.as_str(), "process"],
                "the simulator ships the Agile process only (\"Agile\")",
            ));
        }
        let project = world.projects.len();
        let pidx = u16::try_from(project).unwrap_or(u16::MAX);
        let id = match &p.id {
            Some(text) => text
                .parse::<uuid::Uuid>()
                .map_err(|_| ctx.err(&["projects", name.as_str(), "id"], "must be a UUID"))?,
            None => stable_uuid("project", name),
        };
        let area_root = world.forest.add_root(pidx, name, Structure::Area);
        let iteration_root = world.forest.add_root(pidx, name, Structure::Iteration);
        let mut members = Vec::new();
        for (key, role) in [
            ("readers", Role::Reader),
            ("contributors", Role::Contributor),
            ("administrators", Role::Admin),
        ] {
            let list = match role {
                Role::Reader => &p.readers,
                Role::Contributor => &p.contributors,
                Role::Admin => &p.administrators,
            };
            for (i, s) in list.iter().enumerate() {
                let idx_s = format!("[{i}]");
                members.push((
                    ctx.subject(&world, s, &["projects", name.as_str(), key, idx_s.as_str()])?,
                    role,
                ));
            }
        }
        let mut bypass = Vec::new();
        for (i, s) in p.bypass_rules.iter().enumerate() {
            let idx_s = format!("[{i}]");
            bypass.push(ctx.subject(
                &world,
                s,
                &["projects", name.as_str(), "bypass_rules", idx_s.as_str()],
            )?);
        }
        let mut suppress = Vec::new();
        for (i, s) in p.suppress_notifications.iter().enumerate() {
            let idx_s = format!("[{i}]");
            suppress.push(ctx.subject(
                &world,
                s,
                &[
                    "projects",
                    name.as_str(),
                    "suppress_notifications",
                    idx_s.as_str(),
                ],
            )?);
        }
        for (i, a) in p.areas.iter().enumerate() {
            let idx_s = format!("[{i}]");
            world
                .forest
                .ensure_path(area_root, a)
                .map_err(|e| ctx.err(&["projects", name.as_str(), "areas", idx_s.as_str()], e))?;
        }
        for (path_s, it) in &p.iterations {
            let node = world
                .forest
                .ensure_path(iteration_root, path_s)
                .map_err(|e| {
                    ctx.err(
                        &["projects", name.as_str(), "iterations", path_s.as_str()],
                        e,
                    )
                })?;
            let parse = |v: &Option<String>, k: &str| -> Result<Option<i64>, ScenarioError> {
                match v {
                    None => Ok(None),
                    Some(t) => parse_scenario_time(t, now).map(Some).ok_or_else(|| {
                        ctx.err(
                            &["projects", name.as_str(), "iterations", path_s.as_str(), k],
                            "must be a date or relative like \"-14d\"",
                        )
                    }),
                }
            };
            let (start, finish) = (parse(&it.start, "start")?, parse(&it.finish, "finish")?);
            let n = world.forest.node_mut(node);
            n.start = start;
            n.finish = finish;
        }
        for (area_path, subjects) in &p.area_permissions {
            let node = if area_path.is_empty() {
                area_root
            } else {
                let full = format!("{name}\\{}", area_path.replace('/', "\\"));
                world.forest.find(Structure::Area, &full).ok_or_else(|| {
                    ctx.err(
                        &[
                            "projects",
                            name.as_str(),
                            "area_permissions",
                            area_path.as_str(),
                        ],
                        format!("no area `{area_path}`; list it in `areas` first"),
                    )
                })?
            };
            for (subject_s, ace) in subjects {
                let path = [
                    "projects",
                    name.as_str(),
                    "area_permissions",
                    area_path.as_str(),
                    subject_s.as_str(),
                ];
                let subject = ctx.subject(&world, subject_s, &path)?;
                let perms = |list: &[String]| -> Result<Perms, ScenarioError> {
                    list.iter().try_fold(Perms::NONE, |acc, p| {
                        Perms::parse(p).map(|x| acc.union(x)).ok_or_else(|| {
                            ctx.err(
                                &path,
                                format!("unknown permission `{p}`; use \"view\" or \"edit\""),
                            )
                        })
                    })
                };
                let (allow, deny) = (perms(&ace.allow)?, perms(&ace.deny)?);
                world.forest.node_mut(node).acl.push(Ace {
                    subject,
                    allow,
                    deny,
                });
            }
        }
        let team_name = p.team.clone().unwrap_or_else(|| format!("{name} Team"));
        world.projects.push(Project {
            id,
            name: name.clone(),
            description: p.description.clone(),
            process: 0,
            area_root,
            iteration_root,
            members,
            bypass_rules: bypass,
            suppress_notifications: suppress,
            team_id: stable_uuid("team", &team_name),
            team_name,
            tags: Vec::new(),
        });
    }
    if world.projects.is_empty() && (!spec.work_items.is_empty() || spec.generate.is_some()) {
        return Err(ctx.err(
            &["projects"],
            "work items need a project; declare one under [ado.projects.NAME]",
        ));
    }

    // Work items.
    let default_author = world
        .identities
        .iter()
        .position(|i| i.org_admin)
        .and_then(|i| u32::try_from(i).ok())
        .unwrap_or(0);
    let mut keys: HashMap<String, i32> = HashMap::new();
    let count = spec.work_items.len();
    for (i, w) in spec.work_items.iter().enumerate() {
        // Hand-written items are spread over the last `count` hours, oldest first.
        let hours_back = i64::try_from(count - i).unwrap_or(0);
        let default_created = now - hours_back * 3_600_000 - 86_400_000;
        seed_item(
            &mut world,
            &ctx,
            w,
            i,
            default_author,
            default_created,
            &mut keys,
        )?;
    }
    if let Some(g) = &spec.generate {
        generate(&mut world, &ctx, g, now)?;
    }

    // Subscriptions.
    for (name, s) in &spec.subscriptions {
        let created_by = ctx.identity(
            &world,
            &s.created_by,
            &["subscriptions", name.as_str(), "created_by"],
        )?;
        let mut publisher = serde_json::Map::new();
        if let Some(p) = &s.project {
            let pi = world.find_project(p).ok_or_else(|| {
                ctx.err(
                    &["subscriptions", name.as_str(), "project"],
                    format!("no project `{p}`"),
                )
            })?;
            publisher.insert(
                "projectId".into(),
                Value::String(world.projects[pi].id.to_string()),
            );
        }
        let mut consumer = serde_json::Map::new();
        consumer.insert("url".into(), Value::String(s.url.clone()));
        for (k, v) in [
            ("basicAuthUsername", &s.basic_auth_username),
            ("basicAuthPassword", &s.basic_auth_password),
            ("httpHeaders", &s.http_headers),
            ("resourceDetailsToSend", &s.resource_details_to_send),
        ] {
            if let Some(v) = v {
                consumer.insert(k.into(), Value::String(v.clone()));
            }
        }
        world.subscriptions.push(Subscription {
            id: stable_uuid("subscription", name),
            event_type: s.event_type.clone(),
            publisher_inputs: publisher,
            consumer_inputs: consumer,
            resource_version: "1.0".into(),
            created_by,
            created_date: now,
            status: "enabled".into(),
        });
    }
    Ok(world)
}

fn seed_item(
    world: &mut World,
    ctx: &Ctx<'_>,
    w: &WorkItemSpec,
    index: usize,
    default_author: IdentityIdx,
    default_created: i64,
    keys: &mut HashMap<String, i32>,
) -> Result<(), ScenarioError> {
    let idx_s = format!("[{index}]");
    let here =
        |k: &str| -> Vec<String> { vec!["work_items".to_owned(), idx_s.clone(), k.to_owned()] };
    let err = |k: &str, problem: String| -> ScenarioError {
        let p = here(k);
        let refs: Vec<&str> = p.iter().map(String::as_str).collect();
        ctx.err(&refs, problem)
    };
    let project = match &w.project {
        None => 0,
        Some(p) => world
            .find_project(p)
            .ok_or_else(|| err("project", format!("no project `{p}`")))?,
    };
    let project_name = world.projects[project].name.clone();
    let author = match &w.created_by {
        None => default_author,
        Some(h) => ctx.identity(world, h, &["work_items", idx_s.as_str(), "created_by"])?,
    };
    let created = match &w.created {
        None => default_created,
        Some(t) => parse_scenario_time(t, world.clock.now_ms())
            .ok_or_else(|| err("created", "must be a date or relative like \"-3d\"".into()))?,
    };
    let mut ops = vec![
        op("/fields/System.Title", json!(w.title)),
        op(
            "/fields/System.CreatedBy",
            json!(world.identity(author).unique_name),
        ),
        op(
            "/fields/System.ChangedBy",
            json!(world.identity(author).unique_name),
        ),
        op(
            "/fields/System.CreatedDate",
            json!(super::time::format_ms(created)),
        ),
        op(
            "/fields/System.ChangedDate",
            json!(super::time::format_ms(created)),
        ),
    ];
    let full_path = |p: &str| -> String {
        let p = p.replace('/', "\\");
        if p.to_ascii_lowercase()
            .starts_with(&format!("{}\\", project_name.to_ascii_lowercase()))
            || p.eq_ignore_ascii_case(&project_name)
        {
            p
        } else {
            format!("{project_name}\\{p}")
        }
    };
    if let Some(a) = &w.area {
        ops.push(op("/fields/System.AreaPath", json!(full_path(a))));
    }
    if let Some(i) = &w.iteration {
        ops.push(op("/fields/System.IterationPath", json!(full_path(i))));
    }
    if let Some(a) = &w.assigned_to {
        let who = ctx.identity(world, a, &["work_items", idx_s.as_str(), "assigned_to"])?;
        ops.push(op(
            "/fields/System.AssignedTo",
            json!(world.identity(who).unique_name),
        ));
    }
    if !w.tags.is_empty() {
        ops.push(op("/fields/System.Tags", json!(w.tags.join("; "))));
    }
    if let Some(d) = &w.description {
        ops.push(op("/fields/System.Description", json!(d)));
    }
    if let Some(p) = w.priority {
        ops.push(op("/fields/Microsoft.VSTS.Common.Priority", json!(p)));
    }
    for (f, v) in &w.fields {
        let value = match v {
            toml::Value::String(s) => json!(s),
            toml::Value::Integer(i) => json!(i),
            toml::Value::Float(x) => json!(x),
            toml::Value::Boolean(b) => json!(b),
            other => json!(other.to_string()),
        };
        ops.push(op(&format!("/fields/{f}"), value));
    }
    if let Some(parent) = &w.parent {
        let pid = keys.get(parent).copied().ok_or_else(|| {
            err(
                "parent",
                format!("no earlier work item with key `{parent}`"),
            )
        })?;
        ops.push(PatchOp {
            op: "add".into(),
            path: "/relations/-".into(),
            value: Some(json!({"rel": "System.LinkTypes.Hierarchy-Reverse", "url": world.work_item_url(pid)})),
            from: None,
        });
    }
    for l in &w.links {
        ops.push(PatchOp {
            op: "add".into(),
            path: "/relations/-".into(),
            value: Some(json!({"rel": "Hyperlink", "url": l})),
            from: None,
        });
    }
    let opts = WriteOptions {
        bypass_rules: true,
        seed: true,
        ..WriteOptions::default()
    };
    // Seeds honour the rules even though they bypass permissions: check the state first.
    let outcome = write::write(
        world,
        author,
        Target::Create {
            project,
            type_name: &w.work_item_type,
        },
        &ops,
        opts,
    )
    .map_err(|e| {
        err(
            "type",
            format!("cannot create this work item: {}", e.message),
        )
    })?;
    let id = outcome.id;
    if let Some(state) = &w.state {
        let process = world.process_of(project);
        let type_idx = world
            .item(i64::from(id))
            .map_or(0, |w| usize::from(w.type_idx));
        let ty = &process.types[type_idx];
        let Some(s) = ty.state(state) else {
            return Err(err(
                "state",
                format!(
                    "`{state}` is not a state of {}; states: {}",
                    ty.name,
                    ty.states
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        };
        if s.name != ty.initial_state() {
            let when = created + 3_600_000;
            let ops = vec![
                op("/fields/System.State", json!(s.name)),
                op(
                    "/fields/System.ChangedDate",
                    json!(super::time::format_ms(when)),
                ),
                op(
                    "/fields/System.ChangedBy",
                    json!(world.identity(author).unique_name),
                ),
            ];
            write::write(
                world,
                author,
                Target::Update { id: i64::from(id) },
                &ops,
                opts,
            )
            .map_err(|e| err("state", e.message))?;
        }
    }
    for (ci, c) in w.comments.iter().enumerate() {
        let ci_s = format!("[{ci}]");
        let by = match &c.by {
            None => author,
            Some(h) => ctx.identity(
                world,
                h,
                &[
                    "work_items",
                    idx_s.as_str(),
                    "comments",
                    ci_s.as_str(),
                    "by",
                ],
            )?,
        };
        let format = match c.format.as_deref() {
            None | Some("html") => CommentFormat::Html,
            Some("markdown") => CommentFormat::Markdown,
            Some(_) => {
                return Err(ctx.err(
                    &[
                        "work_items",
                        idx_s.as_str(),
                        "comments",
                        ci_s.as_str(),
                        "format",
                    ],
                    "must be \"html\" or \"markdown\"",
                ));
            }
        };
        let offset = i64::try_from(ci + 2).unwrap_or(2) * 3_600_000;
        comments::add(
            world,
            by,
            i64::from(id),
            &c.text,
            format,
            Some(created + offset),
        )
        .map_err(|e| err("comments", e.message))?;
    }
    if let Some(k) = &w.key
        && keys.insert(k.clone(), id).is_some()
    {
        return Err(err("key", format!("the key `{k}` is used twice")));
    }
    Ok(())
}

fn op(path: &str, value: Value) -> PatchOp {
    PatchOp {
        op: "add".into(),
        path: path.into(),
        value: Some(value),
        from: None,
    }
}

const TITLE_VERBS: &[&str] = &[
    "Fix", "Improve", "Add", "Refactor", "Document", "Test", "Speed up", "Review", "Localize",
    "Secure",
];
const TITLE_THINGS: &[&str] = &[
    "checkout flow",
    "login page",
    "search results",
    "profile settings",
    "order history",
    "notification emails",
    "admin dashboard",
    "export to CSV",
    "password reset",
    "mobile navigation",
    "API rate limiting",
    "image uploads",
];

/// Bulk items: created by the server directly (no per-item rule pass), so 100k items load
/// in seconds. Types, states, areas and people cycle deterministically.
fn generate(
    world: &mut World,
    ctx: &Ctx<'_>,
    g: &super::spec::GenerateSpec,
    now: i64,
) -> Result<(), ScenarioError> {
    let project = match &g.project {
        None => 0,
        Some(p) => world
            .find_project(p)
            .ok_or_else(|| ctx.err(&["generate", "project"], format!("no project `{p}`")))?,
    };
    let process = world.process_of(project).clone();
    let types: Vec<usize> = if g.types.is_empty() {
        ["User Story", "Bug", "Task"]
            .iter()
            .filter_map(|t| process.find_type(t))
            .collect()
    } else {
        g.types
            .iter()
            .map(|t| {
                process.find_type(t).ok_or_else(|| {
                    ctx.err(&["generate", "types"], format!("no work item type `{t}`"))
                })
            })
            .collect::<Result<_, _>>()?
    };
    let root = world.projects[project].area_root;
    let areas: Vec<u32> = if g.areas.is_empty() {
        let mut all = vec![root];
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            for c in world.forest.node(n).children.clone() {
                all.push(c);
                stack.push(c);
            }
        }
        all
    } else {
        let name = world.projects[project].name.clone();
        g.areas
            .iter()
            .map(|a| {
                world
                    .forest
                    .find(
                        Structure::Area,
                        &format!("{name}\\{}", a.replace('/', "\\")),
                    )
                    .ok_or_else(|| ctx.err(&["generate", "areas"], format!("no area `{a}`")))
            })
            .collect::<Result<_, _>>()?
    };
    let people: Vec<IdentityIdx> = if g.people.is_empty() {
        (0..u32::try_from(world.identities.len()).unwrap_or(0)).collect()
    } else {
        g.people
            .iter()
            .map(|p| ctx.identity(world, p, &["generate", "people"]))
            .collect::<Result<_, _>>()?
    };
    let iteration = world.projects[project].iteration_root;
    let rng = Rng::new(0x7a4d_e11a);
    let span = i64::from(g.days.unwrap_or(30)) * 86_400_000;
    let f = |n: &str| world.fields.core(n);
    let (title_f, state_f, reason_f, area_f, iter_f, wit_f) = (
        f("System.Title"),
        f("System.State"),
        f("System.Reason"),
        f("System.AreaPath"),
        f("System.IterationPath"),
        f("System.WorkItemType"),
    );
    let (cb, cd, chb, chd, assigned, prio, scd, tags_f) = (
        f("System.CreatedBy"),
        f("System.CreatedDate"),
        f("System.ChangedBy"),
        f("System.ChangedDate"),
        f("System.AssignedTo"),
        f("Microsoft.VSTS.Common.Priority"),
        f("Microsoft.VSTS.Common.StateChangeDate"),
        f("System.Tags"),
    );
    // One shared copy of every repeated text value.
    let mut shared: HashMap<String, Arc<str>> = HashMap::new();
    let mut share = |text: &str| -> FieldValue {
        let arc = shared
            .entry(text.to_owned())
            .or_insert_with(|| Arc::from(text))
            .clone();
        FieldValue::Str(arc)
    };
    let iteration_path = world.forest.node(iteration).item_path.clone();
    let count = i64::try_from(g.count).unwrap_or(i64::MAX).max(1);
    world.items.reserve(g.count);
    for n in 0..g.count {
        let ni = i64::try_from(n).unwrap_or(0);
        let ty = &process.types[types[n % types.len()]];
        let state =
            &ty.states[usize::try_from(rng.below(ty.states.len().min(3) as u64)).unwrap_or(0)];
        let area = areas[n % areas.len()];
        let who = people[n % people.len()];
        let created = now - span + span * ni / count;
        let title = format!(
            "{} {} ({})",
            TITLE_VERBS[n % TITLE_VERBS.len()],
            TITLE_THINGS[(n / TITLE_VERBS.len()) % TITLE_THINGS.len()],
            n + 1
        );
        let reason = if state.name == ty.initial_state() {
            "New"
        } else {
            state.default_reason.as_str()
        };
        let mut fields = Vec::with_capacity(14);
        fields.extend([
            (title_f, FieldValue::str(title)),
            (state_f, share(&state.name)),
            (reason_f, share(reason)),
            (area_f, share(&world.forest.node(area).item_path)),
            (iter_f, share(&iteration_path)),
            (wit_f, share(&ty.name)),
            (cb, FieldValue::Identity(who)),
            (cd, FieldValue::Date(created)),
            (chb, FieldValue::Identity(who)),
            (chd, FieldValue::Date(created)),
            (scd, FieldValue::Date(created)),
            (prio, FieldValue::Int(i64::try_from(n % 4 + 1).unwrap_or(2))),
        ]);
        if n % 3 == 0 {
            fields.push((
                assigned,
                FieldValue::Identity(people[(n + 1) % people.len()]),
            ));
        }
        if n % 5 == 0 {
            fields.push((tags_f, share("generated")));
        }
        fields.sort_by_key(|(k, _)| *k);
        let id = world.next_item_id();
        let mut item = super::workitem::WorkItem {
            id,
            project: u16::try_from(project).unwrap_or(0),
            type_idx: u16::try_from(process.find_type(&ty.name).unwrap_or(0)).unwrap_or(0),
            area,
            iteration,
            fields: Vec::new(),
            relations: Vec::new(),
            revisions: Vec::new(),
            comments: Vec::new(),
            deleted: false,
        };
        item.commit(fields, Vec::new(), who, created);
        world.items.push(item);
    }
    if g.count > 0 {
        world.note_tags(project, "generated");
    }
    Ok(())
}
