//! Every error class, from the simulator's real answers, mapped to its typed cause with the
//! evidence that proves it.

use tandem_connector::error::{AuthProblem, ErrorKind, NetworkProblem, TlsProblem};
use tandem_connector::{Connector, FieldChanges, ItemId, Marker, NewItem, Revision};
use tandem_jira::config::{Flavor, JiraAuth};

use crate::support::{start, start_text};

fn new_item(summary: &str) -> NewItem {
    let mut item = NewItem {
        item_type: "Task".into(),
        ..NewItem::default()
    };
    item.fields.insert("summary".into(), summary.into());
    item
}

fn marker() -> Marker {
    Marker(uuid::Uuid::new_v4())
}

#[tokio::test]
async fn demo_identity_is_the_sync_user() {
    let sim = start("demo").await;
    let id = sim.connector().identity().await.unwrap();
    assert_eq!(id.person.email.as_deref(), Some("sync-bot@example.com"));
    assert!(!id.person.id.is_empty());
}

#[tokio::test]
async fn wrong_user_token_authenticates_as_someone_else() {
    let sim = start("wrong-user-token").await;
    let me = sim.connector().probe_myself().await.unwrap();
    // Not an error: the evidence the doctor compares with the intended user.
    assert_eq!(me.person.email.as_deref(), Some("alice@example.com"));
    assert_ne!(me.person.email.as_deref(), sim.hints.user.as_deref());
}

#[tokio::test]
async fn expired_token_is_rejected_on_myself_and_anonymous_elsewhere() {
    let sim = start("expired-token").await;
    let c = sim.connector();
    let e = c.identity().await.unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::Unauthenticated {
            problem: AuthProblem::Rejected
        },
        "{e}"
    );
    assert_eq!(e.evidence().status, Some(401));
    assert_eq!(
        e.evidence().header("X-Seraph-LoginReason"),
        Some("AUTHENTICATED_FAILED")
    );
    let e = c.probe_projects().await.unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::Unauthenticated {
            problem: AuthProblem::AnonymousFallback
        },
        "{e}"
    );
    assert_eq!(e.evidence().status, Some(200));
    assert!(
        e.to_string()
            .contains("Empty project list — probably not authenticated"),
        "{e}"
    );
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn scoped_token_fails_on_the_site_and_works_through_the_gateway() {
    let sim = start("scoped-token").await;
    let site = sim.with(|c| {
        if let JiraAuth::ScopedToken { email, token, .. } = c.auth.clone() {
            c.auth = JiraAuth::CloudToken { email, token };
        }
    });
    let e = site.identity().await.unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Unauthenticated { .. }), "{e}");
    let tenant = site.probe_tenant_info().await.unwrap();
    let me = site
        .probe_gateway_myself(&sim.url(), &tenant.cloud_id)
        .await
        .unwrap();
    assert_eq!(me.person.email.as_deref(), Some("sync-bot@example.com"));

    // Configured as a scoped token: reads work through the gateway, writes lack the scope.
    let gw = sim.with(|c| {
        if let JiraAuth::CloudToken { email, token } | JiraAuth::ScopedToken { email, token, .. } =
            c.auth.clone()
        {
            c.auth = JiraAuth::ScopedToken {
                email,
                token,
                gateway: sim.url(),
                cloud_id: None,
            };
        }
    });
    assert_eq!(
        gw.identity().await.unwrap().person.email.as_deref(),
        Some("sync-bot@example.com")
    );
    let e = gw.create(&new_item("scoped"), marker()).await.unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::Unauthenticated {
            problem: AuthProblem::ScopeMismatch
        },
        "{e}"
    );
}

#[tokio::test]
async fn no_browse_hides_the_project_and_its_issues() {
    let sim = start("no-browse").await;
    let c = sim.connector();
    let projects = c.probe_projects().await.unwrap();
    assert!(!projects.iter().any(|p| p.key == "DEMO"), "{projects:?}");
    let e = c.probe_edit_fields("DEMO-1").await.unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::NotFoundOrHidden {
            what: "issue DEMO-1".into()
        },
        "{e}"
    );
    assert!(
        e.evidence()
            .messages
            .iter()
            .any(|m| m.contains("do not have permission to see it")),
        "{e}"
    );
    let e = c
        .probe_permissions(Some("DEMO"), &["BROWSE_PROJECTS"])
        .await
        .unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::NotFoundOrHidden {
            what: "project DEMO".into()
        },
        "{e}"
    );
}

