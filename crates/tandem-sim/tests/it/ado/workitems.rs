//! Reading and writing work items (ado-api.md §3).

use serde_json::{Value, json};

use super::*;

const V: &str = "api-version=7.1";

fn title(t: &str) -> Value {
    json!([{"op": "add", "path": "/fields/System.Title", "value": t}])
}

fn ms(ts: &Value) -> i64 {
    ts.as_str()
        .unwrap()
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_millisecond()
}

#[tokio::test]
async fn get_with_relations_shows_the_hierarchy() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let item = a
        .get(&format!(
            "/Demo/_apis/wit/workitems/3?$expand=relations&{V}"
        ))
        .await
        .ok();
    assert_eq!(item["id"], 3);
    assert_eq!(
        item["fields"]["System.Title"],
        "Sign in with the company identity provider"
    );
    assert_eq!(item["fields"]["System.AreaPath"], "Demo\\Web");
    assert_eq!(item["fields"]["System.Parent"], 2);
    assert_eq!(
        item["fields"]["System.AssignedTo"]["uniqueName"],
        "sync-bot@example.com"
    );
    let rels = item["relations"].as_array().unwrap();
    let parent = rels
        .iter()
        .find(|r| r["rel"] == "System.LinkTypes.Hierarchy-Reverse")
        .unwrap();
    assert!(
        parent["url"]
            .as_str()
            .unwrap()
            .ends_with("/_apis/wit/workItems/2")
    );
    assert_eq!(parent["attributes"]["name"], "Parent");
    let children = rels
        .iter()
        .filter(|r| r["rel"] == "System.LinkTypes.Hierarchy-Forward")
        .count();
    assert_eq!(children, 2);
    assert!(item["_links"]["self"]["href"].is_string());
    assert!(
        item["url"]
            .as_str()
            .unwrap()
            .contains("/_apis/wit/workItems/3")
    );
    // Without $expand there are no relations.
    let plain = a
        .get(&format!("/Demo/_apis/wit/workitems/3?{V}"))
        .await
        .ok();
    assert!(plain.get("relations").is_none());
    // URLs are case-insensitive, like the service's.
    a.get(&format!("/Demo/_APIS/WIT/WorkItems/3?{V}"))
        .await
        .ok();
}

#[tokio::test]
async fn bulk_reads_honour_error_policy_and_the_200_cap() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let body = a
        .get(&format!(
            "/Demo/_apis/wit/workitems?ids=1,2,999999&errorPolicy=omit&{V}"
        ))
        .await
        .ok();
    assert_eq!(body["count"], 3);
    assert_eq!(body["value"][0]["id"], 1);
    assert!(body["value"][2].is_null());
    a.get(&format!("/Demo/_apis/wit/workitems?ids=1,999999&{V}"))
        .await
        .error(404, "WorkItemUnauthorizedAccessException");
    let many: Vec<String> = (1..=201).map(|i| i.to_string()).collect();
    let body = a
        .get(&format!(
            "/Demo/_apis/wit/workitems?ids={}&{V}",
            many.join(",")
        ))
        .await
        .error(400, "ArgumentException");
    assert!(body["message"].as_str().unwrap().contains("200"));
    let body = a
        .get(&format!(
            "/Demo/_apis/wit/workitems?ids=1&fields=System.Title&$expand=relations&{V}"
        ))
        .await
        .error(400, "ArgumentException");
    assert_eq!(
        body["message"],
        "The expand parameter can not be used with the fields parameter."
    );
    let body = a
        .get(&format!(
            "/Demo/_apis/wit/workitems?ids=1,2&fields=System.Id,System.Title,System.Rev&{V}"
        ))
        .await
        .ok();
    let f = &body["value"][1]["fields"];
    assert_eq!(f["System.Id"], 2);
    assert!(f["System.Rev"].is_number());
    assert!(f.get("System.State").is_none());
}

#[tokio::test]
async fn workitemsbatch_reads_up_to_200() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let body = a
        .post_json(
            &format!("/Demo/_apis/wit/workitemsbatch?{V}"),
            &json!({"ids": [5, 4, 424242], "fields": ["System.Title", "System.ChangedDate"], "errorPolicy": "omit"}),
        )
        .await
        .ok();
    assert_eq!(body["value"][0]["id"], 5);
    assert_eq!(body["value"][1]["id"], 4);
    assert!(body["value"][2].is_null());
    assert!(body["value"][0]["fields"]["System.ChangedDate"].is_string());
    let ids: Vec<i32> = (1..=201).collect();
    a.post_json(
        &format!("/Demo/_apis/wit/workitemsbatch?{V}"),
        &json!({"ids": ids}),
    )
    .await
    .error(400, "ArgumentException");
}

