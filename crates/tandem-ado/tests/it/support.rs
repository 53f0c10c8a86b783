//! Starting the simulator and building connectors the way a scenario's `[ado.client]` says.

use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;
use tandem_ado::{AdoAuth, AdoConfig, AdoConnector};
use tandem_connector::pacing::PacingSettings;
use tandem_sim::Scenario;
use tandem_sim::ado::{AdoSim, AdoSimHandle};
use url::Url;

/// `[ado.client]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Hints {
    pub user: Option<String>,
    pub token: Option<String>,
    pub project: Option<String>,
    pub area_path: Option<String>,
}

pub struct Sim {
    pub handle: AdoSimHandle,
    pub hints: Hints,
}

impl Sim {
    pub fn url(&self) -> Url {
        Url::parse(&self.handle.url()).unwrap()
    }

    pub fn ca_pem(&self) -> Option<Vec<u8>> {
        self.handle.ca_pem_path().map(|p| std::fs::read(p).unwrap())
    }

    pub fn config(&self) -> AdoConfig {
        let h = &self.hints;
        let mut cfg = AdoConfig::new(
            self.url(),
            h.project.clone().unwrap_or_else(|| "Demo".into()),
            AdoAuth::Pat(SecretString::from(h.token.clone().unwrap_or_default())),
        );
        cfg.area_path = h.area_path.clone();
        cfg.http.ca_bundle_pem = self.ca_pem();
        cfg.pacing = fast_pacing();
        cfg
    }

    pub fn connector(&self) -> AdoConnector {
        AdoConnector::new(self.config()).unwrap()
    }

    pub fn with(&self, f: impl FnOnce(&mut AdoConfig)) -> AdoConnector {
        let mut cfg = self.config();
        f(&mut cfg);
        AdoConnector::new(cfg).unwrap()
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

async fn launch(scenario: Scenario) -> Sim {
    let half: toml::Value = scenario.half("ado").unwrap();
    let hints = half
        .get("client")
        .cloned()
        .map(|c| c.try_into().unwrap())
        .unwrap_or_default();
    Sim {
        handle: AdoSim::start(&scenario).await.unwrap(),
        hints,
    }
}

pub async fn start(name: &str) -> Sim {
    launch(Scenario::builtin(name).unwrap()).await
}

pub async fn start_text(toml: &str) -> Sim {
    launch(Scenario::from_text(tandem_sim::Origin::File("test.toml".into()), toml).unwrap()).await
}

/// A scenario extending `demo` with `count` generated work items in Demo and extra `[ado]`
/// keys.
pub fn generated(count: usize, extra: &str) -> String {
    format!(
        "description = \"generated\"\n[ado]\nextends = \"demo\"\n{extra}\n[ado.generate]\ncount = {count}\nproject = \"Demo\"\n"
    )
}

pub fn route_count(stats: &serde_json::Value, route: &str) -> u64 {
    stats["by_route"]
        .get(route)
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0)
}

impl Sim {
    /// Work items in the simulated organisation (its only project is Demo).
    pub fn item_count(&self) -> usize {
        self.handle.with_world(|w| w.items.len())
    }
}
