//! The engine: one [`Engine`] per profile, generic over the two connectors and the store.
//! A pass (`Engine::pass`) runs
//!
//! ```text
//! recovery (open intents, chosen conflicts, parked items)
//!   -> for each side: change feed page -> hydrate counterparts -> normalise -> plan
//!        -> creates (intent, create with marker, read back, link)
//!        -> pair writes (guarded; re-plan on a stale revision)
//!        -> read back, record baselines and stamps -> move the cursor
//! ```
//!
//! How each sync invariant of DESIGN.md is kept is noted where it happens.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream;
use parking_lot::Mutex;
use tandem_connector::{
    ChangeFeed, Connector, ConnectorError, ErrorKind, FieldChanges, ItemId, Marker, NetworkProblem,
    NewItem, RemoteItem, Written,
};
use tandem_core::{
    Baselines, CreateOp, Entry, EpochMs, FieldValue, Item, ItemRef, LinkRef, LinkedPair, Op,
    PlanSettings, Side, Sided, StateCategory, UserDirectory, adopt_baselines, plan,
};
use tandem_store::{
    AuditAction, ConflictStatus, CreateRecord, Cursor, FieldChange, Intent, IntentState, ItemStamp,
    LinkId, LinkRecord, NewAudit, Outcome, PassOutcome, PassSummary, Store, StoreError, SyncRecord,
};

use crate::codec::{self, Dialect};
use crate::hooks::{Event, FaultPoint, Hooks};
use crate::report::{ItemOutcome, ItemReport, PassReport};
use crate::settings::SyncSettings;
use crate::workflow::{WorkflowCache, next_hop};

/// The baseline name of a Jira transition in flight (write-ahead; not a mapping name).
const TRANSITION: &str = "@transition";

/// Whether a pass writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Read, plan, write, record.
    Apply,
    /// Read and plan only: the same plan a real pass would execute, nothing written to either
    /// side or to the store (DESIGN.md, invariant 7).
    DryRun,
}

/// A pass could not go on.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The state store failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// A side cannot be used at all (credentials, TLS, proxy, API version, unreachable):
    /// every item would fail the same way.
    #[error("{0}")]
    Connector(ConnectorError),
    /// A test asked the pass to stop here as if the process had died.
    #[error("fault injected after step `{0}`")]
    Injected(FaultPoint),
}

/// What went wrong with one item's step.
enum Step {
    /// The item changed since it was read: re-read and re-plan.
    Stale,
    /// Transient: try the item again later.
    Retry(ConnectorError),
    /// The other side refused this item's data: park it.
    Reject(String),
    /// Stop the pass.
    Fatal(EngineError),
}

impl From<EngineError> for Step {
    fn from(e: EngineError) -> Step {
        Step::Fatal(e)
    }
}

impl From<StoreError> for Step {
    fn from(e: StoreError) -> Step {
        Step::Fatal(EngineError::Store(e))
    }
}

fn classify(e: ConnectorError) -> Step {
    match e.kind() {
        ErrorKind::StaleRevision { .. } => Step::Stale,
        ErrorKind::Unauthenticated { .. }
        | ErrorKind::Tls { .. }
        | ErrorKind::Proxy { .. }
        | ErrorKind::Config { .. }
        | ErrorKind::ApiVersion { .. }
        | ErrorKind::HtmlInsteadOfJson { .. }
        | ErrorKind::Network {
            problem: NetworkProblem::Dns,
            ..
        } => Step::Fatal(EngineError::Connector(e)),
        _ if e.is_retryable() => Step::Retry(e),
        _ => Step::Reject(e.to_string()),
    }
}

fn now() -> EpochMs {
    EpochMs(jiff::Timestamp::now().as_millisecond())
}

fn stamp_of(side: Side, r: &RemoteItem) -> ItemStamp {
    stamp(side, r.changed_at, &r.revision)
}

fn written_stamp(side: Side, w: &Written) -> ItemStamp {
    stamp(side, w.changed_at, &w.revision)
}

/// Jira has no revision number, only `updated`; Azure DevOps has both.
fn stamp(
    side: Side,
    changed_at: jiff::Timestamp,
    revision: &tandem_connector::Revision,
) -> ItemStamp {
    ItemStamp {
        updated: EpochMs(changed_at.as_millisecond()),
        revision: match side {
            Side::Jira => None,
            Side::Ado => revision.0.parse().ok(),
        },
    }
}

fn remote_ref(side: Side, r: &RemoteItem) -> ItemRef {
    ItemRef {
        side,
        id: r.id.0.clone(),
        key: (side == Side::Jira).then(|| r.key.clone()),
    }
}

/// What one pass shares between its items.
struct Ctx {
    mode: Mode,
    seen: Mutex<HashSet<(Side, String, String)>>,
    report: Mutex<PassReport>,
    /// Conflicts a person chose, by link: mapping name -> side to take.
    resolutions: HashMap<LinkId, BTreeMap<String, Side>>,
    /// Items parked before this pass.
    parked: HashSet<(Side, String)>,
    /// Intents left open by earlier passes (their creates may have happened).
    open_intents: Mutex<HashSet<uuid::Uuid>>,
}

impl Ctx {
    fn dry(&self) -> bool {
        self.mode == Mode::DryRun
    }

    fn add(&self, item: ItemReport) {
        self.report.lock().add(item);
    }
}

/// A pair whose writes are done, waiting for its read-back and record.
struct Pending {
    link: LinkRecord,
    baselines: Baselines,
    /// The stamp of each item as planned (for the side not written).
    current: Sided<ItemStamp>,
    written: Sided<Option<Written>>,
    /// Mapping names written per side (their baselines are refreshed from the read-back).
    written_fields: Sided<Vec<String>>,
    audit: Vec<NewAudit>,
    report: ItemReport,
}

/// A counterpart that exists (just made, or found by its marker) and waits to be linked.
struct Made {
    intent: Intent,
    source: RemoteItem,
    target_id: ItemId,
    target: Option<RemoteItem>,
    ops: Vec<Op>,
    audit: Vec<NewAudit>,
}

enum CreateResult {
    Done(ItemReport),
    Made(Box<Made>),
}

/// A pair handled: the items it concerns, its report, and its record if it has one.
type PairDone = (Vec<(Side, String)>, ItemReport, Option<Pending>);

/// The outcome of one input item of a batch, for the cursor.
struct Seen {
    stamp: EpochMs,
    outcome: ItemOutcome,
}

/// The sync engine of one profile.
#[derive(Debug)]
pub struct Engine<J, A, S> {
    jira: J,
    ado: A,
    store: S,
    settings: SyncSettings,
    hooks: Hooks,
    dialects: Sided<Dialect>,
    workflows: WorkflowCache,
    directory: Mutex<UserDirectory>,
    identities: tokio::sync::OnceCell<()>,
    /// The mapping with each side's sync user filled in (once the tokens' identities are
    /// known), for `unmapped_users = "sync-user"`.
    mapping: std::sync::OnceLock<tandem_core::Mapping>,
}

impl<J: Connector, A: Connector, S: Store> Engine<J, A, S> {
    /// An engine over two connectors (Jira's and Azure DevOps') and a store.
    pub fn new(jira: J, ado: A, store: S, settings: SyncSettings) -> Self {
        let dialects = Sided::new(
            Dialect::of(Side::Jira, jira.rich_text_format()),
            Dialect::of(Side::Ado, ado.rich_text_format()),
        );
        Engine {
            jira,
            ado,
            store,
            settings,
            hooks: Hooks::default(),
            dialects,
            workflows: WorkflowCache::default(),
            directory: Mutex::new(UserDirectory::default()),
            identities: tokio::sync::OnceCell::new(),
            mapping: std::sync::OnceLock::new(),
        }
    }

    /// Replaces the hooks (fault injection, progress, stop signal).
    #[must_use]
    pub fn with_hooks(mut self, hooks: Hooks) -> Self {
        self.hooks = hooks;
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The settings.
    pub fn settings(&self) -> &SyncSettings {
        &self.settings
    }

    /// The hooks.
    pub fn hooks(&self) -> &Hooks {
        &self.hooks
    }

    fn profile(&self) -> &str {
        &self.settings.profile
    }

    fn fault(&self, point: FaultPoint) -> Result<(), EngineError> {
        if self.hooks.faults.fail_at(point) {
            return Err(EngineError::Injected(point));
        }
        Ok(())
    }

    // --- side dispatch ---------------------------------------------------------------------

    async fn get_many(
        &self,
        side: Side,
        ids: &[ItemId],
    ) -> Result<Vec<RemoteItem>, ConnectorError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        match side {
            Side::Jira => self.jira.get_many(ids).await,
            Side::Ado => self.ado.get_many(ids).await,
        }
    }

    async fn create(
        &self,
        side: Side,
        item: &NewItem,
        marker: Marker,
    ) -> Result<Written, ConnectorError> {
        match side {
            Side::Jira => self.jira.create(item, marker).await,
            Side::Ado => self.ado.create(item, marker).await,
        }
    }

    async fn find_by_marker(
        &self,
        side: Side,
        marker: Marker,
        since: jiff::Timestamp,
    ) -> Result<Vec<RemoteItem>, ConnectorError> {
        match side {
            Side::Jira => self.jira.find_by_marker(marker, since).await,
            Side::Ado => self.ado.find_by_marker(marker, since).await,
        }
    }

