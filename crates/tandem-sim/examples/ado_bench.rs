//! Throughput and memory of the Azure DevOps simulator.
//!
//! ```text
//! cargo run --release -p tandem-sim --example ado_bench -- [--items 100000] [--seconds 5] [--concurrency 32]
//! ```
//!
//! Builds the `demo` world plus `--items` generated work items, reports the process's resident
//! memory before and after, then drives simple authenticated GETs over loopback HTTP/1.1
//! keep-alive from the same process (client and server share the machine's cores) and reports
//! requests per second for connectionData and `workitems/{id}` (with the TSTU limiter
//! accounting every request), plus the latency of a WIQL query and a 200-item batch read over
//! the whole world. Figures go to stdout; nothing is asserted.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tandem_sim::ado::AdoSim;
use tandem_sim::{ListenOptions, Origin, Scenario};

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

/// CPU seconds this process has used (user + system), from /proc/self/stat (USER_HZ = 100).
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the parenthesised command name; utime and stime are 14th and 15th.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let utime: f64 = f.get(11)?.parse().ok()?;
            let stime: f64 = f.get(12)?.parse().ok()?;
            Some((utime + stime) / 100.0)
        })
        .unwrap_or(0.0)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_default()
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
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap_or_default()
}

const AUTH: &str = "Basic OmRlbW8tYWRvLXBhdC1zeW5jLWJvdA=="; // ":demo-ado-pat-sync-bot"

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
            let mut i = u64::try_from(t).unwrap_or(0);
            while Instant::now() < deadline {
                let r = client
                    .get(url(i))
                    .header("Authorization", AUTH)
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
                i += 7919;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    (ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed))
}

#[allow(clippy::print_stdout, clippy::cast_precision_loss)] // a benchmark reports on stdout
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let items = arg("--items", 100_000);
    let seconds = arg("--seconds", 5);
    let concurrency = usize::try_from(arg("--concurrency", 32)).unwrap_or(32);
    let workers = usize::try_from(arg("--workers", 2)).unwrap_or(2);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let before = rss_kib();
        // The limiter stays on (every request is accounted) with limits no benchmark reaches.
        let text = format!(
            "[ado]\nextends = \"demo\"\n[ado.generate]\ncount = {items}\n[ado.rate_limit]\nlimit = 1e15\nblock_at = 2e15\n"
        );
        let scenario = Scenario::from_text(Origin::File("ado-bench.toml".into()), &text)?;
        let started = Instant::now();
        let sim = AdoSim::prepare(&scenario)?;
        let built = started.elapsed();
        let total = sim.world().items.len();
        let sim = sim.serve(&ListenOptions::default()).await?;
        let after = rss_kib();
        println!(
            "world: {total} work items built in {:.2}s; RSS {} MiB before, {} MiB after (+{} MiB, {:.0} bytes/item)",
            built.as_secs_f64(),
            before / 1024,
            after / 1024,
            after.saturating_sub(before) / 1024,
            after.saturating_sub(before) as f64 * 1024.0 / total.max(1) as f64
        );
        let client = http_client(concurrency);
        let base = sim.url();
        let n = u64::try_from(total).unwrap_or(1).max(1);

        for (label, url) in [
            (
                "GET _apis/connectionData",
                Arc::new({
                    let base = base.clone();
                    move |_| format!("{base}/_apis/connectionData?api-version=7.1-preview")
                }) as Arc<dyn Fn(u64) -> String + Send + Sync>,
            ),
            (
                "GET {project}/_apis/wit/workitems/{id}",
                Arc::new({
                    let base = base.clone();
                    move |i| format!("{base}/Demo/_apis/wit/workitems/{}?api-version=7.1", i % n + 1)
                }),
            ),
        ] {
            let t = Instant::now();
            let cpu = cpu_seconds();
            let (ok, failed) = drive(&client, url, concurrency, seconds).await;
            let secs = t.elapsed().as_secs_f64();
            let used = cpu_seconds() - cpu;
            println!(
                "{label}: {:.0} requests/s ({ok} ok, {failed} failed, {concurrency} connections, {workers} runtime threads, {secs:.1}s); \
                 this process used {used:.1} CPU-s (client and server together) = {:.0} requests per CPU-second; load average {}",
                ok as f64 / secs,
                ok as f64 / used.max(0.01),
                load_average()
            );
        }

        let wiql = serde_json::json!({
            "query": "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND [System.State] = 'Active' AND [System.AssignedTo] = @me ORDER BY [System.ChangedDate] DESC"
        });
        let t = Instant::now();
        let r = client
            .post(format!("{base}/Demo/_apis/wit/wiql?$top=20000&api-version=7.1"))
            .header("Authorization", AUTH)
            .json(&wiql)
            .send()
            .await?;
        let status = r.status();
        let body: serde_json::Value = r.json().await?;
        println!(
            "WIQL over {total} items: {status}, {} ids in {:.1} ms",
            body["workItems"].as_array().map_or(0, Vec::len),
            t.elapsed().as_secs_f64() * 1000.0
        );
        let ids: Vec<u64> = (0..200).map(|i| (i * 499) % n + 1).collect();
        let t = Instant::now();
        let r = client
            .post(format!("{base}/Demo/_apis/wit/workitemsbatch?api-version=7.1"))
            .header("Authorization", AUTH)
            .json(&serde_json::json!({ "ids": ids }))
            .send()
            .await?;
        let status = r.status();
        let bytes = r.bytes().await?.len();
        println!(
            "workitemsbatch of 200: {status}, {bytes} bytes in {:.1} ms",
            t.elapsed().as_secs_f64() * 1000.0
        );
        println!("RSS at the end: {} MiB", rss_kib() / 1024);
        sim.shutdown().await;
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
