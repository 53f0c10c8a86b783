//! Case tables for the diagnosis: a healthy profile's evidence, one change per case, and the
//! finding and exit code that change must produce.

use std::collections::BTreeMap;

use jiff::civil::date;
use tandem_ado::config::ApiVersion;
use tandem_ado::probe::{
    AdoIdentity, AdoProject, ClassificationNode, ConnectionFacts, DeploymentType as AdoDeployment,
    ValidatedCreate,
};
use tandem_config::{AdoAuth, JiraAuth, JiraMode, Side as ConfigSide, TokenRecord};
use tandem_connector::Person;
use tandem_connector::error::{
    AuthProblem, ConnectorError, ErrorKind, Evidence as ErrorEvidence, NetworkProblem, RequestInfo,
    Side as ConnSide, TlsProblem,
};
use tandem_jira::probe::{
    DeploymentType, FieldInfo, IssueTypeInfo, Myself, PermissionReport, ProjectSummary, ServerInfo,
    TenantInfo,
};

use super::diagnose;
use crate::code::{Code, Severity};
use crate::evidence::{
    AdoEvidence, Evidence, JiraEvidence, JiraNeeds, JiraProjectEvidence, NetworkPath, SetupError,
};
use crate::finding::Finding;
use crate::verdict::verdict;

const SITE: &str = "https://example.atlassian.net";
const ORG: &str = "https://dev.azure.com/example";
const PERMS: [&str; 7] = [
    "BROWSE_PROJECTS",
    "CREATE_ISSUES",
    "EDIT_ISSUES",
    "TRANSITION_ISSUES",
    "ADD_COMMENTS",
    "CREATE_ATTACHMENTS",
    "LINK_ISSUES",
];

fn err(side: ConnSide, kind: ErrorKind, status: Option<u16>, url: &str) -> ConnectorError {
    ConnectorError::new(side, kind)
        .with_request(RequestInfo {
            method: "GET".into(),
            url: url.into(),
        })
        .with_evidence(ErrorEvidence {
            status,
            ..ErrorEvidence::default()
        })
}

fn jerr(kind: ErrorKind, status: Option<u16>) -> ConnectorError {
    err(
        ConnSide::Jira,
        kind,
        status,
        &format!("{SITE}/rest/api/3/myself"),
    )
}

fn aerr(kind: ErrorKind, status: Option<u16>) -> ConnectorError {
    err(
        ConnSide::Ado,
        kind,
        status,
        &format!("{ORG}/_apis/connectionData"),
    )
}

fn person(id: &str, name: &str, email: Option<&str>) -> Person {
    Person {
        id: id.into(),
        display_name: Some(name.into()),
        email: email.map(str::to_owned),
        login: None,
    }
}

fn myself(id: &str, name: &str, email: Option<&str>) -> Myself {
    Myself {
        person: person(id, name, email),
        account_type: Some("atlassian".into()),
        active: Some(true),
        application_roles: vec!["jira-software".into(), "jira-servicedesk".into()],
        groups: vec![],
        time_zone: None,
    }
}

fn record(side: ConfigSide, expires: jiff::civil::Date, rotate: Option<u32>) -> TokenRecord {
    TokenRecord {
        profile: "web".into(),
        side,
        created_by: "ops".into(),
        account: "sync-bot@example.com".into(),
        location: "https://id.atlassian.com/manage-profile/security/api-tokens".into(),
        created: date(2026, 1, 1),
        expires: Some(expires),
        rotate_every_days: rotate,
        recorded_at: jiff::Timestamp::UNIX_EPOCH,
        replaced_at: None,
    }
}

fn field(id: &str, required: bool) -> FieldInfo {
    FieldInfo {
        id: id.into(),
        name: Some(id.into()),
        required,
        has_default: false,
        operations: vec!["set".into()],
        schema_type: None,
        custom_type: None,
        allowed_values: vec![],
    }
}

