//! The probes: walk both sides of a profile through the connectors, in the article's order,
//! and record what each step saw as [`Evidence`]. They decide nothing except when to stop
//! asking (a later step's answer would mean nothing: permissions of the wrong account, or of
//! no account at all); the two stopping rules are the diagnosis's own functions.
//!
//! Read-only unless asked: `--probe-write` adds a create-and-delete in a Jira project the
//! user named, and a validate-only create on Azure DevOps (nothing saved).

use std::time::Duration;

use jiff::civil::Date;
use tandem_ado::{AdoConfig, AdoConnector};
use tandem_config::{JiraSide, Profile, TokenRecord};
use tandem_connector::error::{AuthProblem, ConnectorError, ErrorKind};
use tandem_connector::pacing::PacingSettings;
use tandem_jira::config::DEFAULT_GATEWAY;
use tandem_jira::probe::ProjectSummary;
use tandem_jira::{Flavor, JiraConfig, JiraConnector};
use url::Url;

use crate::diagnose::{IdentityCheck, ado_identity_matches, check_identity, mode_conflict};
use crate::evidence::{
    AdoEvidence, Evidence, JiraEvidence, JiraProjectEvidence, JiraWriteEvidence, NetworkPath,
    SetupError,
};
use crate::needs::{CREATE_ISSUES, SERVICEDESK_AGENT, ado_needs, jira_needs};

/// What the caller prepared before probing: each side's connector configuration, built from
/// the profile and its resolved secret where the binary builds every connector (secrets and
/// the keyring live there), or why it could not be built; and the token records.
#[derive(Debug)]
pub struct Inputs {
    /// The Jira connector's configuration for the flavour the profile implies (`auto`
    /// follows the credential kind; the probes switch to what `serverInfo` reports).
    pub jira: Result<JiraConfig, SetupError>,
    /// The Azure DevOps connector's configuration.
    pub ado: Result<AdoConfig, SetupError>,
    /// The current Jira token record.
    pub jira_record: Option<TokenRecord>,
    /// The current Azure DevOps token record.
    pub ado_record: Option<TokenRecord>,
}

/// How to probe.
#[derive(Clone, Debug)]
pub struct Options {
    /// The day of the run.
    pub today: Date,
    /// Token warning window in days.
    pub token_warning_days: u32,
    /// `--probe-write`: prove creation (validate-only on Azure DevOps).
    pub probe_write: bool,
    /// `--probe-write PROJECT`: create and delete a test issue in this Jira project.
    pub jira_write_project: Option<String>,
}

/// The summary of the test issue `--probe-write PROJECT` creates (and deletes at once).
pub const WRITE_PROBE_SUMMARY: &str =
    "tandem doctor --probe-write test issue (deleted right away; safe to delete)";

/// Probes both sides of `profile` concurrently.
pub async fn probe(profile: &Profile, inputs: Inputs, options: &Options) -> Evidence {
    let Inputs {
        jira,
        ado,
        jira_record,
        ado_record,
    } = inputs;
    let (jira, ado) = tokio::join!(
        probe_jira(profile, jira, jira_record, options),
        probe_ado(profile, ado, ado_record, options)
    );
    Evidence {
        profile: profile.name.clone(),
        today: options.today,
        token_warning_days: options.token_warning_days,
        jira,
        ado,
    }
}

/// Pacing for a diagnosis: few retries, short waits (a diagnosis should answer quickly; a
/// persistent failure is itself the finding).
pub fn doctor_pacing() -> PacingSettings {
    PacingSettings {
        max_retries: 2,
        max_backoff: Duration::from_secs(5),
        max_retry_wait: Duration::from_secs(30),
        ..PacingSettings::default()
    }
}

/// Where Atlassian's API gateway is asked whether a refused token is a scoped one:
/// `api_gateway`, else the origin of `gateway_url`, else `https://api.atlassian.com`.
pub fn gateway_base(side: &JiraSide) -> Url {
    if let Some(g) = &side.api_gateway {
        return g.clone();
    }
    if let Some(g) = &side.gateway_url
        && let Ok(origin) = Url::parse(&g.origin().ascii_serialization())
    {
        return origin;
    }
    // A constant that parses; the fallback is never taken.
    Url::parse(DEFAULT_GATEWAY).unwrap_or_else(|_| side.url.clone())
}

fn jira_path(conn: &JiraConnector) -> NetworkPath {
    let facts = conn.probe_transport();
    NetworkPath {
        proxy: facts.proxy,
        peer_certificate: facts.peer_certificate,
        throttled: conn.pace_stats().throttled,
    }
}

fn ado_path(conn: &AdoConnector) -> NetworkPath {
    let facts = conn.probe_transport();
    NetworkPath {
        proxy: facts.proxy,
        peer_certificate: facts.peer_certificate,
        throttled: conn.pace_stats().throttled,
    }
}

fn jira_connector(config: &JiraConfig, flavor: Flavor) -> Result<JiraConnector, SetupError> {
    let mut config = config.clone();
    config.flavor = flavor;
    config.pacing = doctor_pacing();
    JiraConnector::new(config).map_err(|e| SetupError::Connection {
        reason: e.summary(),
    })
}

