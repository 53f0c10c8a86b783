//! The change feed: paging through everything, then only what changed.

use std::collections::HashSet;

use tandem_connector::{ChangeFeed, Connector, FieldChanges, RemoteItem};
use tandem_jira::JiraConnector;

use crate::support::{route_count, start_text};

pub async fn drain(c: &JiraConnector, since: Option<jiff::Timestamp>) -> (Vec<RemoteItem>, usize) {
    let mut feed = c.changes(since);
    let mut all = Vec::new();
    let mut pages = 0;
    while let Some(page) = feed.next_page().await.unwrap() {
        pages += 1;
        all.extend(page);
    }
    (all, pages)
}

pub fn seeded(flavour: &str, n: u32) -> String {
    let client = if flavour == "datacenter" {
        "[jira.client]\nmode = \"datacenter\"\nuser = \"sync-bot\"\ntoken = \"demo-jira-password-sync-bot\"\nproject = \"DEMO\"\n"
    } else {
        ""
    };
    format!(
        "description = \"seeded\"\n[jira]\nextends = \"demo\"\nflavour = \"{flavour}\"\n{client}[jira.seed]\nissues = {{ DEMO = {n}, HELP = 3 }}\nseed = 7\nmax_comments = 0\n"
    )
}

fn assert_sorted_and_unique(items: &[RemoteItem], expected: usize) {
    let ids: HashSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids.len(), expected, "every issue exactly once");
    assert!(
        items.windows(2).all(|w| w[0].changed_at <= w[1].changed_at),
        "oldest change first"
    );
    assert!(items.iter().all(|i| i.project == "DEMO"));
}

#[tokio::test]
async fn cloud_pages_with_next_page_token() {
    let sim = start_text(&seeded("cloud", 230)).await;
    let c = sim.with(|c| c.feed.page_size = 50);
    sim.reset_stats().await;
    let (items, pages) = drain(&c, None).await;
    assert_sorted_and_unique(&items, sim.issue_count("DEMO"));
    assert!(items.len() > 230);
    assert_eq!(pages, items.len().div_ceil(50));
    let stats = sim.stats().await;
    assert_eq!(
        usize::try_from(route_count(&stats, "GET /rest/api/3/search/jql")).unwrap(),
        pages,
        "{stats}"
    );
    // Rich text comes as ADF, the revision is `updated`.
    let first = &items[0];
    assert_eq!(
        first.revision.0,
        first.fields.get("updated").map_or_else(
            || first.revision.0.clone(),
            |v| v.as_str().unwrap().to_owned()
        )
    );
    assert!(items.iter().any(|i| {
        i.rich_text
            .get("description")
            .is_some_and(|d| d.format == tandem_connector::TextFormat::Adf)
    }));
}

#[tokio::test]
async fn data_center_pages_without_skipping() {
    let sim = start_text(&seeded("datacenter", 180)).await;
    let c = sim.with(|c| c.feed.page_size = 40);
    let (items, pages) = drain(&c, None).await;
    assert_sorted_and_unique(&items, sim.issue_count("DEMO"));
    assert!(pages >= 5, "{pages}");
    assert!(items.iter().any(|i| {
        i.rich_text
            .get("description")
            .is_some_and(|d| d.format == tandem_connector::TextFormat::JiraWiki)
    }));
}

#[tokio::test]
async fn incremental_feed_returns_what_changed() {
    let sim = start_text(&seeded("cloud", 60)).await;
    let c = sim.connector();
    let (all, _) = drain(&c, None).await;
    let cursor = all.iter().map(|i| i.changed_at).max().unwrap();
    // Move the simulator's clock on so the edit is clearly newer than the overlap window.
    let target = &all[10];
    let mut changes = FieldChanges::default();
    changes
        .fields
        .insert("summary".into(), Some("changed for the feed".into()));
    let w = c
        .update(&target.id, &changes, Some(&target.revision))
        .await
        .unwrap();
    assert_ne!(w.revision, target.revision);
    let (changed, _) = drain(&c, Some(cursor)).await;
    assert!(
        changed
            .iter()
            .any(|i| i.id == target.id && i.revision == w.revision),
        "{changed:?}"
    );
    assert!(
        changed.len() < all.len(),
        "only recent changes (plus the overlap), not everything"
    );
}
