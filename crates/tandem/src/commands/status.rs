//! `tandem status`: per profile, the last pass, items linked, conflicts waiting, parked items
//! and errors. Reads the state only; connects to nothing.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use tandem_config::Env;
use tandem_store::{PassOutcome, Store};

use super::config::{ConfigFileArgs, load};
use super::sync::profiles;
use crate::wiring;

/// Arguments of `tandem status` (and `tandem links`): the config, one profile or all, JSON.
#[derive(Debug, clap::Args)]
pub(crate) struct StatusArgs {
    #[command(flatten)]
    pub(crate) file: ConfigFileArgs,
    /// Only this profile.
    #[arg(long, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// JSON on stdout.
    #[arg(long)]
    pub(crate) json: bool,
}

/// A runtime for the commands that only read the state.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

pub(crate) fn when(ms: tandem_core::EpochMs) -> String {
    ms.to_timestamp()
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| ms.to_string())
}

pub(crate) fn run(args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let env = Env::from_process();
    let config = load(&args.file, &env)?.config;
    let targets = profiles(&config, args.profile.as_deref())?;
    let rt = runtime()?;
    let mut out = std::io::stdout().lock();
    let mut json = Vec::new();
    let mut healthy = true;
    rt.block_on(async {
        let store = wiring::open_store(&config, &env).await?;
        for p in &targets {
            let s = store.status(&p.name).await?;
            let parked = store.parked(&p.name).await?;
            let last = s.last_pass.as_ref().and_then(|l| l.summary.as_ref());
            // A pass stopped by a signal is healthy (it resumes next time); one that failed,
            // or left items failing, is not.
            if last.is_some_and(|l| l.outcome == PassOutcome::Failed || l.counts.errors > 0) {
                healthy = false;
            }
            if args.json {
                json.push(serde_json::json!({
                    "profile": p.name,
                    "status": s,
                    "parked_items": parked,
                }));
                continue;
            }
            writeln!(out, "profile {}", p.name)?;
            match &s.last_pass {
                None => writeln!(out, "  last pass:  never (run `tandem sync --once`)")?,
                Some(pass) => match &pass.summary {
                    None => writeln!(out, "  last pass:  started {}, still running (or stopped abruptly)", when(pass.started))?,
                    Some(sum) => {
                        let c = &sum.counts;
                        writeln!(
                            out,
                            "  last pass:  {} at {}: {} read, {} created, {} updated, {} conflict(s), {} parked, {} failed",
                            match sum.outcome {
                                PassOutcome::Completed => "completed",
                                PassOutcome::Interrupted => "interrupted",
                                PassOutcome::Failed => "FAILED",
                            },
                            when(sum.finished),
                            c.seen, c.created, c.updated, c.conflicts, c.parked, c.errors
                        )?;
                        for e in sum.errors.iter().take(5) {
                            writeln!(out, "    error: {e}")?;
                        }
                    }
                },
            }
            writeln!(out, "  linked:     {} pair(s)", s.links)?;
            writeln!(
                out,
                "  conflicts:  {} waiting, {} chosen (applied next pass){}",
                s.open_conflicts,
                s.chosen_conflicts,
                if s.open_conflicts > 0 { " -> `tandem conflicts`" } else { "" }
            )?;
            if s.open_intents > 0 {
                writeln!(out, "  creates:    {} interrupted, resumed next pass", s.open_intents)?;
            }
            writeln!(out, "  parked:     {} item(s)", s.parked)?;
            for item in parked.iter().take(20) {
                writeln!(out, "    {}: {}", item.item, item.reason)?;
            }
        }
        anyhow::Ok(())
    })?;
    if args.json {
        writeln!(out, "{}", serde_json::Value::Array(json))?;
    }
    Ok(if healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