fn is_rejected(e: &ConnectorError) -> bool {
    matches!(
        e.kind(),
        ErrorKind::Unauthenticated {
            problem: AuthProblem::Rejected | AuthProblem::AnonymousFallback
        }
    )
}

async fn probe_jira(
    profile: &Profile,
    config: Result<JiraConfig, SetupError>,
    record: Option<TokenRecord>,
    options: &Options,
) -> JiraEvidence {
    let side = &profile.jira;
    let login = match side.auth {
        tandem_config::JiraAuth::DcPat => None,
        _ => Some(side.login().to_owned()),
    };
    let mut ev = JiraEvidence {
        site: side.url.as_str().trim_end_matches('/').to_owned(),
        mode: side.mode,
        auth: side.auth,
        intended_user: side.user.clone(),
        login,
        gateway: gateway_base(side).as_str().trim_end_matches('/').to_owned(),
        needs: jira_needs(profile),
        token_record: record,
        setup_error: None,
        server_info: None,
        myself: None,
        project_list: None,
        tenant: None,
        gateway_myself: None,
        projects: Vec::new(),
        write: None,
        path: NetworkPath::default(),
    };
    let config = match config {
        Ok(c) => c,
        Err(e) => {
            ev.setup_error = Some(e);
            return ev;
        }
    };
    let configured = config.flavor;
    let mut conn = match jira_connector(&config, configured) {
        Ok(c) => c,
        Err(e) => {
            ev.setup_error = Some(e);
            return ev;
        }
    };
    walk_jira(profile, &config, &mut conn, &mut ev, options).await;
    ev.path = jira_path(&conn);
    ev
}

async fn walk_jira(
    profile: &Profile,
    config: &JiraConfig,
    conn: &mut JiraConnector,
    ev: &mut JiraEvidence,
    options: &Options,
) {
    let side = &profile.jira;
    // Network, TLS, deployment type.
    let info = conn.probe_server_info().await;
    let server_flavor = info.as_ref().ok().and_then(|i| i.deployment_type.flavor());
    let reached = info.is_ok();
    ev.server_info = Some(info);
    if !reached || mode_conflict(side.mode, side.auth, server_flavor).is_some() {
        return;
    }
    let flavor = server_flavor.unwrap_or(config.flavor);
    if flavor != config.flavor {
        match jira_connector(config, flavor) {
            Ok(c) => *conn = c,
            Err(e) => {
                ev.setup_error = Some(e);
                return;
            }
        }
    }
    let cloud = flavor == Flavor::Cloud;

    // Credentials and identity.
    let me = conn.probe_myself().await;
    match &me {
        Err(e) => {
            // Cloud only: on Data Center every refused login counts towards the CAPTCHA lock,
            // so doctor sends the credentials once and no more.
            if cloud && is_rejected(e) {
                // The article's "Empty project list — probably not authenticated", observed.
                ev.project_list = Some(first_projects(conn).await);
                if side.auth == tandem_config::JiraAuth::CloudApiToken {
                    // Refused at the site: is it a scoped token the gateway accepts?
                    let tenant = conn.probe_tenant_info().await;
                    if let Ok(t) = &tenant {
                        let gateway = gateway_base(side);
                        ev.gateway_myself =
                            Some(conn.probe_gateway_myself(&gateway, &t.cloud_id).await);
                    }
                    ev.tenant = Some(tenant);
                }
            }
            ev.myself = Some(me);
            return;
        }
        Ok(m) => {
            let other = check_identity(ev, m, cloud) == IdentityCheck::Other;
            ev.myself = Some(me);
            if other {
                return;
            }
        }
    }

    // Projects: visibility, permissions (with the JSM agent key in service projects), and
    // the create screens of the issue types tandem creates.
    let mut visible: Option<Result<Vec<ProjectSummary>, ConnectorError>> = None;
    for key in &ev.needs.projects.clone() {
        let mut pe = JiraProjectEvidence {
            key: key.clone(),
            project: None,
            visible_projects: None,
            permissions: None,
            create_types: None,
            create_fields: Vec::new(),
        };
        let project = conn.probe_project(key).await;
        let summary = project.as_ref().ok().cloned();
        let hidden =
            matches!(&project, Err(e) if matches!(e.kind(), ErrorKind::NotFoundOrHidden { .. }));
        pe.project = Some(project);
        if hidden {
            if visible.is_none() {
                visible = Some(conn.probe_projects().await);
            }
            pe.visible_projects.clone_from(&visible);
        }
        if let Some(summary) = summary {
            let mut keys: Vec<&str> = ev.needs.permissions.iter().map(String::as_str).collect();
            if summary.project_type_key.as_deref() == Some("service_desk") {
                keys.push(SERVICEDESK_AGENT);
            }
            let perms = conn.probe_permissions(Some(key), &keys).await;
            let can_create = perms
                .as_ref()
                .is_ok_and(|r| r.permissions.get(CREATE_ISSUES) == Some(&true));
            pe.permissions = Some(perms);
            if can_create && !ev.needs.issue_types.is_empty() {
                let types = conn.probe_create_issue_types(key).await;
                if let Ok(types) = &types {
                    for wanted in &ev.needs.issue_types {
                        if let Some(t) = types.iter().find(|t| t.name.eq_ignore_ascii_case(wanted))
                        {
                            let fields = conn.probe_create_fields(key, &t.id).await;
                            pe.create_fields.push((t.name.clone(), fields));
                        }
                    }
                }
                pe.create_types = Some(types);
            }
        }
        ev.projects.push(pe);
    }

    // `--probe-write PROJECT`: a real create and delete, only in the project named.
    if let Some(project) = &options.jira_write_project {
        let known = ev
            .projects
            .iter()
            .find(|p| &p.key == project)
            .and_then(|p| p.create_types.as_ref())
            .and_then(|t| t.as_ref().ok())
            .cloned();
        let types = match known {
            Some(t) => Ok(t),
            None => conn.probe_create_issue_types(project).await,
        };
        let chosen = types.as_ref().ok().and_then(|types| {
            ev.needs
                .issue_types
                .iter()
                .find_map(|w| types.iter().find(|t| t.name.eq_ignore_ascii_case(w)))
                .or_else(|| types.iter().find(|t| !t.subtask))
                .map(|t| t.name.clone())
        });
        let (issue_type, result) = match (chosen, types) {
            (Some(t), _) => {
                let r = conn
                    .probe_create_and_delete(project, &t, WRITE_PROBE_SUMMARY)
                    .await;
                (t, r)
            }
            (None, Err(e)) => (String::new(), Err(e)),
            (None, Ok(_)) => (
                String::new(),
                Err(ConnectorError::new(
                    tandem_connector::error::Side::Jira,
                    ErrorKind::PermissionDenied {
                        operation: "create an issue (no issue type is offered)".to_owned(),
                        project: Some(project.clone()),
                    },
                )),
            ),
        };
        ev.write = Some(JiraWriteEvidence {
            project: project.clone(),
            issue_type,
            result,
        });
    }
}

