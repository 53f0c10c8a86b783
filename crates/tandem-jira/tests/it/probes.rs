//! What `tandem doctor` gets from the probes on a healthy site.

use tandem_jira::probe::DeploymentType;

use crate::support::start;

#[tokio::test]
async fn healthy_cloud_site_evidence() {
    let sim = start("demo").await;
    let c = sim.connector();
    let info = c.probe_server_info().await.unwrap();
    assert_eq!(info.deployment_type, DeploymentType::Cloud);
    let me = c.probe_myself().await.unwrap();
    assert!(
        me.application_roles.iter().any(|r| r == "jira-software"),
        "{me:?}"
    );
    assert!(
        me.groups.iter().any(|g| g == "jira-software-users"),
        "{me:?}"
    );
    let projects = c.probe_projects().await.unwrap();
    assert!(projects.iter().any(|p| p.key == "DEMO"));
    assert!(
        projects
            .iter()
            .any(|p| p.key == "HELP" && p.project_type_key.as_deref() == Some("service_desk"))
    );
    let perms = c
        .probe_permissions(
            Some("DEMO"),
            &[
                "BROWSE_PROJECTS",
                "CREATE_ISSUES",
                "EDIT_ISSUES",
                "TRANSITION_ISSUES",
                "ADD_COMMENTS",
                "CREATE_ATTACHMENTS",
                "LINK_ISSUES",
            ],
        )
        .await
        .unwrap();
    assert!(perms.missing().is_empty(), "{perms:?}");
    let help = c
        .probe_permissions(Some("HELP"), &["SERVICEDESK_AGENT"])
        .await
        .unwrap();
    assert!(
        help.missing().is_empty(),
        "sync-bot is an agent in HELP: {help:?}"
    );
    let types = c.probe_create_issue_types("DEMO").await.unwrap();
    let task = types
        .iter()
        .find(|t| t.name == "Task")
        .expect("Task creatable");
    let fields = c.probe_create_fields("DEMO", &task.id).await.unwrap();
    assert!(
        fields.iter().any(|f| f.id == "summary" && f.required),
        "{fields:?}"
    );
    let edit = c.probe_edit_fields("DEMO-1").await.unwrap();
    assert!(edit.iter().any(|f| f.id == "summary"));
    let tenant = c.probe_tenant_info().await.unwrap();
    assert!(!tenant.cloud_id.is_empty());
}

#[tokio::test]
async fn no_create_shows_in_createmeta_and_permissions() {
    let sim = start("no-create").await;
    let c = sim.connector();
    let perms = c
        .probe_permissions(Some("DEMO"), &["BROWSE_PROJECTS", "CREATE_ISSUES"])
        .await
        .unwrap();
    assert_eq!(perms.missing(), vec!["CREATE_ISSUES"]);
    let e = c.probe_create_issue_types("DEMO").await.unwrap_err();
    assert!(
        matches!(
            e.kind(),
            tandem_connector::ErrorKind::PermissionDenied { .. }
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("You cannot create issues in this project"),
        "{e}"
    );
}

#[tokio::test]
async fn write_probe_creates_and_deletes() {
    let sim = start("demo").await;
    let c = sim.connector();
    let p = c
        .probe_create_and_delete("DEMO", "Task", "tandem doctor write probe")
        .await
        .unwrap();
    assert!(p.deleted);
    let stats = sim.stats().await;
    assert!(
        stats["by_route"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with("DELETE ")),
        "{stats}"
    );
}
