//! The Jira side, in the article's order. Facts relied on: research jira-api.md §1 (what
//! wrong, expired, scoped and Bearer-sent tokens answer), §2 (`myself` is the reliable "who
//! am I"; anonymous fallback), §3 (`mypermissions`), §4 (the misleading "cannot be set"
//! errors), §5 (`serverInfo`), §6 (JSM agent vs customer).

use tandem_config::Keyword as _;
use tandem_config::{JiraAuth, JiraMode};
use tandem_connector::error::{AuthProblem, ConnectorError, ErrorKind};
use tandem_jira::Flavor;
use tandem_jira::probe::{DeploymentType, FieldInfo, Myself, ProjectSummary};

use super::text::{CLOUD_TOKEN_PAGE, and_list, manual_test, permission_name, permission_purpose};
use super::{
    record_facts, recorded_expiry_passed, setup_finding, throttled_finding, token_findings,
    transport_finding,
};
use crate::code::{Code, Severity};
use crate::evidence::{Evidence, JiraEvidence};
use crate::finding::{Account, Finding, FindingEvidence, Side};
use crate::needs::{BROWSE_PROJECTS, CREATE_ISSUES, SERVICEDESK_AGENT};

const SIDE: Side = Side::Jira;

/// Fields no create screen lists: Jira sets them itself or through other endpoints.
const NOT_ON_SCREENS: &[&str] = &[
    "project",
    "issuetype",
    "status",
    "resolution",
    "resolutiondate",
    "created",
    "updated",
    "creator",
    "key",
    "comment",
    "attachment",
    "issuelinks",
    "subtasks",
    "worklog",
    "votes",
    "watches",
];

pub(super) fn diagnose(ev: &Evidence, out: &mut Vec<Finding>) {
    let j = &ev.jira;
    if let Some(e) = &j.setup_error {
        out.push(setup_finding(SIDE, e));
        return;
    }
    let before = out.len();
    walk(ev, j, out);
    let stopped_by_throttling = out[before..].iter().any(|f| f.code == Code::NetRateLimited);
    if !stopped_by_throttling && let Some(f) = throttled_finding(SIDE, &j.path) {
        out.push(f);
    }
}

fn site(j: &JiraEvidence) -> &str {
    j.site.trim_end_matches('/')
}

fn skipped(out: &mut Vec<Finding>, what: &str) {
    out.push(Finding::new(
        Code::JiraChecksSkipped,
        Severity::Info,
        Some(SIDE),
        format!("not checked: {what}"),
    ));
}

fn unexpected(j: &JiraEvidence, e: &ConnectorError, what: &str) -> Finding {
    let mut ev = FindingEvidence::from_error(e);
    ev.url = Some(j.site.clone());
    Finding::new(
        Code::NetUnexpectedResponse,
        Severity::Error,
        Some(SIDE),
        format!("Jira answered {what} unexpectedly: {}", e.summary()),
    )
    .evidence(ev)
    .fix([e.fix(), "Run `tandem doctor` again.".to_owned()])
}

