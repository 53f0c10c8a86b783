//! `tandem doctor`: for each profile, walk the troubleshooting article's decision guide on
//! both sides and say what is wrong, the evidence and the fix (crate `tandem-doctor`).
//!
//! Exit codes: 0 no error, 2 credentials/identity/token, 3 permissions or role, 4 network,
//! TLS or proxy, 5 configuration or mode; over several profiles the first cause in the
//! article's order decides.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use tandem_config::{Config, Env, Profile, SecretResolver, Side, TokenBook, TokenRecord};
use tandem_doctor::evidence::SetupError;
use tandem_doctor::probe::{Inputs, Options};
use tandem_jira::Flavor;

use crate::connect;
use tandem_doctor::{Report, overall_exit_code};

use super::config::{ConfigFileArgs, load};

/// Arguments of `tandem doctor`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit codes: 0 no error (warnings may remain), 2 credentials, identity or \
token, 3 permissions or role, 4 network, TLS or proxy, 5 configuration or mode. Over several \
profiles, the first cause in the troubleshooting order decides.\n\nRead-only unless \
--probe-write is given. Rehearse a failure: tandem sim --scenario NAME --write-config \
DIR/tandem.toml, then tandem doctor --config DIR/tandem.toml."
)]
pub(crate) struct DoctorArgs {
    #[command(flatten)]
    file: ConfigFileArgs,
    /// Check only this profile [default: every profile].
    #[arg(long)]
    profile: Option<String>,
    /// Print one JSON object per profile, one per line (schema: the tandem-doctor crate docs).
    #[arg(long)]
    json: bool,
    /// Also prove that creating works: Azure DevOps validates a create (validateOnly=true,
    /// nothing is saved); given a Jira project key, an issue is created there and deleted.
    #[arg(long, value_name = "JIRA_PROJECT", num_args = 0..=1)]
    probe_write: Option<Option<String>>,
}

/// The exit code for a configuration that cannot be used.
const CONFIG_EXIT: u8 = 5;

pub(crate) fn run(args: &DoctorArgs) -> anyhow::Result<ExitCode> {
    let env = Env::from_process();
    let config = match load(&args.file, &env) {
        Ok(loaded) => loaded.config,
        Err(error) => {
            let report = Report::config_invalid(&format!("{error:#}"));
            if args.json {
                writeln!(std::io::stdout().lock(), "{}", report.to_json())?;
            } else {
                let mut err = std::io::stderr().lock();
                writeln!(err, "error: {error:#}")?;
                write!(err, "{}", report.to_text())?;
            }
            return Ok(ExitCode::from(CONFIG_EXIT));
        }
    };
    let profiles = select(&config, args.profile.as_deref())?;
    let options = Options {
        today: super::token::today(),
        token_warning_days: config.token_warning_days,
        probe_write: args.probe_write.is_some(),
        jira_write_project: args.probe_write.clone().flatten(),
    };
    let book = token_book(&config, &env);
    let keyring = crate::keyring::system_keyring();
    let resolver = SecretResolver::new(&env, keyring.as_ref());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let records = book
        .as_ref()
        .map(TokenBook::current_records)
        .unwrap_or_default();
    let mut reports = Vec::new();
    for profile in profiles {
        let inputs = inputs(profile, &resolver, &records);
        reports.push(runtime.block_on(tandem_doctor::examine(profile, inputs, &options)));
    }
    print(&reports, args.json)?;
    let verdicts: Vec<_> = reports.iter().map(|r| &r.verdict).collect();
    Ok(ExitCode::from(overall_exit_code(&verdicts)))
}

fn select<'c>(config: &'c Config, name: Option<&str>) -> anyhow::Result<Vec<&'c Profile>> {
    match name {
        Some(name) => Ok(vec![super::token::find_profile(config, name)?]),
        None => Ok(config.profiles.iter().collect()),
    }
}

/// The token records, if the state directory has them (doctor works without).
fn token_book(config: &Config, env: &Env) -> Option<TokenBook> {
    let dir = config.state_dir(env).ok()?;
    match TokenBook::load(&dir.path) {
        Ok(book) => Some(book),
        Err(error) => {
            let _ = writeln!(
                std::io::stderr().lock(),
                "warning: {error}; token expiry is not checked"
            );
            None
        }
    }
}

/// Resolves the two secrets, builds both connector configurations (in `crate::connect`,
/// where every connector is configured) and finds the token records of a profile.
pub(crate) fn inputs(
    profile: &Profile,
    resolver: &SecretResolver<'_>,
    records: &[&TokenRecord],
) -> Inputs {
    let secret = |side: Side| {
        let reference = profile.token(side);
        resolver
            .resolve(reference)
            .map_err(|e| SetupError::SecretUnreadable {
                reference: reference.to_string(),
                reason: e.to_string(),
            })
    };
    let unusable = |e: connect::ConnectError| SetupError::Connection {
        reason: e.to_string(),
    };
    // `auto` with a Data Center credential starts as Data Center; doctor switches to what the
    // server reports.
    let flavor = connect::known_flavor(profile).unwrap_or(Flavor::DataCenter);
    let project = profile.jira.projects.first().map_or("", String::as_str);
    let record = |side: Side| {
        records
            .iter()
            .find(|r| r.profile == profile.name && r.side == side)
            .map(|r| (*r).clone())
    };
    Inputs {
        jira: secret(Side::Jira)
            .and_then(|s| connect::jira_config(profile, project, flavor, s).map_err(unusable)),
        ado: secret(Side::Ado).and_then(|s| connect::ado_config(profile, s).map_err(unusable)),
        jira_record: record(Side::Jira),
        ado_record: record(Side::Ado),
    }
}

fn print(reports: &[Report], json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for (i, report) in reports.iter().enumerate() {
        if json {
            writeln!(out, "{}", report.to_json())?;
        } else {
            if i > 0 {
                writeln!(out)?;
            }
            write!(out, "{}", report.to_text())?;
        }
    }
    Ok(())
}
