//! Writing configs: a new profile rendered as commented TOML (for `tandem init`), and the
//! in-place change of one token reference (for `tandem token rotate`) that leaves every other
//! byte of the file, comments included, as the operator wrote it.

use std::fmt::Write as _;

use crate::model::{AdoAuth, ConflictPolicy, Direction, JiraAuth, JiraMode, Side};
use crate::raw::RawConfig;
use crate::secret::SecretRef;

/// Quotes `value` as a TOML string: single quotes when that keeps backslashes readable (area
/// paths, Windows paths), double quotes with escapes otherwise.
pub fn toml_string(value: &str) -> String {
    if value.contains('\\') && !value.contains('\'') && !value.chars().any(char::is_control) {
        return format!("'{value}'");
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The answers `tandem init` collected for one profile.
#[derive(Debug, Clone)]
pub struct NewProfile {
    /// Profile name.
    pub name: String,
    /// Which way changes flow.
    pub direction: Direction,
    /// Conflict policy.
    pub conflict: ConflictPolicy,
    /// Jira site URL.
    pub jira_url: String,
    /// Cloud or Data Center.
    pub jira_mode: JiraMode,
    /// Credential kind.
    pub jira_auth: JiraAuth,
    /// Gateway URL for scoped tokens.
    pub jira_gateway_url: Option<String>,
    /// Intended Jira sync user.
    pub jira_user: String,
    /// Where the Jira token is kept (never plaintext).
    pub jira_token: SecretRef,
    /// Jira project keys.
    pub jira_projects: Vec<String>,
    /// Azure DevOps organisation or collection URL.
    pub ado_url: String,
    /// Azure DevOps project.
    pub ado_project: String,
    /// Optional area path.
    pub ado_area_path: Option<String>,
    /// Credential kind.
    pub ado_auth: AdoAuth,
    /// Intended Azure DevOps sync identity.
    pub ado_user: String,
    /// Where the Azure DevOps token is kept (never plaintext).
    pub ado_token: SecretRef,
}

/// Rendering refused: `init` must never write a secret into a config.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// A plaintext secret was about to be written.
    #[error(
        "refusing to write a plaintext secret into the config; store the token and reference it"
    )]
    Plaintext,
    /// The profile to edit is not in the file.
    #[error("the config has no profile named \"{0}\"")]
    NoSuchProfile(String),
    /// The file does not parse (validate it first).
    #[error("the config does not parse; run `tandem config check` first")]
    Unparsable,
    /// The profile's side has no `token` key to replace.
    #[error("profile \"{profile}\" has no {side} token key to replace")]
    NoTokenKey {
        /// The profile.
        profile: String,
        /// The side.
        side: Side,
    },
}

fn reference(value: &SecretRef) -> Result<String, EditError> {
    value
        .to_config_value()
        .map(|v| toml_string(&v))
        .ok_or(EditError::Plaintext)
}

/// The header written at the top of a config `tandem init` creates.
pub const NEW_CONFIG_HEADER: &str = "\
# tandem configuration, written by `tandem init`.
# Every key is documented in tandem.example.toml; check this file with `tandem config check`.
";

/// A `[[profile]]` block for `profile`, with the default mappings commented for review.
pub fn render_profile(profile: &NewProfile) -> Result<String, EditError> {
    let mut out = String::new();
    let jira_token = reference(&profile.jira_token)?;
    let ado_token = reference(&profile.ado_token)?;
    let projects = profile
        .jira_projects
        .iter()
        .map(|p| toml_string(p))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(out, "[[profile]]");
    let _ = writeln!(out, "name = {}", toml_string(&profile.name));
    let _ = writeln!(out, "direction = \"{}\"", profile.direction);
    let _ = writeln!(out, "conflict = \"{}\"", profile.conflict);
    let _ = writeln!(out);
    let _ = writeln!(out, "[profile.jira]");
    let _ = writeln!(out, "url = {}", toml_string(&profile.jira_url));
    let _ = writeln!(out, "mode = \"{}\"", profile.jira_mode);
    let _ = writeln!(out, "auth = \"{}\"", profile.jira_auth);
    if let Some(gateway) = &profile.jira_gateway_url {
        let _ = writeln!(out, "gateway_url = {}", toml_string(gateway));
    }
    let _ = writeln!(
        out,
        "# The intended sync user: the token must authenticate as exactly this account."
    );
    let _ = writeln!(out, "user = {}", toml_string(&profile.jira_user));
    let _ = writeln!(out, "token = {jira_token}");
    let _ = writeln!(out, "projects = [{projects}]");
    let _ = writeln!(out);
    let _ = writeln!(out, "[profile.ado]");
    let _ = writeln!(out, "url = {}", toml_string(&profile.ado_url));
    let _ = writeln!(out, "project = {}", toml_string(&profile.ado_project));
    if let Some(area) = &profile.ado_area_path {
        let _ = writeln!(out, "area_path = {}", toml_string(area));
    }
    let _ = writeln!(out, "auth = \"{}\"", profile.ado_auth);
    let _ = writeln!(
        out,
        "# The intended sync identity: the token must authenticate as exactly this identity."
    );
    let _ = writeln!(out, "user = {}", toml_string(&profile.ado_user));
    let _ = writeln!(out, "token = {ado_token}");
    let _ = writeln!(out);
    out.push_str(DEFAULT_MAPPINGS);
    Ok(out)
}

