//! The change feed: WIQL for ids, `workitemsbatch` in chunks of 200, window bisection past
//! the WIQL cap, and incremental reads.

use std::collections::HashSet;

use tandem_ado::AdoConnector;
use tandem_connector::{ChangeFeed, Connector, FieldChanges, RemoteItem};

use crate::support::{generated, route_count, start_text};

pub async fn drain(c: &AdoConnector, since: Option<jiff::Timestamp>) -> (Vec<RemoteItem>, usize) {
    let mut feed = c.changes(since);
    let mut all = Vec::new();
    let mut pages = 0;
    while let Some(page) = feed.next_page().await.unwrap() {
        pages += 1;
        all.extend(page);
    }
    (all, pages)
}

fn assert_once_and_ordered(items: &[RemoteItem], expected: usize) {
    let ids: HashSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids.len(), items.len(), "no duplicates");
    assert_eq!(ids.len(), expected, "every work item");
    assert!(
        items.windows(2).all(|w| w[0].changed_at <= w[1].changed_at),
        "oldest change first"
    );
}

#[tokio::test]
async fn full_read_in_batches_of_200() {
    let sim = start_text(&generated(450, "")).await;
    let c = sim.with(|cfg| cfg.area_path = None);
    sim.reset_stats().await;
    let (items, pages) = drain(&c, None).await;
    let n = sim.item_count();
    assert_once_and_ordered(&items, n);
    assert_eq!(pages, n.div_ceil(200));
    let stats = sim.stats().await;
    assert_eq!(
        route_count(&stats, "POST /{org}/{project}/_apis/wit/wiql"),
        1,
        "{stats}"
    );
    assert_eq!(
        usize::try_from(route_count(
            &stats,
            "POST /{org}/{project}/_apis/wit/workitemsbatch"
        ))
        .unwrap(),
        pages,
        "{stats}"
    );
    // Rich text is HTML, states carry their category.
    assert!(items.iter().any(|i| {
        i.rich_text
            .values()
            .any(|r| r.format == tandem_connector::TextFormat::Html)
    }));
    assert!(items.iter().all(|i| {
        i.state
            .as_ref()
            .is_some_and(|s| s.category != tandem_connector::StateCategory::Unknown)
    }));
}

#[tokio::test]
async fn wiql_cap_is_handled_by_splitting_the_window() {
    let sim = start_text(&generated(450, "wiql_max_results = 120")).await;
    let c = sim.with(|cfg| cfg.area_path = None);
    let mut feed = c.changes(None);
    let mut items = Vec::new();
    while let Some(page) = feed.next_page().await.unwrap() {
        items.extend(page);
    }
    assert_once_and_ordered(&items, sim.item_count());
    assert!(
        feed.wiql_calls() > 3,
        "the window was bisected: {} WIQL calls",
        feed.wiql_calls()
    );
}

#[tokio::test]
async fn area_path_scopes_the_feed_and_increments_return_changes() {
    let sim = start_text(&generated(120, "")).await;
    let c = sim.connector();
    let (web, _) = drain(&c, None).await;
    assert!(!web.is_empty());
    assert!(
        web.iter().all(|i| i.fields["System.AreaPath"]
            .as_str()
            .unwrap()
            .starts_with("Demo\\Web")),
        "scoped to Demo\\Web"
    );
    assert!(web.len() < sim.item_count());
    let cursor = web.iter().map(|i| i.changed_at).max().unwrap();
    let target = &web[0];
    let mut changes = FieldChanges::default();
    changes
        .fields
        .insert("System.Title".into(), Some("changed for the feed".into()));
    let w = c
        .update(&target.id, &changes, Some(&target.revision))
        .await
        .unwrap();
    let (changed, _) = drain(&c, Some(cursor)).await;
    assert!(
        changed
            .iter()
            .any(|i| i.id == target.id && i.revision == w.revision),
        "{changed:?}"
    );
    assert!(changed.len() < web.len());
}
