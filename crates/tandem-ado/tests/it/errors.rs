//! Every error class, from the simulator's real answers, mapped to its typed cause with the
//! evidence that proves it.

use secrecy::SecretString;
use tandem_ado::{AdoAuth, ApiVersion};
use tandem_connector::error::{AuthProblem, ErrorKind, NetworkProblem, TlsProblem};
use tandem_connector::{Connector, FieldChanges, ItemId, Marker, NewItem};

use crate::support::{start, start_text};

pub fn story(title: &str) -> NewItem {
    let mut item = NewItem {
        item_type: "User Story".into(),
        ..NewItem::default()
    };
    item.fields.insert("System.Title".into(), title.into());
    item
}

fn marker() -> Marker {
    Marker(uuid::Uuid::new_v4())
}

#[tokio::test]
async fn demo_identity_is_the_sync_identity() {
    let sim = start("demo").await;
    let id = sim.connector().identity().await.unwrap();
    assert_eq!(id.person.email.as_deref(), Some("sync-bot@example.com"));
    assert_eq!(id.person.id, "5f0c3b0a-1d2e-4f5a-8b9c-0d1e2f3a4b5c");
}

#[tokio::test]
async fn wrong_user_pat_authenticates_as_its_creator() {
    let sim = start("ado-wrong-user-pat").await;
    let facts = sim.connector().probe_connection().await.unwrap();
    let user = facts.authenticated_user.unwrap();
    assert_eq!(user.person.email.as_deref(), Some("jamie@example.com"));
    assert_ne!(user.person.email, sim.hints.user);
}

#[tokio::test]
async fn expired_pat_is_named_with_its_evidence() {
    let sim = start("ado-expired-pat").await;
    let e = sim.connector().identity().await.unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::Unauthenticated {
            problem: AuthProblem::Expired
        },
        "{e}"
    );
    assert_eq!(e.evidence().status, Some(401));
    assert_eq!(e.evidence().code.as_deref(), Some("AccessCheckException"));
    assert!(
        e.evidence()
            .header("X-TFS-ServiceError")
            .is_some_and(|v| v.contains("has expired")),
        "{e}"
    );
    assert!(
        e.to_string().contains("personal access token has expired"),
        "{e}"
    );
}

#[tokio::test]
async fn read_only_pat_reads_but_cannot_write() {
    let sim = start("ado-read-only-pat").await;
    let c = sim.connector();
    c.identity().await.unwrap();
    assert!(!c.get_many(&[ItemId::new("1")]).await.unwrap().is_empty());
    let e = c.create(&story("x"), marker()).await.unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::Unauthenticated {
            problem: AuthProblem::NotAuthorizedForResource
        },
        "{e}"
    );
    assert_eq!(e.evidence().code.as_deref(), Some("TF400813"));
    let e = c
        .probe_validate_create("User Story", "probe")
        .await
        .unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::Unauthenticated {
            problem: AuthProblem::NotAuthorizedForResource
        },
        "{e}"
    );
}

#[tokio::test]
async fn area_path_without_edit_permission() {
    let sim = start("ado-area-denied").await;
    let c = sim.connector();
    let e = c.create(&story("x"), marker()).await.unwrap_err();
    let ErrorKind::PermissionDenied { operation, project } = e.kind() else {
        panic!("{e}")
    };
    assert!(
        operation.contains("Edit work items in this node"),
        "{operation}"
    );
    assert_eq!(project.as_deref(), Some("Demo\\Web"));
    assert_eq!(e.evidence().code.as_deref(), Some("TF237111"));
    let e = c
        .probe_validate_create("User Story", "probe")
        .await
        .unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::PermissionDenied { .. }),
        "{e}"
    );
    // Elsewhere in the project it may create.
    let other = sim.with(|cfg| cfg.area_path = Some("Demo\\Mobile".into()));
    other
        .probe_validate_create("User Story", "probe")
        .await
        .unwrap();
}

#[tokio::test]
async fn server_2020_api_version_fallback_is_remembered() {
    let sim = start("ado-server-2020").await;
    let c = sim.connector();
    assert_eq!(c.api_version(), ApiVersion::LATEST);
    sim.reset_stats().await;
    let facts = c.probe_connection().await.unwrap();
    assert_eq!(facts.api_version, ApiVersion { major: 6, minor: 0 });
    assert_eq!(
        facts.deployment_type,
        tandem_ado::probe::DeploymentType::OnPremises
    );
    let stats = sim.stats().await;
    assert_eq!(
        stats["by_status"]["400"], 1,
        "one refused request, then the fallback: {stats}"
    );
    // Remembered: later calls go straight to 6.0, comments at 6.0-preview.3.
    let items = c.get_many(&[ItemId::new("1")]).await.unwrap();
    c.comments(&items[0].id).await.unwrap();
    let stats = sim.stats().await;
    assert_eq!(stats["by_status"]["400"], 1, "{stats}");
}

