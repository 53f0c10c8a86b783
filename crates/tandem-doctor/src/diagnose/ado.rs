//! The Azure DevOps side, in the same order. Facts relied on: research ado-api.md §2 (PAT
//! outcomes: expired = 401 `AccessCheckException`, missing scope = 401 TF400813, sign-in
//! redirects; `connectionData` is the identity probe) and §4 (TF401232 hides what the identity
//! may not read; TF237111 is the area-path write permission).

use tandem_ado::config::ApiVersion;
use tandem_ado::probe::DeploymentType;
use tandem_config::Keyword as _;
use tandem_connector::Person;
use tandem_connector::error::{AuthProblem, ConnectorError, ErrorKind};

use super::text::and_list;
use super::{
    record_facts, recorded_expiry_passed, setup_finding, throttled_finding, token_findings,
    transport_finding,
};
use crate::code::{Code, Severity};
use crate::evidence::{AdoEvidence, Evidence};
use crate::finding::{Account, Finding, FindingEvidence, Side};

const SIDE: Side = Side::Ado;

pub(super) fn diagnose(ev: &Evidence, out: &mut Vec<Finding>) {
    let a = &ev.ado;
    if let Some(e) = &a.setup_error {
        out.push(setup_finding(SIDE, e));
        return;
    }
    let before = out.len();
    walk(ev, a, out);
    let stopped = out[before..].iter().any(|f| f.code == Code::NetRateLimited);
    if !stopped && let Some(f) = throttled_finding(SIDE, &a.path) {
        out.push(f);
    }
}

/// Whether `who` is the intended sync identity (by e-mail / UPN, unique name or id). Shared
/// by the probes (to stop) and the diagnosis (to say why).
pub(crate) fn ado_identity_matches(intended: &str, who: &Person) -> bool {
    let intended = intended.trim();
    [
        who.email.as_deref(),
        who.login.as_deref(),
        Some(who.id.as_str()),
    ]
    .into_iter()
    .flatten()
    .any(|n| !n.is_empty() && n.eq_ignore_ascii_case(intended))
}

fn url(a: &AdoEvidence) -> &str {
    a.url.trim_end_matches('/')
}

fn skipped(out: &mut Vec<Finding>, what: &str) {
    out.push(Finding::new(
        Code::AdoChecksSkipped,
        Severity::Info,
        Some(SIDE),
        format!("not checked: {what}"),
    ));
}

fn unexpected(a: &AdoEvidence, e: &ConnectorError, what: &str) -> Finding {
    let mut fe = FindingEvidence::from_error(e);
    fe.url = Some(a.url.clone());
    Finding::new(
        Code::NetUnexpectedResponse,
        Severity::Error,
        Some(SIDE),
        format!("Azure DevOps answered {what} unexpectedly: {}", e.summary()),
    )
    .evidence(fe)
    .fix([e.fix(), "Run `tandem doctor` again.".to_owned()])
}

fn pat_page(a: &AdoEvidence) -> String {
    format!("{}/_usersSettings/tokens", url(a))
}

fn new_pat_steps(a: &AdoEvidence, ev: &Evidence) -> Vec<String> {
    vec![
        format!(
            "Sign in to Azure DevOps as {} (the intended sync identity, best a dedicated \
             integration account).",
            a.intended_user
        ),
        format!(
            "Create a new personal access token at {} (User settings > Personal access tokens) \
             for this organization, with the scopes Work Items (Read & write) and Project and \
             Team (Read); copy it right away.",
            pat_page(a)
        ),
        format!(
            "Store it where the profile's `token` points and record its expiry: tandem token \
             record --profile {} --side ado --created-by <you> --expires <YYYY-MM-DD>.",
            ev.profile
        ),
        "Run `tandem doctor` again.".to_owned(),
    ]
}

