//! Authentication, authorization and api-version outcomes.

use reqwest::Method;

use super::*;

#[tokio::test]
async fn connection_data_names_the_token_owner() {
    let sim = start("demo").await;
    let body = api(&sim, SYNC_PAT)
        .get("/_apis/connectionData?api-version=7.1-preview")
        .await
        .ok();
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
