//! End-to-end tests: the real `tandem` binary, run as a user would run it.

// Helpers here are test code too: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod canary;
mod cli;
mod config_check;
mod convert;
mod doctor;
mod init_live;
mod live;
mod media;
mod sandbox;
mod sim;
mod sim_ado;
mod sync;
mod token_records;
mod token_rotate;
mod world;
