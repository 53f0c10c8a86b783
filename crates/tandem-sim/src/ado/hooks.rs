//! Service hooks: matching subscriptions to work item events, building the payloads and
//! delivering them over HTTP (research ado-api.md §6, sync-semantics §8).
//!
//! Payload envelope: `{subscriptionId, notificationId, id, eventType, publisherId: "tfs",
//! message, detailedMessage, resource, resourceVersion: "1.0", resourceContainers,
//! createdDate}`. `workitem.created`/`commented`: `resource` is the work item (identity fields
//! as `Name <email>` strings, resourceVersion 1.0); `workitem.commented` carries the text in
//! `fields["System.History"]` and no comment id; `workitem.updated`: `resource` is the
//! WorkItemUpdate with `revision` = the full item. Authentication: basic auth or header
//! secrets (`httpHeaders`, `Name:value` lines); there is no payload signature.
//!
//! Delivery: transient failures (408, 502, 503, 504, connection errors) are retried up to 8
//! times with backoff; 410 disables the subscription; other failures put it on probation.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use parking_lot::Mutex;
use serde::Serialize;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::identity::IdentityIdx;
use super::render::{self, ItemOptions};
use super::tree::Structure;
use super::workitem::WorkItem;
use super::world::{Subscription, World};

/// Event types the `tfs` publisher offers for work items.
pub const EVENT_TYPES: &[&str] = &[
    "workitem.created",
    "workitem.updated",
    "workitem.commented",
    "workitem.deleted",
    "workitem.restored",
];

/// One outgoing notification.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub subscription: Subscription,
    pub payload: Value,
}

/// A delivery attempt, for the admin API.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub subscription_id: String,
    pub notification_id: u64,
    pub event_type: String,
    pub url: String,
    pub attempt: u32,
    /// HTTP status, or 0 when the connection failed.
    pub status: u16,
    pub error: Option<String>,
    pub at_ms: i64,
}

/// Queues per subscription (events to one target stay in order) and the delivery log.
#[derive(Debug)]
pub struct Dispatcher {
    queues: Mutex<HashMap<Uuid, mpsc::UnboundedSender<Outgoing>>>,
    pub log: Arc<Mutex<Vec<Delivery>>>,
    /// Subscriptions to switch off (410) or put on probation, applied by the server.
    pub status_changes: Arc<Mutex<Vec<(Uuid, &'static str)>>>,
    client: reqwest::Client,
    /// Backoff unit; 1 s on a real service-ish schedule, shortened by tests.
    pub backoff: Duration,
    next_notification: std::sync::atomic::AtomicU64,
}

impl Dispatcher {
    pub fn new(backoff: Duration) -> Self {
        // The simulator is an independent client of nothing but its own webhooks: it builds
        // a plain reqwest client rather than tandem-connector's (which it must not depend on).
        let _ = rustls::crypto::ring::default_provider().install_default();
        #[allow(clippy::disallowed_methods)]
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            queues: Mutex::new(HashMap::new()),
            log: Arc::new(Mutex::new(Vec::new())),
            status_changes: Arc::new(Mutex::new(Vec::new())),
            client,
            backoff,
            next_notification: std::sync::atomic::AtomicU64::new(1),
        }
    }

    pub fn next_notification_id(&self) -> u64 {
        self.next_notification
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// Queue a notification (needs a running tokio runtime).
    pub fn send(&self, out: Outgoing) {
        let mut queues = self.queues.lock();
        let id = out.subscription.id;
        let tx = queues.entry(id).or_insert_with(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(worker(
                rx,
                self.client.clone(),
                self.log.clone(),
                self.status_changes.clone(),
                self.backoff,
            ));
            tx
        });
        if let Err(mpsc::error::SendError(out)) = tx.send(out) {
            // The worker ended (runtime shutting down): start a fresh queue.
            queues.remove(&id);
            drop(queues);
            self.send(out);
        }
    }
}

