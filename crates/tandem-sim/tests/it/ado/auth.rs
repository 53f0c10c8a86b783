//! Authentication and authorization outcomes (ado-api.md §2).

use reqwest::Method;
use serde_json::json;

use super::*;

const CD: &str = "/_apis/connectionData?api-version=7.1-preview.1";

#[tokio::test]
async fn connection_data_names_the_token_owner() {
    let sim = start("demo").await;
    let r = api(&sim, SYNC_PAT)
        .send(Method::GET, CD, &[("X-VSS-UserData", "")], None)
        .await;
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8; api-version=7.1")
    );
    assert!(r.header("activityid").is_some());
    assert_eq!(
        r.header("x-vss-userdata"),
        Some("5f0c3b0a-1d2e-4f5a-8b9c-0d1e2f3a4b5c:sync-bot@example.com")
    );
    let body = r.ok();
    assert_eq!(body["authenticatedUser"]["providerDisplayName"], "Sync Bot");
    assert_eq!(
        body["authenticatedUser"]["properties"]["Account"]["$value"],
        "sync-bot@example.com"
    );
    assert_eq!(
        body["authorizedUser"]["id"],
        body["authenticatedUser"]["id"]
    );
    assert_eq!(body["deploymentType"], "hosted");
}

#[tokio::test]
async fn the_user_name_of_basic_auth_is_ignored_and_bearer_works() {
    let sim = start("demo").await;
    let mut a = api(&sim, SYNC_PAT);
    a.auth = Some(format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            "whoever:demo-ado-pat-sync-bot"
        )
    ));
    a.get(CD).await.ok();
    a.auth = Some("Bearer demo-ado-bearer-alice".into());
    let body = a.get(CD).await.ok();
    assert_eq!(
        body["authenticatedUser"]["providerDisplayName"],
        "Alice Admin"
    );
}

#[tokio::test]
async fn unknown_credentials_get_the_sign_in_page_or_a_bare_401() {
    let sim = start("demo").await;
    let a = api(&sim, "not-a-real-token");
    // A browser-ish client: 203 with an HTML sign-in page.
    let r = a.get(CD).await;
    assert_eq!(r.status.as_u16(), 203);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.text.contains("Sign In"), "{}", r.text);
    assert!(r.header("x-tfs-fedauthrealm").is_some());
    // With X-TFS-FedAuthRedirect: Suppress, a plain 401 with a challenge.
    let r = a
        .send(
            Method::GET,
            CD,
            &[("X-TFS-FedAuthRedirect", "Suppress")],
            None,
        )
        .await;
    assert_eq!(r.status.as_u16(), 401);
    assert!(r.text.is_empty());
    assert!(
        r.header("www-authenticate")
            .unwrap()
            .contains("Basic realm=")
    );
    // No credentials at all: the same.
    let mut anon = api(&sim, "x");
    anon.auth = None;
    assert_eq!(anon.get(CD).await.status.as_u16(), 203);
}

#[tokio::test]
async fn sign_in_can_be_a_redirect() {
    let sim = start_text("[ado]\nextends = \"demo\"\nsign_in = \"redirect\"\n").await;
    let r = api(&sim, "bogus").get(CD).await;
    assert_eq!(r.status.as_u16(), 302);
    assert!(r.header("location").unwrap().contains("_signin?realm="));
    assert!(r.header("x-tfs-fedauthrealm").is_some());
}

#[tokio::test]
async fn expired_pat_is_an_access_check_exception() {
    let sim = start("ado-expired-pat").await;
    let r = api(&sim, SYNC_PAT)
        .send(
            Method::GET,
            CD,
            &[("X-TFS-FedAuthRedirect", "Suppress")],
            None,
        )
        .await;
    let body = r.error(401, "AccessCheckException");
    assert_eq!(
        body["message"],
        "Access Denied: The Personal Access Token used has expired."
    );
    assert_eq!(body["eventId"], 3000);
    assert_eq!(body["customProperties"]["RequestedPermissions"], 0);
    assert_eq!(
        r.header("x-tfs-serviceerror"),
        Some("Access%20Denied%3A%20The%20Personal%20Access%20Token%20used%20has%20expired.")
    );
    // Without the suppress header too: the token is known, so no sign-in page.
    assert_eq!(api(&sim, SYNC_PAT).get(CD).await.status.as_u16(), 401);
    // Other tokens of the scenario still work.
    api(&sim, ALICE_PAT).get(CD).await.ok();
}

