//! Starting simulators and talking to them.

use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tandem_sim::Scenario;
use tandem_sim::ado::{AdoSim, AdoSimHandle};

pub(crate) const SYNC_PAT: &str = "demo-ado-pat-sync-bot";
pub(crate) const ALICE_PAT: &str = "demo-ado-pat-alice";

pub(crate) async fn start(name: &str) -> AdoSimHandle {
    let scenario = Scenario::builtin(name).unwrap();
    AdoSim::start(&scenario).await.unwrap()
}

pub(crate) async fn start_text(text: &str) -> AdoSimHandle {
    let scenario = Scenario::from_text(tandem_sim::Origin::File("test.toml".into()), text).unwrap();
    AdoSim::prepare(&scenario)
        .unwrap()
        .with_hook_backoff(std::time::Duration::from_millis(50))
        .serve(&tandem_sim::ListenOptions::default())
        .await
        .unwrap()
}

pub(crate) fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    #[allow(clippy::disallowed_methods)] // tests talk to the simulator with a bare client
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub(crate) fn basic(pat: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(":{pat}"))
    )
}

/// One response, taken apart.
#[derive(Debug)]
pub(crate) struct Resp {
    pub(crate) status: StatusCode,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) text: String,
}

impl Resp {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.text))
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    #[track_caller]
    pub(crate) fn ok(self) -> Value {
        assert!(
            self.status.is_success(),
            "expected success, got {} {}",
            self.status,
            self.text
        );
        self.json()
    }

    #[track_caller]
    pub(crate) fn error(&self, status: u16, type_key: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        let body = self.json();
        assert_eq!(body["typeKey"], type_key, "{body}");
        assert_eq!(body["$id"], "1");
        body
    }
}

/// A request builder bound to one simulator and one credential.
pub(crate) struct Api<'a> {
    pub(crate) sim: &'a AdoSimHandle,
    pub(crate) auth: Option<String>,
    pub(crate) client: reqwest::Client,
}

pub(crate) fn api<'a>(sim: &'a AdoSimHandle, pat: &str) -> Api<'a> {
    Api {
        sim,
        auth: Some(basic(pat)),
        client: client(),
    }
}

impl Api<'_> {
    /// `path` is relative to the organisation URL (`/Demo/_apis/...`).
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Resp {
        let url = format!("{}{path}", self.sim.url());
        let mut req = self.client.request(method, &url);
        if let Some(a) = &self.auth {
            req = req.header("Authorization", a);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some((ct, bytes)) = body {
            req = req.header("Content-Type", ct).body(bytes);
        }
        let r = req.send().await.unwrap();
        Resp {
            status: r.status(),
            headers: r.headers().clone(),
            text: r.text().await.unwrap(),
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, &[], None).await
    }

    pub(crate) async fn post_json(&self, path: &str, body: &Value) -> Resp {
        self.send(
            Method::POST,
            path,
            &[],
            Some(("application/json", body.to_string().into_bytes())),
        )
        .await
    }

    pub(crate) async fn patch(&self, path: &str, ops: &Value) -> Resp {
        self.send(
            Method::PATCH,
            path,
            &[],
            Some(("application/json-patch+json", ops.to_string().into_bytes())),
        )
        .await
    }

    pub(crate) async fn create(&self, path: &str, ops: &Value) -> Resp {
        self.send(
            Method::POST,
            path,
            &[],
            Some(("application/json-patch+json", ops.to_string().into_bytes())),
        )
        .await
    }
}
