//! WIQL over HTTP (ado-api.md §3 "WIQL incremental sync").

use serde_json::{Value, json};

use super::*;

fn q(text: &str) -> Value {
    json!({ "query": text })
}

fn ids(body: &Value) -> Vec<i64> {
    body["workItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn flat_query_with_order_by() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let body = a
        .post_json(
            "/Demo/_apis/wit/wiql?api-version=7.1",
            &q("SELECT [System.Id], [System.Title] FROM WorkItems WHERE [System.TeamProject] = @project AND [System.WorkItemType] = 'Task' ORDER BY [System.Id] DESC"),
        )
        .await
        .ok();
    assert_eq!(body["queryType"], "flat");
    assert_eq!(body["queryResultType"], "workItem");
    assert_eq!(body["columns"][1]["referenceName"], "System.Title");
    assert_eq!(body["sortColumns"][0]["descending"], true);
    let got = ids(&body);
    assert!(got.len() > 5, "{got:?}");
    assert!(got.windows(2).all(|w| w[0] > w[1]));
    assert!(
        body["workItems"][0]["url"]
            .as_str()
            .unwrap()
            .contains("/_apis/wit/workItems/")
    );
    // The team route answers the same.
    let team = a
        .post_json(
            "/Demo/Demo%20Team/_apis/wit/wiql?api-version=7.1",
            &q("SELECT [System.Id] FROM WorkItems WHERE [System.WorkItemType] = 'Task' ORDER BY [System.Id] DESC"),
        )
        .await
        .ok();
    assert_eq!(ids(&team), got);
}

#[tokio::test]
async fn time_needs_time_precision() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let text = "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND [System.ChangedDate] >= '2026-07-01T10:00:00Z' ORDER BY [System.ChangedDate] ASC";
    let body = a
        .post_json("/Demo/_apis/wit/wiql?api-version=7.1", &q(text))
        .await
        .error(400, "WorkItemTrackingQueryInvalidDateException");
    assert_eq!(
        body["message"],
        "You cannot supply a time with the date when running a query using date precision. The error is caused by «[System.ChangedDate] >= '2026-07-01T10:00:00Z'»."
    );
    a.post_json(
        "/Demo/_apis/wit/wiql?timePrecision=true&api-version=7.1",
        &q(text),
    )
    .await
    .ok();
}

#[tokio::test]
async fn changed_since_finds_exactly_the_new_writes() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let first = a
        .patch(
            "/Demo/_apis/wit/workitems/8?api-version=7.1",
            &json!([{"op": "add", "path": "/fields/System.Title", "value": "one"}]),
        )
        .await
        .ok();
    let cursor = first["fields"]["System.ChangedDate"]
        .as_str()
        .unwrap()
        .to_owned();
    a.patch(
        "/Demo/_apis/wit/workitems/9?api-version=7.1",
        &json!([{"op": "add", "path": "/fields/System.Title", "value": "two"}]),
    )
    .await
    .ok();
    let text = format!(
        "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND [System.ChangedDate] > '{cursor}' ORDER BY [System.ChangedDate] ASC"
    );
    let body = a
        .post_json(
            "/Demo/_apis/wit/wiql?timePrecision=true&api-version=7.1",
            &q(&text),
        )
        .await
        .ok();
    assert_eq!(ids(&body), vec![9]);
    let text = format!(
        "SELECT [System.Id] FROM WorkItems WHERE [System.ChangedDate] >= '{cursor}' ORDER BY [System.ChangedDate] ASC"
    );
    let body = a
        .post_json(
            "/Demo/_apis/wit/wiql?timePrecision=true&api-version=7.1",
            &q(&text),
        )
        .await
        .ok();
    assert_eq!(ids(&body), vec![8, 9]);
}

#[tokio::test]
async fn a_tag_marker_finds_an_item() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let created = a
        .create(
            "/Demo/_apis/wit/workitems/$Bug?api-version=7.1",
            &json!([
                {"op": "add", "path": "/fields/System.Title", "value": "from Jira"},
                {"op": "add", "path": "/fields/System.Tags", "value": "tandem:0b9f3c1e-77aa-4d2e-9c1b-2f5e8a7d6c01"},
            ]),
        )
        .await
        .ok();
    let body = a
        .post_json(
            "/Demo/_apis/wit/wiql?api-version=7.1",
            &q("SELECT [System.Id] FROM WorkItems WHERE [System.Tags] CONTAINS 'tandem:0b9f3c1e-77aa-4d2e-9c1b-2f5e8a7d6c01'"),
        )
        .await
        .ok();
    assert_eq!(ids(&body), vec![created["id"].as_i64().unwrap()]);
    // Tag matching is per tag, not a substring search.
    let body = a
        .post_json(
            "/Demo/_apis/wit/wiql?api-version=7.1",
            &q("SELECT [System.Id] FROM WorkItems WHERE [System.Tags] CONTAINS 'tandem:0b9f'"),
        )
        .await
        .ok();
    assert!(ids(&body).is_empty());
}

