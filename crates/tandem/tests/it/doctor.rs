//! `tandem doctor` end to end: the real binary against `tandem sim` over HTTP, with the config
//! `tandem sim --write-config` writes for each scenario.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::sandbox::{Run, run};

/// Kills the simulator when the test ends, however it ends.
struct Sim(Child);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tandem(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tandem"));
    // A clean environment: no proxy, config or state variable of the developer's shell.
    c.env_clear().env("HOME", dir).current_dir(dir);
    c
}

/// Starts `tandem sim --scenario NAME --write-config DIR/tandem.toml`; returns once every half
/// announced itself and the config is written.
fn rehearse(dir: &Path, scenario: &str) -> (Sim, PathBuf, Vec<Value>) {
    let config = dir.join("tandem.toml");
    let mut child = tandem(dir)
        .args(["sim", "--scenario", scenario, "--write-config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let sim = Sim(child);
    let mut announced = Vec::new();
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.trim().is_empty() {
            break;
        }
        announced.push(serde_json::from_str::<Value>(&line).unwrap());
    }
    // Keep reading, or the simulator's next line meets a closed pipe and it stops.
    std::thread::spawn(move || lines.for_each(drop));
    assert!(config.exists(), "no config written: {announced:?}");
    (sim, config, announced)
}

fn doctor(dir: &Path, config: &Path, extra: &[&str]) -> (Run, Value) {
    let out = run(tandem(dir)
        .arg("doctor")
        .arg("--config")
        .arg(config)
        .arg("--json")
        .args(extra));
    let json: Value = serde_json::from_str(out.stdout.trim())
        .unwrap_or_else(|e| panic!("not one JSON object ({e}): {}", out.all()));
    (out, json)
}

#[test]
fn without_a_config_doctor_says_configuration_and_exits_5() {
    let dir = tempfile::tempdir().unwrap();
    let (out, json) = doctor(dir.path(), &dir.path().join("missing.toml"), &[]);
    assert_eq!(out.code, Some(5), "{}", out.all());
    assert_eq!(json["verdict"]["primary"], "config.invalid", "{json:#}");
    assert_eq!(json["verdict"]["answer"], "configuration");
    assert_eq!(json["schema"], 1);
}

#[cfg(unix)]
#[test]
fn the_written_config_refers_to_secret_files_it_never_inlines() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (_sim, config, _) = rehearse(dir.path(), "wrong-user-token");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(!text.contains("demo-jira-token"), "{text}");
    assert!(text.contains("token = \"file:jira-token\""), "{text}");
    assert!(text.contains("user = \"sync-bot@example.com\""), "{text}");
    assert!(text.contains("login = \"alice@example.com\""), "{text}");
    for name in ["tandem.toml", "jira-token", "ado-token"] {
        let mode = std::fs::metadata(dir.path().join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
    let secret = std::fs::read_to_string(dir.path().join("jira-token")).unwrap();
    assert_eq!(secret.trim(), "demo-jira-token-for-sync");
    let records = std::fs::read_to_string(dir.path().join("state/tokens.json")).unwrap();
    assert!(
        records.contains("\"account\": \"sync-bot@example.com\""),
        "{records}"
    );
    assert!(!records.contains("demo-jira-token"), "{records}");
}

#[test]
fn the_written_demo_config_syncs_both_ways_and_then_has_nothing_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let (_sim, config, _) = rehearse(dir.path(), "demo");
    let sync = || {
        let out = run(tandem(dir.path())
            .args(["sync", "--once", "--json", "--config"])
            .arg(&config)
            .env("TANDEM_STATE_DIR", dir.path().join("state")));
        assert_eq!(out.code, Some(0), "{}", out.all());
        let json: Value = serde_json::from_str(out.stdout.trim())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", out.all()));
        json["reports"][0]["counts"].clone()
    };
    let first = sync();
    // Both demo projects have items of their own: creates go both ways.
    assert!(first["created"].as_u64().unwrap() > 10, "{first}");
    assert_eq!((&first["parked"], &first["errors"]), (&0.into(), &0.into()));
    let second = sync();
    assert_eq!(
        (&second["created"], &second["updated"]),
        (&0.into(), &0.into()),
        "{second}"
    );
}

#[test]
fn the_tls_scenario_is_fixed_by_trusting_the_ca_written_next_to_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let (_sim, config, _) = rehearse(dir.path(), "tls-intercepted");
    let (_, json) = doctor(dir.path(), &config, &[]);
    let codes: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["side"] == "jira" && f["severity"] == "error")
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["net.tls-untrusted"], "{json:#}");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace("# ca_bundle = ", "ca_bundle = ")).unwrap();
    let (_, json) = doctor(dir.path(), &config, &[]);
    let jira_errors = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["side"] == "jira" && f["severity"] == "error")
        .count();
    assert_eq!(jira_errors, 0, "{json:#}");
}

