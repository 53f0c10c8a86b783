//! The HTTP face of the Azure DevOps half: routes, the common preamble every call goes
//! through (organisation, authentication, api-version, rate limit, scope), and the handlers
//! that map requests onto the world.
//!
//! URLs are case-insensitive on the real service (`workItems` and `workitems` both work);
//! a normalizing wrapper lowercases the fixed segments before routing.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, on};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use parking_lot::RwLock;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::server::{Actor, SimCommon};

use super::auth::{self, Credentials, Principal};
use super::comments;
use super::error::{AdoError, ErrorBody, SIGN_IN_PAGE};
use super::hooks::{self, Dispatcher, Outgoing};
use super::identity::{IdentityIdx, Scopes};
use super::render::{self, Expand, ItemOptions};
use super::resources::{self as res, Resource};
use super::tree::{Perms, Structure};
use super::tstu::{Cost, RateLimiter};
use super::version::{self, Negotiated, RequestedVersion};
use super::wiql;
use super::workitem::{CommentFormat, WorkItem};
use super::world::{Attachment, Subscription, World};
use super::write::{self, PatchOp, Target, WriteOptions};

/// Everything the handlers share.
#[derive(Debug)]
pub struct AdoState {
    pub world: RwLock<World>,
    pub common: Arc<SimCommon>,
    pub rate: RateLimiter,
    pub hooks: Dispatcher,
    pub process_id: Uuid,
}

/// A request, taken apart once. Its `Debug` leaves out headers and body (credentials).
pub struct Req {
    pub method: Method,
    pub headers: HeaderMap,
    /// Query parameters with lower-cased names (the service ignores their case).
    pub query: HashMap<String, String>,
    pub params: HashMap<String, String>,
    pub body: Bytes,
}

