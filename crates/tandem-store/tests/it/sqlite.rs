//! The story against SQLite, and what only SQLite has: a file, WAL, reopening.

use tandem_core::{EpochMs, ItemRef, Side};
use tandem_store::{SqliteStore, Store, StoreError, database_path};

use crate::story::story;

#[tokio::test]
async fn story_in_memory() {
    let store = SqliteStore::in_memory().await.unwrap();
    story(&store).await;
}

#[tokio::test]
async fn story_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("state")).await.unwrap();
    story(&store).await;
}

#[tokio::test]
async fn state_survives_reopening_and_uses_wal() {
    let dir = tempfile::tempdir().unwrap();
    let item = ItemRef::new(Side::Jira, "1");
    let id = {
        let store = SqliteStore::open(dir.path()).await.unwrap();
        let intent = store
            .open_intent("p", &item, Side::Ado, EpochMs(1))
            .await
            .unwrap();
        store.close().await;
        intent.id
    };
    assert!(database_path(dir.path()).exists());
    let store = SqliteStore::open(dir.path()).await.unwrap();
    // The open intent is what a restarted pass resolves first.
    let open = store.open_intents("p").await.unwrap();
    assert_eq!(open.iter().map(|i| i.id).collect::<Vec<_>>(), [id]);
    assert!(
        dir.path().join("tandem.db-wal").exists(),
        "journal_mode=WAL"
    );
}

#[tokio::test]
async fn concurrent_writers_wait_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let a = SqliteStore::open(dir.path()).await.unwrap();
    let b = SqliteStore::open(dir.path()).await.unwrap();
    let mut tasks = Vec::new();
    for (n, store) in [a, b].into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            for i in 0..50 {
                let item = ItemRef::new(Side::Ado, format!("{n}-{i}"));
                store
                    .open_intent("p", &item, Side::Jira, EpochMs(i))
                    .await?;
            }
            Ok::<_, StoreError>(())
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let store = SqliteStore::open(dir.path()).await.unwrap();
    assert_eq!(store.open_intents("p").await.unwrap().len(), 100);
}

#[tokio::test]
async fn an_unwritable_state_dir_names_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let err = SqliteStore::open(&file.join("state")).await.unwrap_err();
    assert!(matches!(err, StoreError::CreateDir { .. }), "{err:?}");
    assert!(err.to_string().contains("TANDEM_STATE_DIR"), "{err}");
}

#[tokio::test]
async fn unreadable_stored_values_are_reported_not_panicked_on() {
    use tandem_core::{LinkRef, Sided};
    use tandem_store::CreateRecord;

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let item = ItemRef::new(Side::Jira, "1");
    let intent = store
        .open_intent("p", &item, Side::Ado, EpochMs(1))
        .await
        .unwrap();
    let record = CreateRecord {
        intent: intent.id,
        link: LinkRef {
            jira_id: "1".into(),
            jira_key: None,
            ado_id: "2".into(),
        },
        baselines: Default::default(),
        synced: Sided::default(),
        at: EpochMs(2),
        audit: vec![],
    };
    let link = store.complete_create("p", &record).await.unwrap();
    // Someone edits the database by hand.
    let pool =
        sqlx::SqlitePool::connect(&format!("sqlite://{}", database_path(dir.path()).display()))
            .await
            .unwrap();
    sqlx::query("INSERT INTO baselines (link_id, field, jira_value, ado_value, updated_at) VALUES (?, 'title', '{oops', NULL, 0)")
        .bind(link.id.0)
        .execute(&pool)
        .await
        .unwrap();
    let err = store.baselines(link.id).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Corrupt {
                what: "baseline",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("edited by hand"), "{err}");
}