/// Every built-in scenario of both simulator halves: the finding doctor's JSON must name
/// first, and the exit code. Each runs with `--probe-write` (no Jira project: nothing is
/// created in Jira; Azure DevOps only validates a create and saves nothing), since the PAT's
/// write scope and the area permission only show on a write.
const TABLE: &[(&str, Option<&str>, i32)] = &[
    ("demo", None, 0),
    ("wrong-user-token", Some("jira.identity-mismatch"), 2),
    ("expired-token", Some("jira.unauthenticated"), 2),
    ("scoped-token", Some("jira.scoped-token"), 2),
    ("captcha", Some("jira.captcha"), 2),
    ("no-browse", Some("jira.project-not-visible"), 3),
    ("no-create", Some("jira.permission-missing"), 3),
    ("no-edit", Some("jira.permission-missing"), 3),
    ("jsm-customer", Some("jira.jsm-not-agent"), 3),
    ("tls-intercepted", Some("net.tls-untrusted"), 4),
    ("sso-login-page", Some("net.html-instead-of-json"), 4),
    ("datacenter", Some("jira.mode-mismatch"), 5),
    ("rate-limited", None, 0),
    ("ado-expired-pat", Some("ado.pat-expired"), 2),
    ("ado-wrong-user-pat", Some("ado.identity-mismatch"), 2),
    ("ado-read-only-pat", Some("ado.pat-scope-missing"), 2),
    ("ado-area-denied", Some("ado.area-permission-missing"), 3),
    ("ado-server-2020", None, 0),
];

#[test]
fn every_scenario_names_its_primary_finding_and_exit_code() {
    let names: Vec<&str> = TABLE.iter().map(|(n, _, _)| *n).collect();
    for builtin in tandem_sim_names() {
        assert!(
            names.contains(&builtin.as_str()),
            "scenario {builtin} has no row in the doctor table"
        );
    }
    let mut failures = Vec::new();
    for (scenario, primary, exit) in TABLE {
        let dir = tempfile::tempdir().unwrap();
        let (_sim, config, _) = rehearse(dir.path(), scenario);
        let (out, json) = doctor(dir.path(), &config, &["--probe-write"]);
        let got = json["verdict"]["primary"].as_str();
        if got != *primary || out.code != Some(*exit) {
            failures.push(format!(
                "{scenario}: expected {primary:?} exit {exit}, got {got:?} exit {:?}\n{json:#}",
                out.code
            ));
            continue;
        }
        // The primary finding carries evidence and a fix; errors name their cause.
        if let Some(code) = primary {
            let f = json["findings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["code"] == *code)
                .unwrap();
            assert!(
                !f["fix"].as_array().unwrap().is_empty(),
                "{scenario}: {f:#}"
            );
            assert!(
                f["evidence"].as_object().is_some_and(|e| !e.is_empty()),
                "{scenario}: {f:#}"
            );
            assert_eq!(
                json["verdict"]["exit_code"].as_i64(),
                Some(i64::from(*exit)),
                "{scenario}"
            );
        } else {
            assert_eq!(json["verdict"]["status"], "ok", "{scenario}: {json:#}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The built-in scenario names, as `tandem sim --list` prints them.
fn tandem_sim_names() -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let out = run(tandem(dir.path()).args(["sim", "--list"]));
    out.stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[test]
fn without_probe_write_a_read_only_pat_passes_with_creation_unproven() {
    let dir = tempfile::tempdir().unwrap();
    let (_sim, config, _) = rehearse(dir.path(), "ado-read-only-pat");
    let (out, json) = doctor(dir.path(), &config, &[]);
    assert_eq!(out.code, Some(0), "{json:#}");
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "ado.write-not-proven" && f["severity"] == "info"),
        "{json:#}"
    );
}

#[test]
fn the_article_messages_appear_where_they_apply() {
    for (scenario, message) in [
        (
            "expired-token",
            "Empty project list — probably not authenticated",
        ),
        ("no-create", "You cannot create issues in this project"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (_sim, config, _) = rehearse(dir.path(), scenario);
        let (_, json) = doctor(dir.path(), &config, &[]);
        let said = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["summary"].as_str().unwrap().contains(message));
        assert!(said, "{scenario}: {json:#}");
        // The text report wraps lines; unwrapped, it says the same.
        let text = run(tandem(dir.path())
            .arg("doctor")
            .arg("--config")
            .arg(&config));
        let flat = text.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(message), "{scenario}:\n{}", text.all());
    }
}

#[test]
fn an_expired_token_is_said_from_its_record() {
    let dir = tempfile::tempdir().unwrap();
    let (_sim, config, _) = rehearse(dir.path(), "expired-token");
    let (_, json) = doctor(dir.path(), &config, &[]);
    let f = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "jira.unauthenticated")
        .unwrap();
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("recorded expiry passed"),
        "{f:#}"
    );
    assert_eq!(
        f["evidence"]["headers"]["X-Seraph-LoginReason"], "AUTHENTICATED_FAILED",
        "{f:#}"
    );
}

#[test]
fn the_wrong_user_report_names_who_the_token_really_is() {
    let dir = tempfile::tempdir().unwrap();
    let (_sim, config, _) = rehearse(dir.path(), "wrong-user-token");
    let (out, json) = doctor(dir.path(), &config, &[]);
    assert_eq!(out.code, Some(2));
    assert_eq!(json["verdict"]["answer"], "credentials");
    let f = &json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "jira.identity-mismatch")
        .unwrap()["evidence"];
    assert_eq!(f["authenticated_as"]["email"], "alice@example.com", "{f:#}");
    assert_eq!(f["intended_user"], "sync-bot@example.com", "{f:#}");
    // The text report says the same to a person, and never prints the token.
    let text = run(tandem(dir.path())
        .arg("doctor")
        .arg("--config")
        .arg(&config));
    assert!(
        text.stdout
            .contains("Credentials: The Jira token authenticates as Alice Admin"),
        "{}",
        text.all()
    );
    assert!(
        !text.all().contains("demo-jira-token-for-sync"),
        "{}",
        text.all()
    );
}
