//! Helpers: start a simulator from scenario text, HTTP clients, admin calls.

use std::sync::Once;

use serde_json::Value;
use tandem_sim::{JiraSim, JiraSimHandle, Origin, Scenario};

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

/// A caller: base URL plus optional Basic credentials.
pub(crate) struct Caller {
    pub(crate) base: String,
    pub(crate) auth: Option<(String, String)>,
    pub(crate) bearer: Option<String>,
    pub(crate) c: reqwest::Client,
}

impl Caller {
    pub(crate) fn new(sim: &JiraSimHandle, auth: Option<(&str, &str)>) -> Caller {
        Caller {
            base: sim.url().to_owned(),
            auth: auth.map(|(u, p)| (u.to_owned(), p.to_owned())),
            bearer: None,
            c: client(),
        }
    }
    pub(crate) fn bearer(sim: &JiraSimHandle, token: &str) -> Caller {
        Caller {
            base: sim.url().to_owned(),
            auth: None,
            bearer: Some(token.to_owned()),
            c: client(),
        }
    }
    pub(crate) fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self.c.request(method, format!("{}{path}", self.base));
        if let Some((u, p)) = &self.auth {
            r = r.basic_auth(u, Some(p));
        }
        if let Some(t) = &self.bearer {
            r = r.bearer_auth(t);
        }
        r.header("Accept", "application/json")
    }
    pub(crate) async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.req(reqwest::Method::GET, path).send().await.unwrap();
        let s = r.status().as_u16();
        let text = r.text().await.unwrap();
        (
            s,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
    pub(crate) async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (u16, Value) {
        let r = self.req(method, path).json(&body).send().await.unwrap();
        let s = r.status().as_u16();
        let text = r.text().await.unwrap();
        (
            s,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
    pub(crate) async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, body).await
    }
    pub(crate) async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PUT, path, body).await
    }
}

/// An ADF document of one paragraph.
pub(crate) fn doc(text: &str) -> Value {
    serde_json::json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]})
}