/// The first page of projects, enough to see "empty" (the article's symptom).
async fn first_projects(conn: &JiraConnector) -> Result<Vec<ProjectSummary>, ConnectorError> {
    conn.probe_projects().await
}

async fn probe_ado(
    profile: &Profile,
    config: Result<AdoConfig, SetupError>,
    record: Option<TokenRecord>,
    options: &Options,
) -> AdoEvidence {
    let side = &profile.ado;
    let (needed_types, writes) = ado_needs(profile);
    let mut ev = AdoEvidence {
        url: side.url.as_str().trim_end_matches('/').to_owned(),
        project: side.project.clone(),
        area_path: side.area_path.clone(),
        intended_user: side.user.clone(),
        auth: side.auth,
        needed_types,
        writes,
        token_record: record,
        setup_error: None,
        connection: None,
        project_probe: None,
        visible_projects: None,
        area: None,
        work_item_types: None,
        write: None,
        path: NetworkPath::default(),
    };
    let mut config = match config {
        Ok(c) => c,
        Err(e) => {
            ev.setup_error = Some(e);
            return ev;
        }
    };
    config.pacing = doctor_pacing();
    let conn = match AdoConnector::new(config) {
        Ok(c) => c,
        Err(e) => {
            ev.setup_error = Some(SetupError::Connection {
                reason: e.summary(),
            });
            return ev;
        }
    };
    walk_ado(&conn, &mut ev, options).await;
    ev.path = ado_path(&conn);
    ev
}

async fn walk_ado(conn: &AdoConnector, ev: &mut AdoEvidence, options: &Options) {
    let facts = conn.probe_connection().await;
    let other = match &facts {
        Ok(f) => f
            .authenticated_user
            .as_ref()
            .is_some_and(|u| !ado_identity_matches(&ev.intended_user, &u.person)),
        Err(_) => true,
    };
    ev.connection = Some(facts);
    if other {
        return;
    }
    let project = conn.probe_project().await;
    let hidden =
        matches!(&project, Err(e) if matches!(e.kind(), ErrorKind::NotFoundOrHidden { .. }));
    let ok = project.is_ok();
    ev.project_probe = Some(project);
    if hidden {
        ev.visible_projects = Some(conn.probe_projects().await);
    }
    if !ok {
        return;
    }
    if let Some(area) = ev.area_path.clone() {
        let node = conn.probe_area(Some(&area)).await;
        let ok = node.is_ok();
        ev.area = Some(node);
        if !ok {
            return;
        }
    }
    if !ev.needed_types.is_empty() {
        let types = conn.probe_work_item_types().await;
        let ok = types.is_ok();
        ev.work_item_types = Some(types);
        if !ok {
            return;
        }
    }
    if options.probe_write && ev.writes {
        let item_type = ev
            .needed_types
            .first()
            .cloned()
            .unwrap_or_else(|| "Task".to_owned());
        let r = conn
            .probe_validate_create(&item_type, "tandem doctor --probe-write (validate only)")
            .await;
        ev.write = Some((item_type, r));
    }
}
