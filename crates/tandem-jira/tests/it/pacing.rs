//! Pacing under the simulator's rate limits: a long read completes, slowing down on the
//! rate-limit headers rather than failing.

use std::time::Duration;

use tandem_connector::{Connector, FieldChanges};

use crate::feed::drain;
use crate::support::start_text;

#[tokio::test]
async fn full_read_under_tight_burst_limits_completes() {
    let sim = start_text(
        "description = \"tight\"\n[jira]\nextends = \"rate-limited\"\n[jira.seed]\nissues = { DEMO = 300 }\nseed = 3\nmax_comments = 0\n",
    )
    .await;
    let c = sim.with(|c| {
        c.feed.page_size = 25;
        c.pacing.max_retries = 8;
    });
    let started = std::time::Instant::now();
    let (items, pages) = drain(&c, None).await;
    assert_eq!(items.len(), sim.issue_count("DEMO"));
    assert!(pages >= 12);
    let p = c.pace_stats();
    println!(
        "jira pacing: {} pages in {:?}; held {} times for {:?}; {} x 429, {} retries",
        pages,
        started.elapsed(),
        p.paced,
        p.paced_for,
        p.throttled,
        p.retries
    );
    // 5 GET/s: 13+ requests cannot all go out at once; either the pacer spaced them or the
    // server's 429s were waited out. Nothing failed.
    assert!(p.paced > 0 || p.throttled > 0, "{p:?}");
    assert!(
        p.last_signals.is_some(),
        "the rate-limit headers were read: {p:?}"
    );
}

#[tokio::test]
async fn per_issue_write_limit_is_waited_out_on_edits() {
    let sim = start_text("description = \"tight\"\n[jira]\nextends = \"rate-limited\"\n").await;
    let c = sim.with(|c| c.pacing.max_retries = 8);
    let items = c
        .get_many(&[tandem_connector::ItemId::new("DEMO-1")])
        .await
        .unwrap();
    let id = items[0].id.clone();
    for i in 0..6 {
        let mut changes = FieldChanges::default();
        changes
            .fields
            .insert("summary".into(), Some(format!("edit {i}").into()));
        c.update(&id, &changes, None).await.unwrap();
    }
    let p = c.pace_stats();
    assert!(
        p.throttled > 0 || p.paced > 0,
        "3 writes per 2 s on one issue must slow six edits: {p:?}"
    );
    assert!(p.paced_for + Duration::from_millis(1) > Duration::ZERO);
}
