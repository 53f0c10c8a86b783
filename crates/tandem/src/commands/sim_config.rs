//! `tandem sim --write-config PATH`: a ready `tandem.toml` pointing at the running simulator,
//! with the credentials and settings the scenario describes (its `[jira.client]` and
//! `[ado.client]` tables), so anyone can rehearse a failure with `tandem doctor`.
//!
//! Secrets go into files next to the config (mode 0600) and the config refers to them with
//! `file:`; never inline. The token records of the scenario's tokens go into the state
//! directory next to it, so doctor can say "recorded expiry passed".

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use tandem_config::edit::toml_string;
use tandem_config::{Side, TokenBook, TokenRecord, fsutil};
use tandem_sim::Scenario;
use tandem_sim::jira::spec::{ClientSpec, ProjectType};
use tandem_sim::jira::{Flavour, JiraSpec, parse_when};

/// The Azure DevOps half of a rehearsal: where it runs and who the client is.
#[derive(Debug, Clone)]
pub(crate) struct AdoSetup {
    /// `http://HOST:PORT/{organization}`.
    pub(crate) url: String,
    /// The intended sync identity.
    pub(crate) user: String,
    /// The PAT the client holds.
    pub(crate) token: String,
    /// The project.
    pub(crate) project: String,
    /// The area path, if any.
    pub(crate) area_path: Option<String>,
    /// The PAT's creation and expiry (scenario times), for its token record.
    pub(crate) token_created: Option<String>,
    /// Expiry.
    pub(crate) token_expires: Option<String>,
    /// The CA certificate when the half serves HTTPS.
    pub(crate) ca_pem: Option<PathBuf>,
}

/// Where the Jira half runs.
#[derive(Debug, Clone)]
pub(crate) struct JiraRunning {
    /// The site URL.
    pub(crate) url: String,
    /// The CA certificate when it serves HTTPS.
    pub(crate) ca_pem: Option<PathBuf>,
}

fn day_of(when: Option<&str>, now_ms: i64) -> Option<Date> {
    let ms = parse_when(when?, now_ms)?;
    let ts = Timestamp::from_millisecond(ms).ok()?;
    Some(ts.to_zoned_datetime(TimeZone::system()).date())
}

