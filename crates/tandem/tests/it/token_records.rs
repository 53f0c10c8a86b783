//! `tandem token record | list`: the article's "store when and where the token was generated
//! and by whom", with days left and warnings inside the configured window.

use crate::sandbox::{Sandbox, run};

const EXAMPLE: &str = include_str!("../../../../tandem.example.toml");

fn today() -> jiff::civil::Date {
    jiff::ZonedDateTime::now().date()
}

fn days_from_today(days: i64) -> String {
    today()
        .checked_add(jiff::Span::new().days(days))
        .unwrap()
        .to_string()
}

#[test]
fn record_then_list_shows_days_left_and_warns_inside_the_window() {
    let sandbox = Sandbox::new();
    sandbox.write("tandem.toml", EXAMPLE);
    let expires = days_from_today(10);
    let out = run(sandbox.tandem().args([
        "token",
        "record",
        "--profile",
        "web-team",
        "--side",
        "jira",
        "--created-by",
        "alice",
        "--expires",
        &expires,
        "--rotate-every",
        "90",
    ]));
    assert_eq!(out.code, Some(0), "{}", out.all());
    assert!(
        out.stdout
            .contains("recorded the jira token of profile web-team"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains(&format!("warning: it expires on {expires}, in 10 days")),
        "{}",
        out.stdout
    );

    let out = run(sandbox.tandem().args(["token", "list"]));
    assert_eq!(out.code, Some(0), "{}", out.all());
    let row = out
        .stdout
        .lines()
        .find(|l| l.starts_with("web-team"))
        .unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells,
        [
            "web-team",
            "jira",
            "sync-bot@example.com",
            &today().to_string(),
            "alice",
            &expires,
            "10",
            &days_from_today(90),
            "https://id.atlassian.com/manage-profile/security/api-tokens"
        ]
    );
    assert!(
        out.stdout.contains(&format!(
            "warning: profile web-team jira token expires on {expires}, in 10 days"
        )),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("fix: create a new token while signed in as the sync user, then run `tandem token rotate --profile web-team --side jira`"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("note: profile web-team ado token has no record"),
        "{}",
        out.stdout
    );

    // `config check` says it too.
    let out = run(sandbox.tandem().args(["config", "check"]));
    assert_eq!(out.code, Some(0), "{}", out.all());
    assert!(
        out.stdout.contains(&format!(
            "~ profile web-team jira token expires on {expires}, in 10 days"
        )),
        "{}",
        out.stdout
    );

    // Outside a narrower window there is no warning.
    let narrow = EXAMPLE.replace("warn_days = 14", "warn_days = 5");
    sandbox.write("tandem.toml", &narrow);
    let out = run(sandbox.tandem().args(["token", "list"]));
    assert!(!out.stdout.contains("warning:"), "{}", out.stdout);
}

#[test]
fn list_json_has_a_stable_shape_and_flags_expired_tokens() {
    let sandbox = Sandbox::new();
    sandbox.write("tandem.toml", EXAMPLE);
    let created = days_from_today(-400);
    let out = run(sandbox.tandem().args([
        "token",
        "record",
        "--profile",
        "web-team",
        "--side",
        "ado",
        "--created-by",
        "ops team",
        "--created",
        &created,
        "--expires-in",
        "365",
        "--where",
        "ADO PAT page, by the ops laptop",
    ]));
    assert_eq!(out.code, Some(0), "{}", out.all());
    assert!(
        out.stdout.contains("warning: it expired on"),
        "{}",
        out.stdout
    );
    let out = run(sandbox.tandem().args(["token", "list", "--json"]));
    assert_eq!(out.code, Some(0), "{}", out.all());
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let token = &json["tokens"][0];
    assert_eq!(token["side"], "ado");
    assert_eq!(token["days_left"], -35);
    assert_eq!(token["where"], "ADO PAT page, by the ops laptop");
    assert_eq!(
        token["warnings"][0],
        format!("expired on {} (35 days ago)", days_from_today(-35))
    );
    assert_eq!(
        json["unrecorded"],
        serde_json::json!([{ "profile": "web-team", "side": "jira" }])
    );
    assert_eq!(json["warn_days"], 14);
}

#[test]
fn a_token_of_another_account_is_not_recorded() {
    let sandbox = Sandbox::new();
    sandbox.write("tandem.toml", EXAMPLE);
    let out = run(sandbox.tandem().args([
        "token",
        "record",
        "--profile",
        "web-team",
        "--side",
        "jira",
        "--created-by",
        "bob",
        "--account",
        "bob.admin@example.com",
    ]));
    assert_eq!(out.code, Some(1), "{}", out.all());
    assert!(out.stderr.contains("Tokens are per user"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("even when both accounts are site admins"),
        "{}",
        out.stderr
    );
    assert!(!sandbox.state_dir().join("tokens.json").exists());
}

#[test]
fn rotation_history_is_kept_and_the_file_is_private() {
    let sandbox = Sandbox::new();
    sandbox.write("tandem.toml", EXAMPLE);
    for who in ["alice", "bob"] {
        let out = run(sandbox.tandem().args([
            "token",
            "record",
            "--profile",
            "web-team",
            "--side",
            "jira",
            "--created-by",
            who,
        ]));
        assert_eq!(out.code, Some(0), "{}", out.all());
    }
    let path = sandbox.state_dir().join("tokens.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let tokens = json["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 2);
    assert!(tokens[0]["replaced_at"].is_string());
    assert!(tokens[1].get("replaced_at").is_none());
    let out = run(sandbox.tandem().args(["token", "list"]));
    assert_eq!(
        out.stdout
            .lines()
            .filter(|l| l.starts_with("web-team"))
            .count(),
        1,
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("bob"), "{}", out.stdout);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn bad_dates_are_refused_with_the_format() {
    let sandbox = Sandbox::new();
    sandbox.write("tandem.toml", EXAMPLE);
    let out = run(sandbox.tandem().args([
        "token",
        "record",
        "--profile",
        "web-team",
        "--side",
        "jira",
        "--created-by",
        "a",
        "--expires",
        "31/12/2026",
    ]));
    assert_eq!(out.code, Some(2), "{}", out.all());
    assert!(
        out.stderr.contains("write it as YYYY-MM-DD"),
        "{}",
        out.stderr
    );
    let out = run(sandbox.tandem().args([
        "token",
        "record",
        "--profile",
        "nope",
        "--side",
        "jira",
        "--created-by",
        "a",
    ]));
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr
            .contains("no profile \"nope\" (it has: web-team)"),
        "{}",
        out.stderr
    );
}
