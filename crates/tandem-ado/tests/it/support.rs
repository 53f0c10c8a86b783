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

    async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let mut b = reqwest_client(self.ca_pem())
            .request(method, format!("{}{path}", self.handle.root_url()));
        b = b.header(tandem_sim::ADMIN_KEY_HEADER, self.handle.admin_key());
        if let Some(v) = body {
            b = b.json(&v);
        }
        let r = b.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert!(status.is_success(), "admin {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    }

    pub async fn stats(&self) -> serde_json::Value {
        self.admin(reqwest::Method::GET, "/_sim/stats", None).await
    }

    pub async fn reset_stats(&self) {
        self.admin(reqwest::Method::POST, "/_sim/stats/reset", None)
            .await;
    }

    pub async fn faults(&self, faults: serde_json::Value) {
        self.admin(reqwest::Method::PATCH, "/_sim/faults", Some(faults))
            .await;
    }
}

#[allow(clippy::disallowed_methods)]
fn reqwest_client(ca: Option<Vec<u8>>) -> reqwest::Client {
    tandem_connector::tls::install_crypto_provider();
    let mut b = reqwest::Client::builder();
    if let Some(pem) = ca {
        b = b.tls_certs_merge(reqwest::Certificate::from_pem_bundle(&pem).unwrap());
    }
    b.build().unwrap()
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
