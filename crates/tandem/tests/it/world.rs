//! Both simulators running in the test process, a sandbox with the demo profile pointed at
//! them, and a few REST calls made as a person would (Alice edits things) over real HTTP.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;

use base64::Engine as _;
use serde_json::{Value, json};
use tandem_sim::ado::{AdoSim, AdoSimHandle};
use tandem_sim::{JiraSim, JiraSimHandle, Scenario, StatsSnapshot};

use crate::sandbox::{Run, Sandbox, run};

pub(crate) const JIRA_TOKEN: &str = "demo-jira-token-sync-bot";
pub(crate) const ADO_TOKEN: &str = "demo-ado-pat-sync-bot";

pub(crate) struct World {
    /// Jira Data Center instead of Cloud (REST v2, wiki markup, user names, a PAT).
    pub(crate) dc: bool,
    pub(crate) sandbox: Sandbox,
    pub(crate) jira: JiraSimHandle,
    pub(crate) ado: AdoSimHandle,
    pub(crate) config: std::path::PathBuf,
    // Serves the simulators while the binary runs; dropped last.
    _rt: tokio::runtime::Runtime,
}

/// What a scenario file adds to the demo world (TOML, `[jira]`/`[ado]` tables that extend
/// `demo`), or nothing.
pub(crate) fn start(extra: &str, profile_patch: &[(&str, &str)]) -> World {
    let sandbox = Sandbox::new();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let scenario = if extra.is_empty() {
        Scenario::resolve("demo").unwrap()
    } else {
        let path = sandbox.write("world.toml", extra);
        Scenario::resolve(path.to_str().unwrap()).unwrap()
    };
    let (jira, ado) = rt.block_on(async {
        (
            JiraSim::start(&scenario).await.unwrap(),
            AdoSim::start(&scenario).await.unwrap(),
        )
    });
    let mut profile = tandem_config::demo::profile_toml(&tandem_config::demo::DemoProfile {
        name: "demo",
        jira_url: jira.url(),
        jira_token: "env:TANDEM_JIRA_TOKEN",
        ado_url: &ado.url(),
        ado_token: "env:TANDEM_ADO_TOKEN",
    });
    for (from, to) in profile_patch {
        assert!(profile.contains(from), "{from} not in the demo profile");
        profile = profile.replacen(from, to, 1);
    }
    let config = sandbox.write("tandem.toml", &profile);
    World {
        dc: extra.contains("extends = \"datacenter\""),
        sandbox,
        jira,
        ado,
        config,
        _rt: rt,
    }
}

impl World {
    pub(crate) fn tandem(&self, args: &[&str]) -> Command {
        let mut c = self.sandbox.tandem();
        // `--config` belongs to the command, before any subcommand of it.
        c.arg(args[0])
            .arg("--config")
            .arg(&self.config)
            .args(&args[1..])
            .env(
                "TANDEM_JIRA_TOKEN",
                if self.dc {
                    "demo-jira-pat-sync-bot"
                } else {
                    JIRA_TOKEN
                },
            )
            .env("TANDEM_ADO_TOKEN", ADO_TOKEN)
            .env("TANDEM_TEST_INTENT_GRACE_SECS", "0")
            .env("TANDEM_LOG", "warn");
        c
    }

