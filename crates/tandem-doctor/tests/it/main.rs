//! Integration tests: the probes against the simulator over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod inputs;
mod probes;