/// Mappings for the default Jira workflow and the Agile process; `init` writes them for the
/// operator to adjust.
const DEFAULT_MAPPINGS: &str = r#"# Fields: Jira field id <-> Azure DevOps reference name (see tandem.example.toml for `convert`,
# `direction` and the other keys).
[[profile.field]]
jira = "summary"
ado = "System.Title"

[[profile.field]]
jira = "description"
ado = "System.Description"

[[profile.field]]
jira = "status"
ado = "System.State"

[[profile.field]]
jira = "priority"
ado = "Microsoft.VSTS.Common.Priority"

[[profile.field]]
jira = "assignee"
ado = "System.AssignedTo"

[[profile.field]]
jira = "labels"
ado = "System.Tags"

# Types and states below fit Jira's default workflow and Azure DevOps's Agile process:
# adjust them to your projects.
[[profile.type]]
jira = "Bug"
ado = "Bug"

[[profile.type]]
jira = "Story"
ado = "User Story"

[[profile.type]]
jira = "Task"
ado = "Task"

[[profile.state]]
jira = "To Do"
ado = "New"

[[profile.state]]
jira = "In Progress"
ado = "Active"

[[profile.state]]
jira = "Done"
ado = "Closed"
"#;

/// `existing` (possibly empty) with `profile` appended as a new `[[profile]]`.
pub fn append_profile(existing: &str, profile: &NewProfile) -> Result<String, EditError> {
    let block = render_profile(profile)?;
    let mut out = if existing.trim().is_empty() {
        NEW_CONFIG_HEADER.to_owned()
    } else {
        existing.to_owned()
    };
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&block);
    Ok(out)
}

/// `text` with the `token` of `profile`'s `side` replaced by `new`, every other byte unchanged.
pub fn replace_token(
    text: &str,
    profile: &str,
    side: Side,
    new: &SecretRef,
) -> Result<String, EditError> {
    let replacement = reference(new)?;
    let raw: RawConfig = toml::from_str(text).map_err(|_| EditError::Unparsable)?;
    let found = raw
        .profile
        .iter()
        .find(|p| {
            p.get_ref()
                .name
                .as_ref()
                .is_some_and(|n| n.get_ref().trim() == profile)
        })
        .ok_or_else(|| EditError::NoSuchProfile(profile.to_owned()))?;
    let token = match side {
        Side::Jira => found
            .get_ref()
            .jira
            .as_ref()
            .and_then(|j| j.get_ref().token.as_ref()),
        Side::Ado => found
            .get_ref()
            .ado
            .as_ref()
            .and_then(|a| a.get_ref().token.as_ref()),
    };
    let span = token
        .map(toml::Spanned::span)
        .ok_or_else(|| EditError::NoTokenKey {
            profile: profile.to_owned(),
            side,
        })?;
    let mut out = String::with_capacity(text.len() + replacement.len());
    out.push_str(&text[..span.start]);
    out.push_str(&replacement);
    out.push_str(&text[span.end..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_strings_for_toml() {
        assert_eq!(toml_string("plain"), "\"plain\"");
        assert_eq!(toml_string("Web\\Frontend"), "'Web\\Frontend'");
        assert_eq!(toml_string("it's\\x"), "\"it's\\\\x\"");
        assert_eq!(toml_string("a\"b\n"), "\"a\\\"b\\n\"");
        for value in ["Web\\Frontend", "it's\\x", "a\"b\n\u{1}", "é"] {
            let parsed: toml::Table =
                toml::from_str(&format!("v = {}", toml_string(value))).unwrap();
            assert_eq!(parsed["v"].as_str(), Some(value));
        }
    }

    #[test]
    fn replace_token_keeps_the_rest_of_the_file() {
        let text = "# keep me\n[[profile]]\nname = \"a\"\n[profile.jira]\ntoken = \"env:OLD\" # and me\n[profile.ado]\ntoken = \"env:ADO\"\n";
        let new = SecretRef::parse("file:/etc/tandem/a.token").unwrap();
        let out = replace_token(text, "a", Side::Jira, &new).unwrap();
        assert_eq!(
            out,
            text.replace("\"env:OLD\"", "\"file:/etc/tandem/a.token\"")
        );
        assert_eq!(
            replace_token(text, "b", Side::Jira, &new),
            Err(EditError::NoSuchProfile("b".into()))
        );
        let plaintext = SecretRef::parse("hunter2").unwrap();
        assert_eq!(
            replace_token(text, "a", Side::Ado, &plaintext),
            Err(EditError::Plaintext)
        );
    }
}
