//! `tandem demo`: what tandem does, against the built-in simulators, with no outside server
//! and nothing written to disk.
//!
//! One function per step, run in order by [`run`]; a later step (the sync) appends a
//! function and one line there:
//! 1. [`start`]: the simulators of the `demo` scenario, in this process, on loopback ports;
//! 2. [`doctor_healthy`]: `tandem doctor` on a healthy profile (sync-bot's own tokens);
//! 3. [`doctor_broken`]: `tandem doctor` on the article's broken profile: the Jira token was
//!    created while signed in as alice, a site admin, not as the sync user;
//! 4. [`next_steps`]: where to go from here (stays last).
//!
//! The demo exits 0 when the healthy profile is healthy and the broken one is diagnosed as
//! the article says (credentials, the wrong user); anything else is a defect and exits 1.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use tandem_config::{Config, Env, NoKeyring, ParseOptions, SecretResolver};
use tandem_doctor::probe::{Inputs, Options};
use tandem_doctor::{Code, Report};
use tandem_sim::{AdoSim, AdoSimHandle, JiraSim, JiraSimHandle, Scenario};

use super::sim_config::{JiraRunning, ado_setup, rehearsal};

/// The running simulators and the demo's profiles.
pub(crate) struct DemoWorld {
    jira: JiraSimHandle,
    ado: AdoSimHandle,
    /// Token records of both profiles.
    records: Vec<tandem_config::TokenRecord>,
    /// The config holding both profiles (tokens come from `env`, never a file).
    config: Config,
    /// The demo's secrets, as the environment variables the config refers to.
    env: Env,
}

/// Requests a doctor run made, per side, and how long it took.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunCost {
    pub(crate) jira_requests: u64,
    pub(crate) ado_requests: u64,
    pub(crate) elapsed: Duration,
}

const HEALTHY: &str = "demo";
const BROKEN: &str = "demo-wrong-user";

