//! The `/_sim/` admin API every half serves beside its product API. It is for tests, scripts
//! and operators rehearsing failures, never for the product's clients: every route except
//! `GET /_sim/health` and `GET /_sim/ca.pem` needs the header `X-Tandem-Sim-Key: <admin key>`
//! (printed by `tandem sim`, exposed by the handle). User credentials are refused there.
//!
//! | route | what |
//! |---|---|
//! | `GET /_sim/health` | `{"ok":true,"kind":"jira"}` (no key needed) |
//! | `GET /_sim/ca.pem` | the CA certificate when TLS is on, else 404 (no key needed) |
//! | `GET /_sim/info` | kind, scenario, description, url, tls, ca_pem_path |
//! | `GET /_sim/stats` | `{"total","writes","by_route","by_status","counters"}` |
//! | `POST /_sim/stats/reset` | zeroes the stats (204) |
//! | `GET /_sim/requests?limit=N` | the newest N (default 100) request-log entries |
//! | `DELETE /_sim/requests` | empties the log (204) |
//! | `GET /_sim/faults` | current faults |
//! | `PUT /_sim/faults` | replaces them (JSON, same keys as the scenario's `faults` table) |
//! | `PATCH /_sim/faults` | changes only the keys given |
//! | `DELETE /_sim/faults` | no faults (204) |
//! | `GET /_sim/clock` | `{"now_ms","offset_ms"}` |
//! | `POST /_sim/clock/advance` | `{"seconds":N}` moves simulated time forward |
//!
//! Each half adds its own routes under `/_sim/<kind>/...`.

use std::sync::Arc;

use axum::extract::{Query, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::{StatusCode, header};
use serde::Deserialize;
use serde_json::{Value, json};

use super::faults::Faults;
use super::server::{ADMIN_KEY_HEADER, SimCommon};

/// The common admin routes.
pub(crate) fn router(common: Arc<SimCommon>) -> Router {
    Router::new()
        .route("/_sim/health", get(health))
        .route("/_sim/ca.pem", get(ca_pem))
        .route("/_sim/info", get(info))
        .route("/_sim/stats", get(stats))
        .route("/_sim/stats/reset", post(stats_reset))
        .route("/_sim/requests", get(requests).delete(requests_clear))
        .route(
            "/_sim/faults",
            get(faults_get)
                .put(faults_put)
                .patch(faults_patch)
                .delete(faults_clear),
        )
        .route("/_sim/clock", get(clock))
        .route("/_sim/clock/advance", post(clock_advance))
        .with_state(common)
}

/// Puts the admin-key check in front of every admin route but the public two.
pub(crate) fn protect(admin: Router, common: Arc<SimCommon>) -> Router {
    admin
        .layer(axum::middleware::from_fn_with_state(common, require_key))
        .fallback(|| async {
            admin_error(
                StatusCode::NOT_FOUND,
                "no such admin route; see GET /_sim/info and the tandem-sim crate docs",
            )
        })
}

/// A JSON error from the admin API.
pub fn admin_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

async fn require_key(State(common): State<Arc<SimCommon>>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path == "/_sim/health" || path == "/_sim/ca.pem" {
        return next.run(req).await;
    }
    match req.headers().get(ADMIN_KEY_HEADER) {
        Some(v) if constant_time_eq(v.as_bytes(), common.admin_key().as_bytes()) => {
            next.run(req).await
        }
        Some(_) => admin_error(
            StatusCode::FORBIDDEN,
            "wrong simulator admin key in X-Tandem-Sim-Key",
        ),
        None if req.headers().contains_key(header::AUTHORIZATION) => admin_error(
            StatusCode::FORBIDDEN,
            "the simulator's admin API does not accept user credentials; send the admin key printed by `tandem sim` in X-Tandem-Sim-Key",
        ),
        None => admin_error(
            StatusCode::UNAUTHORIZED,
            "the simulator's admin API needs the admin key printed by `tandem sim` in X-Tandem-Sim-Key",
        ),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn health(State(c): State<Arc<SimCommon>>) -> Json<Value> {
    Json(json!({ "ok": true, "kind": c.kind }))
}

async fn ca_pem(State(c): State<Arc<SimCommon>>) -> Response {
    match c.ca_pem() {
        Some(pem) => (
            [(header::CONTENT_TYPE, "application/x-pem-file")],
            pem.to_owned(),
        )
            .into_response(),
        None => admin_error(StatusCode::NOT_FOUND, "TLS is off for this simulator"),
    }
}

async fn info(State(c): State<Arc<SimCommon>>) -> Json<Value> {
    Json(json!({
        "kind": c.kind,
        "scenario": c.scenario,
        "description": c.description,
        "url": c.base_url(),
        "tls": c.ca_pem().is_some(),
        "ca_pem_path": c.ca_pem_path(),
    }))
}

async fn stats(State(c): State<Arc<SimCommon>>) -> Response {
    Json(c.stats.snapshot()).into_response()
}

async fn stats_reset(State(c): State<Arc<SimCommon>>) -> StatusCode {
    c.stats.reset();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct Limit {
    limit: Option<usize>,
}

async fn requests(State(c): State<Arc<SimCommon>>, Query(q): Query<Limit>) -> Response {
    Json(c.log.tail(q.limit.unwrap_or(100))).into_response()
}

async fn requests_clear(State(c): State<Arc<SimCommon>>) -> StatusCode {
    c.log.clear();
    StatusCode::NO_CONTENT
}

async fn faults_get(State(c): State<Arc<SimCommon>>) -> Response {
    Json(c.faults().as_ref().clone()).into_response()
}

fn set_validated(c: &SimCommon, faults: Faults) -> Response {
    if let Err((key, problem)) = faults.validate() {
        return admin_error(StatusCode::BAD_REQUEST, &format!("{key}: {problem}"));
    }
    c.set_faults(faults.clone());
    Json(faults).into_response()
}

async fn faults_put(State(c): State<Arc<SimCommon>>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<Faults>(&body) {
        Ok(f) => set_validated(&c, f),
        Err(e) => admin_error(StatusCode::BAD_REQUEST, &format!("bad faults JSON: {e}")),
    }
}

async fn faults_patch(State(c): State<Arc<SimCommon>>, body: axum::body::Bytes) -> Response {
    let patch: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, &format!("bad JSON: {e}")),
    };
    match c.patch_faults(patch) {
        Ok(f) => Json(f).into_response(),
        Err(problem) => admin_error(StatusCode::BAD_REQUEST, &problem),
    }
}

async fn faults_clear(State(c): State<Arc<SimCommon>>) -> StatusCode {
    c.set_faults(Faults::default());
    StatusCode::NO_CONTENT
}

async fn clock(State(c): State<Arc<SimCommon>>) -> Json<Value> {
    Json(json!({ "now_ms": c.clock.now_ms(), "offset_ms": c.clock.offset_ms() }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: i64,
}

async fn clock_advance(State(c): State<Arc<SimCommon>>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<Advance>(&body) {
        Ok(a) if a.seconds >= 0 => {
            c.clock.advance(a.seconds.saturating_mul(1000));
            Json(json!({ "now_ms": c.clock.now_ms(), "offset_ms": c.clock.offset_ms() }))
                .into_response()
        }
        Ok(_) => admin_error(
            StatusCode::BAD_REQUEST,
            "time only moves forward: seconds >= 0",
        ),
        Err(e) => admin_error(
            StatusCode::BAD_REQUEST,
            &format!("send {{\"seconds\": N}}: {e}"),
        ),
    }
}