fn walk(ev: &Evidence, j: &JiraEvidence, out: &mut Vec<Finding>) {
    // 1. Network, TLS: serverInfo, asked anonymously.
    let Some(info) = &j.server_info else { return };
    let info = match info {
        Ok(info) => info,
        Err(e) => {
            out.push(
                transport_finding(SIDE, site(j), e, &j.path)
                    .unwrap_or_else(|| unexpected(j, e, "its server information")),
            );
            skipped(
                out,
                "mode, credentials, identity, projects, permissions and screens",
            );
            return;
        }
    };
    let server_flavor = info.deployment_type.flavor();
    let deployment = match &info.deployment_type {
        DeploymentType::Cloud => "Cloud".to_owned(),
        DeploymentType::Server => "Server".to_owned(),
        DeploymentType::DataCenter => "DataCenter".to_owned(),
        DeploymentType::Other(o) => o.clone(),
    };
    let product = match server_flavor {
        Some(Flavor::Cloud) => "Jira Cloud",
        Some(Flavor::DataCenter) => "Jira Data Center",
        None => "Jira",
    };
    let version = info.version.clone().unwrap_or_default();
    let issuer = j
        .path
        .peer_certificate
        .as_ref()
        .filter(|c| c.verified)
        .and_then(|c| c.issuer.clone());
    let server_ev = FindingEvidence {
        request: Some(format!("GET {}/rest/api/2/serverInfo", site(j))),
        status: Some(200),
        url: Some(j.site.clone()),
        configured_mode: Some(j.mode.as_str().to_owned()),
        server_deployment: Some(deployment.clone()),
        server_version: info.version.clone(),
        auth: Some(j.auth.as_str().to_owned()),
        issuer: issuer.clone(),
        proxy: j.path.proxy.clone(),
        ..FindingEvidence::default()
    };

    // 2. Deployment mode: the configured mode and credential kind against what the site is.
    if let Some(f) = mode_mismatch(j, server_flavor, product, &version, &deployment) {
        out.push(f.evidence(server_ev));
        skipped(
            out,
            "credentials, identity, projects, permissions and screens (fix the mode first)",
        );
        return;
    }
    let cloud = server_flavor.map_or(j.mode == JiraMode::Cloud || j.auth.is_cloud(), |f| {
        f == Flavor::Cloud
    });
    let mode_note = if j.mode == JiraMode::Auto {
        format!(
            ", mode auto -> {}",
            if cloud { "cloud" } else { "datacenter" }
        )
    } else {
        format!(", mode {}", j.mode.as_str())
    };
    let tls_note = issuer.map_or_else(String::new, |i| format!(", certificate issued by {i}"));
    out.push(
        Finding::new(
            Code::JiraReachable,
            Severity::Ok,
            Some(SIDE),
            format!(
                "{product} {version} answers at {}{mode_note}{tls_note}",
                site(j)
            ),
        )
        .evidence(server_ev),
    );

    // 3. Authentication and 4. identity: `myself`.
    let api = format!("{}/rest/api/{}", site(j), if cloud { 3 } else { 2 });
    let Some(me) = &j.myself else { return };
    let me = match me {
        Ok(me) => me,
        Err(e) => {
            let f = transport_finding(SIDE, site(j), e, &j.path)
                .unwrap_or_else(|| auth_failure(ev, j, e, cloud));
            out.push(f);
            token_findings(ev, SIDE, j.token_record.as_ref(), true, out);
            skipped(
                out,
                "identity, projects, permissions and screens (they need working credentials)",
            );
            return;
        }
    };
    let account = account_of(me);
    if let Some(f) = identity(j, me, &account, cloud, &api) {
        let mismatch = f.code == Code::JiraIdentityMismatch;
        out.push(f);
        if mismatch {
            token_findings(ev, SIDE, j.token_record.as_ref(), false, out);
            skipped(
                out,
                &format!(
                    "projects, permissions and screens (they would be {account}'s, not {}'s)",
                    j.intended_user
                ),
            );
            return;
        }
    }

    // 5. Token records.
    token_findings(ev, SIDE, j.token_record.as_ref(), false, out);

    // 6-9. Per project: visibility, permissions, JSM role, screens.
    for p in &j.projects {
        let Some(project) = &p.project else { continue };
        let summary = match project {
            Ok(s) => s,
            Err(e) => {
                if let Some(f) = transport_finding(SIDE, site(j), e, &j.path) {
                    out.push(f);
                    return;
                }
                if matches!(e.kind(), ErrorKind::NotFoundOrHidden { .. }) {
                    out.push(not_visible(j, &p.key, e, p.visible_projects.as_ref()));
                } else {
                    out.push(unexpected(j, e, &format!("about project {}", p.key)));
                }
                continue;
            }
        };
        let jsm = summary.project_type_key.as_deref() == Some("service_desk");
        let mut create_held = false;
        match &p.permissions {
            None => {}
            Some(Err(e)) => {
                out.push(
                    transport_finding(SIDE, site(j), e, &j.path)
                        .unwrap_or_else(|| unexpected(j, e, &format!("permissions in {}", p.key))),
                );
                continue;
            }
            Some(Ok(report)) => {
                create_held = report.permissions.get(CREATE_ISSUES) == Some(&true);
                let held = report.permissions.clone();
                let missing: Vec<String> = report
                    .missing()
                    .into_iter()
                    .filter(|k| *k != SERVICEDESK_AGENT)
                    .map(str::to_owned)
                    .collect();
                let perm_ev = FindingEvidence {
                    request: Some(format!("GET {api}/mypermissions?projectKey={}", p.key)),
                    status: Some(200),
                    project: Some(p.key.clone()),
                    project_type: summary.project_type_key.clone(),
                    permissions: held.clone(),
                    ..FindingEvidence::default()
                };
                let agent = held.get(SERVICEDESK_AGENT) == Some(&true);
                let mut reported = Vec::new();
                if jsm && !agent {
                    let absorbed: Vec<String> = missing
                        .iter()
                        .filter(|k| k.as_str() != BROWSE_PROJECTS)
                        .cloned()
                        .collect();
                    out.push(jsm_not_agent(j, &p.key, me, &absorbed, perm_ev.clone()));
                    reported = absorbed;
                } else if jsm {
                    out.push(
                        Finding::new(
                            Code::JiraJsmAgent,
                            Severity::Ok,
                            Some(SIDE),
                            format!("{} is a service desk agent in {}", j.intended_user, p.key),
                        )
                        .evidence(perm_ev.clone()),
                    );
                }
                for key in missing.iter().filter(|k| !reported.contains(k)) {
                    out.push(permission_missing(j, &p.key, key, perm_ev.clone()));
                }
                if missing.is_empty() {
                    let names: Vec<String> = j
                        .needs
                        .permissions
                        .iter()
                        .map(|k| permission_name(k).to_owned())
                        .collect();
                    out.push(
                        Finding::new(
                            Code::JiraPermissions,
                            Severity::Ok,
                            Some(SIDE),
                            format!(
                                "{} holds {} in {}",
                                j.intended_user,
                                and_list(&names),
                                p.key
                            ),
                        )
                        .evidence(perm_ev),
                    );
                }
            }
        }
        screens(j, p, &api, create_held, out);
    }

    // 10. `--probe-write PROJECT`.
    if let Some(w) = &j.write {
        out.push(match &w.result {
            Ok(probe) if probe.deleted => Finding::new(
                Code::JiraWriteProbe,
                Severity::Ok,
                Some(SIDE),
                format!(
                    "created {} ({}) in {} and deleted it again",
                    probe.created_key, w.issue_type, w.project
                ),
            )
            .evidence(FindingEvidence {
                project: Some(w.project.clone()),
                issue_type: Some(w.issue_type.clone()),
                created: Some(probe.created_key.clone()),
                ..FindingEvidence::default()
            }),
            Ok(probe) => Finding::new(
                Code::JiraWriteNotCleanedUp,
                Severity::Warning,
                Some(SIDE),
                format!(
                    "created {} in {} but could not delete it (Delete Issues is missing): \
                     creation works",
                    probe.created_key, w.project
                ),
            )
            .evidence(FindingEvidence {
                project: Some(w.project.clone()),
                created: Some(probe.created_key.clone()),
                ..FindingEvidence::default()
            })
            .fix([format!(
                "Delete {} by hand (its summary says it was tandem doctor's test).",
                probe.created_key
            )]),
            Err(e) => transport_finding(SIDE, site(j), e, &j.path)
                .unwrap_or_else(|| write_failure(j, w, e)),
        });
    } else if j.auth == JiraAuth::CloudScopedToken {
        out.push(
            Finding::new(
                Code::JiraWriteNotProven,
                Severity::Info,
                Some(SIDE),
                "writing not proven: a scoped token's write scopes show only on a write",
            )
            .fix([
                "Run `tandem doctor --probe-write <PROJECT>`: an issue is created in that \
                   project and deleted right away."
                    .to_owned(),
            ]),
        );
    }
}

