//! What the SQLite store costs a pass of 10,000 items: recording creates (intent, link,
//! baselines, audit), recording syncs, and the batch lookups of a feed page.
//! Run: `cargo bench -p tandem-store`.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark prints its figures"
)]

use std::time::Instant;

use tandem_core::{Baseline, Baselines, EpochMs, FieldValue, ItemRef, LinkRef, Side, Sided};
use tandem_store::{
    AuditAction, CreateRecord, FieldChange, LinkId, NewAudit, Outcome, SqliteStore, Store,
    SyncRecord,
};

const ITEMS: usize = 10_000;

fn baselines(n: usize) -> Baselines {
    [
        "title",
        "description",
        "state",
        "priority",
        "assignee",
        "labels",
    ]
    .into_iter()
    .map(|f| {
        let v = Some(FieldValue::Text(format!("{f} of item {n}")));
        (
            f.to_owned(),
            Baseline {
                jira: v.clone(),
                ado: v,
            },
        )
    })
    .collect()
}

fn audit(item: ItemRef, action: AuditAction) -> NewAudit {
    NewAudit {
        at: EpochMs(1),
        item,
        link: None,
        source: Some(Side::Jira),
        action,
        changes: vec![FieldChange {
            field: "title".into(),
            old: None,
            new: None,
        }],
        api_call: Some("PATCH /_apis/wit/workitems/1".into()),
        outcome: Outcome::Ok,
        message: None,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path()).await.expect("open");

    let start = Instant::now();
    let mut links = Vec::with_capacity(ITEMS);
    for n in 0..ITEMS {
        let source = ItemRef::new(Side::Jira, (10_000 + n).to_string());
        let intent = store
            .open_intent("bench", &source, Side::Ado, EpochMs(1))
            .await
            .unwrap();
        let record = CreateRecord {
            intent: intent.id,
            link: LinkRef {
                jira_id: source.id.clone(),
                jira_key: None,
                ado_id: n.to_string(),
            },
            baselines: baselines(n),
            synced: Sided::default(),
            at: EpochMs(2),
            audit: vec![audit(
                ItemRef::new(Side::Ado, n.to_string()),
                AuditAction::Create,
            )],
        };
        links.push(store.complete_create("bench", &record).await.unwrap().id);
    }
    let per = start.elapsed() / u32::try_from(ITEMS).unwrap();
    println!("create: {ITEMS} x (open_intent + complete_create, 6 baselines): {per:?} each");

    let start = Instant::now();
    for (n, link) in links.iter().enumerate() {
        let mut b = Baselines::new();
        b.insert("title".into(), baselines(n + 1)["title"].clone());
        let record = SyncRecord {
            link: *link,
            baselines: b,
            synced: Sided::default(),
            at: EpochMs(3),
            audit: vec![audit(
                ItemRef::new(Side::Ado, n.to_string()),
                AuditAction::Update,
            )],
        };
        store.record_sync(&record).await.unwrap();
    }
    let per = start.elapsed() / u32::try_from(ITEMS).unwrap();
    println!("record_sync: {ITEMS} x (1 baseline + audit): {per:?} each");

    let ids: Vec<String> = (0..ITEMS).map(|n| (10_000 + n).to_string()).collect();
    let start = Instant::now();
    let found = store
        .links_for_items("bench", Side::Jira, &ids)
        .await
        .unwrap();
    println!(
        "links_for_items: {} links in {:?}",
        found.len(),
        start.elapsed()
    );
    let ids: Vec<LinkId> = found.iter().map(|l| l.id).collect();
    let start = Instant::now();
    let all = store.baselines_for(&ids).await.unwrap();
    let count: usize = all.values().map(std::collections::BTreeMap::len).sum();
    println!(
        "baselines_for: {count} baselines of {} links in {:?}",
        all.len(),
        start.elapsed()
    );
}
