//! `tandem token rotate`: a new token replaces the old one only after it has proven, live, that
//! it authenticates as the profile's intended sync user and still has every permission the
//! profile needs. Until then the old token stays exactly where it is, and so does the config.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use jiff::Timestamp;
use jiff::civil::Date;
use secrecy::{ExposeSecret, SecretString};
use tandem_config::{
    Env, Keyring, ParseOptions, SecretRef, SecretResolver, Side, TokenBook, TokenRecord,
};

use crate::prove::{self, Prover};

/// Where the new token comes from.
pub(crate) enum NewToken {
    /// A reference the operator already filled (env:, file:, keyring:).
    Reference(SecretRef),
    /// The token itself, typed at a prompt or read from stdin.
    Secret(SecretString),
}

/// Everything `rotate` needs besides the outside world.
pub(crate) struct RotateRequest {
    pub(crate) config_path: PathBuf,
    pub(crate) options: ParseOptions,
    pub(crate) profile: String,
    pub(crate) side: Side,
    pub(crate) new_token: NewToken,
    /// Where to keep a token given as text (default: where the current one is kept).
    pub(crate) store: Option<SecretRef>,
    pub(crate) created_by: String,
    pub(crate) expires: Option<Date>,
    pub(crate) expires_in: Option<u32>,
    pub(crate) rotate_every: Option<u32>,
    pub(crate) today: Date,
}

/// The outside world `rotate` touches, passed in so tests can provide their own.
pub(crate) struct World<'a> {
    pub(crate) env: &'a Env,
    pub(crate) keyring: &'a dyn Keyring,
    pub(crate) prover: &'a dyn Prover,
}

/// A reference typed on the command line: a relative `file:` path is relative to the working
/// directory, and is written into the config as an absolute path.
pub(crate) fn command_line_reference(value: &str, cwd: &Path) -> anyhow::Result<SecretRef> {
    let reference = SecretRef::parse(value)
        .map_err(|error| anyhow::anyhow!("{value}: {error}"))?
        .relative_to(cwd);
    if reference.is_plaintext() {
        bail!(
            "that is not a reference: give env:NAME, file:PATH or keyring:SERVICE/ACCOUNT (to pass the token itself, use --token-stdin or the prompt; it is never accepted as an argument, where shell history and `ps` would keep it)"
        );
    }
    Ok(reference)
}

