//! What a profile needs from each side, read from its configuration: which Jira permissions
//! in each project (the article's Browse Projects, Create Issues, Edit Issues, and the rest
//! of TFS4JIRA's list as the profile uses them), which issue and work item types tandem
//! creates, which fields it writes.

use tandem_config::{Profile, Side, writes_to};

use crate::evidence::JiraNeeds;

/// Browse Projects: to see the project at all.
pub const BROWSE_PROJECTS: &str = "BROWSE_PROJECTS";
/// Create Issues.
pub const CREATE_ISSUES: &str = "CREATE_ISSUES";
/// Jira Service Management agent.
pub const SERVICEDESK_AGENT: &str = "SERVICEDESK_AGENT";

/// The Jira side's needs. Reading needs Browse Projects; writing into Jira needs Create and
/// Edit Issues, Add Comments, Create Attachments and Link Issues (comments, attachments and
/// links always sync), Transition Issues when the state is mapped, and Assign Issues / Modify
/// Reporter when those fields are mapped into Jira.
pub fn jira_needs(profile: &Profile) -> JiraNeeds {
    let writes = writes_to(profile.direction, Side::Jira);
    let mut permissions = vec![BROWSE_PROJECTS.to_owned()];
    let mut fields: Vec<String> = Vec::new();
    let mut issue_types: Vec<String> = Vec::new();
    let mut states = false;
    if writes {
        for f in &profile.mapping.fields {
            let into_jira = f
                .direction
                .and(profile.direction)
                .is_some_and(|d| writes_to(d, Side::Jira));
            if !into_jira {
                continue;
            }
            if f.is_state() {
                // A state is written as a transition, not as a field on a screen.
                states = true;
            } else if !fields.contains(&f.jira) {
                fields.push(f.jira.clone());
            }
        }
        permissions.extend([CREATE_ISSUES, "EDIT_ISSUES"].map(str::to_owned));
        if states {
            permissions.push("TRANSITION_ISSUES".to_owned());
        }
        permissions
            .extend(["ADD_COMMENTS", "CREATE_ATTACHMENTS", "LINK_ISSUES"].map(str::to_owned));
        if fields.iter().any(|f| f == "assignee") {
            permissions.push("ASSIGN_ISSUES".to_owned());
        }
        if fields.iter().any(|f| f == "reporter") {
            permissions.push("MODIFY_REPORTER".to_owned());
        }
        for pair in &profile.mapping.types {
            if !issue_types.contains(&pair.jira) {
                issue_types.push(pair.jira.clone());
            }
        }
    }
    JiraNeeds {
        projects: profile.jira.projects.clone(),
        permissions,
        issue_types,
        fields,
    }
}

/// The Azure DevOps work item types tandem creates, and whether it writes there at all.
pub fn ado_needs(profile: &Profile) -> (Vec<String>, bool) {
    let writes = writes_to(profile.direction, Side::Ado);
    let mut types: Vec<String> = Vec::new();
    if writes {
        for pair in &profile.mapping.types {
            if !types.contains(&pair.ado) {
                types.push(pair.ado.clone());
            }
        }
    }
    (types, writes)
}
