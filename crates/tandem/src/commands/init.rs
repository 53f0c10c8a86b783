//! `tandem init`: asks the source article's questions in its order (which account is the sync
//! user, Cloud or Data Center, where the token came from), proves each token live (who it
//! authenticates as, that the projects load, that the permissions are there) and only then
//! stores the tokens behind references and writes a config that validates.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use jiff::Timestamp;
use jiff::civil::Date;
use secrecy::SecretString;
use tandem_config::edit::NewProfile;
use tandem_config::{
    AdoAuth, ConflictPolicy, Direction, Env, JiraAuth, JiraMode, Keyword, ParseOptions, SecretRef,
    SecretResolver, Side, TokenBook, TokenRecord,
};

use super::rotate::{World, command_line_reference};
use crate::prove;

fn keyword<T>(value: &str, parse: fn(&str) -> Option<T>, keywords: &[&str]) -> Result<T, String> {
    parse(value).ok_or_else(|| format!("expected one of: {}", keywords.join(", ")))
}
fn parse_direction(v: &str) -> Result<Direction, String> {
    keyword(v, Direction::parse, Direction::KEYWORDS)
}
fn parse_conflict(v: &str) -> Result<ConflictPolicy, String> {
    keyword(v, ConflictPolicy::parse, ConflictPolicy::KEYWORDS)
}
fn parse_mode(v: &str) -> Result<JiraMode, String> {
    keyword(v, JiraMode::parse, JiraMode::KEYWORDS)
}
fn parse_jira_auth(v: &str) -> Result<JiraAuth, String> {
    keyword(v, JiraAuth::parse, JiraAuth::KEYWORDS)
}
fn parse_ado_auth(v: &str) -> Result<AdoAuth, String> {
    keyword(v, AdoAuth::parse, AdoAuth::KEYWORDS)
}
fn parse_date(value: &str) -> Result<Date, String> {
    value
        .parse::<Date>()
        .map_err(|_| format!("\"{value}\" is not a date; write it as YYYY-MM-DD"))
}

/// Create a profile: asks which account is the sync user, Cloud or Data Center and where each
/// token came from, proves the tokens live, then writes the config.
#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// The config file to write [default: $TANDEM_CONFIG, then ./tandem.toml]. If it exists,
    /// the new profile is appended to it.
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Ask nothing: every answer comes from the flags below (tokens as references).
    #[arg(long)]
    non_interactive: bool,
    /// Name of the new profile.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// both, jira-to-ado or ado-to-jira [default: both]
    #[arg(long, value_parser = parse_direction)]
    direction: Option<Direction>,
    /// jira-wins, ado-wins, newest-wins or manual [default: manual]
    #[arg(long, value_parser = parse_conflict)]
    conflict: Option<ConflictPolicy>,
    /// Jira site URL.
    #[arg(long, value_name = "URL")]
    jira_url: Option<String>,
    /// The Jira sync user: its e-mail on Cloud, its username on Data Center.
    #[arg(long, value_name = "USER")]
    jira_user: Option<String>,
    /// cloud or datacenter [default: cloud for *.atlassian.net]
    #[arg(long, value_parser = parse_mode)]
    jira_mode: Option<JiraMode>,
    /// cloud-api-token, cloud-scoped-token, dc-pat or dc-password [default: by mode]
    #[arg(long, value_parser = parse_jira_auth)]
    jira_auth: Option<JiraAuth>,
    /// Scoped tokens: https://api.atlassian.com/ex/jira/<cloudId>.
    #[arg(long, value_name = "URL")]
    jira_gateway_url: Option<String>,
    /// Where the Jira token is: env:NAME, file:PATH or keyring:SERVICE/ACCOUNT.
    #[arg(long, value_name = "REF")]
    jira_token: Option<String>,
    /// Jira project key (repeat for several).
    #[arg(long = "jira-project", value_name = "KEY")]
    jira_projects: Vec<String>,
    /// Azure DevOps organisation (or Server collection) URL.
    #[arg(long, value_name = "URL")]
    ado_url: Option<String>,
    /// Azure DevOps project name.
    #[arg(long, value_name = "NAME")]
    ado_project: Option<String>,
    /// Azure DevOps area path (optional).
    #[arg(long, value_name = "PATH")]
    ado_area_path: Option<String>,
    /// The Azure DevOps sync identity (sign-in e-mail/UPN).
    #[arg(long, value_name = "USER")]
    ado_user: Option<String>,
    /// pat or bearer [default: pat]
    #[arg(long, value_parser = parse_ado_auth)]
    ado_auth: Option<AdoAuth>,
    /// Where the Azure DevOps token is: env:NAME, file:PATH or keyring:SERVICE/ACCOUNT.
    #[arg(long, value_name = "REF")]
    ado_token: Option<String>,
    /// Who created the tokens, for the token records [default: $USER]
    #[arg(long, value_name = "WHO")]
    created_by: Option<String>,
    /// The day the Jira token expires (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    jira_token_expires: Option<Date>,
    /// The day the Azure DevOps token expires (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    ado_token_expires: Option<Date>,
    /// Rotate both tokens every this many days.
    #[arg(long, value_name = "DAYS")]
    rotate_every: Option<u32>,
}

