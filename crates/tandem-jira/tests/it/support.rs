//! Starting simulators and building connectors the way a scenario's `[jira.client]` says.

use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;
use tandem_connector::pacing::PacingSettings;
use tandem_jira::JiraConnector;
use tandem_jira::config::{Flavor, JiraAuth, JiraConfig};
use tandem_sim::{JiraSim, JiraSimHandle, Scenario};
use url::Url;

/// `[jira.client]`: the credentials and settings a client should use to rehearse a scenario.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Hints {
    pub mode: Option<String>,
    pub user: Option<String>,
    pub login: Option<String>,
    pub token: Option<String>,
    pub bearer: bool,
    pub project: Option<String>,
    pub trust_ca: Option<bool>,
    pub gateway: bool,
}

pub struct Sim {
    pub handle: JiraSimHandle,
    pub hints: Hints,
    /// The scenario's `[jira]` table, as resolved (with `extends`).
    pub half: toml::Value,
}

impl Sim {
    /// How many issues the scenario puts in `project` (seeded plus declared).
    pub fn issue_count(&self, project: &str) -> usize {
        let seeded = self
            .half
            .get("seed")
            .and_then(|s| s.get("issues"))
            .and_then(|i| i.get(project))
            .and_then(toml::Value::as_integer)
            .unwrap_or(0);
        let declared = self
            .half
            .get("issues")
            .and_then(toml::Value::as_array)
            .map_or(0, |a| {
                a.iter()
                    .filter(|i| i.get("project").and_then(toml::Value::as_str) == Some(project))
                    .count()
            });
        usize::try_from(seeded).unwrap() + declared
    }

    pub fn url(&self) -> Url {
        Url::parse(self.handle.url()).unwrap()
    }

    pub fn ca_pem(&self) -> Option<Vec<u8>> {
        self.handle.ca_pem_path().map(|p| std::fs::read(p).unwrap())
    }

    /// A connector configured as the scenario's client would be.
    pub fn connector(&self) -> JiraConnector {
        JiraConnector::new(self.config()).unwrap()
    }

    pub fn config(&self) -> JiraConfig {
        let h = &self.hints;
        let flavor = match h.mode.as_deref() {
            Some("datacenter") => Flavor::DataCenter,
            _ => Flavor::Cloud,
        };
        let login = h
            .login
            .clone()
            .or_else(|| h.user.clone())
            .unwrap_or_default();
        let token = SecretString::from(h.token.clone().unwrap_or_default());
        let auth = if h.bearer {
            JiraAuth::Pat { token }
        } else if h.gateway {
            JiraAuth::ScopedToken {
                email: login,
                token,
                gateway: self.url(),
                cloud_id: None,
            }
        } else if flavor == Flavor::Cloud {
            JiraAuth::CloudToken {
                email: login,
                token,
            }
        } else {
            JiraAuth::Password {
                user: login,
                password: token,
            }
        };
        let mut cfg = JiraConfig::new(
            self.url(),
            flavor,
            auth,
            h.project.clone().unwrap_or_else(|| "DEMO".into()),
        );
        if h.trust_ca != Some(false) {
            cfg.http.ca_bundle_pem = self.ca_pem();
        }
        cfg.pacing = fast_pacing();
        cfg
    }

    pub fn with(&self, f: impl FnOnce(&mut JiraConfig)) -> JiraConnector {
        let mut cfg = self.config();
        f(&mut cfg);
        JiraConnector::new(cfg).unwrap()
    }

    /// The simulator's request counters, as `GET /_sim/stats` shows them.
    pub async fn stats(&self) -> serde_json::Value {
        serde_json::to_value(self.handle.server().common().stats.snapshot()).unwrap()
    }

    /// Zeroes the counters (`POST /_sim/stats/reset`).
    pub async fn reset_stats(&self) {
        self.handle.server().common().stats.reset();
    }

    /// Merges fault settings in (`PATCH /_sim/faults`).
    pub async fn faults(&self, faults: serde_json::Value) {
        self.handle.server().common().patch_faults(faults).unwrap();
    }
}

pub fn fast_pacing() -> PacingSettings {
    PacingSettings {
        min_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        max_retries: 4,
        ..PacingSettings::default()
    }
}

fn hints(scenario: &Scenario) -> (Hints, toml::Value) {
    let half: toml::Value = scenario.half("jira").unwrap();
    (
        half.get("client")
            .cloned()
            .map(|c| c.try_into().unwrap())
            .unwrap_or_default(),
        half,
    )
}

/// Starts a built-in scenario.
pub async fn start(name: &str) -> Sim {
    let scenario = Scenario::builtin(name).unwrap();
    let (hints, half) = hints(&scenario);
    Sim {
        handle: JiraSim::start(&scenario).await.unwrap(),
        hints,
        half,
    }
}

/// Starts a scenario given as TOML text.
pub async fn start_text(toml: &str) -> Sim {
    let scenario = Scenario::from_text(tandem_sim::Origin::File("test.toml".into()), toml).unwrap();
    let (hints, half) = hints(&scenario);
    Sim {
        handle: JiraSim::start(&scenario).await.unwrap(),
        hints,
        half,
    }
}

/// Calls per route from a stats snapshot.
pub fn route_count(stats: &serde_json::Value, route: &str) -> u64 {
    stats["by_route"]
        .get(route)
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0)
}
