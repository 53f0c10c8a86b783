//! Pacing under the TSTU limits: the rate-limit headers on every response slow the client
//! down before the server blocks it.

use crate::feed::drain;
use crate::support::{generated, start_text};

#[tokio::test]
async fn full_read_slows_down_before_being_blocked() {
    // A tiny budget: 6 TSTU per 2 s window, blocking at 12; queries cost 0.5, reads 0.05.
    let sim = start_text(&generated(
        1200,
        "[ado.rate_limit]\nlimit = 6.0\nwindow_seconds = 2\nblock_at = 12.0\nread_cost = 0.5\nquery_cost = 0.5\nwrite_cost = 1.0\napply_delay = false\n",
    ))
    .await;
    let c = sim.with(|cfg| {
        cfg.area_path = None;
        cfg.feed.batch_size = 100;
        cfg.pacing.max_retries = 8;
    });
    let started = std::time::Instant::now();
    let (items, pages) = drain(&c, None).await;
    assert_eq!(items.len(), sim.item_count());
    let p = c.pace_stats();
    println!(
        "ado pacing: {pages} pages in {:?}; held {} times for {:?}; {} x 429, {} retries",
        started.elapsed(),
        p.paced,
        p.paced_for,
        p.throttled,
        p.retries
    );
    assert!(p.paced > 0, "the pacer slowed down on the headers: {p:?}");
    assert_eq!(p.throttled, 0, "slowed down before being blocked: {p:?}");
}
