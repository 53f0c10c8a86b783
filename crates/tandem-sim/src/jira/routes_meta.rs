//! Site, identity, project and metadata endpoints.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use http::{HeaderMap, StatusCode};
use serde_json::{Map, Value, json};

use super::perms;
use super::render;
use super::spec::Flavour;
use super::state::{Ctx, JiraState, Q, error_collection, json as json_resp, must_authenticate, ok};
use super::world::World;

pub(crate) type P = Path<HashMap<String, String>>;

pub(crate) fn param<'a>(p: &'a HashMap<String, String>, k: &str) -> &'a str {
    p.get(k).map_or("", String::as_str)
}

pub(crate) async fn tenant_info(State(st): State<Arc<JiraState>>) -> Response {
    let w = st.world.read();
    if w.flavour == Flavour::Datacenter {
        return error_collection(StatusCode::NOT_FOUND, &["Not Found"], &[]);
    }
    ok(json!({"cloudId": w.cloud_id}))
}

pub(crate) async fn server_info(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
) -> Response {
    let w = st.world.read();
    let now = st.common.clock.now_ms();
    let (version, numbers, deployment, build) = match w.flavour {
        Flavour::Cloud => (
            "1001.0.0-SNAPSHOT".to_owned(),
            vec![1001, 0, 0],
            "Cloud".to_owned(),
            100_280,
        ),
        Flavour::Datacenter => {
            let nums: Vec<i64> = w
                .version
                .split('.')
                .filter_map(|x| x.parse().ok())
                .collect();
            (
                w.version.clone(),
                nums,
                w.dc_deployment_type.clone(),
                10_030_013,
            )
        }
    };
    let mut v = json!({
        "baseUrl": ctx.site.as_ref(),
        "version": version,
        "versionNumbers": numbers,
        "deploymentType": deployment,
        "buildNumber": build,
        "buildDate": "2025-12-01T00:00:00.000+0000",
        "serverTime": super::state::ts(now),
        "scmInfo": "57a0ca5b4a0bb0ac5f3fee4764acb1c14e4d7e71",
        "serverTitle": w.title,
    });
    if w.flavour == Flavour::Datacenter
        && let Some(o) = v.as_object_mut()
    {
        o.insert("serverTimeZone".into(), json!("Etc/UTC"));
    }
    ok(v)
}

pub(crate) async fn myself(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let q = Q::parse(q.as_deref());
    let w = st.world.read();
    let Some(u) = ctx.user else {
        return must_authenticate(&w, &headers, &ctx);
    };
    let mut v = render::user(&w, &ctx, u);
    let expand = q.list("expand");
    let usr = &w.users[u];
    if let Some(o) = v.as_object_mut() {
        o.insert("locale".into(), json!("en_US"));
        if w.flavour == Flavour::Cloud {
            o.insert("key".into(), json!(""));
            o.insert("name".into(), json!(""));
        }
        let groups: Vec<Value> = usr.groups.iter().map(|g| json!({"name": g, "groupId": group_id(g), "self": format!("{}/group?groupId={}", ctx.rest(), group_id(g))})).collect();
        let roles: Vec<Value> = usr
            .applications
            .iter()
            .map(|a| json!({"key": a, "name": app_name(a), "groups": [], "defaultGroups": [], "selectedByDefault": false, "defined": true, "numberOfSeats": 100, "remainingSeats": 90, "userCount": 10, "userCountDescription": "users", "hasUnlimitedSeats": false, "platform": false}))
            .collect();
        let groups_v = if expand.iter().any(|e| e == "groups") {
            json!({"size": groups.len(), "items": groups})
        } else {
            json!({"size": groups.len(), "items": []})
        };
        let roles_v = if expand.iter().any(|e| e == "applicationRoles") {
            json!({"size": roles.len(), "items": roles})
        } else {
            json!({"size": roles.len(), "items": []})
        };
        o.insert("groups".into(), groups_v);
        o.insert("applicationRoles".into(), roles_v);
        o.insert("expand".into(), json!("groups,applicationRoles"));
    }
    ok(v)
}

