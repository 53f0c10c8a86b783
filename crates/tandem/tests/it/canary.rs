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

/// The whole credential life cycle against both simulators, with every log level on: `init`
/// with tokens from the environment, a Jira rotation from stdin, an Azure DevOps rotation from
/// a file, then `config check` and `token list`. No token reaches any output, the config, or
/// the state directory.
#[test]
fn tokens_never_leave_through_init_and_rotation() {
    use std::io::Write;
    use std::process::Stdio;

    use crate::live::{AdoWorld, JiraWorld};

    const JIRA: &str = "canary-life-jira-1a2b";
    const JIRA_NEXT: &str = "canary-life-jira-next-3c4d";
    const ADO: &str = "canary-life-ado-5e6f";
    const ADO_NEXT: &str = "canary-life-ado-next-7a8b";
    let jira = JiraWorld::start(&format!(
        "description = \"canary\"\n[jira]\nextends = \"demo\"\n\
         [jira.tokens.{JIRA}]\nowner = \"sync-bot\"\n[jira.tokens.{JIRA_NEXT}]\nowner = \"sync-bot\"\n"
    ));
    let ado = AdoWorld::start(&format!(
        "description = \"canary\"\n[ado]\nextends = \"demo\"\n\
         [ado.tokens.{ADO}]\nowner = \"sync-bot\"\nscopes = [\"vso.work_write\"]\n\
         [ado.tokens.{ADO_NEXT}]\nowner = \"sync-bot\"\nscopes = [\"vso.work_write\"]\n"
    ));
    let sandbox = Sandbox::new();
    let canaries = [JIRA, JIRA_NEXT, ADO, ADO_NEXT];
    let with_env = |command: &mut std::process::Command| {
        command
            .env("RUST_LOG", "trace")
            .env("JIRA_TOKEN", JIRA)
            .env("ADO_TOKEN", ADO);
    };
    let mut outputs = String::new();

    let mut init = sandbox.tandem();
    with_env(&mut init);
    init.args([
        "init",
        "--non-interactive",
        "--profile",
        "web",
        "--jira-mode",
        "cloud",
    ])
    .args([
        "--jira-url",
        &jira.url(),
        "--jira-user",
        "sync-bot@example.com",
    ])
    .args(["--jira-token", "env:JIRA_TOKEN", "--jira-project", "DEMO"])
    .args(["--ado-url", &ado.url(), "--ado-project", "Demo"])
    .args([
        "--ado-user",
        "sync-bot@example.com",
        "--ado-token",
        "env:ADO_TOKEN",
    ]);
    let out = run(&mut init);
    assert_eq!(out.code, Some(0), "{}", out.all());
    outputs.push_str(&out.all());

    // Jira: the next token from stdin, kept in a file.
    let mut rotate = sandbox.tandem();
    with_env(&mut rotate);
    rotate
        .args([
            "token",
            "rotate",
            "--profile",
            "web",
            "--side",
            "jira",
            "--token-stdin",
        ])
        .args(["--store", "file:jira.token", "--created-by", "alice"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = rotate.spawn().unwrap();
    writeln!(child.stdin.take().unwrap(), "{JIRA_NEXT}").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    outputs.push_str(&String::from_utf8_lossy(&output.stdout));
    outputs.push_str(&String::from_utf8_lossy(&output.stderr));

    // Azure DevOps: the next token already in a file the operator wrote.
    let file = sandbox.write("ado-next.token", &format!("{ADO_NEXT}\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let mut rotate = sandbox.tandem();
    with_env(&mut rotate);
    rotate
        .args(["token", "rotate", "--profile", "web", "--side", "ado"])
        .args(["--token", "file:ado-next.token", "--created-by", "alice"]);
    let out = run(&mut rotate);
    assert_eq!(out.code, Some(0), "{}", out.all());
    outputs.push_str(&out.all());

    for args in [
        &["config", "check", "--resolve-secrets"][..],
        &["token", "list"],
        &["token", "list", "--json"],
    ] {
        let mut command = sandbox.tandem();
        with_env(&mut command);
        let out = run(command.args(args));
        assert_eq!(out.code, Some(0), "{}", out.all());
        outputs.push_str(&out.all());
    }

    assert_no_canary(&outputs, &canaries, "command output");
    let config = std::fs::read_to_string(sandbox.path().join("tandem.toml")).unwrap();
    assert!(config.contains("file:"), "{config}");
    assert_no_canary(&config, &canaries, "tandem.toml");
    assert_state_dir_clean(&sandbox.state_dir(), &canaries);
    // The tokens are where they were put, and nowhere else in the sandbox.
    for file in files(sandbox.path()) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if name == "jira.token" || name == "ado-next.token" {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert_no_canary(&text, &canaries, &file.display().to_string());
    }
}