impl Req {
    fn q(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    fn p(&self, name: &str) -> &str {
        self.params.get(name).map_or("", String::as_str)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn flag(&self, name: &str) -> bool {
        self.q(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

impl std::fmt::Debug for Req {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Req")
            .field("method", &self.method)
            .field("params", &self.params)
            .field("query", &self.query.keys().collect::<Vec<_>>())
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl<S: Send + Sync> FromRequest<S> for Req {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let params = Path::<HashMap<String, String>>::from_request_parts(&mut parts, state)
            .await
            .map(|p| p.0)
            .unwrap_or_default();
        let query = parts
            .uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        // Attachments go up to 60 MB on the service; allow a little more than that.
        let body = axum::body::to_bytes(body, 64 * 1024 * 1024)
            .await
            .map_err(|e| (StatusCode::PAYLOAD_TOO_LARGE, e.to_string()).into_response())?;
        Ok(Req {
            method: parts.method,
            headers: parts.headers,
            query,
            params,
            body,
        })
    }
}

/// A call that passed the preamble.
#[derive(Debug)]
pub struct Call {
    pub p: Principal,
    pub version: Negotiated,
    headers: Vec<(&'static str, String)>,
    delay_ms: u64,
    actor: Arc<str>,
}

/// A successful answer.
#[derive(Debug)]
pub enum Reply {
    Json(StatusCode, Value),
    Bytes(StatusCode, &'static str, Bytes, Vec<(&'static str, String)>),
    Empty(StatusCode),
}

type Outcome = Result<Reply, AdoError>;

impl AdoState {
    /// Organisation, authentication, api-version, rate limit and scope, in the order the
    /// service applies them.
    fn preamble(
        &self,
        r: &Req,
        resource: Option<&Resource>,
        scope: Option<Scopes>,
        cost: Cost,
    ) -> Result<Call, AdoError> {
        let world = self.world.read();
        let org = r.p("org");
        if !org.eq_ignore_ascii_case(&world.org.name) {
            return Err(AdoError::not_found(format!(
                "VS800075: The organization or collection '{org}' does not exist on this server, or you do not have access to it."
            )));
        }
        let creds = Credentials {
            authorization: r.header("authorization"),
            suppress_redirect: r
                .header("x-tfs-fedauthredirect")
                .is_some_and(|v| v.eq_ignore_ascii_case("suppress")),
            method: r.method.as_str(),
        };
        let now = world.clock.now_ms();
        let p = auth::authenticate(&world, &creds, now)?;
        let requested = RequestedVersion {
            query: r.q("api-version"),
            accept: r.header("accept"),
        };
        // OPTIONS (resource discovery) is not versioned.
        let version = match resource {
            Some(res) => version::negotiate(
                r.method.as_str(),
                requested,
                world.org.versions,
                res.versions(world.org.versions),
            )?,
            None => Negotiated {
                version: world.org.versions.released,
                resource_version: 1,
            },
        };
        let decision = self.rate.check(p.who, cost, now)?;
        if let Some(scope) = scope {
            auth::require(&world, &p, scope)?;
        }
        let identity = world.identity(p.who);
        let mut headers = decision.headers;
        if r.headers.contains_key("x-vss-userdata") {
            headers.push((
                "X-VSS-UserData",
                format!("{}:{}", identity.id, identity.unique_name),
            ));
        }
        Ok(Call {
            p,
            version,
            headers,
            delay_ms: decision.delay_ms,
            actor: Arc::from(identity.unique_name.as_str()),
        })
    }

    async fn serve(
        self: &Arc<Self>,
        r: Req,
        resource: Option<&Resource>,
        scope: Option<Scopes>,
        cost: Cost,
        handler: impl FnOnce(&Arc<AdoState>, &Call, &Req) -> Outcome,
    ) -> Response {
        let call = match self.preamble(&r, resource, scope, cost) {
            Ok(c) => c,
            Err(e) => return self.error_response(&r, &e, None),
        };
        let outcome = handler(self, &call, &r);
        if call.delay_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(call.delay_ms)).await;
        }
        let mut resp = match outcome {
            Ok(reply) => self.reply(&r, &call, reply),
            Err(e) => self.error_response(&r, &e, Some(&call)),
        };
        resp.extensions_mut().insert(Actor(call.actor.clone()));
        resp
    }

    /// A random id for response correlation headers (no system call per request).
    fn request_id(&self) -> Uuid {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.common.rng.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.common.rng.next_u64().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    fn common_headers(&self, r: &Req, resp: &mut Response) {
        let h = resp.headers_mut();
        let activity = self.request_id().to_string();
        let session = r
            .header("x-tfs-session")
            .map_or_else(|| self.request_id().to_string(), str::to_owned);
        for (k, v) in [
            ("ActivityId", activity.clone()),
            ("X-TFS-Session", session),
            ("X-VSS-E2EID", activity),
            ("X-TFS-ProcessId", self.process_id.to_string()),
            ("X-Content-Type-Options", "nosniff".to_owned()),
            ("Cache-Control", "no-cache".to_owned()),
        ] {
            if let Ok(v) = HeaderValue::from_str(&v) {
                h.insert(k, v);
            }
        }
    }

    fn reply(&self, r: &Req, call: &Call, reply: Reply) -> Response {
        let version = call.version.version.to_string();
        let mut resp = match reply {
            Reply::Json(status, body) => {
                let mut resp = (status, body.to_string()).into_response();
                if let Ok(v) = HeaderValue::from_str(&format!(
                    "application/json; charset=utf-8; api-version={version}"
                )) {
                    resp.headers_mut().insert(header::CONTENT_TYPE, v);
                }
                resp
            }
            Reply::Bytes(status, content_type, bytes, extra) => {
                let mut resp = (status, bytes).into_response();
                resp.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
                for (k, v) in extra {
                    if let Ok(v) = HeaderValue::from_str(&v) {
                        resp.headers_mut().insert(k, v);
                    }
                }
                resp
            }
            Reply::Empty(status) => status.into_response(),
        };
        for (k, v) in &call.headers {
            if let Ok(v) = HeaderValue::from_str(v) {
                resp.headers_mut().insert(*k, v);
            }
        }
        self.common_headers(r, &mut resp);
        resp
    }

    fn error_response(&self, r: &Req, e: &AdoError, call: Option<&Call>) -> Response {
        let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = match e.body {
            ErrorBody::Wrapped => {
                let mut resp = (status, e.to_json().to_string()).into_response();
                resp.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json; charset=utf-8"),
                );
                resp
            }
            ErrorBody::Empty => {
                let mut resp = status.into_response();
                resp.headers_mut()
                    .insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
                resp
            }
            ErrorBody::SignInPage => {
                let mut resp = (status, SIGN_IN_PAGE).into_response();
                resp.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                );
                resp
            }
            ErrorBody::SignInRedirect => {
                let target = format!(
                    "https://spsprodweu5.vssps.visualstudio.com/_signin?realm=dev.azure.com&reply_to={}",
                    super::error::url_encode(&format!("{}{}", self.world.read().base_url, "/"))
                );
                let mut resp = (status, format!("<html><head><title>Object moved</title></head><body><h2>Object moved to <a href=\"{target}\">here</a>.</h2></body></html>")).into_response();
                if let Ok(v) = HeaderValue::from_str(&target) {
                    resp.headers_mut().insert(header::LOCATION, v);
                }
                resp.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                );
                resp
            }
        };
        for (k, v) in &e.headers {
            if let Ok(v) = HeaderValue::from_str(v) {
                resp.headers_mut().append(*k, v);
            }
        }
        if let Some(call) = call {
            for (k, v) in &call.headers {
                if let Ok(v) = HeaderValue::from_str(v) {
                    resp.headers_mut().insert(*k, v);
                }
            }
        }
        self.common_headers(r, &mut resp);
        resp
    }

    /// Deliver the events a write caused.
    fn notify(
        &self,
        world: &World,
        event_type: &str,
        ids: &[i32],
        actor: IdentityIdx,
        changed: &[String],
    ) {
        if world.subscriptions.is_empty() {
            return;
        }
        let now = world.clock.now_ms();
        for id in ids {
            let Some(item) = world.item(i64::from(*id)) else {
                continue;
            };
            for s in &world.subscriptions {
                if hooks::matches(world, s, event_type, item, changed) {
                    let n = self.hooks.next_notification_id();
                    let payload = hooks::payload(world, s, n, event_type, item, actor, now);
                    self.hooks.send(Outgoing {
                        subscription: s.clone(),
                        payload,
                    });
                }
            }
        }
    }

    /// Apply subscription status changes reported by the delivery workers.
    fn apply_hook_status(&self) {
        let changes: Vec<(Uuid, &'static str)> =
            std::mem::take(&mut *self.hooks.status_changes.lock());
        if changes.is_empty() {
            return;
        }
        let mut world = self.world.write();
        for (id, status) in changes {
            if let Some(s) = world.subscriptions.iter_mut().find(|s| s.id == id) {
                s.status = status.to_owned();
            }
        }
    }
}

// ---------------------------------------------------------------- helpers

/// The project of the URL, if the caller can see it (invisible projects do not exist).
fn project(world: &World, who: IdentityIdx, name: &str) -> Result<usize, AdoError> {
    world
        .find_project(name)
        .filter(|p| world.role(who, *p).is_some())
        .ok_or_else(|| AdoError::project_not_found(name))
}

/// A work item type of the project's process, by name, or the service's 404.
pub(super) fn work_item_type(world: &World, p: usize, name: &str) -> Result<usize, AdoError> {
    world
        .process_of(p)
        .find_type(name)
        .ok_or_else(|| AdoError::work_item_type_not_found(name))
}

fn parse_id(text: &str) -> Result<i64, AdoError> {
    text.trim().parse::<i64>().map_err(|_| {
        AdoError::argument(format!("VS402334: The work item id '{text}' is not valid."))
    })
}

fn expand_param(r: &Req) -> Result<Expand, AdoError> {
    match r.q("$expand") {
        None => Ok(Expand::None),
        Some(e) => Expand::parse(e).ok_or_else(|| {
            AdoError::argument(format!(
                "The value '{e}' is not valid for $expand. Valid values: None, Relations, Fields, Links, All."
            ))
        }),
    }
}

fn fields_param(world: &World, list: &[String]) -> Result<Option<Vec<u16>>, AdoError> {
    if list.is_empty() {
        return Ok(None);
    }
    list.iter()
        .map(|f| {
            world
                .fields
                .find(f.trim())
                .ok_or_else(|| AdoError::field_not_found(f.trim()))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn as_of_param(text: Option<&str>) -> Result<Option<i64>, AdoError> {
    match text {
        None => Ok(None),
        Some(t) => super::time::parse_datetime(t).map(Some).ok_or_else(|| {
            AdoError::argument(format!("The value '{t}' is not a valid date for asOf."))
        }),
    }
}

fn json_body<T: serde::de::DeserializeOwned>(r: &Req, what: &str) -> Result<T, AdoError> {
    if r.body.is_empty() {
        return Err(AdoError::argument_null(what));
    }
    serde_json::from_slice(&r.body).map_err(|e| {
        AdoError::argument(format!(
            "The request body for {what} is not valid JSON: {e}"
        ))
    })
}

/// Read one item for `who`: missing and unreadable look the same (TF401232).
fn readable(world: &World, who: IdentityIdx, id: i64) -> Result<&WorkItem, AdoError> {
    world
        .item(id)
        .filter(|w| world.can_read(who, w))
        .ok_or_else(|| AdoError::work_item_not_found(id))
}

/// Items read through a project URL must belong to it... the service answers for any item of
/// the organisation the caller can read, so no project filter is applied here.
fn render_items(
    world: &World,
    ids: &[i64],
    who: IdentityIdx,
    omit: bool,
    opts: &ItemOptions,
    as_of: Option<i64>,
) -> Outcome {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let item = match readable(world, who, *id) {
            Ok(i) => i,
            Err(_) if omit => {
                out.push(Value::Null);
                continue;
            }
            Err(e) => return Err(e),
        };
        match as_of {
            Some(t) => match item.snapshot_as_of(t) {
                Some(s) => out.push(render::work_item(world, item, Some(&s), opts)),
                None if omit => out.push(Value::Null),
                None => return Err(AdoError::work_item_not_found(*id)),
            },
            None => out.push(render::work_item(world, item, None, opts)),
        }
    }
    Ok(Reply::Json(StatusCode::OK, render::collection(&out)))
}

// ---------------------------------------------------------------- handlers

async fn options_apis(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(r, None, None, Cost::Read, |s, _c, _r| {
        let world = s.world.read();
        let server = world.org.versions;
        let locations: Vec<Value> = res::ALL
            .iter()
            .map(|loc| {
                let rv = loc.versions(server);
                let released = match loc.released {
                    Some(_) => server.released.to_string(),
                    None => "0.0".to_owned(),
                };
                json!({
                    "id": loc.id,
                    "area": loc.area,
                    "resourceName": loc.name,
                    "routeTemplate": loc.route,
                    "resourceVersion": rv.resource_version,
                    "minVersion": loc.min.to_string(),
                    "maxVersion": server.max.to_string(),
                    "releasedVersion": released,
                })
            })
            .collect();
        Ok(Reply::Json(StatusCode::OK, render::collection(&locations)))
    })
    .await
}

async fn resource_areas(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(r, Some(&res::RESOURCE_AREAS), None, Cost::Read, |s, _c, _r| {
        let world = s.world.read();
        let areas: Vec<Value> = if world.org.deployment.is_hosted() {
            res::AREAS
                .iter()
                .map(|(id, name)| json!({ "id": id, "name": name, "locationUrl": format!("{}/", world.base_url) }))
                .collect()
        } else {
            // On-premises servers answer an empty list (clients then use the collection URL).
            Vec::new()
        };
        Ok(Reply::Json(StatusCode::OK, render::collection(&areas)))
    })
    .await
}

async fn connection_data(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(r, Some(&res::CONNECTION_DATA), None, Cost::Read, |s, c, _r| {
        let world = s.world.read();
        let i = world.identity(c.p.who);
        let identity = json!({
            "id": i.id.to_string(),
            "descriptor": i.descriptor,
            "subjectDescriptor": i.subject_descriptor,
            "providerDisplayName": i.display_name,
            "isActive": i.active,
            "members": [],
            "memberOf": [],
            "properties": { "Account": { "$type": "System.String", "$value": i.unique_name } },
            "resourceVersion": 2,
            "metaTypeId": 0,
        });
        Ok(Reply::Json(
            StatusCode::OK,
            json!({
                "authenticatedUser": identity,
                "authorizedUser": identity,
                "instanceId": world.org.id.to_string(),
                "deploymentId": super::identity::stable_uuid("deployment", &world.org.name).to_string(),
                "deploymentType": if world.org.deployment.is_hosted() { "hosted" } else { "onPremises" },
                "locationServiceData": {
                    "serviceOwner": "00025394-6065-48ca-87d9-7f5672854ef7",
                    "defaultAccessMappingMoniker": "PublicAccessMapping",
                    "lastChangeId": 1,
                    "lastChangeId64": 1,
                },
            }),
        ))
    })
    .await
}

fn project_json(world: &World, p: usize) -> Value {
    let proj = &world.projects[p];
    json!({
        "id": proj.id.to_string(),
        "name": proj.name,
        "description": proj.description,
        "url": format!("{}/_apis/projects/{}", world.base_url, proj.id),
        "state": "wellFormed",
        "revision": 1,
        "visibility": "private",
        "lastUpdateTime": "2026-01-01T00:00:00Z",
        "defaultTeam": { "id": proj.team_id.to_string(), "name": proj.team_name, "url": format!("{}/_apis/projects/{}/teams/{}", world.base_url, proj.id, proj.team_id) },
    })
}

async fn projects(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(r, Some(&res::PROJECTS), None, Cost::Read, |s, c, r| {
        let world = s.world.read();
        let name = r.p("project");
        if name.is_empty() {
            let list: Vec<Value> = (0..world.projects.len())
                .filter(|p| world.role(c.p.who, *p).is_some())
                .map(|p| project_json(&world, p))
                .collect();
            return Ok(Reply::Json(StatusCode::OK, render::collection(&list)));
        }
        let p = project(&world, c.p.who, name)?;
        Ok(Reply::Json(StatusCode::OK, project_json(&world, p)))
    })
    .await
}

async fn fields_list(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(
        r,
        Some(&res::FIELDS),
        Some(Scopes::WORK),
        Cost::Read,
        |s, c, r| {
            let world = s.world.read();
            let p = match r.params.get("project") {
                Some(name) => Some(project(&world, c.p.who, name)?),
                None => None,
            };
            let field = r.p("field");
            if !field.is_empty() {
                let f = world
                    .fields
                    .find(field)
                    .ok_or_else(|| AdoError::field_not_found(field))?;
                return Ok(Reply::Json(StatusCode::OK, render::field_def(&world, f, p)));
            }
            let list: Vec<Value> = (0..world.fields.defs.len())
                .filter_map(|i| u16::try_from(i).ok())
                .map(|f| render::field_def(&world, f, p))
                .collect();
            Ok(Reply::Json(StatusCode::OK, render::collection(&list)))
        },
    )
    .await
}

async fn relation_types(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(r, Some(&res::RELATION_TYPES), Some(Scopes::WORK), Cost::Read, |s, _c, _r| {
        let world = s.world.read();
        let list: Vec<Value> = write::RELATION_TYPES
            .iter()
            .map(|(reference, name, reciprocal, is_link)| {
                let topology = match *reference {
                    r if r.contains("Hierarchy") || r.contains("Duplicate") => "tree",
                    r if r.contains("Dependency") => "dependency",
                    _ => "network",
                };
                json!({
                    "referenceName": reference,
                    "name": name,
                    "attributes": {
                        "usage": if *is_link { "workItemLink" } else { "resourceLink" },
                        "editable": false,
                        "enabled": true,
                        "acyclic": topology != "network",
                        "directional": reciprocal.is_some_and(|x| x != *reference),
                        "singleTarget": reference.ends_with("Hierarchy-Reverse"),
                        "topology": topology,
                    },
                    "url": format!("{}/_apis/wit/workItemRelationTypes/{reference}", world.base_url),
                })
            })
            .collect();
        Ok(Reply::Json(StatusCode::OK, render::collection(&list)))
    })
    .await
}

async fn work_item_types(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(
        r,
        Some(&res::WORK_ITEM_TYPES),
        Some(Scopes::WORK),
        Cost::Read,
        |s, c, r| {
            let world = s.world.read();
            let p = project(&world, c.p.who, r.p("project"))?;
            let type_name = r.p("type");
            if type_name.is_empty() {
                let list: Vec<Value> = (0..world.process_of(p).types.len())
                    .map(|t| render::work_item_type(&world, p, t))
                    .collect();
                return Ok(Reply::Json(StatusCode::OK, render::collection(&list)));
            }
            let t = work_item_type(&world, p, type_name)?;
            Ok(Reply::Json(
                StatusCode::OK,
                render::work_item_type(&world, p, t),
            ))
        },
    )
    .await
}

async fn work_item_type_states(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(
        r,
        Some(&res::WORK_ITEM_TYPE_STATES),
        Some(Scopes::WORK),
        Cost::Read,
        |s, c, r| {
            let world = s.world.read();
            let p = project(&world, c.p.who, r.p("project"))?;
            let type_name = r.p("type");
            let t = work_item_type(&world, p, type_name)?;
            let Value::Array(states) = render::states(&world, p, t) else {
                return Err(AdoError::internal("states did not render as a list"));
            };
            Ok(Reply::Json(StatusCode::OK, render::collection(&states)))
        },
    )
    .await
}

async fn work_item_type_fields(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(
        r,
        Some(&res::WORK_ITEM_TYPE_FIELDS),
        Some(Scopes::WORK),
        Cost::Read,
        |s, c, r| {
            let world = s.world.read();
            let p = project(&world, c.p.who, r.p("project"))?;
            let type_name = r.p("type");
            let t = work_item_type(&world, p, type_name)?;
            let ty = &world.process_of(p).types[t];
            let field_json = |tf: &super::process::TypeField| {
                let def = world.fields.def(tf.field);
                let mut v = json!({
                    "alwaysRequired": tf.required,
                    "referenceName": def.reference_name,
                    "name": def.name,
                    "helpText": def.description,
                    "url": format!("{}/_apis/wit/fields/{}", world.base_url, def.reference_name),
                });
                if let Value::Object(m) = &mut v {
                    m.insert(
                        "defaultValue".into(),
                        tf.default_value.clone().map_or(Value::Null, Value::String),
                    );
                    m.insert(
                        "allowedValues".into(),
                        Value::Array(
                            tf.allowed_values
                                .clone()
                                .unwrap_or_default()
                                .into_iter()
                                .map(Value::String)
                                .collect(),
                        ),
                    );
                }
                v
            };
            let field = r.p("field");
            if !field.is_empty() {
                let f = world
                    .fields
                    .find(field)
                    .ok_or_else(|| AdoError::field_not_found(field))?;
                let tf = ty
                    .type_field(f)
                    .ok_or_else(|| AdoError::field_not_found(field))?;
                return Ok(Reply::Json(StatusCode::OK, field_json(tf)));
            }
            let list: Vec<Value> = ty.fields.iter().map(field_json).collect();
            Ok(Reply::Json(StatusCode::OK, render::collection(&list)))
        },
    )
    .await
}

fn depth_param(r: &Req) -> Result<u32, AdoError> {
    match r.q("$depth") {
        None => Ok(0),
        Some(d) => d
            .trim()
            .parse()
            .map_err(|_| AdoError::argument(format!("The value '{d}' is not valid for $depth."))),
    }
}

async fn classification_roots(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(
        r,
        Some(&res::CLASSIFICATION_ROOTS),
        Some(Scopes::WORK),
        Cost::Read,
        |s, c, r| {
            let world = s.world.read();
            let p = project(&world, c.p.who, r.p("project"))?;
            let depth = depth_param(r)?;
            if let Some(ids) = r.q("ids") {
                let omit = r
                    .q("errorpolicy")
                    .is_some_and(|e| e.eq_ignore_ascii_case("omit"));
                let mut out = Vec::new();
                for id in ids.split(',').filter(|x| !x.trim().is_empty()) {
                    let n: i32 = id
                        .trim()
                        .parse()
                        .map_err(|_| AdoError::argument(format!("'{id}' is not a node id.")))?;
                    match world
                        .forest
                        .find_id(n)
                        .filter(|i| usize::from(world.forest.node(*i).project) == p)
                    {
                        Some(i) => out.push(render::node(&world, i, depth)),
                        None if omit => {}
                        None => {
                            return Err(AdoError::not_found(format!(
                                "VS402485: The node with id {n} does not exist."
                            )));
                        }
                    }
                }
                return Ok(Reply::Json(StatusCode::OK, render::collection(&out)));
            }
            let proj = &world.projects[p];
            let list = vec![
                render::node(&world, proj.area_root, depth),
                render::node(&world, proj.iteration_root, depth),
            ];
            Ok(Reply::Json(StatusCode::OK, render::collection(&list)))
        },
    )
    .await
}

async fn classification_node(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(
        r,
        Some(&res::CLASSIFICATION_NODES),
        Some(Scopes::WORK),
        Cost::Read,
        |s, c, r| {
            let world = s.world.read();
            let p = project(&world, c.p.who, r.p("project"))?;
            let group = r.p("group");
            let structure = Structure::from_group(group).ok_or_else(|| {
                AdoError::argument(format!(
                    "VS402483: The structure group '{group}' is not valid. Use Areas or Iterations."
                ))
            })?;
            let depth = depth_param(r)?;
            let proj = &world.projects[p];
            let root = match structure {
                Structure::Area => proj.area_root,
                Structure::Iteration => proj.iteration_root,
            };
            let path = r.p("path").trim_matches(['/', '\\']);
            let node = if path.is_empty() {
                root
            } else {
                let full = format!("{}\\{}", proj.name, path.replace('/', "\\"));
                world.forest.find(structure, &full).ok_or_else(|| {
                    AdoError::not_found(format!(
                        "VS402485: The node '{path}' does not exist under {}.",
                        world.forest.rest_path(root)
                    ))
                })?
            };
            Ok(Reply::Json(
                StatusCode::OK,
                render::node(&world, node, depth),
            ))
        },
    )
    .await
}

#[derive(serde::Deserialize)]
struct WiqlBody {
    query: Option<String>,
}

async fn run_wiql(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(
        r,
        Some(&res::WIQL),
        Some(Scopes::WORK),
        Cost::Query,
        |s, c, r| {
            let world = s.world.read();
            let p = match r.params.get("project") {
                Some(name) => Some(project(&world, c.p.who, name)?),
                None => None,
            };
            let body: WiqlBody = json_body(r, "wiql")?;
            let text = body.query.unwrap_or_default();
            let query = wiql::parse(&world, &text)?;
            let uses_project = text.to_ascii_lowercase().contains("@project");
            let project_idx = match (p, uses_project) {
                (Some(p), _) => p,
                (None, false) => 0,
                (None, true) => {
                    return Err(AdoError::wiql_syntax(
                        "TF51011: The @project macro can only be used in the context of a project.",
                    ));
                }
            };
            let top = match r.q("$top") {
                None => None,
                Some(t) => Some(t.trim().parse::<usize>().map_err(|_| {
                    AdoError::argument(format!("The value '{t}' is not valid for $top."))
                })?),
            };
            let ctx = wiql::Context {
                who: c.p.who,
                project: project_idx,
                time_precision: r.flag("timeprecision"),
                now: world.clock.now_ms(),
            };
            let result = wiql::run(&world, &query, &ctx, top)?;
            let items: Vec<Value> = result
                .ids
                .iter()
                .map(|id| json!({ "id": id, "url": world.work_item_url(*id) }))
                .collect();
            let columns: Vec<Value> = result
                .columns
                .iter()
                .map(|f| render::field_ref(&world, *f))
                .collect();
            let sort: Vec<Value> = result
            .order
            .iter()
            .map(|(f, desc)| json!({ "field": render::field_ref(&world, *f), "descending": desc }))
            .collect();
            Ok(Reply::Json(
                StatusCode::OK,
                json!({
                    "queryType": "flat",
                    "queryResultType": "workItem",
                    "asOf": wiql::as_of_text(result.as_of),
                    "columns": columns,
                    "sortColumns": sort,
                    "workItems": items,
                }),
            ))
        },
    )
    .await
}

async fn work_items_list(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(
        r,
        Some(&res::WORK_ITEMS),
        Some(Scopes::WORK),
        Cost::Read,
        |s, c, r| {
            let world = s.world.read();
            if let Some(name) = r.params.get("project") {
                project(&world, c.p.who, name)?;
            }
            let Some(ids_text) = r.q("ids") else {
                return Err(AdoError::argument_null("ids"));
            };
            let ids: Vec<i64> = ids_text
                .split(',')
                .filter(|x| !x.trim().is_empty())
                .map(parse_id)
                .collect::<Result<_, _>>()?;
            if ids.is_empty() {
                return Err(AdoError::argument_null("ids"));
            }
            if ids.len() > world.limits.batch_max {
                return Err(AdoError::too_many_ids(world.limits.batch_max));
            }
            let expand = expand_param(r)?;
            let field_list: Vec<String> = r
                .q("fields")
                .map(|f| f.split(',').map(str::to_owned).collect())
                .unwrap_or_default();
            if expand != Expand::None && !field_list.is_empty() {
                return Err(AdoError::argument(
                    "The expand parameter can not be used with the fields parameter.",
                ));
            }
            let opts = ItemOptions {
                fields: fields_param(&world, &field_list)?,
                expand,
                ..ItemOptions::default()
            };
            let omit = r
                .q("errorpolicy")
                .is_some_and(|e| e.eq_ignore_ascii_case("omit"));
            render_items(
                &world,
                &ids,
                c.p.who,
                omit,
                &opts,
                as_of_param(r.q("asof"))?,
            )
        },
    )
    .await
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchBody {
    #[serde(default)]
    ids: Vec<i64>,
    #[serde(default)]
    fields: Vec<String>,
    #[serde(default, rename = "$expand")]
    expand: Option<String>,
    #[serde(default)]
    as_of: Option<String>,
    #[serde(default)]
    error_policy: Option<String>,
}

async fn work_items_batch(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(
        r,
        Some(&res::WORK_ITEMS_BATCH),
        Some(Scopes::WORK),
        Cost::Read,
        |s, c, r| {
            let world = s.world.read();
            if let Some(name) = r.params.get("project") {
                project(&world, c.p.who, name)?;
            }
            let body: BatchBody = json_body(r, "workItemGetRequest")?;
            if body.ids.is_empty() {
                return Err(AdoError::argument_null("workItemGetRequest.ids"));
            }
            if body.ids.len() > world.limits.batch_max {
                return Err(AdoError::too_many_ids(world.limits.batch_max));
            }
            let expand = match body.expand.as_deref() {
                None => Expand::None,
                Some(e) => Expand::parse(e).ok_or_else(|| {
                    AdoError::argument(format!("The value '{e}' is not valid for $expand."))
                })?,
            };
            if expand != Expand::None && !body.fields.is_empty() {
                return Err(AdoError::argument(
                    "The expand parameter can not be used with the fields parameter.",
                ));
            }
            let opts = ItemOptions {
                fields: fields_param(&world, &body.fields)?,
                expand,
                ..ItemOptions::default()
            };
            let omit = body
                .error_policy
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case("omit"));
            render_items(
                &world,
                &body.ids,
                c.p.who,
                omit,
                &opts,
                as_of_param(body.as_of.as_deref())?,
            )
        },
    )
    .await
}

async fn work_item_get(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(
        r,
        Some(&res::WORK_ITEMS),
        Some(Scopes::WORK),
        Cost::Read,
        |s, c, r| {
            let world = s.world.read();
            if let Some(name) = r.params.get("project") {
                project(&world, c.p.who, name)?;
            }
            let id = parse_id(r.p("id"))?;
            let item = readable(&world, c.p.who, id)?;
            let expand = expand_param(r)?;
            let field_list: Vec<String> = r
                .q("fields")
                .map(|f| f.split(',').map(str::to_owned).collect())
                .unwrap_or_default();
            if expand != Expand::None && !field_list.is_empty() {
                return Err(AdoError::argument(
                    "The expand parameter can not be used with the fields parameter.",
                ));
            }
            let opts = ItemOptions {
                fields: fields_param(&world, &field_list)?,
                expand,
                links: true,
                ..ItemOptions::default()
            };
            match as_of_param(r.q("asof"))? {
                Some(t) => {
                    let snap = item
                        .snapshot_as_of(t)
                        .ok_or_else(|| AdoError::work_item_not_found(id))?;
                    Ok(Reply::Json(
                        StatusCode::OK,
                        render::work_item(&world, item, Some(&snap), &opts),
                    ))
                }
                None => Ok(Reply::Json(
                    StatusCode::OK,
                    render::work_item(&world, item, None, &opts),
                )),
            }
        },
    )
    .await
}

fn write_options(r: &Req) -> WriteOptions {
    WriteOptions {
        validate_only: r.flag("validateonly"),
        bypass_rules: r.flag("bypassrules"),
        suppress_notifications: r.flag("suppressnotifications"),
        seed: false,
    }
}

fn patch_body(r: &Req) -> Result<Vec<PatchOp>, AdoError> {
    let ct = r
        .header("content-type")
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !ct.starts_with("application/json-patch+json") {
        let given = ct.split(';').next().unwrap_or_default().trim().to_owned();
        let mut e = AdoError::argument(format!(
            "The request indicated a Content-Type of \"{given}\" for method type \"{}\" which is not supported. Valid content types for this method are: application/json-patch+json.",
            r.method
        ));
        e.status = 415;
        e.type_key = "VssRequestContentTypeNotSupportedException";
        e.type_name = "Microsoft.VisualStudio.Services.WebApi.VssRequestContentTypeNotSupportedException, Microsoft.VisualStudio.Services.WebApi";
        return Err(e);
    }
    let ops: Vec<PatchOp> = json_body(r, "document")?;
    if ops.is_empty() {
        return Err(AdoError::bad_patch(
            "VS403350: The patch document must contain at least one operation.",
        ));
    }
    Ok(ops)
}

fn changed_fields(world: &World, id: i32) -> Vec<String> {
    let Some(item) = world.item(i64::from(id)) else {
        return Vec::new();
    };
    let Some(last) = item.revisions.last() else {
        return Vec::new();
    };
    last.undo
        .iter()
        .map(|(f, _)| world.fields.def(*f).reference_name.clone())
        .collect()
}

async fn work_item_create(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.apply_hook_status();
    s.serve(
        r,
        Some(&res::WORK_ITEM_CREATE),
        Some(Scopes::WORK_WRITE),
        Cost::Write,
        |s, c, r| {
            let type_name = r.p("type").trim_start_matches('$').to_owned();
            if type_name.is_empty() {
                return Err(AdoError::argument_null("type"));
            }
            let ops = patch_body(r)?;
            let opts = write_options(r);
            let expand = expand_param(r)?;
            let mut world = s.world.write();
            let p = project(&world, c.p.who, r.p("project"))?;
            let outcome = write::write(
                &mut world,
                c.p.who,
                Target::Create {
                    project: p,
                    type_name: &type_name,
                },
                &ops,
                opts,
            )?;
            let item_opts = ItemOptions {
                expand,
                links: true,
                ..ItemOptions::default()
            };
            if let Some(preview) = &outcome.preview {
                return Ok(Reply::Json(
                    StatusCode::OK,
                    render::work_item(&world, preview, None, &item_opts),
                ));
            }
            let item = world
                .item(i64::from(outcome.id))
                .ok_or_else(|| AdoError::internal("created item vanished"))?;
            let body = render::work_item(&world, item, None, &item_opts);
            if !opts.suppress_notifications {
                s.notify(&world, "workitem.created", &[outcome.id], c.p.who, &[]);
                if outcome.commented {
                    s.notify(&world, "workitem.commented", &[outcome.id], c.p.who, &[]);
                }
                if !outcome.touched.is_empty() {
                    s.notify(&world, "workitem.updated", &outcome.touched, c.p.who, &[]);
                }
            }
            Ok(Reply::Json(StatusCode::OK, body))
        },
    )
    .await
}

async fn work_item_update(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.apply_hook_status();
    s.serve(
        r,
        Some(&res::WORK_ITEMS),
        Some(Scopes::WORK_WRITE),
        Cost::Write,
        |s, c, r| {
            let id = parse_id(r.p("id"))?;
            let ops = patch_body(r)?;
            let opts = write_options(r);
            let expand = expand_param(r)?;
            let mut world = s.world.write();
            if let Some(name) = r.params.get("project") {
                project(&world, c.p.who, name)?;
            }
            let outcome = write::write(&mut world, c.p.who, Target::Update { id }, &ops, opts)?;
            let item_opts = ItemOptions {
                expand,
                links: true,
                ..ItemOptions::default()
            };
            if let Some(preview) = &outcome.preview {
                return Ok(Reply::Json(
                    StatusCode::OK,
                    render::work_item(&world, preview, None, &item_opts),
                ));
            }
            let item = world
                .item(id)
                .ok_or_else(|| AdoError::work_item_not_found(id))?;
            let body = render::work_item(&world, item, None, &item_opts);
            if !opts.suppress_notifications && outcome.committed {
                let changed = changed_fields(&world, outcome.id);
                s.notify(&world, "workitem.updated", &[outcome.id], c.p.who, &changed);
                if outcome.commented {
                    s.notify(
                        &world,
                        "workitem.commented",
                        &[outcome.id],
                        c.p.who,
                        &changed,
                    );
                }
                if !outcome.touched.is_empty() {
                    s.notify(&world, "workitem.updated", &outcome.touched, c.p.who, &[]);
                }
            }
            Ok(Reply::Json(StatusCode::OK, body))
        },
    )
    .await
}

fn paging(r: &Req) -> Result<(usize, usize), AdoError> {
    let num = |k: &str| -> Result<Option<usize>, AdoError> {
        r.q(k)
            .map(|v| {
                v.trim().parse().map_err(|_| {
                    AdoError::argument(format!("The value '{v}' is not valid for {k}."))
                })
            })
            .transpose()
    };
    Ok((num("$skip")?.unwrap_or(0), num("$top")?.unwrap_or(200)))
}

async fn updates(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(
        r,
        Some(&res::UPDATES),
        Some(Scopes::WORK),
        Cost::Read,
        |s, c, r| {
            let world = s.world.read();
            if let Some(name) = r.params.get("project") {
                project(&world, c.p.who, name)?;
            }
            let id = parse_id(r.p("id"))?;
            let item = readable(&world, c.p.who, id)?;
            let all = render::updates(&world, item);
            if let Some(n) = r.params.get("number") {
                let n: usize = n
                    .parse()
                    .map_err(|_| AdoError::argument(format!("'{n}' is not an update number.")))?;
                return all
                    .get(n.wrapping_sub(1))
                    .cloned()
                    .map(|u| Reply::Json(StatusCode::OK, u))
                    .ok_or_else(|| {
                        AdoError::not_found(format!(
                            "VS402488: Update {n} of work item {id} does not exist."
                        ))
                    });
            }
            let (skip, top) = paging(r)?;
            let page: Vec<Value> = all.into_iter().skip(skip).take(top).collect();
            Ok(Reply::Json(StatusCode::OK, render::collection(&page)))
        },
    )
    .await
}

async fn revisions(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(
        r,
        Some(&res::REVISIONS),
        Some(Scopes::WORK),
        Cost::Read,
        |s, c, r| {
            let world = s.world.read();
            if let Some(name) = r.params.get("project") {
                project(&world, c.p.who, name)?;
            }
            let id = parse_id(r.p("id"))?;
            let item = readable(&world, c.p.who, id)?;
            let opts = ItemOptions {
                expand: expand_param(r)?,
                ..ItemOptions::default()
            };
            if let Some(n) = r.params.get("number") {
                let n: i32 = n
                    .parse()
                    .map_err(|_| AdoError::argument(format!("'{n}' is not a revision number.")))?;
                let snap = item.snapshot_at(n).ok_or_else(|| {
                    AdoError::not_found(format!(
                        "VS402489: Revision {n} of work item {id} does not exist."
                    ))
                })?;
                return Ok(Reply::Json(
                    StatusCode::OK,
                    render::work_item(&world, item, Some(&snap), &opts),
                ));
            }
            let (skip, top) = paging(r)?;
            let page: Vec<Value> = item
                .snapshots()
                .iter()
                .skip(skip)
                .take(top)
                .map(|snap| render::work_item(&world, item, Some(snap), &opts))
                .collect();
            Ok(Reply::Json(StatusCode::OK, render::collection(&page)))
        },
    )
    .await
}

fn comment_format(r: &Req, call: &Call) -> Result<CommentFormat, AdoError> {
    // `format` arrived with Comments 7.1-preview.4; older resource versions are HTML only.
    if call.version.resource_version < 4 {
        return Ok(CommentFormat::Html);
    }
    match r.q("format").map(str::to_ascii_lowercase).as_deref() {
        None | Some("html") => Ok(CommentFormat::Html),
        Some("markdown") => Ok(CommentFormat::Markdown),
        Some(other) => Err(AdoError::argument(format!(
            "The value '{other}' is not valid for format. Valid values: markdown, html."
        ))),
    }
}

#[derive(serde::Deserialize)]
struct CommentBody {
    text: Option<String>,
}

async fn comments_list_or_add(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    if r.method == Method::POST {
        s.apply_hook_status();
        return s
            .serve(
                r,
                Some(&res::COMMENTS),
                Some(Scopes::WORK_WRITE),
                Cost::Write,
                |s, c, r| {
                    let id = parse_id(r.p("id"))?;
                    let format = comment_format(r, c)?;
                    let body: CommentBody = json_body(r, "request")?;
                    let text = body.text.unwrap_or_default();
                    let mut world = s.world.write();
                    project(&world, c.p.who, r.p("project"))?;
                    let cid = comments::add(&mut world, c.p.who, id, &text, format, None)?;
                    let item = world
                        .item(id)
                        .ok_or_else(|| AdoError::work_item_not_found(id))?;
                    let comment = item
                        .comments
                        .iter()
                        .find(|x| x.id == cid)
                        .ok_or_else(|| AdoError::internal("comment vanished"))?;
                    let body = render::comment(&world, item, comment, "renderedText", None);
                    let id32 = item.id;
                    s.notify(
                        &world,
                        "workitem.commented",
                        &[id32],
                        c.p.who,
                        &["System.History".to_owned()],
                    );
                    s.notify(
                        &world,
                        "workitem.updated",
                        &[id32],
                        c.p.who,
                        &["System.History".to_owned()],
                    );
                    Ok(Reply::Json(StatusCode::OK, body))
                },
            )
            .await;
    }
    s.serve(
        r,
        Some(&res::COMMENTS),
        Some(Scopes::WORK),
        Cost::Read,
        |s, c, r| {
            let world = s.world.read();
            project(&world, c.p.who, r.p("project"))?;
            let id = parse_id(r.p("id"))?;
            let item = readable(&world, c.p.who, id)?;
            let include_deleted = r.flag("includedeleted");
            let expand = r.q("$expand").unwrap_or("none");
            let top = match r.q("$top") {
                None => 200,
                Some(t) => t
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| {
                        AdoError::argument(format!("The value '{t}' is not valid for $top."))
                    })?
                    .clamp(1, 200),
            };
            let desc = r.q("order").is_some_and(|o| o.eq_ignore_ascii_case("desc"));
            // `ids=` (Comments - Get Comments Batch) narrows the list to those comments.
            let wanted: Option<Vec<i32>> = r.q("ids").map(|ids| {
                ids.split(',')
                    .filter_map(|x| x.trim().parse().ok())
                    .collect()
            });
            let mut list: Vec<&super::workitem::Comment> = item
                .comments
                .iter()
                .filter(|x| include_deleted || !x.deleted)
                .filter(|x| wanted.as_ref().is_none_or(|w| w.contains(&x.id)))
                .collect();
            if desc {
                list.reverse();
            }
            let start = match r.q("continuationtoken") {
                None => 0,
                Some(t) => t
                    .parse::<usize>()
                    .map_err(|_| AdoError::argument("The continuation token is not valid."))?,
            };
            let total = item.comments.iter().filter(|x| !x.deleted).count();
            let page: Vec<Value> = list
                .iter()
                .skip(start)
                .take(top)
                .map(|x| render::comment(&world, item, x, expand, None))
                .collect();
            let prefix = world.project_url_prefix(usize::from(item.project));
            let base = format!("{prefix}/_apis/wit/workItems/{id}/comments");
            let mut body = json!({
                "totalCount": total,
                "count": page.len(),
                "comments": page,
                "url": base,
            });
            if start + top < list.len() {
                let token = (start + top).to_string();
                body["continuationToken"] = json!(token);
                body["nextPage"] = json!(format!("{base}?continuationToken={token}&$top={top}"));
            }
            Ok(Reply::Json(StatusCode::OK, body))
        },
    )
    .await
}

async fn comment_one(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    let (scope, cost) = if r.method == Method::GET {
        (Scopes::WORK, Cost::Read)
    } else {
        (Scopes::WORK_WRITE, Cost::Write)
    };
    s.serve(r, Some(&res::COMMENTS), Some(scope), cost, |s, c, r| {
        let id = parse_id(r.p("id"))?;
        let cid = parse_id(r.p("comment"))?;
        match r.method {
            Method::PATCH => {
                let format = if c.version.resource_version >= 4 && r.q("format").is_some() {
                    Some(comment_format(r, c)?)
                } else {
                    None
                };
                let body: CommentBody = json_body(r, "request")?;
                let mut world = s.world.write();
                project(&world, c.p.who, r.p("project"))?;
                comments::update(
                    &mut world,
                    c.p.who,
                    id,
                    cid,
                    &body.text.unwrap_or_default(),
                    format,
                )?;
                let item = world
                    .item(id)
                    .ok_or_else(|| AdoError::work_item_not_found(id))?;
                let comment = item
                    .comments
                    .iter()
                    .find(|x| i64::from(x.id) == cid)
                    .ok_or_else(|| comments::comment_not_found(cid, id))?;
                Ok(Reply::Json(
                    StatusCode::OK,
                    render::comment(&world, item, comment, "renderedText", None),
                ))
            }
            Method::DELETE => {
                let mut world = s.world.write();
                project(&world, c.p.who, r.p("project"))?;
                comments::delete(&mut world, c.p.who, id, cid)?;
                Ok(Reply::Empty(StatusCode::NO_CONTENT))
            }
            _ => {
                let world = s.world.read();
                project(&world, c.p.who, r.p("project"))?;
                let item = readable(&world, c.p.who, id)?;
                let comment = item
                    .comments
                    .iter()
                    .find(|x| i64::from(x.id) == cid && (!x.deleted || r.flag("includedeleted")))
                    .ok_or_else(|| comments::comment_not_found(cid, id))?;
                Ok(Reply::Json(
                    StatusCode::OK,
                    render::comment(
                        &world,
                        item,
                        comment,
                        r.q("$expand").unwrap_or("none"),
                        None,
                    ),
                ))
            }
        }
    })
    .await
}

async fn comment_versions(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(
        r,
        Some(&res::COMMENT_VERSIONS),
        Some(Scopes::WORK),
        Cost::Read,
        |s, c, r| {
            let world = s.world.read();
            project(&world, c.p.who, r.p("project"))?;
            let id = parse_id(r.p("id"))?;
            let cid = parse_id(r.p("comment"))?;
            let item = readable(&world, c.p.who, id)?;
            let comment = item
                .comments
                .iter()
                .find(|x| i64::from(x.id) == cid)
                .ok_or_else(|| comments::comment_not_found(cid, id))?;
            if let Some(n) = r.params.get("version") {
                let n: usize = n
                    .parse()
                    .map_err(|_| AdoError::argument(format!("'{n}' is not a version number.")))?;
                if n == 0 || n > comment.versions.len() {
                    return Err(AdoError::not_found(format!(
                        "VS402613: Version {n} of comment {cid} does not exist."
                    )));
                }
                return Ok(Reply::Json(
                    StatusCode::OK,
                    render::comment(&world, item, comment, "renderedText", Some(n)),
                ));
            }
            let list: Vec<Value> = (1..=comment.versions.len())
                .map(|n| render::comment(&world, item, comment, "renderedText", Some(n)))
                .collect();
            Ok(Reply::Json(StatusCode::OK, render::collection(&list)))
        },
    )
    .await
}

async fn attachment_upload(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(
        r,
        Some(&res::ATTACHMENTS),
        Some(Scopes::WORK_WRITE),
        Cost::Write,
        |s, c, r| {
            let upload_type = r.q("uploadtype").unwrap_or("Simple");
            if !upload_type.eq_ignore_ascii_case("simple") {
                return Err(AdoError::argument(
                    "This simulator accepts simple attachment uploads only (uploadType=Simple).",
                ));
            }
            let file_name = r.q("filename").unwrap_or("attachment").to_owned();
            if r.body.len() > 60 * 1024 * 1024 {
                return Err(AdoError::argument(
                    "VS402478: The attachment exceeds the maximum size of 60 MB.",
                ));
            }
            let mut world = s.world.write();
            let p = project(&world, c.p.who, r.p("project"))?;
            if let Some(area) = r.q("areapath") {
                let node = world
                    .area_node(area)
                    .ok_or_else(|| AdoError::invalid_tree_path(None, "System.AreaPath"))?;
                if !world.node_perms(c.p.who, node).contains(Perms::EDIT) {
                    return Err(AdoError::area_write_denied());
                }
            }
            let id = Uuid::new_v4();
            let created = world.clock.tick();
            world.attachments.insert(
                id,
                Attachment {
                    id,
                    project: u16::try_from(p).unwrap_or(0),
                    file_name: file_name.clone(),
                    bytes: r.body.clone(),
                    uploaded_by: c.p.who,
                    created,
                },
            );
            let url = format!(
                "{}/_apis/wit/attachments/{id}?fileName={}",
                world.project_url_prefix(p),
                super::error::url_encode(&file_name)
            );
            Ok(Reply::Json(
                StatusCode::CREATED,
                json!({ "id": id.to_string(), "url": url }),
            ))
        },
    )
    .await
}

async fn attachment_download(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(r, Some(&res::ATTACHMENTS), Some(Scopes::WORK), Cost::Read, |s, c, r| {
        let world = s.world.read();
        if let Some(name) = r.params.get("project") {
            project(&world, c.p.who, name)?;
        }
        let id_text = r.p("id");
        let att = id_text
            .parse::<Uuid>()
            .ok()
            .and_then(|id| world.attachments.get(&id))
            .filter(|a| world.role(c.p.who, usize::from(a.project)).is_some())
            .ok_or_else(|| {
                AdoError::not_found(format!(
                    "TF401316: The attachment {id_text} does not exist or you do not have permissions to read it."
                ))
            })?;
        let name = r.q("filename").map_or_else(|| att.file_name.clone(), str::to_owned);
        let disposition = if r.flag("download") { "attachment" } else { "inline" };
        Ok(Reply::Bytes(
            StatusCode::OK,
            "application/octet-stream",
            att.bytes.clone(),
            vec![("Content-Disposition", format!("{disposition}; filename=\"{}\"", name.replace('"', "")))],
        ))
    })
    .await
}

async fn tags(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.serve(r, Some(&res::TAGS), Some(Scopes::WORK), Cost::Read, |s, c, r| {
        let world = s.world.read();
        let p = project(&world, c.p.who, r.p("project"))?;
        let list: Vec<Value> = world.projects[p]
            .tags
            .iter()
            .map(|t| {
                let id = super::identity::stable_uuid("tag", t);
                json!({ "id": id.to_string(), "name": t, "url": format!("{}/_apis/wit/tags/{id}", world.project_url_prefix(p)) })
            })
            .collect();
        Ok(Reply::Json(StatusCode::OK, render::collection(&list)))
    })
    .await
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubscriptionBody {
    publisher_id: Option<String>,
    event_type: Option<String>,
    resource_version: Option<String>,
    consumer_id: Option<String>,
    consumer_action_id: Option<String>,
    #[serde(default)]
    publisher_inputs: serde_json::Map<String, Value>,
    #[serde(default)]
    consumer_inputs: serde_json::Map<String, Value>,
}

async fn subscriptions(State(s): State<Arc<AdoState>>, r: Req) -> Response {
    s.apply_hook_status();
    let (scope, cost) = if r.method == Method::GET {
        (Scopes::HOOKS, Cost::Read)
    } else {
        (Scopes::HOOKS_WRITE, Cost::Write)
    };
    // Receiving work item events only needs vso.work; managing subscriptions needs the hooks
    // scopes (vso.work covers "receive notifications about work item events").
    let scope = if r.method == Method::GET {
        Scopes::WORK
    } else {
        scope
    };
    s.serve(r, Some(&res::SUBSCRIPTIONS), Some(scope), cost, |s, c, r| {
        let id_text = r.p("subscription");
        match r.method {
            Method::POST | Method::PUT => {
                let body: SubscriptionBody = json_body(r, "subscription")?;
                if body.publisher_id.as_deref().is_some_and(|p| !p.eq_ignore_ascii_case("tfs")) {
                    return Err(AdoError::argument("VS800035: The publisher is not valid. This simulator publishes 'tfs' events only."));
                }
                if body.consumer_id.as_deref().is_some_and(|p| !p.eq_ignore_ascii_case("webHooks"))
                    || body.consumer_action_id.as_deref().is_some_and(|p| !p.eq_ignore_ascii_case("httpRequest"))
                {
                    return Err(AdoError::argument("VS800036: The consumer is not valid. This simulator delivers consumerId 'webHooks', consumerActionId 'httpRequest' only."));
                }
                let event_type = body.event_type.unwrap_or_default();
                if !hooks::EVENT_TYPES.contains(&event_type.as_str()) {
                    return Err(AdoError::argument(format!(
                        "VS800040: The event type '{event_type}' is not valid for publisher 'tfs'. Valid types: {}.",
                        hooks::EVENT_TYPES.join(", ")
                    )));
                }
                let mut world = s.world.write();
                hooks::check_target(&world, &body.consumer_inputs).map_err(AdoError::argument)?;
                if let Some(p) = body.publisher_inputs.get("projectId").and_then(Value::as_str) {
                    let pi = project(&world, c.p.who, p)?;
                    if world.role(c.p.who, pi) != Some(super::world::Role::Admin) {
                        return Err(AdoError::not_allowed_for_identity(
                            "Access denied: creating service hook subscriptions needs the \"Edit subscriptions\" permission in the project (project administrators have it).",
                        ));
                    }
                } else if !world.identity(c.p.who).org_admin {
                    return Err(AdoError::not_allowed_for_identity(
                        "Access denied: organization-wide service hook subscriptions need the \"Edit subscriptions\" permission of the organization.",
                    ));
                }
                let now = world.clock.now_ms();
                let sub = Subscription {
                    id: if r.method == Method::PUT { id_text.parse().unwrap_or_else(|_| Uuid::new_v4()) } else { Uuid::new_v4() },
                    event_type,
                    publisher_inputs: body.publisher_inputs,
                    consumer_inputs: body.consumer_inputs,
                    resource_version: body.resource_version.unwrap_or_else(|| "1.0".into()),
                    created_by: c.p.who,
                    created_date: now,
                    status: "enabled".into(),
                };
                let json = render::subscription(&world, &sub);
                world.subscriptions.retain(|x| x.id != sub.id);
                world.subscriptions.push(sub);
                Ok(Reply::Json(StatusCode::OK, json))
            }
            Method::DELETE => {
                let mut world = s.world.write();
                let before = world.subscriptions.len();
                world.subscriptions.retain(|x| x.id.to_string() != id_text.to_ascii_lowercase());
                if world.subscriptions.len() == before {
                    return Err(AdoError::not_found(format!("VS800001: Subscription {id_text} does not exist.")));
                }
                Ok(Reply::Empty(StatusCode::NO_CONTENT))
            }
            _ => {
                let world = s.world.read();
                if !id_text.is_empty() {
                    let sub = world
                        .subscriptions
                        .iter()
                        .find(|x| x.id.to_string() == id_text.to_ascii_lowercase())
                        .ok_or_else(|| AdoError::not_found(format!("VS800001: Subscription {id_text} does not exist.")))?;
                    return Ok(Reply::Json(StatusCode::OK, render::subscription(&world, sub)));
                }
                let list: Vec<Value> = world
                    .subscriptions
                    .iter()
                    .filter(|x| r.q("eventtype").is_none_or(|e| x.event_type.eq_ignore_ascii_case(e)))
                    .map(|x| render::subscription(&world, x))
                    .collect();
                Ok(Reply::Json(StatusCode::OK, render::collection(&list)))
            }
        }
    })
    .await
}

// ---------------------------------------------------------------- router

/// Fixed words in Azure DevOps URLs; any case is accepted and routed in lower case.
const WORDS: &[&str] = &[
    "_apis",
    "wit",
    "workitems",
    "workitemsbatch",
    "wiql",
    "comments",
    "versions",
    "updates",
    "revisions",
    "attachments",
    "fields",
    "workitemtypes",
    "states",
    "classificationnodes",
    "workitemrelationtypes",
    "connectiondata",
    "resourceareas",
    "projects",
    "hooks",
    "subscriptions",
    "tags",
];

/// Lower-case the fixed segments of a path (the service's URLs are case-insensitive).
pub fn normalize_path(path: &str) -> Option<String> {
    fn needs(seg: &str) -> bool {
        seg.starts_with("%24")
            || (seg.bytes().any(|b| b.is_ascii_uppercase())
                && WORDS.iter().any(|w| w.eq_ignore_ascii_case(seg)))
    }
    // Most requests are already in canonical form: check before allocating.
    if !path.split('/').any(needs) {
        return None;
    }
    let out: Vec<String> = path
        .split('/')
        .map(|seg| {
            if let Some(rest) = seg.strip_prefix("%24") {
                // `%24Task` is `$Task`.
                format!("${rest}")
            } else if needs(seg) {
                seg.to_ascii_lowercase()
            } else {
                seg.to_owned()
            }
        })
        .collect();
    Some(out.join("/"))
}

fn routes() -> Vec<(&'static str, MethodRouter<Arc<AdoState>>)> {
    let opt = on(axum::routing::MethodFilter::OPTIONS, options_apis);
    vec![
        ("/{org}/_apis", opt),
        ("/{org}/_apis/resourceareas", get(resource_areas)),
        ("/{org}/_apis/resourceareas/{area}", get(resource_areas)),
        ("/{org}/_apis/connectiondata", get(connection_data)),
        ("/{org}/_apis/projects", get(projects)),
        ("/{org}/_apis/projects/{project}", get(projects)),
        ("/{org}/_apis/wit/fields", get(fields_list)),
        ("/{org}/_apis/wit/fields/{field}", get(fields_list)),
        ("/{org}/{project}/_apis/wit/fields", get(fields_list)),
        (
            "/{org}/{project}/_apis/wit/fields/{field}",
            get(fields_list),
        ),
        (
            "/{org}/_apis/wit/workitemrelationtypes",
            get(relation_types),
        ),
        (
            "/{org}/{project}/_apis/wit/workitemtypes",
            get(work_item_types),
        ),
        (
            "/{org}/{project}/_apis/wit/workitemtypes/{type}",
            get(work_item_types),
        ),
        (
            "/{org}/{project}/_apis/wit/workitemtypes/{type}/states",
            get(work_item_type_states),
        ),
        (
            "/{org}/{project}/_apis/wit/workitemtypes/{type}/fields",
            get(work_item_type_fields),
        ),
        (
            "/{org}/{project}/_apis/wit/workitemtypes/{type}/fields/{field}",
            get(work_item_type_fields),
        ),
        (
            "/{org}/{project}/_apis/wit/classificationnodes",
            get(classification_roots),
        ),
        (
            "/{org}/{project}/_apis/wit/classificationnodes/{group}",
            get(classification_node),
        ),
        (
            "/{org}/{project}/_apis/wit/classificationnodes/{group}/{*path}",
            get(classification_node),
        ),
        ("/{org}/_apis/wit/wiql", axum::routing::post(run_wiql)),
        (
            "/{org}/{project}/_apis/wit/wiql",
            axum::routing::post(run_wiql),
        ),
        (
            "/{org}/{project}/{team}/_apis/wit/wiql",
            axum::routing::post(run_wiql),
        ),
        ("/{org}/_apis/wit/workitems", get(work_items_list)),
        ("/{org}/{project}/_apis/wit/workitems", get(work_items_list)),
        (
            "/{org}/_apis/wit/workitemsbatch",
            axum::routing::post(work_items_batch),
        ),
        (
            "/{org}/{project}/_apis/wit/workitemsbatch",
            axum::routing::post(work_items_batch),
        ),
        (
            "/{org}/_apis/wit/workitems/{id}",
            get(work_item_get).patch(work_item_update),
        ),
        (
            "/{org}/{project}/_apis/wit/workitems/${type}",
            axum::routing::post(work_item_create),
        ),
        (
            "/{org}/{project}/_apis/wit/workitems/{id}",
            get(work_item_get).patch(work_item_update),
        ),
        (
            "/{org}/{project}/_apis/wit/workitems/{id}/updates",
            get(updates),
        ),
        (
            "/{org}/{project}/_apis/wit/workitems/{id}/updates/{number}",
            get(updates),
        ),
        (
            "/{org}/{project}/_apis/wit/workitems/{id}/revisions",
            get(revisions),
        ),
        (
            "/{org}/{project}/_apis/wit/workitems/{id}/revisions/{number}",
            get(revisions),
        ),
        (
            "/{org}/{project}/_apis/wit/workitems/{id}/comments",
            get(comments_list_or_add).post(comments_list_or_add),
        ),
        (
            "/{org}/{project}/_apis/wit/workitems/{id}/comments/{comment}",
            get(comment_one).patch(comment_one).delete(comment_one),
        ),
        (
            "/{org}/{project}/_apis/wit/workitems/{id}/comments/{comment}/versions",
            get(comment_versions),
        ),
        (
            "/{org}/{project}/_apis/wit/workitems/{id}/comments/{comment}/versions/{version}",
            get(comment_versions),
        ),
        (
            "/{org}/{project}/_apis/wit/attachments",
            axum::routing::post(attachment_upload),
        ),
        (
            "/{org}/{project}/_apis/wit/attachments/{id}",
            get(attachment_download),
        ),
        (
            "/{org}/_apis/wit/attachments/{id}",
            get(attachment_download),
        ),
        ("/{org}/{project}/_apis/wit/tags", get(tags)),
        (
            "/{org}/_apis/hooks/subscriptions",
            get(subscriptions).post(subscriptions),
        ),
        (
            "/{org}/_apis/hooks/subscriptions/{subscription}",
            get(subscriptions).put(subscriptions).delete(subscriptions),
        ),
    ]
}

/// The API router (before the shared fault layer).
pub fn router(state: Arc<AdoState>) -> Router {
    let mut r = Router::new();
    for (path, method) in routes() {
        r = r.route(path, method);
    }
    r.fallback(not_found).with_state(state)
}

async fn not_found(State(s): State<Arc<AdoState>>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let e = AdoError::not_found(format!(
        "VS402371: The resource {path} does not exist on this server (or is not simulated)."
    ));
    let status = StatusCode::NOT_FOUND;
    let mut resp = (status, e.to_json().to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    let _ = s;
    resp
}

/// Wrap the (fault-layered) API router so fixed URL segments are matched case-insensitively.
pub fn case_insensitive(api: Router) -> Router {
    let svc = tower::service_fn(move |mut req: Request| {
        let api = api.clone();
        async move {
            if let Some(path) = normalize_path(req.uri().path()) {
                let pq = match req.uri().query() {
                    Some(q) => format!("{path}?{q}"),
                    None => path,
                };
                let mut parts = req.uri().clone().into_parts();
                if let Ok(pq) = pq.parse() {
                    parts.path_and_query = Some(pq);
                    if let Ok(uri) = http::Uri::from_parts(parts) {
                        *req.uri_mut() = uri;
                    }
                }
            }
            tower::ServiceExt::oneshot(api, req).await
        }
    });
    Router::new().fallback_service(svc)
}

#[cfg(test)]
mod tests {
    use super::normalize_path;

    #[test]
    fn fixed_segments_are_lowercased_and_dollar_decoded() {
        assert_eq!(normalize_path("/demo/Demo/_apis/wit/workitems/3"), None);
        assert_eq!(
            normalize_path("/demo/Demo/_APIs/WIT/WorkItems/3").as_deref(),
            Some("/demo/Demo/_apis/wit/workitems/3")
        );
        assert_eq!(
            normalize_path("/demo/Demo/_apis/wit/workitems/%24User%20Story").as_deref(),
            Some("/demo/Demo/_apis/wit/workitems/$User%20Story")
        );
        // A project named like a fixed word is lowercased too; project lookups ignore case.
        assert_eq!(
            normalize_path("/demo/Fields/_apis/wit/fields"),
            Some("/demo/fields/_apis/wit/fields".to_owned())
        );
    }
}
