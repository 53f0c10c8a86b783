//! In-process fakes of both connectors: the shapes the real connectors hand the engine
//! (Jira: `updated` as the revision, statuses moved only by workflow transitions; Azure
//! DevOps: `rev` numbers, the state a plain field), with the behaviours the engine must
//! survive: stale revisions, refused values, transient failures and a concurrent editor.
//! End-to-end tests against the simulators check the same things over HTTP.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use jiff::Timestamp;
use parking_lot::Mutex;
use serde_json::{Value, json};
use tandem_connector::{
    Attachment, ChangeFeed, Comment, Connector, ConnectorError, ErrorKind, FieldChanges,
    FieldProblem, Identity, ItemId, ItemLink, Marker, NewItem, NewLink, Person, RemoteItem,
    Revision, RichText, Side, State, StateCategory, TextFormat, Transition, Written,
};

static CLOCK: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1_700_000_000_000);

/// One item of a fake side.
#[derive(Clone, Debug)]
pub(crate) struct FakeItem {
    pub(crate) id: u64,
    pub(crate) item_type: String,
    pub(crate) state: String,
    pub(crate) fields: BTreeMap<String, Value>,
    pub(crate) rich: BTreeMap<String, String>,
    pub(crate) rev: u64,
    pub(crate) changed: i64,
    pub(crate) created: i64,
    pub(crate) marker: Option<uuid::Uuid>,
}

/// A failure to inject into the next call of an operation.
#[derive(Clone, Debug)]
pub(crate) enum Fail {
    /// 503 (transient).
    Unavailable,
    /// 429 with a short Retry-After.
    RateLimited,
    /// 401.
    Unauthorized,
}

/// The shared state of one fake side.
#[derive(Debug)]
pub(crate) struct World {
    pub(crate) side: Side,
    pub(crate) items: BTreeMap<u64, FakeItem>,
    next_id: u64,
    clock: i64,
    /// Calls made, by operation.
    pub(crate) calls: BTreeMap<&'static str, u64>,
    /// Failures for the next calls of an operation.
    pub(crate) fail: Vec<(&'static str, Fail)>,
    /// User ids the side accepts in person fields.
    pub(crate) users: Vec<String>,
    /// Valid states (ADO) or statuses (Jira).
    pub(crate) states: Vec<(String, StateCategory)>,
    /// Jira workflow: (from, id, to).
    pub(crate) workflow: Vec<(String, String, String)>,
    pub(crate) page_size: usize,
    /// Called before each write: lets a test edit the item "concurrently".
    pub(crate) before_write: Option<BeforeWrite>,
    /// An item a person edits right after the feed listed it (its page then shows a stamp
    /// later than the feed's opening, as Azure DevOps's WIQL-then-batch reads can).
    pub(crate) edit_after_listing: Option<u64>,
}

/// A fake connector (cheap to clone; clones share the world).
#[derive(Clone, Debug)]
pub(crate) struct Fake {
    pub(crate) world: Arc<Mutex<World>>,
}

/// A hook run before each write (a concurrent editor).
pub(crate) struct BeforeWrite(pub Box<dyn FnMut(&mut FakeItem) + Send>);

impl std::fmt::Debug for BeforeWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("before_write")
    }
}

fn err(side: Side, kind: ErrorKind) -> ConnectorError {
    ConnectorError::new(side, kind)
}

impl Fake {
    pub(crate) fn jira() -> Fake {
        Fake::new(
            Side::Jira,
            vec![
                ("To Do".into(), StateCategory::ToDo),
                ("In Progress".into(), StateCategory::InProgress),
                ("In Review".into(), StateCategory::InProgress),
                ("Done".into(), StateCategory::Done),
            ],
            vec![
                ("To Do".into(), "11".into(), "In Progress".into()),
                ("In Progress".into(), "21".into(), "In Review".into()),
                ("In Progress".into(), "31".into(), "Done".into()),
                ("In Review".into(), "31".into(), "Done".into()),
                ("In Progress".into(), "41".into(), "To Do".into()),
                ("In Review".into(), "41".into(), "To Do".into()),
                ("Done".into(), "51".into(), "To Do".into()),
            ],
            vec!["acc-ann".into(), "acc-bob".into(), "acc-bot".into()],
            10_000,
        )
    }

