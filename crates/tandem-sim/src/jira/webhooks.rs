//! Admin webhooks (`/rest/webhooks/1.0/webhook`, Jira administrators only) and their delivery:
//! v2-shaped payloads (Cloud sends them too, sync-semantics.md §6), `X-Hub-Signature:
//! sha256=<hex HMAC of the raw body>` when a secret is set, `X-Atlassian-Webhook-Identifier`
//! stable across retries, `X-Atlassian-Webhook-Retry` on retries, `X-Atlassian-Webhook-Flow`.
//! Retries follow Cloud's classes (408, 409, 425, 429, 5xx, connection errors) with short
//! delays (0.2 s, 0.4 s, 0.8 s) instead of minutes, so tests stay fast.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

use super::jql;
use super::render;
use super::routes_issue::parse_body;
use super::routes_meta::{P, param};
use super::state::{
    Api, Ctx, JiraState, error_collection, json as json_resp, must_authenticate, no_content, ok,
};
use super::world::{IssueId, UserIx, Webhook, World};

/// Something that happened, to be turned into webhook deliveries.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    name: &'static str,
    type_name: &'static str,
    issue: Option<IssueId>,
    user: Option<UserIx>,
    changelog: Option<u64>,
    comment: Option<u64>,
    attachment: Option<u64>,
    link: Option<u64>,
}

impl Event {
    pub(crate) fn issue(
        name: &'static str,
        type_name: &'static str,
        issue: IssueId,
        user: Option<UserIx>,
        changelog: Option<u64>,
    ) -> Event {
        Event {
            name,
            type_name,
            issue: Some(issue),
            user,
            changelog,
            comment: None,
            attachment: None,
            link: None,
        }
    }
    pub(crate) fn comment(
        name: &'static str,
        issue: IssueId,
        comment: u64,
        user: Option<UserIx>,
    ) -> Event {
        Event {
            name,
            type_name: "",
            issue: Some(issue),
            user,
            changelog: None,
            comment: Some(comment),
            attachment: None,
            link: None,
        }
    }
    pub(crate) fn attachment(
        name: &'static str,
        issue: IssueId,
        attachment: u64,
        user: Option<UserIx>,
    ) -> Event {
        Event {
            name,
            type_name: "",
            issue: Some(issue),
            user,
            changelog: None,
            comment: None,
            attachment: Some(attachment),
            link: None,
        }
    }
    pub(crate) fn link(name: &'static str, link: u64, user: Option<UserIx>) -> Event {
        Event {
            name,
            type_name: "",
            issue: None,
            user,
            changelog: None,
            comment: None,
            attachment: None,
            link: Some(link),
        }
    }
    pub(crate) fn with_comment(mut self, comment: u64) -> Event {
        self.comment = Some(comment);
        self
    }
}

/// One HTTP delivery to make.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    webhook: u64,
    url: String,
    body: String,
    secret: Option<String>,
    identifier: String,
    event: &'static str,
}

fn v2(ctx: &Ctx) -> Ctx {
    Ctx {
        api: Api::V2,
        base: ctx.site.clone(),
        user: None,
        site: ctx.site.clone(),
    }
}

