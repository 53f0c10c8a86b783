//! Search, comments, attachments (and the media-orphan deletion), links, webhooks, rate limits.

use std::sync::Arc;

use parking_lot::Mutex;
use serde_json::{Value, json};

use crate::util::*;

fn q(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn search_jql_pages_with_next_page_token() {
    let sim = start("demo").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let jql = "project = DEMO ORDER BY key ASC";
    let mut keys = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut path = format!(
            "/rest/api/3/search/jql?jql={}&maxResults=15&fields=summary,updated",
            q(jql)
        );
        if let Some(t) = &token {
            path.push_str(&format!("&nextPageToken={}", q(t)));
        }
        let (s, v) = c.get(&path).await;
        assert_eq!(s, 200, "{v}");
        assert!(v.get("total").is_none(), "search/jql has no total");
        for i in v["issues"].as_array().unwrap() {
            keys.push(i["key"].as_str().unwrap().to_owned());
        }
        match v.get("nextPageToken") {
            Some(t) => {
                assert_eq!(v["isLast"], false);
                token = Some(t.as_str().unwrap().to_owned());
            }
            None => {
                assert_eq!(v["isLast"], true);
                break;
            }
        }
    }
    assert_eq!(keys.len(), 41);
    assert_eq!(keys[0], "DEMO-1");
    assert_eq!(keys[40], "DEMO-41");
    let (s, v) = c
        .get("/rest/api/3/search/jql?jql=project%3DDEMO&nextPageToken=garbage")
        .await;
    assert_eq!(s, 400, "{v}");
    let (s, v) = c
        .get(&format!("/rest/api/3/search/jql?jql={}", q("ORDER BY key")))
        .await;
    assert_eq!(s, 400);
    assert!(
        v["errorMessages"][0]
            .as_str()
            .unwrap()
            .starts_with("Unbounded JQL")
    );
    // Default fields: only id.
    let (_, v) = c.get("/rest/api/3/search/jql?jql=key%3DDEMO-1").await;
    assert_eq!(v["issues"][0]["fields"], json!({}));
    assert_eq!(v["issues"][0]["id"], "10001");
    // Old search is gone on Cloud.
    let (s, v) = c.get("/rest/api/3/search?jql=project%3DDEMO").await;
    assert_eq!(s, 410);
    assert!(
        v["errorMessages"][0]
            .as_str()
            .unwrap()
            .contains("/rest/api/3/search/jql")
    );
}

