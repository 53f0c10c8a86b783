//! `tandem config check`, and the config loading every other command shares.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use tandem_config::{
    Config, Env, LoadError, ParseOptions, SecretResolver, Side, TokenBook, env::LocateError,
};

/// Where the config is and how strictly to read it; shared by every command that reads it.
#[derive(Debug, Clone, Args)]
pub(crate) struct ConfigFileArgs {
    /// The config file [default: $TANDEM_CONFIG, ./tandem.toml, then
    /// $XDG_CONFIG_HOME/tandem/tandem.toml]
    #[arg(long, value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,
    /// Accept a token written directly in the config file (with a warning) instead of refusing it.
    #[arg(long)]
    pub(crate) allow_plaintext_secrets: bool,
}

impl ConfigFileArgs {
    fn options(&self) -> ParseOptions {
        ParseOptions {
            allow_plaintext_secrets: self.allow_plaintext_secrets,
        }
    }
}

/// A config that passed validation, with where it came from.
#[derive(Debug)]
pub(crate) struct LoadedConfig {
    pub(crate) config: Config,
}

pub(crate) fn current_dir() -> anyhow::Result<PathBuf> {
    std::env::current_dir().context("cannot read the current directory")
}

/// Finds and validates the config. Errors list every problem with its line and fix.
pub(crate) fn load(args: &ConfigFileArgs, env: &Env) -> anyhow::Result<LoadedConfig> {
    let located = tandem_config::locate_config(args.config.as_deref(), env, &current_dir()?)?;
    load_path(&located.path, args.options())
}

/// Like [`load`], but `Ok(None)` when there is no config file anywhere (commands that can run
/// without one, such as `token list`).
pub(crate) fn load_optional(
    args: &ConfigFileArgs,
    env: &Env,
) -> anyhow::Result<Option<LoadedConfig>> {
    match tandem_config::locate_config(args.config.as_deref(), env, &current_dir()?) {
        Ok(located) => load_path(&located.path, args.options()).map(Some),
        Err(LocateError::NotFound { .. }) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

fn load_path(path: &Path, options: ParseOptions) -> anyhow::Result<LoadedConfig> {
    let validated = tandem_config::load(path, options)?;
    // Warnings go to stderr so that machine-readable output on stdout stays clean.
    let mut err = std::io::stderr().lock();
    for warning in &validated.warnings {
        let _ = writeln!(err, "{warning}");
    }
    Ok(LoadedConfig {
        config: validated.config,
    })
}

/// Validate configuration without connecting anywhere.
#[derive(Debug, Args)]
pub(crate) struct ConfigArgs {
    #[command(subcommand)]
    command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Check the config file: syntax, keys, types and consistency, each problem with its line
    /// and its fix. Connects to nothing.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
struct CheckArgs {
    #[command(flatten)]
    file: ConfigFileArgs,
    /// Also read every token reference (environment variable, file, keyring entry) and report
    /// whether it yields a token. Tokens are never printed.
    #[arg(long)]
    resolve_secrets: bool,
}

pub(crate) fn run(args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        ConfigCommand::Check(check) => run_check(check),
    }
}

fn run_check(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let env = Env::from_process();
    let located = tandem_config::locate_config(args.file.config.as_deref(), &env, &current_dir()?)?;
    let mut out = std::io::stdout().lock();
    let validated = match tandem_config::load(&located.path, args.file.options()) {
        Ok(validated) => validated,
        Err(LoadError::Invalid(errors)) => {
            for diagnostic in errors.errors.iter().chain(&errors.warnings) {
                writeln!(out, "{diagnostic}")?;
            }
            let count = errors.errors.len();
            writeln!(
                out,
                "x {}: {count} error{}; nothing was changed",
                located.path.display(),
                if count == 1 { "" } else { "s" }
            )?;
            return Ok(ExitCode::FAILURE);
        }
        Err(error) => return Err(error.into()),
    };
    for warning in &validated.warnings {
        writeln!(out, "{warning}")?;
    }
    let config = &validated.config;
    let names = config.profile_names();
    writeln!(
        out,
        "√ {} is valid: {} profile{} ({})",
        located.path.display(),
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        names.join(", ")
    )?;
    match config.state_dir(&env) {
        Ok(state) => {
            writeln!(
                out,
                "  state directory: {} (from {})",
                state.path.display(),
                state.origin
            )?;
            // Token expiry and rotation are configuration too: say so here, not only in
            // `tandem token list`.
            match TokenBook::load(&state.path) {
                Ok(book) => {
                    for alert in book.alerts(super::token::today(), config.token_warning_days) {
                        writeln!(out, "~ {alert}\n  fix: {}", alert.fix())?;
                    }
                }
                Err(error) => writeln!(out, "~ {error}")?,
            }
        }
        Err(error) => writeln!(out, "~ {error}")?,
    }
    if !args.resolve_secrets {
        return Ok(ExitCode::SUCCESS);
    }
    let keyring = crate::keyring::system_keyring();
    let resolver = SecretResolver::new(&env, keyring.as_ref());
    let mut failed = false;
    for profile in &config.profiles {
        for side in [Side::Jira, Side::Ado] {
            let reference = profile.token(side);
            match resolver.resolve(reference) {
                Ok(_) => writeln!(
                    out,
                    "√ {} {} token: {reference} yields a token",
                    profile.name,
                    side.as_str()
                )?,
                Err(error) => {
                    failed = true;
                    writeln!(out, "x {} {} token: {error}", profile.name, side.as_str())?;
                }
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