/// The answers, however they were collected.
pub(crate) struct InitPlan {
    pub(crate) profile: NewProfile,
    /// A token typed at the prompt (to be stored where `profile` references it); None when the
    /// reference already holds it.
    pub(crate) jira_secret: Option<SecretString>,
    pub(crate) ado_secret: Option<SecretString>,
    pub(crate) created_by: String,
    pub(crate) jira_expires: Option<Date>,
    pub(crate) ado_expires: Option<Date>,
    pub(crate) rotate_every: Option<u32>,
    pub(crate) today: Date,
}

pub(crate) fn run(args: &InitArgs) -> anyhow::Result<ExitCode> {
    let env = Env::from_process();
    let cwd = super::config::current_dir()?;
    let path = tandem_config::env::config_path_for_writing(args.config.as_deref(), &env, &cwd).path;
    let keyring = crate::keyring::system_keyring();
    let plan = if args.non_interactive {
        plan_from_flags(args, &env, &cwd)?
    } else {
        if !std::io::stdin().is_terminal() {
            bail!(
                "tandem init asks questions, but stdin is not a terminal; pass --non-interactive with the answers as flags (see `tandem init --help`)"
            );
        }
        wizard::ask(args, &env, &cwd, &path)?
    };
    let prover = crate::prove::live::LiveProver::new()?;
    let world = World {
        env: &env,
        keyring: keyring.as_ref(),
        prover: &prover,
    };
    let mut out = std::io::stdout().lock();
    init(&path, &plan, &world, &mut out)?;
    Ok(ExitCode::SUCCESS)
}

fn required<'a>(value: Option<&'a String>, flag: &str, missing: &mut Vec<String>) -> &'a str {
    match value {
        Some(value) if !value.trim().is_empty() => value.trim(),
        _ => {
            missing.push(format!("--{flag}"));
            ""
        }
    }
}