pub(crate) fn rotate(
    request: RotateRequest,
    world: &World<'_>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let path = &request.config_path;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    let validated = tandem_config::parse(&text, path, request.options)?;
    let config = &validated.config;
    let profile = super::token::find_profile(config, &request.profile)?;
    let side = request.side;
    let current = profile.token(side).clone();
    let resolver = SecretResolver::new(world.env, world.keyring);

    // Where the new token will live once proven, and the token itself.
    let given_as_text = matches!(request.new_token, NewToken::Secret(_));
    let (secret, target) = match request.new_token {
        NewToken::Reference(reference) => {
            let secret = resolver
                .resolve(&reference)
                .with_context(|| format!("cannot read the new token from {reference}"))?;
            (secret, reference)
        }
        NewToken::Secret(secret) => {
            let target = match request.store {
                Some(store) => store,
                None => match &current {
                    SecretRef::File { .. } | SecretRef::Keyring { .. } => current.clone(),
                    SecretRef::Env { name } => bail!(
                        "profile {}'s {} token is read from the environment variable {name}, which tandem cannot change; pass --store file:PATH (or keyring:SERVICE/ACCOUNT) to keep the new token there, or set {name} to the new token yourself and run `tandem token rotate --token env:{name}`",
                        profile.name,
                        side.as_str()
                    ),
                    SecretRef::Plaintext(_) => bail!(
                        "profile {}'s {} token is written in the config itself; pass --store file:PATH (or keyring:SERVICE/ACCOUNT) to keep the new token out of it",
                        profile.name,
                        side.as_str()
                    ),
                },
            };
            if matches!(target, SecretRef::Env { .. } | SecretRef::Plaintext(_)) {
                bail!(
                    "--store must be file:PATH or keyring:SERVICE/ACCOUNT: tandem cannot write {target}"
                );
            }
            (secret, target)
        }
    };
    if secret.expose_secret().is_empty() {
        bail!("the new token is empty");
    }
    // The same token again proves nothing and rotates nothing.
    if let Ok(old) = resolver.resolve(&current)
        && old.expose_secret() == secret.expose_secret()
    {
        bail!(
            "that is the token profile {} already uses (from {current}); create a new one while signed in as {}. If you already put a new token in place yourself, record it with `tandem token record` and check it with `tandem config check --resolve-secrets`",
            profile.name,
            profile.sync_user(side)
        );
    }

    writeln!(
        out,
        "Checking the new {side} token of profile {} against {} ...",
        profile.name,
        profile.url(side)
    )?;
    if let Err(refusal) = prove::prove(world.prover, profile, side, &secret, out) {
        bail!(
            "the new token was refused and nothing was changed: the old token and the config are as they were.\n  cause: {refusal}"
        );
    }

    // Proven: swap it in. A token given as text is written where the reference points (an
    // atomic rename for files); a different reference is written into the config (also an
    // atomic rename). The old token is left alone for the operator to revoke.
    if given_as_text {
        resolver
            .store(&target, &secret)
            .with_context(|| format!("cannot store the new token in {target}"))?;
        writeln!(out, "√ stored the new token in {target}")?;
    }
    if target != current {
        let new_text = tandem_config::edit::replace_token(&text, &profile.name, side, &target)?;
        // Refuse to write a config that would not load, and to overwrite edits made meanwhile.
        tandem_config::parse(&new_text, path, request.options)?;
        let on_disk = std::fs::read_to_string(path)?;
        if on_disk != text {
            bail!(
                "{} changed while the token was being checked; nothing was written to it. The new token is in {target}: run the rotation again with --token {target}",
                path.display()
            );
        }
        tandem_config::fsutil::write_atomic(path, new_text.as_bytes(), 0o600)
            .with_context(|| format!("cannot write {}", path.display()))?;
        writeln!(
            out,
            "√ {} now reads the {} token of profile {} from {target} (was {current})",
            path.display(),
            side.as_str(),
            profile.name
        )?;
    }

    // Record the rotation; the previous record is marked replaced.
    let state = config.state_dir(world.env)?;
    let mut book = TokenBook::load(&state.path)?;
    let previous = book.current(&profile.name, side).cloned();
    let expires = match (request.expires, request.expires_in) {
        (Some(date), _) => Some(date),
        (None, Some(days)) => request
            .today
            .checked_add(jiff::Span::new().days(i64::from(days)))
            .ok(),
        (None, None) => None,
    };
    let record = TokenRecord {
        profile: profile.name.clone(),
        side,
        created_by: request.created_by.clone(),
        account: profile.sync_user(side).to_owned(),
        location: super::token::token_page(profile, side),
        created: request.today,
        expires,
        rotate_every_days: request
            .rotate_every
            .or(previous.as_ref().and_then(|p| p.rotate_every_days)),
        recorded_at: Timestamp::now(),
        replaced_at: None,
    };
    book.record(record);
    book.save()?;
    writeln!(out, "√ recorded the rotation in {}", book.path().display())?;
    writeln!(
        out,
        "Done. Revoke the old token at {} once nothing else uses it.",
        super::token::token_page(profile, side)
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prove::RefusalKind;
    use crate::prove::scripted::Scripted;
    use tandem_config::NoKeyring;

    const OLD: &str = "old-canary-token-1111";
    const NEW: &str = "new-canary-token-2222";
    const INTRUDER: &str = "other-users-canary-3333";

    struct Fixture {
        dir: tempfile::TempDir,
        config: PathBuf,
        token_file: PathBuf,
        env: Env,
    }

    fn fixture(token_ref: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let token_file = dir.path().join("jira.token");
        let keyring = NoKeyring::new("none");
        let env = Env::empty().with("TANDEM_STATE_DIR", dir.path().join("state"));
        SecretResolver::new(&env, &keyring)
            .store(
                &SecretRef::File {
                    path: token_file.clone(),
                },
                &SecretString::from(OLD.to_owned()),
            )
            .unwrap();
        let reference = token_ref.replace("TOKEN_FILE", &token_file.display().to_string());
        let text = tandem_config::EXAMPLE_CONFIG
            .replace("\"env:TANDEM_JIRA_TOKEN\"", &format!("\"{reference}\""));
        let config = dir.path().join("tandem.toml");
        std::fs::write(&config, text).unwrap();
        Fixture {
            dir,
            config,
            token_file,
            env,
        }
    }

    fn request(fx: &Fixture, new_token: NewToken) -> RotateRequest {
        RotateRequest {
            config_path: fx.config.clone(),
            options: ParseOptions::default(),
            profile: "web-team".into(),
            side: Side::Jira,
            new_token,
            store: None,
            created_by: "alice".into(),
            expires: None,
            expires_in: Some(365),
            rotate_every: Some(90),
            today: "2026-11-26".parse().unwrap(),
        }
    }

    fn go(fx: &Fixture, request: RotateRequest, prover: &Scripted) -> (anyhow::Result<()>, String) {
        let keyring = NoKeyring::new("none");
        let world = World {
            env: &fx.env,
            keyring: &keyring,
            prover,
        };
        let mut out = Vec::new();
        let result = rotate(request, &world, &mut out);
        (result, String::from_utf8(out).unwrap())
    }

    fn secret(text: &str) -> NewToken {
        NewToken::Secret(SecretString::from(text.to_owned()))
    }

    fn records(fx: &Fixture) -> Vec<TokenRecord> {
        TokenBook::load(&fx.dir.path().join("state"))
            .unwrap()
            .all()
            .to_vec()
    }

    #[test]
    fn a_proven_token_replaces_the_old_one_in_its_file_and_is_recorded() {
        let fx = fixture("file:TOKEN_FILE");
        let before = std::fs::read_to_string(&fx.config).unwrap();
        let prover = Scripted::default().user(NEW, "sync-bot@example.com");
        let (result, out) = go(&fx, request(&fx, secret(NEW)), &prover);
        result.unwrap();
        assert_eq!(
            std::fs::read_to_string(&fx.token_file).unwrap(),
            format!("{NEW}\n")
        );
        assert_eq!(std::fs::read_to_string(&fx.config).unwrap(), before);
        let records = records(&fx);
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].created_by, "alice");
        assert_eq!(records[0].expires, Some("2027-11-26".parse().unwrap()));
        assert!(
            out.contains("authenticates as sync-bot@example.com"),
            "{out}"
        );
        assert!(!out.contains("canary"), "{out}");
    }

    fn assert_untouched(fx: &Fixture, before: &str) {
        assert_eq!(
            std::fs::read_to_string(&fx.token_file).unwrap(),
            format!("{OLD}\n")
        );
        assert_eq!(std::fs::read_to_string(&fx.config).unwrap(), before);
        assert!(records(fx).is_empty());
    }

    #[test]
    fn a_token_of_another_user_is_refused_with_the_reason_and_nothing_changes() {
        let fx = fixture("file:TOKEN_FILE");
        let before = std::fs::read_to_string(&fx.config).unwrap();
        let prover = Scripted::default().user(INTRUDER, "admin@example.com");
        let (result, out) = go(&fx, request(&fx, secret(INTRUDER)), &prover);
        let error = format!("{:#}", result.unwrap_err());
        assert!(
            error.contains("authenticates as admin@example.com, not as sync-bot@example.com"),
            "{error}"
        );
        assert!(error.contains("Tokens are per user"), "{error}");
        assert!(error.contains("nothing was changed"), "{error}");
        assert!(!format!("{error}{out}").contains("canary"));
        assert_untouched(&fx, &before);
    }

    #[test]
    fn expired_rejected_or_underprivileged_tokens_change_nothing() {
        for prover in [
            Scripted::default().refused(NEW, RefusalKind::Expired),
            Scripted::default().refused(NEW, RefusalKind::Rejected),
            Scripted::default().lacking(NEW, "sync-bot@example.com"),
        ] {
            let fx = fixture("file:TOKEN_FILE");
            let before = std::fs::read_to_string(&fx.config).unwrap();
            let (result, _) = go(&fx, request(&fx, secret(NEW)), &prover);
            assert!(result.is_err());
            assert_untouched(&fx, &before);
        }
    }

    #[test]
    fn a_new_reference_is_written_into_the_config_and_nothing_else_moves() {
        let fx = fixture("env:TANDEM_JIRA_TOKEN");
        let env = fx
            .env
            .clone()
            .with("TANDEM_JIRA_TOKEN", OLD)
            .with("NEW_JIRA", NEW);
        let fx = Fixture { env, ..fx };
        let before = std::fs::read_to_string(&fx.config).unwrap();
        let prover = Scripted::default().user(NEW, "sync-bot@example.com");
        let reference = SecretRef::parse("env:NEW_JIRA").unwrap();
        let (result, out) = go(&fx, request(&fx, NewToken::Reference(reference)), &prover);
        result.unwrap();
        let after = std::fs::read_to_string(&fx.config).unwrap();
        assert_eq!(
            after,
            before.replace("\"env:TANDEM_JIRA_TOKEN\"", "\"env:NEW_JIRA\"")
        );
        assert!(out.contains("now reads the jira token of profile web-team from env:NEW_JIRA (was env:TANDEM_JIRA_TOKEN)"), "{out}");
    }

    #[test]
    fn a_typed_token_for_an_env_reference_needs_a_store() {
        let fx = fixture("env:TANDEM_JIRA_TOKEN");
        let prover = Scripted::default().user(NEW, "sync-bot@example.com");
        let (result, _) = go(&fx, request(&fx, secret(NEW)), &prover);
        let error = result.unwrap_err().to_string();
        assert!(error.contains("pass --store file:PATH"), "{error}");

        let store = fx.dir.path().join("new.token");
        let mut req = request(&fx, secret(NEW));
        req.store = Some(SecretRef::File {
            path: store.clone(),
        });
        let (result, _) = go(&fx, req, &prover);
        result.unwrap();
        assert_eq!(std::fs::read_to_string(&store).unwrap(), format!("{NEW}\n"));
        let config = std::fs::read_to_string(&fx.config).unwrap();
        assert!(
            config.contains(&format!("token = \"file:{}\"", store.display())),
            "{config}"
        );
        tandem_config::load(&fx.config, ParseOptions::default()).unwrap();
    }

    #[test]
    fn the_token_already_in_use_is_not_a_rotation() {
        let fx = fixture("file:TOKEN_FILE");
        let prover = Scripted::default().user(OLD, "sync-bot@example.com");
        let (result, _) = go(&fx, request(&fx, secret(OLD)), &prover);
        let error = result.unwrap_err().to_string();
        assert!(error.contains("already uses"), "{error}");
    }

    #[test]
    fn the_rotation_replaces_the_previous_record_and_keeps_its_schedule() {
        let fx = fixture("file:TOKEN_FILE");
        let prover = Scripted::default()
            .user(NEW, "sync-bot@example.com")
            .user("third-token", "sync-bot@example.com");
        go(&fx, request(&fx, secret(NEW)), &prover).0.unwrap();
        let mut second = request(&fx, secret("third-token"));
        second.rotate_every = None;
        go(&fx, second, &prover).0.unwrap();
        let records = records(&fx);
        assert_eq!(records.len(), 2);
        assert!(records[0].replaced_at.is_some());
        assert_eq!(records[1].rotate_every_days, Some(90));
    }
}
