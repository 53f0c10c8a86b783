//! Permission evaluation: permission schemes (permission -> holders), project roles, groups,
//! application access, and the Jira Service Management rule that agent work needs both the
//! JSM licence (application `jira-servicedesk`) and a grant (usually the Service Desk Team
//! role), while portal customers can only browse and comment (jira-api.md §6).

use super::spec::{AccountType, ProjectType};
use super::world::{Holder, Issue, Project, UserIx, World};

/// (key, id, name, description) of the project permissions the simulator knows.
pub(crate) const ALL: &[(&str, &str, &str, &str)] = &[
    (
        "ADD_COMMENTS",
        "15",
        "Add Comments",
        "Ability to comment on issues.",
    ),
    (
        "ADMINISTER_PROJECTS",
        "23",
        "Administer Projects",
        "Ability to administer a project in Jira.",
    ),
    (
        "ASSIGNABLE_USER",
        "17",
        "Assignable User",
        "Users with this permission may be assigned to issues.",
    ),
    (
        "ASSIGN_ISSUES",
        "13",
        "Assign Issues",
        "Ability to assign issues to other people.",
    ),
    (
        "BROWSE_PROJECTS",
        "10",
        "Browse Projects",
        "Ability to browse projects and the issues within them.",
    ),
    (
        "CLOSE_ISSUES",
        "18",
        "Close Issues",
        "Ability to close issues.",
    ),
    (
        "CREATE_ATTACHMENTS",
        "19",
        "Create Attachments",
        "Users with this permission may create attachments.",
    ),
    (
        "CREATE_ISSUES",
        "11",
        "Create Issues",
        "Ability to create issues.",
    ),
    (
        "DELETE_ALL_ATTACHMENTS",
        "38",
        "Delete All Attachments",
        "Users with this permission may delete all attachments.",
    ),
    (
        "DELETE_ALL_COMMENTS",
        "36",
        "Delete All Comments",
        "Ability to delete all comments made on issues.",
    ),
    (
        "DELETE_ISSUES",
        "16",
        "Delete Issues",
        "Ability to delete issues.",
    ),
    (
        "DELETE_OWN_ATTACHMENTS",
        "39",
        "Delete Own Attachments",
        "Users with this permission may delete own attachments.",
    ),
    (
        "DELETE_OWN_COMMENTS",
        "37",
        "Delete Own Comments",
        "Ability to delete own comments made on issues.",
    ),
    (
        "EDIT_ALL_COMMENTS",
        "34",
        "Edit All Comments",
        "Ability to edit all comments made on issues.",
    ),
    (
        "EDIT_ISSUES",
        "12",
        "Edit Issues",
        "Ability to edit issues.",
    ),
    (
        "EDIT_OWN_COMMENTS",
        "35",
        "Edit Own Comments",
        "Ability to edit own comments made on issues.",
    ),
    (
        "LINK_ISSUES",
        "21",
        "Link Issues",
        "Ability to link issues together and create linked issues.",
    ),
    (
        "MODIFY_REPORTER",
        "30",
        "Modify Reporter",
        "Ability to modify the reporter when creating or editing an issue.",
    ),
    (
        "MOVE_ISSUES",
        "25",
        "Move Issues",
        "Ability to move issues between projects or between workflows of the same project.",
    ),
    (
        "RESOLVE_ISSUES",
        "14",
        "Resolve Issues",
        "Ability to resolve and reopen issues.",
    ),
    (
        "SCHEDULE_ISSUES",
        "28",
        "Schedule Issues",
        "Ability to view or edit an issue's due date.",
    ),
    (
        "SERVICEDESK_AGENT",
        "10100",
        "Service Desk Agent",
        "Allows users to interact with customers and access Jira Service Management features.",
    ),
    (
        "SET_ISSUE_SECURITY",
        "26",
        "Set Issue Security",
        "Ability to set the level of security on an issue.",
    ),
    (
        "TRANSITION_ISSUES",
        "46",
        "Transition Issues",
        "Ability to transition issues.",
    ),
    (
        "WORK_ON_ISSUES",
        "20",
        "Work On Issues",
        "Ability to log work done against an issue.",
    ),
];