#[tokio::test]
async fn the_result_cap_and_top() {
    let sim = start_text("[ado]\nextends = \"demo\"\nwiql_max_results = 20\n").await;
    let a = api(&sim, SYNC_PAT);
    let all = q("SELECT [System.Id] FROM WorkItems ORDER BY [System.Id]");
    let body = a
        .post_json("/Demo/_apis/wit/wiql?api-version=7.1", &all)
        .await
        .error(400, "WorkItemTrackingQueryResultSizeLimitExceededException");
    assert!(
        body["message"].as_str().unwrap().starts_with(
            "VS402337: The number of work items returned exceeds the size limit of 20."
        )
    );
    let body = a
        .post_json("/Demo/_apis/wit/wiql?$top=5&api-version=7.1", &all)
        .await
        .ok();
    assert_eq!(ids(&body), vec![1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn unreadable_items_are_left_out() {
    let sim = start_text(
        "[ado]\nextends = \"demo\"\n[ado.projects.Demo.area_permissions.Mobile.sync-bot]\ndeny = [\"view\"]\n",
    )
    .await;
    let text = q("SELECT [System.Id] FROM WorkItems WHERE [System.AreaPath] UNDER 'Demo\\Mobile'");
    let sync = api(&sim, SYNC_PAT)
        .post_json("/Demo/_apis/wit/wiql?api-version=7.1", &text)
        .await
        .ok();
    assert!(ids(&sync).is_empty());
    let alice = api(&sim, ALICE_PAT)
        .post_json("/Demo/_apis/wit/wiql?api-version=7.1", &text)
        .await
        .ok();
    assert!(!ids(&alice).is_empty());
}

#[tokio::test]
async fn syntax_and_field_errors() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let body = a
        .post_json(
            "/Demo/_apis/wit/wiql?api-version=7.1",
            &q("SELECT [System.Id] FROM WorkItems WHERE AssignedTo = @me"),
        )
        .await
        .error(400, "WorkItemTrackingQuerySyntaxException");
    assert!(body["message"].as_str().unwrap().starts_with("TF51005"));
    a.post_json(
        "/Demo/_apis/wit/wiql?api-version=7.1",
        &q("SELECT [System.Id] WorkItems"),
    )
    .await
    .error(400, "WorkItemTrackingQuerySyntaxException");
    // @me and IN work.
    let body = a
        .post_json(
            "/Demo/_apis/wit/wiql?api-version=7.1",
            &q("SELECT [System.Id] FROM WorkItems WHERE [System.AssignedTo] = @me AND [System.State] IN ('New', 'Active')"),
        )
        .await
        .ok();
    assert!(ids(&body).contains(&3));
}

#[tokio::test]
async fn recently_created_by_me_finds_a_marker_link_again() {
    // Crash recovery: after a create whose answer was lost, list what I created recently
    // and look for the marker hyperlink among their relations.
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let marker = "https://jira.example.com/browse/DEMO-7#tandem=6f1d";
    let created = a
        .create(
            "/Demo/_apis/wit/workitems/$Task?api-version=7.1",
            &json!([
                {"op": "add", "path": "/fields/System.Title", "value": "lost answer"},
                {"op": "add", "path": "/relations/-", "value": {"rel": "Hyperlink", "url": marker}},
            ]),
        )
        .await
        .ok();
    let since = created["fields"]["System.CreatedDate"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = a
        .post_json(
            "/Demo/_apis/wit/wiql?timePrecision=true&$top=50&api-version=7.1",
            &q(&format!(
                "SELECT [System.Id] FROM WorkItems WHERE [System.CreatedBy] = @me AND [System.CreatedDate] >= '{since}' ORDER BY [System.CreatedDate] DESC"
            )),
        )
        .await
        .ok();
    let found = ids(&body);
    assert_eq!(found, vec![created["id"].as_i64().unwrap()]);
    let batch = a
        .post_json(
            "/Demo/_apis/wit/workitemsbatch?api-version=7.1",
            &json!({"ids": found, "$expand": "relations"}),
        )
        .await
        .ok();
    assert_eq!(batch["value"][0]["relations"][0]["url"], marker);
}