/// `--probe-write PROJECT` failed: say why in the article's terms.
fn write_failure(
    j: &JiraEvidence,
    w: &crate::evidence::JiraWriteEvidence,
    e: &ConnectorError,
) -> Finding {
    let mut fe = FindingEvidence::from_error(e);
    fe.project = Some(w.project.clone());
    fe.issue_type = Some(w.issue_type.clone());
    fe.intended_user = Some(j.intended_user.clone());
    let validate = format!(
        "Validate by hand (the article's step 4): sign in as {} and create an issue in {}.",
        j.intended_user, w.project
    );
    match e.kind() {
        ErrorKind::Unauthenticated {
            problem: AuthProblem::ScopeMismatch,
        } => Finding::new(
            Code::JiraScopedToken,
            Severity::Error,
            Some(SIDE),
            format!(
                "The scoped token may read but not write: creating an issue in {} answers \
                 \"Unauthorized; scope does not match\" (write:jira-work is missing)",
                w.project
            ),
        )
        .evidence(fe)
        .fix([
            format!(
                "Sign in as {} and create a token with the scopes read:jira-work, \
                 write:jira-work and read:jira-user, or (the article's advice) an unscoped API \
                 token at {CLOUD_TOKEN_PAGE}.",
                j.intended_user
            ),
            "Store it where the profile's `token` points, then run `tandem doctor \
             --probe-write` again."
                .to_owned(),
        ]),
        ErrorKind::PermissionDenied { .. } => Finding::new(
            Code::JiraPermissionMissing,
            Severity::Error,
            Some(SIDE),
            format!(
                "{} may not create issues in {}: \"You cannot create issues in this project\"",
                j.intended_user, w.project
            ),
        )
        .evidence(FindingEvidence {
            permission: Some(CREATE_ISSUES.to_owned()),
            ..fe
        })
        .fix([
            format!(
                "In {}: Project settings > Permissions: grant \"Create Issues\" to a role or \
                 group that includes {}.",
                w.project, j.intended_user
            ),
            validate,
        ]),
        ErrorKind::Validation { fields } => {
            let cannot_be_set =
                !fields.is_empty() && fields.iter().all(|f| f.message.contains("cannot be set"));
            let first = if cannot_be_set {
                format!(
                    "Jira says \"Field ... cannot be set\" both when Create Issues is missing and \
                     when the field is not on the create screen: check the permission and the \
                     create screen of {} in {}.",
                    w.issue_type, w.project
                )
            } else {
                format!(
                    "Give the fields named above a value Jira accepts, or make them optional in \
                     {}'s field configuration.",
                    w.project
                )
            };
            Finding::new(
                Code::JiraWriteFailed,
                Severity::Error,
                Some(SIDE),
                format!(
                    "Creating a test issue ({}) in {} failed: {}",
                    w.issue_type,
                    w.project,
                    e.summary()
                ),
            )
            .evidence(fe)
            .fix([first, validate])
        }
        _ => Finding::new(
            Code::JiraWriteFailed,
            Severity::Error,
            Some(SIDE),
            format!(
                "Creating a test issue ({}) in {} failed: {}",
                w.issue_type,
                w.project,
                e.summary()
            ),
        )
        .evidence(fe)
        .fix([e.fix(), validate]),
    }
}

/// How the configured mode or credential kind contradicts the site, if it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ModeConflict {
    /// Cloud mode against a Data Center site.
    CloudModeOnDataCenter,
    /// Data Center mode against Jira Cloud.
    DataCenterModeOnCloud,
    /// An Atlassian API token against a Data Center site (mode auto).
    CloudTokenOnDataCenter,
    /// A Data Center credential against Jira Cloud (mode auto).
    DataCenterCredentialOnCloud,
}

