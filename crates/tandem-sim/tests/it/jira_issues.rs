//! Issues: create, read, edit, permissions and screens, transitions, properties, changelog.

use serde_json::{Value, json};

use crate::util::*;

async fn create(c: &Caller, fields: Value) -> (u16, Value) {
    c.post("/rest/api/3/issue", json!({ "fields": fields }))
        .await
}

fn task(summary: &str) -> Value {
    json!({"project": {"key": "DEMO"}, "issuetype": {"name": "Task"}, "summary": summary, "description": doc("body")})
}

#[tokio::test]
async fn create_with_property_then_find_it_by_property() {
    let sim = start("demo").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let (s, v) = c
        .post(
            "/rest/api/3/issue",
            json!({"fields": task("from ado 42"), "properties": [{"key": "tandem.link", "value": {"uuid": "u-1", "ado": 42}}]}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let key = v["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("DEMO-"));
    assert!(
        v["self"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/rest/api/3/issue/{}", v["id"].as_str().unwrap()))
    );
    let (_, got) = c
        .get(&format!(
            "/rest/api/3/issue/{key}?properties=tandem.link&fields=summary"
        ))
        .await;
    assert_eq!(got["properties"]["tandem.link"]["uuid"], "u-1");
    assert_eq!(got["fields"]["summary"], "from ado 42");
    assert!(
        got["fields"].get("status").is_none(),
        "fields param limits fields: {got}"
    );
    let (_, prop) = c
        .get(&format!("/rest/api/3/issue/{key}/properties/tandem.link"))
        .await;
    assert_eq!(
        prop,
        json!({"key": "tandem.link", "value": {"uuid": "u-1", "ado": 42}})
    );
    // The engine's recovery query: recent issues of the project with the marker property.
    let (_, res) = c
        .post(
            "/rest/api/3/search/jql",
            json!({"jql": "project = DEMO AND created >= -1h ORDER BY created DESC", "fields": ["summary"], "properties": ["tandem.link"], "maxResults": 10}),
        )
        .await;
    let hit = res["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == key.as_str())
        .unwrap();
    assert_eq!(hit["properties"]["tandem.link"]["ado"], 42);
    // PUT/DELETE properties.
    let (s, _) = c
        .put(
            &format!("/rest/api/3/issue/{key}/properties/other"),
            json!({"x": 1}),
        )
        .await;
    assert_eq!(s, 201);
    let (s, _) = c
        .put(
            &format!("/rest/api/3/issue/{key}/properties/other"),
            json!({"x": 2}),
        )
        .await;
    assert_eq!(s, 200);
    let (_, keys) = c.get(&format!("/rest/api/3/issue/{key}/properties")).await;
    assert_eq!(keys["keys"].as_array().unwrap().len(), 2);
    let r = c
        .req(
            reqwest::Method::DELETE,
            &format!("/rest/api/3/issue/{key}/properties/other"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        c.get(&format!("/rest/api/3/issue/{key}/properties/other"))
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn v3_stores_adf_and_v2_speaks_wiki() {
    let sim = start("demo").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let (s, v) = create(&c, json!({"project": {"key": "DEMO"}, "issuetype": {"name": "Task"}, "summary": "s", "description": "plain string"})).await;
    assert_eq!(s, 400);
    assert!(
        v["errors"]["description"]
            .as_str()
            .unwrap()
            .contains("Atlassian Document"),
        "{v}"
    );
    let (_, v) = create(&c, task("adf")).await;
    let key = v["key"].as_str().unwrap();
    let (_, v2) = c
        .get(&format!("/rest/api/2/issue/{key}?fields=description"))
        .await;
    assert_eq!(v2["fields"]["description"], "body");
    let (s, _) = c
        .put(
            &format!("/rest/api/2/issue/{key}"),
            json!({"fields": {"description": "h2. Title\n\n*bold* text"}}),
        )
        .await;
    assert_eq!(s, 204);
    let (_, v3) = c
        .get(&format!(
            "/rest/api/3/issue/{key}?fields=description&expand=renderedFields,names"
        ))
        .await;
    assert_eq!(v3["fields"]["description"]["content"][0]["type"], "heading");
    assert_eq!(
        v3["fields"]["description"]["content"][1]["content"][0]["marks"][0]["type"],
        "strong"
    );
    assert!(
        v3["renderedFields"]["description"]
            .as_str()
            .unwrap()
            .contains("<b>bold</b>")
    );
    assert_eq!(v3["names"]["description"], "Description");
}

#[tokio::test]
async fn updated_strictly_increases_with_milliseconds() {
    let sim = start("demo").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let (_, v) = create(&c, task("t")).await;
    let key = v["key"].as_str().unwrap().to_owned();
    let mut last = String::new();
    for i in 0..5 {
        c.put(
            &format!("/rest/api/3/issue/{key}"),
            json!({"fields": {"summary": format!("t{i}")}}),
        )
        .await;
        let (_, v) = c
            .get(&format!("/rest/api/3/issue/{key}?fields=updated"))
            .await;
        let u = v["fields"]["updated"].as_str().unwrap().to_owned();
        assert_eq!(u.len(), "2024-01-15T09:30:00.123+0000".len(), "{u}");
        assert!(u > last, "{u} after {last}");
        last = u;
    }
}

#[tokio::test]
async fn create_without_permission_says_fields_cannot_be_set() {
    let sim = start("no-create").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let (s, v) = create(&c, task("x")).await;
    assert_eq!(s, 400);
    assert_eq!(
        v["errors"]["summary"],
        "Field 'summary' cannot be set. It is not on the appropriate screen, or unknown."
    );
    assert_eq!(
        v["errors"]["description"],
        "Field 'description' cannot be set. It is not on the appropriate screen, or unknown."
    );
    let (s, v) = c.get("/rest/api/3/issue/createmeta/DEMO/issuetypes").await;
    assert_eq!(s, 404);
    assert_eq!(
        v["errorMessages"][0],
        "You cannot create issues in this project."
    );
    let (_, p) = c
        .get("/rest/api/3/mypermissions?projectKey=DEMO&permissions=BROWSE_PROJECTS,CREATE_ISSUES")
        .await;
    assert_eq!(p["permissions"]["BROWSE_PROJECTS"]["havePermission"], true);
    assert_eq!(p["permissions"]["CREATE_ISSUES"]["havePermission"], false);
    // Anonymous gets the same misleading 400.
    let (s, v) = create(&Caller::new(&sim, None), task("x")).await;
    assert_eq!(s, 400);
    assert!(
        v["errors"]["summary"]
            .as_str()
            .unwrap()
            .contains("cannot be set")
    );
}

#[tokio::test]
async fn field_not_on_screen_and_required_fields() {
    let sim = start("demo").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let (s, v) = create(&c, json!({"project": {"key": "HELP"}, "issuetype": {"name": "Task"}, "summary": "s", "customfield_10016": 3})).await;
    assert_eq!(s, 400);
    assert_eq!(
        v["errors"]["customfield_10016"],
        "Field 'customfield_10016' cannot be set. It is not on the appropriate screen, or unknown."
    );
    let (s, v) = create(
        &c,
        json!({"project": {"key": "DEMO"}, "issuetype": {"name": "Task"}}),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(
        v["errors"]["summary"],
        "You must specify a summary of the issue."
    );
    let (s, v) = create(
        &c,
        json!({"project": {"key": "DEMO"}, "issuetype": {"name": "Incident"}, "summary": "s"}),
    )
    .await;
    assert_eq!(s, 400);
    assert!(v["errors"]["issuetype"].is_string());
    let (s, v) = create(
        &c,
        json!({"project": {"key": "NOPE"}, "issuetype": {"name": "Task"}, "summary": "s"}),
    )
    .await;
    assert_eq!(
        (s, v["errors"]["project"].clone()),
        (400, json!("valid project is required"))
    );
    let (_, meta) = c.get("/rest/api/3/issue/createmeta/DEMO/issuetypes").await;
    let task_id = meta["issueTypes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Task")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, fields) = c
        .get(&format!(
            "/rest/api/3/issue/createmeta/DEMO/issuetypes/{task_id}"
        ))
        .await;
    let summary = fields["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["fieldId"] == "summary")
        .unwrap();
    assert_eq!(summary["required"], true);
}

#[tokio::test]
async fn edit_without_permission_and_editmeta() {
    let sim = start("no-edit").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let (s, v) = create(&c, task("mine")).await;
    assert_eq!(s, 201, "{v}");
    let key = v["key"].as_str().unwrap();
    let (s, v) = c
        .put(
            &format!("/rest/api/3/issue/{key}"),
            json!({"fields": {"summary": "new", "priority": {"name": "High"}}}),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(
        v["errors"]["priority"],
        "Field 'priority' cannot be set. It is not on the appropriate screen, or unknown."
    );
    let (_, m) = c.get(&format!("/rest/api/3/issue/{key}/editmeta")).await;
    assert_eq!(m, json!({"fields": {}}));
    let admin = Caller::new(&sim, Some(ALICE));
    let (_, m) = admin
        .get(&format!("/rest/api/3/issue/{key}/editmeta"))
        .await;
    assert!(m["fields"]["summary"].is_object());
    let (s, _) = admin
        .put(
            &format!("/rest/api/3/issue/{key}"),
            json!({"fields": {"summary": "new"}, "update": {"labels": [{"add": "x"}]}}),
        )
        .await;
    assert_eq!(s, 204);
}

#[tokio::test]
async fn no_browse_hides_project_and_issues() {
    let sim = start("no-browse").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let (_, projects) = c.get("/rest/api/3/project").await;
    let keys: Vec<&str> = projects
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, vec!["HELP"]);
    let (s, v) = c.get("/rest/api/3/issue/DEMO-1").await;
    assert_eq!(s, 404);
    assert_eq!(
        v,
        json!({"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}})
    );
    assert_eq!(c.get("/rest/api/3/project/DEMO").await.0, 404);
    let (_, res) = c
        .get("/rest/api/3/search/jql?jql=project%20%3D%20DEMO")
        .await;
    assert_eq!(res["issues"], json!([]));
}

#[tokio::test]
async fn jsm_customer_cannot_act_as_an_agent() {
    let sim = start("jsm-customer").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let (_, p) = c.get("/rest/api/3/mypermissions?projectKey=HELP&permissions=BROWSE_PROJECTS,CREATE_ISSUES,SERVICEDESK_AGENT,TRANSITION_ISSUES").await;
    assert_eq!(
        p["permissions"]["BROWSE_PROJECTS"]["havePermission"], true,
        "{p}"
    );
    assert_eq!(p["permissions"]["CREATE_ISSUES"]["havePermission"], false);
    assert_eq!(
        p["permissions"]["SERVICEDESK_AGENT"]["havePermission"],
        false
    );
    let (s, v) = create(
        &c,
        json!({"project": {"key": "HELP"}, "issuetype": {"name": "Task"}, "summary": "s"}),
    )
    .await;
    assert_eq!(s, 400);
    assert!(
        v["errors"]["summary"]
            .as_str()
            .unwrap()
            .contains("cannot be set")
    );
    // In the demo the same user is an agent.
    let sim = start("demo").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let (_, p) = c
        .get("/rest/api/3/mypermissions?projectKey=HELP&permissions=SERVICEDESK_AGENT")
        .await;
    assert_eq!(
        p["permissions"]["SERVICEDESK_AGENT"]["havePermission"],
        true
    );
    let (s, _) = create(
        &c,
        json!({"project": {"key": "HELP"}, "issuetype": {"name": "Task"}, "summary": "s"}),
    )
    .await;
    assert_eq!(s, 201);
}

#[tokio::test]
async fn mypermissions_requires_permissions_on_cloud() {
    let sim = start("demo").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let (s, v) = c.get("/rest/api/3/mypermissions").await;
    assert_eq!(s, 400);
    assert_eq!(
        v["errorMessages"][0],
        "The 'permissions' query parameter is required."
    );
    let sim = start("datacenter").await;
    let c = Caller::new(&sim, Some(("sync-bot", "demo-jira-password-sync-bot")));
    let (s, v) = c.get("/rest/api/2/mypermissions?projectKey=DEMO").await;
    assert_eq!(s, 200);
    assert_eq!(v["permissions"]["EDIT_ISSUES"]["havePermission"], true);
}

#[tokio::test]
async fn done_needs_two_hops_and_each_is_in_the_changelog() {
    let sim = start("demo").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let (_, v) = create(&c, task("flow")).await;
    let key = v["key"].as_str().unwrap().to_owned();
    let (_, t) = c.get(&format!("/rest/api/3/issue/{key}/transitions")).await;
    let names: Vec<&str> = t["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["to"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["In Progress"],
        "Done is not reachable from To Do in one hop"
    );
    let (s, v) = c
        .post(
            &format!("/rest/api/3/issue/{key}/transitions"),
            json!({"transition": {"id": "31"}}),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(
        v["errorMessages"][0],
        "Transition id '31' is not valid for this issue."
    );
    assert_eq!(
        c.post(
            &format!("/rest/api/3/issue/{key}/transitions"),
            json!({"transition": {"id": "11"}})
        )
        .await
        .0,
        204
    );
    assert_eq!(
        c.post(
            &format!("/rest/api/3/issue/{key}/transitions"),
            json!({"transition": {"id": "31"}})
        )
        .await
        .0,
        204
    );
    let (_, v) = c
        .get(&format!(
            "/rest/api/3/issue/{key}?fields=status,resolutiondate"
        ))
        .await;
    assert_eq!(v["fields"]["status"]["name"], "Done");
    assert_eq!(v["fields"]["status"]["statusCategory"]["key"], "done");
    assert!(v["fields"]["resolutiondate"].is_string());
    // Changelog, paged oldest first.
    let (_, cl) = c
        .get(&format!("/rest/api/3/issue/{key}/changelog?maxResults=1"))
        .await;
    assert_eq!(cl["total"], 2);
    assert_eq!(cl["isLast"], false);
    assert_eq!(cl["values"][0]["items"][0]["toString"], "In Progress");
    let (_, cl) = c
        .get(&format!(
            "/rest/api/3/issue/{key}/changelog?startAt=1&maxResults=1"
        ))
        .await;
    assert_eq!(cl["values"][0]["items"][0]["toString"], "Done");
    assert_eq!(cl["isLast"], true);
    let (_, v) = c
        .get(&format!(
            "/rest/api/3/issue/{key}?expand=changelog&fields=summary"
        ))
        .await;
    assert_eq!(v["changelog"]["total"], 2);
}

#[tokio::test]
async fn bulk_create_reports_each_element() {
    let sim = start("demo").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let (s, v) = c
        .post("/rest/api/3/issue/bulk", json!({"issueUpdates": [{"fields": task("a")}, {"fields": {"project": {"key": "DEMO"}, "issuetype": {"name": "Nope"}, "summary": "b"}}, {"fields": task("c")}]}))
        .await;
    assert_eq!(s, 201);
    assert_eq!(v["issues"].as_array().unwrap().len(), 2);
    assert_eq!(v["errors"][0]["failedElementNumber"], 1);
    assert_eq!(v["errors"][0]["status"], 400);
    let many: Vec<Value> = (0..51)
        .map(|i| json!({"fields": task(&i.to_string())}))
        .collect();
    assert_eq!(
        c.post("/rest/api/3/issue/bulk", json!({"issueUpdates": many}))
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn delete_and_assign() {
    let sim = start("demo").await;
    let c = Caller::new(&sim, Some(SYNC_BOT));
    let (_, v) = create(&c, task("gone")).await;
    let key = v["key"].as_str().unwrap().to_owned();
    let (s, _) = c
        .put(
            &format!("/rest/api/3/issue/{key}/assignee"),
            json!({"accountId": "712020:b0b00000-0000-4000-8000-000000000002"}),
        )
        .await;
    assert_eq!(s, 204);
    let (_, v) = c
        .get(&format!("/rest/api/3/issue/{key}?fields=assignee"))
        .await;
    assert_eq!(v["fields"]["assignee"]["displayName"], "Bob Developer");
    let r = c
        .req(reqwest::Method::DELETE, &format!("/rest/api/3/issue/{key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(c.get(&format!("/rest/api/3/issue/{key}")).await.0, 404);
}
