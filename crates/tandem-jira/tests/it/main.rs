//! tandem-jira against the Jira simulator, over real HTTP: every error class with its
//! evidence, paging, writes with markers and guards, probes, pacing under rate limits, TLS
//! with the simulator's CA, the canary token, and the calls-per-1,000-items figure.

// Test helpers may unwrap: a panic there is a failed test with a backtrace.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    unreachable_pub,
    clippy::print_stdout
)]

mod canary;
mod errors;
mod feed;
mod figures;
mod pacing;
mod probes;
mod support;
mod writes;