/// Shared by the probes (to stop) and the diagnosis (to say why).
pub(crate) fn mode_conflict(
    mode: JiraMode,
    auth: JiraAuth,
    server: Option<Flavor>,
) -> Option<ModeConflict> {
    match (mode, server?) {
        (JiraMode::Cloud, Flavor::DataCenter) => Some(ModeConflict::CloudModeOnDataCenter),
        (JiraMode::DataCenter, Flavor::Cloud) => Some(ModeConflict::DataCenterModeOnCloud),
        (_, Flavor::DataCenter) if auth.is_cloud() => Some(ModeConflict::CloudTokenOnDataCenter),
        (_, Flavor::Cloud) if !auth.is_cloud() => Some(ModeConflict::DataCenterCredentialOnCloud),
        _ => None,
    }
}

/// The configured mode or credential kind does not fit what the site says it is.
fn mode_mismatch(
    j: &JiraEvidence,
    server: Option<Flavor>,
    product: &str,
    version: &str,
    deployment: &str,
) -> Option<Finding> {
    let site = site(j);
    let conflict = mode_conflict(j.mode, j.auth, server)?;
    let server = server?;
    let said =
        format!("{site} is {product} {version} (serverInfo deploymentType \"{deployment}\")");
    let summary = match conflict {
        ModeConflict::CloudModeOnDataCenter => {
            format!("The profile is set to Jira Cloud mode, but {said}")
        }
        ModeConflict::DataCenterModeOnCloud => {
            format!("The profile is set to Data Center mode, but {said}")
        }
        ModeConflict::CloudTokenOnDataCenter => format!(
            "auth = \"{}\" is an Atlassian API token, which only exists on Jira Cloud, but {said}",
            j.auth.as_str()
        ),
        ModeConflict::DataCenterCredentialOnCloud => format!(
            "auth = \"{}\" is a Data Center credential, but {said}: Jira Cloud refuses \
             passwords, and a token sent as Bearer fails with \"Failed to parse Connect \
             Session Auth Token\"",
            j.auth.as_str()
        ),
    };
    let fix = match server {
        Flavor::DataCenter => vec![
            "Set mode = \"datacenter\" in [profile.jira] (or \"auto\").".to_owned(),
            format!(
                "Data Center has no Atlassian API tokens: sign in to {site} as the sync user, \
                 create a personal access token (Profile > Personal Access Tokens, \
                 {site}/secure/ViewProfile.jspa), set auth = \"dc-pat\", and set user to the \
                 sync user's user name (not an email)."
            ),
            "Store the token where the profile's `token` points, then run `tandem doctor` again."
                .to_owned(),
        ],
        Flavor::Cloud => vec![
            "Set mode = \"cloud\" in [profile.jira] (the article: \"Ensure the Jira Cloud mode \
             checkbox is enabled if you use Jira Cloud\")."
                .to_owned(),
            format!(
                "Sign in as the sync user, create an unscoped API token at {CLOUD_TOKEN_PAGE}, \
                 set auth = \"cloud-api-token\" and user to the sync user's email."
            ),
            "Store the token where the profile's `token` points, then run `tandem doctor` again."
                .to_owned(),
        ],
    };
    Some(Finding::new(Code::JiraModeMismatch, Severity::Error, Some(SIDE), summary).fix(fix))
}

fn account_of(me: &Myself) -> Account {
    let mut a = Account::from(&me.person);
    a.account_type.clone_from(&me.account_type);
    a
}

/// The steps to get a working token for the intended user, per credential kind.
fn new_token_steps(j: &JiraEvidence, cloud: bool) -> Vec<String> {
    let intended = &j.intended_user;
    let site = site(j);
    let login_note = match &j.login {
        Some(l) if !l.eq_ignore_ascii_case(intended) => {
            format!(" and remove `login = \"{l}\"`")
        }
        _ => String::new(),
    };
    let create = if cloud {
        format!(
            "Sign in to Jira as {intended} and create a new unscoped API token at \
             {CLOUD_TOKEN_PAGE}; copy it right away."
        )
    } else if j.auth == JiraAuth::DcPassword {
        format!(
            "Check {intended}'s password by signing in to {site} in a browser; better, create a \
             personal access token there (Profile > Personal Access Tokens) and set auth = \
             \"dc-pat\": passwords lock behind a CAPTCHA after failures."
        )
    } else {
        format!(
            "Sign in to {site} as {intended} and create a new personal access token (Profile > \
             Personal Access Tokens, {site}/secure/ViewProfile.jspa)."
        )
    };
    vec![
        format!(
            "Identify the intended sync user: {intended} (best a dedicated integration account)."
        ),
        create,
        format!(
            "Store it where the profile's `token` points, with user = \"{intended}\"{login_note}; \
             paste the token exactly as shown."
        ),
        "Run `tandem doctor` again: the project list must load (the article's \"Test the \
         connection\")."
            .to_owned(),
    ]
}