#[tokio::test]
async fn a_token_expires_when_time_passes() {
    let sim = start("demo").await;
    let a = api(&sim, "demo-ado-bearer-alice");
    let mut a = a;
    a.auth = Some("Bearer demo-ado-bearer-alice".into());
    a.get(CD).await.ok();
    sim.server().common().clock.advance(2 * 3_600_000);
    // An expired bearer token: GET gets the sign-in page, PATCH a TF400813 with user ''.
    assert_eq!(a.get(CD).await.status.as_u16(), 203);
    let r = a
        .patch(
            "/Demo/_apis/wit/workitems/1?api-version=7.1",
            &json!([{"op": "add", "path": "/fields/System.Title", "value": "x"}]),
        )
        .await;
    let body = r.error(401, "UnauthorizedRequestException");
    assert_eq!(
        body["message"],
        "TF400813: The user '' is not authorized to access this resource."
    );
}

#[tokio::test]
async fn revoked_pat_is_refused() {
    let sim = start("demo").await;
    let admin = client();
    let r = admin
        .post(format!("{}/_sim/ado/tokens/revoke", sim.root_url()))
        .header("X-Tandem-Sim-Key", sim.admin_key())
        .body(json!({"secret": SYNC_PAT}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let r = api(&sim, SYNC_PAT).get(CD).await;
    let body = r.error(401, "AccessCheckException");
    assert!(body["message"].as_str().unwrap().contains("revoked"));
}

#[tokio::test]
async fn a_missing_scope_is_tf400813_with_401() {
    let sim = start("ado-read-only-pat").await;
    let a = api(&sim, SYNC_PAT);
    // Reading works with vso.work.
    a.get("/Demo/_apis/wit/workitems/1?api-version=7.1")
        .await
        .ok();
    let r = a
        .patch(
            "/Demo/_apis/wit/workitems/1?api-version=7.1",
            &json!([{"op": "add", "path": "/fields/System.Title", "value": "x"}]),
        )
        .await;
    let body = r.error(401, "UnauthorizedRequestException");
    assert_eq!(
        body["message"],
        "TF400813: The user '5f0c3b0a-1d2e-4f5a-8b9c-0d1e2f3a4b5c' is not authorized to access this resource."
    );
    assert!(
        r.header("x-tfs-serviceerror")
            .unwrap()
            .starts_with("TF400813")
    );
}

#[tokio::test]
async fn without_read_permission_an_item_does_not_exist() {
    let sim = start_text(
        "[ado]\nextends = \"demo\"\n[ado.projects.Demo.area_permissions.Mobile.sync-bot]\ndeny = [\"view\"]\n",
    )
    .await;
    let a = api(&sim, SYNC_PAT);
    let mobile_ids: Vec<i32> = sim.with_world(|w| {
        w.items
            .iter()
            .filter(|i| w.forest.node(i.area).item_path == "Demo\\Mobile")
            .map(|i| i.id)
            .collect()
    });
    let id = mobile_ids[0];
    let body = a
        .get(&format!("/Demo/_apis/wit/workitems/{id}?api-version=7.1"))
        .await
        .error(404, "WorkItemUnauthorizedAccessException");
    assert_eq!(
        body["message"],
        format!(
            "TF401232: Work item {id} does not exist, or you do not have permissions to read it."
        )
    );
    // The same answer as for an id that really does not exist.
    let body = a
        .get("/Demo/_apis/wit/workitems/999999?api-version=7.1")
        .await
        .error(404, "WorkItemUnauthorizedAccessException");
    assert!(body["message"].as_str().unwrap().starts_with("TF401232"));
    // Alice (an admin) reads it.
    api(&sim, ALICE_PAT)
        .get(&format!("/Demo/_apis/wit/workitems/{id}?api-version=7.1"))
        .await
        .ok();
}

#[tokio::test]
async fn area_write_denial_is_tf237111() {
    let sim = start("ado-area-denied").await;
    let a = api(&sim, SYNC_PAT);
    let web_id: i32 = sim.with_world(|w| {
        w.items
            .iter()
            .find(|i| w.forest.node(i.area).item_path == "Demo\\Web")
            .unwrap()
            .id
    });
    // Reading is still allowed.
    a.get(&format!(
        "/Demo/_apis/wit/workitems/{web_id}?api-version=7.1"
    ))
    .await
    .ok();
    let r = a
        .patch(
            &format!("/Demo/_apis/wit/workitems/{web_id}?api-version=7.1"),
            &json!([{"op": "add", "path": "/fields/System.Title", "value": "renamed"}]),
        )
        .await;
    let body = r.error(403, "WorkItemUnauthorizedAccessException");
    assert_eq!(
        body["message"],
        "TF237111: The current user does not have permissions to save work items under the specified area path."
    );
    // Creating under Demo\Web is refused too; elsewhere it works.
    let create = |area: &'static str| {
        json!([
            {"op": "add", "path": "/fields/System.Title", "value": "new"},
            {"op": "add", "path": "/fields/System.AreaPath", "value": area},
        ])
    };
    a.create(
        "/Demo/_apis/wit/workitems/$Task?api-version=7.1",
        &create("Demo\\Web"),
    )
    .await
    .error(403, "WorkItemUnauthorizedAccessException");
    a.create(
        "/Demo/_apis/wit/workitems/$Task?api-version=7.1",
        &create("Demo\\Mobile"),
    )
    .await
    .ok();
}

#[tokio::test]
async fn wrong_user_pat_authenticates_as_its_real_owner() {
    let sim = start("ado-wrong-user-pat").await;
    let body = api(&sim, SYNC_PAT).get(CD).await.ok();
    assert_eq!(
        body["authenticatedUser"]["properties"]["Account"]["$value"],
        "jamie@example.com"
    );
    assert_eq!(
        body["authenticatedUser"]["providerDisplayName"],
        "Jamie Contractor"
    );
}

#[tokio::test]
async fn server_2020_is_on_premises_with_windows_style_challenges() {
    let sim = start("ado-server-2020").await;
    let body = api(&sim, SYNC_PAT)
        .get("/_apis/connectionData?api-version=6.0-preview")
        .await
        .ok();
    assert_eq!(body["deploymentType"], "onPremises");
    let r = api(&sim, "bogus")
        .get("/_apis/connectionData?api-version=6.0-preview")
        .await;
    assert_eq!(r.status.as_u16(), 401);
    let challenge = r.header("www-authenticate").unwrap();
    assert!(
        challenge.contains("NTLM") && challenge.contains("Negotiate"),
        "{challenge}"
    );
    // The usual on-premises URL shape works too: /tfs/{collection}/...
    let url = sim.url().replace("/demo", "/tfs/demo");
    let r = client()
        .get(format!("{url}/Demo/_apis/wit/workitems/1?api-version=6.0"))
        .header("Authorization", basic(SYNC_PAT))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn an_unknown_organisation_is_not_found() {
    let sim = start("demo").await;
    let url = sim.url().replace("/demo", "/other-org");
    let r = client()
        .get(format!(
            "{url}/_apis/connectionData?api-version=7.1-preview"
        ))
        .header("Authorization", basic(SYNC_PAT))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

#[tokio::test]
async fn an_inactive_identity_is_refused() {
    let sim =
        start_text("[ado]\nextends = \"demo\"\n[ado.identities.sync-bot]\nactive = false\n").await;
    let body = api(&sim, SYNC_PAT)
        .get(CD)
        .await
        .error(401, "UnauthorizedRequestException");
    assert!(body["message"].as_str().unwrap().starts_with("TF400813"));
}

#[tokio::test]
async fn a_pat_scoped_to_another_organisation_is_unknown_here() {
    let sim = start_text(
        "[ado]\nextends = \"demo\"\n[ado.tokens.demo-ado-pat-sync-bot]\norg = \"elsewhere\"\n",
    )
    .await;
    let r = api(&sim, SYNC_PAT)
        .send(
            Method::GET,
            CD,
            &[("X-TFS-FedAuthRedirect", "Suppress")],
            None,
        )
        .await;
    assert_eq!(r.status.as_u16(), 401);
    let sim = start_text(
        "[ado]\nextends = \"demo\"\n[ado.tokens.demo-ado-pat-sync-bot]\norg = \"elsewhere\"\nall_orgs = true\n",
    )
    .await;
    api(&sim, SYNC_PAT).get(CD).await.ok();
}
