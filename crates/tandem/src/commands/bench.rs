//! `tandem bench`: the sync engine's figures against both simulators, over real HTTP, with
//! the real binary doing the syncing.
//!
//! It starts both simulators in this process with `--items` work items (half in Jira `DEMO`,
//! half in Azure DevOps `Demo\Web`) and `--latency-ms` added to every response, then runs
//! `tandem sync --once` as a child process three times: the initial sync, an incremental pass
//! after `--change-percent` of the pairs were edited (half on each side), and a pass with
//! nothing to do. For each it reports the wall time, the child's peak memory, and the API
//! calls both simulators served, by kind and per changed item.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};
use secrecy::SecretString;
use serde_json::{Value, json};
use tandem_ado::{AdoAuth, AdoConfig, AdoConnector};
use tandem_connector::{Connector, FieldChanges, ItemId};
use tandem_jira::{Flavor, JiraAuth, JiraConfig, JiraConnector};
use tandem_sim::ado::AdoSim;
use tandem_sim::{JiraSim, Scenario, StatsSnapshot};
use tandem_store::{SqliteStore, Store};

/// Arguments of `tandem bench`.
#[derive(Debug, clap::Args)]
pub(crate) struct BenchArgs {
    /// Work items in all (half on each side).
    #[arg(long, default_value_t = 10_000)]
    items: u32,
    /// Milliseconds added to every simulator response.
    #[arg(long, default_value_t = 30)]
    latency_ms: u64,
    /// Share of the pairs edited before the incremental pass, in percent.
    #[arg(long, default_value_t = 1.0)]
    change_percent: f64,
    /// Items synced at once (`tandem sync --concurrency`).
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Print the figures as JSON.
    #[arg(long)]
    json: bool,
}

fn scenario(items: u32, latency_ms: u64) -> String {
    let half = items / 2;
    let rest = items - half;
    format!(
        r#"description = "tandem bench: {items} work items, {latency_ms} ms added latency"

[jira]
extends = "demo"
[jira.seed]
issues = {{ DEMO = {half}, HELP = 0 }}
max_comments = 0
[jira.faults]
latency_ms = {latency_ms}

[ado]
extends = "demo"
# The real service's rate limit would pace a 10,000-item first sync over hours; the bench
# measures the engine, so it is off here (the tests exercise it).
[ado.rate_limit]
enabled = false
[ado.generate]
count = {rest}
types = ["User Story", "Bug", "Task"]
areas = ["Web"]
people = ["alice", "bob", "sync-bot"]
days = 30
[ado.faults]
latency_ms = {latency_ms}
"#
    )
}

/// What kind of call a simulator route is.
fn kind(route: &str) -> &'static str {
    let (method, path) = route.split_once(' ').unwrap_or(("", route));
    if path.contains("search") || path.contains("wiql") {
        "feed/search"
    } else if path.contains("workitemsbatch")
        || (method == "GET"
            && (path.ends_with("/issue/{issueIdOrKey}") || path.ends_with("/workitems/{id}")))
    {
        "read items"
    } else if matches!(method, "POST" | "PUT" | "PATCH" | "DELETE") {
        "write"
    } else {
        "metadata"
    }
}

fn by_kind(s: &StatsSnapshot) -> BTreeMap<&'static str, u64> {
    let mut m = BTreeMap::new();
    for (route, n) in &s.by_route {
        *m.entry(kind(route)).or_insert(0) += n;
    }
    m
}

struct Phase {
    name: &'static str,
    wall_s: f64,
    peak_rss_kb: Option<u64>,
    report: Value,
    jira: StatsSnapshot,
    ado: StatsSnapshot,
}