fn slim_fields(w: &World, c: &Ctx, id: IssueId, full: bool) -> Value {
    let Some(is) = w.issues.get(&id) else {
        return Value::Null;
    };
    let fields = if full {
        render::select_fields(w, &["*navigable".into(), "-comment".into()], true)
    } else {
        [
            "summary",
            "issuetype",
            "project",
            "assignee",
            "priority",
            "status",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    };
    let mut v = render::issue(w, c, is, &fields, &[], &[]);
    if let Some(o) = v.as_object_mut() {
        o.remove("expand");
    }
    v
}

/// Renders the payloads of `events` for every matching webhook (call with the world locked).
pub(crate) fn prepare(w: &World, ctx: &Ctx, events: &[Event], st: &JiraState) -> Vec<Delivery> {
    if w.webhooks.is_empty() || events.is_empty() {
        return Vec::new();
    }
    let c = v2(ctx);
    let now = st.common.clock.now_ms();
    let mut out = Vec::new();
    for ev in events {
        let hooks: Vec<&Webhook> = w
            .webhooks
            .iter()
            .filter(|h| h.enabled && h.events.iter().any(|e| e == ev.name))
            .collect();
        if hooks.is_empty() {
            continue;
        }
        let mut payload = json!({"timestamp": now, "webhookEvent": ev.name});
        let Some(o) = payload.as_object_mut() else {
            continue;
        };
        if let Some(u) = ev.user {
            o.insert("user".into(), render::user(w, &c, u));
        }
        if let Some(id) = ev.issue {
            let full = ev.name.starts_with("jira:issue");
            o.insert("issue".into(), slim_fields(w, &c, id, full));
            if full {
                o.insert("issue_event_type_name".into(), json!(ev.type_name));
            }
            if let (Some(cid), Some(is)) = (ev.changelog, w.issues.get(&id))
                && let Some(g) = is.changelog.iter().find(|g| g.id == cid)
            {
                let r = render::change_group(w, &c, g);
                o.insert(
                    "changelog".into(),
                    json!({"id": r["id"], "items": r["items"]}),
                );
            }
            if let (Some(cid), Some(is)) = (ev.comment, w.issues.get(&id))
                && let Some(cm) = is.comments.iter().find(|x| x.id == cid)
            {
                o.insert("comment".into(), render::comment(w, &c, is, cm, false));
            }
            if let Some(aid) = ev.attachment
                && let Some(a) = w.attachments.get(&aid)
            {
                o.insert("attachment".into(), render::attachment(w, &c, a));
            }
        }
        if let Some(lid) = ev.link
            && let Some(l) = w.links.get(&lid)
        {
            let t = &w.link_types[l.link_type];
            o.insert("issueLink".into(), json!({"id": l.id, "sourceIssueId": l.inward, "destinationIssueId": l.outward, "issueLinkType": {"id": t.id, "name": t.name, "outwardName": t.outward, "inwardName": t.inward}, "systemLink": false}));
        }
        for h in hooks {
            if let (Some(filter), Some(id)) = (&h.jql, ev.issue)
                && let (Ok(q), Some(is)) = (jql::parse(filter), w.issues.get(&id))
            {
                let cx = jql::Ctx {
                    world: w,
                    user: None,
                    now,
                };
                if !jql::matches(&q, is, &cx) {
                    continue;
                }
            }
            let mut p = payload.clone();
            if let Some(o) = p.as_object_mut() {
                o.insert("matchedWebhookIds".into(), json!([h.id]));
            }
            out.push(Delivery {
                webhook: h.id,
                url: h.url.replace(
                    "${issue.key}",
                    &ev.issue
                        .and_then(|i| w.issues.get(&i))
                        .map(|i| i.key.clone())
                        .unwrap_or_default(),
                ),
                body: p.to_string(),
                secret: h.secret.clone(),
                identifier: uuid::Uuid::new_v4().to_string(),
                event: ev.name,
            });
        }
    }
    out
}

fn signature(secret: &str, body: &str) -> Option<String> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(body.as_bytes());
    let bytes = mac.finalize().into_bytes();
    Some(format!(
        "sha256={}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
}

/// Sends deliveries in the background, retrying retryable failures.
pub(crate) fn deliver(st: &Arc<JiraState>, deliveries: Vec<Delivery>) {
    for d in deliveries {
        let st = st.clone();
        tokio::spawn(async move {
            let mut attempt = 0u32;
            loop {
                let mut req = st
                    .http
                    .post(&d.url)
                    .header("content-type", "application/json; charset=utf-8")
                    .header("user-agent", "Atlassian Webhook HTTP Client")
                    .header("x-atlassian-webhook-identifier", &d.identifier)
                    .header("x-atlassian-webhook-flow", "Primary")
                    .timeout(std::time::Duration::from_secs(10))
                    .body(d.body.clone());
                if attempt > 0 {
                    req = req.header("x-atlassian-webhook-retry", attempt.to_string());
                }
                if let Some(sig) = d.secret.as_deref().and_then(|s| signature(s, &d.body)) {
                    req = req.header("x-hub-signature", sig);
                }
                let result = req.send().await;
                let (status, retry) = match &result {
                    Ok(r) => {
                        let s = r.status().as_u16();
                        (s, matches!(s, 408 | 409 | 425 | 429) || s >= 500)
                    }
                    Err(_) => (0, true),
                };
                st.deliveries.lock().push(json!({
                    "webhook": d.webhook, "event": d.event, "identifier": d.identifier,
                    "attempt": attempt, "status": status, "url": d.url,
                }));
                st.common.stats.bump("jira.webhook_deliveries", 1);
                if !retry || attempt >= 3 {
                    break;
                }
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(200 * (1 << (attempt - 1))))
                    .await;
            }
        });
    }
}

fn hook_json(ctx: &Ctx, h: &Webhook) -> Value {
    json!({
        "self": format!("{}/rest/webhooks/1.0/webhook/{}", ctx.site, h.id),
        "name": h.name,
        "url": h.url,
        "events": h.events,
        "filters": {"issue-related-events-section": h.jql.clone().unwrap_or_default()},
        "excludeBody": false,
        "enabled": h.enabled,
        "lastUpdated": h.created,
    })
}

fn admin_only(w: &World, ctx: &Ctx, headers: &HeaderMap) -> Option<Response> {
    if ctx.user.is_none() {
        return Some(must_authenticate(w, headers, ctx));
    }
    if !w.is_admin(ctx.user) {
        return Some(error_collection(
            StatusCode::FORBIDDEN,
            &["You must be a Jira administrator to manage webhooks."],
            &[],
        ));
    }
    None
}

/// name, url, events, JQL filter, secret.
type HookFields = (String, String, Vec<String>, Option<String>, Option<String>);

fn parse_hook(b: &Value) -> Result<HookFields, Response> {
    let url = b.get("url").and_then(Value::as_str).unwrap_or("");
    if url.parse::<url::Url>().is_err() {
        return Err(error_collection(
            StatusCode::BAD_REQUEST,
            &["The webhook URL is invalid."],
            &[],
        ));
    }
    let events: Vec<String> = b
        .get("events")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let jql = b
        .get("filters")
        .and_then(|f| f.get("issue-related-events-section"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    if let Some(q) = &jql
        && let Err(e) = jql::parse(q)
    {
        return Err(error_collection(
            StatusCode::BAD_REQUEST,
            &[&format!("Error in the JQL Query: {e}")],
            &[],
        ));
    }
    Ok((
        b.get("name")
            .and_then(Value::as_str)
            .unwrap_or("webhook")
            .to_owned(),
        url.to_owned(),
        events,
        jql,
        b.get("secret").and_then(Value::as_str).map(str::to_owned),
    ))
}

pub(crate) async fn list(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
) -> Response {
    let w = st.world.read();
    if let Some(r) = admin_only(&w, &ctx, &headers) {
        return r;
    }
    ok(Value::Array(
        w.webhooks.iter().map(|h| hook_json(&ctx, h)).collect(),
    ))
}

pub(crate) async fn create(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let b = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut w = st.world.write();
    if let Some(r) = admin_only(&w, &ctx, &headers) {
        return r;
    }
    let (name, url, events, jql, secret) = match parse_hook(&b) {
        Ok(x) => x,
        Err(r) => return r,
    };
    w.next_webhook_id += 1;
    let h = Webhook {
        id: w.next_webhook_id,
        name,
        url,
        events,
        jql,
        secret,
        enabled: b.get("enabled").and_then(Value::as_bool).unwrap_or(true),
        created: st.common.clock.now_ms(),
    };
    let v = hook_json(&ctx, &h);
    w.webhooks.push(h);
    json_resp(StatusCode::CREATED, v)
}

pub(crate) async fn get(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    Path(p): P,
) -> Response {
    let w = st.world.read();
    if let Some(r) = admin_only(&w, &ctx, &headers) {
        return r;
    }
    let id: u64 = param(&p, "id").parse().unwrap_or(0);
    match w.webhooks.iter().find(|h| h.id == id) {
        Some(h) => ok(hook_json(&ctx, h)),
        None => error_collection(StatusCode::NOT_FOUND, &["Webhook not found."], &[]),
    }
}

pub(crate) async fn update(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    Path(p): P,
    body: Bytes,
) -> Response {
    let b = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut w = st.world.write();
    if let Some(r) = admin_only(&w, &ctx, &headers) {
        return r;
    }
    let (name, url, events, jql, secret) = match parse_hook(&b) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let id: u64 = param(&p, "id").parse().unwrap_or(0);
    let Some(h) = w.webhooks.iter_mut().find(|h| h.id == id) else {
        return error_collection(StatusCode::NOT_FOUND, &["Webhook not found."], &[]);
    };
    h.name = name;
    h.url = url;
    h.events = events;
    h.jql = jql;
    // An update without a secret keeps the old one (observed, sync-semantics.md §6).
    if secret.is_some() {
        h.secret = secret;
    }
    if let Some(e) = b.get("enabled").and_then(Value::as_bool) {
        h.enabled = e;
    }
    let v = hook_json(&ctx, h);
    ok(v)
}

pub(crate) async fn delete(
    State(st): State<Arc<JiraState>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    Path(p): P,
) -> Response {
    let mut w = st.world.write();
    if let Some(r) = admin_only(&w, &ctx, &headers) {
        return r;
    }
    let id: u64 = param(&p, "id").parse().unwrap_or(0);
    let before = w.webhooks.len();
    w.webhooks.retain(|h| h.id != id);
    if w.webhooks.len() == before {
        return error_collection(StatusCode::NOT_FOUND, &["Webhook not found."], &[]);
    }
    no_content()
}

#[cfg(test)]
mod tests {
    #[test]
    fn signature_is_hex_hmac_sha256() {
        // RFC 4231 test case 2.
        let s = super::signature("Jefe", "what do ya want for nothing?").unwrap();
        assert_eq!(
            s,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
