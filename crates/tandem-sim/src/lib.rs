//! tandem-sim: in-memory simulators of the Jira (Cloud and Data Center) and Azure DevOps REST
//! APIs, faithful enough that real third-party clients work against them unchanged. They are
//! the ground for every test and the default for the demo.
//!
//! Must never depend on a tandem connector crate or share wire types with them: the simulator
//! is an independent reading of each API, so one misreading cannot hide in both sides.
//!
//! # Shared interface (for every half)
//!
//! - **Scenarios** ([`Scenario`]): one TOML file per world; built-ins are the repository's
//!   `scenarios/NAME.toml`, embedded at build time. Top-level keys: `description` and one table
//!   per half (`[jira]`, `[ado]`). [`Scenario::half`] deserializes a half's table into the
//!   half's own types (serde, `deny_unknown_fields`); a half the file omits comes from `demo`;
//!   `extends = "NAME"` inside a half table merges over another scenario's same half. Errors
//!   ([`ScenarioError`]) name file, line:column, key and problem. Load and prepare every half
//!   before starting any, so a bad file starts nothing.
//! - **Per-half settings every half accepts**: `faults` ([`Faults`]) and `tls` ([`TlsSettings`]).
//! - **Server** ([`common::server`]): `SimCommon::new(settings, clock, &listen)`, wrap the API
//!   router with `api_layer`, then `serve(common, api, admin_routes, &listen)` ->
//!   [`ServerHandle`] (URL, admin key, CA PEM path; stops on drop or `shutdown().await`).
//! - **Admin API** (`/_sim/...`, see [`common::admin`]): needs header
//!   `X-Tandem-Sim-Key: <admin key>`; stats (`GET /_sim/stats`, `POST /_sim/stats/reset`),
//!   request log, faults at run time, clock, CA PEM. Each half adds `/_sim/<kind>/...`.
//! - **Halves**: [`JiraSim`] (this crate's `jira` module) and [`AdoSim`] (the `ado` module:
//!   `AdoSim::prepare(&Scenario)` then `.serve(&ListenOptions)`, or `AdoSim::start`; its base
//!   URL is `http://HOST:PORT/{organization}`, admin routes under `/_sim/ado/`).

pub mod ado;
pub mod common;
pub mod jira;

pub use ado::{AdoSim, AdoSimHandle};
pub use common::faults::Faults;
pub use common::scenario::{Origin, Scenario, ScenarioError};
pub use common::server::{ADMIN_KEY_HEADER, ListenOptions, ServeError, ServerHandle};
pub use common::stats::StatsSnapshot;
pub use common::tls::TlsSettings;
pub use jira::{JiraSim, JiraSimHandle};
