//! Search (Cloud `search/jql` with `nextPageToken`, DC `search` with `startAt/total`), comments,
//! attachments and issue links.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use http::{HeaderMap, StatusCode, header};
use serde_json::{Value, json};

use super::adf;
use super::jql;
use super::render;
use super::routes_issue::{orphaned, parse_body, read_rich, record_changes, visible};
use super::routes_meta::{P, param};
use super::spec::Flavour;
use super::state::{
    Ctx, JiraState, Q, error_collection, json as json_resp, no_content, not_found_issue, ok,
};
use super::webhooks::{self, Event};
use super::world::{Attachment, ChangeGroup, ChangeItem, Comment, IssueLink, World};

// ------------------------------------------------------------------ search

struct SearchParams {
    jql: String,
    fields: Vec<String>,
    expand: Vec<String>,
    properties: Vec<String>,
    max: Option<i64>,
    start: Option<i64>,
    token: Option<String>,
}

fn strs(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .flat_map(|s| s.split(','))
            .map(|s| s.trim().to_owned())
            .collect(),
        Some(Value::String(s)) => s
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

fn params(q: &Q, body: Option<&Value>) -> SearchParams {
    match body {
        Some(b) => SearchParams {
            jql: b
                .get("jql")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            fields: strs(b.get("fields")),
            expand: strs(b.get("expand")),
            properties: strs(b.get("properties")),
            max: b.get("maxResults").and_then(Value::as_i64),
            start: b.get("startAt").and_then(Value::as_i64),
            token: b
                .get("nextPageToken")
                .and_then(Value::as_str)
                .map(str::to_owned),
        },
        None => SearchParams {
            jql: q.get("jql").unwrap_or("").to_owned(),
            fields: q.list("fields"),
            expand: q.list("expand"),
            properties: q.list("properties"),
            max: q.get("maxResults").and_then(|v| v.parse().ok()),
            start: q.get("startAt").and_then(|v| v.parse().ok()),
            token: q.get("nextPageToken").map(str::to_owned),
        },
    }
}

fn jql_error(msg: &str) -> Response {
    error_collection(
        StatusCode::BAD_REQUEST,
        &[&format!("Error in the JQL Query: {msg}")],
        &[],
    )
}

fn run_query<'w>(
    w: &'w World,
    ctx: &Ctx,
    jql_s: &str,
    now: i64,
) -> Result<(jql::Query, Vec<&'w super::world::Issue>), Response> {
    let q = jql::parse(jql_s).map_err(|e| jql_error(&e))?;
    let cx = jql::Ctx {
        world: w,
        user: ctx.user,
        now,
    };
    jql::validate(&q, &cx).map_err(|e| error_collection(StatusCode::BAD_REQUEST, &[&e], &[]))?;
    let mut hits: Vec<&super::world::Issue> = w
        .issues
        .values()
        .filter(|is| w.can_see_issue(ctx.user, is) && jql::matches(&q, is, &cx))
        .collect();
    jql::sort(&q, &mut hits, w);
    Ok((q, hits))
}