/// `GET /rest/auth/1/session`: who the credentials log in as (clients use it to validate).
pub(crate) async fn session(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
) -> Response {
    let w = st.world.read();
    let Some(u) = ctx.user else {
        return error_collection(
            StatusCode::UNAUTHORIZED,
            &["You are not authenticated. Authentication required to perform this operation."],
            &[],
        );
    };
    let usr = &w.users[u];
    let (self_url, name) = match w.flavour {
        Flavour::Cloud => (
            format!(
                "{}/rest/api/latest/user?accountId={}",
                ctx.site, usr.account_id
            ),
            usr.display_name.clone(),
        ),
        Flavour::Datacenter => (
            format!("{}/rest/api/latest/user?username={}", ctx.site, usr.name),
            usr.name.clone(),
        ),
    };
    ok(json!({
        "self": self_url,
        "name": name,
        "loginInfo": {"failedLoginCount": usr.failed_logins, "loginCount": 1},
    }))
}

fn group_id(g: &str) -> String {
    let h = g
        .bytes()
        .fold(0u64, |a, b| a.wrapping_mul(31).wrapping_add(u64::from(b)));
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h & 0xffff_ffff,
        (h >> 32) & 0xffff,
        (h >> 40) & 0xfff,
        (h >> 48) & 0xfff,
        h & 0xffff_ffff_ffff
    )
}

fn app_name(a: &str) -> &'static str {
    match a {
        "jira-software" => "Jira Software",
        "jira-servicedesk" => "Jira Service Management",
        "jira-core" => "Jira Work Management",
        _ => "Jira",
    }
}

fn visible_projects(w: &World, ctx: &Ctx) -> Vec<usize> {
    (0..w.projects.len())
        .filter(|&p| w.can_see_project(ctx.user, p))
        .collect()
}

pub(crate) async fn project_list(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
) -> Response {
    let w = st.world.read();
    ok(Value::Array(
        visible_projects(&w, &ctx)
            .into_iter()
            .map(|p| render::project_ref(&ctx, &w.projects[p]))
            .collect(),
    ))
}

