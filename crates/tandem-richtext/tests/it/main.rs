//! Integration tests of tandem-richtext: the corpus (snapshots, fixed points, HTML safety),
//! property tests, and the engine-facing helpers.

// Test helpers may unwrap: a panic there is a failed test with a backtrace.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod corpus;
mod props;
