//! `tandem sync --once`: one pass of every profile (or one), with `--dry-run` to print the plan
//! without writing, `--json` for machines. Long passes show a progress bar on a terminal and
//! plain log lines elsewhere.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use tandem_config::{Config, Env, Profile};
use tandem_core::{FieldValue, FieldWrite, Op};
use tandem_engine::{Event, Hooks, ItemOutcome, Mode, PassReport, Progress, Stop};
use tandem_store::PassOutcome;

use super::config::{ConfigFileArgs, load};
use crate::wiring;

/// Arguments of `tandem sync`.
#[derive(Debug, clap::Args)]
pub(crate) struct SyncArgs {
    #[command(flatten)]
    file: ConfigFileArgs,
    /// Run one pass and exit (the only mode of `sync`; `tandem run` keeps syncing).
    #[arg(long)]
    once: bool,
    /// Only this profile (default: every profile in the config).
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Items synced at once (their requests overlap; both sides' rate limits still pace
    /// them). Default 4.
    #[arg(long, value_name = "N")]
    concurrency: Option<usize>,
    /// Print what would change, per item and field, and every conflict; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// The profiles a command acts on.
pub(crate) fn profiles<'c>(
    config: &'c Config,
    only: Option<&str>,
) -> anyhow::Result<Vec<&'c Profile>> {
    match only {
        Some(name) => Ok(vec![super::token::find_profile(config, name)?]),
        None => Ok(config.profiles.iter().collect()),
    }
}

