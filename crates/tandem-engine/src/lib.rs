//! tandem's sync engine: keeps the Jira issues and Azure DevOps work items of one profile in
//! step, both ways, crash-safely.
//!
//! An [`Engine`] is generic over the two [`tandem_connector::Connector`]s and the
//! [`tandem_store::Store`]; only the binary names concrete types. [`Engine::pass`] reads both
//! change feeds from their cursors, normalises items into the domain model ([`codec`],
//! [`text`]), plans with the pure `tandem_core::plan`, applies the plan with guarded writes and
//! records baselines, stamps and audit entries as it goes. [`Mode::DryRun`] runs the same code
//! and skips every write.
//!
//! # The sync invariants (DESIGN.md), and where each is kept
//!
//! 1. **Links are born through the intent journal**: `create_counterpart` opens the intent,
//!    creates with the intent id as marker, reads the item back and records the link with
//!    `Store::complete_create` (link, baselines, intent closed, audit: one transaction). An
//!    intent left open by an earlier pass is looked up by its marker first; an unlinked item
//!    carrying a marker is adopted, never copied. Baselines of a new pair come from
//!    `tandem_core::adopt_baselines`, so a create that stopped half-way still converges.
//! 2. **Baselines make change detection three-way**: per field and per side, planned by
//!    `tandem_core::plan`; after writes the written fields' baselines are refreshed from a
//!    batched read-back, so what the other side stored is what the next pass compares with.
//! 3. **Writes are guarded**: every update carries the revision it was planned from (Azure
//!    DevOps `test /rev`, Jira's `updated` re-read); a stale answer re-reads the pair and plans
//!    again. Creates are never retried blindly. A Jira status is reached along the workflow
//!    ([`workflow`]), with a write-ahead record so a crash between two hops resumes.
//! 4. **No echoes**: a feed item whose revision is the one tandem recorded for its link is
//!    skipped before it is even decoded; beyond that, values equal to the baselines are not
//!    changes.
//! 5. **Cursors move only past applied items**: after each page, never beyond the first
//!    item that failed or was deferred, never beyond the moment the feed was opened; feeds
//!    overlap and are deduplicated by (item, revision).
//! 6. **Rate limits are a budget**: the connectors pace on both products' headers; an item
//!    that still meets a limit or a transient failure is retried after the server's
//!    `Retry-After`, then left for the next pass (holding the cursor).
//! 7. **Dry run is the same code**: [`Mode::DryRun`] plans exactly as a pass does and
//!    reports every operation, per item and field.
//! 8. **No silent data loss** (issue 10): every planned rich-text write to a linked item goes
//!    through the media guard ([`media`]) before it is run or shown: images of the value it
//!    replaces that the new value lacks are put back unless the other side really deleted
//!    them (it can show them, its baseline had them, it lacks them now). Jira Cloud would
//!    otherwise delete those attachments for good. The item's audit entry and report name
//!    what was kept; the written side's baseline is the guarded value.
//!    `EngineOptions::media_guard` turns it off for tests only.
//!
//! Bad data (a state or person without a counterpart, a value the other side refuses) parks
//! the item with an audit entry and a stored reason; the pass goes on, and every later pass
//! tries parked items again. [`hooks`] lets tests stop a pass after each write step.
//!
//! This crate must never depend on a concrete connector (`tandem-jira`, `tandem-ado`), a
//! concrete store backend, or the simulator.

pub mod codec;
mod engine;
pub mod hooks;
pub mod media;
pub mod report;
pub mod settings;
pub mod text;
pub mod workflow;

pub use engine::{Engine, EngineError, Mode};
pub use hooks::{Event, FailAt, FaultHook, FaultPoint, Hooks, NoFaults, Progress, Quiet, Stop};
pub use report::{ItemOutcome, ItemReport, PassReport};
pub use settings::{EngineOptions, SettingsError, SyncSettings, from_profile};