fn project_ev(key: &str, kind: &str, permissions: &[(&str, bool)]) -> JiraProjectEvidence {
    JiraProjectEvidence {
        key: key.into(),
        project: Some(Ok(ProjectSummary {
            id: Some("10000".into()),
            key: key.into(),
            name: Some(key.into()),
            project_type_key: Some(kind.into()),
        })),
        visible_projects: None,
        permissions: Some(Ok(PermissionReport {
            project: Some(key.into()),
            permissions: permissions
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect::<BTreeMap<_, _>>(),
        })),
        create_types: Some(Ok(vec![IssueTypeInfo {
            id: "10002".into(),
            name: "Task".into(),
            subtask: false,
        }])),
        create_fields: vec![(
            "Task".into(),
            Ok(vec![
                field("summary", true),
                field("description", false),
                field("project", true),
                field("issuetype", true),
            ]),
        )],
    }
}

/// A Jira Cloud site and an Azure DevOps organisation where everything works.
pub(crate) fn healthy() -> Evidence {
    let all: Vec<(&str, bool)> = PERMS.iter().map(|k| (*k, true)).collect();
    Evidence {
        profile: "web".into(),
        today: date(2026, 6, 1),
        token_warning_days: 14,
        jira: JiraEvidence {
            site: SITE.into(),
            mode: JiraMode::Cloud,
            auth: JiraAuth::CloudApiToken,
            intended_user: "sync-bot@example.com".into(),
            login: Some("sync-bot@example.com".into()),
            gateway: "https://api.atlassian.com".into(),
            needs: JiraNeeds {
                projects: vec!["WEB".into()],
                permissions: PERMS.iter().map(|s| (*s).to_owned()).collect(),
                issue_types: vec!["Task".into()],
                fields: vec!["summary".into(), "description".into()],
            },
            token_record: Some(record(ConfigSide::Jira, date(2027, 1, 1), None)),
            setup_error: None,
            server_info: Some(Ok(ServerInfo {
                base_url: Some(SITE.into()),
                version: Some("1001.0.0-SNAPSHOT".into()),
                deployment_type: DeploymentType::Cloud,
                build_number: Some(100_000),
                server_title: Some("Example".into()),
            })),
            myself: Some(Ok(myself(
                "712020:sync",
                "Sync Bot",
                Some("sync-bot@example.com"),
            ))),
            project_list: None,
            tenant: None,
            gateway_myself: None,
            projects: vec![project_ev("WEB", "software", &all)],
            write: None,
            path: NetworkPath::default(),
        },
        ado: AdoEvidence {
            url: ORG.into(),
            project: "Web".into(),
            area_path: Some("Web\\Frontend".into()),
            intended_user: "sync-bot@example.com".into(),
            auth: AdoAuth::Pat,
            needed_types: vec!["Task".into()],
            writes: true,
            token_record: Some(record(ConfigSide::Ado, date(2027, 1, 1), None)),
            setup_error: None,
            connection: Some(Ok(ConnectionFacts {
                authenticated_user: Some(AdoIdentity {
                    person: person("5f0c", "Sync Bot", Some("sync-bot@example.com")),
                    descriptor: None,
                    subject_descriptor: None,
                }),
                authorized_user: None,
                deployment_type: AdoDeployment::Hosted,
                instance_id: None,
                api_version: ApiVersion::LATEST,
            })),
            project_probe: Some(Ok(AdoProject {
                id: Some("p1".into()),
                name: "Web".into(),
                state: Some("wellFormed".into()),
            })),
            visible_projects: None,
            area: Some(Ok(ClassificationNode {
                id: Some(1),
                identifier: None,
                name: "Frontend".into(),
                path: Some("\\Web\\Area\\Frontend".into()),
                has_children: false,
            })),
            work_item_types: Some(Ok(vec!["Task".into(), "Bug".into(), "User Story".into()])),
            write: Some((
                "Task".into(),
                Ok(ValidatedCreate {
                    item_type: "Task".into(),
                    area_path: Some("Web\\Frontend".into()),
                }),
            )),
            path: NetworkPath::default(),
        },
    }
}

fn set_perm(ev: &mut Evidence, key: &str, held: bool) {
    if let Some(Some(Ok(r))) = ev.jira.projects.first_mut().map(|p| p.permissions.as_mut()) {
        r.permissions.insert(key.to_owned(), held);
    }
}

