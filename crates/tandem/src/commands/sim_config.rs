//! A client setup for a running simulator: the profile a scenario's `[jira.client]` and
//! `[ado.client]` tables describe, its (published, simulated) secrets and its token records.
//!
//! `tandem sim --write-config PATH` writes it as a ready `tandem.toml` so anyone can rehearse a
//! failure with `tandem doctor`: secrets in files next to the config (mode 0600) referred to
//! with `file:`, never inline; the token records in the state directory next to it, so doctor
//! can say "recorded expiry passed". `tandem demo` builds the same profile in memory.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use tandem_config::edit::toml_string;
use tandem_config::{Side, TokenBook, TokenRecord, fsutil};
use tandem_sim::Scenario;
use tandem_sim::ado::AdoSpec;
use tandem_sim::jira::spec::ProjectType;
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
    /// The PAT's creation (a scenario time), for its token record.
    pub(crate) token_created: Option<String>,
    /// Its expiry (a scenario time).
    pub(crate) token_expires: Option<String>,
    /// The CA certificate when the half serves HTTPS.
    pub(crate) ca_pem: Option<PathBuf>,
}

/// The Azure DevOps half's client, from the scenario's `[ado.client]` and `[ado.tokens]`.
pub(crate) fn ado_setup(
    scenario: &Scenario,
    url: String,
    ca_pem: Option<PathBuf>,
) -> anyhow::Result<AdoSetup> {
    let spec: AdoSpec = scenario.half("ado")?;
    let (user, token, project, area_path) = match &spec.client {
        Some(c) => (
            c.user.clone(),
            c.token.clone(),
            c.project.clone(),
            c.area_path.clone(),
        ),
        None => (
            "sync-bot@example.com".to_owned(),
            "demo-ado-pat-sync-bot".to_owned(),
            "Demo".to_owned(),
            None,
        ),
    };
    let tok = spec.tokens.get(&token);
    Ok(AdoSetup {
        url,
        user,
        project,
        area_path,
        token_created: tok.and_then(|t| t.created.clone()),
        token_expires: tok.and_then(|t| t.expires.clone()),
        token,
        ca_pem,
    })
}

/// Where the Jira half runs.
#[derive(Debug, Clone)]
pub(crate) struct JiraRunning {
    /// The site URL.
    pub(crate) url: String,
    /// The CA certificate when it serves HTTPS.
    pub(crate) ca_pem: Option<PathBuf>,
}

/// One profile's client setup for a running simulator.
#[derive(Debug, Clone)]
pub(crate) struct Rehearsal {
    /// The profile's name (the scenario's).
    pub(crate) profile: String,
    /// One line on what the scenario shows.
    pub(crate) description: String,
    /// The Jira site.
    pub(crate) jira_url: String,
    /// `cloud` or `datacenter`.
    pub(crate) jira_mode: &'static str,
    /// The credential kind.
    pub(crate) jira_auth: &'static str,
    /// The intended sync user.
    pub(crate) jira_user: String,
    /// The account name sent, when it is not the sync user.
    pub(crate) jira_login: Option<String>,
    /// The Jira token or password (the scenario's published demo secret).
    pub(crate) jira_token: String,
    /// The project.
    pub(crate) jira_project: String,
    /// Scoped tokens: the gateway URL.
    pub(crate) jira_gateway_url: Option<String>,
    /// The site's CA, and whether the client trusts it yet.
    pub(crate) jira_ca: Option<(PathBuf, bool)>,
    /// A service project (its states differ).
    pub(crate) service_project: bool,
    /// The Azure DevOps half.
    pub(crate) ado: AdoSetup,
    /// Token records, as an operator following the article would keep them.
    pub(crate) records: Vec<TokenRecord>,
}

fn day_of(when: Option<&str>, now_ms: i64) -> Option<Date> {
    let ms = parse_when(when?, now_ms)?;
    let ts = Timestamp::from_millisecond(ms).ok()?;
    Some(ts.to_zoned_datetime(TimeZone::system()).date())
}