fn plan_from_flags(args: &InitArgs, env: &Env, cwd: &Path) -> anyhow::Result<InitPlan> {
    let mut missing = Vec::new();
    let name = required(args.profile.as_ref(), "profile", &mut missing).to_owned();
    let jira_url = required(args.jira_url.as_ref(), "jira-url", &mut missing).to_owned();
    let jira_user = required(args.jira_user.as_ref(), "jira-user", &mut missing).to_owned();
    let jira_token = required(args.jira_token.as_ref(), "jira-token", &mut missing).to_owned();
    let ado_url = required(args.ado_url.as_ref(), "ado-url", &mut missing).to_owned();
    let ado_project = required(args.ado_project.as_ref(), "ado-project", &mut missing).to_owned();
    let ado_user = required(args.ado_user.as_ref(), "ado-user", &mut missing).to_owned();
    let ado_token = required(args.ado_token.as_ref(), "ado-token", &mut missing).to_owned();
    if args.jira_projects.is_empty() {
        missing.push("--jira-project".to_owned());
    }
    if !missing.is_empty() {
        bail!(
            "--non-interactive needs {}; run `tandem init` in a terminal to be asked instead",
            missing.join(", ")
        );
    }
    let jira_mode = args.jira_mode.unwrap_or_else(|| default_mode(&jira_url));
    Ok(InitPlan {
        profile: NewProfile {
            name,
            direction: args.direction.unwrap_or(Direction::Both),
            conflict: args.conflict.unwrap_or(ConflictPolicy::Manual),
            jira_auth: args.jira_auth.unwrap_or(default_auth(jira_mode)),
            jira_mode,
            jira_url,
            jira_gateway_url: args.jira_gateway_url.clone(),
            jira_user,
            jira_token: command_line_reference(&jira_token, cwd)?,
            jira_projects: args
                .jira_projects
                .iter()
                .flat_map(|p| p.split(','))
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .collect(),
            ado_url,
            ado_project,
            ado_area_path: args.ado_area_path.clone(),
            ado_auth: args.ado_auth.unwrap_or(AdoAuth::Pat),
            ado_user,
            ado_token: command_line_reference(&ado_token, cwd)?,
        },
        jira_secret: None,
        ado_secret: None,
        created_by: created_by(args, env),
        jira_expires: args.jira_token_expires,
        ado_expires: args.ado_token_expires,
        rotate_every: args.rotate_every,
        today: super::token::today(),
    })
}

fn created_by(args: &InitArgs, env: &Env) -> String {
    args.created_by
        .clone()
        .or_else(|| {
            env.get("USER")
                .or_else(|| env.get("USERNAME"))
                .and_then(|v| v.to_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "tandem init".to_owned())
}

fn default_mode(url: &str) -> JiraMode {
    let cloud = url::Url::parse(url.trim())
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| h.to_ascii_lowercase().ends_with(".atlassian.net"))
        })
        .unwrap_or(false);
    if cloud {
        JiraMode::Cloud
    } else {
        JiraMode::DataCenter
    }
}

fn default_auth(mode: JiraMode) -> JiraAuth {
    match mode {
        JiraMode::DataCenter => JiraAuth::DcPat,
        JiraMode::Cloud | JiraMode::Auto => JiraAuth::CloudApiToken,
    }
}