    async fn update(
        &self,
        side: Side,
        id: &ItemId,
        changes: &FieldChanges,
        guard: &tandem_connector::Revision,
    ) -> Result<Written, ConnectorError> {
        match side {
            Side::Jira => self.jira.update(id, changes, Some(guard)).await,
            Side::Ado => self.ado.update(id, changes, Some(guard)).await,
        }
    }

    /// The vendor values of planned field writes, and what the target format could not carry.
    fn encode<'w>(
        &self,
        dialect: Dialect,
        writes: impl Iterator<Item = &'w tandem_core::FieldWrite>,
    ) -> (FieldChanges, Vec<String>) {
        let mut changes = FieldChanges::default();
        let mut losses = Vec::new();
        for w in writes {
            if let Some(f) = self
                .settings
                .mapping
                .fields
                .iter()
                .find(|f| f.name() == w.name)
            {
                losses.extend(codec::encode_into(dialect, f, w.new.as_ref(), &mut changes));
            }
        }
        (changes, losses)
    }

    fn decode(&self, side: Side, r: &RemoteItem) -> Item {
        codec::decode(*self.dialects.get(side), &self.settings.mapping, r)
    }

    // --- the pass --------------------------------------------------------------------------

    /// Runs one pass. A failure that makes the whole pass pointless (a side's credentials
    /// refused, the store failing) ends it with [`PassOutcome::Failed`] in the report; only an
    /// injected fault returns an error, leaving the state exactly as a crash would.
    ///
    /// # Errors
    /// [`EngineError::Injected`] when the fault hook fires; [`EngineError::Store`] when even
    /// recording the failed pass fails.
    pub async fn pass(&self, mode: Mode) -> Result<PassReport, EngineError> {
        let started = now();
        let dry = mode == Mode::DryRun;
        let pass_id = if dry {
            None
        } else {
            Some(self.store.begin_pass(self.profile(), started).await?)
        };
        let cx = Ctx {
            mode,
            seen: Mutex::new(HashSet::new()),
            report: Mutex::new(PassReport::new(self.profile(), dry, started)),
            resolutions: HashMap::new(),
            parked: HashSet::new(),
            open_intents: Mutex::new(HashSet::new()),
        };
        let result = self.run(cx).await;
        let (mut report, outcome) = match result {
            Ok((report, interrupted)) => (
                report,
                if interrupted {
                    PassOutcome::Interrupted
                } else {
                    PassOutcome::Completed
                },
            ),
            Err((_, EngineError::Injected(p))) => return Err(EngineError::Injected(p)),
            Err((mut report, e)) => {
                tracing::error!(profile = self.profile(), error = %e, "pass failed");
                report.errors.insert(0, e.to_string());
                (report, PassOutcome::Failed)
            }
        };
        report.finished = now();
        report.outcome = outcome;
        // Items finish in any order when several are in flight; report them in key order.
        report.items.sort_by_cached_key(|i| subject_key(&i.subject));
        if let Some(id) = pass_id {
            let summary = PassSummary {
                finished: report.finished,
                outcome,
                counts: report.counts,
                errors: report.errors.clone(),
            };
            self.store.finish_pass(id, &summary).await?;
        }
        Ok(report)
    }

    async fn run(&self, mut cx: Ctx) -> Result<(PassReport, bool), (PassReport, EngineError)> {
        let step = async {
            self.load_identities().await?;
            // Conflicts a person settled since the last pass: their pairs are planned again
            // even if neither item changed.
            let chosen = self
                .store
                .conflicts(self.profile(), Some(ConflictStatus::Chosen))
                .await?;
            for c in &chosen {
                if let Some(take) = c.take {
                    cx.resolutions
                        .entry(c.link_id)
                        .or_default()
                        .insert(c.field.clone(), take);
                }
            }
            let parked = self.store.parked(self.profile()).await?;
            cx.parked = parked
                .iter()
                .map(|p| (p.item.side, p.item.id.clone()))
                .collect();
            Ok::<_, EngineError>((chosen, parked))
        }
        .await;
        let (chosen, parked) = match step {
            Ok(v) => v,
            Err(e) => return Err((cx.report.into_inner(), e)),
        };
        let outcome = self.run_passes(&cx, &chosen, &parked).await;
        let report = cx.report.into_inner();
        match outcome {
            Ok(interrupted) => Ok((report, interrupted)),
            Err(e) => Err((report, e)),
        }
    }

    async fn run_passes(
        &self,
        cx: &Ctx,
        chosen: &[tandem_store::ConflictRecord],
        parked: &[tandem_store::ParkedItem],
    ) -> Result<bool, EngineError> {
        // Recovery first: open intents are resolved (their markers looked up) before any new
        // create (invariant 1); chosen conflicts and parked items are tried again.
        let mut ids: Sided<Vec<ItemId>> = Sided::default();
        let mut add = |side: Side, id: &str| {
            let list = ids.get_mut(side);
            if !list.iter().any(|i| i.0 == id) {
                list.push(ItemId::new(id));
            }
        };
        if !cx.dry() {
            for intent in self.store.open_intents(self.profile()).await? {
                add(intent.source.side, &intent.source.id);
                cx.open_intents.lock().insert(intent.id);
            }
        }
        for c in chosen {
            add(Side::Jira, &c.link.jira_id);
        }
        for p in parked {
            add(p.item.side, &p.item.id);
        }
        let mut batch: Sided<Vec<RemoteItem>> = Sided::default();
        for side in Side::BOTH {
            *batch.get_mut(side) = self
                .get_many(side, ids.get(side))
                .await
                .map_err(EngineError::Connector)?;
        }
        // A parked item that no longer exists is not parked any more.
        if !cx.dry() {
            for p in parked {
                if !batch.get(p.item.side).iter().any(|r| r.id.0 == p.item.id) {
                    self.store.unpark_item(self.profile(), &p.item).await?;
                }
            }
        }
        if !batch.jira.is_empty() || !batch.ado.is_empty() {
            self.process_batch(cx, batch).await?;
        }
        for side in Side::BOTH {
            if self.hooks.stop.is_stopped() {
                return Ok(true);
            }
            let interrupted = match side {
                Side::Jira => self.feed(cx, side, &self.jira).await?,
                Side::Ado => self.feed(cx, side, &self.ado).await?,
            };
            if interrupted {
                return Ok(true);
            }
        }
        Ok(self.hooks.stop.is_stopped())
    }

    async fn load_identities(&self) -> Result<(), EngineError> {
        self.identities
            .get_or_try_init(|| async {
                let j = self.jira.identity().await.map_err(EngineError::Connector)?;
                let a = self.ado.identity().await.map_err(EngineError::Connector)?;
                let j = codec::person(self.dialects.jira, &j.person);
                let a = codec::person(self.dialects.ado, &a.person);
                let mut d = self.directory.lock();
                d.users.jira.push(j.clone());
                d.users.ado.push(a.clone());
                let mut mapping = self.settings.mapping.clone();
                mapping.users.sync_users = Sided::new(Some(j), Some(a));
                let _ = self.mapping.set(mapping);
                Ok::<_, EngineError>(())
            })
            .await
            .map(|_| ())
    }

    /// Reads one side's change feed from its cursor and applies it page by page; the cursor
    /// moves after each page, never past an item that is not applied (invariant 5).
    async fn feed<C: Connector>(&self, cx: &Ctx, side: Side, c: &C) -> Result<bool, EngineError> {
        let opened = now();
        let cursor = self.store.cursor(self.profile(), side).await?;
        let since = cursor.as_ref().map(|c| c.stamp);
        let mut feed = c.changes(since.and_then(EpochMs::to_timestamp));
        let mut committed = since.unwrap_or(EpochMs::ZERO);
        let mut hold: Option<EpochMs> = None;
        let mut max_seen = committed;
        loop {
            if self.hooks.stop.is_stopped() {
                return Ok(true);
            }
            let page = match feed.next_page().await {
                Ok(Some(page)) => page,
                Ok(None) => break,
                // A transient failure the connector's own retries could not absorb ends this
                // side's feed for the pass, not the pass: the cursor stays after the last
                // page applied, and the next pass reads on from there (invariant 6).
                Err(e) if e.is_retryable() => {
                    tracing::warn!(%side, error = %e, "change feed interrupted; continuing next pass");
                    let mut report = cx.report.lock();
                    report.counts.errors += 1;
                    report
                        .errors
                        .push(format!("change feed interrupted, read on next pass: {e}"));
                    break;
                }
                Err(e) => return Err(EngineError::Connector(e)),
            };
            self.hooks.progress.event(&Event::Page {
                side: side.as_str(),
                items: page.len(),
            });
            cx.report.lock().counts.seen += page.len() as u64;
            let mut batch = Sided::<Vec<RemoteItem>>::default();
            *batch.get_mut(side) = page;
            let seen = self.process_batch(cx, batch).await?;
            for s in &seen {
                // Only items unchanged since the feed was opened are in feed order. One
                // edited while the feed is read comes back stamped later than `opened` (Azure
                // DevOps lists ids first and reads them in batches after), and counting it
                // would move the cursor past the pages not read yet.
                if s.stamp < opened {
                    max_seen = max_seen.max(s.stamp);
                }
                if s.outcome.holds_cursor() {
                    hold = Some(hold.map_or(s.stamp, |h| h.min(s.stamp)));
                }
            }
            if !cx.dry() {
                let target = match hold {
                    Some(h) => h.minus_millis(1).min(max_seen),
                    None => max_seen,
                };
                if target > committed {
                    let c = Cursor {
                        stamp: target,
                        tie: String::new(),
                    };
                    self.store
                        .set_cursor(self.profile(), side, &c, now())
                        .await?;
                    committed = target;
                }
            }
        }
        Ok(false)
    }

    fn plan_settings<'a>(&'a self, directory: &'a UserDirectory) -> PlanSettings<'a> {
        PlanSettings {
            mapping: self.mapping.get().unwrap_or(&self.settings.mapping),
            policy: self.settings.policy,
            direction: self.settings.direction,
            directory,
            comments: &self.settings.comments,
        }
    }

    fn harvest(&self, side: Side, items: &[RemoteItem]) {
        let mut d = self.directory.lock();
        for r in items {
            for u in codec::people(r) {
                let known = d.users.get_mut(side);
                if !known.iter().any(|k| k.id == u.id && k.email == u.email) {
                    // A user seen with more detail (an e-mail) replaces the plainer record.
                    known.retain(|k| k.id != u.id || u.id.is_none());
                    known.push(u);
                }
            }
        }
    }

    /// Applies a batch of items (a feed page, or the recovery set).
    async fn process_batch(
        &self,
        cx: &Ctx,
        mut batch: Sided<Vec<RemoteItem>>,
    ) -> Result<Vec<Seen>, EngineError> {
        let mut seen_out = Vec::new();
        // Dedupe by (item, revision): feeds overlap (invariant 5).
        let mut items: Sided<Vec<RemoteItem>> = Sided::default();
        {
            let mut seen = cx.seen.lock();
            for side in Side::BOTH {
                for r in std::mem::take(batch.get_mut(side)) {
                    if seen.insert((side, r.id.0.clone(), r.revision.0.clone())) {
                        items.get_mut(side).push(r);
                    }
                }
            }
        }
        for side in Side::BOTH {
            self.harvest(side, items.get(side));
        }

        // Links of the batch's items; pairs keyed by link id.
        let mut pairs: BTreeMap<LinkId, (LinkRecord, Sided<Option<RemoteItem>>)> = BTreeMap::new();
        let mut unlinked: Vec<(Side, RemoteItem)> = Vec::new();
        // For the cursor: which input item each pair / unlinked item came from.
        let mut origin: HashMap<(Side, String), EpochMs> = HashMap::new();
        for side in Side::BOTH {
            let list = std::mem::take(items.get_mut(side));
            if list.is_empty() {
                continue;
            }
            let ids: Vec<String> = list.iter().map(|r| r.id.0.clone()).collect();
            let links = self
                .store
                .links_for_items(self.profile(), side, &ids)
                .await?;
            let by_id: HashMap<&str, &LinkRecord> =
                links.iter().map(|l| (l.link.id(side), l)).collect();
            for r in list {
                let stamp = EpochMs(r.changed_at.as_millisecond());
                match by_id.get(r.id.0.as_str()) {
                    Some(l) => {
                        let in_sync = *l.synced.get(side) == Some(stamp_of(side, &r));
                        let chosen = cx.resolutions.contains_key(&l.id);
                        let parked = cx.parked.contains(&(side, r.id.0.clone()));
                        if in_sync && !chosen && !parked {
                            // tandem's own write, or a revision already applied: no echo
                            // (invariant 4).
                            seen_out.push(Seen {
                                stamp,
                                outcome: ItemOutcome::Unchanged,
                            });
                            continue;
                        }
                        origin.insert((side, r.id.0.clone()), stamp);
                        let entry = pairs
                            .entry(l.id)
                            .or_insert_with(|| ((*l).clone(), Sided::default()));
                        *entry.1.get_mut(side) = Some(r);
                    }
                    None => {
                        origin.insert((side, r.id.0.clone()), stamp);
                        unlinked.push((side, r));
                    }
                }
            }
        }

        // Hydrate the counterparts, batched to each API's limit by the connectors.
        let mut wanted: Sided<Vec<ItemId>> = Sided::default();
        for (link, items) in pairs.values() {
            for side in Side::BOTH {
                if items.get(side).is_none() {
                    wanted.get_mut(side).push(ItemId::new(link.link.id(side)));
                }
            }
        }
        let mut outcomes: Vec<(Vec<(Side, String)>, ItemOutcome)> = Vec::new();
        for side in Side::BOTH {
            let found = match self.get_many(side, wanted.get(side)).await {
                Ok(found) => found,
                Err(e) if e.is_retryable() => {
                    // The counterparts could not be read: their pairs wait for the next pass
                    // (the cursor holds at them) rather than being taken for deleted.
                    let message = format!("could not read the linked {side} items: {e}");
                    let waiting: Vec<LinkId> = pairs
                        .iter()
                        .filter(|(_, (_, items))| items.get(side).is_none())
                        .map(|(id, _)| *id)
                        .collect();
                    for id in waiting {
                        if let Some((link, items)) = pairs.remove(&id) {
                            let keys: Vec<(Side, String)> = Side::BOTH
                                .into_iter()
                                .filter_map(|s| items.get(s).as_ref().map(|r| (s, r.id.0.clone())))
                                .collect();
                            let report = self.failed(&link.link.to_string(), message.clone());
                            outcomes.push((keys, report.outcome));
                            self.emit(&report);
                            cx.add(report);
                        }
                    }
                    continue;
                }
                Err(e) => return Err(EngineError::Connector(e)),
            };
            self.harvest(side, &found);
            mark_seen(cx, side, &found);
            let mut by_id: HashMap<String, RemoteItem> =
                found.into_iter().map(|r| (r.id.0.clone(), r)).collect();
            for (link, items) in pairs.values_mut() {
                if items.get(side).is_none() {
                    *items.get_mut(side) = by_id.remove(link.link.id(side));
                }
            }
        }
        let link_ids: Vec<LinkId> = pairs.keys().copied().collect();
        let mut baselines = self.store.baselines_for(&link_ids).await?;

        // Creates first: their counterparts join the pairs below, so a create and the writes
        // that complete it (state, refused fields) happen in the same pass.
        let mut ready: Vec<(
            LinkRecord,
            Baselines,
            RemoteItem,
            RemoteItem,
            Option<ItemReport>,
        )> = Vec::new();
        if !unlinked.is_empty() {
            let directory = self.directory.lock().clone();
            let results: Vec<(Side, String, Result<CreateResult, EngineError>)> =
                stream::iter(unlinked)
                    .map(|(side, r)| {
                        let directory = &directory;
                        async move {
                            let id = r.id.0.clone();
                            if self.hooks.stop.is_stopped() {
                                // A stop finishes the item in flight, not a page of creates.
                                let report = ItemReport {
                                    subject: remote_ref(side, &r).to_string(),
                                    outcome: ItemOutcome::Deferred,
                                    ops: Vec::new(),
                                    message: Some("stopped before this item".into()),
                                };
                                return (side, id, Ok(CreateResult::Done(report)));
                            }
                            (side, id, self.create_subject(cx, directory, side, r).await)
                        }
                    })
                    .buffer_unordered(self.settings.options.concurrency.max(1))
                    .collect()
                    .await;
            let mut made: Vec<Made> = Vec::new();
            for (side, id, r) in results {
                match r? {
                    CreateResult::Done(report) => {
                        outcomes.push((vec![(side, id)], report.outcome));
                        self.emit(&report);
                        cx.add(report);
                    }
                    CreateResult::Made(m) => made.push(*m),
                }
            }
            ready = self.link_made(cx, &directory, made, &mut outcomes).await?;
        }

        // Pairs: plan and write, each on its own (re-planned alone on a stale revision).
        let mut jobs = Vec::new();
        for (id, (link, items)) in pairs {
            let b = baselines.remove(&id).unwrap_or_default();
            match (items.jira, items.ado) {
                (Some(j), Some(a)) => jobs.push((link, b, j, a, None)),
                (j, a) => {
                    let present = j
                        .map(|r| (Side::Jira, r))
                        .or_else(|| a.map(|r| (Side::Ado, r)));
                    if let Some((side, r)) = present {
                        let missing = side.other();
                        let reason = format!(
                            "its linked {missing} item {} no longer exists or is not visible to \
                             the sync user (deleted, moved out of the profile's scope, or \
                             permissions changed); restore it, or remove the link",
                            link.link.item(missing)
                        );
                        let report = self
                            .park(cx, &remote_ref(side, &r), Some(link.id), &reason)
                            .await?;
                        outcomes.push((vec![(side, r.id.0.clone())], report.outcome));
                        cx.add(report);
                    }
                }
            }
        }
        jobs.extend(ready);
        let directory = self.directory.lock().clone();
        let results: Vec<Result<PairDone, EngineError>> = stream::iter(jobs)
            .map(|(link, b, j, a, created)| {
                let directory = &directory;
                async move {
                    let keys = vec![(Side::Jira, j.id.0.clone()), (Side::Ado, a.id.0.clone())];
                    if self.hooks.stop.is_stopped() {
                        let report = ItemReport {
                            subject: link.link.to_string(),
                            outcome: ItemOutcome::Deferred,
                            ops: Vec::new(),
                            message: Some("stopped before this item".into()),
                        };
                        return Ok((keys, report, None));
                    }
                    let (mut report, pending) =
                        self.sync_pair(cx, directory, link, b, j, a).await?;
                    if let Some(created) = created {
                        if matches!(
                            report.outcome,
                            ItemOutcome::Updated
                                | ItemOutcome::Unchanged
                                | ItemOutcome::Recorded
                                | ItemOutcome::Conflict
                        ) {
                            report.outcome = ItemOutcome::Created;
                        }
                        let mut ops = created.ops;
                        ops.extend(report.ops);
                        report.ops = ops;
                    }
                    Ok((keys, report, pending))
                }
            })
            .buffer_unordered(self.settings.options.concurrency.max(1))
            .collect()
            .await;
        let mut pending = Vec::new();
        // A fatal error in one pair must not drop what the others wrote: their records are
        // kept first, then the error ends the pass.
        let mut fatal = None;
        for r in results {
            let (keys, report, p) = match r {
                Ok(done) => done,
                Err(e) => {
                    fatal.get_or_insert(e);
                    continue;
                }
            };
            match p {
                Some(mut p) => {
                    p.report = report;
                    pending.push((keys, p));
                }
                None => {
                    outcomes.push((keys, report.outcome));
                    self.emit(&report);
                    cx.add(report);
                }
            }
        }
        self.record(cx, pending, &mut outcomes).await?;
        if let Some(e) = fatal {
            return Err(e);
        }

        for (keys, outcome) in outcomes {
            for k in keys {
                if let Some(stamp) = origin.get(&k) {
                    seen_out.push(Seen {
                        stamp: *stamp,
                        outcome,
                    });
                }
            }
        }
        Ok(seen_out)
    }

    fn emit(&self, report: &ItemReport) {
        self.hooks.progress.event(&Event::Item {
            outcome: report.outcome.as_str(),
            subject: report.subject.clone(),
        });
    }

    /// Parks an item for bad data: stored (so each pass tries it again) and audited once per
    /// reason.
    async fn park(
        &self,
        cx: &Ctx,
        item: &ItemRef,
        link: Option<LinkId>,
        reason: &str,
    ) -> Result<ItemReport, EngineError> {
        tracing::warn!(profile = self.profile(), item = %item, reason, "item parked");
        if !cx.dry() {
            let at = now();
            if self
                .store
                .park_item(self.profile(), item, reason, at)
                .await?
            {
                let entry = NewAudit {
                    at,
                    item: item.clone(),
                    link,
                    source: None,
                    action: AuditAction::Park,
                    changes: Vec::new(),
                    api_call: None,
                    outcome: Outcome::Parked,
                    message: Some(reason.to_owned()),
                };
                self.store.append_audit(self.profile(), &[entry]).await?;
            }
        }
        Ok(ItemReport {
            subject: item.to_string(),
            outcome: ItemOutcome::Parked,
            ops: Vec::new(),
            message: Some(reason.to_owned()),
        })
    }

    // --- creates -----------------------------------------------------------------------------

    async fn create_subject(
        &self,
        cx: &Ctx,
        directory: &UserDirectory,
        side: Side,
        remote: RemoteItem,
    ) -> Result<CreateResult, EngineError> {
        let item = self.decode(side, &remote);
        let subject = item.item.to_string();
        let ops = plan(&self.plan_settings(directory), &[Entry::Unlinked(item)]);
        let Some(op) = ops.first().cloned() else {
            // The profile's direction does not create on the other side.
            return Ok(CreateResult::Done(ItemReport {
                subject,
                outcome: ItemOutcome::Unchanged,
                ops,
                message: None,
            }));
        };
        match op {
            Op::ParkItem { item, reasons, .. } => {
                let reason = reasons
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut report = self.park(cx, &item, None, &reason).await?;
                report.ops = ops;
                Ok(CreateResult::Done(report))
            }
            Op::Adopt { marker, .. } => {
                if cx.dry() {
                    return Ok(CreateResult::Done(ItemReport {
                        subject,
                        outcome: ItemOutcome::Planned,
                        ops,
                        message: None,
                    }));
                }
                self.adopt(cx, side, remote, marker).await
            }
            Op::Create(c) => {
                if cx.dry() {
                    return Ok(CreateResult::Done(ItemReport {
                        subject,
                        outcome: ItemOutcome::Planned,
                        ops,
                        message: None,
                    }));
                }
                self.create_counterpart(cx, remote, c, ops).await
            }
            _ => Ok(CreateResult::Done(ItemReport {
                subject,
                outcome: ItemOutcome::Unchanged,
                ops,
                message: None,
            })),
        }
    }

    /// Creation through the intent journal (invariant 1): intent first, then the create
    /// carrying the intent's id as marker; an intent left open by an earlier pass is looked
    /// up by its marker before anything is created again.
    async fn create_counterpart(
        &self,
        cx: &Ctx,
        remote: RemoteItem,
        c: CreateOp,
        ops: Vec<Op>,
    ) -> Result<CreateResult, EngineError> {
        let subject = c.source.to_string();
        let target = c.target;
        let intent = self
            .store
            .open_intent(self.profile(), &c.source, target, now())
            .await?;
        // An intent already open (left by an earlier pass, or by an ambiguous create earlier
        // in this one) may have its create done: look for the marker before creating again.
        let known = !cx.open_intents.lock().insert(intent.id);
        if known {
            let since = EpochMs(intent.created.0)
                .to_timestamp()
                .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
            let found = match self.find_by_marker(target, Marker(intent.id), since).await {
                Ok(found) => found,
                Err(e) => return self.create_failed(cx, &subject, None, e, ops).await,
            };
            if let Some(first) = self.keep_oldest(cx, found).await? {
                return Ok(CreateResult::Made(Box::new(Made {
                    intent,
                    target_id: first.id.clone(),
                    target: Some(first),
                    source: remote,
                    ops,
                    audit: Vec::new(),
                })));
            }
            let age = now().0.saturating_sub(intent.created.0);
            let grace =
                i64::try_from(self.settings.options.intent_grace.as_millis()).unwrap_or(i64::MAX);
            if age < grace {
                // Search may not show a create this recent yet: wait rather than risk a
                // duplicate.
                return Ok(CreateResult::Done(ItemReport {
                    subject,
                    outcome: ItemOutcome::Deferred,
                    ops,
                    message: Some(format!(
                        "an earlier create of this item may not be searchable yet; trying again \
                         once it is {}s old",
                        self.settings.options.intent_grace.as_secs()
                    )),
                }));
            }
        }
        self.fault(FaultPoint::IntentOpened)?;
        let dialect = *self.dialects.get(target);
        let mut new = NewItem {
            item_type: c.item_type.clone(),
            ..NewItem::default()
        };
        let mut writes = c.fields.clone();
        // Azure DevOps takes the state in the create itself; Jira issues start in their
        // workflow's initial status and are transitioned after.
        if target == Side::Ado
            && let Some(s) = &c.state
        {
            writes.push(s.clone());
        }
        let (fields, losses) = self.encode(dialect, writes.iter());
        new.fields = fields
            .fields
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        new.rich_text = fields.rich_text;
        let marker = Marker(intent.id);
        let mut result = self.create(target, &new, marker).await;
        // Fields the create screen refuses are left out and written after the create (or
        // parked then, with the other side's message): the item itself should exist.
        if let Err(e) = &result
            && let ErrorKind::Validation { fields: problems } = e.kind()
        {
            let refused: Vec<&str> = problems
                .iter()
                .map(|p| p.field.as_str())
                .filter(|f| new.fields.contains_key(*f) || new.rich_text.contains_key(*f))
                .collect();
            let required = ["summary", "System.Title"];
            if !refused.is_empty() && !refused.iter().any(|f| required.contains(f)) {
                tracing::info!(item = %subject, fields = ?refused, "create refused fields; creating without them");
                for f in &refused {
                    new.fields.remove(*f);
                    new.rich_text.remove(*f);
                }
                result = self.create(target, &new, marker).await;
            }
        }
        match result {
            Ok(w) => {
                self.fault(FaultPoint::RemoteCreated)?;
                let audit = vec![NewAudit {
                    at: now(),
                    item: ItemRef {
                        side: target,
                        id: w.id.0.clone(),
                        key: (target == Side::Jira).then(|| w.key.clone()),
                    },
                    link: None,
                    source: Some(c.source.side),
                    action: AuditAction::Create,
                    changes: writes
                        .iter()
                        .map(|w| FieldChange {
                            field: w.name.clone(),
                            old: None,
                            new: w.new.clone(),
                        })
                        .collect(),
                    api_call: Some(api_call(dialect, Call::Create(&c.item_type), &w.id)),
                    outcome: Outcome::Ok,
                    message: Some(with_losses(format!("created from {}", c.source), &losses)),
                }];
                Ok(CreateResult::Made(Box::new(Made {
                    intent,
                    target_id: w.id,
                    target: None,
                    source: remote,
                    ops,
                    audit,
                })))
            }
            Err(e) => {
                self.create_failed(cx, &subject, Some(&intent), e, ops)
                    .await
            }
        }
    }

    async fn create_failed(
        &self,
        cx: &Ctx,
        subject: &str,
        intent: Option<&Intent>,
        e: ConnectorError,
        ops: Vec<Op>,
    ) -> Result<CreateResult, EngineError> {
        match classify(e) {
            Step::Fatal(e) => Err(e),
            Step::Reject(msg) => {
                // A refused create made nothing: the intent can go.
                let source = match ops.first() {
                    Some(Op::Create(c)) => c.source.clone(),
                    _ => return Err(EngineError::Store(StoreError::NotFound(subject.into()))),
                };
                if let Some(i) = intent {
                    self.store.abandon_intent(i.id, now(), &msg).await?;
                }
                let reason = format!("the create was refused: {msg}");
                let mut report = self.park(cx, &source, None, &reason).await?;
                report.ops = ops;
                Ok(CreateResult::Done(report))
            }
            // Ambiguous (timeout, 5xx): the intent stays open and the next pass looks for
            // the marker before creating again.
            Step::Retry(e) => Ok(CreateResult::Done(ItemReport {
                subject: subject.to_owned(),
                outcome: ItemOutcome::Failed,
                ops,
                message: Some(e.to_string()),
            })),
            Step::Stale => Ok(CreateResult::Done(ItemReport {
                subject: subject.to_owned(),
                outcome: ItemOutcome::Failed,
                ops,
                message: Some("the item changed while it was copied".into()),
            })),
        }
    }

    /// Of several items carrying one marker (a duplicate made before this engine guarded
    /// against it, or by hand), keeps the oldest and parks the rest with a clear reason.
    async fn keep_oldest(
        &self,
        cx: &Ctx,
        mut found: Vec<RemoteItem>,
    ) -> Result<Option<RemoteItem>, EngineError> {
        found.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then_with(|| tandem_core::natural_cmp(&a.id.0, &b.id.0))
        });
        let mut it = found.into_iter();
        let first = it.next();
        for extra in it {
            let side = if first.as_ref().is_some_and(|f| f.key.contains('-')) {
                Side::Jira
            } else {
                Side::Ado
            };
            let reason = format!(
                "carries the same tandem marker as {}: it is a duplicate; delete it",
                first.as_ref().map_or("", |f| f.key.as_str())
            );
            self.park(cx, &remote_ref(side, &extra), None, &reason)
                .await?;
        }
        Ok(first)
    }

    /// An unlinked item that carries a marker: the counterpart of a create whose link was not
    /// recorded. Its intent names the source; link the two instead of creating anything.
    async fn adopt(
        &self,
        cx: &Ctx,
        side: Side,
        remote: RemoteItem,
        marker: uuid::Uuid,
    ) -> Result<CreateResult, EngineError> {
        let me = remote_ref(side, &remote);
        let intent = self.store.intent(marker).await?;
        let reason = match intent {
            Some(i) if i.state == IntentState::Open && i.target == side => {
                let source = self
                    .get_many(i.source.side, &[ItemId::new(i.source.id.clone())])
                    .await
                    .map_err(EngineError::Connector)?;
                match source.into_iter().next() {
                    Some(s) => {
                        return Ok(CreateResult::Made(Box::new(Made {
                            intent: i,
                            target_id: remote.id.clone(),
                            target: Some(remote),
                            source: s,
                            ops: Vec::new(),
                            audit: Vec::new(),
                        })));
                    }
                    None => format!(
                        "it was created by tandem as the copy of {}, which no longer exists or \
                         is not visible; delete it, or remove its tandem marker to sync it as a \
                         new item",
                        i.source
                    ),
                }
            }
            Some(i) if i.state == IntentState::Closed => {
                let linked = match i.link {
                    Some(l) => self.store.link(l).await?,
                    None => None,
                };
                match linked {
                    Some(l) if l.link.id(side) == remote.id.0 => {
                        return Ok(CreateResult::Done(ItemReport {
                            subject: me.to_string(),
                            outcome: ItemOutcome::Unchanged,
                            ops: Vec::new(),
                            message: None,
                        }));
                    }
                    Some(l) => format!(
                        "it carries the tandem marker of {}, which is already linked: it is a \
                         duplicate; delete it",
                        l.link
                    ),
                    None => "it carries the marker of a create whose link was removed; remove \
                             the marker to sync it as a new item"
                        .to_owned(),
                }
            }
            _ => format!(
                "it carries a tandem marker ({marker}) that this state database does not know \
                 (copied from another item, or made by another tandem installation); remove the \
                 marker (Jira issue property `tandem.link`, Azure DevOps hyperlink \
                 `urn:tandem:link:...`) to sync it as a new item"
            ),
        };
        Ok(CreateResult::Done(self.park(cx, &me, None, &reason).await?))
    }

    /// Reads the new counterparts back (batched), records each link with its baselines in
    /// one transaction with its intent closed, and hands the pairs on for the writes that
    /// complete them.
    #[allow(clippy::type_complexity)]
    async fn link_made(
        &self,
        cx: &Ctx,
        directory: &UserDirectory,
        made: Vec<Made>,
        outcomes: &mut Vec<(Vec<(Side, String)>, ItemOutcome)>,
    ) -> Result<
        Vec<(
            LinkRecord,
            Baselines,
            RemoteItem,
            RemoteItem,
            Option<ItemReport>,
        )>,
        EngineError,
    > {
        let mut wanted: Sided<Vec<ItemId>> = Sided::default();
        for m in &made {
            if m.target.is_none() {
                wanted.get_mut(m.intent.target).push(m.target_id.clone());
            }
        }
        let mut fetched: HashMap<(Side, String), RemoteItem> = HashMap::new();
        for side in Side::BOTH {
            // A read-back that fails for a passing reason leaves the new items unlinked for
            // now: their intents stay open and the next pass finds them by their markers.
            let read = match self.get_many(side, wanted.get(side)).await {
                Ok(read) => read,
                Err(e) => match classify(e) {
                    Step::Fatal(e) => return Err(e),
                    _ => Vec::new(),
                },
            };
            for r in read {
                mark_seen(cx, side, std::slice::from_ref(&r));
                fetched.insert((side, r.id.0.clone()), r);
            }
        }
        let mut ready = Vec::new();
        for m in made {
            let target_side = m.intent.target;
            let source_side = target_side.other();
            let subject = m.intent.source.to_string();
            let target = match m.target {
                Some(t) => t,
                None => match fetched.remove(&(target_side, m.target_id.0.clone())) {
                    Some(t) => t,
                    None => {
                        // Made but not readable yet: the intent stays open and the next pass
                        // finds the item by its marker.
                        let report = ItemReport {
                            subject,
                            outcome: ItemOutcome::Deferred,
                            ops: m.ops,
                            message: Some(format!(
                                "created {} {} but could not read it back yet",
                                target_side, m.target_id
                            )),
                        };
                        outcomes.push((vec![(source_side, m.source.id.0.clone())], report.outcome));
                        cx.add(report);
                        continue;
                    }
                },
            };
            let source_item = self.decode(source_side, &m.source);
            let target_item = self.decode(target_side, &target);
            let mut baselines =
                adopt_baselines(&self.plan_settings(directory), &source_item, &target_item);
            self.rich_text_agrees(&mut baselines, &source_item, &target_item);
            let (jira, ado) = match source_side {
                Side::Jira => (m.source, target),
                Side::Ado => (target, m.source),
            };
            let link = LinkRef {
                jira_id: jira.id.0.clone(),
                jira_key: Some(jira.key.clone()),
                ado_id: ado.id.0.clone(),
            };
            let mut audit = m.audit;
            audit.push(NewAudit {
                at: now(),
                item: remote_ref(
                    target_side,
                    if target_side == Side::Jira {
                        &jira
                    } else {
                        &ado
                    },
                ),
                link: None,
                source: Some(source_side),
                action: AuditAction::Link,
                changes: Vec::new(),
                api_call: None,
                outcome: Outcome::Ok,
                message: Some(format!("linked {link}")),
            });
            let record = CreateRecord {
                intent: m.intent.id,
                link,
                baselines: baselines.clone(),
                // No stamps yet: the pair is planned again right away (and after a crash),
                // so nothing the create left undone is skipped as "already synced".
                synced: Sided::default(),
                at: now(),
                audit,
            };
            let link = self.store.complete_create(self.profile(), &record).await?;
            self.fault(FaultPoint::LinkRecorded)?;
            let report = ItemReport {
                subject: link.link.to_string(),
                outcome: ItemOutcome::Created,
                ops: if cx.dry() { m.ops } else { Vec::new() },
                message: None,
            };
            ready.push((link, baselines, jira, ado, Some(report)));
        }
        Ok(ready)
    }

    // --- linked pairs --------------------------------------------------------------------

    /// Plans and writes one linked pair. Writes are guarded (invariant 3): Azure DevOps
    /// patches carry `test /rev`, Jira's `updated` is re-read before each write; a stale
    /// answer re-reads both items and plans again.
    async fn sync_pair(
        &self,
        cx: &Ctx,
        directory: &UserDirectory,
        link: LinkRecord,
        baselines: Baselines,
        mut jira: RemoteItem,
        mut ado: RemoteItem,
    ) -> Result<(ItemReport, Option<Pending>), EngineError> {
        let resolutions = cx.resolutions.get(&link.id).cloned().unwrap_or_default();
        let mut written: Sided<Option<Written>> = Sided::default();
        let mut written_fields: Sided<Vec<String>> = Sided::default();
        let mut audit: Vec<NewAudit> = Vec::new();
        let mut replans = 0;
        let mut retries = 0;
        let mut link_ref = link.link.clone();
        link_ref.jira_key = Some(jira.key.clone());
        loop {
            let jira_item = self.decode(Side::Jira, &jira);
            let (effective, resumed) = self.resume_transition(&baselines, &jira_item);
            let pair = LinkedPair {
                link: link_ref.clone(),
                baselines: effective.clone(),
                jira: jira_item,
                ado: self.decode(Side::Ado, &ado),
                resolutions: resolutions.clone(),
                comments: None,
                relations: None,
            };
            let entries = [Entry::Linked(pair)];
            let mut ops = plan(&self.plan_settings(directory), &entries);
            // Issue 10: no rich-text write drops an image the other side did not delete.
            let kept = match &entries {
                [Entry::Linked(pair)] => self.guard_media(&mut ops, pair),
                _ => Sided::default(),
            };
            let subject = link_ref.to_string();
            let kept_note = media_note(&kept);
            if cx.dry() {
                let outcome = if ops.iter().any(|o| !matches!(o, Op::RecordBaselines { .. })) {
                    ItemOutcome::Planned
                } else {
                    ItemOutcome::Unchanged
                };
                return Ok((
                    ItemReport {
                        subject,
                        outcome,
                        ops,
                        message: kept_note,
                    },
                    None,
                ));
            }
            let step = self
                .execute(
                    &link,
                    &ops,
                    &kept,
                    Sided::new(&jira, &ado),
                    &mut written,
                    &mut written_fields,
                    &mut audit,
                )
                .await;
            match step {
                Ok(Executed::Parked(reason)) => {
                    let report = self
                        .park(cx, &link_ref.item(Side::Jira), Some(link.id), &reason)
                        .await?;
                    return self.unfinished(link.id, &mut audit, report).await;
                }
                Ok(Executed::Done {
                    baselines: b,
                    conflicts,
                }) => {
                    let mut b = b;
                    if resumed {
                        // Settle the transition an earlier pass left half-way: keep the
                        // status it reached as this side's baseline unless the plan moved on.
                        if let Some(f) = self.state_field()
                            && let Some(e) = effective.get(f.name())
                        {
                            b.entry(f.name().to_owned()).or_insert_with(|| e.clone());
                        }
                        b.insert(TRANSITION.to_owned(), tandem_core::Baseline::default());
                    }
                    let wrote = written.jira.is_some() || written.ado.is_some();
                    let outcome = if conflicts > 0 {
                        ItemOutcome::Conflict
                    } else if wrote {
                        ItemOutcome::Updated
                    } else if b.is_empty()
                        && link.synced.jira == Some(stamp_of(Side::Jira, &jira))
                        && link.synced.ado == Some(stamp_of(Side::Ado, &ado))
                    {
                        ItemOutcome::Unchanged
                    } else {
                        ItemOutcome::Recorded
                    };
                    let report = ItemReport {
                        subject,
                        outcome,
                        ops: ops
                            .iter()
                            .filter(|o| matches!(o, Op::ParkConflict(_)))
                            .cloned()
                            .collect(),
                        message: kept_note,
                    };
                    let pending = Pending {
                        current: Sided::new(stamp_of(Side::Jira, &jira), stamp_of(Side::Ado, &ado)),
                        link,
                        baselines: b,
                        written,
                        written_fields,
                        audit,
                        report: report.clone(),
                    };
                    return Ok((report, Some(pending)));
                }
                Err(Step::Fatal(e)) => return Err(e),
                Err(Step::Reject(reason)) => {
                    let report = self
                        .park(cx, &link_ref.item(Side::Jira), Some(link.id), &reason)
                        .await?;
                    return self.unfinished(link.id, &mut audit, report).await;
                }
                Err(Step::Stale) if replans < self.settings.options.max_replans => {
                    replans += 1;
                    tracing::debug!(pair = %link_ref, "stale revision; re-reading and re-planning");
                }
                Err(Step::Retry(e)) if retries < self.settings.options.item_retries => {
                    retries += 1;
                    let wait = e
                        .retry_after()
                        .unwrap_or(Duration::from_millis(500 * (1 << retries)))
                        .min(self.settings.options.max_wait);
                    tracing::info!(pair = %link_ref, error = %e, wait_ms = wait.as_millis(), "transient failure; retrying the item");
                    if self.hooks.stop.sleep(wait).await {
                        // Not a failure: the item is tried again next pass.
                        let report = ItemReport {
                            subject,
                            outcome: ItemOutcome::Deferred,
                            ops: Vec::new(),
                            message: Some("stopped while waiting to retry this item".into()),
                        };
                        return self.unfinished(link.id, &mut audit, report).await;
                    }
                }
                Err(Step::Stale) => {
                    let report = self.failed(
                        &subject,
                        "the item kept changing while it was synced".into(),
                    );
                    return self.unfinished(link.id, &mut audit, report).await;
                }
                Err(Step::Retry(e)) => {
                    return self
                        .unfinished(link.id, &mut audit, self.failed(&subject, e.to_string()))
                        .await;
                }
            }
            // Re-read both items and plan again from what they hold now.
            match self.reread(&jira, &ado).await {
                Ok((j, a)) => {
                    jira = j;
                    ado = a;
                }
                Err(Step::Fatal(e)) => return Err(e),
                Err(Step::Reject(m)) => {
                    let report = self
                        .park(cx, &link_ref.item(Side::Jira), Some(link.id), &m)
                        .await?;
                    return self.unfinished(link.id, &mut audit, report).await;
                }
                Err(Step::Retry(e)) => {
                    return self
                        .unfinished(link.id, &mut audit, self.failed(&subject, e.to_string()))
                        .await;
                }
                Err(Step::Stale) => {}
            }
        }
    }

    /// Ends a pair that did not finish. Writes it already made keep their audit entries
    /// (what changed, through which call); its baselines and stamps stay as they were, so
    /// the next pass plans the pair again from both items.
    async fn unfinished(
        &self,
        link: LinkId,
        audit: &mut Vec<NewAudit>,
        report: ItemReport,
    ) -> Result<(ItemReport, Option<Pending>), EngineError> {
        if !audit.is_empty() {
            let record = SyncRecord {
                link,
                baselines: Baselines::new(),
                synced: Sided::default(),
                at: now(),
                audit: std::mem::take(audit),
            };
            self.store.record_sync(&record).await?;
        }
        Ok((report, None))
    }

    /// A created item holds its source's rich text as the target's format could express it
    /// (a Jira panel arrives in Azure DevOps as a quote): that is agreement, not a field
    /// left to write again.
    fn rich_text_agrees(&self, baselines: &mut Baselines, source: &Item, target: &Item) {
        let from = source.side();
        let format = self.dialects.get(from.other()).text_format();
        for f in &self.settings.mapping.fields {
            let (Some(FieldValue::RichText(s)), Some(FieldValue::RichText(t))) =
                (source.get(f.field(from)), target.get(f.field(from.other())))
            else {
                continue;
            };
            if crate::text::through(s, format) == *t
                && let Some(b) = baselines.get_mut(f.name())
            {
                let value = Some(FieldValue::RichText(s.clone()));
                match from {
                    Side::Jira => b.jira = value,
                    Side::Ado => b.ado = value,
                }
            }
        }
    }

    /// The media guard (issue 10, [`crate::media`]): every planned rich-text write to an
    /// item is checked against the value it replaces, and images the new value lacks are put
    /// back unless the other side really deleted them. The recorded baseline of the written
    /// side becomes the guarded value. Returns, per side written, a note per field guarded.
    fn guard_media(&self, ops: &mut [Op], pair: &LinkedPair) -> Sided<Vec<String>> {
        let mut kept: Sided<Vec<String>> = Sided::default();
        if !self.settings.options.media_guard {
            return kept;
        }
        fn rich(v: Option<&FieldValue>) -> Option<&tandem_richtext::Document> {
            match v {
                Some(FieldValue::RichText(r)) => Some(r.document()),
                _ => None,
            }
        }
        let mut guarded: Vec<(String, Side, FieldValue)> = Vec::new();
        for op in ops.iter_mut() {
            let Op::Update(u) = op else { continue };
            let target = u.target.side;
            let other = target.other();
            let (item, other_item) = match target {
                Side::Jira => (&pair.jira, &pair.ado),
                Side::Ado => (&pair.ado, &pair.jira),
            };
            for w in &mut u.writes {
                let Some(f) = self
                    .settings
                    .mapping
                    .fields
                    .iter()
                    .find(|f| f.name() == w.name)
                else {
                    continue;
                };
                let Some(current) = rich(item.get(f.field(target))) else {
                    continue;
                };
                let next = match &w.new {
                    Some(FieldValue::RichText(r)) => Some(r.document()),
                    None => None,
                    Some(_) => continue,
                };
                let base = pair
                    .baselines
                    .get(f.name())
                    .and_then(|b| rich(b.get(other).as_ref()));
                let now = rich(other_item.get(f.field(other)));
                if let Some(c) = crate::media::guard(target, current, next, base, now) {
                    kept.get_mut(target).push(format!(
                        "{}: {}",
                        w.name,
                        crate::media::describe(&c)
                    ));
                    let v = FieldValue::RichText(tandem_core::RichText::new(c.document));
                    w.new = Some(v.clone());
                    guarded.push((w.name.clone(), target, v));
                }
            }
        }
        for op in ops.iter_mut() {
            if let Op::RecordBaselines { baselines, .. } = op {
                for (name, side, v) in &guarded {
                    if let Some(b) = baselines.get_mut(name) {
                        match side {
                            Side::Jira => b.jira = Some(v.clone()),
                            Side::Ado => b.ado = Some(v.clone()),
                        }
                    }
                }
            }
        }
        kept
    }

    fn state_field(&self) -> Option<&tandem_core::FieldMap> {
        self.settings.mapping.fields.iter().find(|f| f.is_state())
    }

    /// The baselines to plan a pair with. When an earlier pass stopped between two hops of a
    /// Jira transition (its write-ahead record is still there), the issue's current status,
    /// if it is neither where the transition started nor its target, is tandem's own doing:
    /// it stands in as the Jira baseline so the pair carries on to the target rather than
    /// reading as a conflict. Returns whether that happened.
    fn resume_transition(&self, baselines: &Baselines, jira: &Item) -> (Baselines, bool) {
        let mut effective = baselines.clone();
        let Some(t) = baselines.get(TRANSITION) else {
            return (effective, false);
        };
        let (Some(FieldValue::State(target)), Some(FieldValue::State(origin))) = (&t.jira, &t.ado)
        else {
            return (effective, false);
        };
        let Some(f) = self.state_field() else {
            return (effective, false);
        };
        let Some(FieldValue::State(now_at)) = jira.get(&f.jira) else {
            return (effective, false);
        };
        if now_at.name.eq_ignore_ascii_case(&origin.name)
            || now_at.name.eq_ignore_ascii_case(&target.name)
        {
            return (effective, true);
        }
        effective.entry(f.name().to_owned()).or_default().jira =
            Some(FieldValue::State(now_at.clone()));
        (effective, true)
    }

    fn failed(&self, subject: &str, message: String) -> ItemReport {
        tracing::warn!(profile = self.profile(), item = subject, error = %message, "item failed; it is tried again next pass");
        ItemReport {
            subject: subject.to_owned(),
            outcome: ItemOutcome::Failed,
            ops: Vec::new(),
            message: Some(message),
        }
    }

    async fn reread(
        &self,
        jira: &RemoteItem,
        ado: &RemoteItem,
    ) -> Result<(RemoteItem, RemoteItem), Step> {
        let j = self
            .get_many(Side::Jira, std::slice::from_ref(&jira.id))
            .await
            .map_err(classify)?;
        let a = self
            .get_many(Side::Ado, std::slice::from_ref(&ado.id))
            .await
            .map_err(classify)?;
        match (j.into_iter().next(), a.into_iter().next()) {
            (Some(j), Some(a)) => Ok((j, a)),
            _ => Err(Step::Reject(
                "one of the pair's items disappeared while it was synced".into(),
            )),
        }
    }

    /// Executes one pair's plan. Azure DevOps gets one patch per pass (fields and state
    /// together); Jira an edit, then the transitions to the planned status.
    #[allow(
        clippy::too_many_arguments,
        reason = "one pair's plan, its guard notes and the pass's accumulators"
    )]
    async fn execute(
        &self,
        link: &LinkRecord,
        ops: &[Op],
        kept: &Sided<Vec<String>>,
        items: Sided<&RemoteItem>,
        written: &mut Sided<Option<Written>>,
        written_fields: &mut Sided<Vec<String>>,
        audit: &mut Vec<NewAudit>,
    ) -> Result<Executed, Step> {
        let mut conflicts = 0;
        let mut baselines = Baselines::new();
        // The revision each write is guarded by: the item as read for this plan, then the
        // answer to this call's own write. Never an earlier attempt's write: after a stale
        // answer the items are re-read, and a person's edit since then is the new base.
        let mut guards: Sided<Option<tandem_connector::Revision>> = Sided::default();
        let mut edits: Sided<Vec<&tandem_core::FieldWrite>> = Sided::default();
        let mut states: Sided<Option<&tandem_core::FieldWrite>> = Sided::default();
        for op in ops {
            match op {
                Op::ParkItem { reasons, .. } => {
                    return Ok(Executed::Parked(
                        reasons
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("; "),
                    ));
                }
                Op::ParkConflict(note) => {
                    let at = now();
                    let record = self.store.park_conflict(link.id, note, at).await?;
                    if record.created == at {
                        let entry = NewAudit {
                            at,
                            item: note.link.item(Side::Jira),
                            link: Some(link.id),
                            source: None,
                            action: AuditAction::Conflict,
                            changes: vec![FieldChange {
                                field: note.field.clone(),
                                old: note.jira.clone(),
                                new: note.ado.clone(),
                            }],
                            api_call: None,
                            outcome: Outcome::Parked,
                            message: Some(format!(
                                "both sides changed {}: Jira {} vs Azure DevOps {}; settle it with \
                                 `tandem conflicts resolve {} --take jira|ado`",
                                note.field,
                                show(note.jira.as_ref()),
                                show(note.ado.as_ref()),
                                record.id
                            )),
                        };
                        self.store.append_audit(self.profile(), &[entry]).await?;
                    }
                    self.fault(FaultPoint::ConflictParked)?;
                    conflicts += 1;
                }
                Op::Update(u) => edits.get_mut(u.target.side).extend(u.writes.iter()),
                Op::ChangeState(s) => *states.get_mut(s.target.side) = Some(&s.write),
                Op::RecordBaselines { baselines: b, .. } => baselines.clone_from(b),
                // Not planned by this engine (no comment or relation state is passed in).
                Op::Adopt { .. }
                | Op::Create(_)
                | Op::Relate(_)
                | Op::CopyComment(_)
                | Op::PairComments { .. } => {}
            }
        }
        for side in Side::BOTH {
            let remote = *items.get(side);
            let dialect = *self.dialects.get(side);
            let mut writes: Vec<&tandem_core::FieldWrite> = edits.get(side).clone();
            // Azure DevOps: the state is a field of the same patch (one write).
            let state = states.get(side);
            if side == Side::Ado
                && let Some(s) = state
            {
                writes.push(s);
            }
            if !writes.is_empty() {
                let (changes, losses) = self.encode(dialect, writes.iter().copied());
                let guard = guards
                    .get(side)
                    .clone()
                    .unwrap_or_else(|| remote.revision.clone());
                let w = self
                    .update(side, &remote.id, &changes, &guard)
                    .await
                    .map_err(classify)?;
                audit.push(NewAudit {
                    at: now(),
                    item: remote_ref(side, remote),
                    link: Some(link.id),
                    source: Some(side.other()),
                    action: if writes
                        .iter()
                        .all(|w| matches!(w.new, Some(FieldValue::State(_))))
                    {
                        AuditAction::StateChange
                    } else {
                        AuditAction::Update
                    },
                    changes: writes
                        .iter()
                        .map(|w| FieldChange {
                            field: w.name.clone(),
                            old: w.old.clone(),
                            new: w.new.clone(),
                        })
                        .collect(),
                    api_call: Some(api_call(dialect, Call::Update, &remote.id)),
                    outcome: Outcome::Ok,
                    message: Some(with_kept(
                        with_losses(describe(&writes), &losses),
                        kept.get(side),
                    )),
                });
                written_fields
                    .get_mut(side)
                    .extend(writes.iter().map(|w| w.name.clone()));
                *guards.get_mut(side) = Some(w.revision.clone());
                *written.get_mut(side) = Some(w);
                self.fault(FaultPoint::RemoteUpdated)?;
            }
            if side == Side::Jira
                && let Some(s) = state
            {
                let Some(FieldValue::State(target)) = &s.new else {
                    continue;
                };
                let guard = guards
                    .jira
                    .clone()
                    .unwrap_or_else(|| remote.revision.clone());
                let current = match &s.old {
                    Some(FieldValue::State(c)) => c.name.clone(),
                    _ => remote
                        .state
                        .as_ref()
                        .map(|s| s.name.clone())
                        .unwrap_or_default(),
                };
                // Write-ahead: a crash between two hops leaves the issue in a status of
                // tandem's making; the next pass reads this record and carries on instead
                // of taking that status for a person's edit.
                let origin = tandem_core::StateValue::new(current.clone(), None);
                let ahead = SyncRecord {
                    link: link.id,
                    baselines: Baselines::from([(
                        TRANSITION.to_owned(),
                        tandem_core::Baseline {
                            jira: Some(FieldValue::State(target.clone())),
                            ado: Some(FieldValue::State(origin)),
                        },
                    )]),
                    synced: Sided::default(),
                    at: now(),
                    audit: Vec::new(),
                };
                self.store.record_sync(&ahead).await?;
                let w = self
                    .transition_to(
                        remote,
                        &current,
                        &target.name,
                        target.category,
                        guard,
                        audit,
                        link.id,
                    )
                    .await?;
                if let Some(w) = w {
                    written_fields.jira.push(s.name.clone());
                    written.jira = Some(w);
                }
                baselines.insert(TRANSITION.to_owned(), tandem_core::Baseline::default());
            }
        }
        Ok(Executed::Done {
            baselines,
            conflicts,
        })
    }

    /// Moves a Jira issue to `target` through its workflow, several hops if needed.
    #[allow(clippy::too_many_arguments)]
    async fn transition_to(
        &self,
        remote: &RemoteItem,
        current: &str,
        target: &str,
        category: Option<StateCategory>,
        mut guard: tandem_connector::Revision,
        audit: &mut Vec<NewAudit>,
        link: LinkId,
    ) -> Result<Option<Written>, Step> {
        let ty = remote.item_type.as_str();
        let mut at = current.to_owned();
        let mut visited: HashSet<String> = HashSet::from([at.to_lowercase()]);
        let mut last: Option<Written> = None;
        let mut refreshed = false;
        let vendor_cat = category.map(|c| match c {
            StateCategory::ToDo => tandem_connector::StateCategory::ToDo,
            StateCategory::InProgress => tandem_connector::StateCategory::InProgress,
            StateCategory::Done => tandem_connector::StateCategory::Done,
        });
        for _ in 0..self.settings.options.max_transition_hops {
            if at.eq_ignore_ascii_case(target) {
                return Ok(last);
            }
            let out = match self.workflows.get(ty, &at) {
                Some(out) => out,
                None => {
                    let out = self.jira.transitions(&remote.id).await.map_err(classify)?;
                    self.workflows.put(ty, &at, out.clone());
                    out
                }
            };
            let known = self.workflows.graph(ty);
            let Some(hop) = next_hop(&out, &known, target, vendor_cat, &visited).cloned() else {
                break;
            };
            match self
                .jira
                // Only the first hop needs the guard: the later ones follow tandem's own
                // write (each guard costs Jira a read).
                .transition(
                    &remote.id,
                    &hop,
                    &FieldChanges::default(),
                    last.is_none().then_some(&guard),
                )
                .await
            {
                Ok(w) => {
                    audit.push(NewAudit {
                        at: now(),
                        item: remote_ref(Side::Jira, remote),
                        link: Some(link),
                        source: Some(Side::Ado),
                        action: AuditAction::StateChange,
                        changes: vec![FieldChange {
                            field: "state".into(),
                            old: Some(FieldValue::State(tandem_core::StateValue::new(
                                at.clone(),
                                None,
                            ))),
                            new: Some(FieldValue::State(tandem_core::StateValue::new(
                                hop.to.name.clone(),
                                None,
                            ))),
                        }],
                        api_call: Some(api_call(self.dialects.jira, Call::Transition, &remote.id)),
                        outcome: Outcome::Ok,
                        message: Some(format!(
                            "transition {:?} ({} -> {})",
                            hop.name, at, hop.to.name
                        )),
                    });
                    guard = w.revision.clone();
                    last = Some(w);
                    at = hop.to.name.clone();
                    visited.insert(at.to_lowercase());
                    self.fault(FaultPoint::StateChanged)?;
                }
                Err(e)
                    if !refreshed
                        && matches!(
                            e.kind(),
                            ErrorKind::Validation { .. }
                                | ErrorKind::BadRequest
                                | ErrorKind::Conflict
                        ) =>
                {
                    // The learned workflow may be out of date: ask again once.
                    refreshed = true;
                    self.workflows.forget(ty, &at);
                }
                Err(e) => return Err(classify(e)),
            }
        }
        if at.eq_ignore_ascii_case(target) {
            return Ok(last);
        }
        Err(Step::Reject(format!(
            "no Jira transition leads from status {at:?} to {target:?} for issue type {ty:?} \
             (tried {} hop(s)); add the transition to the workflow, or map the state to a \
             status the workflow can reach",
            visited.len() - 1
        )))
    }

    /// Reads back the items written in this batch (one batched read per side), refreshes
    /// the baselines of the written fields from what the other side actually stored, and
    /// records each pair (baselines, stamps, audit) in one transaction (invariant 4).
    async fn record(
        &self,
        cx: &Ctx,
        pending: Vec<(Vec<(Side, String)>, Pending)>,
        outcomes: &mut Vec<(Vec<(Side, String)>, ItemOutcome)>,
    ) -> Result<(), EngineError> {
        if pending.is_empty() {
            return Ok(());
        }
        let mut wanted: Sided<Vec<ItemId>> = Sided::default();
        for (_, p) in &pending {
            for side in Side::BOTH {
                if let Some(w) = p.written.get(side) {
                    wanted.get_mut(side).push(w.id.clone());
                }
            }
        }
        let mut fresh: HashMap<(Side, String), RemoteItem> = HashMap::new();
        for side in Side::BOTH {
            match self.get_many(side, wanted.get(side)).await {
                Ok(items) => {
                    mark_seen(cx, side, &items);
                    for r in items {
                        fresh.insert((side, r.id.0.clone()), r);
                    }
                }
                // The writes are done; planned baselines are right in all but rare cases of
                // server-side normalisation, which the next pass settles.
                Err(e) => tracing::warn!(error = %e, "read-back after writes failed"),
            }
        }
        for (keys, mut p) in pending {
            let mut synced: Sided<Option<ItemStamp>> = Sided::default();
            for side in Side::BOTH {
                let stamp = match p.written.get(side) {
                    Some(w) => {
                        if let Some(r) = fresh.get(&(side, w.id.0.clone()))
                            && r.revision == w.revision
                        {
                            let item = self.decode(side, r);
                            for name in p.written_fields.get(side) {
                                if let Some(f) = self
                                    .settings
                                    .mapping
                                    .fields
                                    .iter()
                                    .find(|f| f.name() == name)
                                    && let Some(b) = p.baselines.get_mut(name)
                                {
                                    let v = item.get(f.field(side)).cloned();
                                    match side {
                                        Side::Jira => b.jira = v,
                                        Side::Ado => b.ado = v,
                                    }
                                }
                            }
                        }
                        written_stamp(side, w)
                    }
                    None => *p.current.get(side),
                };
                if *p.link.synced.get(side) != Some(stamp) {
                    *synced.get_mut(side) = Some(stamp);
                }
            }
            let changed = !p.baselines.is_empty()
                || synced.jira.is_some()
                || synced.ado.is_some()
                || !p.audit.is_empty();
            if changed {
                let record = SyncRecord {
                    link: p.link.id,
                    baselines: p.baselines,
                    synced,
                    at: now(),
                    audit: p.audit,
                };
                self.store.record_sync(&record).await?;
                self.fault(FaultPoint::BaselinesRecorded)?;
            }
            for side in Side::BOTH {
                let id = p.link.link.id(side);
                if cx.parked.contains(&(side, id.to_owned())) {
                    self.store
                        .unpark_item(self.profile(), &p.link.link.item(side))
                        .await?;
                }
            }
            outcomes.push((keys, p.report.outcome));
            self.emit(&p.report);
            cx.add(p.report);
        }
        Ok(())
    }
}

