//! Atomic, private file writes: a reader sees the old file or the new one, never half of
//! either, and nobody but the owner can read what tandem writes next to secrets.

use std::io::{self, Write};
use std::path::Path;

/// Permissions for files holding secrets or token records.
pub const PRIVATE_FILE_MODE: u32 = 0o600;

/// Creates `dir` (and its parents) if missing; a directory tandem creates is private (0700).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Writes `bytes` to `path` atomically with the given Unix permissions: a temporary file in the
/// same directory is written, flushed to disk, then renamed over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    create_private_dir(dir)?;
    // NamedTempFile is created with 0600 on Unix, so the bytes are never briefly world-readable.
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    file.persist(path).map_err(|error| error.error)?;
    // Make the rename itself durable (best effort: not every file system supports it).
    #[cfg(unix)]
    if let Ok(handle) = std::fs::File::open(dir) {
        let _ = handle.sync_all();
    }
    Ok(())
}

/// Unix permission bits of `path` (None where the platform has none).
pub fn mode_of(metadata: &std::fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(metadata.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_atomically_with_the_requested_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/file.json");
        write_atomic(&path, b"one", PRIVATE_FILE_MODE).unwrap();
        write_atomic(&path, b"two", PRIVATE_FILE_MODE).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        #[cfg(unix)]
        {
            let meta = std::fs::metadata(&path).unwrap();
            assert_eq!(mode_of(&meta), Some(0o600));
            let dir_meta = std::fs::metadata(path.parent().unwrap()).unwrap();
            assert_eq!(mode_of(&dir_meta), Some(0o700));
        }
        // No temporary files are left behind.
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("file.json")]);
    }
}
