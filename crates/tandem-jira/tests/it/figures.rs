//! The figure for the report: API calls per 1,000 items for a full read, counted by the
//! simulator (`/_sim/stats`).

use crate::feed::{drain, seeded};
use crate::support::start_text;

/// Seeds so that DEMO holds exactly 1,000 issues (the scenario declares some by hand).
async fn calls_for_full_read(flavour: &str) -> (u64, serde_json::Value) {
    let declared = start_text(&seeded(flavour, 0)).await.issue_count("DEMO");
    let sim = start_text(&seeded(flavour, 1000 - u32::try_from(declared).unwrap())).await;
    let c = sim.connector();
    sim.reset_stats().await;
    let (items, _) = drain(&c, None).await;
    assert_eq!(items.len(), 1000);
    let stats = sim.stats().await;
    (stats["total"].as_u64().unwrap(), stats)
}

#[tokio::test]
async fn calls_per_1000_items_full_read() {
    let (cloud, cloud_stats) = calls_for_full_read("cloud").await;
    let (dc, dc_stats) = calls_for_full_read("datacenter").await;
    println!(
        "FIGURE jira-cloud: {cloud} calls per 1,000 issues (full read): {}",
        cloud_stats["by_route"]
    );
    println!(
        "FIGURE jira-dc: {dc} calls per 1,000 issues (full read): {}",
        dc_stats["by_route"]
    );
    // 100 issues per search page: 10 pages, plus reading the user's time zone once (Cloud)
    // or the field list once (DC, to know which fields hold wiki markup).
    assert!(cloud <= 12, "{cloud_stats}");
    assert!(dc <= 13, "{dc_stats}");
}