/// Validates, proves, stores and writes, in that order: a refusal at any step leaves every
/// file as it was.
pub(crate) fn init(
    path: &Path,
    plan: &InitPlan,
    world: &World<'_>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => {
            return Err(error).with_context(|| format!("cannot read {}", path.display()));
        }
    };
    let new_text = tandem_config::edit::append_profile(&existing, &plan.profile)?;
    // The config as it would be written must validate (this also refuses a taken name).
    let validated = tandem_config::parse(&new_text, path, ParseOptions::default())
        .context("the answers do not make a valid config, so nothing was written")?;
    let config = &validated.config;
    let profile = super::token::find_profile(config, &plan.profile.name)?;
    let resolver = SecretResolver::new(world.env, world.keyring);

    let mut secrets = Vec::new();
    for (side, typed) in [
        (Side::Jira, &plan.jira_secret),
        (Side::Ado, &plan.ado_secret),
    ] {
        let secret = match typed {
            Some(secret) => secret.clone(),
            None => resolver
                .resolve(profile.token(side))
                .with_context(|| format!("cannot read the {side} token, so nothing was written"))?,
        };
        secrets.push((side, secret));
    }

    // Credentials first, then projects and permissions, side by side; every refusal is shown.
    let mut refusals = Vec::new();
    for (side, secret) in &secrets {
        writeln!(
            out,
            "Checking the {side} token against {} ...",
            profile.url(*side)
        )?;
        match prove::prove(world.prover, profile, *side, secret, out) {
            Ok(_) => {}
            Err(refusal) => {
                writeln!(out, "x {refusal}")?;
                refusals.push(format!("{side}: {}", refusal.cause));
            }
        }
    }
    if !refusals.is_empty() {
        bail!(
            "nothing was written: {}. Fix the cause shown above and run `tandem init` again",
            refusals.join("; ")
        );
    }

    // Proven. Store the typed tokens, then write the config.
    for (side, typed) in [
        (Side::Jira, &plan.jira_secret),
        (Side::Ado, &plan.ado_secret),
    ] {
        if let Some(secret) = typed {
            let reference = profile.token(side);
            match reference {
                SecretRef::Env { name } => writeln!(
                    out,
                    "~ the {side} token is read from ${name}: set it to the token you pasted in the environment tandem runs in"
                )?,
                _ => {
                    resolver
                        .store(reference, secret)
                        .with_context(|| format!("cannot store the {side} token in {reference}; nothing was written to the config"))?;
                    writeln!(out, "√ stored the {side} token in {reference}")?;
                }
            }
        }
    }
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    if on_disk != existing {
        bail!(
            "{} changed while the tokens were being checked; run `tandem init` again",
            path.display()
        );
    }
    tandem_config::fsutil::write_atomic(path, new_text.as_bytes(), 0o600)
        .with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(
        out,
        "√ wrote profile {} to {}",
        profile.name,
        path.display()
    )?;

    let state = config.state_dir(world.env)?;
    let mut book = TokenBook::load(&state.path)?;
    for (side, expires) in [
        (Side::Jira, plan.jira_expires),
        (Side::Ado, plan.ado_expires),
    ] {
        book.record(TokenRecord {
            profile: profile.name.clone(),
            side,
            created_by: plan.created_by.clone(),
            account: profile.sync_user(side).to_owned(),
            location: super::token::token_page(profile, side),
            created: plan.today,
            expires,
            rotate_every_days: plan.rotate_every,
            recorded_at: Timestamp::now(),
            replaced_at: None,
        });
    }
    book.save()?;
    writeln!(out, "√ recorded both tokens in {}", book.path().display())?;
    writeln!(
        out,
        "Next: review the type, state and field maps in {} (they fit Jira's default workflow and the Agile process), then run `tandem config check`.",
        path.display()
    )?;
    Ok(())
}

mod wizard {
    //! The interactive questions. Answers become the same [`InitPlan`] the flags make.

    use dialoguer::{Input, Password, Select};

    use super::*;

    fn text(prompt: &str, default: Option<&str>) -> anyhow::Result<String> {
        let mut input = Input::<String>::new().with_prompt(prompt);
        if let Some(default) = default {
            input = input.default(default.to_owned());
        }
        Ok(input.interact_text()?.trim().to_owned())
    }

    fn optional(prompt: &str) -> anyhow::Result<Option<String>> {
        let value: String = Input::new()
            .with_prompt(prompt)
            .allow_empty(true)
            .interact_text()?;
        Ok(Some(value.trim().to_owned()).filter(|v| !v.is_empty()))
    }

    fn choose(prompt: &str, items: &[String], default: usize) -> anyhow::Result<usize> {
        Ok(Select::new()
            .with_prompt(prompt)
            .items(items)
            .default(default)
            .interact()?)
    }

    fn secret(prompt: &str) -> anyhow::Result<SecretString> {
        Ok(SecretString::from(
            Password::new()
                .with_prompt(prompt)
                .interact()?
                .trim()
                .to_owned(),
        ))
    }

    fn date(prompt: &str) -> anyhow::Result<Option<Date>> {
        loop {
            match optional(prompt)? {
                None => return Ok(None),
                Some(value) => match parse_date(&value) {
                    Ok(date) => return Ok(Some(date)),
                    Err(error) => eprintln_safe(&error),
                },
            }
        }
    }