fn walk(ev: &Evidence, a: &AdoEvidence, out: &mut Vec<Finding>) {
    // 1-4. Network, TLS, api-version, authentication: `connectionData`.
    let Some(conn) = &a.connection else { return };
    let facts = match conn {
        Ok(f) => f,
        Err(e) => {
            let f = transport_finding(SIDE, url(a), e, &a.path)
                .unwrap_or_else(|| connection_failure(ev, a, e));
            out.push(f);
            if matches!(e.kind(), ErrorKind::Unauthenticated { .. }) {
                token_findings(ev, SIDE, a.token_record.as_ref(), true, out);
            }
            skipped(
                out,
                "identity, project, area path, work item types and creation",
            );
            return;
        }
    };
    let (deployment, product) = match &facts.deployment_type {
        DeploymentType::Hosted => ("hosted".to_owned(), "Azure DevOps Services"),
        DeploymentType::OnPremises => ("onPremises".to_owned(), "Azure DevOps Server"),
        DeploymentType::Other(o) => (o.clone(), "Azure DevOps"),
    };
    let negotiated = if facts.api_version < ApiVersion::LATEST {
        format!(
            " (the newest it speaks; tandem prefers {})",
            ApiVersion::LATEST
        )
    } else {
        String::new()
    };
    let issuer = a
        .path
        .peer_certificate
        .as_ref()
        .filter(|c| c.verified)
        .and_then(|c| c.issuer.clone());
    let tls_note = issuer
        .as_deref()
        .map_or_else(String::new, |i| format!(", certificate issued by {i}"));
    let conn_request = format!("GET {}/_apis/connectionData", url(a));
    out.push(
        Finding::new(
            Code::AdoReachable,
            Severity::Ok,
            Some(SIDE),
            format!(
                "{product} answers at {}, REST API {}{negotiated}{tls_note}",
                url(a),
                facts.api_version
            ),
        )
        .evidence(FindingEvidence {
            request: Some(conn_request.clone()),
            status: Some(200),
            url: Some(a.url.clone()),
            server_deployment: Some(deployment),
            api_version: Some(facts.api_version.to_string()),
            issuer,
            proxy: a.path.proxy.clone(),
            ..FindingEvidence::default()
        }),
    );

    // 5. Identity.
    let intended = a.intended_user.trim();
    if let Some(who) = facts.authenticated_user.as_ref() {
        let p = &who.person;
        let account = Account::from(p);
        let same = ado_identity_matches(intended, p);
        let fe = FindingEvidence {
            request: Some(conn_request),
            status: Some(200),
            authenticated_as: Some(account.clone()),
            intended_user: Some(intended.to_owned()),
            auth: Some(a.auth.as_str().to_owned()),
            ..FindingEvidence::default()
        };
        if same {
            out.push(
                Finding::new(
                    Code::AdoIdentity,
                    Severity::Ok,
                    Some(SIDE),
                    format!("authenticates as {account}, the intended sync identity"),
                )
                .evidence(fe),
            );
        } else {
            let mut fix = vec![format!(
                "Do not mix identities: a personal access token acts as the identity that \
                 created it, so everything tandem did would be done (and audited) as {account}."
            )];
            fix.extend(new_pat_steps(a, ev));
            out.push(
                Finding::new(
                    Code::AdoIdentityMismatch,
                    Severity::Error,
                    Some(SIDE),
                    format!(
                        "The Azure DevOps token authenticates as {account}, not as the intended \
                         sync identity {intended}"
                    ),
                )
                .evidence(fe)
                .fix(fix),
            );
            token_findings(ev, SIDE, a.token_record.as_ref(), false, out);
            skipped(
                out,
                &format!(
                    "project, area path and creation (they would be {account}'s, not \
                     {intended}'s)"
                ),
            );
            return;
        }
    }

    // 6. Token records.
    token_findings(ev, SIDE, a.token_record.as_ref(), false, out);

    // 7. Project and area path.
    if let Some(project) = &a.project_probe {
        match project {
            Ok(_) => {}
            Err(e) => {
                out.push(read_failure(ev, a, e, "project"));
                skipped(out, "area path, work item types and creation");
                return;
            }
        }
    }
    let mut project_ok_note = format!("project {} is visible", a.project);
    if let (Some(area), Some(path)) = (&a.area, &a.area_path) {
        match area {
            Ok(_) => project_ok_note.push_str(&format!(", area path {path} exists")),
            Err(e) => {
                if let Some(f) = transport_finding(SIDE, url(a), e, &a.path) {
                    out.push(f);
                    return;
                }
                if matches!(e.kind(), ErrorKind::NotFoundOrHidden { .. }) {
                    let mut fe = FindingEvidence::from_error(e);
                    fe.project = Some(a.project.clone());
                    fe.area_path = Some(path.clone());
                    out.push(
                        Finding::new(
                            Code::AdoAreaPathMissing,
                            Severity::Error,
                            Some(SIDE),
                            format!(
                                "Area path {path} does not exist in {} (or {intended} may not \
                                 read it)",
                                a.project
                            ),
                        )
                        .evidence(fe)
                        .fix([
                            format!(
                                "Check `area_path` in [profile.ado] against Project settings > \
                                 Boards > Project configuration > Areas in {} (it starts with \
                                 the project's name, backslash-separated).",
                                a.project
                            ),
                            "Run `tandem doctor` again.".to_owned(),
                        ]),
                    );
                } else {
                    out.push(read_failure(ev, a, e, "area path"));
                }
                skipped(out, "work item types and creation");
                return;
            }
        }
    }
    if a.project_probe.as_ref().is_some_and(Result::is_ok) {
        out.push(
            Finding::new(Code::AdoProject, Severity::Ok, Some(SIDE), project_ok_note).evidence(
                FindingEvidence {
                    project: Some(a.project.clone()),
                    area_path: a.area_path.clone(),
                    ..FindingEvidence::default()
                },
            ),
        );
    }

    // 10. Work item types.
    if let Some(types) = &a.work_item_types {
        match types {
            Ok(types) => {
                let missing: Vec<&String> = a
                    .needed_types
                    .iter()
                    .filter(|t| !types.iter().any(|x| x.eq_ignore_ascii_case(t)))
                    .collect();
                for t in &missing {
                    out.push(
                        Finding::new(
                            Code::AdoWorkItemTypeMissing,
                            Severity::Error,
                            Some(SIDE),
                            format!(
                                "Work item type \"{t}\" (in the profile's type map) does not \
                                 exist in {}: it has {}",
                                a.project,
                                and_list(types)
                            ),
                        )
                        .evidence(FindingEvidence {
                            project: Some(a.project.clone()),
                            issue_type: Some((*t).clone()),
                            available_types: Some(types.clone()),
                            ..FindingEvidence::default()
                        })
                        .fix([
                            format!(
                                "Map the Jira type to one of {} in [[profile.type]] (the \
                                 project's process decides which exist).",
                                and_list(types)
                            ),
                            "Run `tandem doctor` again.".to_owned(),
                        ]),
                    );
                }
                if missing.is_empty() && !a.needed_types.is_empty() {
                    out.push(Finding::new(
                        Code::AdoWorkItemTypes,
                        Severity::Ok,
                        Some(SIDE),
                        format!(
                            "work item types {} exist in {}",
                            and_list(&a.needed_types),
                            a.project
                        ),
                    ));
                }
            }
            Err(e) => {
                out.push(read_failure(ev, a, e, "work item types"));
                return;
            }
        }
    }

    // 11. Creation: `--probe-write` asks for a validate-only create.
    match &a.write {
        None if a.writes => out.push(
            Finding::new(
                Code::AdoWriteNotProven,
                Severity::Info,
                Some(SIDE),
                "creating work items not proven (a read-only run): the PAT's write scope and \
                 the area path's \"Edit work items in this node\" show only on a write",
            )
            .fix([
                "Run `tandem doctor --probe-write`: Azure DevOps then validates a create \
                   (validateOnly=true) and saves nothing."
                    .to_owned(),
            ]),
        ),
        None => {}
        Some((item_type, Ok(_))) => out.push(
            Finding::new(
                Code::AdoWriteProbe,
                Severity::Ok,
                Some(SIDE),
                format!(
                    "{intended} may create a {item_type} under {} (validated, nothing saved)",
                    a.area_path.as_deref().unwrap_or(&a.project)
                ),
            )
            .evidence(FindingEvidence {
                issue_type: Some(item_type.clone()),
                area_path: a.area_path.clone(),
                ..FindingEvidence::default()
            }),
        ),
        Some((item_type, Err(e))) => out.push(write_failure(ev, a, item_type, e)),
    }
}

