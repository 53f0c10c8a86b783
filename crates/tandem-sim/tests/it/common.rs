//! The shared machinery: admin key, stats, faults, TLS, lifecycle.

use reqwest::Method;
use serde_json::json;

use crate::util::*;

#[tokio::test]
async fn admin_api_needs_the_key_and_refuses_user_credentials() {
    let sim = start("demo").await;
    let url = format!("{}/_sim/stats", sim.url());
    let r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = client()
        .get(&url)
        .basic_auth(ALICE.0, Some(ALICE.1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("user credentials"));
    let r = client()
        .get(&url)
        .header("X-Tandem-Sim-Key", "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = client()
        .get(&url)
        .header("X-Tandem-Sim-Key", sim.admin_key())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // health needs no key
    let r = client()
        .get(format!("{}/_sim/health", sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn stats_count_routes_and_writes_and_exclude_admin() {
    let sim = start("demo").await;
    let c = client();
    for _ in 0..3 {
        c.get(format!("{}/rest/api/2/serverInfo", sim.url()))
            .send()
            .await
            .unwrap();
    }
    c.post(format!("{}/rest/api/2/serverInfo", sim.url()))
        .send()
        .await
        .unwrap();
    let s = admin_get(&sim, "/_sim/stats").await;
    assert_eq!(s["total"], 4, "{s}");
    assert_eq!(s["writes"], 1, "{s}");
    assert_eq!(s["by_route"]["GET /rest/api/2/serverInfo"], 3, "{s}");
    let r = admin_send(&sim, Method::POST, "/_sim/stats/reset", json!({})).await;
    assert_eq!(r.status(), 204);
    let s = admin_get(&sim, "/_sim/stats").await;
    assert_eq!(s["total"], 0, "{s}");
    let log = admin_get(&sim, "/_sim/requests?limit=10").await;
    assert!(log.as_array().unwrap().len() >= 4, "{log}");
}

#[tokio::test]
async fn faults_switch_at_run_time() {
    let sim = start("demo").await;
    let url = format!("{}/rest/api/2/serverInfo", sim.url());
    let c = client();

    let r = admin_send(
        &sim,
        Method::PATCH,
        "/_sim/faults",
        json!({"error_rate": 1.0, "error_status": 502, "error_retry_after": 7}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = c.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 502);
    assert_eq!(r.headers()["retry-after"], "7");

    admin_send(
        &sim,
        Method::PUT,
        "/_sim/faults",
        json!({"html_login": true}),
    )
    .await;
    let r = c.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(r.text().await.unwrap().contains("Sign in"));

    admin_send(&sim, Method::PUT, "/_sim/faults", json!({"drop_rate": 1.0})).await;
    let err = c.get(&url).send().await.unwrap_err();
    assert!(!err.is_status(), "{err}");

    admin_send(
        &sim,
        Method::PUT,
        "/_sim/faults",
        json!({"hang_rate": 1.0, "hang_ms": 5000}),
    )
    .await;
    let err = c
        .get(&url)
        .timeout(std::time::Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");

    admin_send(
        &sim,
        Method::PUT,
        "/_sim/faults",
        json!({"latency_ms": 150}),
    )
    .await;
    let t = std::time::Instant::now();
    assert_eq!(c.get(&url).send().await.unwrap().status(), 200);
    assert!(t.elapsed() >= std::time::Duration::from_millis(150));

    let r = admin_send(&sim, Method::PUT, "/_sim/faults", json!({"drop_rate": 3.0})).await;
    assert_eq!(r.status(), 400);
    let r = admin_send(&sim, Method::DELETE, "/_sim/faults", json!({})).await;
    assert_eq!(r.status(), 204);
    assert_eq!(c.get(&url).send().await.unwrap().status(), 200);
    let s = admin_get(&sim, "/_sim/stats").await;
    assert!(
        s["by_status"]["0"].as_u64().unwrap() >= 1,
        "dropped requests are counted: {s}"
    );
}

#[tokio::test]
async fn tls_uses_an_interception_style_ca_that_clients_can_trust() {
    let sim = start_text("[jira]\nextends = \"demo\"\n[jira.tls]\nenabled = true\n").await;
    assert!(sim.url().starts_with("https://"));
    let pem_path = sim.ca_pem_path().unwrap().to_owned();
    let pem = std::fs::read_to_string(&pem_path).unwrap();
    assert!(pem.contains("BEGIN CERTIFICATE"));
    let url = format!("{}/rest/api/2/serverInfo", sim.url());
    // A client with public roots only fails the handshake, as behind an inspecting proxy.
    let err = client_default_roots().get(&url).send().await.unwrap_err();
    assert!(
        err.is_connect() || err.to_string().contains("certificate"),
        "{err:?}"
    );
    // Trusting the CA makes it work; the CA is also served at /_sim/ca.pem.
    let c = client_trusting(&pem);
    assert_eq!(c.get(&url).send().await.unwrap().status(), 200);
    let served = c
        .get(format!("{}/_sim/ca.pem", sim.url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(served, pem);
    drop(sim);
    assert!(
        !pem_path.exists(),
        "the CA file goes away with the simulator"
    );
}

#[tokio::test]
async fn shutdown_frees_the_port() {
    let sim = start("demo").await;
    let addr = sim.server().addr();
    sim.shutdown().await;
    let r = client()
        .get(format!("http://{addr}/rest/api/2/serverInfo"))
        .timeout(std::time::Duration::from_secs(2))
        .send()
        .await;
    assert!(r.is_err());
}

#[test]
fn bad_scenario_names_file_line_key_and_problem() {
    let e = tandem_sim::Scenario::from_text(
        tandem_sim::Origin::File("bad.toml".into()),
        "[jira]\nextends = \"demo\"\n[jira.users.x]\ndisplay_name = \"X\"\naccount_type = \"robot\"\n",
    )
    .unwrap();
    let err = tandem_sim::JiraSim::prepare(&e).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("bad.toml:5:1: key `jira.users.x.account_type`"),
        "{text}"
    );
    assert!(text.contains("unknown variant `robot`"), "{text}");
}
