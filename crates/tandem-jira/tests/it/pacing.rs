//! Pacing under the simulator's rate limits: reads that exceed the burst limit wait out the
//! 429s (Retry-After) and complete; edits that exceed the per-issue write limit too.
//!
//! The Jira simulator sends `X-RateLimit-*` only with its 429s, so on this side the client
//! learns the budget from the first refusal (the Azure DevOps tests show slowing down before
//! any refusal).

use tandem_connector::{Connector, FieldChanges, ItemId};

use crate::feed::drain;
use crate::support::start_text;

#[tokio::test]
async fn a_burst_of_reads_past_the_limit_completes() {
    let sim = start_text("description = \"tight\"\n[jira]\nextends = \"rate-limited\"\n").await;
    let c = sim.with(|c| c.pacing.max_retries = 8);
    let started = std::time::Instant::now();
    // 20 reads at once against 5 GET/s (a bucket of 5): most are refused at first.
    let mut set = tokio::task::JoinSet::new();
    for n in 1..=20 {
        let c = c.clone();
        set.spawn(async move { c.get_many(&[ItemId::new(format!("DEMO-{n}"))]).await });
    }
    let mut read = 0;
    while let Some(r) = set.join_next().await {
        read += r.unwrap().unwrap().len();
    }
    assert_eq!(read, 20);
    let p = c.pace_stats();
    println!(
        "jira burst: 20 reads in {:?}; {} x 429, {} retries, held {} times for {:?}",
        started.elapsed(),
        p.throttled,
        p.retries,
        p.paced,
        p.paced_for
    );
    assert!(p.throttled > 0, "{p:?}");
    assert!(p.retries >= p.throttled, "every 429 was retried: {p:?}");
    assert!(
        p.last_signals
            .as_ref()
            .is_some_and(|s| s.reason.as_deref() == Some("jira-burst-based")),
        "{p:?}"
    );
}

#[tokio::test]
async fn a_full_read_under_burst_limits_completes() {
    let sim = start_text(
        "description = \"tight\"\n[jira]\nextends = \"rate-limited\"\n[jira.seed]\nissues = { DEMO = 150 }\nseed = 3\nmax_comments = 0\n",
    )
    .await;
    let c = sim.with(|c| {
        c.feed.page_size = 20;
        c.pacing.max_retries = 8;
    });
    let (items, _) = drain(&c, None).await;
    assert_eq!(items.len(), sim.issue_count("DEMO"));
}

#[tokio::test]
async fn edits_past_the_per_issue_write_limit_wait_and_complete() {
    let sim = start_text(
        "description = \"tight\"\n[jira]\nextends = \"rate-limited\"\n[jira.rate_limits]\nissue_writes_short = 2\nissue_short_window_secs = 3\n",
    )
    .await;
    let c = sim.with(|c| c.pacing.max_retries = 8);
    let id = c.get_many(&[ItemId::new("DEMO-1")]).await.unwrap()[0]
        .id
        .clone();
    for i in 0..4 {
        let mut changes = FieldChanges::default();
        changes
            .fields
            .insert("summary".into(), Some(format!("edit {i}").into()));
        c.update(&id, &changes, None).await.unwrap();
    }
    let p = c.pace_stats();
    assert!(
        p.throttled > 0,
        "two writes per 3 s on one issue must refuse the third: {p:?}"
    );
    assert!(
        p.last_signals
            .as_ref()
            .is_some_and(|s| s.reason.as_deref() == Some("jira-per-issue-on-write")),
        "{p:?}"
    );
    let now = c.get_many(std::slice::from_ref(&id)).await.unwrap();
    assert_eq!(now[0].fields["summary"], "edit 3");
}