async fn worker(
    mut rx: mpsc::UnboundedReceiver<Outgoing>,
    client: reqwest::Client,
    log: Arc<Mutex<Vec<Delivery>>>,
    status_changes: Arc<Mutex<Vec<(Uuid, &'static str)>>>,
    backoff: Duration,
) {
    while let Some(out) = rx.recv().await {
        let inputs = &out.subscription.consumer_inputs;
        let url = inputs
            .get("url")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let notification_id = out
            .payload
            .get("notificationId")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut req = client
                .post(&url)
                .header("Content-Type", "application/json; charset=utf-8")
                .body(out.payload.to_string());
            let user = inputs.get("basicAuthUsername").and_then(Value::as_str);
            let pass = inputs.get("basicAuthPassword").and_then(Value::as_str);
            if user.is_some() || pass.is_some() {
                let token = base64::engine::general_purpose::STANDARD.encode(format!(
                    "{}:{}",
                    user.unwrap_or_default(),
                    pass.unwrap_or_default()
                ));
                req = req.header("Authorization", format!("Basic {token}"));
            }
            if let Some(lines) = inputs.get("httpHeaders").and_then(Value::as_str) {
                for line in lines.lines() {
                    if let Some((k, v)) = line.split_once(':') {
                        req = req.header(k.trim(), v.trim());
                    }
                }
            }
            let (status, error) = match req.send().await {
                Ok(r) => (r.status().as_u16(), None),
                Err(e) => (0, Some(e.to_string())),
            };
            log.lock().push(Delivery {
                subscription_id: out.subscription.id.to_string(),
                notification_id,
                event_type: out.subscription.event_type.clone(),
                url: url.clone(),
                attempt,
                status,
                error,
                at_ms: jiff::Timestamp::now().as_millisecond(),
            });
            match status {
                200..=299 => break,
                410 => {
                    status_changes
                        .lock()
                        .push((out.subscription.id, "disabledBySystem"));
                    break;
                }
                0 | 408 | 502 | 503 | 504 if attempt <= 8 => {
                    let factor = 1u32 << (attempt - 1).min(5);
                    tokio::time::sleep(backoff * factor).await;
                }
                _ => {
                    status_changes
                        .lock()
                        .push((out.subscription.id, "onProbation"));
                    break;
                }
            }
        }
    }
}

