//! The Jira half: an in-memory Jira Cloud (REST v2 + v3, API gateway) or Jira Data Center
//! (REST v2) with users, credentials, permission schemes, workflows, issues and webhooks.

pub mod spec;

use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::common::clock::Clock;
use crate::common::scenario::{Scenario, ScenarioError};
use crate::common::server::{
    self, ListenOptions, ServeError, ServerHandle, SimCommon, SimSettings,
};

pub use spec::{Flavour, JiraSpec};

/// A prepared (validated, not yet listening) Jira simulator.
#[derive(Debug)]
pub struct JiraSim {
    spec: JiraSpec,
    scenario: String,
    description: String,
}

/// Why a Jira simulator did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The scenario is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The server could not start.
    #[error(transparent)]
    Serve(#[from] ServeError),
}

impl JiraSim {
    /// Validates the scenario's `[jira]` table and builds the world (no I/O).
    pub fn prepare(scenario: &Scenario) -> Result<JiraSim, ScenarioError> {
        let spec: JiraSpec = scenario.half("jira")?;
        Ok(JiraSim {
            spec,
            scenario: scenario.name().to_owned(),
            description: scenario.description().to_owned(),
        })
    }

    /// Prepares and serves on 127.0.0.1, any free port.
    pub async fn start(scenario: &Scenario) -> Result<JiraSimHandle, StartError> {
        Ok(Self::prepare(scenario)?
            .serve(&ListenOptions::default())
            .await?)
    }

    /// Starts listening.
    pub async fn serve(self, listen: &ListenOptions) -> Result<JiraSimHandle, ServeError> {
        let clock = Arc::new(Clock::new());
        let common = SimCommon::new(
            SimSettings {
                kind: "jira",
                scenario: self.scenario.clone(),
                description: self.description.clone(),
                faults: self.spec.faults.clone(),
                tls: self.spec.tls.clone(),
                route_prefixes: vec!["/ex/jira/{cloudId}"],
                log_capacity: 10_000,
            },
            clock,
            listen,
        )?;
        let flavour = self.spec.flavour;
        let api = Router::new().route(
            "/rest/api/2/serverInfo",
            get(move || async move {
                Json(json!({ "deploymentType": if flavour == Flavour::Cloud { "Cloud" } else { "Server" } }))
            }),
        );
        let api = server::api_layer(api, common.clone());
        let server = server::serve(common, api, Router::new(), listen).await?;
        Ok(JiraSimHandle {
            server,
            spec: Arc::new(self.spec),
        })
    }
}

/// A running Jira simulator; stops on drop.
#[derive(Debug)]
pub struct JiraSimHandle {
    server: ServerHandle,
    spec: Arc<JiraSpec>,
}

impl JiraSimHandle {
    /// Base URL of the site.
    pub fn url(&self) -> &str {
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
    /// A few lines for people: the flavour, the identities and their credentials (these are
    /// the scenario's published demo secrets, not real ones).
    pub fn summary(&self) -> String {
        summary(&self.spec, self.url())
    }
    /// Stops the server and waits for it.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

fn summary(spec: &JiraSpec, url: &str) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let flavour = match spec.flavour {
        Flavour::Cloud => "Jira Cloud",
        Flavour::Datacenter => "Jira Data Center",
    };
    let _ = writeln!(s, "{flavour} at {url}");
    for (handle, user) in &spec.users {
        let login = match spec.flavour {
            Flavour::Cloud => user.email.clone().unwrap_or_default(),
            Flavour::Datacenter => user.name.clone().unwrap_or_else(|| handle.clone()),
        };
        let mut creds: Vec<String> = spec
            .tokens
            .iter()
            .filter(|(_, t)| &t.owner == handle)
            .map(|(secret, t)| {
                let mut c = secret.clone();
                if t.revoked {
                    c.push_str(" (revoked)");
                }
                if !t.scopes.is_empty() {
                    c.push_str(" (scoped)");
                }
                c
            })
            .collect();
        if spec.flavour == Flavour::Datacenter {
            if let Some(p) = &user.password {
                creds.push(format!("password {p}"));
            }
        }
        let _ = writeln!(
            s,
            "  {login:<28} {:<18} {}",
            user.display_name,
            if creds.is_empty() {
                "-".to_owned()
            } else {
                creds.join(", ")
            }
        );
    }
    if let (Some(user), Some(project)) = (&spec.client.user, &spec.client.project) {
        let _ = writeln!(
            s,
            "  this scenario's client: user {user}, project {project}"
        );
    }
    s
}
