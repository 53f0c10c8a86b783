//! TSTU rate limiting, faults and the shared stats.

use std::time::Instant;

use serde_json::{Value, json};

use super::*;

const LIMITED: &str = r#"
[ado]
extends = "demo"
[ado.rate_limit]
limit = 1.0
block_at = 2.0
read_cost = 0.25
write_cost = 0.25
query_cost = 0.25
window_seconds = 300
max_delay_ms = 400
"#;

#[tokio::test]
async fn rate_limit_headers_delay_then_block() {
    let sim = start_text(LIMITED).await;
    let a = api(&sim, SYNC_PAT);
    let path = "/Demo/_apis/wit/workitems/1?api-version=7.1";
    // Under the limit: 200 with the headers, no delay.
    let r = a.get(path).await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(r.header("x-ratelimit-resource"), Some("Core"));
    assert_eq!(r.header("x-ratelimit-limit"), Some("1"));
    assert!(
        r.header("x-ratelimit-reset")
            .unwrap()
            .parse::<i64>()
            .unwrap()
            > 1_700_000_000
    );
    assert!(r.header("x-ratelimit-delay").is_none());
    for _ in 0..3 {
        a.get(path).await.ok();
    }
    // Past the limit: still 200, but delayed and told so.
    let started = Instant::now();
    let r = a.get(path).await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    let delay: f64 = r.header("x-ratelimit-delay").unwrap().parse().unwrap();
    assert!(delay > 0.0);
    assert!(r.header("retry-after").is_some());
    assert!(started.elapsed().as_secs_f64() >= delay * 0.9);
    for _ in 0..3 {
        a.get(path).await;
    }
    // At block_at: 429 TF400733.
    let r = a.get(path).await;
    let body = r.error(429, "RequestBlockedException");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("TF400733: The request has been canceled")
    );
    assert!(r.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    // Someone else is not affected.
    api(&sim, ALICE_PAT).get(path).await.ok();
    // Usage is visible to the admin API and can be reset.
    let usage: Value = client()
        .get(format!("{}/_sim/ado/rate-limit", sim.root_url()))
        .header("X-Tandem-Sim-Key", sim.admin_key())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mine = usage["usage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["identity"] == "sync-bot@example.com")
        .unwrap();
    assert!(mine["tstu"].as_f64().unwrap() >= 2.0);
    client()
        .post(format!("{}/_sim/ado/rate-limit/reset", sim.root_url()))
        .header("X-Tandem-Sim-Key", sim.admin_key())
        .send()
        .await
        .unwrap();
    a.get(path).await.ok();
}

#[tokio::test]
async fn stats_count_routes_by_template() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    a.get("/Demo/_apis/wit/workitems/1?api-version=7.1")
        .await
        .ok();
    a.get("/Demo/_apis/wit/WorkItems/2?api-version=7.1")
        .await
        .ok();
    a.patch(
        "/Demo/_apis/wit/workitems/2?api-version=7.1",
        &json!([{"op": "add", "path": "/fields/System.Title", "value": "s"}]),
    )
    .await
    .ok();
    let stats: Value = client()
        .get(format!("{}/_sim/stats", sim.root_url()))
        .header("X-Tandem-Sim-Key", sim.admin_key())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["total"], 3);
    assert_eq!(stats["writes"], 1);
    assert_eq!(
        stats["by_route"]["GET /{org}/{project}/_apis/wit/workitems/{id}"],
        2
    );
    assert_eq!(
        stats["by_route"]["PATCH /{org}/{project}/_apis/wit/workitems/{id}"],
        1
    );
    let log: Value = client()
        .get(format!("{}/_sim/requests?limit=1", sim.root_url()))
        .header("X-Tandem-Sim-Key", sim.admin_key())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log[0]["actor"], "sync-bot@example.com");
}

#[tokio::test]
async fn faults_apply_to_the_ado_api() {
    let sim = start_text("[ado]\nextends = \"demo\"\n[ado.faults]\nerror_rate = 1.0\nerror_status = 503\nerror_retry_after = 7\n").await;
    let r = api(&sim, SYNC_PAT)
        .get("/Demo/_apis/wit/workitems/1?api-version=7.1")
        .await;
    assert_eq!(r.status.as_u16(), 503);
    assert_eq!(r.header("retry-after"), Some("7"));
    // Switch them off at run time.
    let off = client()
        .delete(format!("{}/_sim/faults", sim.root_url()))
        .header("X-Tandem-Sim-Key", sim.admin_key())
        .send()
        .await
        .unwrap();
    assert_eq!(off.status().as_u16(), 204);
    api(&sim, SYNC_PAT)
        .get("/Demo/_apis/wit/workitems/1?api-version=7.1")
        .await
        .ok();
}

#[tokio::test]
async fn admin_info_names_the_world_and_its_client() {
    let sim = start("demo").await;
    let info: Value = client()
        .get(format!("{}/_sim/ado/info", sim.root_url()))
        .header("X-Tandem-Sim-Key", sim.admin_key())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["organization"], "demo");
    assert_eq!(info["max_api_version"], "7.2");
    assert_eq!(info["work_items"], 50);
    assert_eq!(info["client"]["token"], SYNC_PAT);
    assert_eq!(info["client"]["area_path"], "Demo\\Web");
    // Without the key: refused.
    let r = client()
        .get(format!("{}/_sim/ado/info", sim.root_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}
