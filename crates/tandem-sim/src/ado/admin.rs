//! `/_sim/ado/...`: the Azure DevOps half's own admin routes (behind the admin key, like the
//! common ones).
//!
//! | route | what |
//! |---|---|
//! | `GET /_sim/ado/info` | organisation, deployment, api-versions, projects, counts, the scenario's intended client |
//! | `GET /_sim/ado/rate-limit` | TSTU usage per identity in the current window |
//! | `POST /_sim/ado/rate-limit/reset` | forget all usage (204) |
//! | `GET /_sim/ado/hooks/deliveries` | every service hook delivery attempt |
//! | `POST /_sim/ado/tokens` | add or replace a token: `{"secret","owner","scopes","expires","kind","revoked","all_orgs"}` |
//! | `POST /_sim/ado/tokens/revoke` | `{"secret"}` revokes a token |
//! | `POST /_sim/ado/area-permissions` | `{"project","area","subject","allow":[..],"deny":[..]}` sets a node ACE |

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::common::admin::admin_error;

use super::http::AdoState;
use super::identity::{Scopes, Subject, Token, TokenKind};
use super::spec::AdoSpec;
use super::tree::{Ace, Perms, Structure};

pub fn router(state: Arc<AdoState>, spec: Arc<AdoSpec>) -> Router {
    Router::new()
        .route(
            "/_sim/ado/info",
            get(move |s: State<Arc<AdoState>>| info(s, spec.clone())),
        )
        .route("/_sim/ado/rate-limit", get(rate_limit))
        .route("/_sim/ado/rate-limit/reset", post(rate_limit_reset))
        .route("/_sim/ado/hooks/deliveries", get(deliveries))
        .route("/_sim/ado/tokens", post(add_token))
        .route("/_sim/ado/tokens/revoke", post(revoke_token))
        .route("/_sim/ado/area-permissions", post(area_permission))
        .with_state(state)
}

async fn info(State(s): State<Arc<AdoState>>, spec: Arc<AdoSpec>) -> Json<Value> {
    let w = s.world.read();
    let client = spec.client.as_ref().map(|c| {
        json!({ "user": c.user, "token": c.token, "project": c.project, "area_path": c.area_path })
    });
    Json(json!({
        "organization": w.org.name,
        "deployment": format!("{:?}", w.org.deployment),
        "max_api_version": w.org.versions.max.to_string(),
        "released_api_version": w.org.versions.released.to_string(),
        "url": w.base_url,
        "projects": w.projects.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
        "identities": w.identities.iter().map(|i| i.unique_name.clone()).collect::<Vec<_>>(),
        "work_items": w.items.iter().filter(|i| !i.deleted).count(),
        "subscriptions": w.subscriptions.len(),
        "client": client,
    }))
}

async fn rate_limit(State(s): State<Arc<AdoState>>) -> Json<Value> {
    let w = s.world.read();
    let usage: Vec<Value> = s
        .rate
        .usage(w.clock.now_ms())
        .into_iter()
        .map(|(who, tstu)| json!({ "identity": w.identity(who).unique_name, "tstu": tstu }))
        .collect();
    Json(json!({ "enabled": s.rate.enabled(), "usage": usage }))
}

async fn rate_limit_reset(State(s): State<Arc<AdoState>>) -> StatusCode {
    s.rate.reset();
    StatusCode::NO_CONTENT
}

async fn deliveries(State(s): State<Arc<AdoState>>) -> Response {
    Json(s.hooks.log.lock().clone()).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    secret: String,
    owner: String,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    expires: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    revoked: bool,
    #[serde(default)]
    all_orgs: bool,
}

async fn add_token(State(s): State<Arc<AdoState>>, body: axum::body::Bytes) -> Response {
    let t: NewToken = match serde_json::from_slice(&body) {
        Ok(t) => t,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, &format!("bad token JSON: {e}")),
    };
    let mut w = s.world.write();
    let Some(owner) = w.find_identity(&t.owner) else {
        return admin_error(
            StatusCode::BAD_REQUEST,
            &format!("no identity `{}`", t.owner),
        );
    };
    let kind = match t.kind.as_deref() {
        None | Some("pat") => TokenKind::Pat,
        Some("bearer") => TokenKind::Bearer,
        Some(_) => return admin_error(StatusCode::BAD_REQUEST, "kind must be pat or bearer"),
    };
    let mut scopes = Scopes::default();
    for name in &t.scopes {
        match Scopes::parse(name) {
            Some(x) => scopes = scopes.union(x),
            None => {
                return admin_error(StatusCode::BAD_REQUEST, &format!("unknown scope `{name}`"));
            }
        }
    }
    if t.scopes.is_empty() {
        scopes = Scopes::FULL;
    }
    let now = w.clock.now_ms();
    let valid_to = match &t.expires {
        None => None,
        Some(e) => match super::time::parse_scenario_time(e, now) {
            Some(v) => Some(v),
            None => {
                return admin_error(
                    StatusCode::BAD_REQUEST,
                    "expires: a date or relative like +1d",
                );
            }
        },
    };
    let org = w.org.name.clone();
    // A replaced secret takes the new definition (the store finds the newest entry first).
    w.tokens.insert(
        &t.secret,
        Token {
            kind,
            name: "added through /_sim/ado/tokens".into(),
            owner,
            scopes,
            valid_to,
            revoked: t.revoked,
            all_orgs: t.all_orgs,
            org,
        },
    );
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Revoke {
    secret: String,
}

