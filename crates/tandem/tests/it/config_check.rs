//! `tandem config check`: finds the config where the operator expects it, reports every
//! problem with its line and fix, and never changes anything.

use crate::sandbox::{Sandbox, run};

const EXAMPLE: &str = include_str!("../../../../tandem.example.toml");

#[test]
fn the_example_config_checks_clean() {
    let sandbox = Sandbox::new();
    sandbox.write("tandem.toml", EXAMPLE);
    let out = run(sandbox.tandem().args(["config", "check"]));
    assert_eq!(out.code, Some(0), "{}", out.all());
    assert!(
        out.stdout
            .contains("tandem.toml is valid: 1 profile (web-team)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("(from $TANDEM_STATE_DIR)"),
        "{}",
        out.stdout
    );
}

#[test]
fn an_invalid_config_lists_each_error_with_line_and_fix_and_is_left_alone() {
    let sandbox = Sandbox::new();
    let broken = EXAMPLE
        .replace("mode = \"cloud\"", "mode = \"datacenter\"")
        .replace(
            "url = \"https://dev.azure.com/example\"",
            "url = \"https://dev.azure.com/\"",
        );
    let path = sandbox.write("tandem.toml", &broken);
    let out = run(sandbox.tandem().args(["config", "check"]));
    assert_eq!(out.code, Some(1), "{}", out.all());
    let line_of = |needle: &str| broken.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
    let mode_line = line_of("mode = \"datacenter\"");
    let url_line = line_of("url = \"https://dev.azure.com/\"");
    assert!(
        out.stdout.contains(&format!("tandem.toml:{mode_line}:8: profile[0].jira.mode: example.atlassian.net is a Jira Cloud site")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!(
            "tandem.toml:{url_line}:7: profile[0].ado.url: the URL has no organisation"
        )),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("fix: set mode = \"cloud\""),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("3 errors; nothing was changed"),
        "{}",
        out.stdout
    );
    assert_eq!(std::fs::read_to_string(path).unwrap(), broken);
}

#[test]
fn the_config_is_found_by_flag_then_variable_then_working_directory_then_xdg() {
    let sandbox = Sandbox::new();
    let out = run(sandbox.tandem().args(["config", "check"]));
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("no config file found"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("run `tandem init`"), "{}", out.stderr);

    sandbox.write(".config/tandem/tandem.toml", EXAMPLE);
    let out = run(sandbox.tandem().args(["config", "check"]));
    assert!(
        out.stdout.contains(".config/tandem/tandem.toml is valid"),
        "{}",
        out.all()
    );

    sandbox.write("tandem.toml", EXAMPLE);
    let out = run(sandbox.tandem().args(["config", "check"]));
    assert!(
        out.stdout.contains(&format!(
            "{}/tandem.toml is valid",
            sandbox.path().display()
        )),
        "{}",
        out.all()
    );

    let from_env = sandbox.write("env.toml", EXAMPLE);
    let out = run(sandbox
        .tandem()
        .env("TANDEM_CONFIG", &from_env)
        .args(["config", "check"]));
    assert!(out.stdout.contains("env.toml is valid"), "{}", out.all());

    let flag = sandbox.write("flag.toml", EXAMPLE);
    let out = run(sandbox
        .tandem()
        .env("TANDEM_CONFIG", &from_env)
        .args(["config", "check", "--config"])
        .arg(&flag));
    assert!(out.stdout.contains("flag.toml is valid"), "{}", out.all());

    let out = run(sandbox
        .tandem()
        .args(["config", "check", "--config", "missing.toml"]));
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr
            .contains("missing.toml (from --config) does not exist"),
        "{}",
        out.stderr
    );
}

#[test]
fn resolve_secrets_reports_each_reference_without_printing_tokens() {
    let sandbox = Sandbox::new();
    let token_file = sandbox.write("jira.token", "canary-token-in-file-41c2\n");
    let config = EXAMPLE
        .replace(
            "\"env:TANDEM_JIRA_TOKEN\"",
            &format!("\"file:{}\"", token_file.display()),
        )
        .replace(
            "\"env:TANDEM_ADO_TOKEN\"",
            "\"keyring:tandem/web-team-ado\"",
        );
    sandbox.write("tandem.toml", &config);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = run(sandbox
            .tandem()
            .args(["config", "check", "--resolve-secrets"]));
        assert_eq!(out.code, Some(1), "{}", out.all());
        assert!(
            out.stdout
                .contains(&format!("chmod 600 {}", token_file.display())),
            "{}",
            out.stdout
        );
        std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let out = run(sandbox
        .tandem()
        .args(["config", "check", "--resolve-secrets"]));
    assert!(
        out.stdout.contains("√ web-team jira token: file:"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("x web-team ado token: keyring entry tandem/web-team-ado"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("use env:NAME or file:PATH instead"),
        "{}",
        out.stdout
    );
    assert!(!out.all().contains("canary"), "{}", out.all());
}

#[test]
fn a_plaintext_token_needs_the_flag_and_is_never_echoed() {
    let sandbox = Sandbox::new();
    let config = EXAMPLE.replace("\"env:TANDEM_ADO_TOKEN\"", "\"canary-plaintext-pat-9d8e\"");
    sandbox.write("tandem.toml", &config);
    let out = run(sandbox.tandem().args(["config", "check"]));
    assert_eq!(out.code, Some(1));
    assert!(
        out.stdout
            .contains("plaintext secret in the config file is refused"),
        "{}",
        out.stdout
    );
    let out = run(sandbox
        .tandem()
        .args(["config", "check", "--allow-plaintext-secrets"]));
    assert_eq!(out.code, Some(0), "{}", out.all());
    assert!(out.stdout.contains("warning:"), "{}", out.stdout);
    assert!(!out.all().contains("canary"), "{}", out.all());
}