#[tokio::test]
async fn create_sets_server_fields() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let item = a
        .create(
            &format!("/Demo/_apis/wit/workitems/$User%20Story?{V}"),
            &json!([
                {"op": "add", "path": "/fields/System.Title", "value": "From Jira"},
                {"op": "add", "path": "/fields/System.AreaPath", "value": "demo\\web"},
                {"op": "add", "path": "/fields/System.Description", "value": "<p>Hello</p>"},
                {"op": "add", "path": "/fields/System.Tags", "value": "b; tandem:5d1c;a"},
                {"op": "add", "path": "/relations/-", "value": {"rel": "Hyperlink", "url": "https://jira.example.com/browse/DEMO-1", "attributes": {"comment": "tandem:5d1c"}}},
            ]),
        )
        .await
        .ok();
    let id = item["id"].as_i64().unwrap();
    assert_eq!(id, 51, "50 seeded items come first");
    assert_eq!(item["rev"], 1);
    let f = &item["fields"];
    assert_eq!(f["System.State"], "New");
    assert_eq!(f["System.Reason"], "New");
    assert_eq!(f["System.WorkItemType"], "User Story");
    assert_eq!(
        f["System.AreaPath"], "Demo\\Web",
        "normalized to the node's spelling"
    );
    assert_eq!(f["System.IterationPath"], "Demo");
    assert_eq!(f["System.TeamProject"], "Demo");
    assert_eq!(f["System.Tags"], "a; b; tandem:5d1c");
    assert_eq!(f["System.CreatedBy"]["uniqueName"], "sync-bot@example.com");
    assert_eq!(f["System.CreatedDate"], f["System.ChangedDate"]);
    assert_eq!(f["Microsoft.VSTS.Common.Priority"], 2);
    assert_eq!(f["Microsoft.VSTS.Common.ValueArea"], "Business");
    // Relations come back only when asked for.
    let got = a
        .get(&format!("/Demo/_apis/wit/workitems/{id}?$expand=all&{V}"))
        .await
        .ok();
    assert_eq!(got["relations"][0]["rel"], "Hyperlink");
    assert_eq!(got["relations"][0]["attributes"]["comment"], "tandem:5d1c");
    assert_eq!(got["fields"]["System.Id"], id);
}

#[tokio::test]
async fn test_rev_guards_updates() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let before = a
        .get(&format!("/Demo/_apis/wit/workitems/7?{V}"))
        .await
        .ok();
    let rev = before["rev"].as_i64().unwrap();
    let ok = a
        .patch(
            &format!("/Demo/_apis/wit/workitems/7?{V}"),
            &json!([
                {"op": "test", "path": "/rev", "value": rev},
                {"op": "replace", "path": "/fields/System.Title", "value": "Edit profile details (synced)"},
            ]),
        )
        .await
        .ok();
    assert_eq!(ok["rev"], rev + 1);
    // The same guard again is stale now: 412, and nothing changes.
    let r = a
        .patch(
            &format!("/Demo/_apis/wit/workitems/7?{V}"),
            &json!([
                {"op": "test", "path": "/rev", "value": rev},
                {"op": "replace", "path": "/fields/System.Title", "value": "lost update"},
            ]),
        )
        .await;
    let body = r.error(412, "TestPatchOperationFailedException");
    assert_eq!(
        body["message"],
        format!(
            "VS403351: Test Operation for path /rev failed, value {} was not equal to test value {rev}.",
            rev + 1
        )
    );
    let after = a
        .get(&format!("/Demo/_apis/wit/workitems/7?{V}"))
        .await
        .ok();
    assert_eq!(
        after["fields"]["System.Title"],
        "Edit profile details (synced)"
    );
    assert_eq!(after["rev"], rev + 1);
}

