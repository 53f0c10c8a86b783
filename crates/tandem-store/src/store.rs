//! The `Store` trait: everything a sync pass must remember between runs.

use std::collections::BTreeMap;
use std::future::Future;

use tandem_core::{Baselines, CommentPair, ConflictNote, EpochMs, ItemRef, Side};
use uuid::Uuid;

use crate::error::StoreResult;
use crate::model::{
    AuditEntry, ConflictId, ConflictRecord, ConflictStatus, CreateRecord, Cursor, Intent, LinkId,
    LinkRecord, NewAudit, ParkedItem, PassId, PassRecord, PassSummary, ProfileStatus, SyncRecord,
};

/// The state of every profile: links, baselines, cursors, the intent journal, conflicts, the
/// audit trail and pass records.
///
/// The engine is generic over this trait (`Engine<S: Store>`); the binary picks the backend
/// once. Methods return `Send` futures so the engine can run on a multi-threaded runtime.
/// Operations that must happen together are single methods, each one transaction:
/// [`Store::complete_create`] (link + baselines + intent closed + audit) and
/// [`Store::record_sync`] (baselines + conflicts settled + stamps + audit). A crash between
/// two calls therefore leaves a state the next pass can finish from.
///
/// Every implementation must pass the conformance story in `tests/it/story.rs`.
pub trait Store: Send + Sync {
    // --- links and baselines -------------------------------------------------------------

    /// The link of `item` in `profile`, if it is linked.
    fn link_for(
        &self,
        profile: &str,
        item: &ItemRef,
    ) -> impl Future<Output = StoreResult<Option<LinkRecord>>> + Send;

    /// A link by id.
    fn link(&self, id: LinkId) -> impl Future<Output = StoreResult<Option<LinkRecord>>> + Send;

    /// Every link of `profile`, in id order.
    fn links(&self, profile: &str) -> impl Future<Output = StoreResult<Vec<LinkRecord>>> + Send;

    /// The links of several items of one side (a page of a change feed) in one call; items
    /// without a link are simply absent from the result.
    fn links_for_items(
        &self,
        profile: &str,
        side: Side,
        ids: &[String],
    ) -> impl Future<Output = StoreResult<Vec<LinkRecord>>> + Send;

    /// The baselines of several links in one call (links without any are absent).
    fn baselines_for(
        &self,
        links: &[LinkId],
    ) -> impl Future<Output = StoreResult<BTreeMap<LinkId, Baselines>>> + Send;

    /// The baselines of a link (empty if it has none).
    fn baselines(&self, link: LinkId) -> impl Future<Output = StoreResult<Baselines>> + Send;

    /// After a linked pair's writes: upserts the given baselines, settles every pending
    /// conflict on those fields (a recorded baseline means the field is in sync), records the
    /// items' stamps and appends the audit entries (tied to the link). One transaction.
    fn record_sync(&self, record: &SyncRecord) -> impl Future<Output = StoreResult<()>> + Send;

    /// The comment pairs of a link.
    fn comment_pairs(
        &self,
        link: LinkId,
    ) -> impl Future<Output = StoreResult<Vec<CommentPair>>> + Send;

