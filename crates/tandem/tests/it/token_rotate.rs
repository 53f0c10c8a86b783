//! `tandem token rotate` against the Jira simulator: a new token is swapped in only after it
//! proved, live, that it is the sync user's and has the profile's permissions; anything else
//! leaves the old token, the config and the records exactly as they were.

use std::path::PathBuf;
use std::process::Stdio;

use crate::canary::{assert_no_canary, assert_state_dir_clean};
use crate::live::{AdoWorld, JiraWorld};
use crate::sandbox::{Run, Sandbox, run};

const EXAMPLE: &str = include_str!("../../../../tandem.example.toml");
const CURRENT: &str = "demo-jira-token-sync-bot";
const NEW: &str = "canary-rotate-new-7d21";
const EXPIRED: &str = "canary-rotate-expired-40aa";
const ALICE: &str = "demo-jira-token-alice";

fn world(base: &str) -> JiraWorld {
    JiraWorld::start(&format!(
        r#"
description = "rotation: a second token for sync-bot, and an expired one"
[jira]
extends = "{base}"
[jira.tokens.{NEW}]
owner = "sync-bot"
created = "-1d"
expires = "+364d"
[jira.tokens.{EXPIRED}]
owner = "sync-bot"
created = "-400d"
expires = "-2d"
"#
    ))
}

struct Setup {
    sandbox: Sandbox,
    config: PathBuf,
    token_file: PathBuf,
}

