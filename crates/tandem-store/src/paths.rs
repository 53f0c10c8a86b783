//! Where the database lives inside the state directory. The directory itself is chosen by
//! `tandem_config::state_dir` (`TANDEM_STATE_DIR`, then the config's `state_dir`, then
//! `$XDG_STATE_HOME/tandem`), which the binary calls and passes to [`crate::SqliteStore::open`].

use std::path::{Path, PathBuf};

/// The file name of the SQLite database in the state directory.
pub const DATABASE_FILE: &str = "tandem.db";

/// The database file inside a state directory.
#[must_use]
pub fn database_path(state_dir: &Path) -> PathBuf {
    state_dir.join(DATABASE_FILE)
}
