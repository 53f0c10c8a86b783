//! api-version rules (WebApiResources messages, ado-api.md §1).

use reqwest::Method;
use serde_json::json;

use super::*;

#[tokio::test]
async fn too_new_is_out_of_range() {
    let sim = start("demo").await;
    let body = api(&sim, SYNC_PAT)
        .get("/Demo/_apis/wit/workitems/1?api-version=7.3")
        .await
        .error(400, "VssVersionOutOfRangeException");
    assert_eq!(
        body["message"],
        "The requested REST API version of 7.3 is out of range for this server. The latest REST API version this server supports is 7.2."
    );
    assert_eq!(
        body["typeName"],
        "Microsoft.VisualStudio.Services.WebApi.VssVersionOutOfRangeException, Microsoft.VisualStudio.Services.WebApi"
    );
}

#[tokio::test]
async fn server_2020_caps_at_6_0() {
    let sim = start("ado-server-2020").await;
    let a = api(&sim, SYNC_PAT);
    let body = a
        .get("/Demo/_apis/wit/workitems/1?api-version=7.1")
        .await
        .error(400, "VssVersionOutOfRangeException");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .ends_with("The latest REST API version this server supports is 6.0.")
    );
    a.get("/Demo/_apis/wit/workitems/1?api-version=6.0")
        .await
        .ok();
    // Comments on Server 2020 are 6.0-preview.3, without `format`.
    let r = a
        .post_json(
            "/Demo/_apis/wit/workItems/1/comments?format=markdown&api-version=6.0-preview.3",
            &json!({"text": "**bold**"}),
        )
        .await
        .ok();
    assert_eq!(r["format"], "html");
}

#[tokio::test]
async fn preview_only_resources_need_the_preview_flag() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let body = a
        .get("/_apis/connectionData?api-version=7.1")
        .await
        .error(400, "VssInvalidPreviewVersionException");
    assert_eq!(
        body["message"],
        "The requested version \"7.1\" of the resource is under preview. The -preview flag must be supplied in the api-version for such requests. For example: \"7.1-preview\""
    );
    a.get("/Demo/_apis/wit/workItems/1/comments?api-version=7.1")
        .await
        .error(400, "VssInvalidPreviewVersionException");
    a.get("/Demo/_apis/wit/workItems/1/comments?api-version=7.1-preview.4")
        .await
        .ok();
}

#[tokio::test]
async fn writes_must_name_a_version_reads_get_the_latest() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let body = a
        .create(
            "/Demo/_apis/wit/workitems/$Task",
            &json!([{"op": "add", "path": "/fields/System.Title", "value": "x"}]),
        )
        .await
        .error(400, "VssVersionNotSpecifiedException");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("No api-version was supplied for the \"POST\" request.")
    );
    let r = a.get("/Demo/_apis/wit/workitems/1").await;
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8; api-version=7.1")
    );
    r.ok();
}

#[tokio::test]
async fn the_accept_header_can_carry_the_version() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    a.send(
        Method::GET,
        "/_apis/connectionData",
        &[("Accept", "application/json;api-version=7.1-preview.1")],
        None,
    )
    .await
    .ok();
    a.send(
        Method::GET,
        "/_apis/connectionData",
        &[("Accept", "application/json;api-version=7.1")],
        None,
    )
    .await
    .error(400, "VssInvalidPreviewVersionException");
}

#[tokio::test]
async fn a_malformed_version_is_refused() {
    let sim = start("demo").await;
    let body = api(&sim, SYNC_PAT)
        .get("/Demo/_apis/wit/workitems/1?api-version=latest")
        .await
        .error(400, "VssInvalidApiVersionException");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("{Major}.{Minor}")
    );
}

#[tokio::test]
async fn options_lists_resource_locations() {
    let sim = start("demo").await;
    let body = api(&sim, SYNC_PAT)
        .send(Method::OPTIONS, "/_apis", &[], None)
        .await
        .ok();
    let value = body["value"].as_array().unwrap();
    let wi = value
        .iter()
        .find(|l| l["id"] == "72c7ddf8-2cdc-4f60-90cd-ab71c14a399b")
        .unwrap();
    assert_eq!(
        wi["routeTemplate"],
        "{project}/_apis/{area}/{resource}/{id}"
    );
    assert_eq!(wi["maxVersion"], "7.2");
    assert_eq!(wi["releasedVersion"], "7.1");
    let cd = value
        .iter()
        .find(|l| l["resourceName"] == "ConnectionData")
        .unwrap();
    assert_eq!(cd["releasedVersion"], "0.0");
}
