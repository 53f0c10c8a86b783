//! `tandem run`: the daemon. Passes every profile at an interval until SIGINT or SIGTERM; on
//! a signal the pass in progress finishes the items in flight, records where it stopped, and
//! the process exits.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tandem_config::Env;
use tandem_engine::{Hooks, Mode, Stop};

use super::config::{ConfigFileArgs, load};
use super::sync::{CliProgress, init_logging, profiles, render};
use crate::wiring;

/// Arguments of `tandem run`.
#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    file: ConfigFileArgs,
    /// Only this profile (default: every profile in the config).
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Items synced at once (their requests overlap; both sides' rate limits still pace
    /// them). Default 4.
    #[arg(long, value_name = "N")]
    concurrency: Option<usize>,
    /// Seconds between the start of two passes.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    interval: u64,
}

pub(crate) fn run(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let env = Env::from_process();
    let config = load(&args.file, &env)?.config;
    let keyring = crate::keyring::system_keyring();
    let targets = profiles(&config, args.profile.as_deref())?;
    init_logging(&env, false);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let stop = Stop::new();
    runtime.block_on(async {
        let signal_stop = stop.clone();
        tokio::spawn(async move {
            super::sim::wait_for_shutdown().await;
            tracing::info!("stopping: finishing the items in flight");
            signal_stop.stop();
        });
        let mut engines = Vec::new();
        for profile in &targets {
            let hooks = Hooks {
                progress: Arc::new(CliProgress::new(&profile.name, true)),
                stop: stop.clone(),
                ..Hooks::default()
            };
            engines.push(
                wiring::engine(
                    &config,
                    profile,
                    &env,
                    keyring.as_ref(),
                    hooks,
                    args.concurrency,
                )
                .await?,
            );
        }
        tracing::info!(
            profiles = engines.len(),
            interval_s = args.interval,
            "tandem run: syncing until SIGINT or SIGTERM"
        );
        loop {
            let started = tokio::time::Instant::now();
            for engine in &engines {
                if stop.is_stopped() {
                    break;
                }
                let report = engine.pass(Mode::Apply).await?;
                for line in render(&report).lines() {
                    tracing::info!("{line}");
                }
            }
            let next = started + Duration::from_secs(args.interval.max(1));
            let wait = next.saturating_duration_since(tokio::time::Instant::now());
            if stop.sleep(wait).await {
                break;
            }
        }
        tracing::info!("stopped");
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