    fn eprintln_safe(message: &str) {
        let _ = writeln!(std::io::stderr(), "{message}");
    }

    /// Asks where to keep a pasted token; returns the reference and whether tandem stores it.
    fn storage(
        profile: &str,
        side: Side,
        env: &Env,
        cwd: &Path,
        config_path: &Path,
    ) -> anyhow::Result<SecretRef> {
        let default_file = default_secret_file(profile, side, env, config_path);
        let keyring_built = cfg!(feature = "keyring");
        let mut items = vec![format!(
            "in a file only you can read: {}",
            default_file.display()
        )];
        if keyring_built {
            items.push(format!(
                "in the OS keyring: keyring:tandem/{profile}-{}",
                side.as_str()
            ));
        }
        items.push("in an environment variable I set myself".to_owned());
        let choice = choose("Where should tandem keep it?", &items, 0)?;
        Ok(match (choice, keyring_built) {
            (0, _) => {
                let path = text("Token file", Some(&default_file.display().to_string()))?;
                command_line_reference(&format!("file:{path}"), cwd)?
            }
            (1, true) => SecretRef::Keyring {
                service: "tandem".to_owned(),
                account: format!("{profile}-{}", side.as_str()),
            },
            _ => {
                let suggested = format!(
                    "TANDEM_{}_{}_TOKEN",
                    profile.to_ascii_uppercase().replace(['-', '.'], "_"),
                    side.as_str().to_ascii_uppercase()
                );
                let name = text("Environment variable", Some(&suggested))?;
                command_line_reference(&format!("env:{name}"), cwd)?
            }
        })
    }

    pub(super) fn ask(
        args: &InitArgs,
        env: &Env,
        cwd: &Path,
        config_path: &Path,
    ) -> anyhow::Result<InitPlan> {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "tandem init: a profile syncs Jira project(s) with an Azure DevOps project.\nEach side needs a dedicated sync user, and a token created while signed in as that user.\n"
        )?;
        let name = text("Profile name", args.profile.as_deref().or(Some("default")))?;

        writeln!(out, "\n-- Jira --")?;
        let jira_url = text(
            "Jira site URL (e.g. https://example.atlassian.net)",
            args.jira_url.as_deref(),
        )?;
        // 1. Which account is the sync user.
        let jira_user = text(
            "Which account is the Jira sync user? (a dedicated integration account: its e-mail on Cloud, its username on Data Center)",
            args.jira_user.as_deref(),
        )?;
        // 2. Cloud or Data Center.
        let mode_default = usize::from(default_mode(&jira_url) == JiraMode::DataCenter);
        let jira_mode = match choose(
            "Jira Cloud or Jira Data Center / Server?",
            &[
                "Jira Cloud".to_owned(),
                "Jira Data Center / Server".to_owned(),
            ],
            mode_default,
        )? {
            0 => JiraMode::Cloud,
            _ => JiraMode::DataCenter,
        };
        // 3. Where the token came from.
        let (jira_auth, jira_gateway_url) = if jira_mode == JiraMode::Cloud {
            let items = [
                format!(
                    "an API token created at https://id.atlassian.com/manage-profile/security/api-tokens while signed in as {jira_user}, without scopes"
                ),
                "a scoped API token, or a service account's token".to_owned(),
            ];
            match choose("Where did the Jira token come from?", &items, 0)? {
                0 => (JiraAuth::CloudApiToken, None),
                _ => {
                    let site = jira_url.trim_end_matches('/');
                    let gateway = text(
                        &format!(
                            "Scoped tokens only work through Atlassian's gateway: https://api.atlassian.com/ex/jira/<cloudId> (the cloudId is at {site}/_edge/tenant_info)"
                        ),
                        args.jira_gateway_url.as_deref(),
                    )?;
                    (JiraAuth::CloudScopedToken, Some(gateway))
                }
            }
        } else {
            let items = [
                format!("a personal access token from {jira_user}'s profile (Jira 8.14+)"),
                format!("{jira_user}'s password"),
            ];
            match choose("Where did the Jira token come from?", &items, 0)? {
                0 => (JiraAuth::DcPat, None),
                _ => (JiraAuth::DcPassword, None),
            }
        };
        let jira_secret = secret("Paste the Jira token (input hidden)")?;
        let jira_token = storage(&name, Side::Jira, env, cwd, config_path)?;
        let projects = text(
            "Jira project key(s), comma-separated (e.g. WEB,API)",
            (!args.jira_projects.is_empty())
                .then(|| args.jira_projects.join(","))
                .as_deref(),
        )?;
        let jira_expires = date("When does the Jira token expire? (YYYY-MM-DD, empty if never)")?;