fn page_token(offset: usize, jql: &str) -> String {
    let h = jql.bytes().fold(0xcbf2_9ce4_8422_2325u64, |a, b| {
        (a ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{offset}:{h:x}"))
}

fn read_token(t: &str, jql: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(t)
        .ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (off, _h) = s.split_once(':')?;
    let off: usize = off.parse().ok()?;
    (page_token(off, jql) == t).then_some(off)
}

fn search_jql(st: &JiraState, ctx: &Ctx, p: &SearchParams) -> Response {
    let w = st.world.read();
    if w.flavour == Flavour::Datacenter {
        return error_collection(
            StatusCode::NOT_FOUND,
            &["null for uri: /rest/api/2/search/jql"],
            &[],
        );
    }
    let parsed = match jql::parse(&p.jql) {
        Ok(q) => q,
        Err(e) => return jql_error(&e),
    };
    if !parsed.is_bounded() {
        return error_collection(
            StatusCode::BAD_REQUEST,
            &[
                "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.",
            ],
            &[],
        );
    }
    let (_, hits) = match run_query(&w, ctx, &p.jql, st.common.clock.now_ms()) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let fields = if p.fields.is_empty() {
        ["id".to_owned()].into_iter().collect()
    } else {
        render::select_fields(&w, &p.fields, false)
    };
    let id_only = fields.iter().all(|f| f == "id" || f == "key");
    let cap = if id_only { 5000 } else { 100 };
    let max = usize::try_from(p.max.unwrap_or(50).clamp(0, cap)).unwrap_or(50);
    let start = match &p.token {
        None => 0,
        Some(t) => match read_token(t, &p.jql) {
            Some(o) => o,
            None => {
                return error_collection(
                    StatusCode::BAD_REQUEST,
                    &["The provided next page token is invalid or expired."],
                    &[],
                );
            }
        },
    };
    let page: Vec<Value> = hits
        .iter()
        .skip(start)
        .take(max)
        .map(|is| render::issue(&w, ctx, is, &fields, &p.expand, &p.properties))
        .collect();
    let next = start + page.len();
    let mut v = json!({"issues": page, "isLast": next >= hits.len()});
    if next < hits.len()
        && let Some(o) = v.as_object_mut()
    {
        o.insert("nextPageToken".into(), json!(page_token(next, &p.jql)));
    }
    ok(v)
}

fn search_dc(st: &JiraState, ctx: &Ctx, p: &SearchParams) -> Response {
    let w = st.world.read();
    if w.flavour == Flavour::Cloud {
        // Removed on Cloud in 2025 (CHANGE-2046).
        return error_collection(
            StatusCode::GONE,
            &[
                "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046",
            ],
            &[],
        );
    }
    let (_, hits) = match run_query(&w, ctx, &p.jql, st.common.clock.now_ms()) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let fields = if p.fields.is_empty() {
        render::select_fields(&w, &["*navigable".to_owned()], true)
    } else {
        render::select_fields(&w, &p.fields, false)
    };
    let max = usize::try_from(p.max.unwrap_or(50).clamp(0, 1000)).unwrap_or(50);
    let start = usize::try_from(p.start.unwrap_or(0).max(0)).unwrap_or(0);
    let page: Vec<Value> = hits
        .iter()
        .skip(start)
        .take(max)
        .map(|is| render::issue(&w, ctx, is, &fields, &p.expand, &p.properties))
        .collect();
    ok(
        json!({"expand": "schema,names", "startAt": start, "maxResults": max, "total": hits.len(), "issues": page}),
    )
}

pub(crate) async fn search_jql_get(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Response {
    let q = Q::parse(q.as_deref());
    search_jql(&st, &ctx, &params(&q, None))
}

pub(crate) async fn search_jql_post(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    match parse_body(&body) {
        Ok(b) => search_jql(&st, &ctx, &params(&Q::default(), Some(&b))),
        Err(r) => r,
    }
}

pub(crate) async fn search_get(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Response {
    let q = Q::parse(q.as_deref());
    search_dc(&st, &ctx, &params(&q, None))
}

pub(crate) async fn search_post(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    match parse_body(&body) {
        Ok(b) => search_dc(&st, &ctx, &params(&Q::default(), Some(&b))),
        Err(r) => r,
    }
}

pub(crate) async fn approximate_count(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    let b = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let w = st.world.read();
    let jql_s = b.get("jql").and_then(Value::as_str).unwrap_or("");
    match run_query(&w, &ctx, jql_s, st.common.clock.now_ms()) {
        Ok((_, hits)) => ok(json!({"count": hits.len()})),
        Err(r) => r,
    }
}

// ------------------------------------------------------------------ comments

pub(crate) async fn comments(
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
    let order = q.get("orderBy").unwrap_or("created");
    let desc = match order {
        "created" | "+created" => false,
        "-created" => true,
        _ => {
            return error_collection(
                StatusCode::BAD_REQUEST,
                &[&format!("Ordering by '{order}' is not supported.")],
                &[],
            );
        }
    };
    let start = usize::try_from(q.num("startAt").ok().flatten().unwrap_or(0).max(0)).unwrap_or(0);
    let max = usize::try_from(
        q.num("maxResults")
            .ok()
            .flatten()
            .unwrap_or(5000)
            .clamp(0, 5000),
    )
    .unwrap_or(5000);
    let rendered_body = q.list("expand").iter().any(|e| e == "renderedBody");
    let mut list: Vec<&Comment> = is
        .comments
        .iter()
        .filter(|c| w.can_see_comment(ctx.user, is.project, c.visibility.as_ref()))
        .collect();
    if desc {
        list.reverse();
    }
    let total = list.len();
    let page: Vec<Value> = list
        .into_iter()
        .skip(start)
        .take(max)
        .map(|c| render::comment(&w, &ctx, is, c, rendered_body))
        .collect();
    ok(json!({"startAt": start, "maxResults": max, "total": total, "comments": page}))
}

fn visibility(v: &Value) -> Option<(String, String)> {
    let vis = v.get("visibility")?;
    let t = vis.get("type").and_then(Value::as_str)?.to_owned();
    let val = vis
        .get("value")
        .or(vis.get("identifier"))
        .and_then(Value::as_str)?
        .to_owned();
    Some((t, val))
}

pub(crate) async fn comment_add(
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
    let (resp, deliveries) = {
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
        if !w.has_perm(ctx.user, is.project, "ADD_COMMENTS", Some(is)) {
            return error_collection(
                StatusCode::FORBIDDEN,
                &["You do not have the permission to comment on this issue."],
                &[],
            );
        }
        let Some(b) = body.get("body") else {
            return error_collection(
                StatusCode::BAD_REQUEST,
                &[],
                &[("comment", "Comment body can not be empty!".into())],
            );
        };
        let doc = match read_rich(&w, &ctx, b, "comment", Some(id)) {
            Ok(d) => d,
            Err(e) => return error_collection(StatusCode::BAD_REQUEST, &[], &[("comment", e)]),
        };
        if adf::to_plain(&doc).trim().is_empty() && adf::media_ids(&doc).is_empty() {
            return error_collection(
                StatusCode::BAD_REQUEST,
                &[],
                &[("comment", "Comment body can not be empty!".into())],
            );
        }
        let internal = body
            .get("properties")
            .and_then(Value::as_array)
            .is_some_and(|ps| {
                ps.iter().any(|p| {
                    p.get("key").and_then(Value::as_str) == Some("sd.public.comment")
                        && p.get("value")
                            .and_then(|v| v.get("internal"))
                            .and_then(Value::as_bool)
                            == Some(true)
                })
            });
        w.next_comment_id += 1;
        let cid = w.next_comment_id;
        let c = Comment {
            id: cid,
            author: ctx.user,
            update_author: ctx.user,
            body: adf::Doc::new(&doc),
            created: at,
            updated: at,
            visibility: visibility(&body),
            jsd_public: !internal,
        };
        if let Some(is) = w.issues.get_mut(&id) {
            is.comments.push(c);
            is.updated = at;
        }
        let Some(is) = w.issues.get(&id) else {
            return not_found_issue();
        };
        let Some(c) = is.comments.last() else {
            return not_found_issue();
        };
        let v = render::comment(
            &w,
            &ctx,
            is,
            c,
            q.list("expand").iter().any(|e| e == "renderedBody"),
        );
        let d = webhooks::prepare(
            &w,
            &ctx,
            &[
                Event::comment("comment_created", id, cid, ctx.user),
                Event::issue("jira:issue_updated", "issue_commented", id, ctx.user, None)
                    .with_comment(cid),
            ],
            &st,
        );
        (json_resp(StatusCode::CREATED, v), d)
    };
    webhooks::deliver(&st, deliveries);
    resp
}

fn find_comment(
    w: &World,
    ctx: &Ctx,
    p: &std::collections::HashMap<String, String>,
) -> Result<(u64, usize), Response> {
    let id = visible(w, ctx, param(p, "issueIdOrKey"))?;
    let cid: u64 = param(p, "id").parse().unwrap_or(0);
    let is = w.issues.get(&id).ok_or_else(not_found_issue)?;
    let pos = is
        .comments
        .iter()
        .position(|c| c.id == cid && w.can_see_comment(ctx.user, is.project, c.visibility.as_ref()))
        .ok_or_else(|| {
            error_collection(
                StatusCode::NOT_FOUND,
                &[&format!("Can not find a comment for the id: {cid}.")],
                &[],
            )
        })?;
    Ok((id, pos))
}

pub(crate) async fn comment_get(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
    RawQuery(q): RawQuery,
) -> Response {
    let q = Q::parse(q.as_deref());
    let w = st.world.read();
    match find_comment(&w, &ctx, &p) {
        Ok((id, pos)) => match w.issues.get(&id) {
            Some(is) => ok(render::comment(
                &w,
                &ctx,
                is,
                &is.comments[pos],
                q.list("expand").iter().any(|e| e == "renderedBody"),
            )),
            None => not_found_issue(),
        },
        Err(r) => r,
    }
}

pub(crate) async fn comment_update(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
    body: Bytes,
) -> Response {
    let body = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (resp, deliveries, removed) = {
        let mut w = st.world.write();
        // Stamped under the lock: writes to one issue get increasing stamps in order.
        let at = st.common.clock.tick();
        let (id, pos) = match find_comment(&w, &ctx, &p) {
            Ok(x) => x,
            Err(r) => return r,
        };
        let Some(is) = w.issues.get(&id) else {
            return not_found_issue();
        };
        let c = &is.comments[pos];
        let own = ctx.user.is_some() && c.author == ctx.user;
        let allowed = w.has_perm(ctx.user, is.project, "EDIT_ALL_COMMENTS", Some(is))
            || (own && w.has_perm(ctx.user, is.project, "EDIT_OWN_COMMENTS", Some(is)));
        if !allowed {
            // Cloud reports a missing edit permission as a 400 (sync-semantics.md §1).
            return error_collection(
                StatusCode::BAD_REQUEST,
                &["You do not have the permission to edit this comment."],
                &[],
            );
        }
        let doc = match body
            .get("body")
            .map(|b| read_rich(&w, &ctx, b, "comment", Some(id)))
        {
            Some(Ok(d)) => d,
            Some(Err(e)) => {
                return error_collection(StatusCode::BAD_REQUEST, &[], &[("comment", e)]);
            }
            None => {
                return error_collection(
                    StatusCode::BAD_REQUEST,
                    &[],
                    &[("comment", "Comment body can not be empty!".into())],
                );
            }
        };
        let dropped: BTreeSet<String> = adf::media_ids(&c.body.value())
            .difference(&adf::media_ids(&doc))
            .cloned()
            .collect();
        let cid = c.id;
        let vis = visibility(&body).or_else(|| c.visibility.clone());
        if let Some(is) = w.issues.get_mut(&id) {
            let c = &mut is.comments[pos];
            c.body = adf::Doc::new(&doc);
            c.updated = at;
            c.update_author = ctx.user;
            c.visibility = vis;
            is.updated = at;
        }
        let orphans = orphaned(&w, id, &dropped);
        let removed = w.delete_attachments(id, &orphans, ctx.user, at);
        let Some(is) = w.issues.get(&id) else {
            return not_found_issue();
        };
        let v = render::comment(&w, &ctx, is, &is.comments[pos], false);
        let d = webhooks::prepare(
            &w,
            &ctx,
            &[Event::comment("comment_updated", id, cid, ctx.user)],
            &st,
        );
        (ok(v), d, removed.len())
    };
    if removed > 0 {
        st.common
            .stats
            .bump("jira.attachments_deleted_with_media", removed as u64);
    }
    webhooks::deliver(&st, deliveries);
    resp
}

pub(crate) async fn comment_delete(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
) -> Response {
    let deliveries = {
        let mut w = st.world.write();
        // Stamped under the lock: writes to one issue get increasing stamps in order.
        let at = st.common.clock.tick();
        let (id, pos) = match find_comment(&w, &ctx, &p) {
            Ok(x) => x,
            Err(r) => return r,
        };
        let Some(is) = w.issues.get(&id) else {
            return not_found_issue();
        };
        let c = &is.comments[pos];
        let own = ctx.user.is_some() && c.author == ctx.user;
        if ctx.user.is_none() {
            return error_collection(
                StatusCode::METHOD_NOT_ALLOWED,
                &["You are not authenticated."],
                &[],
            );
        }
        let allowed = w.has_perm(ctx.user, is.project, "DELETE_ALL_COMMENTS", Some(is))
            || (own && w.has_perm(ctx.user, is.project, "DELETE_OWN_COMMENTS", Some(is)));
        if !allowed {
            return error_collection(
                StatusCode::BAD_REQUEST,
                &["You do not have the permission to delete this comment."],
                &[],
            );
        }
        let cid = c.id;
        let d = webhooks::prepare(
            &w,
            &ctx,
            &[Event::comment("comment_deleted", id, cid, ctx.user)],
            &st,
        );
        if let Some(is) = w.issues.get_mut(&id) {
            is.comments.remove(pos);
            is.updated = at;
        }
        d
    };
    webhooks::deliver(&st, deliveries);
    no_content()
}

// ------------------------------------------------------------------ attachments

pub(crate) async fn attachment_upload(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
    headers: HeaderMap,
    mut mp: Multipart,
) -> Response {
    // Without this header Jira's XSRF protection blocks the upload (sync-semantics.md §2).
    let xsrf_ok = headers
        .get("x-atlassian-token")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("no-check") || v.eq_ignore_ascii_case("nocheck"));
    if !xsrf_ok {
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain;charset=UTF-8")],
            "XSRF check failed",
        )
            .into_response();
    }
    {
        let w = st.world.read();
        let id = match visible(&w, &ctx, param(&p, "issueIdOrKey")) {
            Ok(id) => id,
            Err(r) => return r,
        };
        let Some(is) = w.issues.get(&id) else {
            return not_found_issue();
        };
        if !w.has_perm(ctx.user, is.project, "CREATE_ATTACHMENTS", Some(is)) {
            return error_collection(
                StatusCode::FORBIDDEN,
                &["You do not have permission to create attachments for this issue."],
                &[],
            );
        }
    }
    let mut files = Vec::new();
    loop {
        match mp.next_field().await {
            Ok(Some(f)) => {
                if f.name() != Some("file") {
                    continue;
                }
                let name = f.file_name().unwrap_or("attachment").to_owned();
                let mime = f
                    .content_type()
                    .map_or_else(|| guess_mime(&name), str::to_owned);
                match f.bytes().await {
                    Ok(b) => files.push((name, mime, b)),
                    Err(e) => {
                        return error_collection(
                            StatusCode::BAD_REQUEST,
                            &[&format!("Cannot read the upload: {e}")],
                            &[],
                        );
                    }
                }
            }
            Ok(None) => break,
            Err(e) => {
                return error_collection(
                    StatusCode::BAD_REQUEST,
                    &[&format!("Cannot read the multipart body: {e}")],
                    &[],
                );
            }
        }
    }
    if files.is_empty() {
        return error_collection(
            StatusCode::BAD_REQUEST,
            &["No file was attached: send multipart/form-data parts named 'file'."],
            &[],
        );
    }
    if files.len() > 60 {
        return error_collection(
            StatusCode::PAYLOAD_TOO_LARGE,
            &["You can attach at most 60 files in one request."],
            &[],
        );
    }
    let (out, deliveries) = {
        let mut w = st.world.write();
        // Stamped under the lock: writes to one issue get increasing stamps in order.
        let at = st.common.clock.tick();
        let id = match visible(&w, &ctx, param(&p, "issueIdOrKey")) {
            Ok(id) => id,
            Err(r) => return r,
        };
        let mut out = Vec::new();
        let mut items = Vec::new();
        let mut events = Vec::new();
        for (name, mime, content) in files {
            w.next_attachment_id += 1;
            let aid = w.next_attachment_id;
            let media_id = uuid::Uuid::new_v4().to_string();
            w.media.insert(media_id.clone(), aid);
            w.attachments.insert(
                aid,
                Attachment {
                    id: aid,
                    issue: id,
                    filename: name.clone(),
                    mime,
                    content,
                    author: ctx.user,
                    created: at,
                    media_id,
                },
            );
            if let Some(is) = w.issues.get_mut(&id) {
                is.attachments.push(aid);
                is.updated = at;
            }
            items.push(ChangeItem {
                field: "Attachment".into(),
                fieldtype: "jira".into(),
                field_id: "attachment".into(),
                from: None,
                from_string: None,
                to: Some(aid.to_string()),
                to_string: Some(name),
            });
            if let Some(a) = w.attachments.get(&aid) {
                out.push(render::attachment(&w, &ctx, a));
            }
            events.push(Event::attachment("attachment_created", id, aid, ctx.user));
        }
        record_changes(&mut w, id, ctx.user, at, items);
        (out, webhooks::prepare(&w, &ctx, &events, &st))
    };
    webhooks::deliver(&st, deliveries);
    ok(Value::Array(out))
}

fn guess_mime(name: &str) -> String {
    let ext = name.rsplit('.').next().unwrap_or("").to_lowercase();
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "txt" => "text/plain",
        "pdf" => "application/pdf",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
    .into()
}

fn find_attachment<'w>(w: &'w World, ctx: &Ctx, id: &str) -> Result<&'w Attachment, Response> {
    let a = id.parse::<u64>().ok().and_then(|id| w.attachments.get(&id));
    match a {
        Some(a)
            if w.issues
                .get(&a.issue)
                .is_some_and(|is| w.can_see_issue(ctx.user, is)) =>
        {
            Ok(a)
        }
        _ => Err(error_collection(
            StatusCode::NOT_FOUND,
            &[&format!("The attachment with id '{id}' does not exist")],
            &[],
        )),
    }
}

pub(crate) async fn attachment_get(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
) -> Response {
    let w = st.world.read();
    match find_attachment(&w, &ctx, param(&p, "id")) {
        Ok(a) => {
            let mut v = render::attachment(&w, &ctx, a);
            if let Some(o) = v.as_object_mut() {
                // The single-attachment resource has a numeric id (sync-semantics.md §2).
                o.insert("id".into(), json!(a.id));
            }
            ok(v)
        }
        Err(r) => r,
    }
}

pub(crate) async fn attachment_meta(Extension(_ctx): Extension<Ctx>) -> Response {
    ok(json!({"enabled": true, "uploadLimit": 10_485_760}))
}

fn bytes_response(a: &Attachment) -> Response {
    let mut r = Response::new(Body::from(a.content.clone()));
    if let Ok(v) = a.mime.parse() {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = format!("attachment; filename=\"{}\"", a.filename.replace('"', "")).parse() {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// Cloud: 303 to the media store (`redirect=false` answers 200 with the bytes); the
/// `Location` carries the media id, which is how clients learn it (sync-semantics.md §2).
pub(crate) async fn attachment_content(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
    RawQuery(q): RawQuery,
) -> Response {
    let q = Q::parse(q.as_deref());
    let w = st.world.read();
    let a = match find_attachment(&w, &ctx, param(&p, "id")) {
        Ok(a) => a,
        Err(r) => return r,
    };
    if q.get("redirect").is_some_and(|v| v == "false") {
        return bytes_response(a);
    }
    let name: String = url::form_urlencoded::byte_serialize(a.filename.as_bytes()).collect();
    let loc = format!(
        "{}/media/file/{}/binary?name={name}&dl=true",
        ctx.site, a.media_id
    );
    (StatusCode::SEE_OTHER, [(header::LOCATION, loc)]).into_response()
}

/// The media store the redirect points at (its URL is the capability, as on Cloud).
pub(crate) async fn media_binary(State(st): State<Arc<JiraState>>, Path(p): P) -> Response {
    let w = st.world.read();
    match w
        .media
        .get(param(&p, "mediaId"))
        .and_then(|a| w.attachments.get(a))
    {
        Some(a) => bytes_response(a),
        None => (StatusCode::NOT_FOUND, "file not found").into_response(),
    }
}

/// DC: `/secure/attachment/{id}/{filename}`.
pub(crate) async fn secure_attachment(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
) -> Response {
    let w = st.world.read();
    match find_attachment(&w, &ctx, param(&p, "id")) {
        Ok(a) => bytes_response(a),
        Err(r) => r,
    }
}

pub(crate) async fn attachment_delete(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
) -> Response {
    let deliveries = {
        let mut w = st.world.write();
        // Stamped under the lock: writes to one issue get increasing stamps in order.
        let at = st.common.clock.tick();
        let (aid, issue, own) = match find_attachment(&w, &ctx, param(&p, "id")) {
            Ok(a) => (a.id, a.issue, ctx.user.is_some() && a.author == ctx.user),
            Err(r) => return r,
        };
        let Some(is) = w.issues.get(&issue) else {
            return not_found_issue();
        };
        let allowed = w.has_perm(ctx.user, is.project, "DELETE_ALL_ATTACHMENTS", Some(is))
            || (own && w.has_perm(ctx.user, is.project, "DELETE_OWN_ATTACHMENTS", Some(is)));
        if !allowed {
            return error_collection(
                StatusCode::FORBIDDEN,
                &["You do not have permission to delete this attachment."],
                &[],
            );
        }
        let d = webhooks::prepare(
            &w,
            &ctx,
            &[Event::attachment(
                "attachment_deleted",
                issue,
                aid,
                ctx.user,
            )],
            &st,
        );
        w.delete_attachments(issue, &[aid], ctx.user, at);
        d
    };
    webhooks::deliver(&st, deliveries);
    no_content()
}

// ------------------------------------------------------------------ issue links

pub(crate) async fn link_create(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
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
        let tref = body.get("type");
        let lt = tref.and_then(|t| {
            let id = t.get("id").and_then(Value::as_str);
            let name = t.get("name").and_then(Value::as_str);
            w.link_types.iter().position(|l| {
                Some(l.id.as_str()) == id || name.is_some_and(|n| l.name.eq_ignore_ascii_case(n))
            })
        });
        let Some(lt) = lt else {
            return error_collection(
                StatusCode::NOT_FOUND,
                &["No issue link type with name or id found."],
                &[],
            );
        };
        let r = |k: &str| {
            body.get(k)
                .and_then(|v| v.get("key").or(v.get("id")))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let (inward, outward) = match (
            visible(&w, &ctx, &r("inwardIssue")),
            visible(&w, &ctx, &r("outwardIssue")),
        ) {
            (Ok(a), Ok(b)) => (a, b),
            _ => {
                return error_collection(
                    StatusCode::NOT_FOUND,
                    &["Issue does not exist or you do not have permission to see it."],
                    &[],
                );
            }
        };
        let Some(src) = w.issues.get(&inward) else {
            return not_found_issue();
        };
        if !w.has_perm(ctx.user, src.project, "LINK_ISSUES", Some(src)) {
            return error_collection(
                StatusCode::BAD_REQUEST,
                &["You do not have the permission to link issues in this project."],
                &[],
            );
        }
        let exists = w
            .links
            .values()
            .any(|l| l.link_type == lt && l.inward == inward && l.outward == outward);
        let mut events = Vec::new();
        if !exists {
            w.next_link_id += 1;
            let lid = w.next_link_id;
            w.links.insert(
                lid,
                IssueLink {
                    id: lid,
                    link_type: lt,
                    inward,
                    outward,
                },
            );
            let t = w.link_types[lt].clone();
            for (me, other, label) in [(inward, outward, &t.outward), (outward, inward, &t.inward)]
            {
                let okey = w.issues.get(&other).map(|i| i.key.clone());
                let cid = w.change_id();
                if let Some(is) = w.issues.get_mut(&me) {
                    is.links.push(lid);
                    is.updated = at;
                    is.changelog.push(ChangeGroup {
                        id: cid,
                        author: ctx.user,
                        created: at,
                        items: vec![ChangeItem {
                            field: "Link".into(),
                            fieldtype: "jira".into(),
                            field_id: "issuelinks".into(),
                            from: None,
                            from_string: None,
                            to: okey.clone(),
                            to_string: Some(format!(
                                "This issue {label} {}",
                                okey.unwrap_or_default()
                            )),
                        }],
                    });
                }
            }
            events.push(Event::link("issuelink_created", lid, ctx.user));
        }
        if let Some(c) = body.get("comment").and_then(|c| c.get("body"))
            && let Ok(doc) = read_rich(&w, &ctx, c, "comment", Some(outward))
        {
            w.next_comment_id += 1;
            let cid = w.next_comment_id;
            if let Some(is) = w.issues.get_mut(&outward) {
                is.comments.push(Comment {
                    id: cid,
                    author: ctx.user,
                    update_author: ctx.user,
                    body: adf::Doc::new(&doc),
                    created: at,
                    updated: at,
                    visibility: None,
                    jsd_public: true,
                });
            }
        }
        webhooks::prepare(&w, &ctx, &events, &st)
    };
    webhooks::deliver(&st, deliveries);
    // Jira answers 201 with an empty body; the link id is only found by reading the issue.
    Response::builder()
        .status(StatusCode::CREATED)
        .body(Body::empty())
        .unwrap_or_default()
}

pub(crate) async fn link_get(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
) -> Response {
    let w = st.world.read();
    let lid: u64 = param(&p, "linkId").parse().unwrap_or(0);
    let Some(l) = w.links.get(&lid) else {
        return error_collection(
            StatusCode::NOT_FOUND,
            &[&format!("No issue link with id '{lid}' exists.")],
            &[],
        );
    };
    let vis = |id| {
        w.issues
            .get(&id)
            .is_some_and(|is| w.can_see_issue(ctx.user, is))
    };
    if !vis(l.inward) || !vis(l.outward) {
        return error_collection(
            StatusCode::NOT_FOUND,
            &[&format!("No issue link with id '{lid}' exists.")],
            &[],
        );
    }
    let mut v = render::issue_link(&w, &ctx, lid, l.outward);
    let out = render::issue_link(&w, &ctx, lid, l.inward);
    if let (Some(o), Some(x)) = (v.as_object_mut(), out.get("outwardIssue")) {
        o.insert("outwardIssue".into(), x.clone());
    }
    ok(v)
}

pub(crate) async fn link_delete(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    Path(p): P,
) -> Response {
    let deliveries = {
        let mut w = st.world.write();
        // Stamped under the lock: writes to one issue get increasing stamps in order.
        let at = st.common.clock.tick();
        let lid: u64 = param(&p, "linkId").parse().unwrap_or(0);
        let Some(l) = w.links.get(&lid).cloned() else {
            return error_collection(
                StatusCode::NOT_FOUND,
                &[&format!("No issue link with id '{lid}' exists.")],
                &[],
            );
        };
        let Some(src) = w.issues.get(&l.inward) else {
            return not_found_issue();
        };
        if !w.can_see_issue(ctx.user, src)
            || !w.has_perm(ctx.user, src.project, "LINK_ISSUES", Some(src))
        {
            return error_collection(
                StatusCode::FORBIDDEN,
                &["You do not have the permission to delete this link."],
                &[],
            );
        }
        let d = webhooks::prepare(
            &w,
            &ctx,
            &[Event::link("issuelink_deleted", lid, ctx.user)],
            &st,
        );
        w.links.remove(&lid);
        for id in [l.inward, l.outward] {
            if let Some(is) = w.issues.get_mut(&id) {
                is.links.retain(|x| *x != lid);
                is.updated = at;
            }
        }
        d
    };
    webhooks::deliver(&st, deliveries);
    no_content()
}