#[tokio::test]
async fn rule_violations_are_tf401320_with_details() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let r = a
        .create(
            &format!("/Demo/_apis/wit/workitems/$Task?{V}"),
            &json!([{"op": "add", "path": "/fields/System.Description", "value": "no title"}]),
        )
        .await;
    let body = r.error(400, "RuleValidationException");
    assert_eq!(
        body["message"],
        "TF401320: Rule Error for field Title. Error code: Required, InvalidEmpty."
    );
    let errs = body["customProperties"]["RuleValidationErrors"]
        .as_array()
        .unwrap();
    assert_eq!(errs[0]["fieldReferenceName"], "System.Title");
    assert_eq!(errs[0]["fieldStatusFlags"], "required, invalidEmpty");
    let r = a
        .patch(
            &format!("/Demo/_apis/wit/workitems/1?{V}"),
            &json!([{"op": "add", "path": "/fields/System.State", "value": "Done"}]),
        )
        .await;
    let body = r.error(400, "RuleValidationException");
    assert_eq!(
        body["message"],
        "TF401320: Rule Error for field State. Error code: HasValues, LimitedToValues, AllowsOldValue, InvalidListValue."
    );
    a.patch(
        &format!("/Demo/_apis/wit/workitems/1?{V}"),
        &json!([{"op": "add", "path": "/fields/Nope.Field", "value": 1}]),
    )
    .await
    .error(400, "WorkItemFieldInvalidException");
    let body = a
        .patch(
            &format!("/Demo/_apis/wit/workitems/1?{V}"),
            &json!([{"op": "add", "path": "/fields/System.AssignedTo", "value": "nobody@example.com"}]),
        )
        .await
        .error(400, "WorkItemFieldInvalidException");
    assert_eq!(
        body["message"],
        "The identity value 'nobody@example.com' for field 'Assigned To' is an unknown identity."
    );
    let body = a
        .patch(
            &format!("/Demo/_apis/wit/workitems/1?{V}"),
            &json!([{"op": "add", "path": "/fields/System.AreaPath", "value": "Demo\\Nowhere"}]),
        )
        .await
        .error(400, "WorkItemFieldInvalidTreeNameException");
    assert!(body["message"].as_str().unwrap().starts_with("TF401347"));
}

#[tokio::test]
async fn state_changes_set_reason_and_dates() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let item = a
        .patch(
            &format!("/Demo/_apis/wit/workitems/7?{V}"),
            &json!([{"op": "add", "path": "/fields/System.State", "value": "active"}]),
        )
        .await
        .ok();
    let f = &item["fields"];
    assert_eq!(f["System.State"], "Active");
    assert_eq!(f["System.Reason"], "Implementation started");
    assert_eq!(
        f["Microsoft.VSTS.Common.ActivatedDate"],
        f["System.ChangedDate"]
    );
    assert_eq!(
        f["Microsoft.VSTS.Common.StateChangeDate"],
        f["System.ChangedDate"]
    );
    assert_eq!(
        f["Microsoft.VSTS.Common.ActivatedBy"]["uniqueName"],
        "sync-bot@example.com"
    );
}

#[tokio::test]
async fn validate_only_changes_nothing() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let before = a
        .get(&format!("/Demo/_apis/wit/workitems/1?{V}"))
        .await
        .ok();
    let preview = a
        .patch(
            &format!("/Demo/_apis/wit/workitems/1?validateOnly=true&{V}"),
            &title("would be"),
        )
        .await
        .ok();
    assert_eq!(preview["fields"]["System.Title"], "would be");
    assert_eq!(preview["rev"], before["rev"]);
    let after = a
        .get(&format!("/Demo/_apis/wit/workitems/1?{V}"))
        .await
        .ok();
    assert_eq!(
        after["fields"]["System.Title"],
        before["fields"]["System.Title"]
    );
    // A creation preview has no id and nothing is stored.
    let p = a
        .create(
            &format!("/Demo/_apis/wit/workitems/$Bug?validateOnly=true&{V}"),
            &title("not stored"),
        )
        .await
        .ok();
    assert_eq!(p["id"], 0);
    assert_eq!(sim.with_world(|w| w.items.len()), 50);
}