pub(crate) async fn project_search(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Response {
    let q = Q::parse(q.as_deref());
    let w = st.world.read();
    let start = match q.num("startAt") {
        Ok(v) => usize::try_from(v.unwrap_or(0).max(0)).unwrap_or(0),
        Err(r) => return r,
    };
    let max = match q.num("maxResults") {
        Ok(v) => usize::try_from(v.unwrap_or(50).clamp(0, 100)).unwrap_or(50),
        Err(r) => return r,
    };
    let query = q.get("query").map(str::to_lowercase);
    let keys = q.list("keys");
    let all: Vec<usize> = visible_projects(&w, &ctx)
        .into_iter()
        .filter(|&p| {
            let pr = &w.projects[p];
            query.as_ref().is_none_or(|s| {
                pr.key.to_lowercase().contains(s) || pr.name.to_lowercase().contains(s)
            }) && (keys.is_empty() || keys.iter().any(|k| k.eq_ignore_ascii_case(&pr.key)))
        })
        .collect();
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(max)
        .map(|&p| render::project_ref(&ctx, &w.projects[p]))
        .collect();
    let is_last = start + page.len() >= all.len();
    let mut v = json!({
        "self": format!("{}/project/search?startAt={start}&maxResults={max}", ctx.rest()),
        "maxResults": max,
        "startAt": start,
        "total": all.len(),
        "isLast": is_last,
        "values": page,
    });
    if !is_last && let Some(o) = v.as_object_mut() {
        o.insert(
            "nextPage".into(),
            json!(format!(
                "{}/project/search?startAt={}&maxResults={max}",
                ctx.rest(),
                start + max
            )),
        );
    }
    ok(v)
}

pub(crate) fn no_project(key: &str) -> Response {
    error_collection(
        StatusCode::NOT_FOUND,
        &[&format!("No project could be found with key '{key}'.")],
        &[],
    )
}

pub(crate) async fn project_get(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
) -> Response {
    let w = st.world.read();
    let key = param(&p, "projectIdOrKey");
    match w.project_by_ref(key) {
        Some(pi) if w.can_see_project(ctx.user, pi) => {
            ok(render::project_full(&w, &ctx, &w.projects[pi]))
        }
        _ => no_project(key),
    }
}

pub(crate) async fn project_statuses(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
) -> Response {
    let w = st.world.read();
    let key = param(&p, "projectIdOrKey");
    let Some(pi) = w
        .project_by_ref(key)
        .filter(|&pi| w.can_see_project(ctx.user, pi))
    else {
        return no_project(key);
    };
    let pr = &w.projects[pi];
    let wf = &w.workflows[pr.workflow];
    let mut sts = vec![wf.initial];
    for t in &wf.transitions {
        if !sts.contains(&t.to) {
            sts.push(t.to);
        }
    }
    ok(Value::Array(
        pr.issue_types
            .iter()
            .map(|&t| {
                let it = &w.issue_types[t];
                json!({
                    "self": format!("{}/issuetype/{}", ctx.rest(), it.id),
                    "id": it.id, "name": it.name, "subtask": it.subtask,
                    "statuses": sts.iter().map(|&s| render::status(&ctx, &w.statuses[s])).collect::<Vec<_>>(),
                })
            })
            .collect(),
    ))
}

pub(crate) async fn project_roles(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
) -> Response {
    let w = st.world.read();
    let key = param(&p, "projectIdOrKey");
    let Some(pi) = w
        .project_by_ref(key)
        .filter(|&pi| w.can_see_project(ctx.user, pi))
    else {
        return no_project(key);
    };
    let pr = &w.projects[pi];
    let m: Map<String, Value> = pr
        .roles
        .iter()
        .map(|r| {
            (
                r.name.clone(),
                json!(format!("{}/project/{}/role/{}", ctx.rest(), pr.id, r.id)),
            )
        })
        .collect();
    ok(Value::Object(m))
}

pub(crate) async fn project_role(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
) -> Response {
    let w = st.world.read();
    let key = param(&p, "projectIdOrKey");
    let Some(pi) = w
        .project_by_ref(key)
        .filter(|&pi| w.can_see_project(ctx.user, pi))
    else {
        return no_project(key);
    };
    let pr = &w.projects[pi];
    let id = param(&p, "id");
    let Some(role) = pr.roles.iter().find(|r| r.id == id) else {
        return error_collection(
            StatusCode::NOT_FOUND,
            &["Can not retrieve a role actor for a null project role."],
            &[],
        );
    };
    let actors: Vec<Value> = role
        .members
        .iter()
        .enumerate()
        .filter_map(|(i, m)| match m {
            super::world::Holder::User(u) => {
                let usr = &w.users[*u];
                Some(json!({"id": 10000 + i, "displayName": usr.display_name, "type": "atlassian-user-role-actor", "actorUser": {"accountId": usr.account_id}, "name": usr.name}))
            }
            super::world::Holder::Group(g) => Some(json!({"id": 10000 + i, "displayName": g, "type": "atlassian-group-role-actor", "name": g, "actorGroup": {"name": g, "displayName": g, "groupId": group_id(g)}})),
            _ => None,
        })
        .collect();
    ok(json!({
        "self": format!("{}/project/{}/role/{}", ctx.rest(), pr.id, role.id),
        "name": role.name,
        "id": role.id.parse::<i64>().unwrap_or(0),
        "description": format!("Members of the {} role", role.name),
        "actors": actors,
        "scope": {"type": "PROJECT", "project": {"id": pr.id, "key": pr.key, "name": pr.name}},
    }))
}

pub(crate) async fn mypermissions(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Response {
    let q = Q::parse(q.as_deref());
    let w = st.world.read();
    let wanted = q.list("permissions");
    if wanted.is_empty() && w.flavour == Flavour::Cloud {
        // Mandatory on Cloud since 2019 (jira-api.md §3).
        return error_collection(
            StatusCode::BAD_REQUEST,
            &["The 'permissions' query parameter is required."],
            &[],
        );
    }
    for k in &wanted {
        if !perms::is_known(k) {
            return error_collection(
                StatusCode::BAD_REQUEST,
                &[&format!(
                    "No project permissions found for permission key(s): [{k}]"
                )],
                &[],
            );
        }
    }
    // Context: an issue, a project, or none (then "in any project").
    let issue_ref = q.get("issueId").or(q.get("issueKey"));
    let project_ref = q.get("projectId").or(q.get("projectKey"));
    let (project, issue) = if let Some(r) = issue_ref {
        match w.issue_by_ref(r).and_then(|id| w.issues.get(&id)) {
            Some(is) if w.can_see_issue(ctx.user, is) => (Some(is.project), Some(is)),
            _ => {
                return error_collection(
                    StatusCode::NOT_FOUND,
                    &["The issue does not exist or you do not have permission to view it."],
                    &[],
                );
            }
        }
    } else if let Some(r) = project_ref {
        match w.project_by_ref(r) {
            Some(p)
                if w.can_see_project(ctx.user, p)
                    || w.has_perm(ctx.user, p, "SERVICEDESK_AGENT", None) =>
            {
                (Some(p), None)
            }
            _ => {
                return error_collection(
                    StatusCode::NOT_FOUND,
                    &[&format!("No project could be found with key '{r}'.")],
                    &[],
                );
            }
        }
    } else {
        (None, None)
    };
    let keys: Vec<&(&str, &str, &str, &str)> = perms::ALL
        .iter()
        .chain(perms::GLOBAL.iter())
        .filter(|p| wanted.is_empty() || wanted.iter().any(|k| k == p.0))
        .collect();
    let mut out = Map::new();
    for (key, id, name, desc) in keys {
        let global = perms::GLOBAL.iter().any(|g| g.0 == *key);
        let have = if global {
            match *key {
                "ADMINISTER" => w.is_admin(ctx.user),
                _ => ctx.user.is_some(),
            }
        } else {
            match project {
                Some(p) => w.has_perm(ctx.user, p, key, issue),
                None => (0..w.projects.len()).any(|p| w.has_perm(ctx.user, p, key, None)),
            }
        };
        out.insert(
            (*key).to_owned(),
            json!({"id": id, "key": key, "name": name, "type": if global { "GLOBAL" } else { "PROJECT" }, "description": desc, "havePermission": have}),
        );
    }
    ok(json!({"permissions": out}))
}

pub(crate) async fn fields(
    State(st): State<Arc<JiraState>>,
    Extension(_ctx): Extension<Ctx>,
) -> Response {
    let w = st.world.read();
    ok(Value::Array(
        render::all_field_ids(&w)
            .iter()
            .map(|f| render::field_def(&w, f))
            .collect(),
    ))
}

pub(crate) async fn statuses(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
) -> Response {
    let w = st.world.read();
    ok(Value::Array(
        w.statuses.iter().map(|s| render::status(&ctx, s)).collect(),
    ))
}

pub(crate) async fn status_categories(Extension(ctx): Extension<Ctx>) -> Response {
    use super::spec::Category;
    ok(json!([
        render::category(&ctx, Category::New),
        render::category(&ctx, Category::Indeterminate),
        render::category(&ctx, Category::Done)
    ]))
}

pub(crate) async fn priorities(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
) -> Response {
    let w = st.world.read();
    ok(Value::Array(
        w.priorities
            .iter()
            .map(|p| render::priority(&ctx, p))
            .collect(),
    ))
}

pub(crate) async fn issue_types(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
) -> Response {
    let w = st.world.read();
    if ctx.user.is_none() {
        return ok(json!([]));
    }
    ok(Value::Array(
        w.issue_types
            .iter()
            .map(|t| render::issue_type(&ctx, t))
            .collect(),
    ))
}

pub(crate) async fn resolutions(Extension(ctx): Extension<Ctx>) -> Response {
    ok(json!([
        {"self": format!("{}/resolution/10000", ctx.rest()), "id": "10000", "name": "Done", "description": "Work has been completed on this issue."},
        {"self": format!("{}/resolution/10001", ctx.rest()), "id": "10001", "name": "Won't Do", "description": "This issue won't be actioned."},
    ]))
}

pub(crate) async fn link_types(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
) -> Response {
    let w = st.world.read();
    ok(
        json!({"issueLinkTypes": w.link_types.iter().map(|t| render::link_type(&ctx, t)).collect::<Vec<_>>()}),
    )
}

pub(crate) async fn user_search(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Response {
    let q = Q::parse(q.as_deref());
    let w = st.world.read();
    // Without Browse users and groups (anonymous here) the answer is empty, not an error.
    if ctx.user.is_none() {
        return ok(json!([]));
    }
    let needle = q
        .get("query")
        .or(q.get("username"))
        .unwrap_or("")
        .to_lowercase();
    if needle.is_empty() && q.get("accountId").is_none() {
        return error_collection(
            StatusCode::BAD_REQUEST,
            &["The query parameter 'query' or 'accountId' is required."],
            &[],
        );
    }
    let account = q.get("accountId");
    let max = usize::try_from(
        q.num("maxResults")
            .ok()
            .flatten()
            .unwrap_or(50)
            .clamp(1, 1000),
    )
    .unwrap_or(50);
    let found: Vec<Value> = (0..w.users.len())
        .filter(|&u| {
            let usr = &w.users[u];
            if let Some(a) = account {
                return usr.account_id == a;
            }
            // Prefix match on display name words, email (even hidden ones match), name.
            usr.display_name
                .to_lowercase()
                .split_whitespace()
                .any(|p| p.starts_with(&needle))
                || usr.display_name.to_lowercase().starts_with(&needle)
                || usr
                    .email
                    .as_deref()
                    .is_some_and(|e| e.to_lowercase().starts_with(&needle))
                || (w.flavour == Flavour::Datacenter
                    && usr.name.to_lowercase().starts_with(&needle))
        })
        .take(max)
        .map(|u| render::user(&w, &ctx, u))
        .collect();
    ok(Value::Array(found))
}

pub(crate) async fn user_get(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let q = Q::parse(q.as_deref());
    let w = st.world.read();
    if ctx.user.is_none() {
        return must_authenticate(&w, &headers, &ctx);
    }
    let found = if let Some(a) = q.get("accountId") {
        w.by_account.get(a).copied()
    } else if let Some(n) = q.get("username").or(q.get("key")) {
        w.by_name
            .get(&n.to_lowercase())
            .copied()
            .or_else(|| w.users.iter().position(|u| u.key == n))
    } else {
        return error_collection(
            StatusCode::BAD_REQUEST,
            &["The query parameter 'accountId' is required."],
            &[],
        );
    };
    match found {
        Some(u) => ok(render::user(&w, &ctx, u)),
        None => json_resp(
            StatusCode::NOT_FOUND,
            json!({"errorMessages": ["Specified user does not exist or you do not have required permissions"], "errors": {}}),
        ),
    }
}

/// `GET /issue/createmeta/{projectIdOrKey}/issuetypes`.
pub(crate) async fn createmeta_types(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
    RawQuery(q): RawQuery,
) -> Response {
    let q = Q::parse(q.as_deref());
    let w = st.world.read();
    let key = param(&p, "projectIdOrKey");
    let Some(pi) = w
        .project_by_ref(key)
        .filter(|&pi| w.can_see_project(ctx.user, pi))
    else {
        return no_project(key);
    };
    if !w.has_perm(ctx.user, pi, "CREATE_ISSUES", None) {
        // The article's message (seeds: "Jira REST calls in logs return ...").
        return error_collection(
            StatusCode::NOT_FOUND,
            &["You cannot create issues in this project."],
            &[],
        );
    }
    let start = usize::try_from(q.num("startAt").ok().flatten().unwrap_or(0).max(0)).unwrap_or(0);
    let max = match q.num("maxResults") {
        Ok(Some(m)) if m > 200 => {
            return error_collection(
                StatusCode::BAD_REQUEST,
                &["Parameter 'maxResults' must not exceed the limit '200'"],
                &[],
            );
        }
        Ok(m) => usize::try_from(m.unwrap_or(50).max(0)).unwrap_or(50),
        Err(r) => return r,
    };
    let pr = &w.projects[pi];
    let types: Vec<Value> = pr
        .issue_types
        .iter()
        .skip(start)
        .take(max)
        .map(|&t| render::issue_type(&ctx, &w.issue_types[t]))
        .collect();
    let key_name = if w.flavour == Flavour::Datacenter {
        "values"
    } else {
        "issueTypes"
    };
    let mut v = json!({"maxResults": max, "startAt": start, "total": pr.issue_types.len()});
    if let Some(o) = v.as_object_mut() {
        o.insert(key_name.into(), Value::Array(types));
    }
    ok(v)
}

fn meta_field(
    w: &World,
    ctx: &Ctx,
    pr: &super::world::Project,
    id: &str,
    required: bool,
    create: bool,
) -> Value {
    let mut ops = vec!["set"];
    if id == "labels" {
        ops = vec!["add", "set", "remove"];
    }
    let mut v = json!({
        "required": required,
        "schema": render::field_schema(w, id),
        "name": render::field_name(w, id),
        "key": id,
        "fieldId": id,
        "hasDefaultValue": id == "priority",
        "operations": ops,
    });
    if let Some(o) = v.as_object_mut() {
        if let Some(av) = render::allowed_values(w, ctx, pr, id) {
            o.insert("allowedValues".into(), av);
        }
        if matches!(id, "assignee" | "reporter") {
            o.insert(
                "autoCompleteUrl".into(),
                json!(format!("{}/user/search?query=", ctx.rest())),
            );
        }
        if !create {
            o.remove("fieldId");
        }
    }
    v
}

/// `GET /issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}`.
pub(crate) async fn createmeta_fields(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
) -> Response {
    let w = st.world.read();
    let key = param(&p, "projectIdOrKey");
    let Some(pi) = w
        .project_by_ref(key)
        .filter(|&pi| w.can_see_project(ctx.user, pi))
    else {
        return no_project(key);
    };
    if !w.has_perm(ctx.user, pi, "CREATE_ISSUES", None) {
        return error_collection(
            StatusCode::NOT_FOUND,
            &["You cannot create issues in this project."],
            &[],
        );
    }
    let pr = &w.projects[pi];
    let tid = param(&p, "issueTypeId");
    if !pr.issue_types.iter().any(|&t| w.issue_types[t].id == tid) {
        return error_collection(
            StatusCode::NOT_FOUND,
            &[&format!(
                "Issue type with id '{tid}' does not exist or is not available for the project."
            )],
            &[],
        );
    }
    let mut ids = vec!["issuetype".to_owned(), "project".to_owned()];
    ids.extend(pr.screen.create.iter().cloned());
    let fields: Vec<Value> = ids
        .iter()
        .map(|id| {
            meta_field(
                &w,
                &ctx,
                pr,
                id,
                pr.screen.required.contains(id) || id == "issuetype" || id == "project",
                true,
            )
        })
        .collect();
    let n = fields.len();
    let key_name = if w.flavour == Flavour::Datacenter {
        "values"
    } else {
        "fields"
    };
    let mut v = json!({"maxResults": 50, "startAt": 0, "total": n});
    if let Some(o) = v.as_object_mut() {
        o.insert(key_name.into(), Value::Array(fields));
    }
    ok(v)
}

/// `GET /issue/{key}/editmeta`: only fields on the edit screen, and only with Edit Issues.
pub(crate) async fn editmeta(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
) -> Response {
    let w = st.world.read();
    let Some(is) = w
        .issue_by_ref(param(&p, "issueIdOrKey"))
        .and_then(|id| w.issues.get(&id))
        .filter(|is| w.can_see_issue(ctx.user, is))
    else {
        return super::state::not_found_issue();
    };
    let pr = &w.projects[is.project];
    let mut m = Map::new();
    if w.has_perm(ctx.user, is.project, "EDIT_ISSUES", Some(is)) {
        for id in &pr.screen.edit {
            m.insert(
                id.clone(),
                meta_field(&w, &ctx, pr, id, pr.screen.required.contains(id), false),
            );
        }
    }
    ok(json!({"fields": m}))
}
