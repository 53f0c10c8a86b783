//! Wording shared by the rules: permission names as Jira's UI shows them, what tandem needs
//! each for, and where tokens are made.

use crate::finding::Side;

/// Atlassian account security page, where Cloud API tokens are made (jira-api.md §8).
pub(crate) const CLOUD_TOKEN_PAGE: &str =
    "https://id.atlassian.com/manage-profile/security/api-tokens";

/// Jira's display name of a permission key.
pub(crate) fn permission_name(key: &str) -> &str {
    match key {
        "BROWSE_PROJECTS" => "Browse Projects",
        "CREATE_ISSUES" => "Create Issues",
        "EDIT_ISSUES" => "Edit Issues",
        "TRANSITION_ISSUES" => "Transition Issues",
        "ADD_COMMENTS" => "Add Comments",
        "CREATE_ATTACHMENTS" => "Create Attachments",
        "LINK_ISSUES" => "Link Issues",
        "ASSIGN_ISSUES" => "Assign Issues",
        "MODIFY_REPORTER" => "Modify Reporter",
        "SERVICEDESK_AGENT" => "Service Desk Agent",
        other => other,
    }
}

/// What tandem does with a permission, for "tandem needs it to ...".
pub(crate) fn permission_purpose(key: &str) -> &'static str {
    match key {
        "BROWSE_PROJECTS" => "see the project and read its issues",
        "CREATE_ISSUES" => "create the counterparts of Azure DevOps work items",
        "EDIT_ISSUES" => "carry field changes over and keep its link marker on each issue",
        "TRANSITION_ISSUES" => "carry state changes over (the profile maps states)",
        "ADD_COMMENTS" => "copy comments",
        "CREATE_ATTACHMENTS" => "copy attachments",
        "LINK_ISSUES" => "copy links between items",
        "ASSIGN_ISSUES" => "set the assignee (the profile maps it)",
        "MODIFY_REPORTER" => "set the reporter (the profile maps it)",
        _ => "sync",
    }
}

/// The article's manual test for a permission ("Validate permissions directly in Jira").
pub(crate) fn manual_test(key: &str) -> &'static str {
    match key {
        "BROWSE_PROJECTS" => "open the project",
        "CREATE_ISSUES" => "create an issue (the project must appear in the Create dialog)",
        "EDIT_ISSUES" => "edit an issue's summary",
        "TRANSITION_ISSUES" => "move an issue to another status",
        "ADD_COMMENTS" => "add a comment",
        "CREATE_ATTACHMENTS" => "attach a file",
        "LINK_ISSUES" => "link two issues",
        "ASSIGN_ISSUES" => "change an issue's assignee",
        "MODIFY_REPORTER" => "change an issue's reporter",
        _ => "try the operation",
    }
}

/// Where a side's tokens are made, as a hint in fix steps.
pub(crate) fn token_page_hint(side: Side) -> &'static str {
    match side {
        Side::Jira => {
            "Jira Cloud: https://id.atlassian.com/manage-profile/security/api-tokens; Data \
             Center: your profile > Personal Access Tokens"
        }
        Side::Ado => "User settings > Personal access tokens",
    }
}

/// The list `a, b and c`.
pub(crate) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