fn codes(findings: &[Finding], severity: Severity) -> Vec<Code> {
    findings
        .iter()
        .filter(|f| f.severity == severity)
        .map(|f| f.code)
        .collect()
}

type Case = (&'static str, fn(&mut Evidence), Option<Code>, u8);

fn cases() -> Vec<Case> {
    vec![
        ("healthy", |_| {}, None, 0),
        (
            "jira unreachable",
            |e| {
                e.jira.server_info = Some(Err(jerr(
                    ErrorKind::Network {
                        problem: NetworkProblem::Refused,
                        reason: "connection refused".into(),
                    },
                    None,
                )));
            },
            Some(Code::NetUnreachable),
            4,
        ),
        (
            "tls intercepted",
            |e| {
                e.jira.server_info = Some(Err(jerr(
                    ErrorKind::Tls {
                        problem: TlsProblem::UntrustedIssuer,
                        issuer: Some(
                            "CN=Contoso Corporate SSL Inspection CA, O=Contoso Ltd".into(),
                        ),
                        subject: Some("CN=127.0.0.1".into()),
                        reason: "invalid peer certificate: UnknownIssuer".into(),
                    },
                    None,
                )));
            },
            Some(Code::NetTlsUntrusted),
            4,
        ),
        (
            "sso page",
            |e| {
                e.jira.server_info = Some(Err(jerr(
                    ErrorKind::HtmlInsteadOfJson {
                        title: Some("Sign in".into()),
                    },
                    Some(200),
                )));
            },
            Some(Code::NetHtmlInsteadOfJson),
            4,
        ),
        (
            "proxy refuses",
            |e| {
                e.ado.connection = Some(Err(aerr(
                    ErrorKind::Proxy {
                        proxy: "http://proxy:3128".into(),
                        reason: "407".into(),
                    },
                    Some(407),
                )));
            },
            Some(Code::NetProxy),
            4,
        ),
        (
            "cloud mode against data center",
            |e| {
                if let Some(Ok(i)) = e.jira.server_info.as_mut() {
                    i.deployment_type = DeploymentType::Server;
                }
            },
            Some(Code::JiraModeMismatch),
            5,
        ),
        (
            "data center pat against cloud, mode auto",
            |e| {
                e.jira.mode = JiraMode::Auto;
                e.jira.auth = JiraAuth::DcPat;
            },
            Some(Code::JiraModeMismatch),
            5,
        ),
        (
            "classic token sent as bearer",
            |e| {
                e.jira.myself = Some(Err(jerr(
                    ErrorKind::Unauthenticated {
                        problem: AuthProblem::BearerNotAccepted,
                    },
                    Some(403),
                )));
            },
            Some(Code::JiraModeMismatch),
            5,
        ),
        (
            "email as data center user name",
            |e| {
                if let Some(Ok(i)) = e.jira.server_info.as_mut() {
                    i.deployment_type = DeploymentType::Server;
                }
                e.jira.mode = JiraMode::DataCenter;
                e.jira.auth = JiraAuth::DcPassword;
                e.jira.myself = Some(Err(jerr(
                    ErrorKind::Unauthenticated {
                        problem: AuthProblem::Rejected,
                    },
                    Some(401),
                )));
            },
            Some(Code::JiraModeMismatch),
            5,
        ),
        (
            "expired or wrong token",
            |e| {
                e.jira.myself = Some(Err(jerr(
                    ErrorKind::Unauthenticated {
                        problem: AuthProblem::Rejected,
                    },
                    Some(401),
                )));
            },
            Some(Code::JiraUnauthenticated),
            2,
        ),
        (
            "scoped token",
            |e| {
                e.jira.myself = Some(Err(jerr(
                    ErrorKind::Unauthenticated {
                        problem: AuthProblem::Rejected,
                    },
                    Some(401),
                )));
                e.jira.tenant = Some(Ok(TenantInfo {
                    cloud_id: "8f3c".into(),
                }));
                e.jira.gateway_myself = Some(Ok(myself(
                    "712020:sync",
                    "Sync Bot",
                    Some("sync-bot@example.com"),
                )));
            },
            Some(Code::JiraScopedToken),
            2,
        ),
        (
            "captcha",
            |e| {
                e.jira.myself = Some(Err(jerr(
                    ErrorKind::Unauthenticated {
                        problem: AuthProblem::Captcha {
                            login_url: Some("https://jira.example.com/login.jsp".into()),
                        },
                    },
                    Some(403),
                )));
            },
            Some(Code::JiraCaptcha),
            2,
        ),
        (
            "another account's token",
            |e| {
                e.jira.login = Some("alice@example.com".into());
                e.jira.myself = Some(Ok(myself(
                    "712020:alice",
                    "Alice Admin",
                    Some("alice@example.com"),
                )));
            },
            Some(Code::JiraIdentityMismatch),
            2,
        ),
        (
            "another account's token, email hidden, named by the login sent",
            |e| {
                e.jira.login = Some("alice@example.com".into());
                e.jira.myself = Some(Ok(myself("712020:alice", "Alice Admin", None)));
            },
            Some(Code::JiraIdentityMismatch),
            2,
        ),
        (
            "hidden email, accepted with the sync user's email",
            |e| {
                e.jira.myself = Some(Ok(myself("712020:sync", "Sync Bot", None)));
            },
            None,
            0,
        ),
        (
            "data center pat of an unknown account",
            |e| {
                if let Some(Ok(i)) = e.jira.server_info.as_mut() {
                    i.deployment_type = DeploymentType::Server;
                }
                e.jira.mode = JiraMode::DataCenter;
                e.jira.auth = JiraAuth::DcPat;
                e.jira.login = None;
                e.jira.intended_user = "sync-bot".into();
                e.jira.myself = Some(Ok(myself("JIRAUSER10100", "Someone", None)));
            },
            Some(Code::JiraIdentityUnverified),
            0,
        ),
        (
            "project not visible",
            |e| {
                let p = &mut e.jira.projects[0];
                p.project = Some(Err(err(
                    ConnSide::Jira,
                    ErrorKind::NotFoundOrHidden {
                        what: "project WEB".into(),
                    },
                    Some(404),
                    &format!("{SITE}/rest/api/3/project/WEB"),
                )));
                p.visible_projects = Some(Ok(vec![]));
            },
            Some(Code::JiraProjectNotVisible),
            3,
        ),
        (
            "no create issues",
            |e| {
                set_perm(e, "CREATE_ISSUES", false);
                e.jira.projects[0].create_types = None;
                e.jira.projects[0].create_fields.clear();
            },
            Some(Code::JiraPermissionMissing),
            3,
        ),
        (
            "jsm customer",
            |e| {
                let p = &mut e.jira.projects[0];
                if let Some(Ok(s)) = p.project.as_mut() {
                    s.project_type_key = Some("service_desk".into());
                }
                set_perm(e, "SERVICEDESK_AGENT", false);
                set_perm(e, "CREATE_ISSUES", false);
                set_perm(e, "EDIT_ISSUES", false);
                e.jira.projects[0].create_types = None;
                e.jira.projects[0].create_fields.clear();
            },
            Some(Code::JiraJsmNotAgent),
            3,
        ),
        (
            "required field unmapped",
            |e| {
                if let Some((_, Ok(fields))) = e.jira.projects[0].create_fields.first_mut() {
                    fields.push(field("customfield_10020", true));
                }
            },
            Some(Code::JiraRequiredFieldUnmapped),
            5,
        ),
        (
            "mapped field not on screen",
            |e| e.jira.needs.fields.push("customfield_10016".into()),
            Some(Code::JiraFieldNotOnScreen),
            5,
        ),
        (
            "issue type missing",
            |e| e.jira.needs.issue_types.push("Story".into()),
            Some(Code::JiraIssueTypeMissing),
            5,
        ),
        (
            "token expiring",
            |e| e.jira.token_record = Some(record(ConfigSide::Jira, date(2026, 6, 5), None)),
            Some(Code::TokenExpiring),
            0,
        ),
        (
            "rotation overdue",
            |e| e.ado.token_record = Some(record(ConfigSide::Ado, date(2027, 1, 1), Some(90))),
            Some(Code::TokenRotationDue),
            0,
        ),
        (
            "secret unreadable",
            |e| {
                e.ado.setup_error = Some(SetupError::SecretUnreadable {
                    reference: "file:/etc/tandem/ado-token".into(),
                    reason: "no such file".into(),
                });
            },
            Some(Code::ConfigSecretUnreadable),
            5,
        ),
        (
            "ado pat expired",
            |e| {
                e.ado.connection = Some(Err(aerr(
                    ErrorKind::Unauthenticated {
                        problem: AuthProblem::Expired,
                    },
                    Some(401),
                )));
            },
            Some(Code::AdoPatExpired),
            2,
        ),
        (
            "ado token refused",
            |e| {
                e.ado.connection = Some(Err(aerr(
                    ErrorKind::Unauthenticated {
                        problem: AuthProblem::SignInRedirect,
                    },
                    Some(401),
                )));
            },
            Some(Code::AdoUnauthenticated),
            2,
        ),
        (
            "ado token of someone else",
            |e| {
                if let Some(Ok(c)) = e.ado.connection.as_mut() {
                    c.authenticated_user = Some(AdoIdentity {
                        person: person("d00d", "Jamie Contractor", Some("jamie@example.com")),
                        descriptor: None,
                        subject_descriptor: None,
                    });
                }
            },
            Some(Code::AdoIdentityMismatch),
            2,
        ),
        (
            "ado read-only pat",
            |e| {
                e.ado.write = Some((
                    "Task".into(),
                    Err(aerr(
                        ErrorKind::Unauthenticated {
                            problem: AuthProblem::NotAuthorizedForResource,
                        },
                        Some(401),
                    )),
                ));
            },
            Some(Code::AdoPatScopeMissing),
            2,
        ),
        (
            "ado area denied",
            |e| {
                e.ado.write = Some((
                    "Task".into(),
                    Err(aerr(
                        ErrorKind::PermissionDenied {
                            operation: "create a work item".into(),
                            project: Some("Web\\Frontend".into()),
                        },
                        Some(403),
                    )),
                ));
            },
            Some(Code::AdoAreaPermissionMissing),
            3,
        ),
        (
            "ado project hidden",
            |e| {
                e.ado.project_probe = Some(Err(aerr(
                    ErrorKind::NotFoundOrHidden {
                        what: "project Web".into(),
                    },
                    Some(404),
                )));
                e.ado.visible_projects = Some(Ok(vec![]));
            },
            Some(Code::AdoProjectNotVisible),
            3,
        ),
        (
            "ado too old",
            |e| {
                e.ado.connection = Some(Err(aerr(
                    ErrorKind::ApiVersion {
                        requested: "5.0".into(),
                        supported: Some("4.1".into()),
                    },
                    Some(400),
                )));
            },
            Some(Code::AdoApiVersionUnsupported),
            5,
        ),
        (
            "ado work item type missing",
            |e| e.ado.needed_types.push("Feature Request".into()),
            Some(Code::AdoWorkItemTypeMissing),
            5,
        ),
        (
            "network on one side wins over credentials on the other",
            |e| {
                e.jira.server_info = Some(Err(jerr(
                    ErrorKind::Network {
                        problem: NetworkProblem::Dns,
                        reason: "no such host".into(),
                    },
                    None,
                )));
                e.ado.connection = Some(Err(aerr(
                    ErrorKind::Unauthenticated {
                        problem: AuthProblem::Expired,
                    },
                    Some(401),
                )));
            },
            Some(Code::NetUnreachable),
            4,
        ),
        (
            "credentials on one side win over permissions on the other",
            |e| {
                set_perm(e, "EDIT_ISSUES", false);
                if let Some(Ok(c)) = e.ado.connection.as_mut() {
                    c.authenticated_user = Some(AdoIdentity {
                        person: person("d00d", "Jamie", Some("jamie@example.com")),
                        descriptor: None,
                        subject_descriptor: None,
                    });
                }
            },
            Some(Code::AdoIdentityMismatch),
            2,
        ),
        (
            "throttled but answered",
            |e| e.jira.path.throttled = 3,
            Some(Code::NetRateLimited),
            0,
        ),
    ]
}

#[test]
fn each_case_names_its_primary_finding_and_exit_code() {
    for (name, change, primary, exit) in cases() {
        let mut ev = healthy();
        change(&mut ev);
        let findings = diagnose(&ev);
        let v = verdict(&findings);
        assert_eq!(v.primary, primary, "case {name}: {findings:#?}");
        assert_eq!(v.exit_code, exit, "case {name}: {findings:#?}");
        for f in &findings {
            assert_eq!(f.cause, f.code.cause(), "case {name}");
            if f.severity >= Severity::Warning {
                assert!(!f.fix.is_empty(), "case {name}: {} has no fix", f.code);
            }
        }
    }
}

#[test]
fn healthy_evidence_passes_every_check() {
    let findings = diagnose(&healthy());
    assert!(
        codes(&findings, Severity::Error).is_empty(),
        "{findings:#?}"
    );
    assert!(
        codes(&findings, Severity::Warning).is_empty(),
        "{findings:#?}"
    );
    let ok = codes(&findings, Severity::Ok);
    for c in [
        Code::JiraReachable,
        Code::JiraIdentity,
        Code::JiraPermissions,
        Code::JiraCreateScreen,
        Code::AdoReachable,
        Code::AdoIdentity,
        Code::AdoProject,
        Code::AdoWorkItemTypes,
        Code::AdoWriteProbe,
        Code::TokenRecorded,
    ] {
        assert!(ok.contains(&c), "{c} missing from {ok:?}");
    }
}

fn one(findings: &[Finding], code: Code) -> &Finding {
    findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} in {findings:#?}"))
}

#[test]
fn an_unauthenticated_token_quotes_the_article_and_the_recorded_expiry() {
    let mut ev = healthy();
    ev.jira.myself = Some(Err(jerr(
        ErrorKind::Unauthenticated {
            problem: AuthProblem::Rejected,
        },
        Some(401),
    )));
    let mut listed = ErrorEvidence {
        status: Some(200),
        ..ErrorEvidence::default()
    };
    listed
        .headers
        .push(("X-Seraph-LoginReason".into(), "AUTHENTICATED_FAILED".into()));
    ev.jira.project_list = Some(Err(ConnectorError::new(
        ConnSide::Jira,
        ErrorKind::Unauthenticated {
            problem: AuthProblem::AnonymousFallback,
        },
    )
    .with_evidence(listed)));
    ev.jira.token_record = Some(record(ConfigSide::Jira, date(2026, 5, 30), None));
    let findings = diagnose(&ev);
    let f = one(&findings, Code::JiraUnauthenticated);
    assert!(
        f.summary
            .contains("Empty project list — probably not authenticated"),
        "{}",
        f.summary
    );
    assert!(
        f.summary.contains("recorded expiry passed") && f.summary.contains("2026-05-30"),
        "{}",
        f.summary
    );
    assert_eq!(
        f.evidence
            .headers
            .get("X-Seraph-LoginReason")
            .map(String::as_str),
        Some("AUTHENTICATED_FAILED")
    );
    assert_eq!(f.evidence.visible_projects, Some(vec![]));
    assert!(f.fix.iter().any(|s| s.contains("id.atlassian.com")));
    // The expiry is said once, in the authentication finding.
    assert!(!findings.iter().any(|f| f.code == Code::TokenExpiring));
    assert!(findings.iter().any(|f| f.code == Code::JiraChecksSkipped));
}

#[test]
fn an_identity_mismatch_names_both_accounts_and_skips_permissions() {
    let mut ev = healthy();
    ev.jira.login = Some("alice@example.com".into());
    ev.jira.myself = Some(Ok(myself(
        "712020:alice",
        "Alice Admin",
        Some("alice@example.com"),
    )));
    let findings = diagnose(&ev);
    let f = one(&findings, Code::JiraIdentityMismatch);
    assert!(
        f.summary.contains("Alice Admin <alice@example.com>"),
        "{}",
        f.summary
    );
    assert!(f.summary.contains("sync-bot@example.com"), "{}", f.summary);
    let who = f.evidence.authenticated_as.as_ref().unwrap();
    assert_eq!(who.email.as_deref(), Some("alice@example.com"));
    assert!(f.fix[0].contains("site admins"), "{:?}", f.fix);
    assert!(
        f.fix.iter().any(|s| s.contains("remove `login")),
        "{:?}",
        f.fix
    );
    assert!(!findings.iter().any(|f| f.code == Code::JiraPermissions));
}

#[test]
fn a_missing_create_permission_says_the_article_message() {
    let mut ev = healthy();
    set_perm(&mut ev, "CREATE_ISSUES", false);
    let findings = diagnose(&ev);
    let f = one(&findings, Code::JiraPermissionMissing);
    assert!(
        f.summary
            .contains("You cannot create issues in this project"),
        "{}",
        f.summary
    );
    assert_eq!(f.evidence.permission.as_deref(), Some("CREATE_ISSUES"));
    assert_eq!(f.evidence.permissions.get("CREATE_ISSUES"), Some(&false));
    assert!(
        f.fix[0].contains("Project settings > Permissions"),
        "{:?}",
        f.fix
    );
}

#[test]
fn a_jsm_customer_is_one_role_finding_not_many_permission_findings() {
    let mut ev = healthy();
    if let Some(Ok(s)) = ev.jira.projects[0].project.as_mut() {
        s.project_type_key = Some("service_desk".into());
    }
    for k in [
        "SERVICEDESK_AGENT",
        "CREATE_ISSUES",
        "EDIT_ISSUES",
        "TRANSITION_ISSUES",
    ] {
        set_perm(&mut ev, k, false);
    }
    if let Some(Ok(m)) = ev.jira.myself.as_mut() {
        m.application_roles = vec!["jira-software".into()];
    }
    let findings = diagnose(&ev);
    let f = one(&findings, Code::JiraJsmNotAgent);
    assert!(
        f.summary.contains("no Jira Service Management licence"),
        "{}",
        f.summary
    );
    assert!(
        f.fix.iter().any(|s| s.contains("Service Desk Team")),
        "{:?}",
        f.fix
    );
    assert!(
        !findings
            .iter()
            .any(|f| f.code == Code::JiraPermissionMissing)
    );
}

#[test]
fn an_untrusted_issuer_is_named_and_interception_suspected() {
    let mut ev = healthy();
    ev.jira.server_info = Some(Err(jerr(
        ErrorKind::Tls {
            problem: TlsProblem::UntrustedIssuer,
            issuer: Some("CN=Contoso Corporate SSL Inspection CA, O=Contoso Ltd".into()),
            subject: None,
            reason: "UnknownIssuer".into(),
        },
        None,
    )));
    let findings = diagnose(&ev);
    let f = one(&findings, Code::NetTlsUntrusted);
    assert!(
        f.summary.contains("Contoso Corporate SSL Inspection CA"),
        "{}",
        f.summary
    );
    assert!(f.summary.contains("TLS-inspecting proxy"), "{}", f.summary);
    assert!(f.fix.iter().any(|s| s.contains("ca_bundle")), "{:?}", f.fix);
}

#[test]
fn a_read_only_run_says_creation_was_not_proven() {
    let mut ev = healthy();
    ev.ado.write = None;
    let findings = diagnose(&ev);
    let f = one(&findings, Code::AdoWriteNotProven);
    assert_eq!(f.severity, Severity::Info);
    assert!(f.fix[0].contains("--probe-write"));
}

fn report_of(ev: &Evidence) -> crate::report::Report {
    crate::report::Report::new(
        ev.profile.clone(),
        crate::report::Targets {
            jira: Some(SITE.into()),
            ado: Some(ORG.into()),
        },
        diagnose(ev),
    )
}

#[test]
fn text_reports() {
    for (name, change, _, _) in cases() {
        let mut ev = healthy();
        change(&mut ev);
        let slug: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        insta::assert_snapshot!(format!("text-{slug}"), report_of(&ev).to_text());
    }
}

#[test]
fn json_report_of_an_identity_mismatch() {
    let mut ev = healthy();
    ev.jira.login = Some("alice@example.com".into());
    ev.jira.myself = Some(Ok(myself(
        "712020:alice",
        "Alice Admin",
        Some("alice@example.com"),
    )));
    let r = report_of(&ev);
    let line = r.to_json();
    assert!(!line.contains('\n'));
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    insta::assert_json_snapshot!("json-identity-mismatch", v);
}