#[tokio::test]
async fn bypass_rules_and_suppress_notifications_need_permissions() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let body = a
        .patch(
            &format!("/Demo/_apis/wit/workitems/1?bypassRules=true&{V}"),
            &title("x"),
        )
        .await
        .error(403, "WorkItemBypassRulesPermissionException");
    assert_eq!(
        body["message"],
        "TF401322: You don't have bypass rules permission. Please contact your collection administrator to grant this permission for enabling this action."
    );
    a.patch(
        &format!("/Demo/_apis/wit/workitems/1?suppressNotifications=true&{V}"),
        &title("x"),
    )
    .await
    .error(403, "UnauthorizedAccessException");
    // Alice holds both: bypassRules lets her write a read-only field and skip rules.
    let alice = api(&sim, ALICE_PAT);
    let item = alice
        .patch(
            &format!("/Demo/_apis/wit/workitems/1?bypassRules=true&suppressNotifications=true&{V}"),
            &json!([
                {"op": "add", "path": "/fields/System.State", "value": "Not a state"},
                {"op": "add", "path": "/fields/System.ChangedBy", "value": "bob@example.com"},
            ]),
        )
        .await
        .ok();
    assert_eq!(item["fields"]["System.State"], "Not a state");
    assert_eq!(
        item["fields"]["System.ChangedBy"]["uniqueName"],
        "bob@example.com"
    );
    // Without it the read-only field is a rule violation.
    alice
        .patch(
            &format!("/Demo/_apis/wit/workitems/1?{V}"),
            &json!([{"op": "add", "path": "/fields/System.CreatedDate", "value": "2020-01-01T00:00:00Z"}]),
        )
        .await
        .error(400, "RuleValidationException");
}

#[tokio::test]
async fn changed_date_strictly_increases_with_milliseconds() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let mut last = 0;
    for i in 0..10 {
        let item = a
            .patch(
                &format!("/Demo/_apis/wit/workitems/10?{V}"),
                &title(&format!("t{i}")),
            )
            .await
            .ok();
        let t = ms(&item["fields"]["System.ChangedDate"]);
        assert!(t > last, "ChangedDate did not increase: {t} after {last}");
        last = t;
    }
}

#[tokio::test]
async fn a_no_op_patch_makes_no_revision() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let before = a
        .get(&format!("/Demo/_apis/wit/workitems/10?{V}"))
        .await
        .ok();
    let same = before["fields"]["System.Title"]
        .as_str()
        .unwrap()
        .to_owned();
    let after = a
        .patch(&format!("/Demo/_apis/wit/workitems/10?{V}"), &title(&same))
        .await
        .ok();
    assert_eq!(after["rev"], before["rev"]);
}

#[tokio::test]
async fn the_patch_must_be_json_patch() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let r = a
        .send(
            reqwest::Method::PATCH,
            &format!("/Demo/_apis/wit/workitems/1?{V}"),
            &[],
            Some(("application/json", title("x").to_string().into_bytes())),
        )
        .await;
    let body = r.error(415, "VssRequestContentTypeNotSupportedException");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("application/json-patch+json")
    );
}

#[tokio::test]
async fn history_makes_a_comment_and_updates_list_the_changes() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let item = a
        .patch(
            &format!("/Demo/_apis/wit/workitems/10?{V}"),
            &json!([
                {"op": "add", "path": "/fields/System.Title", "value": "Rotate credentials now"},
                {"op": "add", "path": "/fields/System.History", "value": "<p>Synced from Jira</p>"},
            ]),
        )
        .await
        .ok();
    assert_eq!(item["fields"]["System.CommentCount"], 1);
    assert_eq!(item["fields"]["System.History"], "<p>Synced from Jira</p>");
    let rev = item["rev"].as_i64().unwrap();
    let updates = a
        .get(&format!("/Demo/_apis/wit/workItems/10/updates?{V}"))
        .await
        .ok();
    let last = updates["value"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["rev"], rev);
    assert_eq!(last["workItemId"], 10);
    assert_eq!(last["revisedDate"], "9999-01-01T00:00:00Z");
    assert_eq!(last["revisedBy"]["uniqueName"], "sync-bot@example.com");
    assert_eq!(
        last["fields"]["System.Title"]["oldValue"],
        "Rotate the database credentials"
    );
    assert_eq!(
        last["fields"]["System.Title"]["newValue"],
        "Rotate credentials now"
    );
    assert!(last["fields"]["System.History"]["oldValue"].is_null());
    let first = &updates["value"][0];
    assert!(first["fields"]["System.Title"].get("oldValue").is_none());
    // The next read no longer carries History (it belongs to that revision only).
    let again = a
        .patch(
            &format!("/Demo/_apis/wit/workitems/10?{V}"),
            &title("again"),
        )
        .await
        .ok();
    assert!(again["fields"].get("System.History").is_none());
    let revisions = a
        .get(&format!("/Demo/_apis/wit/workItems/10/revisions?{V}"))
        .await
        .ok();
    assert_eq!(revisions["count"], rev + 1);
    assert_eq!(
        revisions["value"][0]["fields"]["System.Title"],
        "Rotate the database credentials"
    );
    let one = a
        .get(&format!("/Demo/_apis/wit/workItems/10/revisions/{rev}?{V}"))
        .await
        .ok();
    assert_eq!(one["fields"]["System.Title"], "Rotate credentials now");
    assert_eq!(one["rev"], rev);
    let paged = a
        .get(&format!(
            "/Demo/_apis/wit/workItems/10/updates?$top=1&$skip=1&{V}"
        ))
        .await
        .ok();
    assert_eq!(paged["count"], 1);
    assert_eq!(paged["value"][0]["rev"], 2);
}