/// `connectionData` was refused.
fn connection_failure(ev: &Evidence, a: &AdoEvidence, e: &ConnectorError) -> Finding {
    let mut fe = FindingEvidence::from_error(e);
    fe.url = Some(a.url.clone());
    fe.intended_user = Some(a.intended_user.clone());
    fe.auth = Some(a.auth.as_str().to_owned());
    fe.token_record = a.token_record.as_ref().map(record_facts);
    match e.kind() {
        ErrorKind::ApiVersion {
            requested,
            supported,
        } => {
            fe.api_version = supported.clone();
            Finding::new(
                Code::AdoApiVersionUnsupported,
                Severity::Error,
                Some(SIDE),
                format!(
                    "{} does not speak a REST API version tandem knows (asked {requested}, \
                     newest offered: {}); tandem needs {} (Azure DevOps Server 2019) or newer",
                    url(a),
                    supported.as_deref().unwrap_or("unknown"),
                    ApiVersion::OLDEST
                ),
            )
            .evidence(fe)
            .fix([
                "Check that `url` is the organization or collection URL (Server: \
                 https://host/tfs/<collection>)."
                    .to_owned(),
                "A TFS older than Azure DevOps Server 2019 must be upgraded before tandem can \
                 sync with it."
                    .to_owned(),
            ])
        }
        ErrorKind::Unauthenticated { problem } => auth_failure(ev, a, problem, fe),
        _ => unexpected(a, e, "the connection request"),
    }
}

