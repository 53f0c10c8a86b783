//! Issues: create (single and bulk), get, edit, delete, assign, transitions, properties and
//! changelog. Every write checks its permission and screen exactly as Jira reports it (the
//! misleading "cannot be set" 400s of JRASERVER-44003 included), ticks `updated` strictly, and
//! records a changelog and webhook events.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use http::StatusCode;
use serde_json::{Map, Value, json};

use super::adf;
use super::render;
use super::routes_meta::{P, param};
use super::spec::{Category, CustomType, Flavour};
use super::state::{
    Api, Ctx, JiraState, Q, error_collection, json as json_resp, no_content, not_found_issue, ok,
};
use super::webhooks::{self, Event};
use super::world::{ChangeGroup, ChangeItem, IssueId, UserIx, World};

pub(crate) fn cannot_be_set(field: &str) -> String {
    format!("Field '{field}' cannot be set. It is not on the appropriate screen, or unknown.")
}

pub(crate) fn parse_body(body: &Bytes) -> Result<Value, Response> {
    serde_json::from_slice(body).map_err(|e| {
        error_collection(
            StatusCode::BAD_REQUEST,
            &[&format!("Unexpected character in the request body: {e}")],
            &[],
        )
    })
}

/// Reads rich text from a request: ADF on v3, wiki text on v2.
pub(crate) fn read_rich(
    w: &World,
    ctx: &Ctx,
    v: &Value,
    _field: &str,
    issue: Option<IssueId>,
) -> Result<Value, String> {
    match (ctx.api, v) {
        (Api::V3, v) if adf::is_doc(v) => Ok(v.clone()),
        (Api::V3, _) => Err(
            "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
                .to_owned(),
        ),
        (Api::V2, Value::String(s)) => Ok(adf::from_wiki(s, &|name| {
            issue
                .and_then(|id| w.issues.get(&id))
                .and_then(|is| {
                    is.attachments
                        .iter()
                        .filter_map(|a| w.attachments.get(a))
                        .find(|a| a.filename == name)
                })
                .map(|a| a.media_id.clone())
        })),
        (Api::V2, _) => Err("Operation value must be a string".into()),
    }
}

fn user_ref(w: &World, v: &Value) -> Result<Option<UserIx>, String> {
    if v.is_null() {
        return Ok(None);
    }
    let found = if let Some(a) = v.get("accountId").and_then(Value::as_str) {
        if a == "-1" {
            return Ok(None);
        }
        w.by_account.get(a).copied()
    } else if let Some(n) = v.get("name").and_then(Value::as_str) {
        w.by_name.get(&n.to_lowercase()).copied()
    } else if let Some(id) = v.get("id").and_then(Value::as_str) {
        w.by_account.get(id).copied()
    } else {
        None
    };
    found.map(Some).ok_or_else(|| match w.flavour {
        Flavour::Cloud => {
            "Specified user does not exist or you do not have required permissions".to_owned()
        }
        Flavour::Datacenter => format!(
            "User '{}' does not exist.",
            v.get("name").and_then(Value::as_str).unwrap_or("")
        ),
    })
}

fn named_ref(v: &Value) -> (Option<&str>, Option<&str>) {
    (
        v.get("id").and_then(|x| x.as_str()),
        v.get("name")
            .and_then(Value::as_str)
            .or_else(|| v.get("key").and_then(Value::as_str))
            .or_else(|| v.get("value").and_then(Value::as_str)),
    )
}

/// A field value after validation, ready to apply.
enum Set {
    Summary(String),
    Description(Option<Value>),
    Priority(Option<usize>),
    Labels(Vec<String>),
    Assignee(Option<UserIx>),
    Reporter(Option<UserIx>),
    Due(Option<String>),
    Parent(Option<IssueId>),
    Custom(String, Value),
}