#[tokio::test]
async fn a_configured_version_newer_than_any_falls_back_too() {
    let sim = start("ado-server-2020").await;
    let high = sim.with(|cfg| cfg.api_version = ApiVersion { major: 9, minor: 0 });
    let facts = high.probe_connection().await.unwrap();
    assert_eq!(facts.api_version, ApiVersion { major: 6, minor: 0 });
}

#[tokio::test]
async fn invisible_or_missing_work_item() {
    let sim = start("demo").await;
    let c = sim.connector();
    assert!(
        c.get_many(&[ItemId::new("999999")])
            .await
            .unwrap()
            .is_empty()
    );
    let mut changes = FieldChanges::default();
    changes
        .fields
        .insert("System.Title".into(), Some("x".into()));
    let e = c
        .update(&ItemId::new("999999"), &changes, None)
        .await
        .unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::NotFoundOrHidden {
            what: "work item 999999".into()
        },
        "{e}"
    );
    assert_eq!(e.evidence().code.as_deref(), Some("TF401232"));
}

#[tokio::test]
async fn stale_revision_and_rule_validation() {
    let sim = start("demo").await;
    let c = sim.connector();
    let w = c.create(&story("guarded"), marker()).await.unwrap();
    let mut changes = FieldChanges::default();
    changes
        .fields
        .insert("System.Title".into(), Some("v2".into()));
    let w2 = c.update(&w.id, &changes, Some(&w.revision)).await.unwrap();
    let e = c
        .update(&w.id, &changes, Some(&w.revision))
        .await
        .unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::StaleRevision {
            expected: w.revision.0.clone(),
            actual: None
        },
        "{e}"
    );
    assert_eq!(e.evidence().status, Some(412));
    assert_ne!(w2.revision, w.revision);
    let mut untitled = NewItem {
        item_type: "Bug".into(),
        ..NewItem::default()
    };
    untitled.fields.insert("System.Title".into(), "".into());
    let e = c.create(&untitled, marker()).await.unwrap_err();
    let ErrorKind::Validation { fields } = e.kind() else {
        panic!("{e}")
    };
    assert!(
        fields.iter().any(|f| f.field.contains("Title")),
        "{fields:?}"
    );
}

#[tokio::test]
async fn garbage_token_is_rejected_and_bearer_works() {
    let sim = start("demo").await;
    let bad = sim.with(|cfg| {
        cfg.auth = AdoAuth::Pat(SecretString::from("not-a-real-token-at-all".to_owned()));
    });
    let e = bad.identity().await.unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Unauthenticated { .. }), "{e}");
    assert_eq!(
        e.evidence().status,
        Some(401),
        "X-TFS-FedAuthRedirect: Suppress gives a 401, not a sign-in page"
    );
    let bearer = sim.with(|cfg| {
        cfg.auth = AdoAuth::Bearer(SecretString::from("demo-ado-bearer-alice".to_owned()));
    });
    assert_eq!(
        bearer.identity().await.unwrap().person.email.as_deref(),
        Some("alice@example.com")
    );
}

#[tokio::test]
async fn tls_with_the_simulators_ca() {
    let sim = start_text(
        "description = \"tls\"\n[ado]\nextends = \"demo\"\n[ado.tls]\nenabled = true\nca_name = \"Contoso Corporate SSL Inspection CA\"\n",
    )
    .await;
    assert_eq!(sim.url().scheme(), "https");
    let untrusted = sim.with(|cfg| cfg.http.ca_bundle_pem = None);
    let e = untrusted.identity().await.unwrap_err();
    let ErrorKind::Tls {
        problem, issuer, ..
    } = e.kind()
    else {
        panic!("{e}")
    };
    assert_eq!(*problem, TlsProblem::UntrustedIssuer);
    assert!(
        issuer
            .as_deref()
            .is_some_and(|i| i.contains("Contoso Corporate SSL Inspection CA")),
        "{e}"
    );
    let c = sim.connector();
    c.identity().await.unwrap();
    assert!(c.probe_transport().peer_certificate.unwrap().verified);
}

#[tokio::test]
async fn server_errors_html_pages_and_refused_connections() {
    let sim = start("demo").await;
    let c = sim.connector();
    sim.faults(serde_json::json!({ "error_rate": 1.0, "error_status": 500 }))
        .await;
    let e = c.identity().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Server { status: 500 });
    sim.reset_stats().await;
    let e = c.create(&story("x"), marker()).await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Server { status: 500 });
    assert_eq!(
        sim.stats().await["writes"],
        1,
        "a create is never repeated blindly"
    );
    sim.faults(serde_json::json!({ "error_rate": 0.0, "html_login": true }))
        .await;
    let e = c.identity().await.unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::HtmlInsteadOfJson { .. }
                | ErrorKind::Unauthenticated {
                    problem: AuthProblem::SignInRedirect
                }
        ),
        "{e}"
    );
    sim.faults(serde_json::json!({ "html_login": false })).await;
    let dead = sim.with(|cfg| cfg.pacing.max_retries = 0);
    sim.handle.shutdown().await;
    let e = dead.identity().await.unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Network {
                problem: NetworkProblem::Refused,
                ..
            }
        ),
        "{e}"
    );
}
