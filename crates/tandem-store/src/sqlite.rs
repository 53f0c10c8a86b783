//! The SQLite backend: one database file in the state directory, WAL mode, a busy timeout,
//! migrations embedded in the binary. Queries are checked at run time (`query`, not the
//! `query!` macros), so building needs no database (research/dependencies.md).

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};
use tandem_core::{
    Baseline, Baselines, CommentPair, ConflictNote, EpochMs, FieldValue, ItemRef, LinkRef, Side,
    Sided,
};
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::model::{
    AuditAction, AuditEntry, AuditId, ConflictId, ConflictRecord, ConflictStatus, CreateRecord,
    Cursor, Intent, IntentState, ItemStamp, LinkId, LinkRecord, NewAudit, Outcome, ParkedItem,
    PassCounts, PassId, PassOutcome, PassRecord, PassSummary, ProfileStatus, SyncRecord,
};
use crate::paths::database_path;
use crate::store::Store;

/// How long a writer waits for another process's write lock before giving up with
/// [`StoreError::Busy`].
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The SQLite store.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) `tandem.db` in `state_dir`, which is created too, and
    /// brings its schema up to date.
    ///
    /// # Errors
    /// When the directory or database cannot be created or opened, or migrating fails.
    pub async fn open(state_dir: &Path) -> StoreResult<SqliteStore> {
        std::fs::create_dir_all(state_dir).map_err(|source| StoreError::CreateDir {
            path: state_dir.to_path_buf(),
            source,
        })?;
        let path = database_path(state_dir);
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL is durable across application crashes; only a power loss
            // can drop the last commits, which the intent journal then recovers from.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                path: path.clone(),
                source,
            })?;
        Self::migrated(pool).await
    }

    /// A private in-memory database (tests, dry runs without state).
    ///
    /// # Errors
    /// When SQLite cannot start or migrating fails.
    pub async fn in_memory() -> StoreResult<SqliteStore> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(StoreError::Database)?
            .foreign_keys(true);
        // Each connection to `:memory:` is its own database: keep exactly one, forever.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                path: ":memory:".into(),
                source,
            })?;
        Self::migrated(pool).await
    }

    async fn migrated(pool: SqlitePool) -> StoreResult<SqliteStore> {
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool })
    }

    /// Closes the pool, checkpointing the WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A write transaction. `BEGIN IMMEDIATE` takes the write lock up front, so the busy
    /// timeout applies; a deferred transaction that reads then writes can fail at once with
    /// SQLITE_BUSY when another connection wrote in between.
    async fn write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

// --- encoding helpers ----------------------------------------------------------------------

fn json<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::corrupt("value", &e))
}

fn json_opt<T: Serialize>(value: Option<&T>) -> StoreResult<Option<String>> {
    value.map(json).transpose()
}

fn from_json<T: DeserializeOwned>(what: &'static str, s: &str) -> StoreResult<T> {
    serde_json::from_str(s).map_err(|e| StoreError::corrupt(what, &e))
}

fn from_json_opt<T: DeserializeOwned>(
    what: &'static str,
    s: Option<String>,
) -> StoreResult<Option<T>> {
    s.map(|s| from_json(what, &s)).transpose()
}

fn side(what: &'static str, s: &str) -> StoreResult<Side> {
    Side::parse(s).ok_or_else(|| StoreError::corrupt(what, &format!("unknown side {s:?}")))
}

fn side_opt(what: &'static str, s: Option<String>) -> StoreResult<Option<Side>> {
    s.map(|s| side(what, &s)).transpose()
}

fn rev_to_db(rev: Option<u64>) -> StoreResult<Option<i64>> {
    rev.map(|r| i64::try_from(r).map_err(|e| StoreError::corrupt("revision", &e)))
        .transpose()
}

