//! Helpers: start a simulator from scenario text, HTTP clients, admin calls.

use std::sync::Once;

use serde_json::Value;
use tandem_sim::{JiraSim, JiraSimHandle, Origin, Scenario};

#[allow(dead_code)]
pub(crate) const SYNC_BOT: (&str, &str) = ("sync-bot@example.com", "demo-jira-token-sync-bot");
pub(crate) const ALICE: (&str, &str) = ("alice@example.com", "demo-jira-token-alice");

fn install_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A client for tests: no redirects followed, so 303s can be checked.
#[allow(clippy::disallowed_methods)] // the connector's builder is not a dependency of the simulator
pub(crate) fn client() -> reqwest::Client {
    install_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A client that trusts only the given CA.
#[allow(clippy::disallowed_methods)]
pub(crate) fn client_trusting(ca_pem: &str) -> reqwest::Client {
    install_provider();
    let cert = reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap();
    reqwest::Client::builder()
        .tls_certs_only([cert])
        .build()
        .unwrap()
}

/// A client with the platform's roots only.
#[allow(clippy::disallowed_methods)]
pub(crate) fn client_default_roots() -> reqwest::Client {
    install_provider();
    reqwest::Client::builder().build().unwrap()
}

pub(crate) async fn start(name: &str) -> JiraSimHandle {
    let sc = Scenario::builtin(name).unwrap();
    JiraSim::start(&sc).await.unwrap()
}

pub(crate) async fn start_text(text: &str) -> JiraSimHandle {
    let sc = Scenario::from_text(Origin::File("test.toml".into()), text).unwrap();
    JiraSim::start(&sc).await.unwrap()
}

pub(crate) async fn admin_get(sim: &JiraSimHandle, path: &str) -> Value {
    let r = client()
        .get(format!("{}{path}", sim.url()))
        .header("X-Tandem-Sim-Key", sim.admin_key())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.unwrap()
}

pub(crate) async fn admin_send(
    sim: &JiraSimHandle,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> reqwest::Response {
    client()
        .request(method, format!("{}{path}", sim.url()))
        .header("X-Tandem-Sim-Key", sim.admin_key())
        .json(&body)
        .send()
        .await
        .unwrap()
}
