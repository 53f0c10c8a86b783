//! tandem-sim: in-memory simulators of the Jira (Cloud and Data Center) and Azure DevOps REST
//! APIs, faithful enough that real third-party clients work against them unchanged. They are
//! the ground for every test and the default for the demo.
//!
//! Must never depend on a tandem connector crate or share wire types with them: the simulator
//! is an independent reading of each API, so one misreading cannot hide in both sides.
//!
//! # Using it
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let scenario = tandem_sim::Scenario::resolve("no-create")?; // built-in name or a path
//! let jira = tandem_sim::JiraSim::start(&scenario).await?;    // 127.0.0.1, any free port
//! let base = jira.url().to_string();      // e.g. http://127.0.0.1:41234 (https with TLS)
//! let key = jira.admin_key().to_string(); // for /_sim/ (header X-Tandem-Sim-Key)
//! let stats = jira.server().common().stats.snapshot(); // or GET /_sim/stats
//! jira.shutdown().await;                  // or just drop it
//! # let _ = (base, key, stats); Ok(()) }
//! ```
//!
//! `tandem sim --scenario NAME|PATH [--jira-port N] [--host H] [--admin-key K]` runs the halves
//! until Ctrl-C/SIGTERM and prints one JSON line per half as soon as it listens,
//! `{"sim":"jira","url":"…","admin_key":"…","scenario":"…"[,"ca_pem":"/path"]}`, then a human
//! summary of the identities.
//!
//! # Shared interface (what every half uses; `src/common/`)
//!
//! - **Scenarios** ([`Scenario`], `common::scenario`): one TOML file per world; built-ins are
//!   the repository's `scenarios/NAME.toml`, embedded by `build.rs` (a new file needs no code).
//!   Top-level keys: `description` and one table per half (`[jira]`, `[ado]`; the list is
//!   `common::scenario::HALVES`). [`Scenario::half::<T>("ado")`](Scenario::half) deserializes a
//!   half's table into the half's own serde types (use `deny_unknown_fields`); a half the file
//!   omits comes from `demo`; `extends = "NAME"` in a half table merges over another
//!   scenario's same half. Errors ([`ScenarioError`]) name file, line:column, key and problem;
//!   for checks after deserializing (dangling references) use
//!   [`Scenario::error_at`] with the key path. Validate every half before starting any.
//! - **Per-half settings every half embeds**: `faults: Faults` ([`Faults`], `common::faults`)
//!   and `tls: TlsSettings` ([`TlsSettings`], `common::tls`), both `#[serde(default)]`.
//! - **Server** (`common::server`): `SimCommon::new(SimSettings { kind: "ado", … }, clock,
//!   &listen)` makes the shared state (admin key, faults, stats, request log, TLS material);
//!   build the API `Router`, wrap it with `server::api_layer(router, common)` as the outermost
//!   layer (faults + route labels for stats), then `server::serve(common, api, admin_routes,
//!   &listen)` -> [`ServerHandle`] (URL, admin key, CA PEM path; stops on drop or
//!   `shutdown().await`). Put an `server::Actor` in response extensions to name the caller in
//!   the request log; `common.stats.bump("ado.something", n)` counts side effects;
//!   `SimSettings::route_prefixes` strips base-path prefixes (`/{organization}`…) from stats
//!   labels if wanted.
//! - **Primitives**: `common::clock::Clock` (strictly increasing ms stamps, advanceable),
//!   `common::ratelimit::{TokenBucket, WindowCounter}`, `common::rng::Rng`.
//! - **Admin API** (`/_sim/…`, `common::admin` lists the routes): header
//!   `X-Tandem-Sim-Key: <admin key>` on every route but `/_sim/health` and `/_sim/ca.pem`;
//!   user credentials are refused. Stats (`GET /_sim/stats` -> `{"total","writes","by_route",
//!   "by_status","counters"}`, `POST /_sim/stats/reset`), request log, faults at run time,
//!   clock, CA PEM. Each half adds `/_sim/<kind>/…` (Jira: `jira::admin`).
//! - **Halves**: [`JiraSim`] (`src/jira/`): `JiraSim::prepare(&Scenario)` validates and
//!   builds the world with no I/O, `.serve(&ListenOptions)` listens; `JiraSim::start` does
//!   both on 127.0.0.1:0. [`AdoSim`] (`src/ado/`) has the same shape; its base URL is
//!   `http://HOST:PORT/{organization}` ([`AdoSimHandle::url`]; `root_url` is where `/_sim/`
//!   lives) and its own admin routes are under `/_sim/ado/` (`ado::admin`).

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