#[tokio::test]
async fn jql_dates_keys_and_ordering() {
    let sim = start("demo").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let (_, a) = c.post("/rest/api/3/issue", json!({"fields": {"project": {"key": "DEMO"}, "issuetype": {"name": "Task"}, "summary": "fresh one"}})).await;
    let key = a["key"].as_str().unwrap().to_owned();
    let now = jiff::Timestamp::now();
    let minute_ago = now
        .checked_sub(jiff::SignedDuration::from_secs(120))
        .unwrap()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let jira_fmt = minute_ago.strftime("%Y-%m-%d %H:%M").to_string();
    for jql in [
        format!("project = DEMO AND updated >= \"{jira_fmt}\" ORDER BY updated ASC, key"),
        format!(
            "project in (DEMO, HELP) AND created >= \"{}\" ORDER BY created ASC",
            minute_ago.timestamp()
        ),
        "project = DEMO AND updated >= -5m ORDER BY updated ASC".to_owned(),
    ] {
        let (s, v) = c
            .get(&format!(
                "/rest/api/3/search/jql?jql={}&fields=updated",
                q(&jql)
            ))
            .await;
        assert_eq!(s, 200, "{jql}: {v}");
        let keys: Vec<&str> = v["issues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["key"].as_str().unwrap())
            .collect();
        // The new issue and the scenario's explicit one (created at start), none of the
        // seeded issues (weeks old).
        assert_eq!(keys.last(), Some(&key.as_str()), "{jql}: {keys:?}");
        assert!(
            keys.len() <= 2 && !keys.contains(&"DEMO-1"),
            "{jql}: {keys:?}"
        );
    }
    let (_, v) = c
        .get(&format!(
            "/rest/api/3/search/jql?jql={}&fields=summary",
            q("key in (DEMO-1, DEMO-3) OR key = DEMO-2 ORDER BY key DESC")
        ))
        .await;
    let keys: Vec<&str> = v["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, vec!["DEMO-3", "DEMO-2", "DEMO-1"]);
    let (_, v) = c
        .get(&format!(
            "/rest/api/3/search/jql?jql={}&fields=updated",
            q("project = DEMO ORDER BY updated DESC")
        ))
        .await;
    let ups: Vec<&str> = v["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fields"]["updated"].as_str().unwrap())
        .collect();
    assert!(ups.windows(2).all(|w| w[0] >= w[1]), "{ups:?}");
    let (s, v) = c
        .get(&format!(
            "/rest/api/3/search/jql?jql={}",
            q("project = DEMO AND frob = 1")
        ))
        .await;
    assert_eq!(s, 400);
    assert!(
        v["errorMessages"][0]
            .as_str()
            .unwrap()
            .starts_with("Error in the JQL Query:")
    );
    let (s, _) = c
        .get(&format!(
            "/rest/api/3/search/jql?jql={}",
            q("updated >= \"yesterday\"")
        ))
        .await;
    assert_eq!(s, 400);
    let (_, n) = c
        .post(
            "/rest/api/3/search/approximate-count",
            json!({"jql": "project = HELP"}),
        )
        .await;
    assert_eq!(n["count"], 10);
}

#[tokio::test]
async fn datacenter_search_pages_with_start_at_and_total() {
    let sim = start("datacenter").await;
    let c = Caller::new(&sim, Some(("sync-bot", "demo-jira-password-sync-bot")));
    let (_, v) = c.post("/rest/api/2/search", json!({"jql": "project = DEMO ORDER BY key", "startAt": 40, "maxResults": 10, "fields": ["summary"]})).await;
    assert_eq!(v["total"], 41);
    assert_eq!(v["startAt"], 40);
    assert_eq!(v["issues"].as_array().unwrap().len(), 1);
    let (s, v) = c
        .get(&format!("/rest/api/2/search?jql={}", q("project = NOPE")))
        .await;
    assert_eq!(s, 400);
    assert_eq!(
        v["errorMessages"][0],
        "The value 'NOPE' does not exist for the field 'project'."
    );
}

#[tokio::test]
async fn comments_crud_visibility_and_wiki_on_v2() {
    let sim = start("demo").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let (s, v) = c
        .post(
            "/rest/api/3/issue/DEMO-1/comment",
            json!({"body": doc("hello")}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    assert_eq!(v["body"]["content"][0]["content"][0]["text"], "hello");
    let (s, v) = c
        .post(
            "/rest/api/2/issue/DEMO-1/comment",
            json!({"body": "from *v2*", "visibility": {"type": "role", "value": "Administrators"}}),
        )
        .await;
    assert_eq!(s, 201);
    let restricted = v["id"].as_str().unwrap().to_owned();
    let (_, list) = c
        .get("/rest/api/2/issue/DEMO-1/comment?orderBy=-created")
        .await;
    assert_eq!(
        list["comments"][0]["id"],
        id.as_str(),
        "sync-bot is not an Administrator: the restricted comment is hidden"
    );
    let alice = Caller::new(&sim, Some(ALICE));
    let (_, list) = alice.get("/rest/api/2/issue/DEMO-1/comment").await;
    assert!(
        list["comments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == restricted.as_str() && c["body"] == "from *v2*")
    );
    let (s, v) = c
        .put(
            &format!("/rest/api/3/issue/DEMO-1/comment/{id}"),
            json!({"body": doc("edited")}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["body"]["content"][0]["content"][0]["text"], "edited");
    // bob may not edit sync-bot's comment.
    let bob = Caller::new(&sim, Some(("bob@example.com", "demo-jira-token-bob")));
    assert_eq!(
        bob.put(
            &format!("/rest/api/3/issue/DEMO-1/comment/{id}"),
            json!({"body": doc("x")})
        )
        .await
        .0,
        400
    );
    let r = c
        .req(
            reqwest::Method::DELETE,
            &format!("/rest/api/3/issue/DEMO-1/comment/{id}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        c.get(&format!("/rest/api/3/issue/DEMO-1/comment/{id}"))
            .await
            .0,
        404
    );
    assert_eq!(
        c.get("/rest/api/3/issue/DEMO-1/comment?orderBy=updated")
            .await
            .0,
        400
    );
}

async fn upload(c: &Caller, key: &str, name: &str, bytes: &[u8], xsrf: bool) -> reqwest::Response {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes.to_vec())
            .file_name(name.to_owned())
            .mime_str("image/png")
            .unwrap(),
    );
    let mut r = c
        .req(
            reqwest::Method::POST,
            &format!("/rest/api/3/issue/{key}/attachments"),
        )
        .multipart(form);
    if xsrf {
        r = r.header("X-Atlassian-Token", "no-check");
    }
    r.send().await.unwrap()
}

/// Media id of an attachment: the Location of the content redirect carries it.
async fn media_id(c: &Caller, id: &str) -> String {
    let r = c
        .req(
            reqwest::Method::GET,
            &format!("/rest/api/3/attachment/content/{id}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    loc.split("/file/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned()
}

fn media_single(id: &str, name: &str) -> Value {
    json!({"type": "mediaSingle", "attrs": {"layout": "center"}, "content": [{"type": "media", "attrs": {"id": id, "type": "file", "collection": "", "alt": name, "width": 100, "height": 100}}]})
}

#[tokio::test]
async fn attachments_upload_download_and_delete() {
    let sim = start("demo").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let r = upload(&c, "DEMO-2", "a.png", b"PNGDATA", false).await;
    assert_eq!(r.status(), 403, "XSRF check without X-Atlassian-Token");
    let r = upload(&c, "DEMO-2", "a.png", b"PNGDATA", true).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let id = v[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(v[0]["filename"], "a.png");
    assert_eq!(v[0]["size"], 7);
    let mid = media_id(&c, &id).await;
    let r = c
        .req(
            reqwest::Method::GET,
            &format!("/rest/api/3/attachment/content/{id}?redirect=false"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"PNGDATA");
    let r = client()
        .get(format!("{}/media/file/{mid}/binary", sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"PNGDATA");
    let (_, meta) = c.get(&format!("/rest/api/3/attachment/{id}")).await;
    assert_eq!(meta["mimeType"], "image/png");
    let r = c
        .req(
            reqwest::Method::DELETE,
            &format!("/rest/api/3/attachment/{id}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(c.get(&format!("/rest/api/3/attachment/{id}")).await.0, 404);
}

#[tokio::test]
async fn cloud_deletes_attachments_whose_media_nodes_an_edit_drops() {
    let sim = start("demo").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let key = "DEMO-5";
    let mut atts = Vec::new();
    for name in ["one.png", "two.png"] {
        let v: Value = upload(&c, key, name, b"img", true)
            .await
            .json()
            .await
            .unwrap();
        let id = v[0]["id"].as_str().unwrap().to_owned();
        let m = media_id(&c, &id).await;
        atts.push((id, m, name));
    }
    let description = json!({"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "two pictures"}]},
        media_single(&atts[0].1, atts[0].2),
        media_single(&atts[1].1, atts[1].2),
    ]});
    assert_eq!(
        c.put(
            &format!("/rest/api/3/issue/{key}"),
            json!({"fields": {"description": description}})
        )
        .await
        .0,
        204
    );
    // v2 shows them as wiki images.
    let (_, v2) = c
        .get(&format!("/rest/api/2/issue/{key}?fields=description"))
        .await;
    assert!(
        v2["fields"]["description"]
            .as_str()
            .unwrap()
            .contains("!one.png|width=100,height=100!"),
        "{v2}"
    );
    // Rewrite the description keeping only the first image: the second attachment is gone.
    let description = json!({"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "edited elsewhere"}]},
        media_single(&atts[0].1, atts[0].2),
    ]});
    admin_send(&sim, reqwest::Method::POST, "/_sim/stats/reset", json!({})).await;
    assert_eq!(
        c.put(
            &format!("/rest/api/3/issue/{key}"),
            json!({"fields": {"description": description}})
        )
        .await
        .0,
        204
    );
    let (_, v) = c
        .get(&format!("/rest/api/3/issue/{key}?fields=attachment"))
        .await;
    let names: Vec<&str> = v["fields"]["attachment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["filename"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["one.png"]);
    assert_eq!(
        c.get(&format!("/rest/api/3/attachment/{}", atts[1].0))
            .await
            .0,
        404
    );
    let (_, cl) = c.get(&format!("/rest/api/3/issue/{key}/changelog")).await;
    let removed = cl["values"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["items"].as_array().unwrap().clone())
        .find(|i| i["field"] == "Attachment" && i["to"].is_null())
        .unwrap();
    assert_eq!(removed["fromString"], "two.png");
    let st = admin_get(&sim, "/_sim/stats").await;
    assert_eq!(
        st["counters"]["jira.attachments_deleted_with_media"], 1,
        "{st}"
    );
    // A comment that drops its image deletes that attachment too.
    let (_, cm) = c.post(&format!("/rest/api/3/issue/{key}/comment"), json!({"body": {"type": "doc", "version": 1, "content": [media_single(&atts[0].1, atts[0].2)]}})).await;
    // Still referenced by the description: kept.
    let cid = cm["id"].as_str().unwrap();
    c.put(
        &format!("/rest/api/3/issue/{key}/comment/{cid}"),
        json!({"body": doc("no image")}),
    )
    .await;
    assert_eq!(
        c.get(&format!("/rest/api/3/attachment/{}", atts[0].0))
            .await
            .0,
        200
    );
    c.put(
        &format!("/rest/api/3/issue/{key}"),
        json!({"fields": {"description": doc("nothing")}}),
    )
    .await;
    assert_eq!(
        c.get(&format!("/rest/api/3/attachment/{}", atts[0].0))
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn datacenter_keeps_attachments_on_such_edits() {
    let sim = start("datacenter").await;
    let c = Caller::new(&sim, Some(("sync-bot", "demo-jira-password-sync-bot")));
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("pic.png"),
    );
    let r = c
        .req(
            reqwest::Method::POST,
            "/rest/api/2/issue/DEMO-3/attachments",
        )
        .header("X-Atlassian-Token", "no-check")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    let id = v[0]["id"].as_str().unwrap().to_owned();
    assert!(
        v[0]["content"]
            .as_str()
            .unwrap()
            .contains("/secure/attachment/")
    );
    c.put(
        "/rest/api/2/issue/DEMO-3",
        json!({"fields": {"description": "!pic.png!"}}),
    )
    .await;
    c.put(
        "/rest/api/2/issue/DEMO-3",
        json!({"fields": {"description": "no picture"}}),
    )
    .await;
    assert_eq!(c.get(&format!("/rest/api/2/attachment/{id}")).await.0, 200);
}

#[tokio::test]
async fn issue_links_with_types() {
    let sim = start("demo").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let (_, types) = c.get("/rest/api/3/issueLinkType").await;
    assert!(
        types["issueLinkTypes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "Blocks" && t["outward"] == "blocks")
    );
    let r = c.req(reqwest::Method::POST, "/rest/api/3/issueLink").json(&json!({"type": {"name": "Blocks"}, "inwardIssue": {"key": "DEMO-7"}, "outwardIssue": {"key": "DEMO-8"}})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    assert!(
        r.bytes().await.unwrap().is_empty(),
        "Jira answers 201 with an empty body"
    );
    let (_, v) = c.get("/rest/api/3/issue/DEMO-7?fields=issuelinks").await;
    let link = &v["fields"]["issuelinks"][0];
    assert_eq!(link["type"]["name"], "Blocks");
    assert_eq!(link["outwardIssue"]["key"], "DEMO-8");
    let (_, v8) = c.get("/rest/api/3/issue/DEMO-8?fields=issuelinks").await;
    assert_eq!(
        v8["fields"]["issuelinks"][0]["inwardIssue"]["key"],
        "DEMO-7"
    );
    let id = link["id"].as_str().unwrap();
    let (s, got) = c.get(&format!("/rest/api/3/issueLink/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(got["inwardIssue"]["key"], "DEMO-7");
    assert_eq!(got["outwardIssue"]["key"], "DEMO-8");
    let r = c
        .req(
            reqwest::Method::DELETE,
            &format!("/rest/api/3/issueLink/{id}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (_, v) = c.get("/rest/api/3/issue/DEMO-7?fields=issuelinks").await;
    assert_eq!(v["fields"]["issuelinks"], json!([]));
}

#[tokio::test]
async fn admin_webhooks_deliver_signed_payloads() {
    use axum::routing::post;
    let got: Arc<Mutex<Vec<(http::HeaderMap, String)>>> = Arc::default();
    let sink = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: http::HeaderMap, body: String| {
            let sink = sink.clone();
            async move {
                sink.lock().push((headers, body));
                http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let sim = start("demo").await;
    let bot = Caller::new(&sim, Some(SYNC_BOT));
    let body = json!({"name": "tandem", "url": hook_url, "events": ["jira:issue_updated", "comment_created"], "filters": {"issue-related-events-section": "project = DEMO"}, "secret": "s3cret"});
    assert_eq!(
        bot.post("/rest/webhooks/1.0/webhook", body.clone()).await.0,
        403,
        "admins only"
    );
    let alice = Caller::new(&sim, Some(ALICE));
    let (s, v) = alice.post("/rest/webhooks/1.0/webhook", body).await;
    assert_eq!(s, 201, "{v}");
    assert!(
        v["self"]
            .as_str()
            .unwrap()
            .contains("/rest/webhooks/1.0/webhook/")
    );
    bot.put(
        "/rest/api/3/issue/DEMO-9",
        json!({"fields": {"summary": "renamed"}}),
    )
    .await;
    bot.put(
        "/rest/api/3/issue/HELP-1",
        json!({"fields": {"summary": "not matched by the filter"}}),
    )
    .await;
    for _ in 0..50 {
        if !got.lock().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let got = got.lock().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    let (headers, raw) = &got[0];
    let payload: Value = serde_json::from_str(raw).unwrap();
    assert_eq!(payload["webhookEvent"], "jira:issue_updated");
    assert_eq!(payload["issue"]["key"], "DEMO-9");
    assert_eq!(payload["changelog"]["items"][0]["toString"], "renamed");
    assert!(
        payload["issue"]["self"]
            .as_str()
            .unwrap()
            .contains("/rest/api/2/"),
        "payloads are v2-shaped"
    );
    assert!(headers.contains_key("x-atlassian-webhook-identifier"));
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(b"s3cret").unwrap();
    mac.update(raw.as_bytes());
    let want: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        headers["x-hub-signature"].to_str().unwrap(),
        format!("sha256={want}")
    );
    let (_, list) = alice.get("/rest/webhooks/1.0/webhook").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn rate_limits_answer_429_with_headers() {
    let sim = start("rate-limited").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let mut limited = None;
    for _ in 0..10 {
        let r = c
            .req(reqwest::Method::GET, "/rest/api/3/serverInfo")
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("burst limit of 5/s must trip within 10 quick GETs");
    assert_eq!(r.headers()["ratelimit-reason"], "jira-burst-based");
    assert!(
        r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_eq!(r.headers()["x-ratelimit-remaining"], "0");
    assert!(r.headers().contains_key("x-ratelimit-reset"));
    // Per-issue write limit (3 per 2 s here), limits lifted for the rest.
    let spec = json!({"get_per_sec": 0, "post_per_sec": 0, "put_per_sec": 0, "delete_per_sec": 0, "issue_writes_short": 3, "issue_short_window_secs": 2, "issue_writes_long": 100, "issue_long_window_secs": 30});
    assert_eq!(
        admin_send(&sim, reqwest::Method::PUT, "/_sim/jira/rate_limits", spec)
            .await
            .status(),
        200
    );
    let mut statuses = Vec::new();
    for i in 0..4 {
        statuses.push(
            c.put(
                "/rest/api/3/issue/DEMO-4",
                json!({"fields": {"summary": format!("w{i}")}}),
            )
            .await
            .0,
        );
    }
    assert_eq!(statuses, vec![204, 204, 204, 429]);
    let r = c
        .req(reqwest::Method::PUT, "/rest/api/3/issue/DEMO-4")
        .json(&json!({"fields": {"summary": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["ratelimit-reason"], "jira-per-issue-on-write");
    // Another issue is not affected.
    assert_eq!(
        c.put(
            "/rest/api/3/issue/DEMO-5",
            json!({"fields": {"summary": "y"}})
        )
        .await
        .0,
        204
    );
}
