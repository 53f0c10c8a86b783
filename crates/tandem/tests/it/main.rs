//! End-to-end tests: the real `tandem` binary, run as a user would run it.

mod cli;
mod sim;
mod sim_ado;