fn record(
    profile: &str,
    side: Side,
    account: &str,
    scenario: &str,
    created: Option<&str>,
    expires: Option<&str>,
) -> Option<TokenRecord> {
    let now_ms = Timestamp::now().as_millisecond();
    Some(TokenRecord {
        profile: profile.to_owned(),
        side,
        created_by: "tandem sim".to_owned(),
        account: account.to_owned(),
        location: format!("tandem sim, scenario {scenario}"),
        created: day_of(created, now_ms)?,
        expires: day_of(expires, now_ms),
        rotate_every_days: None,
        recorded_at: Timestamp::now(),
        replaced_at: None,
    })
}

/// The setup a scenario describes for its client.
pub(crate) fn rehearsal(
    scenario: &Scenario,
    jira: &JiraRunning,
    ado: AdoSetup,
) -> anyhow::Result<Rehearsal> {
    let spec: JiraSpec = scenario.half("jira")?;
    let client = &spec.client;
    let profile = scenario.name().to_owned();
    let jira_token = client
        .token
        .clone()
        .unwrap_or_else(|| "demo-jira-token-sync-bot".to_owned());
    let jira_user = client
        .user
        .clone()
        .unwrap_or_else(|| "sync-bot@example.com".to_owned());
    let cloud = match client.mode.as_deref() {
        Some("datacenter") => false,
        Some(_) => true,
        None => spec.flavour == Flavour::Cloud,
    };
    let (jira_mode, jira_auth) = match (cloud, client.gateway, client.bearer) {
        (true, true, _) => ("cloud", "cloud-scoped-token"),
        (true, false, _) => ("cloud", "cloud-api-token"),
        (false, _, true) => ("datacenter", "dc-pat"),
        (false, _, false) => ("datacenter", "dc-password"),
    };
    let jira_project = client.project.clone().unwrap_or_else(|| "DEMO".to_owned());
    let jira_gateway_url = (cloud && client.gateway).then(|| {
        format!(
            "{}/ex/jira/{}",
            jira.url.trim_end_matches('/'),
            spec.cloud_id
        )
    });
    let mut records = Vec::new();
    if let Some(tok) = spec.tokens.get(&jira_token) {
        records.extend(record(
            &profile,
            Side::Jira,
            &jira_user,
            scenario.name(),
            Some(&tok.created),
            tok.expires.as_deref(),
        ));
    }
    records.extend(record(
        &profile,
        Side::Ado,
        &ado.user,
        scenario.name(),
        ado.token_created.as_deref(),
        ado.token_expires.as_deref(),
    ));
    Ok(Rehearsal {
        description: scenario.description().to_owned(),
        jira_url: jira.url.clone(),
        jira_mode,
        jira_auth,
        jira_login: client.login.clone().filter(|l| *l != jira_user),
        jira_user,
        jira_token,
        service_project: spec
            .projects
            .get(&jira_project)
            .is_some_and(|p| p.kind == ProjectType::ServiceDesk),
        jira_project,
        jira_gateway_url,
        jira_ca: jira
            .ca_pem
            .clone()
            .map(|p| (p, client.trust_ca != Some(false))),
        ado,
        records,
        profile,
    })
}

