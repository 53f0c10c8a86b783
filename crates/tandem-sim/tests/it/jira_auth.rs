//! Authentication and identity, Cloud and Data Center, per the article's failures.

use serde_json::json;

use crate::util::*;

#[tokio::test]
async fn anonymous_gets_empty_lists_and_401_on_myself() {
    let sim = start("demo").await;
    let anon = Caller::new(&sim, None);
    assert_eq!(anon.get("/rest/api/3/project").await, (200, json!([])));
    let (s, v) = anon.get("/rest/api/3/project/search").await;
    assert_eq!(s, 200);
    assert_eq!(v["values"], json!([]));
    let (s, v) = anon.get("/rest/api/3/search/jql?jql=project%3DDEMO").await;
    assert_eq!((s, v["issues"].clone()), (200, json!([])));
    let (s, v) = anon
        .get("/rest/api/3/mypermissions?permissions=BROWSE_PROJECTS")
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["permissions"]["BROWSE_PROJECTS"]["havePermission"], false);
    let (s, v) = anon.get("/rest/api/3/myself").await;
    assert_eq!(s, 401);
    assert_eq!(
        v["message"],
        "Client must be authenticated to access this resource."
    );
    // Plain text without an Accept header.
    let r = client()
        .get(format!("{}/rest/api/3/myself", sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("OAuth realm=")
    );
    assert_eq!(
        r.text().await.unwrap(),
        "Client must be authenticated to access this resource."
    );
}

#[tokio::test]
async fn wrong_expired_and_revoked_tokens_look_anonymous_with_the_seraph_header() {
    let sim = start("expired-token").await;
    for auth in [
        SYNC_BOT,
        ("sync-bot@example.com", "nope"),
        ("sync-bot@example.com", ALICE.1),
    ] {
        let c = Caller::new(&sim, Some(auth));
        let r = c
            .req(reqwest::Method::GET, "/rest/api/3/project")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-seraph-loginreason"], "AUTHENTICATED_FAILED");
        assert!(
            r.headers()["set-cookie"]
                .to_str()
                .unwrap()
                .contains("_lout")
        );
        assert_eq!(r.json::<serde_json::Value>().await.unwrap(), json!([]));
        assert_eq!(c.get("/rest/api/3/myself").await.0, 401);
    }
    // alice's own token still works, as alice.
    let alice = Caller::new(&sim, Some(ALICE));
    let r = alice
        .req(reqwest::Method::GET, "/rest/api/3/myself")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-seraph-loginreason"], "OK");
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["emailAddress"], "alice@example.com");
    // Revocation at run time takes effect.
    let r = admin_send(
        &sim,
        reqwest::Method::POST,
        "/_sim/jira/tokens/demo-jira-token-alice/revoke",
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 204);
    assert_eq!(alice.get("/rest/api/3/myself").await.0, 401);
}

#[tokio::test]
async fn a_valid_token_of_another_user_works_as_that_user() {
    let sim = start("wrong-user-token").await;
    let c = Caller::new(
        &sim,
        Some(("alice@example.com", "demo-jira-token-for-sync")),
    );
    let (s, v) = c.get("/rest/api/3/myself").await;
    assert_eq!(s, 200);
    assert_eq!(
        v["accountId"],
        "712020:a11ce000-0000-4000-8000-000000000001"
    );
    // The intended user's email with alice's token does not authenticate.
    let c = Caller::new(
        &sim,
        Some(("sync-bot@example.com", "demo-jira-token-for-sync")),
    );
    assert_eq!(c.get("/rest/api/3/myself").await.0, 401);
    let info = admin_get(&sim, "/_sim/jira/world").await;
    assert_eq!(info["client"]["user"], "sync-bot@example.com");
    assert_eq!(info["client"]["login"], "alice@example.com");
}

#[tokio::test]
async fn classic_token_as_bearer_is_a_connect_parse_error() {
    let sim = start("demo").await;
    let c = Caller::bearer(&sim, SYNC_BOT.1);
    assert_eq!(
        c.get("/rest/api/3/myself").await,
        (
            403,
            json!({"error": "Failed to parse Connect Session Auth Token"})
        )
    );
    assert_eq!(c.get("/rest/api/3/serverInfo").await.0, 401);
}

#[tokio::test]
async fn scoped_token_needs_the_gateway_and_its_scopes() {
    let sim = start("scoped-token").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    assert_eq!(c.get("/rest/api/3/myself").await.0, 401);
    assert_eq!(c.get("/rest/api/3/project").await.0, 401);
    let (s, t) = Caller::new(&sim, None).get("/_edge/tenant_info").await;
    assert_eq!(s, 200);
    let cloud = t["cloudId"].as_str().unwrap();
    let gw = format!("/ex/jira/{cloud}/rest/api/3");
    let (s, me) = c.get(&format!("{gw}/myself")).await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["emailAddress"], "sync-bot@example.com");
    let (s, p) = c.get(&format!("{gw}/project")).await;
    assert_eq!(s, 200);
    assert!(p.as_array().unwrap().len() >= 2);
    assert!(
        p[0]["self"].as_str().unwrap().contains("/ex/jira/"),
        "self links use the gateway: {p}"
    );
    let (s, v) = c
        .post(&format!("{gw}/issue"), json!({"fields": {"project": {"key": "DEMO"}, "issuetype": {"name": "Task"}, "summary": "x"}}))
        .await;
    assert_eq!(s, 401);
    assert_eq!(
        v,
        json!({"code": 401, "message": "Unauthorized; scope does not match"})
    );
    assert_eq!(
        c.get("/ex/jira/not-the-site/rest/api/3/myself").await.0,
        404
    );
    // Stats count the gateway call under the plain route.
    let st = admin_get(&sim, "/_sim/stats").await;
    assert!(
        st["by_route"]["GET /rest/api/3/myself"].as_u64().unwrap() >= 2,
        "{st}"
    );
}