        writeln!(out, "\n-- Azure DevOps --")?;
        let ado_url = text(
            "Azure DevOps organisation URL (https://dev.azure.com/<organisation>, or https://<host>/tfs/<collection>)",
            args.ado_url.as_deref(),
        )?;
        let ado_project = text("Azure DevOps project name", args.ado_project.as_deref())?;
        let ado_area_path =
            optional("Area path to limit the sync to (empty for the whole project)")?;
        let ado_user = text(
            "Which identity is the Azure DevOps sync user? (its sign-in e-mail/UPN)",
            args.ado_user.as_deref(),
        )?;
        let items = [
            format!(
                "a personal access token created at {}/_usersSettings/tokens while signed in as {ado_user} (scopes: Work Items read & write, Project and Team read)",
                ado_url.trim_end_matches('/')
            ),
            "a Microsoft Entra ID access token (expires in about an hour)".to_owned(),
        ];
        let ado_auth = match choose("Where did the Azure DevOps token come from?", &items, 0)? {
            0 => AdoAuth::Pat,
            _ => AdoAuth::Bearer,
        };
        let ado_secret = secret("Paste the Azure DevOps token (input hidden)")?;
        let ado_token = storage(&name, Side::Ado, env, cwd, config_path)?;
        let ado_expires =
            date("When does the Azure DevOps token expire? (YYYY-MM-DD, empty if never)")?;

        writeln!(out, "\n-- Sync --")?;
        let directions = Direction::KEYWORDS
            .iter()
            .map(|k| (*k).to_owned())
            .collect::<Vec<_>>();
        let direction = Direction::KEYWORDS
            .get(choose("Which way should changes flow?", &directions, 0)?)
            .and_then(|k| Direction::parse(k))
            .unwrap_or(Direction::Both);
        let conflict = if direction == Direction::Both {
            let policies = ConflictPolicy::KEYWORDS
                .iter()
                .map(|k| (*k).to_owned())
                .collect::<Vec<_>>();
            let manual = ConflictPolicy::KEYWORDS.len() - 1;
            ConflictPolicy::KEYWORDS
                .get(choose(
                    "When both sides changed a field, who wins?",
                    &policies,
                    manual,
                )?)
                .and_then(|k| ConflictPolicy::parse(k))
                .unwrap_or(ConflictPolicy::Manual)
        } else {
            ConflictPolicy::Manual
        };
        let rotate_every =
            optional("Rotate the tokens every how many days? (empty for no schedule)")?
                .map(|v| v.parse::<u32>())
                .transpose()
                .context("give a whole number of days")?;
        let created_by = text(
            "Who created these tokens? (for the token records)",
            Some(&created_by(args, env)),
        )?;

        Ok(InitPlan {
            profile: NewProfile {
                name,
                direction,
                conflict,
                jira_url,
                jira_mode,
                jira_auth,
                jira_gateway_url,
                jira_user,
                jira_token,
                jira_projects: projects
                    .split(',')
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty())
                    .collect(),
                ado_url,
                ado_project,
                ado_area_path,
                ado_auth,
                ado_user,
                ado_token,
            },
            jira_secret: Some(jira_secret),
            ado_secret: Some(ado_secret),
            created_by,
            jira_expires,
            ado_expires,
            rotate_every,
            today: super::super::token::today(),
        })
    }
}