impl Rehearsal {
    /// The `[[profile]]` block, with the tokens at `jira_token` / `ado_token` (references such
    /// as `file:jira-token` or `env:NAME`) and the CA files under the given names.
    pub(crate) fn profile_toml(
        &self,
        jira_token: &str,
        ado_token: &str,
        jira_ca: &str,
        ado_ca: &str,
    ) -> String {
        let mut t = String::new();
        t.push_str("[[profile]]\n");
        let _ = writeln!(t, "name = {}", toml_string(&self.profile));
        t.push_str("direction = \"both\"\nconflict = \"newest-wins\"\n\n[profile.jira]\n");
        let _ = writeln!(t, "url = {}", toml_string(&self.jira_url));
        let _ = writeln!(t, "mode = \"{}\"", self.jira_mode);
        let _ = writeln!(t, "auth = \"{}\"", self.jira_auth);
        let _ = writeln!(t, "user = {}", toml_string(&self.jira_user));
        if let Some(login) = &self.jira_login {
            t.push_str(
                "# The credentials are another account's: the mistake this profile rehearses.\n",
            );
            let _ = writeln!(t, "login = {}", toml_string(login));
        }
        let _ = writeln!(t, "token = {}", toml_string(jira_token));
        let _ = writeln!(t, "project = {}", toml_string(&self.jira_project));
        if self.jira_mode == "cloud" {
            t.push_str(
                "# The simulator also serves Atlassian's API gateway paths (/ex/jira/{cloudId}).\n",
            );
            let _ = writeln!(t, "api_gateway = {}", toml_string(&self.jira_url));
        }
        if let Some(gw) = &self.jira_gateway_url {
            let _ = writeln!(t, "gateway_url = {}", toml_string(gw));
        }
        match &self.jira_ca {
            Some((_, true)) => {
                let _ = writeln!(t, "ca_bundle = {}", toml_string(jira_ca));
            }
            Some((_, false)) => {
                let _ = write!(
                    t,
                    "# The simulator's CA ({jira_ca}, next to this file) is not trusted yet: that \
                     is\n# the scenario. Uncomment the next line to trust it, as you would your \
                     proxy's CA.\n# ca_bundle = {}\n",
                    toml_string(jira_ca)
                );
            }
            None => {}
        }
        t.push_str("\n[profile.ado]\n");
        let _ = writeln!(t, "url = {}", toml_string(&self.ado.url));
        let _ = writeln!(t, "project = {}", toml_string(&self.ado.project));
        if let Some(area) = &self.ado.area_path {
            let _ = writeln!(t, "area_path = {}", toml_string(area));
        }
        let _ = writeln!(t, "user = {}", toml_string(&self.ado.user));
        let _ = writeln!(t, "token = {}", toml_string(ado_token));
        if self.ado.ca_pem.is_some() {
            let _ = writeln!(t, "ca_bundle = {}", toml_string(ado_ca));
        }
        t.push_str(
            "\n[[profile.field]]\njira = \"summary\"\nado = \"System.Title\"\n\n\
             [[profile.field]]\njira = \"description\"\nado = \"System.Description\"\n\n\
             [[profile.field]]\njira = \"status\"\nado = \"System.State\"\n\n\
             [[profile.type]]\njira = \"Task\"\nado = \"Task\"\n",
        );
        let states: &[(&str, &str)] = if self.service_project {
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
        t
    }
}

fn write_secret(dir: &Path, name: &str, secret: &str) -> anyhow::Result<()> {
    let path = dir.join(name);
    fsutil::write_atomic(&path, format!("{secret}\n").as_bytes(), 0o600)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Writes the config at `path`, its secret files and CA copies next to it, and the token
/// records in `state/` next to it.
pub(crate) fn write(path: &Path, r: &Rehearsal) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    write_secret(&dir, "jira-token", &r.jira_token)?;
    write_secret(&dir, "ado-token", &r.ado.token)?;
    if let Some((ca, _)) = &r.jira_ca {
        std::fs::copy(ca, dir.join("jira-ca.pem"))
            .with_context(|| format!("cannot copy {}", ca.display()))?;
    }
    if let Some(ca) = &r.ado.ca_pem {
        std::fs::copy(ca, dir.join("ado-ca.pem"))
            .with_context(|| format!("cannot copy {}", ca.display()))?;
    }
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Written by `tandem sim --scenario {} --write-config`: a profile pointing at the",
        r.profile
    );
    t.push_str("# running simulator, with the credentials and settings the scenario describes.\n");
    let _ = writeln!(
        t,
        "# Rehearse with: tandem doctor --config {}",
        path.display()
    );
    t.push_str("#\n");
    for line in wrap_comment(&format!("Scenario: {}", r.description)) {
        let _ = writeln!(t, "# {line}");
    }
    t.push_str("\nstate_dir = \"state\"\n\n");
    t.push_str(&r.profile_toml(
        "file:jira-token",
        "file:ado-token",
        "jira-ca.pem",
        "ado-ca.pem",
    ));
    fsutil::write_atomic(path, t.as_bytes(), 0o600)
        .with_context(|| format!("cannot write {}", path.display()))?;
    let state = dir.join("state");
    fsutil::create_private_dir(&state)
        .with_context(|| format!("cannot create {}", state.display()))?;
    let mut book = TokenBook::load(&state)?;
    for rec in &r.records {
        book.record(rec.clone());
    }
    book.save()?;
    Ok(())
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
