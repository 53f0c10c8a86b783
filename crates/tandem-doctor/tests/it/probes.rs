//! The probes against the simulator over real HTTP: which requests a run makes, that the
//! write probe cleans up after itself, and that the evidence leads to the scenario's finding.

use std::path::Path;

use tandem_config::{Config, ParseOptions};
use tandem_doctor::probe::Options;

use crate::inputs::inputs;
use tandem_doctor::{Code, Report, Severity};
use tandem_sim::{AdoSim, AdoSimHandle, JiraSim, JiraSimHandle, Scenario};

/// A config for the demo scenario's Jira half; the Azure DevOps side points at `ado_url`.
fn config(jira_url: &str, ado_url: &str, login: Option<&str>) -> Config {
    let login = login.map_or_else(String::new, |l| format!("login = \"{l}\"\n"));
    let text = format!(
        r#"
[[profile]]
name = "demo"

[profile.jira]
url = "{jira_url}"
mode = "cloud"
user = "sync-bot@example.com"
{login}token = "env:JIRA"
project = "DEMO"
api_gateway = "{jira_url}"

[profile.ado]
url = "{ado_url}"
project = "Demo"
area_path = 'Demo\Web'
user = "sync-bot@example.com"
token = "env:ADO"

[[profile.field]]
jira = "summary"
ado = "System.Title"

[[profile.field]]
jira = "status"
ado = "System.State"

[[profile.type]]
jira = "Task"
ado = "Task"

[[profile.state]]
jira = "To Do"
ado = "New"
"#
    );
    tandem_config::parse(&text, Path::new("t.toml"), ParseOptions::default())
        .unwrap()
        .config
}

fn options(jira_write_project: Option<&str>) -> Options {
    Options {
        today: jiff::civil::date(2026, 6, 1),
        token_warning_days: 14,
        probe_write: jira_write_project.is_some(),
        jira_write_project: jira_write_project.map(str::to_owned),
    }
}

/// Both halves of a built-in scenario.
async fn sim(name: &str) -> (JiraSimHandle, AdoSimHandle) {
    let scenario = Scenario::builtin(name).unwrap();
    (
        JiraSim::start(&scenario).await.unwrap(),
        AdoSim::start(&scenario).await.unwrap(),
    )
}

fn jira_codes(r: &Report, severity: Severity) -> Vec<Code> {
    r.findings
        .iter()
        .filter(|f| f.side == Some(tandem_doctor::Side::Jira) && f.severity == severity)
        .map(|f| f.code)
        .collect()
}

#[tokio::test]
async fn a_healthy_profile_takes_six_jira_and_four_ado_requests_none_of_them_writes() {
    let (jira, ado) = sim("demo").await;
    let cfg = config(jira.url(), &ado.url(), None);
    let stats = &jira.server().common().stats;
    let ado_stats = &ado.server().common().stats;
    stats.reset();
    ado_stats.reset();
    let r = tandem_doctor::examine(
        &cfg.profiles[0],
        inputs(&cfg.profiles[0], "demo-jira-token-sync-bot"),
        &options(None),
    )
    .await;
    assert_eq!(r.verdict.exit_code, 0, "{r:#?}");
    let snap = stats.snapshot();
    let ado_snap = ado_stats.snapshot();
    // connectionData, project, area path, work item types.
    assert_eq!(ado_snap.total, 4, "{:#?}", ado_snap.by_route);
    assert_eq!(ado_snap.writes, 0, "{:#?}", ado_snap.by_route);
    assert!(jira_codes(&r, Severity::Error).is_empty(), "{r:#?}");
    assert!(
        jira_codes(&r, Severity::Ok).contains(&Code::JiraCreateScreen),
        "{r:#?}"
    );
    // serverInfo, myself, project, mypermissions, createmeta types, createmeta fields of Task.
    assert_eq!(snap.total, 6, "{:#?}", snap.by_route);
    assert_eq!(snap.writes, 0, "{:#?}", snap.by_route);
}

