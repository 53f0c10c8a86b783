//! The `tandem` command: a thin shell that parses arguments, picks the configuration and the
//! store once, and hands the work to the library crates. Errors become `anyhow` here and
//! nowhere else.

mod commands;
mod connect;
mod keyring;
mod prove;

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
