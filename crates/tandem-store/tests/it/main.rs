//! Integration tests of tandem-store: the conformance story every backend must pass, run
//! here against SQLite on disk and in memory, plus SQLite-specific checks.

// The story's chapters are plain async fns (not `#[test]`s), so the test-only lint
// allowances of clippy.toml do not reach them.
#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is a failed assertion"
)]

mod sqlite;
mod story;
