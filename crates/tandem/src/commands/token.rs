//! `tandem token record | list`: when, where and by whom each token was made, and how long it
//! has left (the source article: "Store when and where the token was generated and by whom.
//! Rotate on a predictable schedule.").

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use jiff::Timestamp;
use jiff::civil::Date;
use tandem_config::{
    Config, DEFAULT_TOKEN_WARNING_DAYS, Env, JiraAuth, JiraMode, Profile, Side, TokenBook,
    TokenRecord,
};

use super::config::{ConfigFileArgs, LoadedConfig};

/// Record and list the tokens tandem uses.
#[derive(Debug, Args)]
pub(crate) struct TokenArgs {
    #[command(subcommand)]
    command: TokenCommand,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Record when, where and by whom a profile's token was created, when it expires and how
    /// often it is rotated. Stores no secret.
    Record(RecordArgs),
    /// List the recorded tokens with the days they have left, and warn about those expiring
    /// or due for rotation.
    List(ListArgs),
    /// Replace a profile's token: the new one must prove, live, that it authenticates as the
    /// profile's sync user and has every permission the profile needs; only then is it
    /// swapped in (the old one stays until then), and the rotation recorded.
    Rotate(RotateArgs),
}

#[derive(Debug, Args)]
struct RotateArgs {
    #[command(flatten)]
    file: ConfigFileArgs,
    /// The profile.
    #[arg(long)]
    profile: String,
    /// The side whose token is replaced.
    #[arg(long, value_enum)]
    side: SideArg,
    /// The new token's reference (env:NAME, file:PATH, keyring:SERVICE/ACCOUNT); the config is
    /// changed to read it from there. Without it (and without --token-stdin) tandem asks.
    #[arg(long, value_name = "REF", conflicts_with = "token_stdin")]
    token: Option<String>,
    /// Read the new token from the first line of stdin.
    #[arg(long)]
    token_stdin: bool,
    /// Where to keep a token given on stdin or at the prompt (file:PATH or
    /// keyring:SERVICE/ACCOUNT) [default: where the current one is kept]
    #[arg(long, value_name = "REF")]
    store: Option<String>,
    /// Who created the new token [default: $USER]
    #[arg(long, value_name = "WHO")]
    created_by: Option<String>,
    /// The day the new token expires (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date, conflicts_with = "expires_in")]
    expires: Option<Date>,
    /// The new token expires this many days from today.
    #[arg(long, value_name = "DAYS")]
    expires_in: Option<u32>,
    /// Rotate every this many days [default: the previous token's schedule]
    #[arg(long, value_name = "DAYS")]
    rotate_every: Option<u32>,
}

/// Which side a token authenticates to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SideArg {
    /// Jira.
    Jira,
    /// Azure DevOps.
    Ado,
}

impl From<SideArg> for Side {
    fn from(side: SideArg) -> Self {
        match side {
            SideArg::Jira => Side::Jira,
            SideArg::Ado => Side::Ado,
        }
    }
}

fn parse_date(value: &str) -> Result<Date, String> {
    value
        .parse::<Date>()
        .map_err(|_| format!("\"{value}\" is not a date; write it as YYYY-MM-DD"))
}

#[derive(Debug, Args)]
struct RecordArgs {
    #[command(flatten)]
    file: ConfigFileArgs,
    /// The profile using the token.
    #[arg(long)]
    profile: String,
    /// The side the token authenticates to.
    #[arg(long, value_enum)]
    side: SideArg,
    /// Who created the token (a person or team).
    #[arg(long, value_name = "WHO")]
    created_by: String,
    /// Where it was created: a URL or a note [default: the token page of the side]
    #[arg(long = "where", value_name = "URL_OR_NOTE")]
    location: Option<String>,
    /// The account the token belongs to [default: the profile's sync user]
    #[arg(long)]
    account: Option<String>,
    /// The day it was created (YYYY-MM-DD) [default: today]
    #[arg(long, value_parser = parse_date)]
    created: Option<Date>,
    /// The day it expires (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date, conflicts_with = "expires_in")]
    expires: Option<Date>,
    /// It expires this many days after it was created (Atlassian API tokens: 1 to 365; Azure
    /// DevOps PATs: at most 365).
    #[arg(long, value_name = "DAYS")]
    expires_in: Option<u32>,
    /// Rotate it every this many days.
    #[arg(long, value_name = "DAYS")]
    rotate_every: Option<u32>,
}