fn auth_failure(
    ev: &Evidence,
    a: &AdoEvidence,
    problem: &AuthProblem,
    fe: FindingEvidence,
) -> Finding {
    match problem {
        AuthProblem::Expired => {
            let recorded = recorded_expiry_passed(ev, a.token_record.as_ref())
                .map_or_else(String::new, |w| format!("; its record says it {w}"));
            Finding::new(
                Code::AdoPatExpired,
                Severity::Error,
                Some(SIDE),
                format!(
                    "The personal access token has expired (\"Access Denied: The Personal \
                     Access Token used has expired.\"){recorded}"
                ),
            )
            .evidence(fe)
            .fix(new_pat_steps(a, ev))
        }
        AuthProblem::NotAuthorizedForResource => Finding::new(
            Code::AdoPatScopeMissing,
            Severity::Error,
            Some(SIDE),
            "The token is refused for this resource (TF400813): it lacks a scope tandem needs"
                .to_owned(),
        )
        .evidence(fe)
        .fix(scope_steps(
            a,
            "Work Items (Read & write) and Project and Team (Read)",
        )),
        _ => {
            let recorded = recorded_expiry_passed(ev, a.token_record.as_ref()).map_or_else(
                || "the token is wrong, revoked or expired".to_owned(),
                |w| format!("the token's recorded expiry passed: it {w}"),
            );
            Finding::new(
                Code::AdoUnauthenticated,
                Severity::Error,
                Some(SIDE),
                format!("Azure DevOps does not accept the credentials: {recorded}"),
            )
            .evidence(fe)
            .fix(new_pat_steps(a, ev))
        }
    }
}

fn scope_steps(a: &AdoEvidence, scopes: &str) -> Vec<String> {
    vec![
        format!(
            "Sign in to Azure DevOps as {} and open {} (User settings > Personal access \
             tokens).",
            a.intended_user,
            pat_page(a)
        ),
        format!("Edit the token's scopes: {scopes} (or create a new token with them)."),
        "Run `tandem doctor` again.".to_owned(),
    ]
}