/// Global permissions reported by mypermissions.
pub(crate) const GLOBAL: &[(&str, &str, &str, &str)] = &[
    (
        "ADMINISTER",
        "0",
        "Administer Jira",
        "Create and administer projects, issue types, fields, workflows, and schemes for all projects.",
    ),
    (
        "USER_PICKER",
        "27",
        "Browse users and groups",
        "View and select users or groups from the user picker.",
    ),
];

/// Permissions a JSM portal customer (no agent licence) can hold in a service project.
const CUSTOMER_PERMS: &[&str] = &["BROWSE_PROJECTS", "ADD_COMMENTS", "CREATE_ATTACHMENTS"];

pub(crate) fn is_known(key: &str) -> bool {
    ALL.iter().any(|p| p.0 == key) || GLOBAL.iter().any(|p| p.0 == key)
}

impl World {
    fn in_role(&self, user: UserIx, project: &Project, role: &str) -> bool {
        project.roles.iter().filter(|r| r.name == role).any(|r| {
            r.members.iter().any(|m| match m {
                Holder::User(u) => *u == user,
                Holder::Group(g) => self.users[user].groups.contains(g),
                Holder::Anyone | Holder::LoggedIn => true,
                _ => false,
            })
        })
    }

    fn holder_matches(
        &self,
        h: &Holder,
        user: Option<UserIx>,
        project: &Project,
        issue: Option<&Issue>,
    ) -> bool {
        match (h, user) {
            (Holder::Anyone, _) => true,
            (_, None) => false,
            (Holder::LoggedIn, Some(_)) => true,
            (Holder::User(x), Some(u)) => *x == u,
            (Holder::Group(g), Some(u)) => self.users[u].groups.contains(g),
            (Holder::Role(r), Some(u)) => self.in_role(u, project, r),
            (Holder::Reporter, Some(u)) => issue.is_some_and(|i| i.reporter == Some(u)),
            (Holder::Assignee, Some(u)) => issue.is_some_and(|i| i.assignee == Some(u)),
            (Holder::Lead, Some(u)) => project.lead == u,
        }
    }

    /// Whether `user` (None = anonymous) holds `perm` in `project` (for `issue`, if given).
    pub(crate) fn has_perm(
        &self,
        user: Option<UserIx>,
        project: usize,
        perm: &str,
        issue: Option<&Issue>,
    ) -> bool {
        let p = &self.projects[project];
        if let Some(u) = user {
            let usr = &self.users[u];
            if !usr.active {
                return false;
            }
            let licensed_jsm = usr.applications.iter().any(|a| a == "jira-servicedesk");
            if p.kind == ProjectType::ServiceDesk
                && (!licensed_jsm || usr.account_type == AccountType::Customer)
            {
                // Customers reach a service project through the portal only.
                if !CUSTOMER_PERMS.contains(&perm) {
                    return false;
                }
            } else if p.kind != ProjectType::ServiceDesk
                && (usr.applications.is_empty() || usr.account_type == AccountType::Customer)
            {
                // No product access to Jira at all.
                return false;
            }
            if perm == "ADMINISTER_PROJECTS" && self.is_admin(user) {
                return true;
            }
        }
        p.scheme
            .get(perm)
            .is_some_and(|hs| hs.iter().any(|h| self.holder_matches(h, user, p, issue)))
    }

    /// Project visible: browse or administer it, or administer Jira.
    pub(crate) fn can_see_project(&self, user: Option<UserIx>, project: usize) -> bool {
        self.has_perm(user, project, "BROWSE_PROJECTS", None)
            || self.has_perm(user, project, "ADMINISTER_PROJECTS", None)
    }

    pub(crate) fn can_see_issue(&self, user: Option<UserIx>, issue: &Issue) -> bool {
        self.has_perm(user, issue.project, "BROWSE_PROJECTS", Some(issue))
    }

    /// Whether a comment's visibility restriction lets `user` read it.
    pub(crate) fn can_see_comment(
        &self,
        user: Option<UserIx>,
        project: usize,
        visibility: Option<&(String, String)>,
    ) -> bool {
        match visibility {
            None => true,
            Some((kind, value)) => user.is_some_and(|u| match kind.as_str() {
                "group" => self.users[u].groups.iter().any(|g| g == value),
                _ => self.in_role(u, &self.projects[project], value),
            }),
        }
    }
}
