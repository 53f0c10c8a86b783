//! The demo profile: Jira project `DEMO` against Azure DevOps project `Demo` (area
//! `Demo\Web`) of the built-in simulator's `demo` scenario, with the mapping a Jira Software
//! project and an Agile-process Azure DevOps project usually want: types, title, description,
//! state, priority, assignee, labels/tags, and the scenario's people.
//!
//! `tandem sim --scenario demo --write-config PATH`, `tandem demo` and the end-to-end tests
//! all write their profile with [`profile_toml`], so the demo has one mapping.

use std::fmt::Write as _;

/// Where the demo's two sides are and where their tokens come from.
#[derive(Clone, Debug)]
pub struct DemoProfile<'a> {
    /// The profile's name (`demo`).
    pub name: &'a str,
    /// The Jira simulator's base URL (`http://127.0.0.1:PORT`).
    pub jira_url: &'a str,
    /// A token reference for Jira (`env:NAME`, `file:PATH`...), never the token itself.
    pub jira_token: &'a str,
    /// The Azure DevOps organisation URL (`http://127.0.0.1:PORT/demo`).
    pub ado_url: &'a str,
    /// A token reference for Azure DevOps.
    pub ado_token: &'a str,
}

/// The demo scenario's people: Jira Cloud accountId and Azure DevOps unique name
/// (`scenarios/demo.toml`). Bob hides his e-mail on Jira, so an explicit pair is the only way
/// to match him; Jamie exists only in Azure DevOps and Carol (a portal customer) only in Jira.
pub const DEMO_USERS: &[(&str, &str)] = &[
    (
        "712020:5f0c3b0a-1d2e-4f5a-8b9c-0d1e2f3a4b5c",
        "sync-bot@example.com",
    ),
    (
        "712020:a11ce000-0000-4000-8000-000000000001",
        "alice@example.com",
    ),
    (
        "712020:b0b00000-0000-4000-8000-000000000002",
        "bob@example.com",
    ),
];

/// The mapping tables of the demo profile, to follow a profile's `[profile.ado]` table:
/// `[[profile.field]]`, `[[profile.type]]`, `[[profile.state]]` and `[[profile.user]]`.
#[must_use]
pub fn mappings_toml() -> String {
    let mut s = String::new();
    // Each with a short name: conflicts, dry runs and audit entries say "title", "state".
    let fields = [
        ("title", "summary", "System.Title"),
        ("description", "description", "System.Description"),
        ("state", "status", "System.State"),
        ("priority", "priority", "Microsoft.VSTS.Common.Priority"),
        ("assignee", "assignee", "System.AssignedTo"),
        ("labels", "labels", "System.Tags"),
    ];
    for (name, jira, ado) in fields {
        let _ = write!(
            s,
            "\n[[profile.field]]\nname = \"{name}\"\njira = \"{jira}\"\nado = \"{ado}\"\n"
        );
    }
    // Agile process types; an ADO Feature becomes a Jira Epic (Jira Software has no Feature),
    // a Jira Epic an ADO Epic.
    let types = [
        ("Bug", "Bug"),
        ("Story", "User Story"),
        ("Task", "Task"),
        ("Epic", "Epic"),
        ("Epic", "Feature"),
    ];
    for (jira, ado) in types {
        pair(&mut s, "type", jira, ado);
    }
    // The demo workflow (To Do -> In Progress -> In Review -> Done) against Agile states.
    let states = [
        ("To Do", "New"),
        ("In Progress", "Active"),
        ("In Review", "Active"),
        ("Done", "Closed"),
        ("Done", "Resolved"),
    ];
    for (jira, ado) in states {
        pair(&mut s, "state", jira, ado);
    }
    for (jira, ado) in DEMO_USERS {
        pair(&mut s, "user", jira, ado);
    }
    s
}

/// One pair. Where several pairs share a value, the first one listed is the one the reverse
/// lookup picks, so the pairs above are ordered with that in mind.
fn pair(s: &mut String, table: &str, jira: &str, ado: &str) {
    let _ = write!(
        s,
        "\n[[profile.{table}]]\njira = \"{jira}\"\nado = \"{ado}\"\n"
    );
}

/// A whole `[[profile]]` for the demo, mappings included.
#[must_use]
pub fn profile_toml(p: &DemoProfile<'_>) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"[[profile]]
name = "{name}"
direction = "both"
# Both sides changed the same field: nothing is written for it, and
# `tandem conflicts` lists it for a person to settle.
conflict = "manual"
# People without a counterpart (Jamie is only in Azure DevOps): leave the field alone.
unmapped_users = "skip"

[profile.jira]
url = "{jira_url}"
mode = "cloud"
auth = "cloud-api-token"
user = "sync-bot@example.com"
token = "{jira_token}"
project = "DEMO"

[profile.ado]
url = "{ado_url}"
project = "Demo"
area_path = 'Demo\Web'
auth = "pat"
user = "sync-bot@example.com"
token = "{ado_token}"
"#,
        name = p.name,
        jira_url = p.jira_url,
        jira_token = p.jira_token,
        ado_url = p.ado_url,
        ado_token = p.ado_token,
    );
    s.push_str(&mappings_toml());
    s
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use tandem_core::Side;

    use super::*;
    use crate::{ParseOptions, parse};

    #[test]
    fn the_demo_profile_is_a_valid_config() {
        let text = profile_toml(&DemoProfile {
            name: "demo",
            jira_url: "http://127.0.0.1:8080",
            jira_token: "env:TANDEM_DEMO_JIRA_TOKEN",
            ado_url: "http://127.0.0.1:8081/demo",
            ado_token: "env:TANDEM_DEMO_ADO_TOKEN",
        });
        let v = parse(
            &text,
            Path::new("/tmp/tandem.toml"),
            ParseOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert!(v.warnings.is_empty(), "{:?}", v.warnings);
        let p = v.config.profile("demo").unwrap();
        let m = &p.mapping;
        assert_eq!(m.fields.len(), 6);
        assert_eq!(m.fields[0].name(), "title");
        assert_eq!(m.counterpart_type(Side::Ado, "Feature"), Some("Epic"));
        assert_eq!(m.counterpart_type(Side::Jira, "Epic"), Some("Epic"));
        assert_eq!(p.ado.area_path.as_deref(), Some("Demo\\Web"));
        assert_eq!(p.ado.organization, "demo");
    }
}