pub(crate) fn run() -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let mut out = std::io::stdout().lock();
        let world = start(&mut out).await?;
        let healthy = doctor_healthy(&world, &mut out).await?;
        let broken = doctor_broken(&world, &mut out).await?;
        next_steps(&mut out)?;
        world.jira.shutdown().await;
        world.ado.shutdown().await;
        let as_expected = healthy.verdict.exit_code == 0
            && broken.verdict.primary == Some(Code::JiraIdentityMismatch);
        if !as_expected {
            writeln!(
                out,
                "The demo did not go as expected (healthy: {:?}, broken: {:?}): please report \
                 this output.",
                healthy.verdict.primary, broken.verdict.primary
            )?;
            return Ok(ExitCode::FAILURE);
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Step 1: the simulators of the `demo` scenario, and the two profiles.
pub(crate) async fn start(out: &mut impl Write) -> anyhow::Result<DemoWorld> {
    let scenario = Scenario::builtin("demo")?;
    let jira = JiraSim::start(&scenario).await?;
    let ado = AdoSim::start(&scenario).await?;
    let running = JiraRunning {
        url: jira.url().to_owned(),
        ca_pem: None,
    };
    let healthy = rehearsal(&scenario, &running, ado_setup(&scenario, ado.url(), None)?)?;
    // The article's case: the token was created while signed in as alice (a site admin too),
    // and the configuration sends her email with it; the intended sync user stays sync-bot.
    let mut broken = healthy.clone();
    broken.profile = BROKEN.to_owned();
    broken.jira_login = Some("alice@example.com".to_owned());
    broken.jira_token = "demo-jira-token-alice".to_owned();
    for r in &mut broken.records {
        r.profile = BROKEN.to_owned();
    }
    let text = format!(
        "{}\n{}",
        healthy.profile_toml(
            "env:TANDEM_DEMO_JIRA_TOKEN",
            "env:TANDEM_DEMO_ADO_TOKEN",
            "",
            ""
        ),
        broken.profile_toml(
            "env:TANDEM_DEMO_ALICE_TOKEN",
            "env:TANDEM_DEMO_ADO_TOKEN",
            "",
            ""
        )
    );
    let config = tandem_config::parse(&text, Path::new("demo.toml"), ParseOptions::default())
        .map_err(|e| anyhow::anyhow!("the demo's own configuration is invalid: {e}"))?
        .config;
    let env = Env::empty()
        .with("TANDEM_DEMO_JIRA_TOKEN", healthy.jira_token.clone())
        .with("TANDEM_DEMO_ALICE_TOKEN", broken.jira_token.clone())
        .with("TANDEM_DEMO_ADO_TOKEN", healthy.ado.token.clone());
    writeln!(
        out,
        "tandem {} demo: everything below runs against tandem's built-in simulators.",
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(out)?;
    writeln!(out, "  Jira Cloud      {}", jira.url())?;
    writeln!(out, "  Azure DevOps    {}", healthy.ado.url)?;
    writeln!(out, "  sync user       {} on both sides", healthy.jira_user)?;
    writeln!(out)?;
    let records = healthy
        .records
        .iter()
        .chain(&broken.records)
        .cloned()
        .collect();
    Ok(DemoWorld {
        jira,
        ado,
        records,
        config,
        env,
    })
}

impl DemoWorld {
    /// Runs doctor on one of the demo's profiles, counting the requests each simulator served.
    pub(crate) async fn doctor(&self, name: &str) -> anyhow::Result<(Report, RunCost)> {
        let profile = self
            .config
            .profile(name)
            .with_context(|| format!("the demo has no profile {name}"))?;
        let keyring = NoKeyring::new("the demo keeps its tokens in memory");
        let resolver = SecretResolver::new(&self.env, &keyring);
        let records: Vec<&tandem_config::TokenRecord> = self.records.iter().collect();
        let inputs: Inputs = super::doctor::inputs(profile, &resolver, &records);
        let options = Options {
            today: super::token::today(),
            token_warning_days: self.config.token_warning_days,
            probe_write: false,
            jira_write_project: None,
        };
        let jira_stats = &self.jira.server().common().stats;
        let ado_stats = &self.ado.server().common().stats;
        jira_stats.reset();
        ado_stats.reset();
        let started = Instant::now();
        let report = tandem_doctor::examine(profile, inputs, &options).await;
        let cost = RunCost {
            jira_requests: jira_stats.snapshot().total,
            ado_requests: ado_stats.snapshot().total,
            elapsed: started.elapsed(),
        };
        Ok((report, cost))
    }
}

/// Step 2: doctor on the healthy profile.
pub(crate) async fn doctor_healthy(
    world: &DemoWorld,
    out: &mut impl Write,
) -> anyhow::Result<Report> {
    writeln!(
        out,
        "1. `tandem doctor` on a healthy profile: the tokens are sync-bot's own.\n"
    )?;
    let (report, cost) = world.doctor(HEALTHY).await?;
    write!(out, "{}", report.to_text())?;
    writeln!(
        out,
        "   ({} requests to Jira, {} to Azure DevOps, {} ms)\n",
        cost.jira_requests,
        cost.ado_requests,
        cost.elapsed.as_millis()
    )?;
    Ok(report)
}

/// Step 3: doctor on the article's broken profile.
pub(crate) async fn doctor_broken(
    world: &DemoWorld,
    out: &mut impl Write,
) -> anyhow::Result<Report> {
    writeln!(
        out,
        "2. The troubleshooting article's case: the Jira token was created while signed in as\n   \
         alice (a site admin), and the profile sends her email with it; the intended sync user\n   \
         is still sync-bot.\n"
    )?;
    let (report, _) = world.doctor(BROKEN).await?;
    write!(out, "{}", report.to_text())?;
    writeln!(out)?;
    Ok(report)
}

/// Last step: where to go from here.
pub(crate) fn next_steps(out: &mut impl Write) -> anyhow::Result<()> {
    writeln!(out, "Next:")?;
    for (command, what) in [
        ("tandem sim --list", "the failures the simulator rehearses"),
        (
            "tandem sim --scenario NAME --write-config DIR/tandem.toml",
            "run one, with a ready config",
        ),
        (
            "tandem doctor --config DIR/tandem.toml",
            "and let doctor name it",
        ),
        ("tandem --help", "every command"),
    ] {
        writeln!(out, "  {command:<58} {what}")?;
    }
    Ok(())
}
