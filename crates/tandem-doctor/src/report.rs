//! A profile's report, and its two renderings: the `√ / ~ / x` text for people and the JSON
//! object of `--json` (schema in the crate docs).

use std::fmt::Write as _;

use serde::Serialize;

use crate::code::{Code, Severity};
use crate::finding::{Finding, FindingEvidence, Side};
use crate::verdict::{Status, Verdict, verdict};

/// The version of the JSON schema; raised only for an incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The URLs a profile's two sides point at.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Targets {
    /// The Jira site.
    pub jira: Option<String>,
    /// The Azure DevOps organization or collection.
    pub ado: Option<String>,
}

/// One profile's diagnosis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub schema: u32,
    /// The profile's name (`null` when the configuration could not be read).
    pub profile: Option<String>,
    /// Where the two sides are.
    pub targets: Targets,
    /// The verdict.
    pub verdict: Verdict,
    /// Every finding, Jira first, each side in the article's order.
    pub findings: Vec<Finding>,
}

impl Report {
    /// The report of a profile's findings.
    pub fn new(profile: impl Into<String>, targets: Targets, findings: Vec<Finding>) -> Self {
        Self {
            schema: SCHEMA_VERSION,
            profile: Some(profile.into()),
            targets,
            verdict: verdict(&findings),
            findings,
        }
    }

    /// The report when the configuration itself cannot be used (nothing was probed).
    pub fn config_invalid(problem: &str) -> Self {
        let finding = Finding::new(
            Code::ConfigInvalid,
            Severity::Error,
            None,
            "The configuration cannot be used; nothing was checked",
        )
        .evidence(FindingEvidence {
            messages: problem.lines().map(str::to_owned).collect(),
            ..FindingEvidence::default()
        })
        .fix([
            "Fix the problems listed (each names its file, line, key and fix); `tandem config \
             check` shows them again."
                .to_owned(),
            "Run `tandem doctor` again.".to_owned(),
        ]);
        let findings = vec![finding];
        Self {
            schema: SCHEMA_VERSION,
            profile: None,
            targets: Targets::default(),
            verdict: verdict(&findings),
            findings,
        }
    }