#[derive(Debug, Args)]
struct ListArgs {
    #[command(flatten)]
    file: ConfigFileArgs,
    /// Print JSON (a stable schema) instead of a table.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: &TokenArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        TokenCommand::Record(record) => run_record(record),
        TokenCommand::List(list) => run_list(list),
        TokenCommand::Rotate(rotate) => run_rotate(rotate),
    }
}

fn run_rotate(args: &RotateArgs) -> anyhow::Result<ExitCode> {
    use std::io::{BufRead, IsTerminal};

    use secrecy::SecretString;

    use super::rotate::{NewToken, RotateRequest, World, command_line_reference};

    let env = Env::from_process();
    let cwd = super::config::current_dir()?;
    let located = tandem_config::locate_config(args.file.config.as_deref(), &env, &cwd)?;
    let side = Side::from(args.side);
    let new_token = match (&args.token, args.token_stdin) {
        (Some(reference), _) => NewToken::Reference(command_line_reference(reference, &cwd)?),
        (None, true) => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("cannot read the new token from stdin")?;
            NewToken::Secret(SecretString::from(line.trim().to_owned()))
        }
        (None, false) => {
            if !std::io::stdin().is_terminal() {
                bail!(
                    "no new token: pass --token REF or --token-stdin (stdin is not a terminal, so tandem cannot ask)"
                );
            }
            let typed = dialoguer::Password::new()
                .with_prompt(format!(
                    "New {side} token for profile {} (input hidden)",
                    args.profile
                ))
                .interact()?;
            NewToken::Secret(SecretString::from(typed.trim().to_owned()))
        }
    };
    let store = args
        .store
        .as_deref()
        .map(|value| command_line_reference(value, &cwd))
        .transpose()?;
    let created_by = args
        .created_by
        .clone()
        .or_else(|| {
            env.get("USER")
                .or_else(|| env.get("USERNAME"))
                .and_then(|v| v.to_str())
                .map(str::to_owned)
        })
        .context("say who created the new token with --created-by WHO")?;
    let request = RotateRequest {
        config_path: located.path,
        options: tandem_config::ParseOptions {
            allow_plaintext_secrets: args.file.allow_plaintext_secrets,
        },
        profile: args.profile.clone(),
        side,
        new_token,
        store,
        created_by,
        expires: args.expires,
        expires_in: args.expires_in,
        rotate_every: args.rotate_every,
        today: today(),
    };
    let keyring = crate::keyring::system_keyring();
    let prover = crate::prove::live::LiveProver::new()?;
    let world = World {
        env: &env,
        keyring: keyring.as_ref(),
        prover: &prover,
    };
    super::rotate::rotate(request, &world, &mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}

/// Today in the local time zone: expiry dates are calendar days where the operator is.
pub(crate) fn today() -> Date {
    jiff::ZonedDateTime::now().date()
}

pub(crate) fn find_profile<'c>(config: &'c Config, name: &str) -> anyhow::Result<&'c Profile> {
    config.profile(name).with_context(|| {
        format!(
            "the config has no profile \"{name}\" (it has: {})",
            config.profile_names().join(", ")
        )
    })
}

/// The page where a side's tokens are made, to record as "where" by default.
pub(crate) fn token_page(profile: &Profile, side: Side) -> String {
    match side {
        Side::Jira => match (profile.jira.known_mode(), profile.jira.auth) {
            (JiraMode::Cloud, _) | (_, JiraAuth::CloudApiToken | JiraAuth::CloudScopedToken) => {
                "https://id.atlassian.com/manage-profile/security/api-tokens".to_owned()
            }
            _ => format!(
                "{}/secure/ViewProfile.jspa?selectedTab=com.atlassian.pats.pats-plugin:jira-user-personal-access-tokens",
                profile.jira.url.as_str().trim_end_matches('/')
            ),
        },
        Side::Ado => format!(
            "{}/_usersSettings/tokens",
            profile.ado.url.as_str().trim_end_matches('/')
        ),
    }
}