#[tokio::test]
async fn the_write_probe_creates_and_deletes_in_the_named_project_only() {
    let (jira, ado) = sim("demo").await;
    let cfg = config(jira.url(), &ado.url(), None);
    let stats = &jira.server().common().stats;
    stats.reset();
    let r = tandem_doctor::examine(
        &cfg.profiles[0],
        inputs(&cfg.profiles[0], "demo-jira-token-sync-bot"),
        &options(Some("DEMO")),
    )
    .await;
    let probe = r
        .findings
        .iter()
        .find(|f| f.code == Code::JiraWriteProbe)
        .unwrap_or_else(|| panic!("{r:#?}"));
    let created = probe.evidence.created.clone().unwrap();
    assert!(created.starts_with("DEMO-"), "{created}");
    let snap = stats.snapshot();
    assert_eq!(
        snap.writes, 2,
        "one create, one delete: {:#?}",
        snap.by_route
    );
    assert!(
        snap.by_route.keys().any(|k| k.starts_with("DELETE ")),
        "{:#?}",
        snap.by_route
    );
}

#[tokio::test]
async fn another_accounts_token_stops_after_myself() {
    let (jira, ado) = sim("demo").await;
    let cfg = config(jira.url(), &ado.url(), Some("alice@example.com"));
    let stats = &jira.server().common().stats;
    stats.reset();
    let r = tandem_doctor::examine(
        &cfg.profiles[0],
        inputs(&cfg.profiles[0], "demo-jira-token-alice"),
        &options(None),
    )
    .await;
    assert_eq!(
        jira_codes(&r, Severity::Error),
        vec![Code::JiraIdentityMismatch]
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.code == Code::JiraIdentityMismatch)
        .unwrap();
    let who = f.evidence.authenticated_as.as_ref().unwrap();
    assert_eq!(who.display_name.as_deref(), Some("Alice Admin"));
    // Alice's permissions say nothing about sync-bot's: not asked.
    assert_eq!(
        stats.snapshot().total,
        2,
        "{:#?}",
        stats.snapshot().by_route
    );
}

#[tokio::test]
async fn an_expired_token_is_seen_through_the_anonymous_project_list() {
    let (jira, ado) = sim("expired-token").await;
    let cfg = config(jira.url(), &ado.url(), None);
    let r = tandem_doctor::examine(
        &cfg.profiles[0],
        inputs(&cfg.profiles[0], "demo-jira-token-sync-bot"),
        &options(None),
    )
    .await;
    let f = r
        .findings
        .iter()
        .find(|f| f.code == Code::JiraUnauthenticated)
        .unwrap_or_else(|| panic!("{r:#?}"));
    assert!(
        f.summary
            .contains("Empty project list — probably not authenticated"),
        "{}",
        f.summary
    );
    assert_eq!(
        f.evidence
            .headers
            .get("X-Seraph-LoginReason")
            .map(String::as_str),
        Some("AUTHENTICATED_FAILED"),
        "{:#?}",
        f.evidence
    );
}

#[tokio::test]
async fn the_ado_write_probe_only_validates() {
    let (jira, ado) = sim("ado-area-denied").await;
    let cfg = config(jira.url(), &ado.url(), None);
    let ado_stats = &ado.server().common().stats;
    ado_stats.reset();
    let mut opts = options(None);
    opts.probe_write = true;
    let r = tandem_doctor::examine(
        &cfg.profiles[0],
        inputs(&cfg.profiles[0], "demo-jira-token-sync-bot"),
        &opts,
    )
    .await;
    assert_eq!(
        r.verdict.primary,
        Some(Code::AdoAreaPermissionMissing),
        "{r:#?}"
    );
    let snap = ado_stats.snapshot();
    // One validate-only create, and nothing else written.
    assert_eq!(snap.writes, 1, "{:#?}", snap.by_route);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == Code::AdoAreaPermissionMissing)
        .unwrap();
    assert_eq!(f.evidence.area_path.as_deref(), Some("Demo\\Web"));
    assert!(
        f.fix[0].contains("Edit work items in this node"),
        "{:?}",
        f.fix
    );
}
