//! The store's error type: small, and able to say whether trying again can help.

use std::path::PathBuf;

/// A store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or created.
    #[error(
        "cannot open the state database {}: {source}. Check that the state directory exists \
         and is writable by this user, or choose another with `state_dir` in the config or \
         TANDEM_STATE_DIR",
        path.display()
    )]
    Open {
        /// The database path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: sqlx::Error,
    },
    /// The state directory could not be created.
    #[error(
        "cannot create the state directory {}: {source}. Create it by hand or choose another \
         with `state_dir` in the config or TANDEM_STATE_DIR",
        path.display()
    )]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Applying the schema migrations failed.
    #[error(
        "cannot bring the state database up to date: {0}. If a newer tandem wrote this \
         database, run that version or point `state_dir` at a fresh directory"
    )]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Something the operation needs does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The operation contradicts what is stored (e.g. an item already linked elsewhere).
    #[error("{0}")]
    Conflict(String),
    /// The database is locked by another writer for longer than the busy timeout.
    #[error("the state database is busy (another tandem process is writing); try again")]
    Busy,
    /// A stored value could not be read back.
    #[error(
        "stored {what} could not be read ({detail}); the state database may have been edited \
         by hand or written by a newer tandem"
    )]
    Corrupt {
        /// What was being read.
        what: &'static str,
        /// Why it failed.
        detail: String,
    },
    /// Any other database failure.
    #[error("state database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl StoreError {
    /// Whether the same call may succeed if tried again later.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Busy)
    }

    pub(crate) fn corrupt(what: &'static str, detail: &dyn std::fmt::Display) -> StoreError {
        StoreError::Corrupt {
            what,
            detail: detail.to_string(),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound("row".into()),
            sqlx::Error::PoolTimedOut => StoreError::Busy,
            sqlx::Error::Database(db) => {
                // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with or without extended codes.
                let code = db
                    .code()
                    .and_then(|c| c.parse::<i64>().ok())
                    .map(|c| c & 0xff);
                if matches!(code, Some(5 | 6)) {
                    StoreError::Busy
                } else if db.is_unique_violation() {
                    StoreError::Conflict(format!("already stored: {}", db.message()))
                } else {
                    StoreError::Database(e)
                }
            }
            _ => StoreError::Database(e),
        }
    }
}

/// Results of store operations.
pub type StoreResult<T> = Result<T, StoreError>;
