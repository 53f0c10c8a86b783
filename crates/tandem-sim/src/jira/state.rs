//! Request context, authentication (Cloud and Data Center, exact statuses, bodies and headers
//! from jira-api.md §1), gateway scopes, rate limits, and response helpers.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use parking_lot::{Mutex, RwLock};
use serde_json::{Value, json};

use super::spec::{Flavour, TokenKind};
use super::world::{UserIx, World, fmt_ts};
use crate::common::clock::Millis;
use crate::common::ratelimit::{TokenBucket, WindowCounter};
use crate::common::server::{Actor, SimCommon};

/// Shared state of the Jira half.
#[derive(Debug)]
pub(crate) struct JiraState {
    pub world: RwLock<World>,
    pub common: Arc<SimCommon>,
    pub limits: Mutex<Limits>,
    pub http: reqwest::Client,
    pub deliveries: Mutex<Vec<Value>>,
    /// Numbers `X-AREQUESTID` (not the clock: reads must not push `updated` stamps ahead).
    pub request_seq: std::sync::atomic::AtomicU64,
}

#[derive(Debug, Default)]
pub(crate) struct Limits {
    burst: HashMap<String, TokenBucket>,
    issue: HashMap<u64, (WindowCounter, WindowCounter)>,
}

/// REST version of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    V2,
    V3,
}

/// What the auth layer learned about a request.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub user: Option<UserIx>,
    pub api: Api,
    /// Base URL for `self` links (site or gateway).
    pub base: Arc<str>,
    pub site: Arc<str>,
}

impl Ctx {
    pub(crate) fn rest(&self) -> String {
        format!(
            "{}/rest/api/{}",
            self.base,
            if self.api == Api::V3 { "3" } else { "2" }
        )
    }
}

/// `{"errorMessages":[...],"errors":{...}}`.
pub(crate) fn error_collection(
    status: StatusCode,
    messages: &[&str],
    errors: &[(&str, String)],
) -> Response {
    let errs: serde_json::Map<String, Value> = errors
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::String(v.clone())))
        .collect();
    (
        status,
        axum::Json(json!({"errorMessages": messages, "errors": errs})),
    )
        .into_response()
}

pub(crate) fn not_found_issue() -> Response {
    error_collection(
        StatusCode::NOT_FOUND,
        &["Issue does not exist or you do not have permission to see it."],
        &[],
    )
}

pub(crate) fn json(status: StatusCode, v: Value) -> Response {
    (status, axum::Json(v)).into_response()
}

pub(crate) fn ok(v: Value) -> Response {
    axum::Json(v).into_response()
}

/// Query string as ordered pairs (repeated keys kept).
#[derive(Debug, Default)]
pub(crate) struct Q(pub Vec<(String, String)>);

impl Q {
    pub(crate) fn parse(raw: Option<&str>) -> Q {
        Q(raw
            .map(|r| {
                url::form_urlencoded::parse(r.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default())
    }
    pub(crate) fn get(&self, k: &str) -> Option<&str> {
        self.0.iter().find(|(x, _)| x == k).map(|(_, v)| v.as_str())
    }
    /// All values of `k`, each split on commas.
    pub(crate) fn list(&self, k: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(x, _)| x == k)
            .flat_map(|(_, v)| v.split(',').map(|s| s.trim().to_owned()))
            .filter(|s| !s.is_empty())
            .collect()
    }
    pub(crate) fn num(&self, k: &str) -> Result<Option<i64>, Response> {
        match self.get(k) {
            None | Some("") => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                error_collection(
                    StatusCode::BAD_REQUEST,
                    &[&format!("The '{k}' parameter must be a number.")],
                    &[],
                )
            }),
        }
    }
    pub(crate) fn flag(&self, k: &str) -> bool {
        self.get(k).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

fn unauthenticated_401(headers: &HeaderMap, site: &str) -> Response {
    // Cloud's body follows Accept (jira-api.md §1.2).
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let msg = "Client must be authenticated to access this resource.";
    let mut r = if accept.contains("json") {
        json(
            StatusCode::UNAUTHORIZED,
            json!({"message": msg, "status-code": 401}),
        )
    } else if accept.contains("xml") {
        (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "application/xml")],
            format!("<status><status-code>401</status-code><message>{msg}</message></status>"),
        )
            .into_response()
    } else {
        (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "text/plain;charset=UTF-8")],
            msg,
        )
            .into_response()
    };
    let realm: String = url::form_urlencoded::byte_serialize(site.as_bytes()).collect();
    if let Ok(v) = HeaderValue::from_str(&format!("OAuth realm=\"{realm}\"")) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