pub(crate) fn run(args: &BenchArgs) -> anyhow::Result<ExitCode> {
    if args.items < 2 {
        bail!("--items must be at least 2");
    }
    let dir = tempfile::tempdir().context("cannot make a temporary directory")?;
    let scenario_path = dir.path().join("bench.toml");
    std::fs::write(&scenario_path, scenario(args.items, args.latency_ms))?;
    let scenario = Scenario::resolve(&scenario_path.to_string_lossy())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let (jira, ado) = runtime.block_on(async {
        anyhow::Ok((
            JiraSim::start(&scenario).await?,
            AdoSim::start(&scenario).await?,
        ))
    })?;
    let config_path = dir.path().join("tandem.toml");
    let profile = tandem_config::demo::profile_toml(&tandem_config::demo::DemoProfile {
        name: "demo",
        jira_url: jira.url(),
        jira_token: "env:TANDEM_BENCH_JIRA_TOKEN",
        ado_url: &ado.url(),
        ado_token: "env:TANDEM_BENCH_ADO_TOKEN",
    });
    std::fs::write(&config_path, profile)?;
    let state = dir.path().join("state");
    let exe = std::env::current_exe().context("cannot find the tandem executable")?;
    let mut err = std::io::stderr().lock();

    let reset = || {
        jira.server().common().stats.reset();
        ado.server().common().stats.reset();
    };
    let sync = |name: &'static str| -> anyhow::Result<Phase> {
        reset();
        let started = Instant::now();
        let out = Command::new(&exe)
            .args(["sync", "--once", "--json", "--concurrency"])
            .arg(args.concurrency.to_string())
            .arg("--config")
            .arg(&config_path)
            .env("TANDEM_BENCH_JIRA_TOKEN", "demo-jira-token-sync-bot")
            .env("TANDEM_BENCH_ADO_TOKEN", "demo-ado-pat-sync-bot")
            .env("TANDEM_STATE_DIR", &state)
            .env("TANDEM_LOG", "warn")
            .stderr(Stdio::inherit())
            .output()
            .context("cannot run tandem sync")?;
        let wall_s = started.elapsed().as_secs_f64();
        let json: Value = serde_json::from_slice(&out.stdout).with_context(|| {
            format!(
                "tandem sync printed no report (exit {:?})",
                out.status.code()
            )
        })?;
        Ok(Phase {
            name,
            wall_s,
            peak_rss_kb: json["peak_rss_kb"].as_u64(),
            report: json["reports"][0].clone(),
            jira: jira.server().common().stats.snapshot(),
            ado: ado.server().common().stats.snapshot(),
        })
    };

    writeln!(
        err,
        "bench: {} items, {} ms latency; initial sync...",
        args.items, args.latency_ms
    )?;
    let initial = sync("initial sync")?;

    // Edit a share of the pairs, as a person would: titles, half in Jira, half in ADO.
    let changed = runtime.block_on(edit(&state, jira.url(), &ado.url(), args.change_percent))?;
    writeln!(err, "bench: edited {changed} pairs; incremental pass...")?;
    let incremental = sync("incremental")?;
    let idle = sync("nothing changed")?;

    let phases = [&initial, &incremental, &idle];
    let mut out = std::io::stdout().lock();
    if args.json {
        let list: Vec<Value> = phases
            .iter()
            .map(|p| {
                json!({
                    "phase": p.name, "wall_s": p.wall_s, "peak_rss_kb": p.peak_rss_kb,
                    "counts": p.report["counts"],
                    "jira_calls": by_kind(&p.jira), "ado_calls": by_kind(&p.ado),
                    "jira_routes": p.jira.by_route, "ado_routes": p.ado.by_route,
                })
            })
            .collect();
        writeln!(
            out,
            "{}",
            json!({"items": args.items, "latency_ms": args.latency_ms, "changed": changed, "phases": list})
        )?;
    } else {
        writeln!(
            out,
            "tandem bench: {} items ({} per side), {} ms added latency, concurrency {}",
            args.items,
            args.items / 2,
            args.latency_ms,
            args.concurrency
        )?;
        for p in phases {
            let c = &p.report["counts"];
            writeln!(
                out,
                "\n{}: {:.1} s wall, peak memory {}, {} read, {} created, {} updated, {} failed",
                p.name,
                p.wall_s,
                p.peak_rss_kb.map_or("unknown".to_owned(), |k| format!(
                    "{:.1} MiB",
                    k as f64 / 1024.0
                )),
                c["seen"],
                c["created"],
                c["updated"],
                c["errors"]
            )?;
            for (side, s) in [("Jira", &p.jira), ("Azure DevOps", &p.ado)] {
                let k = by_kind(s);
                let list: Vec<String> = k.iter().map(|(k, n)| format!("{k} {n}")).collect();
                writeln!(out, "  {side}: {} calls ({})", s.total, list.join(", "))?;
            }
        }
        let per = |p: &Phase, what: &str| -> f64 {
            let n = by_kind(&p.jira).get(what).copied().unwrap_or(0)
                + by_kind(&p.ado).get(what).copied().unwrap_or(0);
            n as f64 / changed.max(1) as f64
        };
        writeln!(
            out,
            "\nincremental pass, per changed item ({changed} changed):"
        )?;
        for what in ["write", "read items", "feed/search", "metadata"] {
            writeln!(out, "  {what:<12} {:.2} calls", per(&incremental, what))?;
        }
        writeln!(
            out,
            "pass with nothing changed: {} write calls",
            by_kind(&idle.jira).get("write").copied().unwrap_or(0)
                + by_kind(&idle.ado).get("write").copied().unwrap_or(0)
        )?;
    }
    runtime.block_on(async {
        jira.shutdown().await;
        ado.shutdown().await;
    });
    Ok(ExitCode::SUCCESS)
}

/// Edits the title of `percent` of the linked pairs, alternating sides, as Alice.
async fn edit(
    state: &std::path::Path,
    jira_url: &str,
    ado_url: &str,
    percent: f64,
) -> anyhow::Result<usize> {
    let store = SqliteStore::open(state).await?;
    let links = store.links("demo").await?;
    store.close().await;
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "between 1 and 10,000 by the clamp"
    )]
    let every = (100.0 / percent.clamp(0.01, 100.0)).round().max(1.0) as usize;
    let jira = JiraConnector::new(JiraConfig::new(
        url::Url::parse(jira_url)?,
        Flavor::Cloud,
        JiraAuth::CloudToken {
            email: "alice@example.com".into(),
            token: SecretString::from("demo-jira-token-alice".to_owned()),
        },
        "DEMO",
    ))?;
    let ado = AdoConnector::new(AdoConfig::new(
        url::Url::parse(ado_url)?,
        "Demo",
        AdoAuth::Pat(SecretString::from("demo-ado-pat-alice".to_owned())),
    ))?;
    let mut n = 0;
    for (i, l) in links.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let mut c = FieldChanges::default();
        if i % (2 * every) == 0 {
            c.fields
                .insert("summary".into(), Some(json!(format!("Changed title {i}"))));
            jira.update(&ItemId::new(l.link.jira_id.clone()), &c, None)
                .await?;
        } else {
            c.fields.insert(
                "System.Title".into(),
                Some(json!(format!("Changed title {i}"))),
            );
            ado.update(&ItemId::new(l.link.ado_id.clone()), &c, None)
                .await?;
        }
        n += 1;
    }
    Ok(n)
}