    pub(crate) fn ado() -> Fake {
        Fake::new(
            Side::Ado,
            vec![
                ("New".into(), StateCategory::ToDo),
                ("Active".into(), StateCategory::InProgress),
                ("Resolved".into(), StateCategory::Resolved),
                ("Closed".into(), StateCategory::Done),
                ("Removed".into(), StateCategory::Removed),
            ],
            Vec::new(),
            vec![
                "ann@example.com".into(),
                "bob@example.com".into(),
                "bot@example.com".into(),
            ],
            1,
        )
    }

    fn new(
        side: Side,
        states: Vec<(String, StateCategory)>,
        workflow: Vec<(String, String, String)>,
        users: Vec<String>,
        first_id: u64,
    ) -> Fake {
        Fake {
            world: Arc::new(Mutex::new(World {
                side,
                items: BTreeMap::new(),
                next_id: first_id,
                clock: 1_700_000_000_000,
                calls: BTreeMap::new(),
                fail: Vec::new(),
                users,
                states,
                workflow,
                page_size: 3,
                before_write: None,
                edit_after_listing: None,
            })),
        }
    }

    /// Adds an item as a person would, returning its id.
    #[allow(
        clippy::needless_pass_by_value,
        reason = "tests read better with json!(..) inline"
    )]
    pub(crate) fn add(&self, item_type: &str, state: &str, fields: Value) -> u64 {
        let fields = &fields;
        let mut w = self.world.lock();
        let id = w.next_id;
        w.next_id += 1;
        let t = w.tick();
        let mut item = FakeItem {
            id,
            item_type: item_type.into(),
            state: state.into(),
            fields: BTreeMap::new(),
            rich: BTreeMap::new(),
            rev: 1,
            changed: t,
            created: t,
            marker: None,
        };
        w.apply_fields(&mut item, fields);
        w.items.insert(id, item);
        id
    }

    /// Edits an item as a person would.
    #[allow(
        clippy::needless_pass_by_value,
        reason = "tests read better with json!(..) inline"
    )]
    pub(crate) fn edit(&self, id: u64, fields: Value) {
        let fields = &fields;
        let mut w = self.world.lock();
        let t = w.tick();
        let mut item = w.items.get(&id).cloned().expect("item");
        w.apply_fields(&mut item, fields);
        item.rev += 1;
        item.changed = t;
        w.items.insert(id, item);
    }

    /// Moves an item to a state as a person would (any state).
    pub(crate) fn set_state(&self, id: u64, state: &str) {
        let mut w = self.world.lock();
        let t = w.tick();
        let item = w.items.get_mut(&id).expect("item");
        item.state = state.into();
        item.rev += 1;
        item.changed = t;
    }

    pub(crate) fn item(&self, id: u64) -> FakeItem {
        self.world.lock().items[&id].clone()
    }

    pub(crate) fn items(&self) -> Vec<FakeItem> {
        self.world.lock().items.values().cloned().collect()
    }

    pub(crate) fn count(&self) -> usize {
        self.world.lock().items.len()
    }

    /// Write calls (create, update, transition) since the last reset.
    pub(crate) fn writes(&self) -> u64 {
        let w = self.world.lock();
        ["create", "update", "transition"]
            .iter()
            .map(|k| w.calls.get(k).copied().unwrap_or(0))
            .sum()
    }

    pub(crate) fn calls(&self, op: &str) -> u64 {
        self.world.lock().calls.get(op).copied().unwrap_or(0)
    }

    pub(crate) fn reset_calls(&self) {
        self.world.lock().calls.clear();
    }

    pub(crate) fn fail_next(&self, op: &'static str, f: Fail) {
        self.world.lock().fail.push((op, f));
    }

    /// The item whose marker is `m`.
    pub(crate) fn with_marker(&self, m: uuid::Uuid) -> Vec<FakeItem> {
        self.world
            .lock()
            .items
            .values()
            .filter(|i| i.marker == Some(m))
            .cloned()
            .collect()
    }
}

