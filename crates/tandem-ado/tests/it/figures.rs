//! The figure for the report: API calls per 1,000 work items for a full read, counted by the
//! simulator (`/_sim/stats`).

use crate::feed::drain;
use crate::support::{generated, start_text};

#[tokio::test]
async fn calls_per_1000_items_full_read() {
    let declared = start_text(&generated(0, "")).await.item_count();
    let sim = start_text(&generated(1000 - declared, "")).await;
    assert_eq!(sim.item_count(), 1000);
    let c = sim.with(|cfg| cfg.area_path = None);
    sim.reset_stats().await;
    let (items, _) = drain(&c, None).await;
    assert_eq!(items.len(), 1000);
    let stats = sim.stats().await;
    let total = stats["total"].as_u64().unwrap();
    println!(
        "FIGURE ado: {total} calls per 1,000 work items (full read): {}",
        stats["by_route"]
    );
    // One WIQL, five batches of 200, and once per connector: the field list (which fields
    // are HTML) and the type list (every type's states).
    assert_eq!(total, 8, "{stats}");
}