async fn revoke_token(State(s): State<Arc<AdoState>>, body: axum::body::Bytes) -> Response {
    let r: Revoke = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return admin_error(
                StatusCode::BAD_REQUEST,
                &format!("send {{\"secret\": \"...\"}}: {e}"),
            );
        }
    };
    let mut w = s.world.write();
    match w.tokens.find(&r.secret) {
        Some(i) => {
            w.tokens.tokens[i].revoked = true;
            StatusCode::NO_CONTENT.into_response()
        }
        None => admin_error(StatusCode::NOT_FOUND, "no such token"),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AreaPermission {
    project: String,
    #[serde(default)]
    area: String,
    subject: String,
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    deny: Vec<String>,
}

async fn area_permission(State(s): State<Arc<AdoState>>, body: axum::body::Bytes) -> Response {
    let a: AreaPermission = match serde_json::from_slice(&body) {
        Ok(a) => a,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, &format!("bad JSON: {e}")),
    };
    let mut w = s.world.write();
    let Some(p) = w.find_project(&a.project) else {
        return admin_error(
            StatusCode::BAD_REQUEST,
            &format!("no project `{}`", a.project),
        );
    };
    let name = w.projects[p].name.clone();
    let path = if a.area.is_empty() {
        name
    } else {
        format!("{name}\\{}", a.area.replace('/', "\\"))
    };
    let Some(node) = w.forest.find(Structure::Area, &path) else {
        return admin_error(StatusCode::BAD_REQUEST, &format!("no area `{path}`"));
    };
    let subject = if let Some(g) = a.subject.strip_prefix("group:") {
        match w.find_group(g) {
            Some(g) => Subject::Group(g),
            None => return admin_error(StatusCode::BAD_REQUEST, &format!("no group `{g}`")),
        }
    } else {
        match w.find_identity(&a.subject) {
            Some(i) => Subject::Identity(i),
            None => {
                return admin_error(
                    StatusCode::BAD_REQUEST,
                    &format!("no identity `{}`", a.subject),
                );
            }
        }
    };
    let parse = |list: &[String]| -> Option<Perms> {
        list.iter()
            .try_fold(Perms::NONE, |acc, x| Perms::parse(x).map(|p| acc.union(p)))
    };
    let (Some(allow), Some(deny)) = (parse(&a.allow), parse(&a.deny)) else {
        return admin_error(
            StatusCode::BAD_REQUEST,
            "permissions are \"view\" and \"edit\"",
        );
    };
    let acl = &mut w.forest.node_mut(node).acl;
    acl.retain(|x| x.subject != subject);
    acl.push(Ace {
        subject,
        allow,
        deny,
    });
    StatusCode::NO_CONTENT.into_response()
}

/// The people and credentials of a running simulator, for `tandem sim`.
pub fn summary(state: &AdoState, url: &str, spec: &AdoSpec) -> String {
    let w = state.world.read();
    let mut s = String::new();
    let flavour = match w.org.deployment {
        super::world::Deployment::Services => "Azure DevOps Services",
        super::world::Deployment::Server2022 => "Azure DevOps Server 2022",
        super::world::Deployment::Server2020 => "Azure DevOps Server 2020",
    };
    let _ = writeln!(
        s,
        "{flavour} at {url} (api-version up to {})",
        w.org.versions.max
    );
    for (handle, i) in &spec.identities {
        let creds: Vec<String> = spec
            .tokens
            .iter()
            .filter(|(_, t)| &t.owner == handle)
            .map(|(secret, t)| {
                let mut c = secret.clone();
                if t.kind == "bearer" {
                    c.push_str(" (bearer)");
                } else {
                    c.push_str(&format!(" ({})", t.scopes.join(",")));
                }
                if t.revoked {
                    c.push_str(" (revoked)");
                }
                c
            })
            .collect();
        let _ = writeln!(
            s,
            "  {:<28} {:<18} {}",
            i.email,
            i.display_name,
            if creds.is_empty() {
                "-".to_owned()
            } else {
                creds.join(", ")
            }
        );
    }
    if let Some(c) = &spec.client {
        let _ = writeln!(
            s,
            "  this scenario's client: user {}, project {}{}",
            c.user,
            c.project,
            c.area_path
                .as_ref()
                .map(|a| format!(", area {a}"))
                .unwrap_or_default()
        );
    }
    s
}