/// `$XDG_CONFIG_HOME/tandem/secrets/<profile>-<side>.token`, or next to the config when no
/// home is known.
fn default_secret_file(profile: &str, side: Side, env: &Env, config_path: &Path) -> PathBuf {
    let base = env
        .get("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            env.get("HOME")
                .map(|home| PathBuf::from(home).join(".config"))
        })
        .map(|base| base.join("tandem"))
        .unwrap_or_else(|| {
            config_path
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        });
    base.join("secrets")
        .join(format!("{profile}-{}.token", side.as_str()))
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;
    use tandem_config::NoKeyring;

    use super::*;
    use crate::prove::RefusalKind;
    use crate::prove::scripted::Scripted;

    const JIRA: &str = "jira-canary-token-aaaa";
    const ADO: &str = "ado-canary-token-bbbb";

    fn plan(dir: &Path) -> InitPlan {
        InitPlan {
            profile: NewProfile {
                name: "web-team".into(),
                direction: Direction::Both,
                conflict: ConflictPolicy::NewestWins,
                jira_url: "https://example.atlassian.net".into(),
                jira_mode: JiraMode::Cloud,
                jira_auth: JiraAuth::CloudApiToken,
                jira_gateway_url: None,
                jira_user: "sync-bot@example.com".into(),
                jira_token: SecretRef::File {
                    path: dir.join("secrets/web-team-jira.token"),
                },
                jira_projects: vec!["WEB".into()],
                ado_url: "https://dev.azure.com/example".into(),
                ado_project: "Web".into(),
                ado_area_path: Some("Web\\Frontend".into()),
                ado_auth: AdoAuth::Pat,
                ado_user: "sync-bot@example.com".into(),
                ado_token: SecretRef::Env {
                    name: "TANDEM_ADO_TOKEN".into(),
                },
            },
            jira_secret: Some(SecretString::from(JIRA.to_owned())),
            ado_secret: None,
            created_by: "alice".into(),
            jira_expires: Some("2027-06-01".parse().unwrap()),
            ado_expires: None,
            rotate_every: Some(90),
            today: "2026-11-26".parse().unwrap(),
        }
    }

    fn go(dir: &Path, plan: &InitPlan, prover: &Scripted) -> (anyhow::Result<()>, String) {
        let env = Env::empty()
            .with("TANDEM_STATE_DIR", dir.join("state"))
            .with("TANDEM_ADO_TOKEN", ADO);
        let keyring = NoKeyring::new("none");
        let world = World {
            env: &env,
            keyring: &keyring,
            prover,
        };
        let mut out = Vec::new();
        let result = init(&dir.join("tandem.toml"), plan, &world, &mut out);
        (result, String::from_utf8(out).unwrap())
    }

    fn right_users() -> Scripted {
        Scripted::default()
            .user(JIRA, "sync-bot@example.com")
            .user(ADO, "sync-bot@example.com")
    }

    #[test]
    fn proven_tokens_give_a_valid_config_a_stored_token_and_records() {
        let dir = tempfile::tempdir().unwrap();
        let (result, out) = go(dir.path(), &plan(dir.path()), &right_users());
        result.unwrap();
        let config = dir.path().join("tandem.toml");
        let validated = tandem_config::load(&config, ParseOptions::default()).unwrap();
        let profile = validated.config.profile("web-team").unwrap();
        assert_eq!(profile.ado.area_path.as_deref(), Some("Web\\Frontend"));
        let stored = dir.path().join("secrets/web-team-jira.token");
        assert_eq!(
            std::fs::read_to_string(&stored).unwrap(),
            format!("{JIRA}\n")
        );
        let env = Env::empty().with("TANDEM_ADO_TOKEN", ADO);
        let keyring = NoKeyring::new("none");
        let resolver = SecretResolver::new(&env, &keyring);
        assert_eq!(
            resolver
                .resolve(profile.token(Side::Jira))
                .unwrap()
                .expose_secret(),
            JIRA
        );
        let book = TokenBook::load(&dir.path().join("state")).unwrap();
        assert_eq!(book.current_records().len(), 2);
        let jira = book.current("web-team", Side::Jira).unwrap();
        assert_eq!(jira.expires, Some("2027-06-01".parse().unwrap()));
        assert_eq!(
            jira.location,
            "https://id.atlassian.com/manage-profile/security/api-tokens"
        );
        let text = std::fs::read_to_string(&config).unwrap();
        assert!(!format!("{text}{out}").contains("canary"), "{text}{out}");
    }

    #[test]
    fn a_wrong_user_expired_or_underprivileged_token_writes_nothing() {
        for prover in [
            Scripted::default()
                .user(JIRA, "admin@example.com")
                .user(ADO, "sync-bot@example.com"),
            Scripted::default()
                .refused(JIRA, RefusalKind::Expired)
                .user(ADO, "sync-bot@example.com"),
            Scripted::default()
                .user(JIRA, "sync-bot@example.com")
                .lacking(ADO, "sync-bot@example.com"),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let (result, out) = go(dir.path(), &plan(dir.path()), &prover);
            let error = format!("{:#}", result.unwrap_err());
            assert!(error.contains("nothing was written"), "{error}");
            assert!(!dir.path().join("tandem.toml").exists());
            assert!(!dir.path().join("secrets").exists());
            assert!(!dir.path().join("state").exists());
            assert!(!format!("{error}{out}").contains("canary"));
        }
    }

    #[test]
    fn the_wrong_user_refusal_says_tokens_are_per_user() {
        let dir = tempfile::tempdir().unwrap();
        let prover = Scripted::default()
            .user(JIRA, "admin@example.com")
            .user(ADO, "sync-bot@example.com");
        let (_, out) = go(dir.path(), &plan(dir.path()), &prover);
        assert!(
            out.contains(
                "x [identity] the Jira token authenticates as admin@example.com, not as sync-bot@example.com"
            ),
            "{out}"
        );
        assert!(
            out.contains("even when both accounts are site admins"),
            "{out}"
        );
    }

    #[test]
    fn an_existing_config_gets_the_profile_appended_and_a_taken_name_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("tandem.toml");
        let existing = tandem_config::EXAMPLE_CONFIG
            .replace("name = \"web-team\"", "name = \"other\"")
            .replace("projects = [\"WEB\"]", "projects = [\"OTHER\"]");
        std::fs::write(&config, &existing).unwrap();
        go(dir.path(), &plan(dir.path()), &right_users()).0.unwrap();
        let text = std::fs::read_to_string(&config).unwrap();
        assert!(text.starts_with(&existing));
        let validated = tandem_config::load(&config, ParseOptions::default()).unwrap();
        assert_eq!(validated.config.profile_names(), ["other", "web-team"]);

        let (result, _) = go(dir.path(), &plan(dir.path()), &right_users());
        let error = format!("{:#}", result.unwrap_err());
        assert!(
            error.contains("profile name \"web-team\" is already used"),
            "{error}"
        );
        assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
    }

    #[test]
    fn answers_that_do_not_validate_are_refused_before_any_check() {
        let dir = tempfile::tempdir().unwrap();
        let mut bad = plan(dir.path());
        bad.profile.jira_user = "syncbot".into();
        let (result, out) = go(dir.path(), &bad, &right_users());
        let error = format!("{:#}", result.unwrap_err());
        assert!(
            error.contains("Jira Cloud signs the API in with the account's email address"),
            "{error}"
        );
        assert!(!out.contains("Checking"), "{out}");
        assert!(!dir.path().join("tandem.toml").exists());
    }
}