/// A config whose Jira side is the simulator's DEMO project, its token in a 0600 file.
fn setup(sim: &JiraWorld) -> Setup {
    let sandbox = Sandbox::new();
    let token_file = sandbox.write("jira.token", &format!("{CURRENT}\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let text = EXAMPLE
        .replace("https://example.atlassian.net", &sim.url())
        .replace("projects = [\"WEB\"]", "projects = [\"DEMO\"]")
        .replace("\"env:TANDEM_JIRA_TOKEN\"", "\"file:jira.token\"");
    let config = sandbox.write("tandem.toml", &text);
    Setup {
        sandbox,
        config,
        token_file,
    }
}

fn rotate(setup: &Setup, token: &str, extra: &[&str]) -> Run {
    let mut command = setup.sandbox.tandem();
    command
        .args(["token", "rotate", "--profile", "web-team", "--side", "jira"])
        .args([
            "--token-stdin",
            "--created-by",
            "alice",
            "--expires-in",
            "364",
        ])
        .args(extra)
        .stdin(Stdio::piped());
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{token}").unwrap();
    }
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn snapshot(setup: &Setup) -> (String, String, bool) {
    (
        std::fs::read_to_string(&setup.config).unwrap(),
        std::fs::read_to_string(&setup.token_file).unwrap(),
        setup.sandbox.state_dir().join("tokens.json").exists(),
    )
}

#[test]
fn a_proven_token_is_swapped_in_and_recorded() {
    let sim = world("demo");
    let setup = setup(&sim);
    let config_before = std::fs::read_to_string(&setup.config).unwrap();
    let out = rotate(&setup, NEW, &[]);
    assert_eq!(out.code, Some(0), "{}", out.all());
    assert!(
        out.stdout
            .contains("√ authenticates as Sync Bot <sync-bot@example.com>, the intended sync user"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("√ the project list loads and includes DEMO"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "holds Browse Projects, Create Issues, Edit Issues, Transition Issues in DEMO"
        ),
        "{}",
        out.stdout
    );
    assert_eq!(
        std::fs::read_to_string(&setup.token_file).unwrap(),
        format!("{NEW}\n")
    );
    assert_eq!(
        std::fs::read_to_string(&setup.config).unwrap(),
        config_before
    );
    let records = run(setup.sandbox.tandem().args(["token", "list", "--json"]));
    let json: serde_json::Value = serde_json::from_str(&records.stdout).unwrap();
    assert_eq!(json["tokens"][0]["side"], "jira");
    assert_eq!(json["tokens"][0]["created_by"], "alice");
    assert_eq!(json["tokens"][0]["days_left"], 364);
    assert_no_canary(&out.all(), &[NEW], "rotate output");
    assert_state_dir_clean(&setup.sandbox.state_dir(), &[NEW, CURRENT]);

    // The daemon's view: the config still validates and its token now resolves to the new one.
    let check = run(setup
        .sandbox
        .tandem()
        .args(["config", "check", "--resolve-secrets"]));
    assert!(
        check.stdout.contains("√ web-team jira token"),
        "{}",
        check.all()
    );
}

#[test]
fn another_users_token_is_refused_with_the_articles_explanation() {
    let sim = world("demo");
    let setup = setup(&sim);
    let before = snapshot(&setup);
    let out = rotate(&setup, ALICE, &[]);
    assert_eq!(out.code, Some(1), "{}", out.all());
    assert!(out.stderr.contains("nothing was changed"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("[credentials] Jira rejected the credentials"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("HTTP 401"), "{}", out.stderr);
    assert!(
        out.stderr.contains("Tokens are per user: a token created while signed in as another account (even another site admin) never authenticates as sync-bot@example.com"),
        "{}",
        out.stderr
    );
    assert_eq!(snapshot(&setup), before);
}

#[test]
fn an_expired_token_is_refused_and_nothing_changes() {
    let sim = world("demo");
    let setup = setup(&sim);
    let before = snapshot(&setup);
    let out = rotate(&setup, EXPIRED, &[]);
    assert_eq!(out.code, Some(1), "{}", out.all());
    assert!(out.stderr.contains("[credentials]"), "{}", out.stderr);
    assert!(
        out.stderr.contains("an expired or a revoked one"),
        "{}",
        out.stderr
    );
    assert_no_canary(&out.all(), &[EXPIRED], "rotate output");
    assert_eq!(snapshot(&setup), before);
}

#[test]
fn a_token_lacking_permissions_is_refused_with_the_missing_grant() {
    let sim = world("no-create");
    let setup = setup(&sim);
    let before = snapshot(&setup);
    let out = rotate(&setup, NEW, &[]);
    assert_eq!(out.code, Some(1), "{}", out.all());
    assert!(
        out.stdout.contains("√ authenticates as Sync Bot"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("[permissions] sync-bot@example.com lacks Create Issues in DEMO"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("permission scheme or project roles"),
        "{}",
        out.stderr
    );
    assert_eq!(snapshot(&setup), before);
}

#[test]
fn a_new_reference_is_proven_then_written_into_the_config() {
    let sim = world("demo");
    let setup = setup(&sim);
    let before = std::fs::read_to_string(&setup.config).unwrap();
    let out = run(setup
        .sandbox
        .tandem()
        .env("NEW_JIRA_TOKEN", NEW)
        .args(["token", "rotate", "--profile", "web-team", "--side", "jira"])
        .args(["--token", "env:NEW_JIRA_TOKEN", "--created-by", "alice"]));
    assert_eq!(out.code, Some(0), "{}", out.all());
    let after = std::fs::read_to_string(&setup.config).unwrap();
    assert_eq!(
        after,
        before.replace("\"file:jira.token\"", "\"env:NEW_JIRA_TOKEN\"")
    );
    // The old token is left where it was, for the operator to revoke.
    assert_eq!(
        std::fs::read_to_string(&setup.token_file).unwrap(),
        format!("{CURRENT}\n")
    );

    // And a wrong one given the same way leaves the config alone.
    let out = run(setup
        .sandbox
        .tandem()
        .env("OTHER", ALICE)
        .args(["token", "rotate", "--profile", "web-team", "--side", "jira"])
        .args(["--token", "env:OTHER", "--created-by", "alice"]));
    assert_eq!(out.code, Some(1), "{}", out.all());
    assert_eq!(std::fs::read_to_string(&setup.config).unwrap(), after);
}

#[test]
fn on_data_center_a_pat_of_another_user_is_named() {
    let sim = JiraWorld::start(
        r#"
description = "Data Center with PATs"
[jira]
extends = "datacenter"
"#,
    );
    let setup = setup(&sim);
    let text = std::fs::read_to_string(&setup.config)
        .unwrap()
        .replace("mode = \"cloud\"", "mode = \"datacenter\"")
        .replace("auth = \"cloud-api-token\"", "auth = \"dc-pat\"")
        .replace(
            "user = \"sync-bot@example.com\"\ntoken = \"file:jira.token\"",
            "user = \"sync-bot\"\ntoken = \"file:jira.token\"",
        );
    std::fs::write(&setup.config, &text).unwrap();
    std::fs::write(&setup.token_file, "demo-jira-pat-sync-bot\n").unwrap();
    let before = snapshot(&setup);
    let out = rotate(&setup, "demo-jira-pat-alice", &[]);
    assert_eq!(out.code, Some(1), "{}", out.all());
    assert!(
        out.stderr
            .contains("[identity] the Jira token authenticates as Alice Admin"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("not as sync-bot"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("even when both accounts are site admins"),
        "{}",
        out.stderr
    );
    assert_eq!(snapshot(&setup), before);
}

// ---------------------------------------------------------------------------------- Azure DevOps

const ADO_CURRENT: &str = "demo-ado-pat-sync-bot";
const ADO_NEW: &str = "canary-ado-new-pat-5e0b";

fn ado_world(base: &str) -> AdoWorld {
    AdoWorld::start(&format!(
        r#"
description = "rotation: a second PAT for sync-bot"
[ado]
extends = "{base}"
[ado.tokens.{ADO_NEW}]
owner = "sync-bot"
scopes = ["vso.work_write"]
created = "-1d"
expires = "+180d"
"#
    ))
}

/// A config whose Azure DevOps side is the simulator's Demo project (the Jira side is never
/// contacted by an Azure DevOps rotation).
fn ado_setup(sim: &AdoWorld) -> Setup {
    let sandbox = Sandbox::new();
    let token_file = sandbox.write("ado.token", &format!("{ADO_CURRENT}\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let text = EXAMPLE
        .replace("https://dev.azure.com/example", &sim.url())
        .replace("project = \"Web\"", "project = \"Demo\"")
        .replace("area_path = 'Web\\Frontend'", "area_path = 'Demo\\Web'")
        .replace("\"env:TANDEM_ADO_TOKEN\"", "\"file:ado.token\"");
    let config = sandbox.write("tandem.toml", &text);
    Setup {
        sandbox,
        config,
        token_file,
    }
}

fn rotate_ado(setup: &Setup, token: &str) -> Run {
    let mut command = setup.sandbox.tandem();
    command
        .args(["token", "rotate", "--profile", "web-team", "--side", "ado"])
        .args(["--token-stdin", "--created-by", "alice"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    {
        use std::io::Write;
        writeln!(child.stdin.take().unwrap(), "{token}").unwrap();
    }
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

#[test]
fn ado_a_proven_pat_is_swapped_in() {
    let sim = ado_world("demo");
    let setup = ado_setup(&sim);
    let out = rotate_ado(&setup, ADO_NEW);
    assert_eq!(out.code, Some(0), "{}", out.all());
    assert!(
        out.stdout
            .contains("√ authenticates as Sync Bot <sync-bot@example.com>"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("√ area path Demo\\Web exists"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "may create Bug work items in Demo\\Web (checked with validateOnly, nothing saved)"
        ),
        "{}",
        out.stdout
    );
    assert_eq!(
        std::fs::read_to_string(&setup.token_file).unwrap(),
        format!("{ADO_NEW}\n")
    );
    assert_no_canary(&out.all(), &[ADO_NEW], "rotate output");
}

#[test]
fn ado_another_identitys_pat_is_refused_by_name() {
    let sim = ado_world("demo");
    let setup = ado_setup(&sim);
    let before = snapshot(&setup);
    let out = rotate_ado(&setup, "demo-ado-pat-alice");
    assert_eq!(out.code, Some(1), "{}", out.all());
    assert!(
        out.stderr.contains("[identity] the Azure DevOps token authenticates as Alice Admin <alice@example.com>, not as sync-bot@example.com"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("even when both accounts are organisation administrators"),
        "{}",
        out.stderr
    );
    assert_eq!(snapshot(&setup), before);
}

#[test]
fn ado_an_expired_pat_is_refused_as_expired() {
    // In this world the new PAT is the one that has expired.
    let sim = AdoWorld::start(&format!(
        r#"
description = "an expired PAT"
[ado]
extends = "demo"
[ado.tokens.{ADO_NEW}]
owner = "sync-bot"
scopes = ["vso.work_write"]
created = "-366d"
expires = "-1d"
"#
    ));
    let setup = ado_setup(&sim);
    let before = snapshot(&setup);
    let out = rotate_ado(&setup, ADO_NEW);
    assert_eq!(out.code, Some(1), "{}", out.all());
    assert!(out.stderr.contains("[credentials]"), "{}", out.stderr);
    assert!(out.stderr.contains("expired"), "{}", out.stderr);
    assert_eq!(snapshot(&setup), before);
}

#[test]
fn ado_a_read_only_pat_is_refused_before_the_swap() {
    let sim = AdoWorld::start(&format!(
        r#"
description = "a PAT with Work Items (Read) only"
[ado]
extends = "demo"
[ado.tokens.{ADO_NEW}]
owner = "sync-bot"
scopes = ["vso.work"]
created = "-1d"
expires = "+180d"
"#
    ));
    let setup = ado_setup(&sim);
    let before = snapshot(&setup);
    let out = rotate_ado(&setup, ADO_NEW);
    assert_eq!(out.code, Some(1), "{}", out.all());
    assert!(out.stdout.contains("√ project Demo loads"), "{}", out.all());
    assert!(out.stderr.contains("not authorized"), "{}", out.stderr);
    assert!(out.stderr.contains("Work Items"), "{}", out.stderr);
    assert_eq!(snapshot(&setup), before);
}
