//! Comments API 7.1-preview.4 and attachments.

use serde_json::json;

use super::*;

const C: &str = "api-version=7.1-preview.4";

#[tokio::test]
async fn add_markdown_and_html_comments() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let before = a
        .get("/Demo/_apis/wit/workitems/7?api-version=7.1")
        .await
        .ok();
    let md = a
        .post_json(
            &format!("/Demo/_apis/wit/workItems/7/comments?format=markdown&{C}"),
            &json!({"text": "Looks **good**"}),
        )
        .await
        .ok();
    assert_eq!(md["format"], "markdown");
    assert_eq!(md["text"], "Looks **good**");
    assert_eq!(md["renderedText"], "<p>Looks <strong>good</strong></p>");
    assert_eq!(md["workItemId"], 7);
    assert_eq!(md["version"], 1);
    assert_eq!(md["createdBy"]["uniqueName"], "sync-bot@example.com");
    let html = a
        .post_json(
            &format!("/Demo/_apis/wit/workItems/7/comments?format=html&{C}"),
            &json!({"text": "<p>Second</p>"}),
        )
        .await
        .ok();
    assert_eq!(html["format"], "html");
    // Each comment is a work item change: rev and CommentCount move.
    let after = a
        .get("/Demo/_apis/wit/workitems/7?api-version=7.1")
        .await
        .ok();
    assert_eq!(after["rev"], before["rev"].as_i64().unwrap() + 2);
    assert_eq!(after["fields"]["System.CommentCount"], 2);
    assert_eq!(after["commentVersionRef"]["commentId"], html["id"]);
    let updates = a
        .get("/Demo/_apis/wit/workItems/7/updates?api-version=7.1")
        .await
        .ok();
    let last = updates["value"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["fields"]["System.CommentCount"]["oldValue"], 1);
    assert_eq!(last["fields"]["System.CommentCount"]["newValue"], 2);
    assert_eq!(
        last["fields"]["System.History"]["newValue"],
        "<p>Second</p>"
    );
    let list = a
        .get(&format!("/Demo/_apis/wit/workItems/7/comments?{C}"))
        .await
        .ok();
    assert_eq!(list["totalCount"], 2);
    assert_eq!(list["comments"][0]["id"], md["id"]);
    let desc = a
        .get(&format!(
            "/Demo/_apis/wit/workItems/7/comments?order=desc&$top=1&{C}"
        ))
        .await
        .ok();
    assert_eq!(desc["count"], 1);
    assert_eq!(desc["comments"][0]["id"], html["id"]);
    assert!(desc["continuationToken"].is_string());
    let next = a
        .get(&format!(
            "/Demo/_apis/wit/workItems/7/comments?order=desc&$top=1&continuationToken={}&{C}",
            desc["continuationToken"].as_str().unwrap()
        ))
        .await
        .ok();
    assert_eq!(next["comments"][0]["id"], md["id"]);
    let batch = a
        .get(&format!(
            "/Demo/_apis/wit/workItems/7/comments?ids={}&{C}",
            md["id"]
        ))
        .await
        .ok();
    assert_eq!(batch["count"], 1);
    assert_eq!(batch["comments"][0]["id"], md["id"]);
}

