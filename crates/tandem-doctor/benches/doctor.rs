//! What a `tandem doctor` run costs against the simulator: requests per side for a healthy
//! profile (read-only, and with `--probe-write`), for the article's wrong-user profile, and
//! wall time per run (both sides are probed concurrently).
//! Run: `cargo bench -p tandem-doctor`.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark prints its figures"
)]

use std::path::Path;
use std::time::{Duration, Instant};

use tandem_config::{Config, ParseOptions};
use tandem_doctor::probe::Options;
use tandem_sim::{AdoSim, JiraSim, Scenario};

#[path = "../tests/it/inputs.rs"]
mod inputs;
use inputs::inputs;

const RUNS: usize = 200;

fn config(jira: &str, ado: &str, login: &str) -> Config {
    let text = format!(
        r#"
[[profile]]
name = "demo"

[profile.jira]
url = "{jira}"
mode = "cloud"
user = "sync-bot@example.com"
login = "{login}"
token = "env:JIRA"
project = "DEMO"
api_gateway = "{jira}"

[profile.ado]
url = "{ado}"
project = "Demo"
area_path = 'Demo\Web'
user = "sync-bot@example.com"
token = "env:ADO"

[[profile.field]]
jira = "summary"
ado = "System.Title"

[[profile.field]]
jira = "description"
ado = "System.Description"

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
    tandem_config::parse(&text, Path::new("bench.toml"), ParseOptions::default())
        .unwrap()
        .config
}

/// The `p`-th percentile (per cent) of sorted samples, nearest rank.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    let i = (sorted.len() - 1) * p / 100;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let scenario = Scenario::builtin("demo").unwrap();
        let today = jiff::civil::date(2026, 6, 1);
        let cases: [(&str, &str, &str, Option<&str>); 3] = [
            (
                "healthy, read-only",
                "sync-bot@example.com",
                "demo-jira-token-sync-bot",
                None,
            ),
            (
                "healthy, --probe-write DEMO",
                "sync-bot@example.com",
                "demo-jira-token-sync-bot",
                Some("DEMO"),
            ),
            (
                "wrong user (alice's token)",
                "alice@example.com",
                "demo-jira-token-alice",
                None,
            ),
        ];
        println!(
            "{:<30} {:>9} {:>8} {:>8} {:>10} {:>10} {:>10}",
            "profile", "Jira req", "ADO req", "writes", "median", "p95", "max"
        );
        for (name, login, token, write) in cases {
            // Fresh simulators per case: Azure DevOps' rate limit (200 TSTU per identity per
            // sliding 5 minutes) would otherwise start delaying the later cases, which
            // measures the simulator's faithfulness, not doctor.
            let jira = JiraSim::start(&scenario).await.unwrap();
            let ado = AdoSim::start(&scenario).await.unwrap();
            let jira_stats = &jira.server().common().stats;
            let ado_stats = &ado.server().common().stats;
            let cfg = config(jira.url(), &ado.url(), login);
            let profile = &cfg.profiles[0];
            let options = Options {
                today,
                token_warning_days: 14,
                probe_write: write.is_some(),
                jira_write_project: write.map(str::to_owned),
            };
            // Warm-up: connections, the simulator's caches.
            for _ in 0..3 {
                tandem_doctor::examine(profile, inputs(profile, token), &options).await;
            }
            let mut times = Vec::with_capacity(RUNS);
            let (mut jira_req, mut ado_req, mut writes) = (0u64, 0u64, 0u64);
            for _ in 0..RUNS {
                jira_stats.reset();
                ado_stats.reset();
                let started = Instant::now();
                let report =
                    tandem_doctor::examine(profile, inputs(profile, token), &options).await;
                times.push(started.elapsed());
                let (j, a) = (jira_stats.snapshot(), ado_stats.snapshot());
                jira_req = j.total;
                ado_req = a.total;
                writes = j.writes + a.writes;
                assert!(report.verdict.exit_code == 0 || name.starts_with("wrong"));
            }
            times.sort();
            println!(
                "{name:<30} {jira_req:>9} {ado_req:>8} {writes:>8} {:>8.1}ms {:>8.1}ms {:>8.1}ms",
                percentile(&times, 50).as_secs_f64() * 1000.0,
                percentile(&times, 95).as_secs_f64() * 1000.0,
                times.last().unwrap().as_secs_f64() * 1000.0,
            );
        }
        println!("({RUNS} runs each, a fresh connector per run, both sides probed concurrently)");
    });
}
