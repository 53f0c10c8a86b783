//! Types, states, fields, classification nodes, projects, relation types, tags.

use super::*;

const V: &str = "api-version=7.1";

#[tokio::test]
async fn types_and_states_with_categories() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let types = a
        .get(&format!("/Demo/_apis/wit/workitemtypes?{V}"))
        .await
        .ok();
    let names: Vec<&str> = types["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Epic", "Feature", "User Story", "Bug", "Task"]);
    let story = a
        .get(&format!("/Demo/_apis/wit/workitemtypes/User%20Story?{V}"))
        .await
        .ok();
    assert_eq!(
        story["referenceName"],
        "Microsoft.VSTS.WorkItemTypes.UserStory"
    );
    let title = story["fieldInstances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["referenceName"] == "System.Title")
        .unwrap();
    assert_eq!(title["alwaysRequired"], true);
    let states = a
        .get(&format!("/Demo/_apis/wit/workitemtypes/Task/states?{V}"))
        .await
        .ok();
    let pairs: Vec<(String, String)> = states["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["category"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            ("New".into(), "Proposed".into()),
            ("Active".into(), "InProgress".into()),
            ("Closed".into(), "Completed".into()),
            ("Removed".into(), "Removed".into()),
        ]
    );
    a.get(&format!("/Demo/_apis/wit/workitemtypes/Nope/states?{V}"))
        .await
        .error(404, "WorkItemTypeNotFoundException");
    let fields = a
        .get(&format!("/Demo/_apis/wit/workitemtypes/Bug/fields?{V}"))
        .await
        .ok();
    let sev = fields["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["referenceName"] == "Microsoft.VSTS.Common.Severity")
        .unwrap_or_else(|| panic!("{fields}"));
    assert_eq!(sev["allowedValues"][0], "1 - Critical");
}

#[tokio::test]
async fn fields_list_and_one() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let list = a.get(&format!("/_apis/wit/fields?{V}")).await.ok();
    assert!(list["count"].as_u64().unwrap() > 30);
    let one = a
        .get(&format!("/Demo/_apis/wit/fields/System.AssignedTo?{V}"))
        .await
        .ok();
    assert_eq!(one["name"], "Assigned To");
    assert_eq!(one["isIdentity"], true);
    let by_name = a
        .get(&format!("/Demo/_apis/wit/fields/Title?{V}"))
        .await
        .ok();
    assert_eq!(by_name["referenceName"], "System.Title");
}

#[tokio::test]
async fn classification_nodes_with_depth_and_paths() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let areas = a
        .get(&format!(
            "/Demo/_apis/wit/classificationnodes/Areas?$depth=2&{V}"
        ))
        .await
        .ok();
    assert_eq!(areas["name"], "Demo");
    assert_eq!(areas["path"], "\\Demo\\Area");
    assert_eq!(areas["structureType"], "area");
    assert_eq!(areas["hasChildren"], true);
    let web = areas["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Web")
        .unwrap();
    assert_eq!(web["path"], "\\Demo\\Area\\Web");
    assert_eq!(web["children"][0]["name"], "Frontend");
    let front = a
        .get(&format!(
            "/Demo/_apis/wit/classificationnodes/areas/Web/Frontend?{V}"
        ))
        .await
        .ok();
    assert_eq!(front["path"], "\\Demo\\Area\\Web\\Frontend");
    assert!(front.get("children").is_none());
    let sprint = a
        .get(&format!(
            "/Demo/_apis/wit/classificationnodes/Iterations/Sprint%201?{V}"
        ))
        .await
        .ok();
    assert_eq!(sprint["structureType"], "iteration");
    assert!(sprint["attributes"]["startDate"].is_string());
    let roots = a
        .get(&format!("/Demo/_apis/wit/classificationnodes?$depth=1&{V}"))
        .await
        .ok();
    assert_eq!(roots["count"], 2);
    let by_id = a
        .get(&format!(
            "/Demo/_apis/wit/classificationnodes?ids={},424242&errorPolicy=omit&{V}",
            web["id"]
        ))
        .await
        .ok();
    assert_eq!(by_id["count"], 1);
    a.get(&format!(
        "/Demo/_apis/wit/classificationnodes/Areas/Nowhere?{V}"
    ))
    .await
    .error(404, "NotFoundException");
}

#[tokio::test]
async fn projects_are_visible_only_to_members() {
    let sim = start_text(
        "[ado]\nextends = \"demo\"\n[ado.projects.Secret]\nadministrators = [\"alice\"]\n",
    )
    .await;
    let list = api(&sim, SYNC_PAT)
        .get(&format!("/_apis/projects?{V}"))
        .await
        .ok();
    assert_eq!(list["count"], 1);
    assert_eq!(list["value"][0]["name"], "Demo");
    let alice = api(&sim, ALICE_PAT)
        .get(&format!("/_apis/projects?{V}"))
        .await
        .ok();
    assert_eq!(alice["count"], 2);
    let body = api(&sim, SYNC_PAT)
        .get(&format!("/Secret/_apis/wit/workitemtypes?{V}"))
        .await
        .error(404, "ProjectDoesNotExistWithNameException");
    assert!(body["message"].as_str().unwrap().starts_with("TF200016"));
}

#[tokio::test]
async fn relation_types_and_tags() {
    let sim = start("demo").await;
    let a = api(&sim, SYNC_PAT);
    let rel = a
        .get(&format!("/_apis/wit/workitemrelationtypes?{V}"))
        .await
        .ok();
    let parent = rel["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["referenceName"] == "System.LinkTypes.Hierarchy-Reverse")
        .unwrap();
    assert_eq!(parent["name"], "Parent");
    assert_eq!(parent["attributes"]["topology"], "tree");
    let tags = a
        .get("/Demo/_apis/wit/tags?api-version=7.1-preview.1")
        .await
        .ok();
    let names: Vec<&str> = tags["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"demo") && names.contains(&"customer-reported"),
        "{names:?}"
    );
}