fn parse_field(
    w: &World,
    ctx: &Ctx,
    id: &str,
    v: &Value,
    issue: Option<IssueId>,
) -> Result<Set, String> {
    Ok(match id {
        "summary" => match v.as_str() {
            Some(s) if !s.trim().is_empty() => {
                if s.len() > 255 {
                    return Err("Summary must be less than 255 characters.".into());
                }
                Set::Summary(s.to_owned())
            }
            _ => return Err("You must specify a summary of the issue.".into()),
        },
        "description" | "environment" => {
            if v.is_null() {
                Set::Description(None)
            } else {
                Set::Description(Some(read_rich(w, ctx, v, id, issue)?))
            }
        }
        "priority" => {
            if v.is_null() {
                Set::Priority(None)
            } else {
                let (pid, name) = named_ref(v);
                let p = w
                    .priorities
                    .iter()
                    .position(|p| Some(p.id.as_str()) == pid || Some(p.name.as_str()) == name);
                Set::Priority(Some(p.ok_or_else(|| {
                    "Specify the Priority (id or name) in the string format".to_owned()
                })?))
            }
        }
        "labels" => match v.as_array() {
            Some(a) => {
                let mut out = Vec::new();
                for l in a {
                    match l.as_str() {
                        Some(s) if !s.contains(' ') => out.push(s.to_owned()),
                        _ => return Err("The label must not contain spaces.".into()),
                    }
                }
                Set::Labels(out)
            }
            None => return Err("data was not an array".into()),
        },
        "assignee" => Set::Assignee(user_ref(w, v)?),
        "reporter" => Set::Reporter(user_ref(w, v)?),
        "duedate" => match v {
            Value::Null => Set::Due(None),
            Value::String(s) if s.parse::<jiff::civil::Date>().is_ok() => Set::Due(Some(s.clone())),
            _ => return Err("Error parsing date string: ".to_owned() + &v.to_string()),
        },
        "parent" => {
            if v.is_null() {
                Set::Parent(None)
            } else {
                let r = v
                    .get("key")
                    .or(v.get("id"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                Set::Parent(Some(
                    w.issue_by_ref(r)
                        .ok_or_else(|| "Could not find issue by id or key.".to_owned())?,
                ))
            }
        }
        cf => {
            let Some(def) = w.custom_fields.get(cf) else {
                return Err(super::routes_issue::cannot_be_set(cf));
            };
            let val = match def.kind {
                CustomType::Number => {
                    if !(v.is_number() || v.is_null()) {
                        return Err("Operation value must be a number".into());
                    }
                    v.clone()
                }
                CustomType::String => {
                    if !(v.is_string() || v.is_null()) {
                        return Err("Operation value must be a string".into());
                    }
                    v.clone()
                }
                CustomType::Textarea => {
                    if v.is_null() {
                        Value::Null
                    } else {
                        read_rich(w, ctx, v, cf, issue)?
                    }
                }
                CustomType::Date => v.clone(),
                CustomType::Labels => v.clone(),
                CustomType::User => match user_ref(w, v)? {
                    Some(u) => json!({"accountId": w.users[u].account_id}),
                    None => Value::Null,
                },
                CustomType::Select => {
                    if v.is_null() {
                        Value::Null
                    } else {
                        let (oid, name) = named_ref(v);
                        let pos = def.options.iter().position(|o| {
                            Some(o.as_str()) == name
                                || oid
                                    == Some(
                                        (10000
                                            + def.options.iter().position(|x| x == o).unwrap_or(0))
                                        .to_string()
                                        .as_str(),
                                    )
                        });
                        match pos {
                            Some(i) => {
                                json!({"self": format!("{}/customFieldOption/{}", ctx.rest(), 10000 + i), "value": def.options[i], "id": (10000 + i).to_string()})
                            }
                            None => {
                                return Err(format!(
                                    "Option value '{}' is not valid",
                                    name.or(oid).unwrap_or("")
                                ));
                            }
                        }
                    }
                }
            };
            Set::Custom(cf.to_owned(), val)
        }
    })
}

fn user_str(w: &World, u: Option<UserIx>) -> (Option<String>, Option<String>) {
    match u {
        Some(u) => {
            let usr = &w.users[u];
            let id = if w.flavour == Flavour::Cloud {
                usr.account_id.clone()
            } else {
                usr.name.clone()
            };
            (Some(id), Some(usr.display_name.clone()))
        }
        None => (None, None),
    }
}

fn item(
    field: &str,
    field_id: &str,
    from: (Option<String>, Option<String>),
    to: (Option<String>, Option<String>),
) -> ChangeItem {
    ChangeItem {
        field: field.into(),
        fieldtype: if field_id.starts_with("customfield_") {
            "custom".into()
        } else {
            "jira".into()
        },
        field_id: field_id.into(),
        from: from.0,
        from_string: from.1,
        to: to.0,
        to_string: to.1,
    }
}

/// Applies validated sets; returns changelog items and the attachment ids orphaned by media
/// that a rich-text field no longer references.
fn apply(w: &mut World, id: IssueId, sets: Vec<Set>) -> (Vec<ChangeItem>, Vec<u64>) {
    let mut items = Vec::new();
    let mut dropped_media: BTreeSet<String> = BTreeSet::new();
    let snapshot_users = |w: &World, u| user_str(w, u);
    for s in sets {
        let Some(is) = w.issues.get(&id) else { break };
        match s {
            Set::Summary(v) => {
                if is.summary != v {
                    items.push(item(
                        "summary",
                        "summary",
                        (None, Some(is.summary.clone())),
                        (None, Some(v.clone())),
                    ));
                }
                if let Some(is) = w.issues.get_mut(&id) {
                    is.summary = v;
                }
            }
            Set::Description(v) => {
                let old = is.description.as_ref().map(adf::Doc::value);
                if old != v {
                    let before = old.as_ref().map(adf::media_ids).unwrap_or_default();
                    let after = v.as_ref().map(adf::media_ids).unwrap_or_default();
                    dropped_media.extend(before.difference(&after).cloned());
                    items.push(item(
                        "description",
                        "description",
                        (None, old.as_ref().map(adf::to_plain)),
                        (None, v.as_ref().map(adf::to_plain)),
                    ));
                }
                if let Some(is) = w.issues.get_mut(&id) {
                    is.description = v.as_ref().map(adf::Doc::new);
                }
            }
            Set::Priority(p) => {
                if is.priority != p {
                    let f = |x: Option<usize>| {
                        (
                            x.map(|x| w.priorities[x].id.clone()),
                            x.map(|x| w.priorities[x].name.clone()),
                        )
                    };
                    items.push(item("priority", "priority", f(is.priority), f(p)));
                }
                if let Some(is) = w.issues.get_mut(&id) {
                    is.priority = p;
                }
            }
            Set::Labels(l) => {
                if is.labels != l {
                    items.push(item(
                        "labels",
                        "labels",
                        (None, Some(is.labels.join(" "))),
                        (None, Some(l.join(" "))),
                    ));
                }
                if let Some(is) = w.issues.get_mut(&id) {
                    is.labels = l;
                }
            }
            Set::Assignee(u) => {
                if is.assignee != u {
                    items.push(item(
                        "assignee",
                        "assignee",
                        snapshot_users(w, is.assignee),
                        snapshot_users(w, u),
                    ));
                }
                if let Some(is) = w.issues.get_mut(&id) {
                    is.assignee = u;
                }
            }
            Set::Reporter(u) => {
                if is.reporter != u {
                    items.push(item(
                        "reporter",
                        "reporter",
                        snapshot_users(w, is.reporter),
                        snapshot_users(w, u),
                    ));
                }
                if let Some(is) = w.issues.get_mut(&id) {
                    is.reporter = u;
                }
            }
            Set::Due(d) => {
                if is.duedate != d {
                    items.push(item(
                        "duedate",
                        "duedate",
                        (is.duedate.clone(), is.duedate.clone()),
                        (d.clone(), d.clone()),
                    ));
                }
                if let Some(is) = w.issues.get_mut(&id) {
                    is.duedate = d;
                }
            }
            Set::Parent(p) => {
                if is.parent != p {
                    let k = |x: Option<IssueId>| {
                        (
                            x.map(|x| x.to_string()),
                            x.and_then(|x| w.issues.get(&x)).map(|i| i.key.clone()),
                        )
                    };
                    items.push(item("IssueParentAssociation", "parent", k(is.parent), k(p)));
                }
                if let Some(is) = w.issues.get_mut(&id) {
                    is.parent = p;
                }
            }
            Set::Custom(k, v) => {
                let old = is.custom.get(&k).cloned().unwrap_or(Value::Null);
                if old != v {
                    let name = w
                        .custom_fields
                        .get(&k)
                        .map(|c| c.name.clone())
                        .unwrap_or_default();
                    if w.custom_fields
                        .get(&k)
                        .is_some_and(|c| c.kind == CustomType::Textarea)
                    {
                        let before = adf::media_ids(&old);
                        let after = adf::media_ids(&v);
                        dropped_media.extend(before.difference(&after).cloned());
                    }
                    let s = |x: &Value| {
                        if x.is_null() {
                            None
                        } else {
                            Some(x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                        }
                    };
                    items.push(item(&name, &k, (None, s(&old)), (None, s(&v))));
                }
                if let Some(is) = w.issues.get_mut(&id) {
                    if v.is_null() {
                        is.custom.remove(&k);
                    } else {
                        is.custom.insert(k, v);
                    }
                }
            }
        }
    }
    (items, orphaned(w, id, &dropped_media))
}

/// Attachments behind dropped media ids that nothing on the issue references any more. Jira
/// Cloud deletes those for good (sync-semantics.md §2, "Data-loss trap").
pub(crate) fn orphaned(w: &World, id: IssueId, dropped: &BTreeSet<String>) -> Vec<u64> {
    if dropped.is_empty() || w.flavour != Flavour::Cloud {
        return Vec::new();
    }
    let Some(is) = w.issues.get(&id) else {
        return Vec::new();
    };
    let mut still = BTreeSet::new();
    if let Some(d) = &is.description {
        still.extend(adf::media_ids(&d.value()));
    }
    for c in &is.comments {
        still.extend(adf::media_ids(&c.body.value()));
    }
    for v in is.custom.values() {
        still.extend(adf::media_ids(v));
    }
    dropped
        .iter()
        .filter(|m| !still.contains(*m))
        .filter_map(|m| w.media.get(m).copied())
        .filter(|a| is.attachments.contains(a))
        .collect()
}

pub(crate) fn record_changes(
    w: &mut World,
    id: IssueId,
    author: Option<UserIx>,
    at: i64,
    items: Vec<ChangeItem>,
) -> Option<u64> {
    if items.is_empty() {
        return None;
    }
    let cid = w.change_id();
    if let Some(is) = w.issues.get_mut(&id) {
        is.changelog.push(ChangeGroup {
            id: cid,
            author,
            created: at,
            items,
        });
    }
    Some(cid)
}

/// Error messages and per-field errors of a refused create.
type CreateErrors = (Vec<String>, Vec<(String, String)>);

fn create_one(
    w: &mut World,
    ctx: &Ctx,
    body: &Value,
    events: &mut Vec<Event>,
    at: i64,
) -> Result<(IssueId, String), CreateErrors> {
    let fields = body
        .get("fields")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let proj_ref = fields
        .get("project")
        .map(named_ref_or_key)
        .unwrap_or_default();
    let Some(pi) = w.project_by_ref(&proj_ref) else {
        return Err((
            vec![],
            vec![("project".into(), "valid project is required".into())],
        ));
    };
    let submitted: Vec<String> = fields
        .keys()
        .filter(|k| *k != "project" && *k != "issuetype")
        .cloned()
        .collect();
    // No Create Issues (anonymous, wrong user, JSM customer): every submitted field "cannot be
    // set" (JRASERVER-44003 / JRACLOUD-67725).
    if !w.has_perm(ctx.user, pi, "CREATE_ISSUES", None) {
        let errs: Vec<(String, String)> = submitted
            .iter()
            .map(|f| (f.clone(), cannot_be_set(f)))
            .collect();
        let errs = if errs.is_empty() {
            vec![("summary".to_owned(), cannot_be_set("summary"))]
        } else {
            errs
        };
        return Err((vec![], errs));
    }
    let pr = &w.projects[pi];
    let it = fields.get("issuetype").map(|v| named_ref(v));
    let Some(ti) = it.and_then(|(id, name)| {
        pr.issue_types.iter().copied().find(|&t| {
            Some(w.issue_types[t].id.as_str()) == id || Some(w.issue_types[t].name.as_str()) == name
        })
    }) else {
        return Err((
            vec![],
            vec![(
                "issuetype".into(),
                "The issue type selected is invalid.".into(),
            )],
        ));
    };
    let mut errors = Vec::new();
    let mut sets = Vec::new();
    for (k, v) in &fields {
        if k == "project" || k == "issuetype" {
            continue;
        }
        if !pr.screen.create.contains(k) {
            errors.push((k.clone(), cannot_be_set(k)));
            continue;
        }
        if k == "reporter" && !w.has_perm(ctx.user, pi, "MODIFY_REPORTER", None) {
            errors.push((k.clone(), cannot_be_set(k)));
            continue;
        }
        match parse_field(w, ctx, k, v, None) {
            Ok(s) => sets.push(s),
            Err(e) => errors.push((k.clone(), e)),
        }
    }
    for r in &pr.screen.required {
        if !fields.contains_key(r) && !errors.iter().any(|(k, _)| k == r) {
            let msg = if r == "summary" {
                "You must specify a summary of the issue.".to_owned()
            } else {
                format!("{} is required.", render::field_name(w, r))
            };
            errors.push((r.clone(), msg));
        }
    }
    let mut props = BTreeMap::new();
    if let Some(ps) = body.get("properties").and_then(Value::as_array) {
        for p in ps {
            match (p.get("key").and_then(Value::as_str), p.get("value")) {
                (Some(k), Some(v)) if !k.is_empty() && k.len() <= 255 => {
                    props.insert(k.to_owned(), v.clone());
                }
                _ => errors.push((
                    "properties".into(),
                    "Property key and value are required.".into(),
                )),
            }
        }
    }
    if !errors.is_empty() {
        return Err((vec![], errors));
    }
    let summary = sets
        .iter()
        .find_map(|s| {
            if let Set::Summary(x) = s {
                Some(x.clone())
            } else {
                None
            }
        })
        .unwrap_or_default();
    let id = w.new_issue(pi, ti, summary, ctx.user, at);
    let _ = apply(w, id, sets);
    if let Some(is) = w.issues.get_mut(&id) {
        is.properties = props;
        is.updated = at;
        is.created = at;
    }
    let key = w.issues.get(&id).map(|i| i.key.clone()).unwrap_or_default();
    events.push(Event::issue(
        "jira:issue_created",
        "issue_created",
        id,
        ctx.user,
        None,
    ));
    Ok((id, key))
}

fn named_ref_or_key(v: &Value) -> String {
    v.get("key")
        .or(v.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_default()
}

fn create_response(ctx: &Ctx, id: IssueId, key: &str) -> Value {
    json!({"id": id.to_string(), "key": key, "self": format!("{}/issue/{id}", ctx.rest())})
}

pub(crate) async fn create(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    let body = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut events = Vec::new();
    let (resp, deliveries) = {
        let mut w = st.world.write();
        // Stamped under the lock: writes to one issue get increasing stamps in order.
        let at = st.common.clock.tick();
        let r = match create_one(&mut w, &ctx, &body, &mut events, at) {
            Ok((id, key)) => json_resp(StatusCode::CREATED, create_response(&ctx, id, &key)),
            Err((msgs, errs)) => {
                let m: Vec<&str> = msgs.iter().map(String::as_str).collect();
                let e: Vec<(&str, String)> =
                    errs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
                error_collection(StatusCode::BAD_REQUEST, &m, &e)
            }
        };
        let d = webhooks::prepare(&w, &ctx, &events, &st);
        (r, d)
    };
    webhooks::deliver(&st, deliveries);
    resp
}

pub(crate) async fn create_bulk(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    let body = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let updates = body
        .get("issueUpdates")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if updates.len() > 50 {
        return error_collection(
            StatusCode::BAD_REQUEST,
            &["You can create at most 50 issues in one request."],
            &[],
        );
    }
    let mut events = Vec::new();
    let (resp, deliveries) = {
        let mut w = st.world.write();
        let mut issues = Vec::new();
        let mut errors = Vec::new();
        for (i, u) in updates.iter().enumerate() {
            let at = st.common.clock.tick();
            match create_one(&mut w, &ctx, u, &mut events, at) {
                Ok((id, key)) => issues.push(create_response(&ctx, id, &key)),
                Err((msgs, errs)) => {
                    let e: Map<String, Value> = errs
                        .into_iter()
                        .map(|(k, v)| (k, Value::String(v)))
                        .collect();
                    errors.push(json!({"status": 400, "failedElementNumber": i, "elementErrors": {"errorMessages": msgs, "errors": e}}));
                }
            }
        }
        let status = if issues.is_empty() && !updates.is_empty() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::CREATED
        };
        let d = webhooks::prepare(&w, &ctx, &events, &st);
        (
            json_resp(status, json!({"issues": issues, "errors": errors})),
            d,
        )
    };
    webhooks::deliver(&st, deliveries);
    resp
}

pub(crate) async fn get(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
    RawQuery(q): RawQuery,
) -> Response {
    let q = Q::parse(q.as_deref());
    let w = st.world.read();
    let Some(is) = w
        .issue_by_ref(param(&p, "issueIdOrKey"))
        .and_then(|id| w.issues.get(&id))
        .filter(|is| w.can_see_issue(ctx.user, is))
    else {
        return not_found_issue();
    };
    let fields = render::select_fields(&w, &q.list("fields"), true);
    ok(render::issue(
        &w,
        &ctx,
        is,
        &fields,
        &q.list("expand"),
        &q.list("properties"),
    ))
}

/// Looks up a visible issue for a write; the error is the 404 Jira gives.
pub(crate) fn visible(w: &World, ctx: &Ctx, r: &str) -> Result<IssueId, Response> {
    w.issue_by_ref(r)
        .filter(|id| {
            w.issues
                .get(id)
                .is_some_and(|is| w.can_see_issue(ctx.user, is))
        })
        .ok_or_else(not_found_issue)
}

pub(crate) async fn edit(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let q = Q::parse(q.as_deref());
    let body = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut events = Vec::new();
    let (resp, deliveries, removed) = {
        let mut w = st.world.write();
        // Stamped under the lock: writes to one issue get increasing stamps in order.
        let at = st.common.clock.tick();
        let id = match visible(&w, &ctx, param(&p, "issueIdOrKey")) {
            Ok(id) => id,
            Err(r) => return r,
        };
        let Some(is) = w.issues.get(&id) else {
            return not_found_issue();
        };
        let pi = is.project;
        let mut fields = body
            .get("fields")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        // `update` operations: set, add, remove (labels), edit.
        let mut comment_adds = Vec::new();
        if let Some(upd) = body.get("update").and_then(Value::as_object) {
            for (k, ops) in upd {
                for op in ops.as_array().map_or(&[][..], Vec::as_slice) {
                    if k == "comment" {
                        if let Some(b) = op.get("add").and_then(|a| a.get("body")) {
                            comment_adds.push(b.clone());
                        }
                        continue;
                    }
                    if let Some(v) = op.get("set") {
                        fields.insert(k.clone(), v.clone());
                    } else if k == "labels" {
                        let mut cur: Vec<Value> = fields
                            .get("labels")
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_else(|| is.labels.iter().map(|l| json!(l)).collect());
                        if let Some(a) = op.get("add")
                            && !cur.contains(a)
                        {
                            cur.push(a.clone());
                        }
                        if let Some(r) = op.get("remove") {
                            cur.retain(|x| x != r);
                        }
                        fields.insert("labels".into(), Value::Array(cur));
                    }
                }
            }
        }
        let can_edit = w.has_perm(ctx.user, pi, "EDIT_ISSUES", Some(is));
        let screen = w.projects[pi].screen.edit.clone();
        let mut errors = Vec::new();
        let mut sets = Vec::new();
        for (k, v) in &fields {
            if !can_edit || !screen.contains(k) {
                errors.push((k.clone(), cannot_be_set(k)));
                continue;
            }
            if k == "assignee" && !w.has_perm(ctx.user, pi, "ASSIGN_ISSUES", Some(is)) {
                errors.push((k.clone(), cannot_be_set(k)));
                continue;
            }
            match parse_field(&w, &ctx, k, v, Some(id)) {
                Ok(s) => sets.push(s),
                Err(e) => errors.push((k.clone(), e)),
            }
        }
        if !comment_adds.is_empty() && !w.has_perm(ctx.user, pi, "ADD_COMMENTS", Some(is)) {
            errors.push(("comment".into(), cannot_be_set("comment")));
        }
        if !errors.is_empty() {
            let e: Vec<(&str, String)> = errors
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            return error_collection(StatusCode::BAD_REQUEST, &[], &e);
        }
        let mut bodies = Vec::new();
        for b in &comment_adds {
            match read_rich(&w, &ctx, b, "comment", Some(id)) {
                Ok(d) => bodies.push(d),
                Err(e) => return error_collection(StatusCode::BAD_REQUEST, &[], &[("comment", e)]),
            }
        }
        let (items, orphans) = apply(&mut w, id, sets);
        for b in bodies {
            w.next_comment_id += 1;
            let cid = w.next_comment_id;
            if let Some(is) = w.issues.get_mut(&id) {
                is.comments.push(super::world::Comment {
                    id: cid,
                    author: ctx.user,
                    update_author: ctx.user,
                    body: adf::Doc::new(&b),
                    created: at,
                    updated: at,
                    visibility: None,
                    jsd_public: true,
                });
            }
            events.push(Event::comment("comment_created", id, cid, ctx.user));
        }
        let had_changes = !items.is_empty() || !comment_adds.is_empty();
        let cid = record_changes(&mut w, id, ctx.user, at, items);
        let removed = w.delete_attachments(id, &orphans, ctx.user, at);
        if had_changes || !removed.is_empty() {
            if let Some(is) = w.issues.get_mut(&id) {
                is.updated = at;
            }
            events.push(Event::issue(
                "jira:issue_updated",
                "issue_updated",
                id,
                ctx.user,
                cid,
            ));
        }
        let resp = if q.flag("returnIssue") {
            let all = render::select_fields(&w, &[], true);
            match w.issues.get(&id) {
                Some(is) => ok(render::issue(&w, &ctx, is, &all, &q.list("expand"), &[])),
                None => not_found_issue(),
            }
        } else {
            no_content()
        };
        (
            resp,
            webhooks::prepare(&w, &ctx, &events, &st),
            removed.len(),
        )
    };
    if removed > 0 {
        st.common
            .stats
            .bump("jira.attachments_deleted_with_media", removed as u64);
    }
    webhooks::deliver(&st, deliveries);
    resp
}

pub(crate) async fn delete(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
    RawQuery(q): RawQuery,
) -> Response {
    let q = Q::parse(q.as_deref());
    let mut events = Vec::new();
    let deliveries = {
        let mut w = st.world.write();
        let id = match visible(&w, &ctx, param(&p, "issueIdOrKey")) {
            Ok(id) => id,
            Err(r) => return r,
        };
        let Some(is) = w.issues.get(&id) else {
            return not_found_issue();
        };
        if !w.has_perm(ctx.user, is.project, "DELETE_ISSUES", Some(is)) {
            return error_collection(
                StatusCode::FORBIDDEN,
                &["You do not have permission to delete issues in this project."],
                &[],
            );
        }
        let subtasks: Vec<IssueId> = w
            .issues
            .values()
            .filter(|x| x.parent == Some(id) && w.issue_types[x.issue_type].subtask)
            .map(|x| x.id)
            .collect();
        if !subtasks.is_empty() && !q.flag("deleteSubtasks") {
            return error_collection(
                StatusCode::BAD_REQUEST,
                &["The issue has subtasks. To delete, set the 'deleteSubtasks' parameter to true."],
                &[],
            );
        }
        // The payload is built before the issue goes.
        events.push(Event::issue(
            "jira:issue_deleted",
            "issue_deleted",
            id,
            ctx.user,
            None,
        ));
        let d = webhooks::prepare(&w, &ctx, &events, &st);
        for x in subtasks.into_iter().chain(std::iter::once(id)) {
            if let Some(is) = w.issues.remove(&x) {
                w.issue_by_key.remove(&is.key);
                for a in &is.attachments {
                    if let Some(att) = w.attachments.remove(a) {
                        w.media.remove(&att.media_id);
                    }
                }
                for l in &is.links {
                    if let Some(link) = w.links.remove(l) {
                        let other = if link.inward == x {
                            link.outward
                        } else {
                            link.inward
                        };
                        if let Some(o) = w.issues.get_mut(&other) {
                            o.links.retain(|y| y != l);
                        }
                    }
                }
            }
        }
        d
    };
    webhooks::deliver(&st, deliveries);
    no_content()
}

pub(crate) async fn assign(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
    body: Bytes,
) -> Response {
    let body = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let deliveries = {
        let mut w = st.world.write();
        // Stamped under the lock: writes to one issue get increasing stamps in order.
        let at = st.common.clock.tick();
        let id = match visible(&w, &ctx, param(&p, "issueIdOrKey")) {
            Ok(id) => id,
            Err(r) => return r,
        };
        let Some(is) = w.issues.get(&id) else {
            return not_found_issue();
        };
        if !w.has_perm(ctx.user, is.project, "ASSIGN_ISSUES", Some(is)) {
            return error_collection(
                StatusCode::FORBIDDEN,
                &["You do not have permission to assign issues."],
                &[],
            );
        }
        let u = match user_ref(&w, &body) {
            Ok(u) => u,
            Err(e) => return error_collection(StatusCode::BAD_REQUEST, &[], &[("assignee", e)]),
        };
        let (items, _) = apply(&mut w, id, vec![Set::Assignee(u)]);
        let cid = record_changes(&mut w, id, ctx.user, at, items);
        if let Some(is) = w.issues.get_mut(&id) {
            is.updated = at;
        }
        webhooks::prepare(
            &w,
            &ctx,
            &[Event::issue(
                "jira:issue_updated",
                "issue_assigned",
                id,
                ctx.user,
                cid,
            )],
            &st,
        )
    };
    webhooks::deliver(&st, deliveries);
    no_content()
}

pub(crate) async fn transitions(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
    RawQuery(q): RawQuery,
) -> Response {
    let q = Q::parse(q.as_deref());
    let w = st.world.read();
    let id = match visible(&w, &ctx, param(&p, "issueIdOrKey")) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let Some(is) = w.issues.get(&id) else {
        return not_found_issue();
    };
    let pr = &w.projects[is.project];
    let wf = &w.workflows[pr.workflow];
    let list: Vec<Value> = if w.has_perm(ctx.user, is.project, "TRANSITION_ISSUES", Some(is)) {
        wf.transitions
            .iter()
            .filter(|t| t.from.is_empty() || t.from.contains(&is.status))
            .filter(|t| q.get("transitionId").is_none_or(|x| x == t.id))
            .map(|t| {
                let mut v = json!({
                    "id": t.id, "name": t.name, "to": render::status(&ctx, &w.statuses[t.to]),
                    "hasScreen": false, "isGlobal": t.from.is_empty(), "isInitial": false,
                    "isAvailable": true, "isConditional": false, "isLooped": false,
                });
                if q.list("expand").iter().any(|e| e == "transitions.fields")
                    && let Some(o) = v.as_object_mut()
                {
                    o.insert("fields".into(), json!({}));
                }
                v
            })
            .collect()
    } else {
        Vec::new()
    };
    ok(json!({"expand": "transitions", "transitions": list}))
}

pub(crate) async fn transition(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
    body: Bytes,
) -> Response {
    let body = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let deliveries = {
        let mut w = st.world.write();
        // Stamped under the lock: writes to one issue get increasing stamps in order.
        let at = st.common.clock.tick();
        let id = match visible(&w, &ctx, param(&p, "issueIdOrKey")) {
            Ok(id) => id,
            Err(r) => return r,
        };
        let Some(is) = w.issues.get(&id) else {
            return not_found_issue();
        };
        let tid = body
            .get("transition")
            .and_then(|t| t.get("id"))
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .unwrap_or_default();
        if !w.has_perm(ctx.user, is.project, "TRANSITION_ISSUES", Some(is)) {
            // jirakb 1167702243 wording; the exact REST status is not documented.
            return error_collection(
                StatusCode::FORBIDDEN,
                &["You don't have permission to transition this issue."],
                &[],
            );
        }
        let wf = &w.workflows[w.projects[is.project].workflow];
        let Some(t) = wf
            .transitions
            .iter()
            .find(|t| t.id == tid && (t.from.is_empty() || t.from.contains(&is.status)))
            .cloned()
        else {
            return error_collection(
                StatusCode::BAD_REQUEST,
                &[&format!(
                    "Transition id '{tid}' is not valid for this issue."
                )],
                &[],
            );
        };
        let old = is.status;
        let mut items = vec![item(
            "status",
            "status",
            (
                Some(w.statuses[old].id.clone()),
                Some(w.statuses[old].name.clone()),
            ),
            (
                Some(w.statuses[t.to].id.clone()),
                Some(w.statuses[t.to].name.clone()),
            ),
        )];
        // Fields set on the transition screen (none are on a screen here, but `fields` with
        // editable values are honoured like an edit).
        let mut sets = Vec::new();
        if let Some(f) = body.get("fields").and_then(Value::as_object) {
            for (k, v) in f {
                match parse_field(&w, &ctx, k, v, Some(id)) {
                    Ok(s) => sets.push(s),
                    Err(e) => {
                        return error_collection(StatusCode::BAD_REQUEST, &[], &[(k.as_str(), e)]);
                    }
                }
            }
        }
        let (more, _) = apply(&mut w, id, sets);
        items.extend(more);
        let done = w.statuses[t.to].category == Category::Done;
        if let Some(is) = w.issues.get_mut(&id) {
            is.status = t.to;
            is.updated = at;
            is.resolution_date = if done { Some(at) } else { None };
        }
        let cid = record_changes(&mut w, id, ctx.user, at, items);
        webhooks::prepare(
            &w,
            &ctx,
            &[Event::issue(
                "jira:issue_updated",
                "issue_generic",
                id,
                ctx.user,
                cid,
            )],
            &st,
        )
    };
    webhooks::deliver(&st, deliveries);
    no_content()
}

pub(crate) async fn changelog(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
    RawQuery(q): RawQuery,
) -> Response {
    let q = Q::parse(q.as_deref());
    let w = st.world.read();
    let id = match visible(&w, &ctx, param(&p, "issueIdOrKey")) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let Some(is) = w.issues.get(&id) else {
        return not_found_issue();
    };
    let start = usize::try_from(q.num("startAt").ok().flatten().unwrap_or(0).max(0)).unwrap_or(0);
    let max = usize::try_from(
        q.num("maxResults")
            .ok()
            .flatten()
            .unwrap_or(100)
            .clamp(1, 100),
    )
    .unwrap_or(100);
    let total = is.changelog.len();
    let values: Vec<Value> = is
        .changelog
        .iter()
        .skip(start)
        .take(max)
        .map(|g| render::change_group(&w, &ctx, g))
        .collect();
    let is_last = start + values.len() >= total;
    let mut v = json!({
        "self": format!("{}/issue/{}/changelog?maxResults={max}&startAt={start}", ctx.rest(), is.key),
        "maxResults": max, "startAt": start, "total": total, "isLast": is_last, "values": values,
    });
    if !is_last && let Some(o) = v.as_object_mut() {
        o.insert(
            "nextPage".into(),
            json!(format!(
                "{}/issue/{}/changelog?maxResults={max}&startAt={}",
                ctx.rest(),
                is.key,
                start + max
            )),
        );
    }
    ok(v)
}

pub(crate) async fn properties_list(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
) -> Response {
    let w = st.world.read();
    let id = match visible(&w, &ctx, param(&p, "issueIdOrKey")) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let Some(is) = w.issues.get(&id) else {
        return not_found_issue();
    };
    ok(
        json!({"keys": is.properties.keys().map(|k| json!({"self": format!("{}/issue/{}/properties/{k}", ctx.rest(), is.id), "key": k})).collect::<Vec<_>>()}),
    )
}

pub(crate) async fn property_get(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
) -> Response {
    let w = st.world.read();
    let id = match visible(&w, &ctx, param(&p, "issueIdOrKey")) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let key = param(&p, "propertyKey");
    match w.issues.get(&id).and_then(|is| is.properties.get(key)) {
        Some(v) => ok(json!({"key": key, "value": v})),
        None => error_collection(
            StatusCode::NOT_FOUND,
            &[&format!("The property with key '{key}' does not exist.")],
            &[],
        ),
    }
}

pub(crate) async fn property_put(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
    body: Bytes,
) -> Response {
    if body.is_empty() || body.len() > 32_768 {
        return error_collection(
            StatusCode::BAD_REQUEST,
            &["The property value must be non-empty JSON of at most 32768 characters."],
            &[],
        );
    }
    let value = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let key = param(&p, "propertyKey").to_owned();
    if key.len() > 255 {
        return error_collection(
            StatusCode::BAD_REQUEST,
            &["The property key cannot be longer than 255 characters."],
            &[],
        );
    }
    let mut w = st.world.write();
    let id = match visible(&w, &ctx, param(&p, "issueIdOrKey")) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let Some(is) = w.issues.get(&id) else {
        return not_found_issue();
    };
    if !w.has_perm(ctx.user, is.project, "EDIT_ISSUES", Some(is)) {
        return error_collection(
            StatusCode::FORBIDDEN,
            &["You do not have permission to edit this issue."],
            &[],
        );
    }
    let created = match w.issues.get_mut(&id) {
        Some(is) => is.properties.insert(key, value).is_none(),
        None => return not_found_issue(),
    };
    if created {
        json_resp(StatusCode::CREATED, json!({}))
    } else {
        ok(json!({}))
    }
}

pub(crate) async fn property_delete(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
) -> Response {
    let mut w = st.world.write();
    let id = match visible(&w, &ctx, param(&p, "issueIdOrKey")) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let Some(is) = w.issues.get(&id) else {
        return not_found_issue();
    };
    if !w.has_perm(ctx.user, is.project, "EDIT_ISSUES", Some(is)) {
        return error_collection(
            StatusCode::FORBIDDEN,
            &["You do not have permission to edit this issue."],
            &[],
        );
    }
    let key = param(&p, "propertyKey");
    match w
        .issues
        .get_mut(&id)
        .and_then(|is| is.properties.remove(key))
    {
        Some(_) => no_content(),
        None => error_collection(
            StatusCode::NOT_FOUND,
            &[&format!("The property with key '{key}' does not exist.")],
            &[],
        ),
    }
}