/// `myself` was refused: which credential problem it is.
fn auth_failure(ev: &Evidence, j: &JiraEvidence, e: &ConnectorError, cloud: bool) -> Finding {
    let mut fe = FindingEvidence::from_error(e);
    fe.url = Some(j.site.clone());
    fe.intended_user = Some(j.intended_user.clone());
    fe.login_sent.clone_from(&j.login);
    fe.auth = Some(j.auth.as_str().to_owned());
    fe.token_record = j.token_record.as_ref().map(record_facts);
    let login = j.login.clone().unwrap_or_else(|| "the token".to_owned());
    let ErrorKind::Unauthenticated { problem } = e.kind() else {
        if matches!(e.kind(), ErrorKind::ApiVersion { .. }) {
            return Finding::new(
                Code::JiraModeMismatch,
                Severity::Error,
                Some(SIDE),
                format!(
                    "{} has no REST API v3: it is a Data Center or Server site, not Jira Cloud",
                    site(j)
                ),
            )
            .evidence(fe)
            .fix([
                "Set mode = \"datacenter\" (or \"auto\") in [profile.jira] and use a \
                   Data Center credential (auth = \"dc-pat\")."
                    .to_owned(),
            ]);
        }
        return unexpected(j, e, "the current-user request");
    };
    match problem {
        AuthProblem::Captcha { login_url } => {
            let at = login_url
                .clone()
                .unwrap_or_else(|| format!("{}/login.jsp", site(j)));
            Finding::new(
                Code::JiraCaptcha,
                Severity::Error,
                Some(SIDE),
                format!(
                    "Jira blocks sign-in for {login} with a CAPTCHA after failed logins (403, \
                     X-Seraph-LoginReason: AUTHENTICATION_DENIED): the REST API cannot log in \
                     until someone answers it in a browser"
                ),
            )
            .evidence(fe)
            .fix([
                format!(
                    "Sign in once at {at} as {login} and answer the CAPTCHA (or have a Jira \
                     admin reset the failed-login count in User management)."
                ),
                "Find what sent the wrong password (an old config, another tool using this \
                 account) and correct it, or the lock comes back."
                    .to_owned(),
                "Prefer a personal access token: auth = \"dc-pat\" (a PAT is not locked by \
                 CAPTCHA), then run `tandem doctor` again."
                    .to_owned(),
            ])
        }
        AuthProblem::BearerNotAccepted => Finding::new(
            Code::JiraModeMismatch,
            Severity::Error,
            Some(SIDE),
            format!(
                "A token was sent as Bearer to Jira Cloud ({}): classic API tokens go as \
                 Basic with the account's email (\"Failed to parse Connect Session Auth Token\")",
                site(j)
            ),
        )
        .evidence(fe)
        .fix([
            "Set mode = \"cloud\", auth = \"cloud-api-token\" and user to the sync user's email \
             in [profile.jira]."
                .to_owned(),
            "Run `tandem doctor` again.".to_owned(),
        ]),
        AuthProblem::ScopeMismatch => Finding::new(
            Code::JiraScopedToken,
            Severity::Error,
            Some(SIDE),
            "The scoped token lacks a scope tandem needs (\"Unauthorized; scope does not match\" \
             on the current-user request, which needs read:jira-user)"
                .to_owned(),
        )
        .evidence(fe)
        .fix([
            format!(
                "Sign in as {} and create a token with the scopes read:jira-work, \
                 write:jira-work and read:jira-user, or (the article's advice) an unscoped API \
                 token at {CLOUD_TOKEN_PAGE}.",
                j.intended_user
            ),
            "Store it where the profile's `token` points, then run `tandem doctor` again."
                .to_owned(),
        ]),
        AuthProblem::Rejected | AuthProblem::AnonymousFallback => {
            if let Some(Ok(gw)) = &j.gateway_myself {
                return scoped_token(j, gw, fe);
            }
            if !cloud
                && j.auth == JiraAuth::DcPassword
                && j.login.as_deref().is_some_and(|l| l.contains('@'))
            {
                return Finding::new(
                    Code::JiraModeMismatch,
                    Severity::Error,
                    Some(SIDE),
                    format!(
                        "Data Center signs in with the user name, and \"{login}\" is an email \
                         address (Cloud's way): the password is refused"
                    ),
                )
                .evidence(fe)
                .fix([
                    "Set user to the sync user's Jira user name (as on its profile page), not \
                     its email."
                        .to_owned(),
                    "Run `tandem doctor` again.".to_owned(),
                ]);
            }
            unauthenticated(ev, j, fe, &login, cloud)
        }
        _ => unexpected(j, e, "the current-user request"),
    }
}

