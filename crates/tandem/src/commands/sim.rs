//! `tandem sim`: runs the simulators of a scenario until killed (Ctrl-C or SIGTERM).
//!
//! As soon as a half listens, one JSON line goes to stdout, e.g.
//! `{"sim":"jira","url":"http://127.0.0.1:41234","admin_key":"sim-…","scenario":"demo"}`
//! (plus `"ca_pem"` when TLS is on), so scripts can start it on port 0 and parse the URL.
//! A human summary of the scenario's identities follows.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use tandem_sim::ado::AdoSim;
use tandem_sim::{JiraSim, ListenOptions, Scenario};

/// Arguments of `tandem sim`.
#[derive(Debug, clap::Args)]
pub(crate) struct SimArgs {
    /// A built-in scenario name (see --list) or the path of a scenario file.
    #[arg(long, default_value = "demo")]
    scenario: String,
    /// Port of the Jira simulator (0: any free port).
    #[arg(long, default_value_t = 0)]
    jira_port: u16,
    /// Port of the Azure DevOps simulator (0: any free port). Its base URL is
    /// `http://HOST:PORT/{organization}`.
    #[arg(long, default_value_t = 0)]
    ado_port: u16,
    /// Interface to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Use this admin key for the `/_sim/` API instead of a random one.
    #[arg(long)]
    admin_key: Option<String>,
    /// List the built-in scenarios and exit.
    #[arg(long)]
    list: bool,
    /// Once listening, write a ready config for this scenario here (secrets in files next to
    /// it, mode 0600), then rehearse with `tandem doctor --config PATH`.
    #[arg(long, value_name = "PATH")]
    write_config: Option<std::path::PathBuf>,
}

pub(crate) fn run(args: &SimArgs) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if args.list {
        for name in Scenario::builtin_names() {
            let sc = Scenario::builtin(name)?;
            writeln!(out, "{name:<18} {}", sc.description())?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Every half is validated before any starts: a bad file starts nothing.
    let scenario = Scenario::resolve(&args.scenario)?;
    let jira = JiraSim::prepare(&scenario)?;
    let ado = AdoSim::prepare(&scenario)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listen = ListenOptions {
            host: args.host.clone(),
            port: args.jira_port,
            admin_key: args.admin_key.clone(),
            ca_dir: None,
        };
        let jira = jira.serve(&listen).await?;
        let mut line = serde_json::json!({
            "sim": "jira",
            "url": jira.url(),
            "admin_key": jira.admin_key(),
            "scenario": scenario.name(),
        });
        if let Some(ca) = jira.ca_pem_path() {
            line["ca_pem"] = serde_json::Value::String(ca.display().to_string());
        }
        writeln!(out, "{line}")?;
        let ado = ado
            .serve(&ListenOptions {
                port: args.ado_port,
                ..listen.clone()
            })
            .await?;
        let mut line = serde_json::json!({
            "sim": "ado",
            "url": ado.url(),
            "root_url": ado.root_url(),
            "admin_key": ado.admin_key(),
            "scenario": scenario.name(),
        });
        if let Some(ca) = ado.ca_pem_path() {
            line["ca_pem"] = serde_json::Value::String(ca.display().to_string());
        }
        if let Some(path) = &args.write_config {
            let running = super::sim_config::JiraRunning {
                url: jira.url().to_owned(),
                ca_pem: jira.ca_pem_path().map(std::path::Path::to_path_buf),
            };
            let ado_setup = super::sim_config::ado_setup(
                &scenario,
                ado.url(),
                ado.ca_pem_path().map(std::path::Path::to_path_buf),
            )?;
            let setup = super::sim_config::rehearsal(&scenario, &running, ado_setup)?;
            super::sim_config::write(path, &setup)?;
            line["config"] = serde_json::Value::String(path.display().to_string());
        }
        writeln!(out, "{line}")?;
        writeln!(out)?;
        writeln!(
            out,
            "scenario {}: {}",
            scenario.name(),
            scenario.description()
        )?;
        write!(out, "{}", jira.summary())?;
        writeln!(
            out,
            "admin API: {}/_sim/stats etc. with header X-Tandem-Sim-Key: {}",
            jira.url(),
            jira.admin_key()
        )?;
        write!(out, "{}", ado.summary())?;
        writeln!(
            out,
            "admin API: {}/_sim/stats etc. with header X-Tandem-Sim-Key: {}",
            ado.root_url(),
            ado.admin_key()
        )?;
        writeln!(out, "Stop with Ctrl-C.")?;
        out.flush()?;
        drop(out);
        wait_for_shutdown().await;
        jira.shutdown().await;
        ado.shutdown().await;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
