//! A canary PAT: whatever happens (success, rejection, validation error, retries, HTML), it
//! never appears in an error, its Debug, a log line, or the connector's Debug.

use std::io::Write;
use std::sync::Arc;

use base64::Engine as _;
use parking_lot::Mutex;
use tandem_connector::{Connector, FieldChanges, ItemId, Marker, NewItem};

use crate::support::start_text;

const CANARY: &str = "canary-ado-9e2c4b7a-do-not-leak";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

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

#[tokio::test(flavor = "current_thread")]
async fn the_canary_never_surfaces() {
    let logs = Captured::default();
    let filter = tracing_subscriber::EnvFilter::new(
        "tandem_connector=trace,tandem_ado=trace,reqwest=trace,hyper=trace,hyper_util=trace,rustls=trace",
    );
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = start_text(&format!(
        "description = \"canary\"\n[ado]\nextends = \"demo\"\n[ado.tokens.{CANARY}]\nowner = \"sync-bot\"\nscopes = [\"vso.work_write\"]\n[ado.client]\nuser = \"sync-bot@example.com\"\ntoken = \"{CANARY}\"\nproject = \"Demo\"\narea_path = \"Demo\\\\Web\"\n"
    ))
    .await;
    let c = sim.connector();
    let mut seen = format!("{c:?}\n{:?}\n", c.config());
    seen.push_str(&format!("{:?}\n", c.identity().await.unwrap()));
    let mut untitled = NewItem {
        item_type: "Bug".into(),
        ..NewItem::default()
    };
    untitled.fields.insert("System.Title".into(), "".into());
    let e = c
        .create(&untitled, Marker(uuid::Uuid::new_v4()))
        .await
        .unwrap_err();
    seen.push_str(&format!(
        "{e}\n{e:?}\n{}\n",
        serde_json::to_string(&e).unwrap()
    ));
    let mut changes = FieldChanges::default();
    changes
        .fields
        .insert("System.Title".into(), Some("x".into()));
    let e = c
        .update(&ItemId::new("999999"), &changes, None)
        .await
        .unwrap_err();
    seen.push_str(&format!("{e}\n{e:?}\n"));
    sim.faults(serde_json::json!({ "error_rate": 1.0, "error_status": 503 }))
        .await;
    let e = c.identity().await.unwrap_err();
    seen.push_str(&format!("{e}\n{e:?}\n"));
    sim.faults(serde_json::json!({ "error_rate": 0.0, "html_login": true }))
        .await;
    let e = c.identity().await.unwrap_err();
    seen.push_str(&format!("{e}\n{e:?}\n"));
    sim.faults(serde_json::json!({ "html_login": false })).await;
    let wrong = sim.with(|cfg| {
        cfg.auth = tandem_ado::AdoAuth::Pat(secrecy::SecretString::from(format!("{CANARY}-wrong")));
    });
    let e = wrong.identity().await.unwrap_err();
    seen.push_str(&format!("{e}\n{e:?}\n"));

    let log_text = String::from_utf8_lossy(&logs.0.lock()).into_owned();
    assert!(!log_text.is_empty(), "requests were logged");
    let everything = format!("{seen}\n{log_text}");
    assert!(
        !everything.contains(CANARY),
        "the canary leaked:\n{everything}"
    );
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(":{CANARY}"));
    assert!(!everything.contains(&basic), "the Basic credentials leaked");
}