fn rev_from_db(rev: Option<i64>) -> StoreResult<Option<u64>> {
    rev.map(|r| u64::try_from(r).map_err(|e| StoreError::corrupt("revision", &e)))
        .transpose()
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

// --- row decoding --------------------------------------------------------------------------

/// `SELECT` of every link column, followed by the rest of the statement.
macro_rules! select_links {
    ($tail:literal) => {
        concat!(
            "SELECT id, profile, jira_id, jira_key, ado_id, created_at, jira_updated, \
             ado_updated, ado_rev FROM links ",
            $tail
        )
    };
}

/// `SELECT` of every conflict column with its link's ids, followed by the filter.
macro_rules! select_conflicts {
    ($tail:literal) => {
        concat!(
            "SELECT c.id, c.profile, c.link_id, c.field, c.base, c.jira_value, c.ado_value, \
             c.status, c.take, c.resolution, c.created_at, c.updated_at, c.resolved_at, \
             l.jira_id, l.jira_key, l.ado_id FROM conflicts c JOIN links l ON l.id = c.link_id ",
            $tail
        )
    };
}

fn link_row(row: &SqliteRow) -> StoreResult<LinkRecord> {
    let jira_updated: Option<i64> = row.try_get("jira_updated")?;
    let ado_updated: Option<i64> = row.try_get("ado_updated")?;
    let ado_rev = rev_from_db(row.try_get("ado_rev")?)?;
    Ok(LinkRecord {
        id: LinkId(row.try_get("id")?),
        profile: row.try_get("profile")?,
        link: LinkRef {
            jira_id: row.try_get("jira_id")?,
            jira_key: row.try_get("jira_key")?,
            ado_id: row.try_get("ado_id")?,
        },
        created: EpochMs(row.try_get("created_at")?),
        synced: Sided::new(
            jira_updated.map(|u| ItemStamp {
                updated: EpochMs(u),
                revision: None,
            }),
            ado_updated.map(|u| ItemStamp {
                updated: EpochMs(u),
                revision: ado_rev,
            }),
        ),
    })
}

fn baseline_row(row: &SqliteRow) -> StoreResult<(LinkId, String, Baseline)> {
    let b = Baseline {
        jira: from_json_opt("baseline", row.try_get("jira_value")?)?,
        ado: from_json_opt("baseline", row.try_get("ado_value")?)?,
    };
    Ok((LinkId(row.try_get("link_id")?), row.try_get("field")?, b))
}

fn intent_row(row: &SqliteRow) -> StoreResult<Intent> {
    let id: String = row.try_get("id")?;
    let state: String = row.try_get("state")?;
    let source_side: String = row.try_get("source_side")?;
    let target_side: String = row.try_get("target_side")?;
    Ok(Intent {
        id: Uuid::parse_str(&id).map_err(|e| StoreError::corrupt("intent id", &e))?,
        profile: row.try_get("profile")?,
        source: ItemRef {
            side: side("intent source", &source_side)?,
            id: row.try_get("source_id")?,
            key: row.try_get("source_key")?,
        },
        target: side("intent target", &target_side)?,
        state: IntentState::parse(&state)
            .ok_or_else(|| StoreError::corrupt("intent state", &state))?,
        created: EpochMs(row.try_get("created_at")?),
        closed: row.try_get::<Option<i64>, _>("closed_at")?.map(EpochMs),
        link: row.try_get::<Option<i64>, _>("link_id")?.map(LinkId),
        note: row.try_get("note")?,
    })
}

fn conflict_row(row: &SqliteRow) -> StoreResult<ConflictRecord> {
    let status: String = row.try_get("status")?;
    Ok(ConflictRecord {
        id: ConflictId(row.try_get("id")?),
        profile: row.try_get("profile")?,
        link_id: LinkId(row.try_get("link_id")?),
        link: LinkRef {
            jira_id: row.try_get("jira_id")?,
            jira_key: row.try_get("jira_key")?,
            ado_id: row.try_get("ado_id")?,
        },
        field: row.try_get("field")?,
        base: from_json_opt::<Baseline>("conflict base", row.try_get("base")?)?,
        jira: from_json_opt::<FieldValue>("conflict value", row.try_get("jira_value")?)?,
        ado: from_json_opt::<FieldValue>("conflict value", row.try_get("ado_value")?)?,
        status: ConflictStatus::parse(&status)
            .ok_or_else(|| StoreError::corrupt("conflict status", &status))?,
        take: side_opt("conflict take", row.try_get("take")?)?,
        resolution: row.try_get("resolution")?,
        created: EpochMs(row.try_get("created_at")?),
        updated: EpochMs(row.try_get("updated_at")?),
        resolved: row.try_get::<Option<i64>, _>("resolved_at")?.map(EpochMs),
    })
}

fn audit_row(row: &SqliteRow) -> StoreResult<AuditEntry> {
    let item_side: String = row.try_get("item_side")?;
    let action: String = row.try_get("action")?;
    let outcome: String = row.try_get("outcome")?;
    let changes: String = row.try_get("changes")?;
    Ok(AuditEntry {
        id: AuditId(row.try_get("id")?),
        profile: row.try_get("profile")?,
        entry: NewAudit {
            at: EpochMs(row.try_get("at")?),
            item: ItemRef {
                side: side("audit item", &item_side)?,
                id: row.try_get("item_id")?,
                key: row.try_get("item_key")?,
            },
            link: row.try_get::<Option<i64>, _>("link_id")?.map(LinkId),
            source: side_opt("audit source", row.try_get("source_side")?)?,
            action: AuditAction::parse(&action)
                .ok_or_else(|| StoreError::corrupt("audit action", &action))?,
            changes: from_json("audit changes", &changes)?,
            api_call: row.try_get("api_call")?,
            outcome: Outcome::parse(&outcome)
                .ok_or_else(|| StoreError::corrupt("audit outcome", &outcome))?,
            message: row.try_get("message")?,
        },
    })
}

fn pass_row(row: &SqliteRow) -> StoreResult<PassRecord> {
    let finished: Option<i64> = row.try_get("finished_at")?;
    let outcome: Option<String> = row.try_get("outcome")?;
    let counts: String = row.try_get("counts")?;
    let errors: String = row.try_get("errors")?;
    let summary = match (finished, outcome) {
        (Some(finished), Some(outcome)) => Some(PassSummary {
            finished: EpochMs(finished),
            outcome: PassOutcome::parse(&outcome)
                .ok_or_else(|| StoreError::corrupt("pass outcome", &outcome))?,
            counts: from_json::<PassCounts>("pass counts", &counts)?,
            errors: from_json("pass errors", &errors)?,
        }),
        _ => None,
    };
    Ok(PassRecord {
        id: PassId(row.try_get("id")?),
        profile: row.try_get("profile")?,
        started: EpochMs(row.try_get("started_at")?),
        summary,
    })
}

// --- statements shared by transactional methods ---------------------------------------------

async fn upsert_baselines(
    tx: &mut Transaction<'static, Sqlite>,
    link: LinkId,
    baselines: &Baselines,
    at: EpochMs,
) -> StoreResult<()> {
    for (field, b) in baselines {
        sqlx::query(
            "INSERT INTO baselines (link_id, field, jira_value, ado_value, updated_at)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (link_id, field) DO UPDATE SET
               jira_value = excluded.jira_value, ado_value = excluded.ado_value,
               updated_at = excluded.updated_at",
        )
        .bind(link.0)
        .bind(field.clone())
        .bind(json_opt(b.jira.as_ref())?)
        .bind(json_opt(b.ado.as_ref())?)
        .bind(at.0)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn set_stamps(
    tx: &mut Transaction<'static, Sqlite>,
    link: LinkId,
    synced: &Sided<Option<ItemStamp>>,
) -> StoreResult<()> {
    if let Some(j) = synced.jira {
        sqlx::query("UPDATE links SET jira_updated = ? WHERE id = ?")
            .bind(j.updated.0)
            .bind(link.0)
            .execute(&mut **tx)
            .await?;
    }
    if let Some(a) = synced.ado {
        sqlx::query("UPDATE links SET ado_updated = ?, ado_rev = ? WHERE id = ?")
            .bind(a.updated.0)
            .bind(rev_to_db(a.revision)?)
            .bind(link.0)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn insert_audit(
    tx: &mut Transaction<'static, Sqlite>,
    profile: &str,
    entries: &[NewAudit],
) -> StoreResult<()> {
    for e in entries {
        sqlx::query(
            "INSERT INTO audit (profile, at, item_side, item_id, item_key, link_id, source_side,
                                action, changes, api_call, outcome, message)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(profile.to_owned())
        .bind(e.at.0)
        .bind(e.item.side.as_str())
        .bind(e.item.id.clone())
        .bind(e.item.key.clone())
        .bind(e.link.map(|l| l.0))
        .bind(e.source.map(Side::as_str))
        .bind(e.action.as_str())
        .bind(json(&e.changes)?)
        .bind(e.api_call.clone())
        .bind(e.outcome.as_str())
        .bind(e.message.clone())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The entries, each tied to `link` unless it names one already.
fn with_link(entries: &[NewAudit], link: LinkId) -> Vec<NewAudit> {
    entries
        .iter()
        .cloned()
        .map(|mut e| {
            e.link.get_or_insert(link);
            e
        })
        .collect()
}

async fn fetch_link(tx: &mut Transaction<'static, Sqlite>, id: LinkId) -> StoreResult<LinkRecord> {
    let row = sqlx::query(select_links!("WHERE id = ?"))
        .bind(id.0)
        .fetch_one(&mut **tx)
        .await?;
    link_row(&row)
}

impl Store for SqliteStore {
    async fn link_for(&self, profile: &str, item: &ItemRef) -> StoreResult<Option<LinkRecord>> {
        let sql = match item.side {
            Side::Jira => select_links!("WHERE profile = ? AND jira_id = ?"),
            Side::Ado => select_links!("WHERE profile = ? AND ado_id = ?"),
        };
        let row = sqlx::query(sql)
            .bind(profile.to_owned())
            .bind(item.id.clone())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(link_row).transpose()
    }

    async fn link(&self, id: LinkId) -> StoreResult<Option<LinkRecord>> {
        let row = sqlx::query(select_links!("WHERE id = ?"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(link_row).transpose()
    }

    async fn links(&self, profile: &str) -> StoreResult<Vec<LinkRecord>> {
        let rows = sqlx::query(select_links!("WHERE profile = ? ORDER BY id"))
            .bind(profile.to_owned())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(link_row).collect()
    }

    async fn links_for_items(
        &self,
        profile: &str,
        side: Side,
        ids: &[String],
    ) -> StoreResult<Vec<LinkRecord>> {
        // One JSON array parameter instead of a placeholder per id: the SQL stays static and
        // no statement hits SQLite's variable limit.
        let sql = match side {
            Side::Jira => select_links!(
                "WHERE profile = ? AND jira_id IN (SELECT value FROM json_each(?)) ORDER BY id"
            ),
            Side::Ado => select_links!(
                "WHERE profile = ? AND ado_id IN (SELECT value FROM json_each(?)) ORDER BY id"
            ),
        };
        let rows = sqlx::query(sql)
            .bind(profile.to_owned())
            .bind(json(&ids)?)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(link_row).collect()
    }

    async fn baselines_for(&self, links: &[LinkId]) -> StoreResult<BTreeMap<LinkId, Baselines>> {
        let ids: Vec<i64> = links.iter().map(|l| l.0).collect();
        let rows = sqlx::query(
            "SELECT link_id, field, jira_value, ado_value FROM baselines
             WHERE link_id IN (SELECT value FROM json_each(?)) ORDER BY link_id, field",
        )
        .bind(json(&ids)?)
        .fetch_all(&self.pool)
        .await?;
        let mut out: BTreeMap<LinkId, Baselines> = BTreeMap::new();
        for row in &rows {
            let (link, field, b) = baseline_row(row)?;
            out.entry(link).or_default().insert(field, b);
        }
        Ok(out)
    }

    async fn baselines(&self, link: LinkId) -> StoreResult<Baselines> {
        let rows = sqlx::query(
            "SELECT link_id, field, jira_value, ado_value FROM baselines WHERE link_id = ?
             ORDER BY field",
        )
        .bind(link.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| baseline_row(row).map(|(_, f, b)| (f, b)))
            .collect()
    }

    async fn record_sync(&self, record: &SyncRecord) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let link = fetch_link(&mut tx, record.link)
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => StoreError::NotFound(format!("link {}", record.link)),
                e => e,
            })?;
        upsert_baselines(&mut tx, record.link, &record.baselines, record.at).await?;
        for field in record.baselines.keys() {
            sqlx::query(
                "UPDATE conflicts SET status = 'resolved', resolved_at = ?, updated_at = ?,
                   resolution = CASE WHEN take IS NULL THEN 'converged' ELSE 'took ' || take END
                 WHERE link_id = ? AND field = ? AND status <> 'resolved'",
            )
            .bind(record.at.0)
            .bind(record.at.0)
            .bind(record.link.0)
            .bind(field.clone())
            .execute(&mut *tx)
            .await?;
        }
        set_stamps(&mut tx, record.link, &record.synced).await?;
        insert_audit(
            &mut tx,
            &link.profile,
            &with_link(&record.audit, record.link),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn comment_pairs(&self, link: LinkId) -> StoreResult<Vec<CommentPair>> {
        let rows = sqlx::query(
            "SELECT jira_comment_id, ado_comment_id FROM comment_pairs WHERE link_id = ?
             ORDER BY created_at, jira_comment_id",
        )
        .bind(link.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(CommentPair {
                    jira: row.try_get("jira_comment_id")?,
                    ado: row.try_get("ado_comment_id")?,
                })
            })
            .collect()
    }

    async fn record_comment_pair(
        &self,
        link: LinkId,
        pair: &CommentPair,
        at: EpochMs,
        audit: &[NewAudit],
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let record = fetch_link(&mut tx, link).await.map_err(|e| match e {
            StoreError::NotFound(_) => StoreError::NotFound(format!("link {link}")),
            e => e,
        })?;
        let existing = sqlx::query(
            "SELECT jira_comment_id, ado_comment_id FROM comment_pairs
             WHERE link_id = ? AND (jira_comment_id = ? OR ado_comment_id = ?)",
        )
        .bind(link.0)
        .bind(pair.jira.clone())
        .bind(pair.ado.clone())
        .fetch_all(&mut *tx)
        .await?;
        if let Some(row) = existing.first() {
            let j: String = row.try_get("jira_comment_id")?;
            let a: String = row.try_get("ado_comment_id")?;
            if j == pair.jira && a == pair.ado {
                return Ok(());
            }
            return Err(StoreError::Conflict(format!(
                "comment pair jira {} = ado {} contradicts the recorded pair jira {j} = ado {a}",
                pair.jira, pair.ado
            )));
        }
        sqlx::query(
            "INSERT INTO comment_pairs (link_id, jira_comment_id, ado_comment_id, created_at)
             VALUES (?, ?, ?, ?)",
        )
        .bind(link.0)
        .bind(pair.jira.clone())
        .bind(pair.ado.clone())
        .bind(at.0)
        .execute(&mut *tx)
        .await?;
        insert_audit(&mut tx, &record.profile, &with_link(audit, link)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn open_intent(
        &self,
        profile: &str,
        source: &ItemRef,
        target: Side,
        at: EpochMs,
    ) -> StoreResult<Intent> {
        let mut tx = self.write().await?;
        let existing = sqlx::query(
            "SELECT * FROM intents
             WHERE profile = ? AND source_side = ? AND source_id = ? AND state = 'open'",
        )
        .bind(profile.to_owned())
        .bind(source.side.as_str())
        .bind(source.id.clone())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = existing {
            return intent_row(&row);
        }
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO intents (id, profile, source_side, source_id, source_key, target_side,
                                  state, created_at)
             VALUES (?, ?, ?, ?, ?, ?, 'open', ?)",
        )
        .bind(id.to_string())
        .bind(profile.to_owned())
        .bind(source.side.as_str())
        .bind(source.id.clone())
        .bind(source.key.clone())
        .bind(target.as_str())
        .bind(at.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Intent {
            id,
            profile: profile.to_owned(),
            source: source.clone(),
            target,
            state: IntentState::Open,
            created: at,
            closed: None,
            link: None,
            note: None,
        })
    }

    async fn intent(&self, id: Uuid) -> StoreResult<Option<Intent>> {
        let row = sqlx::query("SELECT * FROM intents WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(intent_row).transpose()
    }

    async fn open_intents(&self, profile: &str) -> StoreResult<Vec<Intent>> {
        let rows = sqlx::query(
            "SELECT * FROM intents WHERE profile = ? AND state = 'open'
             ORDER BY created_at, id",
        )
        .bind(profile.to_owned())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(intent_row).collect()
    }

    async fn complete_create(
        &self,
        profile: &str,
        record: &CreateRecord,
    ) -> StoreResult<LinkRecord> {
        let mut tx = self.write().await?;
        let row = sqlx::query("SELECT * FROM intents WHERE id = ?")
            .bind(record.intent.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        let intent = match row {
            Some(row) => intent_row(&row)?,
            None => return Err(StoreError::NotFound(format!("intent {}", record.intent))),
        };
        if intent.profile != profile {
            return Err(StoreError::Conflict(format!(
                "intent {} belongs to profile {:?}, not {profile:?}",
                intent.id, intent.profile
            )));
        }
        match (intent.state, intent.link) {
            (IntentState::Open, _) => {}
            (IntentState::Closed, Some(link_id)) => {
                // Repeated after a success whose reply was lost: same link, same answer.
                let link = fetch_link(&mut tx, link_id).await?;
                if link.link.jira_id == record.link.jira_id
                    && link.link.ado_id == record.link.ado_id
                {
                    return Ok(link);
                }
                return Err(StoreError::Conflict(format!(
                    "intent {} already produced link {}, not {}",
                    intent.id, link.link, record.link
                )));
            }
            (state, _) => {
                return Err(StoreError::Conflict(format!(
                    "intent {} is {}, so no link can be recorded for it",
                    intent.id,
                    state.as_str()
                )));
            }
        }
        let inserted = sqlx::query(
            "INSERT INTO links (profile, jira_id, jira_key, ado_id, created_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(profile.to_owned())
        .bind(record.link.jira_id.clone())
        .bind(record.link.jira_key.clone())
        .bind(record.link.ado_id.clone())
        .bind(record.at.0)
        .execute(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!(
                "cannot link {}: one of the items is already linked in profile {profile:?}",
                record.link
            )),
            e => e,
        })?;
        let link_id = LinkId(inserted.last_insert_rowid());
        upsert_baselines(&mut tx, link_id, &record.baselines, record.at).await?;
        set_stamps(&mut tx, link_id, &record.synced).await?;
        sqlx::query("UPDATE intents SET state = 'closed', closed_at = ?, link_id = ? WHERE id = ?")
            .bind(record.at.0)
            .bind(link_id.0)
            .bind(record.intent.to_string())
            .execute(&mut *tx)
            .await?;
        insert_audit(&mut tx, profile, &with_link(&record.audit, link_id)).await?;
        let link = fetch_link(&mut tx, link_id).await?;
        tx.commit().await?;
        Ok(link)
    }

    async fn abandon_intent(&self, id: Uuid, at: EpochMs, note: &str) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE intents SET state = 'abandoned', closed_at = ?, note = ?
             WHERE id = ? AND state = 'open'",
        )
        .bind(at.0)
        .bind(note.to_owned())
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("open intent {id}")));
        }
        Ok(())
    }

    async fn cursor(&self, profile: &str, side: Side) -> StoreResult<Option<Cursor>> {
        let row = sqlx::query("SELECT stamp, tie FROM cursors WHERE profile = ? AND side = ?")
            .bind(profile.to_owned())
            .bind(side.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(Cursor {
                stamp: EpochMs(row.try_get("stamp")?),
                tie: row.try_get("tie")?,
            })
        })
        .transpose()
    }

    async fn set_cursor(
        &self,
        profile: &str,
        side: Side,
        cursor: &Cursor,
        at: EpochMs,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO cursors (profile, side, stamp, tie, updated_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (profile, side) DO UPDATE SET
               stamp = excluded.stamp, tie = excluded.tie, updated_at = excluded.updated_at",
        )
        .bind(profile.to_owned())
        .bind(side.as_str())
        .bind(cursor.stamp.0)
        .bind(cursor.tie.clone())
        .bind(at.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn park_conflict(
        &self,
        link: LinkId,
        note: &ConflictNote,
        at: EpochMs,
    ) -> StoreResult<ConflictRecord> {
        let mut tx = self.write().await?;
        let base = json_opt(note.base.as_ref())?;
        let jira = json_opt(note.jira.as_ref())?;
        let ado = json_opt(note.ado.as_ref())?;
        let updated = sqlx::query(
            "UPDATE conflicts SET base = ?, jira_value = ?, ado_value = ?, updated_at = ?
             WHERE link_id = ? AND field = ? AND status <> 'resolved'",
        )
        .bind(base.clone())
        .bind(jira.clone())
        .bind(ado.clone())
        .bind(at.0)
        .bind(link.0)
        .bind(note.field.clone())
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            let inserted = sqlx::query(
                "INSERT INTO conflicts (profile, link_id, field, base, jira_value, ado_value,
                                        status, created_at, updated_at)
                 SELECT profile, id, ?, ?, ?, ?, 'open', ?, ? FROM links WHERE id = ?",
            )
            .bind(note.field.clone())
            .bind(base)
            .bind(jira)
            .bind(ado)
            .bind(at.0)
            .bind(at.0)
            .bind(link.0)
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("link {link}")));
            }
        }
        let row = sqlx::query(select_conflicts!(
            "WHERE c.link_id = ? AND c.field = ? AND c.status <> 'resolved'"
        ))
        .bind(link.0)
        .bind(note.field.clone())
        .fetch_one(&mut *tx)
        .await?;
        let record = conflict_row(&row)?;
        tx.commit().await?;
        Ok(record)
    }

    async fn conflicts(
        &self,
        profile: &str,
        status: Option<ConflictStatus>,
    ) -> StoreResult<Vec<ConflictRecord>> {
        let rows = match status {
            Some(status) => {
                sqlx::query(select_conflicts!(
                    "WHERE c.profile = ? AND c.status = ? ORDER BY c.id"
                ))
                .bind(profile.to_owned())
                .bind(status.as_str())
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(select_conflicts!("WHERE c.profile = ? ORDER BY c.id"))
                    .bind(profile.to_owned())
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(conflict_row).collect()
    }

    async fn conflict(&self, id: ConflictId) -> StoreResult<Option<ConflictRecord>> {
        let row = sqlx::query(select_conflicts!("WHERE c.id = ?"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(conflict_row).transpose()
    }

    async fn choose_conflict(
        &self,
        id: ConflictId,
        take: Side,
        at: EpochMs,
    ) -> StoreResult<ConflictRecord> {
        let mut tx = self.write().await?;
        let done = sqlx::query(
            "UPDATE conflicts SET status = 'chosen', take = ?, updated_at = ?
             WHERE id = ? AND status <> 'resolved'",
        )
        .bind(take.as_str())
        .bind(at.0)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(select_conflicts!("WHERE c.id = ?"))
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound(format!("conflict {id}")));
        };
        let record = conflict_row(&row)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "conflict {id} is already resolved ({})",
                record.resolution.as_deref().unwrap_or("no detail")
            )));
        }
        tx.commit().await?;
        Ok(record)
    }

    async fn append_audit(&self, profile: &str, entries: &[NewAudit]) -> StoreResult<()> {
        let mut tx = self.write().await?;
        insert_audit(&mut tx, profile, entries).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit(&self, profile: &str, item: &ItemRef) -> StoreResult<Vec<AuditEntry>> {
        let link_column = match item.side {
            Side::Jira => {
                "SELECT * FROM audit WHERE profile = ?1
                 AND ((item_side = ?2 AND item_id = ?3)
                      OR link_id IN (SELECT id FROM links WHERE profile = ?1 AND jira_id = ?3))
                 ORDER BY id"
            }
            Side::Ado => {
                "SELECT * FROM audit WHERE profile = ?1
                 AND ((item_side = ?2 AND item_id = ?3)
                      OR link_id IN (SELECT id FROM links WHERE profile = ?1 AND ado_id = ?3))
                 ORDER BY id"
            }
        };
        let rows = sqlx::query(link_column)
            .bind(profile.to_owned())
            .bind(item.side.as_str())
            .bind(item.id.clone())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(audit_row).collect()
    }

    async fn park_item(
        &self,
        profile: &str,
        item: &ItemRef,
        reason: &str,
        at: EpochMs,
    ) -> StoreResult<bool> {
        let mut tx = self.write().await?;
        let before: Option<String> = sqlx::query_scalar(
            "SELECT reason FROM parked WHERE profile = ? AND item_side = ? AND item_id = ?",
        )
        .bind(profile.to_owned())
        .bind(item.side.as_str())
        .bind(item.id.clone())
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO parked (profile, item_side, item_id, item_key, reason, since, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (profile, item_side, item_id) DO UPDATE SET
               reason = excluded.reason, updated_at = excluded.updated_at,
               item_key = COALESCE(excluded.item_key, parked.item_key)",
        )
        .bind(profile.to_owned())
        .bind(item.side.as_str())
        .bind(item.id.clone())
        .bind(item.key.clone())
        .bind(reason.to_owned())
        .bind(at.0)
        .bind(at.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(before.as_deref() != Some(reason))
    }

    async fn unpark_item(&self, profile: &str, item: &ItemRef) -> StoreResult<()> {
        sqlx::query("DELETE FROM parked WHERE profile = ? AND item_side = ? AND item_id = ?")
            .bind(profile.to_owned())
            .bind(item.side.as_str())
            .bind(item.id.clone())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn parked(&self, profile: &str) -> StoreResult<Vec<ParkedItem>> {
        let rows = sqlx::query(
            "SELECT item_side, item_id, item_key, reason, since, updated_at FROM parked
             WHERE profile = ? ORDER BY since, item_side, item_id",
        )
        .bind(profile.to_owned())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let side: String = row.try_get("item_side")?;
                Ok(ParkedItem {
                    item: ItemRef {
                        side: Side::parse(&side)
                            .ok_or_else(|| StoreError::corrupt("parked side", &side))?,
                        id: row.try_get("item_id")?,
                        key: row.try_get("item_key")?,
                    },
                    reason: row.try_get("reason")?,
                    since: EpochMs(row.try_get("since")?),
                    updated: EpochMs(row.try_get("updated_at")?),
                })
            })
            .collect()
    }

    async fn begin_pass(&self, profile: &str, started: EpochMs) -> StoreResult<PassId> {
        let done = sqlx::query(
            "INSERT INTO passes (profile, started_at, counts, errors) VALUES (?, ?, ?, '[]')",
        )
        .bind(profile.to_owned())
        .bind(started.0)
        .bind(json(&PassCounts::default())?)
        .execute(&self.pool)
        .await?;
        Ok(PassId(done.last_insert_rowid()))
    }

    async fn finish_pass(&self, id: PassId, summary: &PassSummary) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE passes SET finished_at = ?, outcome = ?, counts = ?, errors = ? WHERE id = ?",
        )
        .bind(summary.finished.0)
        .bind(summary.outcome.as_str())
        .bind(json(&summary.counts)?)
        .bind(json(&summary.errors)?)
        .bind(id.0)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("pass {id}")));
        }
        Ok(())
    }

    async fn last_pass(&self, profile: &str) -> StoreResult<Option<PassRecord>> {
        let row = sqlx::query(
            "SELECT * FROM passes WHERE profile = ? ORDER BY started_at DESC, id DESC LIMIT 1",
        )
        .bind(profile.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(pass_row).transpose()
    }

    async fn status(&self, profile: &str) -> StoreResult<ProfileStatus> {
        let row = sqlx::query(
            "SELECT
               (SELECT COUNT(*) FROM links WHERE profile = ?1) AS links,
               (SELECT COUNT(*) FROM conflicts WHERE profile = ?1 AND status = 'open') AS open,
               (SELECT COUNT(*) FROM conflicts WHERE profile = ?1 AND status = 'chosen') AS chosen,
               (SELECT COUNT(*) FROM intents WHERE profile = ?1 AND state = 'open') AS intents,
               (SELECT COUNT(*) FROM parked WHERE profile = ?1) AS parked",
        )
        .bind(profile.to_owned())
        .fetch_one(&self.pool)
        .await?;
        Ok(ProfileStatus {
            links: count(row.try_get("links")?),
            open_conflicts: count(row.try_get("open")?),
            chosen_conflicts: count(row.try_get("chosen")?),
            open_intents: count(row.try_get("intents")?),
            parked: count(row.try_get("parked")?),
            last_pass: self.last_pass(profile).await?,
        })
    }
}