/// 401 for an anonymous or rejected caller on an endpoint that needs a user.
pub(crate) fn must_authenticate(w: &World, headers: &HeaderMap, ctx: &Ctx) -> Response {
    match w.flavour {
        Flavour::Cloud => unauthenticated_401(headers, &ctx.site),
        Flavour::Datacenter => error_collection(
            StatusCode::UNAUTHORIZED,
            &["You are not authenticated. Authentication required to perform this operation."],
            &[],
        ),
    }
}

fn dc_basic_failure(reason: &str) -> Response {
    let mut r = (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "text/html;charset=UTF-8")],
        format!(
            "<html><head><title>Unauthorized (401)</title></head><body><h1>Unauthorized (401)</h1><p>Encountered a &quot;401 - Unauthorized&quot; error while loading this page.</p><p>Basic Authentication Failure - Reason : {reason}</p></body></html>"
        ),
    )
        .into_response();
    r.headers_mut().insert(
        "x-seraph-loginreason",
        HeaderValue::from_static("AUTHENTICATED_FAILED"),
    );
    r.headers_mut()
        .insert("x-ausername", HeaderValue::from_static("anonymous"));
    r
}

fn captcha(site: &str) -> Response {
    let mut r = (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/html;charset=UTF-8")],
        "<html><head><title>Forbidden (403)</title></head><body><h1>Forbidden (403)</h1><p>CAPTCHA_CHALLENGE</p><p>Basic Authentication Failure - Reason : AUTHENTICATION_DENIED</p></body></html>",
    )
        .into_response();
    r.headers_mut().insert(
        "x-seraph-loginreason",
        HeaderValue::from_static("AUTHENTICATION_DENIED"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("CAPTCHA_CHALLENGE; login-url={site}/login.jsp"))
    {
        r.headers_mut().insert("x-authentication-denied-reason", v);
    }
    r
}

enum Creds {
    None,
    Basic(String, String),
    Bearer(String),
    Other,
}

fn creds(headers: &HeaderMap) -> Creds {
    let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Creds::None;
    };
    let (scheme, rest) = v.split_once(' ').unwrap_or((v, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        match decoded.as_deref().and_then(|s| s.split_once(':')) {
            Some((u, p)) => Creds::Basic(u.to_owned(), p.to_owned()),
            None => Creds::Other,
        }
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Creds::Bearer(rest.trim().to_owned())
    } else {
        Creds::Other
    }
}

fn token_valid(t: &super::world::Token, now: Millis) -> bool {
    !t.revoked && t.expires.is_none_or(|e| now < e)
}

/// The scope a gateway request needs (classic scope, or any granular scope of that kind).
fn scope_ok(scopes: &[String], method: &http::Method, path: &str) -> bool {
    let user_api = path.contains("/myself") || path.contains("/user");
    let kind = if user_api && method == http::Method::GET {
        ("read:jira-user", "read:", ":user")
    } else if method == http::Method::GET {
        ("read:jira-work", "read:", ":jira")
    } else {
        ("write:jira-work", "write:", ":jira")
    };
    scopes.iter().any(|s| {
        s == kind.0
            || (s.starts_with(kind.1)
                && s.ends_with(":jira")
                && (kind.2 == ":jira" || s.contains("user")))
    })
}

enum Outcome {
    Anonymous,
    User(UserIx),
    Failed,
}

/// The authentication and bookkeeping middleware of every Jira API route.
pub(crate) async fn auth_layer(
    State(st): State<Arc<JiraState>>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let site: Arc<str> = Arc::from(st.common.base_url().unwrap_or(""));
    let (gateway, rest_path) = match path.strip_prefix("/ex/jira/") {
        Some(after) => {
            let (cloud_id, rest) = after.split_once('/').unwrap_or((after, ""));
            (Some(cloud_id.to_owned()), format!("/{rest}"))
        }
        None => (None, path.clone()),
    };
    let api = if rest_path.starts_with("/rest/api/3") {
        Api::V3
    } else {
        Api::V2
    };
    let now = st.common.clock.now_ms();
    let (flavour, cloud_id) = {
        let w = st.world.read();
        (w.flavour, w.cloud_id.clone())
    };
    if let Some(id) = &gateway
        && (flavour == Flavour::Datacenter || *id != cloud_id)
    {
        return json(
            StatusCode::NOT_FOUND,
            json!({"code": 404, "message": "Site not found"}),
        );
    }
    let base: Arc<str> = match &gateway {
        Some(id) => Arc::from(format!("{site}/ex/jira/{id}")),
        None => site.clone(),
    };
    let outcome = match (flavour, creds(req.headers())) {
        (_, Creds::None) => Outcome::Anonymous,
        (_, Creds::Other) => Outcome::Failed,
        (Flavour::Cloud, Creds::Bearer(tok)) => {
            // A classic API token is not a Connect JWT (jira-api.md §1.2).
            if rest_path.ends_with("/serverInfo") {
                return unauthenticated_401(req.headers(), &site);
            }
            let _ = tok;
            return json(
                StatusCode::FORBIDDEN,
                json!({"error": "Failed to parse Connect Session Auth Token"}),
            );
        }
        (Flavour::Cloud, Creds::Basic(email, secret)) => {
            let w = st.world.read();
            let user = w.by_email.get(&email.to_lowercase()).copied();
            match (user, w.tokens.get(&secret)) {
                (Some(u), Some(t))
                    if t.owner == u
                        && t.kind == TokenKind::ApiToken
                        && token_valid(t, now)
                        && w.users[u].active =>
                {
                    if t.scopes.is_empty() {
                        Outcome::User(u)
                    } else if gateway.is_none() {
                        // Scoped tokens only work through api.atlassian.com (CLOUD-12617).
                        return unauthenticated_401(req.headers(), &site);
                    } else if scope_ok(&t.scopes, req.method(), &rest_path) {
                        Outcome::User(u)
                    } else {
                        return json(
                            StatusCode::UNAUTHORIZED,
                            json!({"code": 401, "message": "Unauthorized; scope does not match"}),
                        );
                    }
                }
                _ => Outcome::Failed,
            }
        }
        (Flavour::Datacenter, Creds::Bearer(tok)) => {
            let w = st.world.read();
            match w.tokens.get(&tok) {
                Some(t)
                    if t.kind == TokenKind::Pat
                        && token_valid(t, now)
                        && w.users[t.owner].active =>
                {
                    Outcome::User(t.owner)
                }
                _ => return dc_basic_failure("AUTHENTICATED_FAILED"),
            }
        }
        (Flavour::Datacenter, Creds::Basic(name, password)) => {
            // Read first: the common case (right password, no failures) needs no write lock.
            let fast = {
                let w = st.world.read();
                w.by_name.get(&name.to_lowercase()).copied().filter(|&u| {
                    w.users[u].failed_logins == 0
                        && w.users[u].active
                        && w.users[u].password.as_deref() == Some(password.as_str())
                })
            };
            if let Some(u) = fast {
                return finish(
                    st,
                    req,
                    next,
                    Outcome::User(u),
                    gateway,
                    api,
                    site,
                    base,
                    flavour,
                    now,
                )
                .await;
            }
            let mut w = st.world.write();
            let limit = w.auth.captcha_after_failures;
            let login_url = w.auth.login_url.clone().unwrap_or_else(|| site.to_string());
            match w.by_name.get(&name.to_lowercase()).copied() {
                None => return dc_basic_failure("AUTHENTICATED_FAILED"),
                Some(u) => {
                    if limit > 0 && w.users[u].failed_logins >= limit {
                        return captcha(&login_url);
                    }
                    if w.users[u].password.as_deref() == Some(password.as_str())
                        && w.users[u].active
                    {
                        w.users[u].failed_logins = 0;
                        Outcome::User(u)
                    } else {
                        w.users[u].failed_logins += 1;
                        return dc_basic_failure("AUTHENTICATED_FAILED");
                    }
                }
            }
        }
    };
    finish(
        st, req, next, outcome, gateway, api, site, base, flavour, now,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn finish(
    st: Arc<JiraState>,
    mut req: Request,
    next: Next,
    outcome: Outcome,
    gateway: Option<String>,
    api: Api,
    site: Arc<str>,
    base: Arc<str>,
    flavour: Flavour,
    now: Millis,
) -> Response {
    if gateway.is_some() && !matches!(outcome, Outcome::User(_)) {
        return json(
            StatusCode::UNAUTHORIZED,
            json!({"code": 401, "message": "Unauthorized"}),
        );
    }
    let (user, login_failed) = match outcome {
        Outcome::Anonymous => (None, false),
        Outcome::User(u) => (Some(u), false),
        Outcome::Failed => (None, true),
    };
    if flavour == Flavour::Datacenter && login_failed {
        return dc_basic_failure("AUTHENTICATED_FAILED");
    }
    // Rate limits apply to authenticated and anonymous callers alike.
    if let Some(r) = check_limits(&st, &req, now) {
        return r;
    }
    let ctx = Ctx {
        user,
        api,
        base,
        site,
    };
    req.extensions_mut().insert(ctx);
    let mut resp = next.run(req).await;
    let w = st.world.read();
    let h = resp.headers_mut();
    let reason = if login_failed {
        "AUTHENTICATED_FAILED"
    } else {
        "OK"
    };
    h.insert("x-seraph-loginreason", HeaderValue::from_static(reason));
    let seq = st
        .request_seq
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    h.insert("x-arequestid", HeaderValue::from(seq));
    let actor = match (user, flavour) {
        (Some(u), Flavour::Cloud) => {
            if let Ok(v) = HeaderValue::from_str(&w.users[u].account_id) {
                h.insert("x-aaccountid", v);
            }
            w.users[u].account_id.clone()
        }
        (Some(u), Flavour::Datacenter) => {
            if let Ok(v) = HeaderValue::from_str(&w.users[u].name) {
                h.insert("x-ausername", v);
            }
            w.users[u].name.clone()
        }
        (None, _) => {
            if flavour == Flavour::Datacenter {
                h.insert("x-ausername", HeaderValue::from_static("anonymous"));
            }
            "anonymous".into()
        }
    };
    let cookie = if user.is_some() { "lin" } else { "lout" };
    if let Ok(v) = HeaderValue::from_str(&format!(
        "atlassian.xsrf.token=B7S3-SIM0-0000-0000_{now:x}_{cookie}; Path=/; Secure"
    )) {
        h.append(header::SET_COOKIE, v);
    }
    resp.extensions_mut().insert(Actor(Arc::from(actor)));
    resp
}

fn rate_limited(
    limit: u64,
    window_secs: u64,
    wait_ms: Millis,
    reason: &str,
    now: Millis,
) -> Response {
    let mut r = error_collection(
        StatusCode::TOO_MANY_REQUESTS,
        &["Rate limit exceeded."],
        &[],
    );
    let secs = (wait_ms + 999) / 1000;
    let h = r.headers_mut();
    h.insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
    h.insert("x-ratelimit-limit", HeaderValue::from(limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(0));
    h.insert(
        "x-ratelimit-interval-seconds",
        HeaderValue::from(window_secs),
    );
    if let Ok(ts) = jiff::Timestamp::from_millisecond(now + wait_ms)
        && let Ok(v) = HeaderValue::from_str(&ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
    {
        h.insert("x-ratelimit-reset", v);
    }
    if let Ok(v) = HeaderValue::from_str(reason) {
        h.insert("ratelimit-reason", v);
    }
    r
}

fn check_limits(st: &JiraState, req: &Request, now: Millis) -> Option<Response> {
    let (spec, issue) = {
        let w = st.world.read();
        let path = req.uri().path();
        let issue = if super::super::common::stats::is_write(req.method()) {
            path.split("/issue/")
                .nth(1)
                .map(|r| r.split('/').next().unwrap_or(""))
                .filter(|r| !r.is_empty() && *r != "bulk" && *r != "createmeta")
                .and_then(|r| w.issue_by_ref(r))
        } else {
            None
        };
        (w.rate_limits.clone(), issue)
    };
    let method = req.method().clone();
    let per_sec = match method {
        http::Method::GET => spec.get_per_sec,
        http::Method::POST => spec.post_per_sec,
        http::Method::PUT => spec.put_per_sec,
        http::Method::DELETE => spec.delete_per_sec,
        _ => 0,
    };
    let mut limits = st.limits.lock();
    if per_sec > 0 {
        let route = req
            .extensions()
            .get::<axum::extract::MatchedPath>()
            .map_or_else(|| req.uri().path().to_owned(), |m| m.as_str().to_owned());
        let b = limits
            .burst
            .entry(format!("{method} {route}"))
            .or_insert_with(|| TokenBucket::new(per_sec, f64::from(per_sec), now));
        if let Err(wait) = b.try_take(now) {
            return Some(rate_limited(
                u64::from(per_sec),
                1,
                wait,
                "jira-burst-based",
                now,
            ));
        }
    }
    if let Some(id) = issue
        && spec.issue_writes_short > 0
    {
        let e = limits.issue.entry(id).or_insert_with(|| {
            (
                WindowCounter::new(
                    spec.issue_writes_short as usize,
                    i64::from(spec.issue_short_window_secs) * 1000,
                ),
                WindowCounter::new(
                    spec.issue_writes_long.max(1) as usize,
                    i64::from(spec.issue_long_window_secs) * 1000,
                ),
            )
        });
        for (counter, limit, window) in [
            (
                &mut e.0,
                spec.issue_writes_short,
                spec.issue_short_window_secs,
            ),
            (
                &mut e.1,
                spec.issue_writes_long,
                spec.issue_long_window_secs,
            ),
        ] {
            if limit == 0 {
                continue;
            }
            if let Err(wait) = counter.check(now) {
                return Some(rate_limited(
                    u64::from(limit),
                    u64::from(window),
                    wait,
                    "jira-per-issue-on-write",
                    now,
                ));
            }
        }
        e.0.record(now);
        e.1.record(now);
    }
    None
}

impl JiraState {
    /// Clears rate-limit state (after the limits change).
    pub(crate) fn reset_limits(&self) {
        let mut l = self.limits.lock();
        l.burst.clear();
        l.issue.clear();
    }
}

/// An empty 204.
pub(crate) fn no_content() -> Response {
    Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Body::empty())
        .unwrap_or_default()
}

/// Timestamp in Jira format.
pub(crate) fn ts(ms: Millis) -> Value {
    Value::String(fmt_ts(ms))
}
