//! tandem's sync engine: keeps the Jira issues and Azure DevOps work items of one profile in
//! step, both ways, crash-safely.
//!
//! An [`Engine`] is generic over the two [`tandem_connector::Connector`]s and the
//! [`tandem_store::Store`]; only the binary names concrete types. A pass reads both change
//! feeds from their cursors, normalises items through the domain model ([`codec`],
//! [`text`]), plans with the pure `tandem_core::plan`, and applies the plan with guarded
//! writes, recording baselines, stamps and audit entries as it goes. The sync invariants of
//! the design (intent journal, three-way baselines, guarded writes, no echoes, cursors after
//! application, pacing, dry run as the same code) are each kept in one place, noted in
//! `engine.rs`.
//!
//! This crate must never depend on a concrete connector (`tandem-jira`, `tandem-ado`), a
//! concrete store backend's internals, or the simulator.

pub mod codec;
mod engine;
pub mod hooks;
pub mod report;
pub mod settings;
pub mod text;
pub mod workflow;

pub use engine::{Engine, EngineError, Mode};
pub use hooks::{Event, FailAt, FaultHook, FaultPoint, Hooks, NoFaults, Progress, Quiet, Stop};
pub use report::{ItemOutcome, ItemReport, PassReport};
pub use settings::{EngineOptions, SettingsError, SyncSettings, from_profile};