    /// `tandem sync --once --json`, returning the report of the one profile.
    pub(crate) fn sync(&self) -> (Run, Value) {
        let r = run(&mut self.tandem(&["sync", "--once", "--json"]));
        let json: Value = serde_json::from_str(r.stdout.trim())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.all()));
        let report = json["reports"][0].clone();
        (r, report)
    }

    /// Runs `sync` and checks it completed.
    pub(crate) fn sync_ok(&self) -> Value {
        let (r, report) = self.sync();
        assert_eq!(r.code, Some(0), "{}", r.all());
        assert_eq!(report["outcome"], "completed", "{report:#}");
        report
    }

    pub(crate) fn stats(&self) -> (StatsSnapshot, StatsSnapshot) {
        (
            self.jira.server().common().stats.snapshot(),
            self.ado.server().common().stats.snapshot(),
        )
    }

    pub(crate) fn reset_stats(&self) {
        self.jira.server().common().stats.reset();
        self.ado.server().common().stats.reset();
    }

    /// Calls that change something (creates, edits, transitions), on (Jira, ADO): the
    /// simulators count every POST as a write, and WIQL and `workitemsbatch` are POSTs that
    /// only read.
    pub(crate) fn mutating(&self) -> (u64, u64) {
        let (j, a) = self.stats();
        (j.mutating(), a.mutating())
    }

    // --- Jira, as Alice -------------------------------------------------------------------

    fn jira_auth(&self) -> String {
        if self.dc {
            "Bearer demo-jira-pat-alice".to_owned()
        } else {
            basic("alice@example.com", "demo-jira-token-alice")
        }
    }

    pub(crate) fn jira_call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        call(
            self.jira.url(),
            method,
            path,
            &self.jira_auth(),
            body,
            "application/json",
        )
    }

    /// Every DEMO issue: key -> issue JSON (summary, status, priority, assignee, labels).
    pub(crate) fn jira_issues(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut path = "/rest/api/3/search/jql?jql=project%20%3D%20DEMO%20ORDER%20BY%20key%20ASC&maxResults=100&fields=summary,status,priority,assignee,labels,issuetype,description&properties=tandem.link".to_owned();
            if let Some(t) = &token {
                path.push_str(&format!("&nextPageToken={t}"));
            }
            let (s, v) = self.jira_call("GET", &path, None);
            assert_eq!(s, 200, "{v}");
            out.extend(v["issues"].as_array().unwrap().iter().cloned());
            match v["nextPageToken"].as_str() {
                Some(t) if v["isLast"] != json!(true) => token = Some(t.to_owned()),
                _ => break,
            }
        }
        out
    }

    pub(crate) fn jira_issue(&self, key: &str) -> Value {
        let (s, v) = self.jira_call("GET", &format!("/rest/api/3/issue/{key}"), None);
        assert_eq!(s, 200, "{v}");
        v
    }

    #[allow(
        clippy::needless_pass_by_value,
        reason = "tests read better with json!(..) inline"
    )]
    pub(crate) fn jira_edit(&self, key: &str, fields: Value) {
        let (s, v) = self.jira_call(
            "PUT",
            &format!("/rest/api/3/issue/{key}"),
            Some(json!({ "fields": fields })),
        );
        assert!(s == 204 || s == 200, "{s} {v}");
    }

    #[allow(
        clippy::needless_pass_by_value,
        reason = "tests read better with json!(..) inline"
    )]
    pub(crate) fn jira_create(&self, issue_type: &str, summary: &str, extra: Value) -> String {
        let mut fields = json!({
            "project": {"key": "DEMO"}, "issuetype": {"name": issue_type}, "summary": summary,
        });
        if let (Some(f), Some(e)) = (fields.as_object_mut(), extra.as_object()) {
            f.extend(e.clone());
        }
        let (s, v) = self.jira_call(
            "POST",
            "/rest/api/3/issue",
            Some(json!({ "fields": fields })),
        );
        assert_eq!(s, 201, "{v}");
        v["key"].as_str().unwrap().to_owned()
    }

    /// Uploads a file to a Jira issue as Alice; returns the attachment id and its Media
    /// Services id (read from the 303 of `attachment/content`, the bridge research
    /// sync-semantics.md §2 describes: the attachment API never returns the media id).
    pub(crate) fn jira_attach(&self, key: &str, name: &str, content: &[u8]) -> (String, String) {
        let boundary = "tandem-test-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let auth = self.jira_auth();
        let ct = format!("multipart/form-data; boundary={boundary}");
        let (s, _, v) = request(
            self.jira.url(),
            "POST",
            &format!("/rest/api/3/issue/{key}/attachments"),
            &[
                ("Authorization", &auth),
                ("Content-Type", &ct),
                ("X-Atlassian-Token", "no-check"),
            ],
            &body,
        );
        assert_eq!(s, 200, "{v}");
        let id = v[0]["id"].as_str().unwrap().to_owned();
        let (s, head, _) = request(
            self.jira.url(),
            "GET",
            &format!("/rest/api/3/attachment/content/{id}"),
            &[("Authorization", &auth)],
            b"",
        );
        assert_eq!(s, 303, "{head}");
        let location = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("location")
                    .then(|| v.trim().to_owned())
            })
            .unwrap();
        let media = location
            .split("/file/")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap()
            .to_owned();
        (id, media)
    }

    // --- Azure DevOps, as Alice -----------------------------------------------------------

    /// Uploads a file to Azure DevOps as Alice and attaches it to work item `id`; returns
    /// the attachment URL (what an `<img src>` in a description points at).
    pub(crate) fn ado_attach(&self, id: &str, name: &str, content: &[u8]) -> String {
        let auth = self.ado_auth();
        let (s, _, v) = request(
            &self.ado.url(),
            "POST",
            &format!(
                "/Demo/_apis/wit/attachments?fileName={name}&uploadType=Simple&api-version=7.1"
            ),
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/octet-stream"),
            ],
            content,
        );
        assert_eq!(s, 201, "{v}");
        let url = v["url"].as_str().unwrap().to_owned();
        let (s, v) = self.ado_call(
            "PATCH",
            &format!("/Demo/_apis/wit/workitems/{id}?api-version=7.1"),
            Some(json!([{"op": "add", "path": "/relations/-", "value": {"rel": "AttachedFile", "url": url, "attributes": {"comment": ""}}}])),
        );
        assert_eq!(s, 200, "{v}");
        url
    }

    fn ado_auth(&self) -> String {
        basic("", "demo-ado-pat-alice")
    }

    pub(crate) fn ado_call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let ct = if method == "PATCH" || (method == "POST" && path.contains("workitems/$")) {
            "application/json-patch+json"
        } else {
            "application/json"
        };
        let url = self.ado.url();
        call(&url, method, path, &self.ado_auth(), body, ct)
    }

    pub(crate) fn ado_item(&self, id: &str) -> Value {
        let (s, v) = self.ado_call(
            "GET",
            &format!("/Demo/_apis/wit/workitems/{id}?$expand=relations&api-version=7.1"),
            None,
        );
        assert_eq!(s, 200, "{v}");
        v
    }

    /// Every work item under `Demo\Web`.
    pub(crate) fn ado_items(&self) -> Vec<Value> {
        let (s, v) = self.ado_call(
            "POST",
            "/Demo/_apis/wit/wiql?api-version=7.1",
            Some(json!({"query": "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = 'Demo' AND [System.AreaPath] UNDER 'Demo\\Web' ORDER BY [System.Id]"})),
        );
        assert_eq!(s, 200, "{v}");
        let ids: Vec<String> = v["workItems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["id"].to_string())
            .collect();
        ids.iter().map(|id| self.ado_item(id)).collect()
    }

    pub(crate) fn ado_edit(&self, id: &str, fields: &[(&str, Value)]) {
        let ops: Vec<Value> = fields
            .iter()
            .map(|(k, v)| json!({"op": "add", "path": format!("/fields/{k}"), "value": v}))
            .collect();
        let (s, v) = self.ado_call(
            "PATCH",
            &format!("/Demo/_apis/wit/workitems/{id}?api-version=7.1"),
            Some(Value::Array(ops)),
        );
        assert_eq!(s, 200, "{v}");
    }

    pub(crate) fn ado_create(&self, item_type: &str, fields: &[(&str, Value)]) -> String {
        let mut ops: Vec<Value> =
            vec![json!({"op": "add", "path": "/fields/System.AreaPath", "value": "Demo\\Web"})];
        ops.extend(
            fields
                .iter()
                .map(|(k, v)| json!({"op": "add", "path": format!("/fields/{k}"), "value": v})),
        );
        let (s, v) = self.ado_call(
            "POST",
            &format!("/Demo/_apis/wit/workitems/${item_type}?api-version=7.1"),
            Some(Value::Array(ops)),
        );
        assert_eq!(s, 200, "{v}");
        v["id"].to_string()
    }

    /// The ADO id linked to a Jira key, from `tandem links --json`.
    pub(crate) fn linked(&self) -> Vec<(String, String)> {
        let r = run(&mut self.tandem(&["links", "--json"]));
        assert_eq!(r.code, Some(0), "{}", r.all());
        let v: Value = serde_json::from_str(r.stdout.trim()).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["link"]["jira_key"].as_str().unwrap().to_owned(),
                    l["link"]["ado_id"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    pub(crate) fn ado_of(&self, key: &str) -> String {
        self.linked()
            .into_iter()
            .find(|(k, _)| k == key)
            .unwrap_or_else(|| panic!("{key} not linked"))
            .1
    }

    pub(crate) fn jira_of(&self, ado: &str) -> String {
        self.linked()
            .into_iter()
            .find(|(_, a)| a == ado)
            .unwrap_or_else(|| panic!("ado {ado} not linked"))
            .0
    }

    /// Every linked pair agrees on title and state, and every item of both scopes is linked
    /// exactly once (no duplicate, nothing left behind).
    pub(crate) fn assert_converged(&self) {
        let links = self.linked();
        let jira = self.jira_issues();
        let ado = self.ado_items();
        assert_eq!(links.len(), jira.len(), "every DEMO issue linked once");
        assert_eq!(links.len(), ado.len(), "every Demo\\Web item linked once");
        for (key, id) in &links {
            let j = jira.iter().find(|i| i["key"] == key.as_str()).unwrap();
            let a = ado
                .iter()
                .find(|i| i["id"].as_u64().map(|n| n.to_string()).as_deref() == Some(id.as_str()))
                .unwrap();
            assert_eq!(
                j["fields"]["summary"], a["fields"]["System.Title"],
                "{key} <-> {id}"
            );
            let state = match j["fields"]["status"]["name"].as_str().unwrap() {
                "To Do" => "New",
                "In Progress" | "In Review" => "Active",
                _ => "Closed|Resolved",
            };
            let got = a["fields"]["System.State"].as_str().unwrap();
            assert!(
                state.split('|').any(|s| s == got),
                "{key} <-> {id}: {state} vs {got}"
            );
        }
    }
}

fn basic(user: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"))
    )
}

/// One HTTP/1.1 request over a plain TCP connection (the simulators speak plain HTTP).
fn call(
    base: &str,
    method: &str,
    path: &str,
    auth: &str,
    body: Option<Value>,
    content_type: &str,
) -> (u16, Value) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let (status, _, value) = request(
        base,
        method,
        path,
        &[("Authorization", auth), ("Content-Type", content_type)],
        body.as_bytes(),
    );
    (status, value)
}

/// A request with any headers and body; returns the status, the response head (status line
/// and headers) and the body (JSON when it parses).
fn request(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, Value) {
    let rest = base.strip_prefix("http://").unwrap();
    let (host, prefix) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    let full = if prefix.is_empty() {
        path.to_owned()
    } else {
        format!("/{prefix}{path}")
    };
    let mut stream = TcpStream::connect(host).unwrap();
    let mut req =
        format!("{method} {full} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    stream.write_all(&bytes).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    (status, head.to_owned(), value)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}
