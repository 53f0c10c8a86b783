//! `tandem conflicts`: fields both sides changed differently, waiting for a person; and
//! `tandem conflicts resolve ID --take jira|ado`, applied by the next pass.

use std::io::Write;
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use tandem_config::Env;
use tandem_core::{FieldValue, Side};
use tandem_store::{ConflictId, ConflictStatus, Store};

use super::config::{ConfigFileArgs, load};
use super::status::{runtime, when};
use super::sync::profiles;
use crate::wiring;

/// Arguments of `tandem conflicts`.
#[derive(Debug, clap::Args)]
pub(crate) struct ConflictsArgs {
    #[command(flatten)]
    file: ConfigFileArgs,
    /// Only this profile.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Also list resolved conflicts.
    #[arg(long)]
    all: bool,
    /// JSON on stdout.
    #[arg(long)]
    json: bool,
    #[command(subcommand)]
    command: Option<ConflictsCommand>,
}

#[derive(Debug, Subcommand)]
enum ConflictsCommand {
    /// Settle a conflict: the next pass writes the chosen side's value to the other side.
    Resolve {
        /// The conflict's id (from `tandem conflicts`).
        id: i64,
        /// The side whose value wins.
        #[arg(long, value_enum)]
        take: Take,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Take {
    Jira,
    Ado,
}

fn show(v: Option<&FieldValue>) -> String {
    v.map_or_else(|| "(empty)".to_owned(), ToString::to_string)
}

pub(crate) fn run(args: &ConflictsArgs) -> anyhow::Result<ExitCode> {
    let env = Env::from_process();
    let config = load(&args.file, &env)?.config;
    let mut out = std::io::stdout().lock();
    runtime()?.block_on(async {
        let store = wiring::open_store(&config, &env).await?;
        if let Some(ConflictsCommand::Resolve { id, take }) = &args.command {
            let side = match take {
                Take::Jira => Side::Jira,
                Take::Ado => Side::Ado,
            };
            let now = tandem_core::EpochMs(jiff::Timestamp::now().as_millisecond());
            let c = store.choose_conflict(ConflictId(*id), side, now).await?;
            writeln!(
                out,
                "conflict {} ({} of {}): {} will win; the next `tandem sync --once` (or the running daemon) applies it",
                c.id, c.field, c.link, side
            )?;
            return anyhow::Ok(());
        }
        let targets = profiles(&config, args.profile.as_deref())?;
        let mut all = Vec::new();
        for p in &targets {
            let mut list = store.conflicts(&p.name, None).await?;
            if !args.all {
                list.retain(|c| c.status != ConflictStatus::Resolved);
            }
            if args.json {
                all.extend(list);
                continue;
            }
            writeln!(out, "profile {}: {} conflict(s)", p.name, list.len())?;
            for c in list {
                writeln!(
                    out,
                    "  #{} {} field {} ({}, since {})",
                    c.id,
                    c.link,
                    c.field,
                    match (c.status, c.take) {
                        (ConflictStatus::Open, _) => "open".to_owned(),
                        (ConflictStatus::Chosen, Some(s)) => format!("{s} chosen, applied next pass"),
                        (ConflictStatus::Chosen, None) => "chosen".to_owned(),
                        (ConflictStatus::Resolved, _) => format!("resolved: {}", c.resolution.as_deref().unwrap_or("")),
                    },
                    when(c.created)
                )?;
                writeln!(out, "      Jira:         {}", show(c.jira.as_ref()))?;
                writeln!(out, "      Azure DevOps: {}", show(c.ado.as_ref()))?;
                if c.status == ConflictStatus::Open {
                    writeln!(out, "      settle with: tandem conflicts resolve {} --take jira|ado", c.id)?;
                }
            }
        }
        if args.json {
            writeln!(out, "{}", serde_json::to_string(&all)?)?;
        }
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
