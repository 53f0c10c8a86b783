//! tandem's memory between passes: which items are linked, the last synced value of every
//! mapped field (baselines), change-feed cursors, the intent journal that makes creates
//! crash-safe, conflicts waiting for a person, a per-item audit trail and pass records.
//!
//! The [`Store`] trait is what the engine uses; [`SqliteStore`] is the default backend (one
//! file in the state directory, which `tandem_config::state_dir` chooses). Every backend must pass the
//! same conformance story (`tests/it/story.rs`).
//!
//! This crate must never depend on a connector or the engine.
//!
//! # How a pass uses the store
//! 1. [`Store::begin_pass`].
//! 2. Resolve [`Store::open_intents`] first: look each intent's marker up on its target side;
//!    found, [`Store::complete_create`] with baselines from the found item; not found and
//!    certain nothing was made, [`Store::abandon_intent`] (search indexes lag, so "not found"
//!    right after a create is not certainty).
//! 3. Read each feed from [`Store::cursor`] (minus an overlap); map a page to pairs with
//!    [`Store::links_for_items`] and [`Store::baselines_for`]; chosen conflicts
//!    ([`Store::conflicts`] with [`ConflictStatus::Chosen`]) become the pairs' resolutions.
//! 4. Plan (`tandem_core::plan`), then per op: creates go through [`Store::open_intent`] and
//!    [`Store::complete_create`]; a pair's writes end with one [`Store::record_sync`]
//!    (baselines, stamps, audit); conflicts with [`Store::park_conflict`]; parked items with
//!    [`Store::append_audit`]; comment copies with [`Store::record_comment_pair`].
//! 5. [`Store::set_cursor`] once every item up to it is applied, then [`Store::finish_pass`].

mod error;
mod model;
mod paths;
mod sqlite;
mod store;

pub use error::{StoreError, StoreResult};
pub use model::{
    AuditAction, AuditEntry, AuditId, ConflictId, ConflictRecord, ConflictStatus, CreateRecord,
    Cursor, FieldChange, Intent, IntentState, ItemStamp, LinkId, LinkRecord, NewAudit, Outcome,
    ParkedItem, PassCounts, PassId, PassOutcome, PassRecord, PassSummary, ProfileStatus,
    SyncRecord,
};
pub use paths::{DATABASE_FILE, database_path};
pub use sqlite::SqliteStore;
pub use store::Store;