/// Does this subscription want an event about `item`?
pub fn matches(
    world: &World,
    s: &Subscription,
    event_type: &str,
    item: &WorkItem,
    changed: &[String],
) -> bool {
    if s.status != "enabled" && s.status != "onProbation" {
        return false;
    }
    if !s.event_type.eq_ignore_ascii_case(event_type) {
        return false;
    }
    let input = |k: &str| {
        s.publisher_inputs
            .get(k)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    if let Some(p) = input("projectId") {
        let project = &world.projects[usize::from(item.project)];
        if !p.eq_ignore_ascii_case(&project.id.to_string())
            && !p.eq_ignore_ascii_case(&project.name)
        {
            return false;
        }
    }
    if let Some(area) = input("areaPath") {
        let Some(node) = world.forest.find(Structure::Area, area) else {
            return false;
        };
        if !world.forest.is_under(item.area, node) {
            return false;
        }
    }
    if let Some(t) = input("workItemType") {
        let ty = &world.process_of(usize::from(item.project)).types[usize::from(item.type_idx)];
        if !ty.name.eq_ignore_ascii_case(t) {
            return false;
        }
    }
    if event_type == "workitem.updated"
        && let Some(fields) = input("changedFields")
    {
        let wanted: Vec<&str> = fields
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .collect();
        if !wanted.is_empty()
            && !changed
                .iter()
                .any(|c| wanted.iter().any(|w| w.eq_ignore_ascii_case(c)))
        {
            return false;
        }
    }
    true
}

/// Build the payload of one event.
pub fn payload(
    world: &World,
    s: &Subscription,
    notification_id: u64,
    event_type: &str,
    item: &WorkItem,
    actor: IdentityIdx,
    now: i64,
) -> Value {
    let project = &world.projects[usize::from(item.project)];
    let ty = &world.process_of(usize::from(item.project)).types[usize::from(item.type_idx)];
    let title = item
        .get(world.fields.core("System.Title"))
        .and_then(super::workitem::FieldValue::as_str)
        .unwrap_or_default()
        .to_owned();
    let who = world.identity(actor).display_name.clone();
    let web = format!(
        "{}/{}/_workitems/edit/{}",
        world.base_url, project.id, item.id
    );
    let verb = match event_type {
        "workitem.created" => "created",
        "workitem.commented" => "commented on",
        "workitem.deleted" => "deleted",
        "workitem.restored" => "restored",
        _ => "updated",
    };
    let text = format!(
        "{} #{} ({title}) {verb} by {who}\r\n({web})",
        ty.name, item.id
    );
    let html = format!(
        "<a href=\"{web}\">{} {}</a> ({title}) {verb} by {who}",
        ty.name, item.id
    );
    let markdown = format!("[{} {}]({web}) ({title}) {verb} by {who}", ty.name, item.id);
    let details = match s
        .consumer_inputs
        .get("resourceDetailsToSend")
        .and_then(Value::as_str)
    {
        Some("none") => "none",
        Some("minimal") => "minimal",
        _ => "all",
    };
    let item_opts = ItemOptions {
        expand: render::Expand::Relations,
        links: true,
        identity_strings: true,
        ..ItemOptions::default()
    };
    let resource = match (details, event_type) {
        ("none", _) => Value::Null,
        ("minimal", "workitem.updated") => {
            json!({ "id": item.rev(), "workItemId": item.id, "rev": item.rev(), "url": format!("{}/_apis/wit/workItems/{}/updates/{}", world.project_url_prefix(usize::from(item.project)), item.id, item.rev()) })
        }
        ("minimal", _) => json!({ "id": item.id, "url": world.work_item_url(item.id) }),
        (_, "workitem.updated") => {
            let updates = render::updates(world, item);
            let mut u = updates.last().cloned().unwrap_or(Value::Null);
            if let Value::Object(m) = &mut u {
                // resourceVersion 1.0: identity values as strings inside the field pairs.
                if let Some(Value::Object(fields)) = m.get_mut("fields") {
                    for pair in fields.values_mut() {
                        if let Value::Object(p) = pair {
                            for v in p.values_mut() {
                                if let Some(s) = identity_string(v) {
                                    *v = Value::String(s);
                                }
                            }
                        }
                    }
                }
                m.insert(
                    "revision".into(),
                    render::work_item(world, item, None, &item_opts),
                );
            }
            u
        }
        _ => render::work_item(world, item, None, &item_opts),
    };
    let container =
        |id: Uuid| json!({ "id": id.to_string(), "baseUrl": format!("{}/", world.base_url) });
    let mut message = Map::new();
    message.insert("subscriptionId".into(), json!(s.id.to_string()));
    message.insert("notificationId".into(), json!(notification_id));
    message.insert("id".into(), json!(Uuid::new_v4().to_string()));
    message.insert("eventType".into(), json!(event_type));
    message.insert("publisherId".into(), json!("tfs"));
    let none = |k: &str| s.consumer_inputs.get(k).and_then(Value::as_str) == Some("none");
    if !none("messagesToSend") {
        message.insert(
            "message".into(),
            json!({ "text": text, "html": html, "markdown": markdown }),
        );
    }
    if !none("detailedMessagesToSend") {
        message.insert(
            "detailedMessage".into(),
            json!({ "text": text, "html": html, "markdown": markdown }),
        );
    }
    message.insert("resource".into(), resource);
    message.insert("resourceVersion".into(), json!(s.resource_version));
    message.insert(
        "resourceContainers".into(),
        json!({
            "collection": container(world.org.id),
            "account": container(world.org.id),
            "project": container(project.id),
        }),
    );
    message.insert("createdDate".into(), json!(super::time::format_ms(now)));
    Value::Object(message)
}

fn identity_string(v: &Value) -> Option<String> {
    let o = v.as_object()?;
    let name = o.get("displayName")?.as_str()?;
    let unique = o.get("uniqueName")?.as_str()?;
    Some(format!("{name} <{unique}>"))
}

/// Is a hook target acceptable? (the real service refuses loopback/private targets and basic
/// auth over plain http; the simulator only does when `strict_hook_targets` is on).
pub fn check_target(world: &World, inputs: &Map<String, Value>) -> Result<(), String> {
    let url = inputs
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let parsed = url::Url::parse(url).map_err(|_| format!("The URL '{url}' is not valid."))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("The URL '{url}' must use http or https."));
    }
    if world.limits.strict_hook_targets {
        let host = parsed.host_str().unwrap_or_default();
        if host == "localhost"
            || host.starts_with("127.")
            || host == "[::1]"
            || host.starts_with("10.")
            || host.starts_with("192.168.")
        {
            return Err(format!(
                "The URL '{url}' points to a local or private network address, which service hooks cannot reach."
            ));
        }
        if parsed.scheme() == "http" && inputs.contains_key("basicAuthUsername") {
            return Err("Basic authentication requires an HTTPS URL.".into());
        }
    }
    Ok(())
}