/// Sorts `jira:DEMO-9 ...` before `jira:DEMO-10 ...`: the side, the key's text, then its
/// number.
fn subject_key(subject: &str) -> (String, u64, String) {
    let first = subject.split_whitespace().next().unwrap_or(subject);
    let digits: String = first
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let prefix = first[..first.len() - digits.len()].to_owned();
    (prefix, digits.parse().unwrap_or(0), subject.to_owned())
}

/// Remembers items read this pass, so the same revision arriving again in a feed is not
/// applied twice.
fn mark_seen(cx: &Ctx, side: Side, items: &[RemoteItem]) {
    let mut seen = cx.seen.lock();
    for r in items {
        seen.insert((side, r.id.0.clone(), r.revision.0.clone()));
    }
}

enum Executed {
    Parked(String),
    Done {
        baselines: Baselines,
        conflicts: usize,
    },
}

/// An audit message with what the target's format could not carry (tandem-richtext's loss
/// list), so a flattened table or a dropped colour is on the item's record.
fn with_losses(message: String, losses: &[String]) -> String {
    if losses.is_empty() {
        message
    } else {
        format!("{message}; not carried exactly: {}", losses.join("; "))
    }
}

/// An audit message with the images the media guard kept on the side written (issue 10).
fn with_kept(message: String, kept: &[String]) -> String {
    if kept.is_empty() {
        message
    } else {
        format!(
            "{message}; images kept that the other side's value lacks but did not delete: {}",
            kept.join("; ")
        )
    }
}

