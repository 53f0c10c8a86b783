//! Canary checks: a secret written into the config never comes back out of validation, the
//! validated model's Debug output, or the warnings.

use std::path::Path;

use tandem_config::{Env, NoKeyring, ParseOptions, SecretResolver, Side, parse};

const CANARY: &str = "ATATT3xFfGF0-canary-5e1d0b";

fn config_with_plaintext() -> String {
    tandem_config::EXAMPLE_CONFIG.replace("\"env:TANDEM_JIRA_TOKEN\"", &format!("\"{CANARY}\""))
}

#[test]
fn a_plaintext_secret_is_refused_without_being_repeated() {
    let errors = parse(
        &config_with_plaintext(),
        Path::new("tandem.toml"),
        ParseOptions::default(),
    )
    .unwrap_err();
    let text = format!("{errors}\n{errors:?}");
    assert!(text.contains("plaintext secret"), "{text}");
    assert!(!text.contains(CANARY), "{text}");
}

#[test]
fn an_allowed_plaintext_secret_is_warned_about_and_stays_hidden() {
    let options = ParseOptions {
        allow_plaintext_secrets: true,
    };
    let validated = parse(&config_with_plaintext(), Path::new("tandem.toml"), options).unwrap();
    assert_eq!(validated.warnings.len(), 1);
    let warning = validated.warnings[0].to_string();
    assert!(warning.contains("--allow-plaintext-secrets"), "{warning}");
    let everything = format!(
        "{warning}\n{:?}\n{:#?}",
        validated.warnings, validated.config
    );
    assert!(!everything.contains(CANARY), "{everything}");

    // It still resolves, for the callers that need it, and only there.
    let profile = validated.config.profile("web-team").unwrap();
    let env = Env::empty();
    let keyring = NoKeyring::new("none");
    let resolver = SecretResolver::new(&env, &keyring);
    let secret = resolver.resolve(profile.token(Side::Jira)).unwrap();
    assert!(!format!("{secret:?}").contains(CANARY));
    assert_eq!(secrecy::ExposeSecret::expose_secret(&secret), CANARY);
}
