//! Engine tests with in-process fakes of both connectors (unit level: the engine's own
//! logic, with the failures a real server produces on demand). The same behaviours are
//! proven end to end against the simulators in `crates/tandem/tests/it/`.

// Test helpers outside #[test] functions may unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod crash;
mod fake;
mod harness;
mod sync;
