//! Integration tests of tandem-config: sample configs (valid and invalid, snapshot-tested),
//! the shipped example config, and no-secret-leak checks.

// Helpers here are test code too: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod example;
mod samples;
mod secrets;
