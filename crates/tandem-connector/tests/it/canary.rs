//! A server that reflects the credentials back (in the body, in a header, in a redirect)
//! must not make them appear in an error, its Debug output, or any log line.

use std::io::Write;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use base64::Engine as _;
use parking_lot::Mutex;
use secrecy::SecretString;
use tandem_connector::error::Side;
use tandem_connector::http::{HttpClient, HttpSettings};
use tandem_connector::pacing::PacingSettings;
use tandem_connector::redact::Scrubber;
use tandem_connector::transport::{Idempotency, Intent, Transport};

use crate::support::{Plain, serve};

/// Collects every formatted log line.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

const CANARY: &str = "canary-7f3a9c1e-secret-token";

#[tokio::test(flavor = "current_thread")]
async fn reflected_secrets_never_surface() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // Reflect the Authorization header everywhere a server could.
    let app = Router::new().route(
        "/reflect",
        get(|h: HeaderMap| async move {
            let auth = h
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let mut out = HeaderMap::new();
            out.insert("www-authenticate", auth.parse().unwrap());
            out.insert(
                "x-tfs-serviceerror",
                auth.replace(' ', "%20").parse().unwrap(),
            );
            out.insert("content-type", "application/json".parse().unwrap());
            (
                StatusCode::UNAUTHORIZED,
                out,
                format!("{{\"message\":\"bad credentials: {auth}\"}}"),
            )
        }),
    );
    let addr = serve(app).await;
    let mut scrubber = Scrubber::new();
    let secret = SecretString::from(CANARY.to_owned());
    scrubber.add(&secret, &["", "sync-bot@example.com"]);
    let t = Transport::new(
        HttpClient::new(Side::Ado, &HttpSettings::default()).unwrap(),
        PacingSettings::default(),
        scrubber,
        Plain,
    );
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(":{CANARY}"));
    let url = format!("http://{addr}/reflect");
    let e = t
        .send(Idempotency::Safe, &Intent::new("read"), |c| {
            c.get(&url)
                .header("authorization", format!("Basic {basic}"))
        })
        .await
        .unwrap_err();
    let everything = format!(
        "{e}\n{e:?}\n{}\n{t:?}\n{}",
        serde_json::to_string(&e).unwrap(),
        String::from_utf8_lossy(&logs.0.lock())
    );
    assert!(
        everything.contains("[redacted]"),
        "the reflection should have been caught: {everything}"
    );
    assert!(!everything.contains(CANARY), "secret leaked: {everything}");
    assert!(
        !everything.contains(&basic),
        "Basic-encoded secret leaked: {everything}"
    );
    assert!(
        !logs.0.lock().is_empty(),
        "the request should have been logged"
    );
}