fn unauthenticated(
    ev: &Evidence,
    j: &JiraEvidence,
    mut fe: FindingEvidence,
    login: &str,
    cloud: bool,
) -> Finding {
    // The article's first symptom, observed when the project list was asked too.
    let mut empty_list = false;
    match &j.project_list {
        Some(Ok(list)) if list.is_empty() => empty_list = true,
        Some(Err(e))
            if matches!(
                e.kind(),
                ErrorKind::Unauthenticated {
                    problem: AuthProblem::AnonymousFallback
                }
            ) =>
        {
            empty_list = true;
            for (k, v) in &e.evidence().headers {
                fe.headers.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        _ => {}
    }
    if empty_list {
        fe.visible_projects = Some(Vec::new());
    }
    let mut summary = format!(
        "Jira does not accept the credentials ({login}, {}): ",
        j.auth.as_str()
    );
    if empty_list {
        summary.push_str("\"Empty project list — probably not authenticated\". ");
    }
    match recorded_expiry_passed(ev, j.token_record.as_ref()) {
        Some(w) => summary.push_str(&format!(
            "The token's recorded expiry passed: it {w}, so Jira no longer accepts it"
        )),
        None => summary.push_str(
            "the token is wrong, expired or revoked, or belongs to another account than the \
             email sent (Jira answers all of these alike)",
        ),
    }
    Finding::new(
        Code::JiraUnauthenticated,
        Severity::Error,
        Some(SIDE),
        summary,
    )
    .evidence(fe)
    .fix(new_token_steps(j, cloud))
}

fn scoped_token(j: &JiraEvidence, gw: &Myself, mut fe: FindingEvidence) -> Finding {
    let account = account_of(gw);
    let cloud_id = match &j.tenant {
        Some(Ok(t)) => t.cloud_id.clone(),
        _ => "<cloudId>".to_owned(),
    };
    let gateway = j.gateway.trim_end_matches('/');
    fe.authenticated_as = Some(account.clone());
    fe.cloud_id = Some(cloud_id.clone());
    fe.gateway = Some(format!("{gateway}/ex/jira/{cloud_id}"));
    Finding::new(
        Code::JiraScopedToken,
        Severity::Error,
        Some(SIDE),
        format!(
            "The token is a scoped API token: {} refuses it (401) while Atlassian's API gateway \
             accepts it as {account}",
            site(j)
        ),
    )
    .evidence(fe)
    .fix([
        format!(
            "Scoped tokens only work through the API gateway ({gateway}/ex/jira/{cloud_id}); \
             with auth = \"{}\" tandem sends the token to the site, which refuses it.",
            j.auth.as_str()
        ),
        format!(
            "Recommended (the article: \"generate a new unscoped API token\"): sign in as {} \
             and create an unscoped API token at {CLOUD_TOKEN_PAGE}; store it where the \
             profile's `token` points.",
            j.intended_user
        ),
        format!(
            "Or keep the scoped token: set auth = \"cloud-scoped-token\" and gateway_url = \
             \"{gateway}/ex/jira/{cloud_id}\", and give it the scopes read:jira-work, \
             write:jira-work and read:jira-user."
        ),
        "Run `tandem doctor` again.".to_owned(),
    ])
}

/// Whether the account `myself` reports is the intended sync user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdentityCheck {
    /// It is.
    Same,
    /// It is someone else.
    Other,
    /// Nothing to compare with (email hidden, no login sent).
    Unverifiable,
}

/// The names the account is known by: its email, login, and on Cloud the email Basic auth
/// was accepted with (a token only works with its own account's email, so that email names
/// the account even when its profile hides it).
fn known_names(j: &JiraEvidence, me: &Myself, cloud: bool) -> Vec<String> {
    let p = &me.person;
    let mut names: Vec<String> = Vec::new();
    names.extend(p.email.iter().cloned());
    names.extend(p.login.iter().cloned());
    if cloud && j.auth.is_cloud() {
        names.extend(j.login.iter().cloned());
    }
    names
}

/// Shared by the probes (to stop) and the diagnosis (to say why).
pub(crate) fn check_identity(j: &JiraEvidence, me: &Myself, cloud: bool) -> IdentityCheck {
    let intended = j.intended_user.trim();
    let names = known_names(j, me, cloud);
    let same = names
        .iter()
        .chain(std::iter::once(&me.person.id))
        .any(|n| !n.is_empty() && n.eq_ignore_ascii_case(intended));
    if same {
        IdentityCheck::Same
    } else if names.is_empty() {
        IdentityCheck::Unverifiable
    } else {
        IdentityCheck::Other
    }
}

/// Compares who the token is with the intended sync user.
fn identity(
    j: &JiraEvidence,
    me: &Myself,
    account: &Account,
    cloud: bool,
    api: &str,
) -> Option<Finding> {
    let intended = j.intended_user.trim();
    let p = &me.person;
    let mut shown = account.clone();
    if shown.email.is_none() && cloud && j.auth.is_cloud() {
        shown.email.clone_from(&j.login);
    }
    let fe = FindingEvidence {
        request: Some(format!("GET {api}/myself")),
        status: Some(200),
        authenticated_as: Some(shown.clone()),
        intended_user: Some(intended.to_owned()),
        login_sent: j.login.clone(),
        auth: Some(j.auth.as_str().to_owned()),
        application_roles: Some(me.application_roles.clone()),
        ..FindingEvidence::default()
    };
    let check = check_identity(j, me, cloud);
    if check == IdentityCheck::Same {
        return Some(
            Finding::new(
                Code::JiraIdentity,
                Severity::Ok,
                Some(SIDE),
                format!("authenticates as {shown}, the intended sync user"),
            )
            .evidence(fe),
        );
    }
    if check == IdentityCheck::Unverifiable {
        return Some(
            Finding::new(
                Code::JiraIdentityUnverified,
                Severity::Warning,
                Some(SIDE),
                format!(
                    "The token authenticates as {shown}, whose email is hidden: tandem cannot \
                     confirm it is {intended}"
                ),
            )
            .evidence(fe)
            .fix([format!(
                "Check in Jira's user management that {shown} (accountId {}) is {intended}, or \
                 set user to that accountId.",
                p.id
            )]),
        );
    }
    let other = shown.to_string();
    let short = shown
        .email
        .clone()
        .or_else(|| shown.login.clone())
        .unwrap_or_else(|| shown.id.clone());
    let mut fix = vec![format!(
        "Do not mix accounts: tokens are per user. Even if {short} and {intended} are both site \
         admins, a token created under {short} authenticates as {short} only, and everything \
         tandem did would be done as {short}."
    )];
    fix.extend(new_token_steps(j, cloud).into_iter().skip(1));
    Some(
        Finding::new(
            Code::JiraIdentityMismatch,
            Severity::Error,
            Some(SIDE),
            format!(
                "The Jira token authenticates as {other}, not as the intended sync user \
                 {intended}"
            ),
        )
        .evidence(fe)
        .fix(fix),
    )
}

fn not_visible(
    j: &JiraEvidence,
    key: &str,
    e: &ConnectorError,
    visible: Option<&Result<Vec<ProjectSummary>, ConnectorError>>,
) -> Finding {
    let intended = &j.intended_user;
    let mut fe = FindingEvidence::from_error(e);
    fe.project = Some(key.to_owned());
    fe.intended_user = Some(intended.clone());
    let seen: Option<Vec<String>> = match visible {
        Some(Ok(list)) => Some(list.iter().map(|p| p.key.clone()).collect()),
        _ => None,
    };
    fe.visible_projects.clone_from(&seen);
    let mut summary = format!(
        "{intended} cannot see project {key}: it lacks Browse Projects there, or the key is \
         wrong (Jira answers both alike)"
    );
    let check_key = match &seen {
        Some(list) if list.is_empty() => {
            summary.push_str("; its project list is empty: it can browse no project at all");
            format!("Check the key {key}; {intended} sees no project at all.")
        }
        Some(list) => format!("Check the key {key}: {intended} sees {}.", and_list(list)),
        None => format!("Check the key {key}."),
    };
    Finding::new(
        Code::JiraProjectNotVisible,
        Severity::Error,
        Some(SIDE),
        summary,
    )
    .evidence(fe)
    .fix([
        check_key,
        format!(
            "In {key}: Project settings > Permissions: grant Browse Projects to a role or \
                 group {intended} belongs to, or add {intended} to such a role under Project \
                 settings > People."
        ),
        format!("Validate by hand: sign in as {intended}; {key} must be listed under Projects."),
        "Run `tandem doctor` again.".to_owned(),
    ])
}

fn permission_missing(
    j: &JiraEvidence,
    project: &str,
    key: &str,
    mut fe: FindingEvidence,
) -> Finding {
    let intended = &j.intended_user;
    let name = permission_name(key);
    fe.permission = Some(key.to_owned());
    fe.intended_user = Some(intended.clone());
    let consequence = match key {
        "CREATE_ISSUES" => {
            ": \"You cannot create issues in this project\"; creates would fail with \"Field \
             'summary' cannot be set. It is not on the appropriate screen, or unknown.\""
        }
        "EDIT_ISSUES" => {
            ": edits would fail with \"Field ... cannot be set. It is not on the appropriate \
             screen, or unknown.\""
        }
        _ => "",
    };
    Finding::new(
        Code::JiraPermissionMissing,
        Severity::Error,
        Some(SIDE),
        format!(
            "{intended} lacks {name} ({key}) in {project}; tandem needs it to {}{consequence}",
            permission_purpose(key)
        ),
    )
    .evidence(fe)
    .fix([
        format!(
            "In {project}: Project settings > Permissions (its permission scheme): grant \
             \"{name}\" to a project role or group that includes {intended}, or add \
             {intended} to the role that already holds it (Project settings > People)."
        ),
        format!(
            "Validate by hand (the article's step 4): sign in as {intended} and {} in {project}.",
            manual_test(key)
        ),
        "Run `tandem doctor` again.".to_owned(),
    ])
}

fn jsm_not_agent(
    j: &JiraEvidence,
    project: &str,
    me: &Myself,
    missing: &[String],
    mut fe: FindingEvidence,
) -> Finding {
    let intended = &j.intended_user;
    let licensed = me.application_roles.iter().any(|r| r == "jira-servicedesk");
    fe.permission = Some(SERVICEDESK_AGENT.to_owned());
    fe.application_roles = Some(me.application_roles.clone());
    fe.intended_user = Some(intended.clone());
    let names: Vec<String> = missing
        .iter()
        .map(|k| permission_name(k).to_owned())
        .collect();
    let cannot = if names.is_empty() {
        String::new()
    } else {
        format!("; it lacks {}", and_list(&names))
    };
    let customer = if me.account_type.as_deref() == Some("customer") {
        " (a portal-only customer account)"
    } else {
        ""
    };
    let mut fix = Vec::new();
    if !licensed {
        fix.push(format!(
            "Give {intended} a Jira Service Management licence (an agent seat): \
             Administration > User management > {intended} > Product access."
        ));
    }
    fix.push(format!(
        "Add {intended} to the Service Desk Team role of {project} (Project settings > People), \
         not only to Service Desk Customers: portal or customer access is not enough (the \
         article: \"an agent role that allows them to create issues internally\")."
    ));
    fix.push(format!(
        "Validate by hand: sign in as {intended} and create an issue in {project} from Jira, \
         not from the portal."
    ));
    fix.push("Run `tandem doctor` again.".to_owned());
    Finding::new(
        Code::JiraJsmNotAgent,
        Severity::Error,
        Some(SIDE),
        format!(
            "In the service project {project}, {intended}{customer} is not an agent{}: it has \
             portal access only{cannot}",
            if licensed {
                ""
            } else {
                " and has no Jira Service Management licence"
            }
        ),
    )
    .evidence(fe)
    .fix(fix)
}

fn screens(
    j: &JiraEvidence,
    p: &crate::evidence::JiraProjectEvidence,
    api: &str,
    create_held: bool,
    out: &mut Vec<Finding>,
) {
    let Some(types) = &p.create_types else { return };
    let types = match types {
        Ok(t) => t,
        Err(e) => {
            // Create Issues was held, yet the create screen is refused.
            if create_held {
                out.push(
                    transport_finding(SIDE, site(j), e, &j.path).unwrap_or_else(|| {
                        unexpected(j, e, &format!("the create screen of {}", p.key))
                    }),
                );
            }
            return;
        }
    };
    let before = out.len();
    let available: Vec<String> = types.iter().map(|t| t.name.clone()).collect();
    for wanted in &j.needs.issue_types {
        if !available.iter().any(|a| a.eq_ignore_ascii_case(wanted)) {
            out.push(
                Finding::new(
                    Code::JiraIssueTypeMissing,
                    Severity::Error,
                    Some(SIDE),
                    format!(
                        "Issue type \"{wanted}\" (in the profile's type map) cannot be created in \
                         {}: its create screen offers {}",
                        p.key,
                        and_list(&available)
                    ),
                )
                .evidence(FindingEvidence {
                    request: Some(format!("GET {api}/issue/createmeta/{}/issuetypes", p.key)),
                    status: Some(200),
                    project: Some(p.key.clone()),
                    issue_type: Some(wanted.clone()),
                    available_types: Some(available.clone()),
                    ..FindingEvidence::default()
                })
                .fix([
                    format!(
                        "Map the Azure DevOps type to one of {} in [[profile.type]], or add \
                         \"{wanted}\" to {}'s issue type scheme (Project settings > Issue types).",
                        and_list(&available),
                        p.key
                    ),
                    "Run `tandem doctor` again.".to_owned(),
                ]),
            );
        }
    }
    for (type_name, fields) in &p.create_fields {
        match fields {
            Ok(fields) => screen_fields(j, &p.key, type_name, fields, api, out),
            Err(e) => out.push(
                transport_finding(SIDE, site(j), e, &j.path).unwrap_or_else(|| {
                    unexpected(
                        j,
                        e,
                        &format!("the create screen of {type_name} in {}", p.key),
                    )
                }),
            ),
        }
    }
    if out.len() == before && !p.create_fields.is_empty() {
        let names: Vec<String> = p.create_fields.iter().map(|(t, _)| t.clone()).collect();
        out.push(
            Finding::new(
                Code::JiraCreateScreen,
                Severity::Ok,
                Some(SIDE),
                format!(
                    "the create screens of {} in {} take every mapped field and require no \
                     unmapped one",
                    and_list(&names),
                    p.key
                ),
            )
            .evidence(FindingEvidence {
                project: Some(p.key.clone()),
                available_types: Some(available),
                ..FindingEvidence::default()
            }),
        );
    }
}

fn screen_fields(
    j: &JiraEvidence,
    project: &str,
    type_name: &str,
    fields: &[FieldInfo],
    api: &str,
    out: &mut Vec<Finding>,
) {
    let request = format!("GET {api}/issue/createmeta/{project}/issuetypes/<{type_name}>");
    let base = FindingEvidence {
        request: Some(request),
        status: Some(200),
        project: Some(project.to_owned()),
        issue_type: Some(type_name.to_owned()),
        ..FindingEvidence::default()
    };
    for f in fields {
        let set_by_tandem =
            j.needs.fields.iter().any(|m| m == &f.id) || NOT_ON_SCREENS.contains(&f.id.as_str());
        if f.required && !f.has_default && !set_by_tandem {
            let name = f.name.clone().unwrap_or_else(|| f.id.clone());
            out.push(
                Finding::new(
                    Code::JiraRequiredFieldUnmapped,
                    Severity::Error,
                    Some(SIDE),
                    format!(
                        "The create screen of {type_name} in {project} requires \"{name}\" ({}), \
                         which the profile does not map: every create would be refused",
                        f.id
                    ),
                )
                .evidence(FindingEvidence {
                    field: Some(f.id.clone()),
                    field_name: f.name.clone(),
                    ..base.clone()
                })
                .fix([
                    format!(
                        "Map it: add a [[profile.field]] with jira = \"{}\" and the Azure DevOps \
                         field that carries it.",
                        f.id
                    ),
                    format!(
                        "Or ask a Jira admin to give \"{name}\" a default value, or make it \
                         optional in {project}'s field configuration."
                    ),
                    "Run `tandem doctor` again.".to_owned(),
                ]),
            );
        }
    }
    for wanted in &j.needs.fields {
        if NOT_ON_SCREENS.contains(&wanted.as_str()) || fields.iter().any(|f| &f.id == wanted) {
            continue;
        }
        out.push(
            Finding::new(
                Code::JiraFieldNotOnScreen,
                Severity::Error,
                Some(SIDE),
                format!(
                    "{wanted} is mapped into Jira but is not on the create screen of {type_name} \
                     in {project}: Jira would answer \"Field '{wanted}' cannot be set. It is not \
                     on the appropriate screen, or unknown.\""
                ),
            )
            .evidence(FindingEvidence {
                field: Some(wanted.clone()),
                ..base.clone()
            })
            .fix([
                format!(
                    "Add {wanted} to the create and edit screens of {type_name} in {project} \
                     (Project settings > Screens), or check the field id (GET /rest/api/2/field)."
                ),
                "Or narrow that [[profile.field]] to direction = \"jira-to-ado\" if Jira \
                 should not receive it."
                    .to_owned(),
                "Run `tandem doctor` again.".to_owned(),
            ]),
        );
    }
}
