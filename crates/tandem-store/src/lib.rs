//! tandem's memory between passes: which items are linked, the last synced value of every
//! mapped field (baselines), change-feed cursors, the intent journal that makes creates
//! crash-safe, conflicts waiting for a person, a per-item audit trail and pass records.
//!
//! The [`Store`] trait is what the engine uses; [`SqliteStore`] is the default backend (one
//! file in the state directory, chosen by [`resolve_state_dir`]). Every backend must pass the
//! same conformance story (`tests/it/story.rs`).
//!
//! This crate must never depend on a connector or the engine.

mod error;
mod model;
mod sqlite;
mod state_dir;
mod store;

pub use error::{StoreError, StoreResult};
pub use model::{
    AuditAction, AuditEntry, AuditId, ConflictId, ConflictRecord, ConflictStatus, CreateRecord,
    Cursor, FieldChange, Intent, IntentState, ItemStamp, LinkId, LinkRecord, NewAudit, Outcome,
    PassCounts, PassId, PassOutcome, PassRecord, PassSummary, ProfileStatus, SyncRecord,
};
pub use sqlite::SqliteStore;
pub use state_dir::{NoStateDir, STATE_DIR_ENV, StateDirInputs, database_path, resolve_state_dir};
pub use store::Store;
