//! The Jira half's admin routes, under `/_sim/jira/` (admin key required, see
//! `common::admin`):
//!
//! | route | what |
//! |---|---|
//! | `GET /_sim/jira/world` | counts, flavour, cloudId, and the scenario's `[jira.client]` |
//! | `POST /_sim/jira/tokens` | `{"secret","owner","expires"?,"scopes"?,"kind"?}` adds a credential |
//! | `POST /_sim/jira/tokens/{secret}/revoke` | revokes it (204) |
//! | `PUT /_sim/jira/rate_limits` | replaces `[jira.rate_limits]` (JSON, same keys) |
//! | `POST /_sim/jira/users/{handle}/failed_logins` | `{"count":N}` sets the DC failed-login counter |
//! | `PUT /_sim/jira/projects/{key}/permissions/{PERMISSION}` | `{"holders":["role:Developers",...]}` |
//! | `POST /_sim/jira/issues/generate` | `{"project":"DEMO","count":N}` seeds N more issues |
//! | `GET /_sim/jira/webhook_deliveries` | every delivery attempt: webhook, event, status, attempt |

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::spec::{RateLimitSpec, TokenKind};
use super::state::JiraState;
use super::world::{Token, parse_when};
use crate::common::admin::admin_error;

pub(crate) fn router(st: Arc<JiraState>) -> Router {
    Router::new()
        .route("/_sim/jira/world", get(world))
        .route("/_sim/jira/tokens", post(token_add))
        .route("/_sim/jira/tokens/{secret}/revoke", post(token_revoke))
        .route("/_sim/jira/rate_limits", put(rate_limits))
        .route(
            "/_sim/jira/users/{handle}/failed_logins",
            post(failed_logins),
        )
        .route(
            "/_sim/jira/projects/{key}/permissions/{perm}",
            put(permission),
        )
        .route("/_sim/jira/issues/generate", post(generate))
        .route("/_sim/jira/webhook_deliveries", get(deliveries))
        .with_state(st)
}

async fn world(State(st): State<Arc<JiraState>>) -> Json<Value> {
    let w = st.world.read();
    Json(json!({
        "flavour": format!("{:?}", w.flavour).to_lowercase(),
        "cloud_id": w.cloud_id,
        "users": w.users.len(),
        "projects": w.projects.iter().map(|p| p.key.clone()).collect::<Vec<_>>(),
        "issues": w.issues.len(),
        "attachments": w.attachments.len(),
        "webhooks": w.webhooks.len(),
        // Token records as an operator would keep them (never the secrets of real systems:
        // these are the scenario's published demo credentials).
        "tokens": w.tokens.iter().map(|(secret, t)| json!({
            "secret": secret,
            "owner": w.users[t.owner].handle,
            "kind": if t.kind == TokenKind::Pat { "pat" } else { "api-token" },
            "label": t.label,
            "created_ms": t.created,
            "expires_ms": t.expires,
            "revoked": t.revoked,
            "scopes": t.scopes,
        })).collect::<Vec<_>>(),
        "client": w.client,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    secret: String,
    owner: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    expires: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    label: String,
}

fn body<T: serde::de::DeserializeOwned>(b: &Bytes) -> Result<T, Response> {
    serde_json::from_slice(b)
        .map_err(|e| admin_error(StatusCode::BAD_REQUEST, &format!("bad JSON: {e}")))
}

async fn token_add(State(st): State<Arc<JiraState>>, b: Bytes) -> Response {
    let t: NewToken = match body(&b) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let now = st.common.clock.now_ms();
    let mut w = st.world.write();
    let Some(&owner) = w.by_handle.get(&t.owner) else {
        return admin_error(StatusCode::BAD_REQUEST, &format!("no user `{}`", t.owner));
    };
    let expires = match t.expires.as_deref().map(|e| parse_when(e, now)) {
        None => None,
        Some(Some(e)) => Some(e),
        Some(None) => {
            return admin_error(
                StatusCode::BAD_REQUEST,
                "expires: use a date or a relative time like +30d",
            );
        }
    };
    let kind = match t.kind.as_deref() {
        None | Some("api-token") => TokenKind::ApiToken,
        Some("pat") => TokenKind::Pat,
        Some(k) => {
            return admin_error(
                StatusCode::BAD_REQUEST,
                &format!("kind `{k}`: use api-token or pat"),
            );
        }
    };
    w.tokens.insert(
        t.secret,
        Token {
            owner,
            kind,
            label: t.label,
            created: now,
            expires,
            revoked: false,
            scopes: t.scopes,
        },
    );
    StatusCode::CREATED.into_response()
}

async fn token_revoke(State(st): State<Arc<JiraState>>, Path(secret): Path<String>) -> Response {
    let mut w = st.world.write();
    match w.tokens.get_mut(&secret) {
        Some(t) => {
            t.revoked = true;
            StatusCode::NO_CONTENT.into_response()
        }
        None => admin_error(StatusCode::NOT_FOUND, "no such token"),
    }
}

async fn rate_limits(State(st): State<Arc<JiraState>>, b: Bytes) -> Response {
    let spec: RateLimitSpec = match body(&b) {
        Ok(s) => s,
        Err(r) => return r,
    };
    st.world.write().rate_limits = spec.clone();
    st.reset_limits();
    Json(spec).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Count {
    count: u32,
}

async fn failed_logins(
    State(st): State<Arc<JiraState>>,
    Path(handle): Path<String>,
    b: Bytes,
) -> Response {
    let c: Count = match body(&b) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut w = st.world.write();
    let Some(&u) = w.by_handle.get(&handle) else {
        return admin_error(StatusCode::NOT_FOUND, "no such user");
    };
    w.users[u].failed_logins = c.count;
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Holders {
    holders: Vec<String>,
}

async fn permission(
    State(st): State<Arc<JiraState>>,
    Path((key, perm)): Path<(String, String)>,
    b: Bytes,
) -> Response {
    let h: Holders = match body(&b) {
        Ok(h) => h,
        Err(r) => return r,
    };
    if !super::perms::is_known(&perm) {
        return admin_error(
            StatusCode::BAD_REQUEST,
            &format!("unknown permission `{perm}`"),
        );
    }
    let mut w = st.world.write();
    let Some(&p) = w.project_by_key.get(&key) else {
        return admin_error(StatusCode::NOT_FOUND, "no such project");
    };
    let mut holders = Vec::new();
    for s in &h.holders {
        match super::world::parse_holder(s, &w.by_handle) {
            Ok(x) => holders.push(x),
            Err(e) => return admin_error(StatusCode::BAD_REQUEST, &e),
        }
    }
    w.projects[p].scheme.insert(perm, holders);
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Generate {
    project: String,
    count: u32,
    #[serde(default)]
    seed: u64,
}

async fn generate(State(st): State<Arc<JiraState>>, b: Bytes) -> Response {
    let g: Generate = match body(&b) {
        Ok(g) => g,
        Err(r) => return r,
    };
    let mut w = st.world.write();
    let Some(&p) = w.project_by_key.get(&g.project) else {
        return admin_error(StatusCode::NOT_FOUND, "no such project");
    };
    w.generate(p, g.count, g.seed, 0);
    Json(json!({"issues": w.issues.len()})).into_response()
}

async fn deliveries(State(st): State<Arc<JiraState>>) -> Json<Value> {
    Json(Value::Array(st.deliveries.lock().clone()))
}
