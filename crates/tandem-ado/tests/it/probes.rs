//! What `tandem doctor` gets from the probes on a healthy organisation.

use tandem_ado::probe::DeploymentType;

use crate::support::start;

#[tokio::test]
async fn healthy_organisation_evidence() {
    let sim = start("demo").await;
    let c = sim.connector();
    let facts = c.probe_connection().await.unwrap();
    assert_eq!(facts.deployment_type, DeploymentType::Hosted);
    let me = facts.authenticated_user.unwrap();
    assert_eq!(me.person.email.as_deref(), Some("sync-bot@example.com"));
    assert!(facts.authorized_user.is_some());
    let projects = c.probe_projects().await.unwrap();
    assert!(projects.iter().any(|p| p.name == "Demo"));
    assert_eq!(c.probe_project().await.unwrap().name, "Demo");
    let node = c.probe_area(Some("Demo\\Web")).await.unwrap();
    assert_eq!(node.name, "Web");
    let types = c.probe_work_item_types().await.unwrap();
    assert!(types.iter().any(|t| t == "User Story"));
    let before = sim.item_count();
    c.probe_validate_create("User Story", "tandem doctor probe")
        .await
        .unwrap();
    assert_eq!(sim.item_count(), before, "validateOnly saves nothing");
}

#[tokio::test]
async fn missing_area_is_not_found() {
    let sim = start("demo").await;
    let e = sim
        .connector()
        .probe_area(Some("Demo\\NoSuchArea"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e.kind(),
            tandem_connector::ErrorKind::NotFoundOrHidden { .. }
        ),
        "{e}"
    );
}