    /// The `--json` line: one object, no newline inside.
    pub fn to_json(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The text report.
    pub fn to_text(&self) -> String {
        render_text(self)
    }
}

const WIDTH: usize = 100;

fn wrap(out: &mut String, first_prefix: &str, prefix: &str, text: &str) {
    let mut line = String::from(first_prefix);
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(prefix);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

fn mark(severity: Severity) -> &'static str {
    match severity {
        Severity::Ok => "√",
        Severity::Info | Severity::Warning => "~",
        Severity::Error => "x",
    }
}

/// The evidence as one readable sentence.
fn evidence_text(e: &FindingEvidence) -> String {
    let mut parts: Vec<String> = Vec::new();
    match (&e.request, e.status) {
        (Some(r), Some(s)) => parts.push(format!("{r} -> {s}")),
        (Some(r), None) => parts.push(r.clone()),
        (None, Some(s)) => parts.push(format!("HTTP {s}")),
        (None, None) => {}
    }
    // Request ids help the vendor's support, not the reader: they stay in the JSON only.
    const CORRELATION: [&str; 5] = [
        "x-arequestid",
        "activityid",
        "x-tfs-session",
        "x-vss-e2eid",
        "x-msedge-ref",
    ];
    for (k, v) in &e.headers {
        if !CORRELATION.contains(&k.to_ascii_lowercase().as_str()) {
            parts.push(format!("{k}: {v}"));
        }
    }
    if let Some(c) = &e.error_code {
        parts.push(c.clone());
    }
    for m in e.messages.iter().take(3) {
        parts.push(format!("\"{m}\""));
    }
    if let Some(b) = &e.body_excerpt {
        parts.push(format!("body \"{b}\""));
    }
    if let Some(a) = &e.authenticated_as {
        let mut s = format!("authenticated as {a}");
        if !a.id.is_empty() {
            s.push_str(&format!(" (id {})", a.id));
        }
        if let Some(t) = &a.account_type {
            s.push_str(&format!(", account type {t}"));
        }
        parts.push(s);
    }
    if let Some(u) = &e.intended_user {
        parts.push(format!("intended sync user {u}"));
    }
    if let Some(l) = &e.login_sent {
        parts.push(format!("sent as {l}"));
    }
    if let (Some(m), Some(d)) = (&e.configured_mode, &e.server_deployment) {
        parts.push(format!("configured mode {m}, server says {d}"));
    }
    if let Some(v) = &e.server_version {
        parts.push(format!("version {v}"));
    }
    if !e.permissions.is_empty() {
        let held: Vec<String> = e
            .permissions
            .iter()
            .map(|(k, v)| format!("{k} {}", if *v { "yes" } else { "NO" }))
            .collect();
        parts.push(format!("mypermissions: {}", held.join(", ")));
    }
    if let Some(r) = &e.application_roles {
        parts.push(format!(
            "application roles: {}",
            if r.is_empty() {
                "none".to_owned()
            } else {
                r.join(", ")
            }
        ));
    }
    if let Some(v) = &e.visible_projects {
        parts.push(if v.is_empty() {
            "project list: empty".to_owned()
        } else {
            format!("projects visible: {}", v.join(", "))
        });
    }
    if let Some(i) = &e.issuer {
        parts.push(format!("issuer {i}"));
    }
    if let Some(s) = &e.subject {
        parts.push(format!("subject {s}"));
    }
    if let Some(p) = &e.proxy {
        parts.push(format!("via proxy {p}"));
    }
    if let Some(g) = &e.gateway {
        parts.push(format!("gateway {g}"));
    }
    if let Some(t) = &e.token_record {
        let mut s = format!(
            "token record: made {} by {} for {}",
            t.created, t.created_by, t.account
        );
        if let Some(x) = &t.expires {
            s.push_str(&format!(", expires {x}"));
        }
        parts.push(s);
    }
    if let Some(n) = e.throttled {
        parts.push(format!("{n} throttled"));
    }
    parts.join("; ")
}

fn render_finding(out: &mut String, f: &Finding) {
    let m = mark(f.severity);
    match f.severity {
        Severity::Ok | Severity::Info => wrap(out, &format!("  {m} "), "    ", &f.summary),
        Severity::Warning | Severity::Error => {
            wrap(
                out,
                &format!("  {m} "),
                "    ",
                &format!("{} [{}]", f.summary, f.code),
            );
            let ev = evidence_text(&f.evidence);
            if !ev.is_empty() {
                wrap(out, "      evidence: ", "        ", &ev);
            }
        }
    }
    if f.severity != Severity::Ok && !f.fix.is_empty() {
        if f.fix.len() == 1 {
            wrap(out, "      fix: ", "        ", &f.fix[0]);
        } else {
            out.push_str("      fix:\n");
            for (i, step) in f.fix.iter().enumerate() {
                wrap(out, &format!("        {}. ", i + 1), "           ", step);
            }
        }
    }
}

fn render_text(r: &Report) -> String {
    let mut out = String::new();
    match &r.profile {
        Some(p) => {
            let _ = writeln!(out, "tandem doctor: profile {p}");
        }
        None => out.push_str("tandem doctor\n"),
    }
    out.push('\n');
    wrap(&mut out, "  ", "  ", &r.verdict.headline);
    out.push('\n');
    let sections = [
        (Some(Side::Jira), r.targets.jira.as_deref()),
        (Some(Side::Ado), r.targets.ado.as_deref()),
        (None, None),
    ];
    for (side, url) in sections {
        let findings: Vec<&Finding> = r.findings.iter().filter(|f| f.side == side).collect();
        if findings.is_empty() {
            continue;
        }
        match (side, url) {
            (Some(s), Some(u)) => {
                let _ = writeln!(out, "{} ({u})", s.label());
            }
            (Some(s), None) => {
                let _ = writeln!(out, "{}", s.label());
            }
            (None, _) => out.push_str("Configuration\n"),
        }
        for f in findings {
            render_finding(&mut out, f);
        }
        out.push('\n');
    }
    let closing = match (r.verdict.status, r.verdict.answer) {
        (Status::Failed, Some(a)) => format!(
            "Exit {} ({}): fix the {} first, then run `tandem doctor` again.",
            r.verdict.exit_code,
            a.as_str(),
            match a {
                crate::code::Answer::Credentials => "credentials",
                crate::code::Answer::Permissions => "permissions",
                crate::code::Answer::Network => "network path",
                crate::code::Answer::Configuration => "configuration",
            }
        ),
        (Status::Warnings, _) => {
            "Exit 0: working; act on the warnings above before they bite.".to_owned()
        }
        _ => "Exit 0: no problem found.".to_owned(),
    };
    out.push_str(&closing);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_words_and_indents() {
        let mut s = String::new();
        let long = "word ".repeat(40);
        wrap(&mut s, "  x ", "    ", &long);
        for line in s.lines() {
            assert!(line.chars().count() <= WIDTH, "{line}");
        }
        assert!(s.lines().nth(1).unwrap().starts_with("    word"));
        assert_eq!(s.split_whitespace().filter(|w| *w == "word").count(), 40);
    }
}