#[tokio::test]
async fn no_create_is_a_permission_problem_not_a_screen_problem() {
    let sim = start("no-create").await;
    let e = sim
        .connector()
        .create(&new_item("x"), marker())
        .await
        .unwrap_err();
    let ErrorKind::PermissionDenied { operation, project } = e.kind() else {
        panic!("{e}")
    };
    assert!(operation.contains("CREATE_ISSUES"), "{operation}");
    assert_eq!(project.as_deref(), Some("DEMO"));
    // The evidence keeps Jira's misleading words.
    assert!(
        e.evidence()
            .messages
            .iter()
            .any(|m| m.contains("cannot be set")),
        "{e}"
    );
}

#[tokio::test]
async fn no_edit_is_a_permission_problem() {
    let sim = start("no-edit").await;
    let c = sim.connector();
    let item = c.get_many(&[ItemId::new("DEMO-1")]).await.unwrap();
    let id = item
        .first()
        .map(|i| i.id.clone())
        .unwrap_or_else(|| ItemId::new("DEMO-1"));
    let mut changes = FieldChanges::default();
    changes
        .fields
        .insert("summary".into(), Some("edited".into()));
    let e = c.update(&id, &changes, None).await.unwrap_err();
    let ErrorKind::PermissionDenied { operation, .. } = e.kind() else {
        panic!("{e}")
    };
    assert!(operation.contains("EDIT_ISSUES"), "{operation}");
}

#[tokio::test]
async fn jsm_customer_cannot_create_in_the_service_project() {
    let sim = start("jsm-customer").await;
    let c = sim.connector();
    let me = c.probe_myself().await.unwrap();
    assert!(
        !me.application_roles.iter().any(|r| r == "jira-servicedesk"),
        "{me:?}"
    );
    let e = c.create(&new_item("help me"), marker()).await.unwrap_err();
    let ErrorKind::PermissionDenied { operation, project } = e.kind() else {
        panic!("{e}")
    };
    assert!(operation.contains("CREATE_ISSUES"), "{operation}");
    assert_eq!(project.as_deref(), Some("HELP"));
    let agent = c
        .probe_permissions(Some("HELP"), &["SERVICEDESK_AGENT"])
        .await
        .unwrap();
    assert_eq!(agent.missing(), vec!["SERVICEDESK_AGENT"]);
}

#[tokio::test]
async fn cloud_mode_against_data_center() {
    let sim = start("datacenter").await;
    let c = sim.connector();
    let info = c.probe_server_info().await.unwrap();
    assert_eq!(info.deployment_type.flavor(), Some(Flavor::DataCenter));
    // An e-mail and API token mean nothing to Data Center: rejected, while serverInfo (read
    // without credentials) says which flavour the site is, so the doctor can name the mode.
    let e = c.identity().await.unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::Unauthenticated {
            problem: AuthProblem::Rejected
        },
        "{e}"
    );
    assert_eq!(
        e.evidence().header("X-Seraph-LoginReason"),
        Some("AUTHENTICATED_FAILED")
    );
    // Set to Data Center with the user name and password, it works.
    let dc = sim.with(|c| {
        c.flavor = Flavor::DataCenter;
        c.auth = JiraAuth::Password {
            user: "sync-bot".into(),
            password: secrecy::SecretString::from("demo-jira-password-sync-bot".to_owned()),
        };
    });
    let id = dc.identity().await.unwrap();
    assert_eq!(id.person.login.as_deref(), Some("sync-bot"));
}

#[tokio::test]
async fn captcha_names_the_login_url() {
    let sim = start("captcha").await;
    let e = sim.connector().identity().await.unwrap_err();
    let ErrorKind::Unauthenticated {
        problem: AuthProblem::Captcha { login_url },
    } = e.kind()
    else {
        panic!("{e}")
    };
    assert!(
        login_url.as_deref().is_some_and(|u| u.contains("login")),
        "{e}"
    );
    assert_eq!(
        e.evidence().header("X-Seraph-LoginReason"),
        Some("AUTHENTICATION_DENIED")
    );
}