/// The article's explanation of why a token of another user cannot stand in for the sync user.
pub(crate) fn other_user_explanation(
    profile: &Profile,
    side: Side,
    actual: &str,
    intended: &str,
) -> String {
    let admins = match side {
        Side::Jira => "site admins",
        Side::Ado => "organisation administrators",
    };
    format!(
        "the token belongs to {actual}, but profile {}'s intended {} sync user is {intended}. \
         Tokens are per user: a token created under one account authenticates as that account \
         only, even when both accounts are {admins}. Sign in as {intended}, create the token \
         there, and use that one (or, if {actual} really is the sync user, change `user` in \
         [profile.{}] first)",
        profile.name,
        side,
        side.as_str()
    )
}

pub(crate) fn same_user(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn run_record(args: &RecordArgs) -> anyhow::Result<ExitCode> {
    let env = Env::from_process();
    let LoadedConfig { config, .. } = super::config::load(&args.file, &env)?;
    let profile = find_profile(&config, &args.profile)?;
    let side = Side::from(args.side);
    let intended = profile.sync_user(side);
    let account = args.account.clone().unwrap_or_else(|| intended.to_owned());
    if !same_user(&account, intended) {
        bail!(
            "not recorded: {}",
            other_user_explanation(profile, side, &account, intended)
        );
    }
    let today = today();
    let created = args.created.unwrap_or(today);
    if created > today {
        bail!("--created {created} is in the future; give the day the token was made");
    }
    let expires = match (args.expires, args.expires_in) {
        (Some(date), _) => Some(date),
        (None, Some(days)) => Some(
            created
                .checked_add(jiff::Span::new().days(i64::from(days)))
                .context("--expires-in is too far in the future")?,
        ),
        (None, None) => None,
    };
    if let Some(expires) = expires
        && expires <= created
    {
        bail!(
            "the token would expire ({expires}) before it was created ({created}); check --expires"
        );
    }
    if args.created_by.trim().is_empty() {
        bail!("--created-by is empty; name the person or team who created the token");
    }
    let record = TokenRecord {
        profile: profile.name.clone(),
        side,
        created_by: args.created_by.trim().to_owned(),
        account,
        location: args
            .location
            .clone()
            .unwrap_or_else(|| token_page(profile, side)),
        created,
        expires,
        rotate_every_days: args.rotate_every,
        recorded_at: Timestamp::now(),
        replaced_at: None,
    };
    let state = config.state_dir(&env)?;
    let mut book = TokenBook::load(&state.path)?;
    book.record(record.clone());
    book.save()?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "recorded the {} token of profile {} in {}",
        side.as_str(),
        profile.name,
        book.path().display()
    )?;
    for warning in record.warnings(today, config.token_warning_days) {
        writeln!(
            out,
            "warning: it {warning}; create a new one as {} and run `tandem token rotate --profile {} --side {}`",
            record.account,
            profile.name,
            side.as_str()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(serde::Serialize)]
struct JsonRecord<'a> {
    profile: &'a str,
    side: Side,
    account: &'a str,
    created_by: &'a str,
    #[serde(rename = "where")]
    location: &'a str,
    created: Date,
    expires: Option<Date>,
    days_left: Option<i64>,
    rotate_every_days: Option<u32>,
    rotation_due: Option<Date>,
    days_to_rotation: Option<i64>,
    in_config: bool,
    warnings: Vec<String>,
}

#[derive(serde::Serialize)]
struct JsonList<'a> {
    today: Date,
    warn_days: u32,
    tokens: Vec<JsonRecord<'a>>,
    unrecorded: Vec<JsonUnrecorded<'a>>,
}

