//! Service hook subscriptions and deliveries to a real HTTP receiver.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use parking_lot::Mutex;
use serde_json::{Value, json};

use super::*;

#[derive(Default)]
struct Received {
    events: Vec<(HeaderMap, Value)>,
    fail_first: usize,
    seen: usize,
}

async fn receiver(fail_first: usize) -> (String, Arc<Mutex<Received>>) {
    let state = Arc::new(Mutex::new(Received {
        fail_first,
        ..Received::default()
    }));
    async fn hook(
        State(s): State<Arc<Mutex<Received>>>,
        headers: HeaderMap,
        body: axum::body::Bytes,
    ) -> axum::http::StatusCode {
        let mut s = s.lock();
        s.seen += 1;
        if s.seen <= s.fail_first {
            return axum::http::StatusCode::SERVICE_UNAVAILABLE;
        }
        let v: Value = serde_json::from_slice(&body).unwrap();
        s.events.push((headers, v));
        axum::http::StatusCode::OK
    }
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), state)
}

async fn wait_for(state: &Arc<Mutex<Received>>, n: usize) {
    for _ in 0..200 {
        if state.lock().events.len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("expected {n} events, got {}", state.lock().events.len());
}

fn subscription(event: &str, url: &str, project_id: &str) -> Value {
    json!({
        "publisherId": "tfs",
        "eventType": event,
        "resourceVersion": "1.0",
        "consumerId": "webHooks",
        "consumerActionId": "httpRequest",
        "publisherInputs": { "projectId": project_id },
        "consumerInputs": {
            "url": url,
            "basicAuthUsername": "ado",
            "basicAuthPassword": "hook-secret",
            "httpHeaders": "X-Tandem-Secret: s3cret",
        },
    })
}

const PROJECT_ID: &str = "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c";

#[tokio::test]
async fn created_updated_and_commented_events_are_delivered() {
    let sim = start_text("[ado]\nextends = \"demo\"\n").await;
    let (url, got) = receiver(0).await;
    let alice = api(&sim, ALICE_PAT);
    for event in ["workitem.created", "workitem.updated", "workitem.commented"] {
        let sub = alice
            .post_json(
                "/_apis/hooks/subscriptions?api-version=7.1",
                &subscription(event, &url, PROJECT_ID),
            )
            .await
            .ok();
        assert_eq!(sub["status"], "enabled");
        assert_eq!(sub["consumerInputs"]["basicAuthPassword"], "********");
    }
    let list = alice
        .get("/_apis/hooks/subscriptions?api-version=7.1")
        .await
        .ok();
    assert_eq!(list["count"], 3);

    let a = api(&sim, SYNC_PAT);
    let created = a
        .create(
            "/Demo/_apis/wit/workitems/$Task?api-version=7.1",
            &json!([{"op": "add", "path": "/fields/System.Title", "value": "hooked"}]),
        )
        .await
        .ok();
    let id = created["id"].as_i64().unwrap();
    wait_for(&got, 1).await;
    a.patch(
        &format!("/Demo/_apis/wit/workitems/{id}?api-version=7.1"),
        &json!([{"op": "add", "path": "/fields/System.State", "value": "Active"}]),
    )
    .await
    .ok();
    wait_for(&got, 2).await;
    a.post_json(
        &format!("/Demo/_apis/wit/workItems/{id}/comments?format=html&api-version=7.1-preview.4"),
        &json!({"text": "<p>hello</p>"}),
    )
    .await
    .ok();
    // commented + the updated that comes with the new revision
    wait_for(&got, 4).await;

    let events = got.lock().events.clone();
    let (headers, first) = &events[0];
    assert_eq!(first["eventType"], "workitem.created");
    assert_eq!(first["publisherId"], "tfs");
    assert_eq!(first["resourceVersion"], "1.0");
    assert_eq!(first["resource"]["id"], id);
    assert_eq!(first["resource"]["fields"]["System.Title"], "hooked");
    assert_eq!(
        first["resource"]["fields"]["System.CreatedBy"],
        "Sync Bot <sync-bot@example.com>"
    );
    assert_eq!(first["resourceContainers"]["project"]["id"], PROJECT_ID);
    assert!(
        first["message"]["text"]
            .as_str()
            .unwrap()
            .contains("created by Sync Bot")
    );
    let auth = headers.get("authorization").unwrap().to_str().unwrap();
    assert_eq!(auth, basic_user("ado", "hook-secret"));
    assert_eq!(headers.get("x-tandem-secret").unwrap(), "s3cret");

    let updated = &events[1].1;
    assert_eq!(updated["eventType"], "workitem.updated");
    assert_eq!(updated["resource"]["workItemId"], id);
    assert_eq!(
        updated["resource"]["fields"]["System.State"]["oldValue"],
        "New"
    );
    assert_eq!(
        updated["resource"]["fields"]["System.State"]["newValue"],
        "Active"
    );
    assert_eq!(updated["resource"]["revision"]["id"], id);
    assert_eq!(
        updated["resource"]["revisedBy"]["uniqueName"],
        "sync-bot@example.com"
    );

    let commented = events
        .iter()
        .map(|(_, e)| e)
        .find(|e| e["eventType"] == "workitem.commented")
        .unwrap();
    assert_eq!(
        commented["resource"]["fields"]["System.History"],
        "<p>hello</p>"
    );
    assert!(commented["resource"].get("commentId").is_none());
}

fn basic_user(user: &str, pass: &str) -> String {
    format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{user}:{pass}")
        )
    )
}

