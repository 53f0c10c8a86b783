//! `tandem sim`: starts on port 0, announces itself on stdout, serves, and refuses bad files.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

fn tandem() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tandem"))
}

/// Kills the simulator when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[allow(clippy::unwrap_used)] // a test helper: a panic is a failed test
fn get(url: &str, path: &str) -> String {
    let addr = url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn sim_announces_a_machine_readable_line_and_serves() {
    let mut child = tandem()
        .args(["sim", "--scenario", "demo", "--jira-port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _guard = Running(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let v: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(v["sim"], "jira");
    assert_eq!(v["scenario"], "demo");
    let url = v["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(v["admin_key"].as_str().unwrap().len() > 10);
    let summary: Vec<String> = lines.by_ref().take(8).map(Result::unwrap).collect();
    assert!(
        summary
            .iter()
            .any(|l| l.contains("sync-bot@example.com") && l.contains("demo-jira-token-sync-bot")),
        "{summary:?}"
    );
    let resp = get(&url, "/rest/api/3/serverInfo");
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.contains("\"deploymentType\":\"Cloud\""), "{resp}");
    let resp = get(&url, "/rest/api/3/myself");
    assert!(resp.starts_with("HTTP/1.1 401"), "{resp}");
}

#[test]
fn sim_with_a_bad_scenario_file_starts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    std::fs::write(
        &path,
        "[jira]\nextends = \"demo\"\n\n[jira.tokens.t]\nowner = \"nobody\"\n",
    )
    .unwrap();
    let out = tandem()
        .args([
            "sim",
            "--scenario",
            path.to_str().unwrap(),
            "--jira-port",
            "0",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "nothing may start: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("broken.toml:5:1"), "{err}");
    assert!(err.contains("jira.tokens.t.owner"), "{err}");
    assert!(err.contains("no user `nobody`"), "{err}");
}

#[test]
fn sim_lists_builtin_scenarios() {
    let out = tandem().args(["sim", "--list"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for name in [
        "demo",
        "wrong-user-token",
        "expired-token",
        "scoped-token",
        "no-browse",
        "no-create",
        "no-edit",
        "jsm-customer",
        "datacenter",
        "tls-intercepted",
        "captcha",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(name)),
            "{name} missing:\n{text}"
        );
    }
}
