//! The `tandem` command: a thin shell that parses arguments, picks the configuration and the
//! store once, and hands the work to the library crates. Errors become `anyhow` here and
//! nowhere else.

mod commands;
mod connect;
mod keyring;
mod prove;
mod wiring;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Keeps Jira and Azure DevOps work items in sync, and tells you exactly why a connection
/// fails and how to fix it.
#[derive(Debug, Parser)]
#[command(name = "tandem", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

// One variant per command; each command lives in its own module under `commands/`.
#[derive(Debug, Subcommand)]
enum Command {
    /// Show what tandem does against the built-in simulator, with no outside server.
    Demo,
    /// Convert rich text between ADF, Jira wiki markup, HTML and Markdown (stdin to stdout;
    /// what the target cannot express is listed on stderr).
    Convert(commands::convert::Args),
    /// Check the configuration file.
    Config(commands::config::ConfigArgs),
    /// Record, list and rotate the tokens tandem uses.
    Token(commands::token::TokenArgs),
    /// Create a profile: asks which account is the sync user, Cloud or Data Center and where
    /// each token came from, proves the tokens live, then writes the config.
    Init(commands::init::InitArgs),
    /// Run the built-in Jira (and Azure DevOps) simulators until killed.
    Sim(commands::sim::SimArgs),
    /// Sync the profiles once (`--dry-run` prints the plan and writes nothing).
    Sync(commands::sync::SyncArgs),
    /// Keep syncing at an interval until SIGINT or SIGTERM.
    Run(commands::run::RunArgs),
    /// Per profile: last pass, items linked, conflicts waiting, parked items, errors.
    Status(commands::status::StatusArgs),
    /// List the linked pairs.
    Links(commands::links::LinksArgs),
    /// List conflicts waiting for a person, or settle one.
    Conflicts(commands::conflicts::ConflictsArgs),
    /// What tandem did to an item, and why.
    Audit(commands::audit::AuditArgs),
    /// Measure the sync engine against both simulators (items, latency, calls, memory).
    Bench(commands::bench::BenchArgs),
    /// Tell why a connection fails and how to fix it: credentials or permissions (or network,
    /// or configuration), on both sides of every profile.
    Doctor(commands::doctor::DoctorArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo => commands::demo::run(),
        Command::Convert(args) => commands::convert::run(&args),
        Command::Config(args) => commands::config::run(&args),
        Command::Token(args) => commands::token::run(&args),
        Command::Init(args) => commands::init::run(&args),
        Command::Sim(args) => commands::sim::run(&args),
        Command::Sync(args) => commands::sync::run(&args),
        Command::Run(args) => commands::run::run(&args),
        Command::Status(args) => commands::status::run(&args),
        Command::Links(args) => commands::links::run(&args),
        Command::Conflicts(args) => commands::conflicts::run(&args),
        Command::Audit(args) => commands::audit::run(&args),
        Command::Bench(args) => commands::bench::run(&args),
        Command::Doctor(args) => commands::doctor::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            // `{:#}` prints the whole cause chain on one line, which pastes well into a ticket.
            let _ = writeln!(std::io::stderr(), "error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