#[tokio::test]
async fn transient_failures_are_retried() {
    let sim = start_text("[ado]\nextends = \"demo\"\n").await;
    let (url, got) = receiver(2).await;
    api(&sim, ALICE_PAT)
        .post_json(
            "/_apis/hooks/subscriptions?api-version=7.1",
            &subscription("workitem.created", &url, PROJECT_ID),
        )
        .await
        .ok();
    api(&sim, SYNC_PAT)
        .create(
            "/Demo/_apis/wit/workitems/$Task?api-version=7.1",
            &json!([{"op": "add", "path": "/fields/System.Title", "value": "retry me"}]),
        )
        .await
        .ok();
    wait_for(&got, 1).await;
    let attempts: Vec<(u32, u16)> = sim
        .deliveries()
        .iter()
        .map(|d| (d.attempt, d.status))
        .collect();
    assert_eq!(attempts, [(1, 503), (2, 503), (3, 200)]);
}

#[tokio::test]
async fn suppressed_writes_and_filters_send_nothing() {
    let sim = start_text("[ado]\nextends = \"demo\"\n").await;
    let (url, got) = receiver(0).await;
    let alice = api(&sim, ALICE_PAT);
    let mut sub = subscription("workitem.updated", &url, PROJECT_ID);
    sub["publisherInputs"]["changedFields"] = json!("System.State");
    alice
        .post_json("/_apis/hooks/subscriptions?api-version=7.1", &sub)
        .await
        .ok();
    // A title change does not match changedFields=System.State.
    alice
        .patch(
            "/Demo/_apis/wit/workitems/10?api-version=7.1",
            &json!([{"op": "add", "path": "/fields/System.Title", "value": "quiet"}]),
        )
        .await
        .ok();
    // A state change with suppressNotifications=true sends nothing either.
    alice
        .patch(
            "/Demo/_apis/wit/workitems/10?suppressNotifications=true&api-version=7.1",
            &json!([{"op": "add", "path": "/fields/System.State", "value": "Active"}]),
        )
        .await
        .ok();
    // This one does.
    alice
        .patch(
            "/Demo/_apis/wit/workitems/10?api-version=7.1",
            &json!([{"op": "add", "path": "/fields/System.State", "value": "Closed"}]),
        )
        .await
        .ok();
    wait_for(&got, 1).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let events = got.lock().events.clone();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].1["resource"]["fields"]["System.State"]["newValue"],
        "Closed"
    );
}

#[tokio::test]
async fn subscriptions_need_hooks_scope_and_admin_rights() {
    let sim = start("demo").await;
    let (url, _) = receiver(0).await;
    // vso.work_write is not enough to manage subscriptions.
    api(&sim, SYNC_PAT)
        .post_json(
            "/_apis/hooks/subscriptions?api-version=7.1",
            &subscription("workitem.created", &url, PROJECT_ID),
        )
        .await
        .error(401, "UnauthorizedRequestException");
    // The scope alone is not enough either: a contributor lacks "Edit subscriptions".
    let r = client()
        .post(format!("{}/_sim/ado/tokens", sim.root_url()))
        .header("X-Tandem-Sim-Key", sim.admin_key())
        .body(json!({"secret": "bob-hooks-token", "owner": "bob@example.com", "scopes": ["vso.hooks_write", "vso.work"]}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let body = api(&sim, "bob-hooks-token")
        .post_json(
            "/_apis/hooks/subscriptions?api-version=7.1",
            &subscription("workitem.created", &url, PROJECT_ID),
        )
        .await
        .error(403, "UnauthorizedAccessException");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Edit subscriptions")
    );
    let body = api(&sim, ALICE_PAT)
        .post_json(
            "/_apis/hooks/subscriptions?api-version=7.1",
            &subscription("workitem.moved", &url, PROJECT_ID),
        )
        .await
        .error(400, "ArgumentException");
    assert!(body["message"].as_str().unwrap().contains("workitem.moved"));
}