#[tokio::test]
async fn linking_a_parent_revises_both_items() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let parent = a
        .get(&format!("/Demo/_apis/wit/workitems/6?{V}"))
        .await
        .ok();
    let parent_rev = parent["rev"].as_i64().unwrap();
    let child = a
        .create(
            &format!("/Demo/_apis/wit/workitems/$Task?{V}"),
            &json!([
                {"op": "add", "path": "/fields/System.Title", "value": "Child of 6"},
                {"op": "add", "path": "/relations/-", "value": {"rel": "System.LinkTypes.Hierarchy-Reverse", "url": format!("{}/_apis/wit/workItems/6", sim.url())}},
            ]),
        )
        .await
        .ok();
    let child_id = child["id"].as_i64().unwrap();
    let parent = a
        .get(&format!(
            "/Demo/_apis/wit/workitems/6?$expand=relations&{V}"
        ))
        .await
        .ok();
    assert_eq!(parent["rev"], parent_rev + 1);
    let forward = parent["relations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rel"] == "System.LinkTypes.Hierarchy-Forward")
        .unwrap();
    assert!(
        forward["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/{child_id}"))
    );
    // A second parent is refused.
    let body = a
        .patch(
            &format!("/Demo/_apis/wit/workitems/{child_id}?{V}"),
            &json!([{"op": "add", "path": "/relations/-", "value": {"rel": "System.LinkTypes.Hierarchy-Reverse", "url": format!("{}/_apis/wit/workItems/1", sim.url())}}]),
        )
        .await
        .error(400, "ArgumentException");
    assert!(body["message"].as_str().unwrap().starts_with("TF201036"));
    // Removing the link by index revises the parent again.
    a.patch(
        &format!("/Demo/_apis/wit/workitems/{child_id}?{V}"),
        &json!([{"op": "remove", "path": "/relations/0"}]),
    )
    .await
    .ok();
    let parent = a
        .get(&format!(
            "/Demo/_apis/wit/workitems/6?$expand=relations&{V}"
        ))
        .await
        .ok();
    assert_eq!(parent["rev"], parent_rev + 2);
    let rels = parent["relations"].as_array().unwrap();
    assert!(
        rels.iter()
            .all(|r| r["rel"] != "System.LinkTypes.Hierarchy-Forward")
    );
    assert_eq!(rels[0]["rel"], "Hyperlink", "the bug's own link stays");
}

#[tokio::test]
async fn as_of_reads_an_old_state() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let before = a
        .get(&format!("/Demo/_apis/wit/workitems/10?{V}"))
        .await
        .ok();
    let at = before["fields"]["System.ChangedDate"]
        .as_str()
        .unwrap()
        .to_owned();
    a.patch(
        &format!("/Demo/_apis/wit/workitems/10?{V}"),
        &title("later"),
    )
    .await
    .ok();
    let old = a
        .get(&format!("/Demo/_apis/wit/workitems/10?asOf={at}&{V}"))
        .await
        .ok();
    assert_eq!(
        old["fields"]["System.Title"],
        before["fields"]["System.Title"]
    );
    assert_eq!(old["rev"], before["rev"]);
}