    /// Records that two comments correspond (after posting a copy, or adopting one found by
    /// its marker) with its audit entries, in one transaction. Recording the same pair again
    /// is a no-op; pairing a comment already paired with another is a
    /// [`crate::StoreError::Conflict`].
    fn record_comment_pair(
        &self,
        link: LinkId,
        pair: &CommentPair,
        at: EpochMs,
        audit: &[NewAudit],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    // --- intent journal ------------------------------------------------------------------

    /// Opens an intent to create the counterpart of `source` on `target`. If an intent for
    /// the same source is already open, returns it instead: a create that may have happened
    /// must be looked up by its marker, never repeated.
    fn open_intent(
        &self,
        profile: &str,
        source: &ItemRef,
        target: Side,
        at: EpochMs,
    ) -> impl Future<Output = StoreResult<Intent>> + Send;

    /// An intent by id (the marker found on an item).
    fn intent(&self, id: Uuid) -> impl Future<Output = StoreResult<Option<Intent>>> + Send;

    /// The open intents of `profile`, oldest first: resolve these before any new create.
    fn open_intents(&self, profile: &str) -> impl Future<Output = StoreResult<Vec<Intent>>> + Send;

    /// Once the counterpart exists: records the link and its baselines, closes the intent
    /// and appends the audit entries, in one transaction. Repeating the call for an intent
    /// already closed on the same link returns that link; an abandoned intent, or an item
    /// already linked to another, is a [`crate::StoreError::Conflict`].
    fn complete_create(
        &self,
        profile: &str,
        record: &CreateRecord,
    ) -> impl Future<Output = StoreResult<LinkRecord>> + Send;

    /// Gives an open intent up (the create was refused and made nothing).
    fn abandon_intent(
        &self,
        id: Uuid,
        at: EpochMs,
        note: &str,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    // --- cursors -------------------------------------------------------------------------

    /// The feed cursor of a profile's side.
    fn cursor(
        &self,
        profile: &str,
        side: Side,
    ) -> impl Future<Output = StoreResult<Option<Cursor>>> + Send;

    /// Moves the cursor (only once every item up to it is applied).
    fn set_cursor(
        &self,
        profile: &str,
        side: Side,
        cursor: &Cursor,
        at: EpochMs,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    // --- conflicts -----------------------------------------------------------------------

    /// Parks a conflict: inserts it, or refreshes the values of the pending conflict on the
    /// same link and field (keeping a person's choice).
    fn park_conflict(
        &self,
        link: LinkId,
        note: &ConflictNote,
        at: EpochMs,
    ) -> impl Future<Output = StoreResult<ConflictRecord>> + Send;

    /// Conflicts of a profile, optionally of one status, in id order.
    fn conflicts(
        &self,
        profile: &str,
        status: Option<ConflictStatus>,
    ) -> impl Future<Output = StoreResult<Vec<ConflictRecord>>> + Send;

    /// A conflict by id.
    fn conflict(
        &self,
        id: ConflictId,
    ) -> impl Future<Output = StoreResult<Option<ConflictRecord>>> + Send;

    /// A person chose a side (`tandem conflicts resolve ID --take SIDE`); the next pass
    /// applies it. A resolved conflict cannot be chosen again.
    fn choose_conflict(
        &self,
        id: ConflictId,
        take: Side,
        at: EpochMs,
    ) -> impl Future<Output = StoreResult<ConflictRecord>> + Send;

    // --- audit ---------------------------------------------------------------------------

    /// Appends audit entries.
    fn append_audit(
        &self,
        profile: &str,
        entries: &[NewAudit],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The audit trail of an item (entries about it or its link), oldest first.
    fn audit(
        &self,
        profile: &str,
        item: &ItemRef,
    ) -> impl Future<Output = StoreResult<Vec<AuditEntry>>> + Send;

    // --- parked items --------------------------------------------------------------------

    /// Parks an item for bad data, or refreshes the reason of one already parked. Returns
    /// whether the item was not parked before or its reason changed (the caller then writes
    /// an audit entry, so a pass that parks the same item again adds nothing to the trail).
    fn park_item(
        &self,
        profile: &str,
        item: &ItemRef,
        reason: &str,
        at: EpochMs,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// The item synced: it is no longer parked (no-op if it was not).
    fn unpark_item(
        &self,
        profile: &str,
        item: &ItemRef,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The parked items of a profile, oldest first.
    fn parked(&self, profile: &str) -> impl Future<Output = StoreResult<Vec<ParkedItem>>> + Send;

    // --- passes --------------------------------------------------------------------------

    /// Records the start of a pass.
    fn begin_pass(
        &self,
        profile: &str,
        started: EpochMs,
    ) -> impl Future<Output = StoreResult<PassId>> + Send;

    /// Records how a pass ended.
    fn finish_pass(
        &self,
        id: PassId,
        summary: &PassSummary,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The latest pass of a profile.
    fn last_pass(
        &self,
        profile: &str,
    ) -> impl Future<Output = StoreResult<Option<PassRecord>>> + Send;

    /// What `tandem status` shows for a profile.
    fn status(&self, profile: &str) -> impl Future<Output = StoreResult<ProfileStatus>> + Send;
}