#[derive(serde::Serialize)]
struct JsonUnrecorded<'a> {
    profile: &'a str,
    side: Side,
}

fn run_list(args: &ListArgs) -> anyhow::Result<ExitCode> {
    let env = Env::from_process();
    let loaded = super::config::load_optional(&args.file, &env)?;
    let config = loaded.as_ref().map(|l| &l.config);
    let state = match config {
        Some(config) => config.state_dir(&env)?,
        None => tandem_config::state_dir(None, &env)?,
    };
    let window = config.map_or(DEFAULT_TOKEN_WARNING_DAYS, |c| c.token_warning_days);
    let book = TokenBook::load(&state.path)?;
    let today = today();
    let unrecorded = config.map(|c| book.unrecorded(c)).unwrap_or_default();
    let in_config =
        |record: &TokenRecord| config.is_none_or(|c| c.profile(&record.profile).is_some());
    let mut out = std::io::stdout().lock();

    if args.json {
        let list = JsonList {
            today,
            warn_days: window,
            tokens: book
                .current_records()
                .into_iter()
                .map(|r| JsonRecord {
                    profile: &r.profile,
                    side: r.side,
                    account: &r.account,
                    created_by: &r.created_by,
                    location: &r.location,
                    created: r.created,
                    expires: r.expires,
                    days_left: r.days_left(today),
                    rotate_every_days: r.rotate_every_days,
                    rotation_due: r.rotation_due(),
                    days_to_rotation: r.days_to_rotation(today),
                    in_config: in_config(r),
                    warnings: r
                        .warnings(today, window)
                        .iter()
                        .map(ToString::to_string)
                        .collect(),
                })
                .collect(),
            unrecorded: unrecorded
                .iter()
                .map(|(profile, side)| JsonUnrecorded {
                    profile,
                    side: *side,
                })
                .collect(),
        };
        serde_json::to_writer_pretty(&mut out, &list)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }

    let records = book.current_records();
    if records.is_empty() {
        writeln!(out, "no tokens recorded in {}", book.path().display())?;
    } else {
        let header = [
            "PROFILE",
            "SIDE",
            "ACCOUNT",
            "CREATED",
            "BY",
            "EXPIRES",
            "DAYS LEFT",
            "ROTATE BY",
            "WHERE",
        ];
        let rows: Vec<[String; 9]> = records
            .iter()
            .map(|r| {
                let profile = if in_config(r) {
                    r.profile.clone()
                } else {
                    format!("{} (not in config)", r.profile)
                };
                [
                    profile,
                    r.side.as_str().to_owned(),
                    r.account.clone(),
                    r.created.to_string(),
                    r.created_by.clone(),
                    r.expires
                        .map_or_else(|| "never".to_owned(), |d| d.to_string()),
                    r.days_left(today)
                        .map_or_else(|| "-".to_owned(), |d| d.to_string()),
                    r.rotation_due()
                        .map_or_else(|| "-".to_owned(), |d| d.to_string()),
                    r.location.clone(),
                ]
            })
            .collect();
        let mut widths = header.map(str::len);
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: &[&str]| {
            let mut text = String::new();
            for (i, cell) in cells.iter().enumerate() {
                if i + 1 == cells.len() {
                    text.push_str(cell);
                } else {
                    text.push_str(&format!("{cell:<width$}  ", width = widths[i]));
                }
            }
            text
        };
        writeln!(out, "{}", line(&header))?;
        for row in &rows {
            let cells: Vec<&str> = row.iter().map(String::as_str).collect();
            writeln!(out, "{}", line(&cells))?;
        }
    }
    for alert in book.alerts(today, window) {
        writeln!(out, "warning: {alert}\n  fix: {}", alert.fix())?;
    }
    for (profile, side) in &unrecorded {
        writeln!(
            out,
            "note: profile {profile} {} token has no record; run `tandem token record --profile {profile} --side {} --created-by WHO --expires YYYY-MM-DD`",
            side.as_str(),
            side.as_str()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
