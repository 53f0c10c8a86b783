//! The Azure DevOps half of the simulator: Services and Server flavours with PATs, scopes,
//! area-path permissions, WIQL, JSON-patch writes with revision history, comments,
//! attachments, service hooks and the TSTU rate limit.
//!
//! The world model and the request logic are plain Rust (this module's children); [`http`]
//! maps requests onto them. Start one with [`AdoSim::start`] (or `prepare` + `serve`); the
//! base URL clients use is [`AdoSimHandle::url`] (`http://HOST:PORT/{organization}`).

pub mod admin;
pub mod auth;
pub mod comments;
pub mod error;
pub mod hooks;
pub mod http;
pub mod identity;
pub mod process;
pub mod render;
pub mod resources;
pub mod seed;
pub mod spec;
pub mod time;
pub mod tree;
pub mod tstu;
pub mod version;
pub mod wiql;
pub mod workitem;
pub mod world;
pub mod write;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use parking_lot::RwLock;

use crate::common::clock::Clock;
use crate::common::scenario::{Scenario, ScenarioError};
use crate::common::server::{
    self, ListenOptions, ServeError, ServerHandle, SimCommon, SimSettings,
};

pub use spec::AdoSpec;
pub use world::World;

/// A prepared (validated, not yet listening) Azure DevOps simulator. Its `Debug` leaves out
/// the scenario's token secrets.
pub struct AdoSim {
    spec: AdoSpec,
    world: World,
    clock: Arc<Clock>,
    scenario: String,
    description: String,
    hook_backoff: Duration,
}

/// Why an Azure DevOps simulator did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The scenario is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The server could not start.
    #[error(transparent)]
    Serve(#[from] ServeError),
}

impl std::fmt::Debug for AdoSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdoSim")
            .field("scenario", &self.scenario)
            .field("organization", &self.world.org.name)
            .field("work_items", &self.world.items.len())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for AdoSimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdoSimHandle")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl AdoSim {
    /// Validates the scenario's `[ado]` table and builds the world (no I/O).
    pub fn prepare(scenario: &Scenario) -> Result<AdoSim, ScenarioError> {
        let spec: AdoSpec = scenario.half("ado")?;
        if let Err((key, problem)) = spec.faults.validate() {
            return Err(scenario.error_at("ado", &["faults", key], problem));
        }
        let clock = Arc::new(Clock::new());
        let world = seed::build(&spec, scenario, clock.clone())?;
        Ok(AdoSim {
            spec,
            world,
            clock,
            scenario: scenario.name().to_owned(),
            description: scenario.description().to_owned(),
            hook_backoff: Duration::from_secs(1),
        })
    }

    /// Prepares and serves on 127.0.0.1, any free port.
    pub async fn start(scenario: &Scenario) -> Result<AdoSimHandle, StartError> {
        Ok(Self::prepare(scenario)?
            .serve(&ListenOptions::default())
            .await?)
    }

    /// Shorten the service-hook retry backoff (tests).
    pub fn with_hook_backoff(mut self, backoff: Duration) -> Self {
        self.hook_backoff = backoff;
        self
    }

    /// The world as prepared (before any request).
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Starts listening.
    pub async fn serve(self, listen: &ListenOptions) -> Result<AdoSimHandle, ServeError> {
        let common = SimCommon::new(
            SimSettings {
                kind: "ado",
                scenario: self.scenario.clone(),
                description: self.description.clone(),
                faults: self.spec.faults.clone(),
                tls: self.spec.tls.clone(),
                // On-premises servers also answer under /tfs/{collection}; count both the same.
                route_prefixes: vec!["/tfs"],
                log_capacity: 10_000,
            },
            self.clock.clone(),
            listen,
        )?;
        let org = self.world.org.name.clone();
        let state = Arc::new(http::AdoState {
            world: RwLock::new(self.world),
            common: common.clone(),
            rate: tstu::RateLimiter::new(self.spec.rate_limit.clone()),
            hooks: hooks::Dispatcher::new(self.hook_backoff),
            process_id: identity::stable_uuid("process", &org),
        });
        let mut routes = http::router(state.clone());
        if !state.world.read().org.deployment.is_hosted() {
            // Azure DevOps Server URLs usually carry the virtual directory:
            // https://host/tfs/{collection}/... (ado-api.md §1).
            routes = Router::new().nest("/tfs", routes.clone()).merge(routes);
        }
        let api = server::api_layer(routes, common.clone());
        let api = http::case_insensitive(api);
        let spec = Arc::new(self.spec);
        let admin = admin::router(state.clone(), spec.clone());
        let server = server::serve(common, api, admin, listen).await?;
        state
            .world
            .write()
            .set_base_url(format!("{}/{org}", server.url()));
        Ok(AdoSimHandle {
            server,
            state,
            spec,
        })
    }
}

/// A running Azure DevOps simulator; stops on drop. Its `Debug` leaves out token secrets.
pub struct AdoSimHandle {
    server: ServerHandle,
    state: Arc<http::AdoState>,
    spec: Arc<AdoSpec>,
}

impl AdoSimHandle {
    /// The organisation URL clients use: `http://HOST:PORT/{organization}`.
    pub fn url(&self) -> String {
        format!("{}/{}", self.server.url(), self.state.world.read().org.name)
    }

    /// The server's root URL (where `/_sim/` lives).
    pub fn root_url(&self) -> &str {
        self.server.url()
    }

    /// The `/_sim/` admin key.
    pub fn admin_key(&self) -> &str {
        self.server.admin_key()
    }

    /// The CA certificate file when TLS is on.
    pub fn ca_pem_path(&self) -> Option<&std::path::Path> {
        self.server.ca_pem_path()
    }

    /// The shared server handle (stats, faults, clock).
    pub fn server(&self) -> &ServerHandle {
        &self.server
    }

    /// Run `f` over the live world (tests inspect state behind the API with it).
    pub fn with_world<T>(&self, f: impl FnOnce(&World) -> T) -> T {
        f(&self.state.world.read())
    }

    /// Hook deliveries attempted so far.
    pub fn deliveries(&self) -> Vec<hooks::Delivery> {
        self.state.hooks.log.lock().clone()
    }

    /// A few lines for people: the flavour, identities and their credentials (the
    /// scenario's published demo secrets, not real ones).
    pub fn summary(&self) -> String {
        admin::summary(&self.state, &self.url(), &self.spec)
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}