/// The item report's note of what the media guard kept, per side.
fn media_note(kept: &Sided<Vec<String>>) -> Option<String> {
    let parts: Vec<String> = Side::BOTH
        .into_iter()
        .filter(|s| !kept.get(*s).is_empty())
        .map(|s| format!("images kept on {s}: {}", kept.get(s).join("; ")))
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn show(v: Option<&FieldValue>) -> String {
    v.map_or_else(|| "(empty)".to_owned(), ToString::to_string)
}

fn describe(writes: &[&tandem_core::FieldWrite]) -> String {
    writes
        .iter()
        .map(|w| {
            format!(
                "{}: {} -> {}",
                w.name,
                show(w.old.as_ref()),
                show(w.new.as_ref())
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

enum Call<'a> {
    Create(&'a str),
    Update,
    Transition,
}

/// The API call an audit entry names, as `METHOD path` (no host, no query).
fn api_call(dialect: Dialect, call: Call<'_>, id: &ItemId) -> String {
    let jira = match dialect {
        Dialect::JiraCloud => "/rest/api/3",
        Dialect::JiraDc => "/rest/api/2",
        Dialect::Ado => "",
    };
    match (dialect, call) {
        (Dialect::Ado, Call::Create(t)) => format!("POST /_apis/wit/workitems/${t}"),
        (Dialect::Ado, Call::Update | Call::Transition) => {
            format!("PATCH /_apis/wit/workitems/{id}")
        }
        (_, Call::Create(_)) => format!("POST {jira}/issue"),
        (_, Call::Update) => format!("PUT {jira}/issue/{id}"),
        (_, Call::Transition) => format!("POST {jira}/issue/{id}/transitions"),
    }
}