fn write_secret(dir: &Path, name: &str, secret: &str) -> anyhow::Result<()> {
    let path = dir.join(name);
    fsutil::write_atomic(&path, format!("{secret}\n").as_bytes(), 0o600)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Writes the config, its secret files, the CA copies and the token records.
pub(crate) fn write(
    path: &Path,
    scenario: &Scenario,
    jira: &JiraRunning,
    ado: &AdoSetup,
) -> anyhow::Result<()> {
    let spec: JiraSpec = scenario.half("jira")?;
    let client = &spec.client;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let now_ms = Timestamp::now().as_millisecond();
    let profile = scenario.name().to_owned();

    let jira_token = client
        .token
        .clone()
        .unwrap_or_else(|| "demo-jira-token-sync-bot".to_owned());
    let jira_user = client
        .user
        .clone()
        .unwrap_or_else(|| "sync-bot@example.com".to_owned());
    let cloud_mode = match client.mode.as_deref() {
        Some("datacenter") => false,
        Some(_) => true,
        None => spec.flavour == Flavour::Cloud,
    };
    let project = client.project.clone().unwrap_or_else(|| "DEMO".to_owned());
    write_secret(&dir, "jira-token", &jira_token)?;
    write_secret(&dir, "ado-token", &ado.token)?;

    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Written by `tandem sim --scenario {} --write-config`: a profile pointing at the running",
        scenario.name()
    );
    let _ = writeln!(
        t,
        "# simulator with the credentials and settings the scenario describes. Rehearse with:"
    );
    let _ = writeln!(t, "#   tandem doctor --config {}", path.display());
    let _ = writeln!(t, "#");
    for line in wrap_comment(&format!("Scenario: {}", scenario.description())) {
        let _ = writeln!(t, "# {line}");
    }
    t.push_str("\nstate_dir = \"state\"\n\n[[profile]]\n");
    let _ = writeln!(t, "name = {}", toml_string(&profile));
    t.push_str("direction = \"both\"\nconflict = \"newest-wins\"\n\n[profile.jira]\n");
    let _ = writeln!(t, "url = {}", toml_string(&jira.url));
    let (mode, auth) = jira_mode_and_auth(client, cloud_mode);
    let _ = writeln!(t, "mode = \"{mode}\"");
    let _ = writeln!(t, "auth = \"{auth}\"");
    let _ = writeln!(t, "user = {}", toml_string(&jira_user));
    if let Some(login) = client.login.as_deref().filter(|l| *l != jira_user) {
        t.push_str(
            "# The credentials are another account's: the mistake this scenario rehearses.\n",
        );
        let _ = writeln!(t, "login = {}", toml_string(login));
    }
    t.push_str("token = \"file:jira-token\"\n");
    let _ = writeln!(t, "project = {}", toml_string(&project));
    if cloud_mode {
        t.push_str(
            "# The simulator also serves Atlassian's API gateway paths (/ex/jira/{cloudId}).\n",
        );
        let _ = writeln!(t, "api_gateway = {}", toml_string(&jira.url));
        if client.gateway {
            let gw = format!(
                "{}/ex/jira/{}",
                jira.url.trim_end_matches('/'),
                spec.cloud_id
            );
            let _ = writeln!(t, "gateway_url = {}", toml_string(&gw));
        }
    }
    if let Some(ca) = &jira.ca_pem {
        std::fs::copy(ca, dir.join("jira-ca.pem"))
            .with_context(|| format!("cannot copy {}", ca.display()))?;
        if client.trust_ca == Some(false) {
            t.push_str(
                "# The simulator's CA (jira-ca.pem, next to this file) is not trusted yet: that is\n\
                 # the scenario. Uncomment the next line to trust it, as you would your proxy's CA.\n\
                 # ca_bundle = \"jira-ca.pem\"\n",
            );
        } else {
            t.push_str("ca_bundle = \"jira-ca.pem\"\n");
        }
    }

    t.push_str("\n[profile.ado]\n");
    let _ = writeln!(t, "url = {}", toml_string(&ado.url));
    let _ = writeln!(t, "project = {}", toml_string(&ado.project));
    if let Some(area) = &ado.area_path {
        let _ = writeln!(t, "area_path = {}", toml_string(area));
    }
    let _ = writeln!(t, "user = {}", toml_string(&ado.user));
    t.push_str("token = \"file:ado-token\"\n");
    if let Some(ca) = &ado.ca_pem {
        std::fs::copy(ca, dir.join("ado-ca.pem"))
            .with_context(|| format!("cannot copy {}", ca.display()))?;
        t.push_str("ca_bundle = \"ado-ca.pem\"\n");
    }

    t.push_str(
        "\n[[profile.field]]\njira = \"summary\"\nado = \"System.Title\"\n\n\
         [[profile.field]]\njira = \"description\"\nado = \"System.Description\"\n\n\
         [[profile.type]]\njira = \"Task\"\nado = \"Task\"\n",
    );
    let service = spec
        .projects
        .get(&project)
        .is_some_and(|p| p.kind == ProjectType::ServiceDesk);
    let states: &[(&str, &str)] = if service {
        &[
            ("Open", "New"),
            ("Work in progress", "Active"),
            ("Resolved", "Closed"),
        ]
    } else {
        &[
            ("To Do", "New"),
            ("In Progress", "Active"),
            ("Done", "Closed"),
        ]
    };
    for (j, a) in states {
        let _ = write!(t, "\n[[profile.state]]\njira = \"{j}\"\nado = \"{a}\"\n");
    }
    fsutil::write_atomic(path, t.as_bytes(), 0o600)
        .with_context(|| format!("cannot write {}", path.display()))?;

    // Token records, as an operator following the article would keep them.
    let state = dir.join("state");
    fsutil::create_private_dir(&state)
        .with_context(|| format!("cannot create {}", state.display()))?;
    let mut book = TokenBook::load(&state)?;
    let where_ = format!("tandem sim, scenario {}", scenario.name());
    if let Some(tok) = spec.tokens.get(&jira_token)
        && let Some(created) = day_of(Some(&tok.created), now_ms)
    {
        book.record(TokenRecord {
            profile: profile.clone(),
            side: Side::Jira,
            created_by: "tandem sim".to_owned(),
            account: jira_user.clone(),
            location: where_.clone(),
            created,
            expires: day_of(tok.expires.as_deref(), now_ms),
            rotate_every_days: None,
            recorded_at: Timestamp::now(),
            replaced_at: None,
        });
    }
    if let Some(created) = day_of(ado.token_created.as_deref(), now_ms) {
        book.record(TokenRecord {
            profile,
            side: Side::Ado,
            created_by: "tandem sim".to_owned(),
            account: ado.user.clone(),
            location: where_,
            created,
            expires: day_of(ado.token_expires.as_deref(), now_ms),
            rotate_every_days: None,
            recorded_at: Timestamp::now(),
            replaced_at: None,
        });
    }
    book.save()?;
    Ok(())
}

/// The config's `mode` and `auth` for the scenario's client.
fn jira_mode_and_auth(client: &ClientSpec, cloud_mode: bool) -> (&'static str, &'static str) {
    match (cloud_mode, client.gateway, client.bearer) {
        (true, true, _) => ("cloud", "cloud-scoped-token"),
        (true, false, _) => ("cloud", "cloud-api-token"),
        (false, _, true) => ("datacenter", "dc-pat"),
        (false, _, false) => ("datacenter", "dc-password"),
    }
}

fn wrap_comment(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > 94 {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