impl World {
    /// One clock for both fakes, so "newer" means the same on both sides.
    fn tick(&mut self) -> i64 {
        self.clock = CLOCK.fetch_add(1_000, std::sync::atomic::Ordering::SeqCst) + 1_000;
        self.clock
    }

    fn apply_fields(&self, item: &mut FakeItem, fields: &Value) {
        let Some(map) = fields.as_object() else {
            return;
        };
        for (k, v) in map {
            let rich = matches!(k.as_str(), "description" | "System.Description");
            if rich {
                match v {
                    Value::Null => {
                        item.rich.remove(k);
                    }
                    Value::String(s) if self.side == Side::Ado => {
                        item.rich.insert(k.clone(), s.clone());
                    }
                    Value::String(s) => {
                        item.rich.insert(
                            k.clone(),
                            json!({"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":s}]}]}).to_string(),
                        );
                    }
                    other => {
                        item.rich.insert(k.clone(), other.to_string());
                    }
                }
                continue;
            }
            if v.is_null() {
                item.fields.remove(k);
            } else {
                item.fields.insert(k.clone(), self.stored(k, v));
            }
        }
    }

    /// What the server keeps for a written value (ADO turns an identity string into an
    /// IdentityRef, like the real thing).
    fn stored(&self, k: &str, v: &Value) -> Value {
        if self.side == Side::Ado
            && k == "System.AssignedTo"
            && let Some(s) = v.as_str()
        {
            return json!({"uniqueName": s, "displayName": s.split('@').next().unwrap_or(s), "id": format!("guid-{s}")});
        }
        if self.side == Side::Jira
            && k == "assignee"
            && let Some(a) = v.get("accountId").and_then(Value::as_str)
        {
            return json!({"accountId": a, "displayName": a});
        }
        v.clone()
    }

    fn take_fail(&mut self, op: &str) -> Option<ConnectorError> {
        let i = self.fail.iter().position(|(o, _)| *o == op)?;
        let (_, f) = self.fail.remove(i);
        Some(match f {
            Fail::Unavailable => err(self.side, ErrorKind::Server { status: 503 }),
            Fail::RateLimited => err(
                self.side,
                ErrorKind::RateLimited {
                    retry_after: Some(std::time::Duration::from_millis(20)),
                    limit: None,
                },
            ),
            Fail::Unauthorized => err(
                self.side,
                ErrorKind::Unauthenticated {
                    problem: tandem_connector::AuthProblem::Rejected,
                },
            ),
        })
    }

    fn call(&mut self, op: &'static str) -> Result<(), ConnectorError> {
        *self.calls.entry(op).or_insert(0) += 1;
        match self.take_fail(op) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn category(&self, state: &str) -> StateCategory {
        self.states
            .iter()
            .find(|(s, _)| s == state)
            .map_or(StateCategory::Unknown, |(_, c)| *c)
    }

    fn revision(&self, item: &FakeItem) -> Revision {
        match self.side {
            Side::Jira => Revision(format!("updated-{}", item.changed)),
            Side::Ado => Revision(item.rev.to_string()),
        }
    }

    fn remote(&self, item: &FakeItem) -> RemoteItem {
        let format = match self.side {
            Side::Jira => TextFormat::Adf,
            Side::Ado => TextFormat::Html,
        };
        RemoteItem {
            id: ItemId::new(item.id.to_string()),
            key: match self.side {
                Side::Jira => format!("DEMO-{}", item.id),
                Side::Ado => item.id.to_string(),
            },
            project: "DEMO".into(),
            item_type: item.item_type.clone(),
            revision: self.revision(item),
            changed_at: Timestamp::from_millisecond(item.changed).unwrap(),
            created_at: Some(Timestamp::from_millisecond(item.created).unwrap()),
            state: Some(State {
                name: item.state.clone(),
                category: self.category(&item.state),
            }),
            fields: item.fields.clone(),
            rich_text: item
                .rich
                .iter()
                .map(|(k, v)| (k.clone(), RichText::new(format, v.clone())))
                .collect(),
            links: Vec::new(),
            attachments: Vec::new(),
            marker: item.marker.map(Marker),
            web_url: None,
        }
    }

    fn written(&self, item: &FakeItem) -> Written {
        Written {
            id: ItemId::new(item.id.to_string()),
            key: item.id.to_string(),
            revision: self.revision(item),
            changed_at: Timestamp::from_millisecond(item.changed).unwrap(),
        }
    }

    /// Refuses unknown people and states the way both products do (400 with a field
    /// message).
    fn validate(&self, fields: &BTreeMap<String, Option<Value>>) -> Result<(), ConnectorError> {
        let mut problems = Vec::new();
        for (k, v) in fields {
            let Some(v) = v else { continue };
            let user = match (self.side, k.as_str()) {
                (Side::Jira, "assignee") => v.get("accountId").and_then(Value::as_str),
                (Side::Ado, "System.AssignedTo") => v.as_str(),
                _ => None,
            };
            if let Some(u) = user
                && !self.users.iter().any(|x| x == u)
            {
                problems.push(FieldProblem {
                    field: k.clone(),
                    message: format!(
                        "The identity value '{u}' for field '{k}' is an unknown identity."
                    ),
                });
            }
            if self.side == Side::Ado
                && k == "System.State"
                && let Some(s) = v.as_str()
                && !self.states.iter().any(|(x, _)| x == s)
            {
                problems.push(FieldProblem {
                    field: k.clone(),
                    message: format!(
                        "TF401320: Rule Error for field State. Error code: LimitedToValues ({s})."
                    ),
                });
            }
            if self.side == Side::Jira && k == "status" {
                problems.push(FieldProblem {
                    field: k.clone(),
                    message: "Field 'status' cannot be set. It is not on the appropriate screen, or unknown.".into(),
                });
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(err(self.side, ErrorKind::Validation { fields: problems }))
        }
    }
}

fn changes_json(changes: &FieldChanges) -> (BTreeMap<String, Option<Value>>, Value) {
    let mut all: BTreeMap<String, Option<Value>> = changes.fields.clone();
    for (k, r) in &changes.rich_text {
        all.insert(k.clone(), Some(Value::String(r.text.clone())));
    }
    let obj: serde_json::Map<String, Value> = all
        .iter()
        .map(|(k, v)| (k.clone(), v.clone().unwrap_or(Value::Null)))
        .collect();
    (all, Value::Object(obj))
}

/// The fake's change feed: items changed at or after `since` (less a minute of overlap),
/// oldest first, a few per page.
#[derive(Debug)]
pub(crate) struct FakeFeed {
    world: Arc<Mutex<World>>,
    since: Option<Timestamp>,
    queue: Option<Vec<u64>>,
}

impl ChangeFeed for FakeFeed {
    async fn next_page(&mut self) -> Result<Option<Vec<RemoteItem>>, ConnectorError> {
        let mut w = self.world.lock();
        w.call("feed_page")?;
        if self.queue.is_none() {
            let from = self.since.map_or(i64::MIN, |s| s.as_millisecond() - 60_000);
            let mut list: Vec<&FakeItem> = w.items.values().filter(|i| i.changed >= from).collect();
            list.sort_by_key(|i| (i.changed, i.id));
            self.queue = Some(list.iter().map(|i| i.id).collect());
            if let Some(id) = w.edit_after_listing.take()
                && let Some(item) = w.items.get_mut(&id)
            {
                item.changed = Timestamp::now().as_millisecond() + 3_600_000;
                item.rev += 1;
            }
        }
        let size = w.page_size;
        let queue = self.queue.as_mut().expect("set above");
        if queue.is_empty() {
            return Ok(None);
        }
        let n = size.min(queue.len());
        let ids: Vec<u64> = queue.drain(..n).collect();
        // Items are read when the page is read (a page shows the current revision).
        Ok(Some(
            ids.iter()
                .filter_map(|id| w.items.get(id))
                .map(|i| w.remote(i))
                .collect(),
        ))
    }
}

impl Connector for Fake {
    type Feed = FakeFeed;

    fn side(&self) -> Side {
        self.world.lock().side
    }

    fn rich_text_format(&self) -> TextFormat {
        match self.side() {
            Side::Jira => TextFormat::Adf,
            Side::Ado => TextFormat::Html,
        }
    }

    async fn identity(&self) -> Result<Identity, ConnectorError> {
        let mut w = self.world.lock();
        w.call("identity")?;
        let person = match w.side {
            Side::Jira => Person {
                id: "acc-bot".into(),
                display_name: Some("Sync Bot".into()),
                email: Some("bot@example.com".into()),
                login: None,
            },
            Side::Ado => Person {
                id: "guid-bot".into(),
                display_name: Some("Sync Bot".into()),
                email: Some("bot@example.com".into()),
                login: Some("bot@example.com".into()),
            },
        };
        Ok(Identity {
            person,
            time_zone: None,
        })
    }

    fn changes(&self, since: Option<Timestamp>) -> FakeFeed {
        FakeFeed {
            world: self.world.clone(),
            since,
            queue: None,
        }
    }

    async fn get_many(&self, ids: &[ItemId]) -> Result<Vec<RemoteItem>, ConnectorError> {
        let mut w = self.world.lock();
        w.call("get_many")?;
        Ok(ids
            .iter()
            .filter_map(|id| id.0.parse::<u64>().ok())
            .filter_map(|id| w.items.get(&id))
            .map(|i| w.remote(i))
            .collect())
    }

    async fn create(&self, item: &NewItem, marker: Marker) -> Result<Written, ConnectorError> {
        let mut w = self.world.lock();
        w.call("create")?;
        let mut fields: BTreeMap<String, Option<Value>> = item
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.clone())))
            .collect();
        w.validate(&fields)?;
        let state = match w.side {
            Side::Jira => "To Do".to_owned(),
            Side::Ado => fields
                .remove("System.State")
                .flatten()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| "New".into()),
        };
        let id = w.next_id;
        w.next_id += 1;
        let t = w.tick();
        let mut new = FakeItem {
            id,
            item_type: item.item_type.clone(),
            state,
            fields: BTreeMap::new(),
            rich: BTreeMap::new(),
            rev: 1,
            changed: t,
            created: t,
            marker: Some(marker.0),
        };
        let mut obj: serde_json::Map<String, Value> = fields
            .into_iter()
            .map(|(k, v)| (k, v.unwrap_or(Value::Null)))
            .collect();
        for (k, r) in &item.rich_text {
            obj.insert(k.clone(), Value::String(r.text.clone()));
        }
        // Rich text arrives in the side's own format already.
        for (k, v) in obj {
            if matches!(k.as_str(), "description" | "System.Description") {
                if let Some(s) = v.as_str() {
                    new.rich.insert(k, s.to_owned());
                }
            } else if !v.is_null() {
                let stored = w.stored(&k, &v);
                new.fields.insert(k, stored);
            }
        }
        w.items.insert(id, new.clone());
        Ok(w.written(&new))
    }

    async fn find_by_marker(
        &self,
        marker: Marker,
        _created_since: Timestamp,
    ) -> Result<Vec<RemoteItem>, ConnectorError> {
        let mut w = self.world.lock();
        w.call("find_by_marker")?;
        Ok(w.items
            .values()
            .filter(|i| i.marker == Some(marker.0))
            .map(|i| w.remote(i))
            .collect())
    }

    async fn update(
        &self,
        id: &ItemId,
        changes: &FieldChanges,
        guard: Option<&Revision>,
    ) -> Result<Written, ConnectorError> {
        let mut w = self.world.lock();
        w.call("update")?;
        let n: u64 = id.0.parse().unwrap_or(0);
        if let Some(mut hook) = w.before_write.take() {
            if let Some(item) = w.items.get_mut(&n) {
                (hook.0)(item);
            }
            w.before_write = Some(hook);
        }
        let Some(mut item) = w.items.get(&n).cloned() else {
            return Err(err(
                w.side,
                ErrorKind::NotFoundOrHidden { what: id.0.clone() },
            ));
        };
        if let Some(g) = guard
            && *g != w.revision(&item)
        {
            return Err(err(
                w.side,
                ErrorKind::StaleRevision {
                    expected: g.0.clone(),
                    actual: Some(w.revision(&item).0),
                },
            ));
        }
        let (mut all, _) = changes_json(changes);
        w.validate(&all)?;
        if w.side == Side::Ado
            && let Some(Some(s)) = all.remove("System.State")
        {
            item.state = s.as_str().unwrap_or_default().to_owned();
        }
        let obj: serde_json::Map<String, Value> = all
            .into_iter()
            .map(|(k, v)| (k, v.unwrap_or(Value::Null)))
            .collect();
        let before = item.clone();
        // Rich text as written: keep the exact text.
        for (k, r) in &changes.rich_text {
            item.rich.insert(k.clone(), r.text.clone());
        }
        let plain: serde_json::Map<String, Value> = obj
            .into_iter()
            .filter(|(k, _)| !changes.rich_text.contains_key(k))
            .collect();
        w.apply_fields(&mut item, &Value::Object(plain));
        if item.fields != before.fields || item.rich != before.rich || item.state != before.state {
            item.rev += 1;
            item.changed = w.tick();
        }
        w.items.insert(n, item.clone());
        Ok(w.written(&item))
    }

    async fn transitions(&self, id: &ItemId) -> Result<Vec<Transition>, ConnectorError> {
        let mut w = self.world.lock();
        w.call("transitions")?;
        let n: u64 = id.0.parse().unwrap_or(0);
        let current = w.items.get(&n).map(|i| i.state.clone()).unwrap_or_default();
        Ok(w.workflow
            .iter()
            .filter(|(from, _, _)| *from == current)
            .map(|(_, tid, to)| Transition {
                id: tid.clone(),
                name: format!("to {to}"),
                to: State {
                    name: to.clone(),
                    category: w.category(to),
                },
                required_fields: Vec::new(),
            })
            .collect())
    }

    async fn transition(
        &self,
        id: &ItemId,
        transition: &Transition,
        _fields: &FieldChanges,
        guard: Option<&Revision>,
    ) -> Result<Written, ConnectorError> {
        let mut w = self.world.lock();
        w.call("transition")?;
        let n: u64 = id.0.parse().unwrap_or(0);
        let Some(mut item) = w.items.get(&n).cloned() else {
            return Err(err(
                w.side,
                ErrorKind::NotFoundOrHidden { what: id.0.clone() },
            ));
        };
        if let Some(g) = guard
            && *g != w.revision(&item)
        {
            return Err(err(
                w.side,
                ErrorKind::StaleRevision {
                    expected: g.0.clone(),
                    actual: None,
                },
            ));
        }
        let ok = w.workflow.iter().any(|(from, tid, to)| {
            *from == item.state && *tid == transition.id && *to == transition.to.name
        });
        if !ok {
            return Err(err(
                w.side,
                ErrorKind::Validation {
                    fields: vec![FieldProblem {
                        field: "transition".into(),
                        message: "It seems that you have tried to perform a workflow operation that is not valid for the current state of this issue.".into(),
                    }],
                },
            ));
        }
        item.state = transition.to.name.clone();
        item.rev += 1;
        item.changed = w.tick();
        w.items.insert(n, item.clone());
        Ok(w.written(&item))
    }

    async fn comments(&self, _id: &ItemId) -> Result<Vec<Comment>, ConnectorError> {
        Ok(Vec::new())
    }

    async fn add_comment(&self, _id: &ItemId, _body: &RichText) -> Result<Comment, ConnectorError> {
        Err(ConnectorError::config(Side::Jira, "comments are not faked"))
    }

    async fn download_attachment(&self, _a: &Attachment) -> Result<Bytes, ConnectorError> {
        Err(ConnectorError::config(
            Side::Jira,
            "attachments are not faked",
        ))
    }

    async fn upload_attachment(
        &self,
        _id: &ItemId,
        _filename: &str,
        _content: Bytes,
    ) -> Result<Attachment, ConnectorError> {
        Err(ConnectorError::config(
            Side::Jira,
            "attachments are not faked",
        ))
    }

    async fn add_link(&self, _id: &ItemId, _link: &NewLink) -> Result<(), ConnectorError> {
        Ok(())
    }

    async fn remove_link(&self, _id: &ItemId, _link: &ItemLink) -> Result<(), ConnectorError> {
        Ok(())
    }
}