#[tokio::test]
async fn edit_delete_and_versions() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let c = a
        .post_json(
            &format!("/Demo/_apis/wit/workItems/7/comments?{C}"),
            &json!({"text": "first"}),
        )
        .await
        .ok();
    let id = c["id"].as_i64().unwrap();
    // A comment edit is plain JSON, not JSON Patch.
    let edited = a
        .send(
            reqwest::Method::PATCH,
            &format!("/Demo/_apis/wit/workItems/7/comments/{id}?format=html&{C}"),
            &[],
            Some((
                "application/json",
                json!({"text": "edited"}).to_string().into_bytes(),
            )),
        )
        .await
        .ok();
    assert_eq!(edited["text"], "edited");
    assert_eq!(edited["version"], 2);
    let versions = a
        .get(&format!(
            "/Demo/_apis/wit/workItems/7/comments/{id}/versions?api-version=7.1-preview.1"
        ))
        .await
        .ok();
    assert_eq!(versions["value"][0]["text"], "first");
    // Someone else may not edit it.
    api(&sim, ALICE_PAT)
        .send(
            reqwest::Method::PATCH,
            &format!("/Demo/_apis/wit/workItems/7/comments/{id}?{C}"),
            &[],
            Some((
                "application/json",
                json!({"text": "hijack"}).to_string().into_bytes(),
            )),
        )
        .await
        .error(403, "UnauthorizedAccessException");
    let r = a
        .send(
            reqwest::Method::DELETE,
            &format!("/Demo/_apis/wit/workItems/7/comments/{id}?{C}"),
            &[],
            None,
        )
        .await;
    assert_eq!(r.status.as_u16(), 204);
    let list = a
        .get(&format!("/Demo/_apis/wit/workItems/7/comments?{C}"))
        .await
        .ok();
    assert_eq!(list["totalCount"], 0);
    let with_deleted = a
        .get(&format!(
            "/Demo/_apis/wit/workItems/7/comments?includeDeleted=true&{C}"
        ))
        .await
        .ok();
    assert_eq!(with_deleted["comments"][0]["isDeleted"], true);
}

#[tokio::test]
async fn seeded_comments_are_listed() {
    let sim = start("demo").await;
    let list = api(&sim, SYNC_PAT)
        .get(&format!(
            "/Demo/_apis/wit/workItems/3/comments?$expand=renderedText&{C}"
        ))
        .await
        .ok();
    assert_eq!(list["totalCount"], 2);
    assert_eq!(list["comments"][1]["format"], "markdown");
    assert!(
        list["comments"][1]["renderedText"]
            .as_str()
            .unwrap()
            .contains("<strong>metadata URL</strong>")
    );
}

#[tokio::test]
async fn attachments_upload_link_and_download() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let bytes = b"\x89PNG\r\n\x1a\nnot really a png".to_vec();
    let r = a
        .send(
            reqwest::Method::POST,
            "/Demo/_apis/wit/attachments?fileName=login%20mock.png&uploadType=Simple&api-version=7.1",
            &[],
            Some(("application/octet-stream", bytes.clone())),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201);
    let att = r.json();
    let url = att["url"].as_str().unwrap().to_owned();
    assert!(url.contains("/_apis/wit/attachments/"), "{url}");
    assert!(url.ends_with("?fileName=login%20mock.png"), "{url}");
    // Attach it and reference it from the description, as a sync writes rich text.
    let item = a
        .patch(
            "/Demo/_apis/wit/workitems/7?$expand=relations&api-version=7.1",
            &json!([
                {"op": "add", "path": "/relations/-", "value": {"rel": "AttachedFile", "url": url, "attributes": {"comment": "from Jira"}}},
                {"op": "add", "path": "/fields/System.Description", "value": format!("<p><img src=\"{url}\"></p>")},
            ]),
        )
        .await
        .ok();
    let rel = item["relations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rel"] == "AttachedFile")
        .unwrap();
    assert_eq!(rel["rel"], "AttachedFile");
    assert_eq!(rel["attributes"]["name"], "login mock.png");
    assert_eq!(rel["attributes"]["resourceSize"], bytes.len());
    assert_eq!(rel["attributes"]["comment"], "from Jira");
    // Download with the same credentials.
    let got = client()
        .get(format!("{url}&download=true&api-version=7.1"))
        .header("Authorization", basic(SYNC_PAT))
        .send()
        .await
        .unwrap();
    assert_eq!(got.status().as_u16(), 200);
    assert!(
        got.headers()
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(got.bytes().await.unwrap().to_vec(), bytes);
    // Not without them.
    let anon = client()
        .get(format!("{url}&api-version=7.1"))
        .header("X-TFS-FedAuthRedirect", "Suppress")
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status().as_u16(), 401);
    // An attachment that does not exist cannot be linked.
    a.patch(
        "/Demo/_apis/wit/workitems/7?api-version=7.1",
        &json!([{"op": "add", "path": "/relations/-", "value": {"rel": "AttachedFile", "url": format!("{}/_apis/wit/attachments/00000000-0000-0000-0000-000000000000", sim.url())}}]),
    )
    .await
    .error(400, "ArgumentException");
}