#[tokio::test]
async fn classic_token_as_bearer_on_cloud() {
    let sim = start("demo").await;
    let c = sim.with(|c| {
        c.flavor = Flavor::DataCenter;
        c.auth = JiraAuth::Pat {
            token: secrecy::SecretString::from("demo-jira-token-sync-bot".to_owned()),
        };
    });
    let e = c.identity().await.unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::Unauthenticated {
            problem: AuthProblem::BearerNotAccepted
        },
        "{e}"
    );
}

#[tokio::test]
async fn sso_login_page_instead_of_json() {
    let sim = start("sso-login-page").await;
    let e = sim.connector().identity().await.unwrap_err();
    let ErrorKind::HtmlInsteadOfJson { title } = e.kind() else {
        panic!("{e}")
    };
    assert!(title.is_some(), "{e}");
}

#[tokio::test]
async fn tls_untrusted_names_the_issuer_and_the_ca_bundle_fixes_it() {
    let sim = start("tls-intercepted").await;
    assert_eq!(sim.url().scheme(), "https");
    let e = sim.connector().identity().await.unwrap_err();
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
    assert!(e.to_string().contains("CA bundle"), "{e}");
    let trusted = sim.with(|c| c.http.ca_bundle_pem = sim.ca_pem());
    assert!(trusted.identity().await.is_ok());
    let facts = trusted.probe_transport();
    let peer = facts.peer_certificate.unwrap();
    assert!(peer.verified);
    assert!(
        peer.issuer
            .unwrap()
            .contains("Contoso Corporate SSL Inspection CA")
    );
}

#[tokio::test]
async fn stale_revision_and_validation() {
    let sim = start("demo").await;
    let c = sim.connector();
    let w = c.create(&new_item("guarded"), marker()).await.unwrap();
    let mut changes = FieldChanges::default();
    changes.fields.insert("summary".into(), Some("v2".into()));
    let e = c
        .update(
            &w.id,
            &changes,
            Some(&Revision("2000-01-01T00:00:00.000+0000".into())),
        )
        .await
        .unwrap_err();
    let ErrorKind::StaleRevision { actual, .. } = e.kind() else {
        panic!("{e}")
    };
    assert_eq!(actual.as_ref(), Some(&w.revision.0));
    let mut bad = new_item("bad type");
    bad.item_type = "NoSuchType".into();
    let e = c.create(&bad, marker()).await.unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Validation { fields } if !fields.is_empty()),
        "{e}"
    );
}

#[tokio::test]
async fn server_errors_are_retried_on_reads_and_surface_on_creates() {
    let sim = start("demo").await;
    let c = sim.connector();
    sim.faults(serde_json::json!({ "error_rate": 1.0, "error_status": 503 }))
        .await;
    let e = c.identity().await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Server { status: 503 }, "{e}");
    assert!(e.is_retryable());
    assert_eq!(
        c.pace_stats().retries,
        4,
        "a read is retried up to the limit"
    );
    sim.reset_stats().await;
    let e = c.create(&new_item("x"), marker()).await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Server { status: 503 }, "{e}");
    assert_eq!(
        sim.stats().await["writes"],
        1,
        "a create is never repeated blindly"
    );
    // Intermittent errors are absorbed by the retries. The simulator draws its faults at
    // random, so the bound leaves room for chance: with 5 attempts per read at a 30% error
    // rate, one read fails with p = 0.3^5 (0.24%), two of five with p < 0.01%.
    sim.faults(serde_json::json!({ "error_rate": 0.3, "error_status": 502 }))
        .await;
    let mut ok = 0;
    for _ in 0..5 {
        if c.identity().await.is_ok() {
            ok += 1;
        }
    }
    assert!(
        ok >= 4,
        "only {ok} of 5 reads got through intermittent 502s"
    );
}

#[tokio::test]
async fn network_refused_after_the_site_is_gone() {
    let sim = start_text("description = \"x\"\n[jira]\nextends = \"demo\"\n").await;
    let c = sim.with(|c| c.pacing.max_retries = 0);
    let sim_url = sim.url();
    sim.handle.shutdown().await;
    let e = c.identity().await.unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Network {
                problem: NetworkProblem::Refused,
                ..
            }
        ),
        "{e} ({sim_url})"
    );
}