/// Logs to stderr: `TANDEM_LOG` sets the filter (default `info`, `warn` under a progress bar).
pub(crate) fn init_logging(env: &Env, quiet: bool) {
    let default = if quiet { "warn" } else { "info" };
    let filter = env
        .get("TANDEM_LOG")
        .and_then(|v| v.to_str())
        .unwrap_or(default)
        .to_owned();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// Progress on stderr: a bar on a terminal, one line per page and per item that needs
/// attention elsewhere.
#[derive(Debug)]
pub(crate) struct CliProgress {
    bar: Option<ProgressBar>,
}

impl CliProgress {
    pub(crate) fn new(profile: &str, json: bool) -> CliProgress {
        let bar = (!json && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} items {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_prefix(profile.to_owned());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        CliProgress { bar }
    }

    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for CliProgress {
    fn event(&self, event: &Event) {
        match (&self.bar, event) {
            (Some(bar), Event::Page { items, .. }) => bar.inc_length(*items as u64),
            (Some(bar), Event::Item { subject, .. }) => {
                bar.inc(1);
                bar.set_message(subject.clone());
            }
            (None, Event::Page { side, items }) => {
                tracing::info!("{side}: read {items} changed item(s)");
            }
            (None, Event::Item { outcome, subject }) => {
                if !matches!(*outcome, "unchanged" | "recorded") {
                    tracing::info!("{subject}: {outcome}");
                }
            }
        }
    }
}

pub(crate) fn run(args: &SyncArgs) -> anyhow::Result<ExitCode> {
    let env = Env::from_process();
    let loaded = load(&args.file, &env)?;
    let config = loaded.config;
    let keyring = crate::keyring::system_keyring();
    let targets = profiles(&config, args.profile.as_deref())?;
    let interactive = !args.json && std::io::stderr().is_terminal();
    init_logging(&env, interactive);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mode = if args.dry_run {
        Mode::DryRun
    } else {
        Mode::Apply
    };
    let mut reports = Vec::new();
    // A profile that cannot start (a token that does not resolve, a fatal store error) does
    // not hide what the others did: their reports are printed, then its error.
    let mut failures: Vec<String> = Vec::new();
    runtime.block_on(async {
        for profile in &targets {
            let progress = Arc::new(CliProgress::new(&profile.name, args.json));
            let hooks = Hooks {
                progress: progress.clone(),
                stop: Stop::new(),
                ..Hooks::default()
            };
            let result = async {
                let engine = wiring::engine(
                    &config,
                    profile,
                    &env,
                    keyring.as_ref(),
                    hooks,
                    args.concurrency,
                )
                .await?;
                anyhow::Ok(engine.pass(mode).await?)
            }
            .await;
            progress.finish();
            match result {
                Ok(report) => reports.push(report),
                Err(e) => failures.push(format!("profile {}: {e:#}", profile.name)),
            }
        }
    });
    let mut out = std::io::stdout().lock();
    if args.json {
        let json = serde_json::json!({
            "reports": reports,
            "errors": failures,
            "peak_rss_kb": peak_rss_kb(),
        });
        writeln!(out, "{json}")?;
    } else {
        for r in &reports {
            write!(out, "{}", render(r))?;
        }
    }
    let mut err = std::io::stderr().lock();
    for f in &failures {
        writeln!(err, "tandem: {f}")?;
    }
    if !failures.is_empty() {
        return Ok(ExitCode::from(1));
    }
    Ok(exit_code(&reports))
}

/// 0: every pass completed with no failed item; 1: a pass failed or was interrupted; 2: some
/// items failed (they are tried again next pass).
pub(crate) fn exit_code(reports: &[PassReport]) -> ExitCode {
    if reports.iter().any(|r| r.outcome != PassOutcome::Completed) {
        ExitCode::from(1)
    } else if reports.iter().any(|r| r.counts.errors > 0) {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// This process's peak resident memory, in KiB (Linux `VmHWM`), when known.
pub(crate) fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn show(v: Option<&FieldValue>) -> String {
    v.map_or_else(|| "(empty)".to_owned(), ToString::to_string)
}

fn writes(out: &mut String, ws: &[FieldWrite]) {
    for w in ws {
        out.push_str(&format!(
            "      {}: {} -> {}\n",
            w.name,
            show(w.old.as_ref()),
            show(w.new.as_ref())
        ));
    }
}

/// One op, as a dry run shows it: what, then one line per field.
fn render_op(op: &Op, out: &mut String) {
    match op {
        Op::Create(c) => {
            out.push_str(&format!(
                "    create on {} as {:?}\n",
                c.target, c.item_type
            ));
            writes(out, &c.fields);
            if let Some(s) = &c.state {
                writes(out, std::slice::from_ref(s));
            }
        }
        Op::Update(u) => {
            out.push_str(&format!("    update {}\n", u.target));
            writes(out, &u.writes);
        }
        Op::ChangeState(s) => {
            out.push_str(&format!("    change state of {}\n", s.target));
            writes(out, std::slice::from_ref(&s.write));
        }
        Op::ParkConflict(c) => out.push_str(&format!(
            "    conflict on {}: Jira {} vs Azure DevOps {} (nothing written for it)\n",
            c.field,
            show(c.jira.as_ref()),
            show(c.ado.as_ref())
        )),
        Op::ParkItem { reasons, .. } => {
            for r in reasons {
                out.push_str(&format!("    parked: {r}\n"));
            }
        }
        Op::Adopt { marker, .. } => out.push_str(&format!(
            "    link to the item it was created from (marker {marker})\n"
        )),
        Op::RecordBaselines { .. } => {}
        other => out.push_str(&format!("    {other}\n")),
    }
}

/// The human report of a pass.
pub(crate) fn render(r: &PassReport) -> String {
    let mut out = String::new();
    let secs = (r.finished.0 - r.started.0) as f64 / 1000.0;
    let c = &r.counts;
    let verb = if r.dry_run { "dry run" } else { "pass" };
    out.push_str(&format!(
        "profile {}: {verb} {} in {secs:.1}s: {} read, {} created, {} updated, {} conflict(s), {} parked, {} failed\n",
        r.profile,
        match r.outcome {
            PassOutcome::Completed => "completed",
            PassOutcome::Interrupted => "interrupted",
            PassOutcome::Failed => "failed",
        },
        c.seen,
        c.created,
        c.updated,
        c.conflicts,
        c.parked,
        c.errors,
    ));
    if r.dry_run {
        let planned: Vec<_> = r
            .items
            .iter()
            .filter(|i| i.outcome != ItemOutcome::Unchanged)
            .collect();
        if planned.is_empty() {
            out.push_str("  nothing to do\n");
        }
        for item in planned {
            out.push_str(&format!("  {}\n", item.subject));
            for op in &item.ops {
                render_op(op, &mut out);
            }
        }
        out.push_str("  (dry run: nothing was written)\n");
    } else {
        for item in &r.items {
            let line = match item.outcome {
                ItemOutcome::Created | ItemOutcome::Updated => continue,
                ItemOutcome::Conflict => {
                    let fields: Vec<String> = item
                        .ops
                        .iter()
                        .filter_map(|o| match o {
                            Op::ParkConflict(c) => Some(c.field.clone()),
                            _ => None,
                        })
                        .collect();
                    format!(
                        "  conflict {}: {} (see `tandem conflicts`)",
                        item.subject,
                        fields.join(", ")
                    )
                }
                other => format!(
                    "  {} {}: {}",
                    other.as_str(),
                    item.subject,
                    item.message.as_deref().unwrap_or("")
                ),
            };
            out.push_str(&line);
            out.push('\n');
        }
    }
    for e in r.errors.iter().take(1) {
        if r.outcome == PassOutcome::Failed {
            out.push_str(&format!("  error: {e}\n"));
        }
    }
    out
}
