//! `tandem sim` serves the Azure DevOps half beside the Jira half.

// Helpers outside #[test] functions may unwrap: a panic there is a failed test.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Sim(Child);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start `tandem sim` and return the JSON line of the `ado` half.
fn start(scenario: &str) -> (Sim, serde_json::Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(["sim", "--scenario", scenario])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let sim = Sim(child);
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
            && v["sim"] == "ado"
        {
            // Keep reading what follows (the summary), or the simulator dies of a closed pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return (sim, v);
        }
    }
    panic!("tandem sim printed no ado line");
}

/// A minimal HTTP/1.1 GET (the binary's tests carry no HTTP client).
fn get(url: &str, authorization: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {authorization}\r\nX-TFS-FedAuthRedirect: Suppress\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let status = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

// base64(":demo-ado-pat-sync-bot")
const SYNC_BOT: &str = "Basic OmRlbW8tYWRvLXBhdC1zeW5jLWJvdA==";

#[test]
fn sim_serves_azure_devops_at_the_organisation_url() {
    let (_sim, line) = start("demo");
    let url = line["url"].as_str().unwrap();
    assert!(url.ends_with("/demo"), "{line}");
    let (status, body) = get(
        &format!("{url}/_apis/connectionData?api-version=7.1-preview"),
        SYNC_BOT,
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("sync-bot@example.com"), "{body}");
}

#[test]
fn sim_runs_the_expired_pat_scenario() {
    let (_sim, line) = start("ado-expired-pat");
    let url = line["url"].as_str().unwrap();
    let (status, body) = get(
        &format!("{url}/_apis/connectionData?api-version=7.1-preview"),
        SYNC_BOT,
    );
    assert_eq!(status, 401);
    assert!(
        body.contains("The Personal Access Token used has expired."),
        "{body}"
    );
}
