//! Canary: tokens planted in every place tandem reads them from never come back out, not on
//! stdout or stderr, not in the state directory, whatever the command.

use std::path::Path;

use crate::sandbox::{Sandbox, run};

const EXAMPLE: &str = include_str!("../../../../tandem.example.toml");
const ENV_CANARY: &str = "canary-env-token-6b1f";
const FILE_CANARY: &str = "canary-file-token-93ad";
const PLAIN_CANARY: &str = "canary-plaintext-token-51c7";

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(files(&path));
            } else {
                found.push(path);
            }
        }
    }
    found
}

pub(crate) fn assert_no_canary(text: &str, canaries: &[&str], what: &str) {
    for canary in canaries {
        assert!(!text.contains(canary), "{what} contains a token:\n{text}");
    }
}

pub(crate) fn assert_state_dir_clean(state: &Path, canaries: &[&str]) {
    for file in files(state) {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert_no_canary(&text, canaries, &file.display().to_string());
    }
}

#[test]
fn tokens_never_leave_through_config_and_token_commands() {
    let sandbox = Sandbox::new();
    let token_file = sandbox.write("ado.token", &format!("{FILE_CANARY}\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let config = EXAMPLE.replace(
        "\"env:TANDEM_ADO_TOKEN\"",
        &format!("\"file:{}\"", token_file.display()),
    );
    sandbox.write("tandem.toml", &config);
    let plain = EXAMPLE.replace("\"env:TANDEM_JIRA_TOKEN\"", &format!("\"{PLAIN_CANARY}\""));
    sandbox.write("plain.toml", &plain);

    let commands: &[&[&str]] = &[
        &["config", "check"],
        &["config", "check", "--resolve-secrets"],
        &["config", "check", "--config", "plain.toml"],
        &[
            "config",
            "check",
            "--config",
            "plain.toml",
            "--allow-plaintext-secrets",
            "--resolve-secrets",
        ],
        &[
            "token",
            "record",
            "--profile",
            "web-team",
            "--side",
            "jira",
            "--created-by",
            "alice",
            "--expires-in",
            "3",
        ],
        &[
            "token",
            "record",
            "--profile",
            "web-team",
            "--side",
            "ado",
            "--created-by",
            "alice",
            "--account",
            "someone@example.com",
        ],
        &["token", "list"],
        &["token", "list", "--json"],
        &[
            "token",
            "list",
            "--config",
            "plain.toml",
            "--allow-plaintext-secrets",
        ],
    ];
    let canaries = [ENV_CANARY, FILE_CANARY, PLAIN_CANARY];
    for args in commands {
        let out = run(sandbox
            .tandem()
            .env("TANDEM_JIRA_TOKEN", ENV_CANARY)
            .args(*args));
        assert_no_canary(
            &out.all(),
            &canaries,
            &format!("output of tandem {}", args.join(" ")),
        );
    }
    assert!(sandbox.state_dir().join("tokens.json").exists());
    assert_state_dir_clean(&sandbox.state_dir(), &canaries);
}