/// A read of the project, area or types failed.
fn read_failure(ev: &Evidence, a: &AdoEvidence, e: &ConnectorError, what: &str) -> Finding {
    if let Some(f) = transport_finding(SIDE, url(a), e, &a.path) {
        return f;
    }
    let mut fe = FindingEvidence::from_error(e);
    fe.project = Some(a.project.clone());
    fe.intended_user = Some(a.intended_user.clone());
    match e.kind() {
        ErrorKind::NotFoundOrHidden { .. } => {
            let seen: Option<Vec<String>> = match &a.visible_projects {
                Some(Ok(list)) => Some(list.iter().map(|p| p.name.clone()).collect()),
                _ => None,
            };
            fe.visible_projects.clone_from(&seen);
            let check = match &seen {
                Some(list) if list.is_empty() => format!(
                    "Check the project name {}; {} sees no project at all in this organization.",
                    a.project, a.intended_user
                ),
                Some(list) => format!(
                    "Check the project name {}: {} sees {}.",
                    a.project,
                    a.intended_user,
                    and_list(list)
                ),
                None => format!("Check the project name {}.", a.project),
            };
            Finding::new(
                Code::AdoProjectNotVisible,
                Severity::Error,
                Some(SIDE),
                format!(
                    "{} cannot see project {} (Azure DevOps answers a missing and a hidden \
                     project alike)",
                    a.intended_user, a.project
                ),
            )
            .evidence(fe)
            .fix([
                check,
                format!(
                    "Add {} to the project's Contributors group (Project settings > Permissions \
                     > Contributors > Members).",
                    a.intended_user
                ),
                "Run `tandem doctor` again.".to_owned(),
            ])
        }
        ErrorKind::Unauthenticated {
            problem: AuthProblem::NotAuthorizedForResource,
        } => Finding::new(
            Code::AdoPatScopeMissing,
            Severity::Error,
            Some(SIDE),
            format!(
                "The token may not read the {what} (401 TF400813): it lacks the Project and \
                 Team (Read) or Work Items (Read) scope"
            ),
        )
        .evidence(fe)
        .fix(scope_steps(
            a,
            "Work Items (Read & write) and Project and Team (Read)",
        )),
        ErrorKind::Unauthenticated { problem } => auth_failure(ev, a, problem, fe),
        _ => unexpected(a, e, &format!("about the {what}")),
    }
}

fn write_failure(ev: &Evidence, a: &AdoEvidence, item_type: &str, e: &ConnectorError) -> Finding {
    if let Some(f) = transport_finding(SIDE, url(a), e, &a.path) {
        return f;
    }
    let mut fe = FindingEvidence::from_error(e);
    fe.project = Some(a.project.clone());
    fe.area_path.clone_from(&a.area_path);
    fe.issue_type = Some(item_type.to_owned());
    fe.intended_user = Some(a.intended_user.clone());
    let area = a.area_path.as_deref().unwrap_or(&a.project);
    match e.kind() {
        ErrorKind::Unauthenticated {
            problem: AuthProblem::NotAuthorizedForResource,
        } => Finding::new(
            Code::AdoPatScopeMissing,
            Severity::Error,
            Some(SIDE),
            "The token reads but may not write work items (401 TF400813 on a validate-only \
             create): it lacks the Work Items (Read & write) scope"
                .to_owned(),
        )
        .evidence(fe)
        .fix(scope_steps(a, "Work Items (Read & write)")),
        ErrorKind::Unauthenticated { problem } => auth_failure(ev, a, problem, fe),
        ErrorKind::PermissionDenied { .. } => Finding::new(
            Code::AdoAreaPermissionMissing,
            Severity::Error,
            Some(SIDE),
            format!(
                "{} may not create or edit work items under {area} (\"Edit work items in this \
                 node\" is not allowed)",
                a.intended_user
            ),
        )
        .evidence(fe)
        .fix([
            format!(
                "In {}: Project settings > Boards > Project configuration > Areas > {area} > \
                 Security: set \"Edit work items in this node\" to Allow for {} (or a group it \
                 is in), and remove any Deny that overrides it.",
                a.project, a.intended_user
            ),
            "Run `tandem doctor --probe-write` again.".to_owned(),
        ]),
        _ => Finding::new(
            Code::AdoWriteRejected,
            Severity::Error,
            Some(SIDE),
            format!(
                "Azure DevOps refused a validate-only create of a {item_type} under {area}: {}",
                e.summary()
            ),
        )
        .evidence(fe)
        .fix([
            e.fix(),
            "Run `tandem doctor --probe-write` again.".to_owned(),
        ]),
    }
}
