//! `tandem init --non-interactive` against both simulators: the right tokens give a valid
//! config and token records; another user's token, an expired token or a token lacking
//! permissions is refused with its cause, and nothing is written.

use crate::canary::{assert_no_canary, assert_state_dir_clean};
use crate::live::{AdoWorld, JiraWorld};
use crate::sandbox::{Run, Sandbox, run};

const JIRA_TOKEN: &str = "demo-jira-token-sync-bot";
const ADO_TOKEN: &str = "demo-ado-pat-sync-bot";

struct Worlds {
    jira: JiraWorld,
    ado: AdoWorld,
}

fn worlds(jira: &str, ado: &str) -> Worlds {
    Worlds {
        jira: JiraWorld::start(&format!(
            "description = \"init\"\n[jira]\nextends = \"{jira}\"\n"
        )),
        ado: AdoWorld::start(&format!(
            "description = \"init\"\n[ado]\nextends = \"{ado}\"\n"
        )),
    }
}

fn init(sandbox: &Sandbox, worlds: &Worlds, jira_token: &str, ado_token: &str) -> Run {
    run(sandbox
        .tandem()
        .env("JIRA_TOKEN", jira_token)
        .env("ADO_TOKEN", ado_token)
        .args(["init", "--non-interactive", "--profile", "web"])
        .args(["--jira-url", &worlds.jira.url(), "--jira-mode", "cloud"])
        .args([
            "--jira-user",
            "sync-bot@example.com",
            "--jira-token",
            "env:JIRA_TOKEN",
        ])
        .args(["--jira-project", "DEMO"])
        .args(["--ado-url", &worlds.ado.url(), "--ado-project", "Demo"])
        .args([
            "--ado-user",
            "sync-bot@example.com",
            "--ado-token",
            "env:ADO_TOKEN",
        ])
        .args([
            "--created-by",
            "alice",
            "--jira-token-expires",
            "2099-01-01",
        ]))
}

fn nothing_written(sandbox: &Sandbox) {
    assert!(!sandbox.path().join("tandem.toml").exists());
    assert!(!sandbox.state_dir().exists());
}

#[test]
fn the_right_tokens_give_a_valid_config_and_records() {
    let worlds = worlds("demo", "demo");
    let sandbox = Sandbox::new();
    let out = init(&sandbox, &worlds, JIRA_TOKEN, ADO_TOKEN);
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
        out.stdout.contains("√ project Demo loads"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("may create Bug work items"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("√ wrote profile web to"),
        "{}",
        out.stdout
    );
    let check = run(sandbox
        .tandem()
        .env("JIRA_TOKEN", JIRA_TOKEN)
        .env("ADO_TOKEN", ADO_TOKEN)
        .args(["config", "check", "--resolve-secrets"]));
    assert_eq!(check.code, Some(0), "{}", check.all());
    let list = run(sandbox.tandem().args(["token", "list", "--json"]));
    let json: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(json["tokens"].as_array().unwrap().len(), 2);
    assert_eq!(json["tokens"][0]["side"], "jira");
    assert_eq!(json["tokens"][0]["expires"], "2099-01-01");
    assert_eq!(json["tokens"][1]["side"], "ado");
    let config = std::fs::read_to_string(sandbox.path().join("tandem.toml")).unwrap();
    assert!(config.contains("token = \"env:JIRA_TOKEN\""), "{config}");
    assert_no_canary(
        &format!("{config}{}", out.all()),
        &[JIRA_TOKEN, ADO_TOKEN],
        "init output and config",
    );
    assert_state_dir_clean(&sandbox.state_dir(), &[JIRA_TOKEN, ADO_TOKEN]);
}

#[test]
fn another_users_tokens_are_refused_and_nothing_is_written() {
    let worlds = worlds("demo", "demo");
    let sandbox = Sandbox::new();
    let out = init(
        &sandbox,
        &worlds,
        "demo-jira-token-alice",
        "demo-ado-pat-alice",
    );
    assert_eq!(out.code, Some(1), "{}", out.all());
    assert!(out.stdout.contains("Tokens are per user"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("x [identity] the Azure DevOps token authenticates as Alice"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("nothing was written"), "{}", out.stderr);
    nothing_written(&sandbox);
}

#[test]
fn an_expired_token_is_refused_and_nothing_is_written() {
    let worlds = worlds("expired-token", "demo");
    let sandbox = Sandbox::new();
    let out = init(&sandbox, &worlds, JIRA_TOKEN, ADO_TOKEN);
    assert_eq!(out.code, Some(1), "{}", out.all());
    assert!(out.stdout.contains("x [credentials]"), "{}", out.stdout);
    nothing_written(&sandbox);
}

#[test]
fn a_token_lacking_permissions_is_refused_and_nothing_is_written() {
    let worlds = worlds("no-create", "demo");
    let sandbox = Sandbox::new();
    let out = init(&sandbox, &worlds, JIRA_TOKEN, ADO_TOKEN);
    assert_eq!(out.code, Some(1), "{}", out.all());
    assert!(
        out.stdout
            .contains("x [permissions] sync-bot@example.com lacks Create Issues in DEMO"),
        "{}",
        out.stdout
    );
    nothing_written(&sandbox);
}

#[test]
fn an_existing_config_is_left_alone_when_refused() {
    let worlds = worlds("demo", "demo");
    let sandbox = Sandbox::new();
    let existing = include_str!("../../../../tandem.example.toml");
    sandbox.write("tandem.toml", existing);
    let out = init(&sandbox, &worlds, "demo-jira-token-bob", ADO_TOKEN);
    assert_eq!(out.code, Some(1), "{}", out.all());
    assert_eq!(
        std::fs::read_to_string(sandbox.path().join("tandem.toml")).unwrap(),
        existing
    );
}
