//! Throughput and memory of the Jira simulator.
//!
//! ```text
//! cargo run --release -p tandem-sim --example bench -- [--issues 100000] [--seconds 5] [--concurrency 32]
//! ```
//!
//! Builds the `demo` world with `--issues` extra issues in DEMO, reports the process's resident
//! memory before and after, then drives simple authenticated GETs over loopback HTTP/1.1
//! keep-alive from the same process (so client and server share the machine's cores) and reports
//! requests per second for `serverInfo` and `issue/{key}`, plus the latency of one JQL search
//! over the whole world. Figures go to stdout; nothing is asserted.

// A report on the terminal is this program's whole point.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tandem_sim::{JiraSim, Origin, Scenario};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[allow(clippy::disallowed_methods)] // a benchmark client, not a connector
fn http_client(concurrency: usize) -> reqwest::Client {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|b| {
            b.with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth()
        });
    let mut b = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(concurrency);
    if let Ok(cfg) = tls {
        b = b.tls_backend_preconfigured(cfg);
    }
    b.build().unwrap_or_default()
}

async fn drive(
    client: &reqwest::Client,
    url: Arc<dyn Fn(u64) -> String + Send + Sync>,
    concurrency: usize,
    seconds: u64,
) -> (u64, u64) {
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for t in 0..concurrency {
        let (client, url, ok, failed) = (client.clone(), url.clone(), ok.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = t as u64;
            while Instant::now() < deadline {
                let r = client
                    .get(url(i))
                    .basic_auth("sync-bot@example.com", Some("demo-jira-token-sync-bot"))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                i += concurrency as u64;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    (ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed))
}

#[tokio::main]
async fn main() {
    let issues = arg("--issues", 100_000);
    let seconds = arg("--seconds", 5);
    let concurrency = usize::try_from(arg("--concurrency", 32)).unwrap_or(32);
    let before = rss_kib();
    let text = format!(
        "[jira]\nextends = \"demo\"\n[jira.seed]\nissues = {{ DEMO = {issues}, HELP = 10 }}\nseed = 1\nmax_comments = 2\n"
    );
    let scenario = match Scenario::from_text(Origin::File("bench.toml".into()), &text) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let t = Instant::now();
    let sim = match JiraSim::start(&scenario).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let built = t.elapsed();
    let after = rss_kib();
    println!(
        "world: {issues} issues (+1 explicit, 10 in HELP), up to 2 comments each, built in {built:.2?}"
    );
    println!(
        "rss: {:.1} MiB before, {:.1} MiB with the world ({:.1} MiB for the world, {:.2} KiB per issue)",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        (after - before) as f64 / 1024.0,
        (after - before) as f64 / issues.max(1) as f64
    );
    let client = http_client(concurrency);
    let base = sim.url().to_owned();

    let b = base.clone();
    let (ok, failed) = drive(
        &client,
        Arc::new(move |_| format!("{b}/rest/api/3/serverInfo")),
        concurrency,
        seconds,
    )
    .await;
    println!(
        "GET serverInfo: {:.0} req/s ({ok} ok, {failed} failed, {concurrency} connections, {seconds} s)",
        ok as f64 / seconds as f64
    );
    let b = base.clone();
    let n = issues.max(1);
    let (ok, failed) = drive(
        &client,
        Arc::new(move |i| format!("{b}/rest/api/3/issue/DEMO-{}", 1 + (i * 7919) % n)),
        concurrency,
        seconds,
    )
    .await;
    println!(
        "GET issue/{{key}} (all fields): {:.0} req/s ({ok} ok, {failed} failed)",
        ok as f64 / seconds as f64
    );
    let b = base.clone();
    let (ok, failed) = drive(
        &client,
        Arc::new(move |i| {
            format!(
                "{b}/rest/api/3/issue/DEMO-{}?fields=summary,status,updated",
                1 + (i * 7919) % n
            )
        }),
        concurrency,
        seconds,
    )
    .await;
    println!(
        "GET issue/{{key}}?fields=summary,status,updated: {:.0} req/s ({ok} ok, {failed} failed)",
        ok as f64 / seconds as f64
    );
    let t = Instant::now();
    let r = client
        .get(format!(
            "{base}/rest/api/3/search/jql?jql=project%20%3D%20DEMO%20AND%20updated%20%3E%3D%20-1d%20ORDER%20BY%20updated%20DESC&maxResults=50&fields=summary,updated"
        ))
        .basic_auth("sync-bot@example.com", Some("demo-jira-token-sync-bot"))
        .send()
        .await;
    let status = r.map(|r| r.status().as_u16()).unwrap_or(0);
    println!(
        "one search/jql over {issues} issues: {:.1?} (status {status})",
        t.elapsed()
    );
    println!("rss after the load: {:.1} MiB", rss_kib() as f64 / 1024.0);
    sim.shutdown().await;
}