#[tokio::test]
async fn myself_expands_groups_and_application_roles() {
    let sim = start("demo").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let (_, v) = c
        .get("/rest/api/3/myself?expand=groups,applicationRoles")
        .await;
    let roles: Vec<&str> = v["applicationRoles"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert!(roles.contains(&"jira-servicedesk"), "{v}");
    assert!(
        v["groups"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["name"] == "jira-software-users")
    );
    let (_, v) = c.get("/rest/api/3/myself").await;
    assert_eq!(v["groups"]["items"], json!([]));
}

#[tokio::test]
async fn bob_hides_his_email_from_others() {
    let sim = start("demo").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let (_, v) = c.get("/rest/api/3/user/search?query=bob").await;
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert!(v[0].get("emailAddress").is_none(), "{v}");
    let bob = Caller::new(&sim, Some(("bob@example.com", "demo-jira-token-bob")));
    assert_eq!(
        bob.get("/rest/api/3/myself").await.1["emailAddress"],
        "bob@example.com"
    );
}

#[tokio::test]
async fn datacenter_basic_pat_v3_and_server_info() {
    let sim = start("datacenter").await;
    let anon = Caller::new(&sim, None);
    let (s, v) = anon.get("/rest/api/2/serverInfo").await;
    assert_eq!(s, 200);
    assert_eq!(v["deploymentType"], "Server");
    assert_eq!(v["version"], "10.3.13");
    let r = anon
        .req(reqwest::Method::GET, "/rest/api/3/serverInfo")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let basic = Caller::new(&sim, Some(("sync-bot", "demo-jira-password-sync-bot")));
    let r = basic
        .req(reqwest::Method::GET, "/rest/api/2/myself")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-ausername"], "sync-bot");
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["name"], "sync-bot");
    assert!(v["key"].as_str().unwrap().starts_with("JIRAUSER"));
    let pat = Caller::bearer(&sim, "demo-jira-pat-sync-bot");
    assert_eq!(pat.get("/rest/api/2/myself").await.1["name"], "sync-bot");
    // Cloud-style credentials against DC: email as user name, API token as password.
    let cloudish = Caller::new(&sim, Some(SYNC_BOT));
    let r = cloudish
        .req(reqwest::Method::GET, "/rest/api/2/myself")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["x-seraph-loginreason"], "AUTHENTICATED_FAILED");
    // Anonymous on DC: 401 with DC's error collection.
    let (s, v) = anon.get("/rest/api/2/myself").await;
    assert_eq!(s, 401);
    assert!(
        v["errorMessages"][0]
            .as_str()
            .unwrap()
            .contains("not authenticated")
    );
    // No Cloud search or tenant info on DC.
    assert_eq!(
        basic.get("/rest/api/2/search/jql?jql=project=DEMO").await.0,
        404
    );
    let (s, v) = basic
        .get("/rest/api/2/search?jql=project%3DDEMO&maxResults=5")
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["issues"].as_array().unwrap().len(), 5);
    assert!(v["total"].as_u64().unwrap() >= 40);
}

#[tokio::test]
async fn datacenter_captcha_after_failed_logins() {
    let sim = start("datacenter").await;
    let wrong = Caller::new(&sim, Some(("bob", "wrong")));
    for _ in 0..3 {
        assert_eq!(wrong.get("/rest/api/2/myself").await.0, 401);
    }
    let right = Caller::new(&sim, Some(("bob", "demo-jira-password-bob")));
    let r = right
        .req(reqwest::Method::GET, "/rest/api/2/myself")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.headers()["x-seraph-loginreason"], "AUTHENTICATION_DENIED");
    let reason = r.headers()["x-authentication-denied-reason"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        reason.starts_with("CAPTCHA_CHALLENGE; login-url="),
        "{reason}"
    );
    // The captcha scenario starts locked; an admin reset unlocks it.
    let sim = start("captcha").await;
    let bot = Caller::new(&sim, Some(("sync-bot", "demo-jira-password-sync-bot")));
    assert_eq!(bot.get("/rest/api/2/myself").await.0, 403);
    admin_send(
        &sim,
        reqwest::Method::POST,
        "/_sim/jira/users/sync-bot/failed_logins",
        json!({"count": 0}),
    )
    .await;
    assert_eq!(bot.get("/rest/api/2/myself").await.0, 200);
}

#[tokio::test]
async fn every_builtin_scenario_starts() {
    for name in tandem_sim::Scenario::builtin_names() {
        let sc = tandem_sim::Scenario::builtin(name).unwrap();
        let sim = tandem_sim::JiraSim::start(&sc)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let c = match sim.server().ca_pem() {
            Some(pem) => client_trusting(pem),
            None => client(),
        };
        let r = c
            .get(format!("{}/rest/api/2/serverInfo", sim.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{name}");
        let html = r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html");
        assert_eq!(html, name == "sso-login-page", "{name}");
    }
}
