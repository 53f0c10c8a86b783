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
