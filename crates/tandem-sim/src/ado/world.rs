//! The simulated organisation (or on-premises collection): everything a scenario declares and
//! everything clients have changed since.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use uuid::Uuid;

use crate::common::clock::Clock;

use super::identity::{Group, Identity, IdentityIdx, Subject, TokenStore};
use super::process::{FieldRegistry, Process};
use super::tree::{Forest, NodeIdx, Perms, Structure};
use super::version::{ServerVersions, Version};
use super::workitem::WorkItem;

/// Which product the simulator impersonates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deployment {
    /// Azure DevOps Services (dev.azure.com).
    Services,
    /// Azure DevOps Server 2022 (REST up to 7.0).
    Server2022,
    /// Azure DevOps Server 2020 (REST up to 6.0).
    Server2020,
}

impl Deployment {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "services" | "cloud" | "hosted" => Some(Self::Services),
            "server-2022" | "server2022" => Some(Self::Server2022),
            "server-2020" | "server2020" => Some(Self::Server2020),
            _ => None,
        }
    }

    pub fn is_hosted(self) -> bool {
        self == Self::Services
    }

    /// The api-versions each flavour serves (ado-api.md §1, S21).
    pub fn versions(self) -> ServerVersions {
        match self {
            Self::Services => ServerVersions {
                max: Version::new(7, 2),
                released: Version::new(7, 1),
            },
            Self::Server2022 => ServerVersions {
                max: Version::new(7, 0),
                released: Version::new(7, 0),
            },
            Self::Server2020 => ServerVersions {
                max: Version::new(6, 0),
                released: Version::new(6, 0),
            },
        }
    }
}

#[derive(Debug, Clone)]
pub struct Organization {
    pub name: String,
    pub id: Uuid,
    pub deployment: Deployment,
    pub versions: ServerVersions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Reader,
    Contributor,
    Admin,
}

#[derive(Debug, Clone)]
pub struct Project {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub process: usize,
    pub area_root: NodeIdx,
    pub iteration_root: NodeIdx,
    pub members: Vec<(Subject, Role)>,
    /// Holders of "Bypass rules on work item updates".
    pub bypass_rules: Vec<Subject>,
    /// Holders of "Suppress notifications for work item updates".
    pub suppress_notifications: Vec<Subject>,
    pub team_id: Uuid,
    pub team_name: String,
    /// Every tag ever used in the project.
    pub tags: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Attachment {
    pub id: Uuid,
    pub project: u16,
    pub file_name: String,
    pub bytes: Bytes,
    pub uploaded_by: IdentityIdx,
    pub created: i64,
}

/// Knobs a scenario may turn.
#[derive(Debug, Clone)]
pub struct Limits {
    /// WIQL result cap (VS402337); 20,000 on the real service.
    pub wiql_max_results: usize,
    /// Bulk reads (`?ids=`, workitemsbatch); 200 on the real service.
    pub batch_max: usize,
    /// Answer unknown credentials with a 302 to the sign-in page instead of a 203 page.
    pub sign_in_redirect: bool,
    /// Service hooks: refuse http:// targets with basic auth and loopback targets, as the
    /// real service does. Off by default so tests can deliver to a local receiver.
    pub strict_hook_targets: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            wiql_max_results: 20_000,
            batch_max: 200,
            sign_in_redirect: false,
            strict_hook_targets: false,
        }
    }
}

/// A service hook subscription.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: Uuid,
    pub event_type: String,
    pub publisher_inputs: serde_json::Map<String, serde_json::Value>,
    pub consumer_inputs: serde_json::Map<String, serde_json::Value>,
    pub resource_version: String,
    pub created_by: IdentityIdx,
    pub created_date: i64,
    pub status: String,
}

#[derive(Debug, Clone)]
pub struct World {
    pub org: Organization,
    /// `http://host:port/{org}`, set when the server binds.
    pub base_url: String,
    pub identities: Vec<Identity>,
    by_name: HashMap<String, IdentityIdx>,
    pub groups: Vec<Group>,
    pub tokens: TokenStore,
    pub projects: Vec<Project>,
    pub fields: FieldRegistry,
    pub processes: Vec<Process>,
    pub forest: Forest,
    /// Work item `id` lives at index `id - 1`.
    pub items: Vec<WorkItem>,
    pub attachments: HashMap<Uuid, Attachment>,
    pub subscriptions: Vec<Subscription>,
    /// Shared with the server (`/_sim/clock/advance` moves it); every write takes a fresh,
    /// strictly later stamp, so `System.ChangedDate` strictly increases (sync-semantics §7).
    pub clock: Arc<Clock>,
    pub limits: Limits,
    pub next_comment_id: i32,
    /// Rendered IdentityRef per identity (they embed `base_url`; see [`World::set_base_url`]).
    pub identity_refs: Vec<serde_json::Value>,
}

impl World {
    pub fn new(
        org: Organization,
        fields: FieldRegistry,
        processes: Vec<Process>,
        clock: Arc<Clock>,
    ) -> Self {
        Self {
            base_url: format!("http://localhost/{}", org.name),
            org,
            identities: Vec::new(),
            by_name: HashMap::new(),
            groups: Vec::new(),
            tokens: TokenStore::default(),
            projects: Vec::new(),
            fields,
            processes,
            forest: Forest::default(),
            items: Vec::new(),
            attachments: HashMap::new(),
            subscriptions: Vec::new(),
            clock,
            limits: Limits::default(),
            next_comment_id: 0,
            identity_refs: Vec::new(),
        }
    }

    /// Set the URL clients reach the organisation at (once the server listens), and render
    /// what embeds it.
    pub fn set_base_url(&mut self, url: String) {
        self.base_url = url;
        self.identity_refs = Vec::new();
        let refs: Vec<serde_json::Value> = (0..self.identities.len())
            .filter_map(|i| IdentityIdx::try_from(i).ok())
            .map(|i| super::render::build_identity_ref(self, i))
            .collect();
        self.identity_refs = refs;
    }

    pub fn add_identity(&mut self, identity: Identity) -> IdentityIdx {
        let idx = IdentityIdx::try_from(self.identities.len()).unwrap_or(IdentityIdx::MAX);
        self.by_name
            .insert(identity.unique_name.to_ascii_lowercase(), idx);
        self.by_name
            .entry(identity.display_name.to_ascii_lowercase())
            .or_insert(idx);
        self.by_name.insert(identity.id.to_string(), idx);
        self.identities.push(identity);
        idx
    }

    /// Resolve an identity the ways the REST API accepts: `Name <email>`, email/UPN, display
    /// name, or id.
    pub fn find_identity(&self, text: &str) -> Option<IdentityIdx> {
        let text = text.trim();
        let key = match (text.rfind('<'), text.ends_with('>')) {
            (Some(open), true) => &text[open + 1..text.len() - 1],
            _ => text,
        };
        self.by_name.get(&key.trim().to_ascii_lowercase()).copied()
    }

    pub fn identity(&self, idx: IdentityIdx) -> &Identity {
        &self.identities[idx as usize]
    }

    pub fn find_group(&self, name: &str) -> Option<u32> {
        self.groups
            .iter()
            .position(|g| g.name.eq_ignore_ascii_case(name))
            .and_then(|i| u32::try_from(i).ok())
    }

    /// Whether an access-control subject covers `who`.
    pub fn subject_covers(&self, subject: Subject, who: IdentityIdx) -> bool {
        match subject {
            Subject::Identity(i) => i == who,
            Subject::Group(g) => self
                .groups
                .get(g as usize)
                .is_some_and(|g| g.members.contains(&who)),
        }
    }

    pub fn find_project(&self, name_or_id: &str) -> Option<usize> {
        self.projects.iter().position(|p| {
            p.name.eq_ignore_ascii_case(name_or_id)
                || p.id.to_string().eq_ignore_ascii_case(name_or_id)
        })
    }

    /// The highest project role `who` holds (org admins are admins everywhere).
    pub fn role(&self, who: IdentityIdx, project: usize) -> Option<Role> {
        if self.identity(who).org_admin {
            return Some(Role::Admin);
        }
        self.projects[project]
            .members
            .iter()
            .filter(|(s, _)| self.subject_covers(*s, who))
            .map(|(_, r)| *r)
            .max()
    }

    pub fn holds(&self, who: IdentityIdx, holders: &[Subject]) -> bool {
        self.identity(who).org_admin || holders.iter().any(|s| self.subject_covers(*s, who))
    }

    /// Effective area/iteration node permissions.
    pub fn node_perms(&self, who: IdentityIdx, node: NodeIdx) -> Perms {
        if self.identity(who).org_admin {
            return Perms::ALL;
        }
        let project = usize::from(self.forest.node(node).project);
        let default = match self.role(who, project) {
            None => Perms::NONE,
            Some(Role::Reader) => Perms::VIEW,
            Some(_) => Perms::ALL,
        };
        self.forest
            .effective(node, |s| self.subject_covers(s, who), default)
    }

    pub fn can_read(&self, who: IdentityIdx, item: &WorkItem) -> bool {
        !item.deleted && self.node_perms(who, item.area).contains(Perms::VIEW)
    }

    pub fn item(&self, id: i64) -> Option<&WorkItem> {
        let idx = usize::try_from(id).ok()?.checked_sub(1)?;
        self.items.get(idx).filter(|w| !w.deleted)
    }

    pub fn item_mut(&mut self, id: i64) -> Option<&mut WorkItem> {
        let idx = usize::try_from(id).ok()?.checked_sub(1)?;
        self.items.get_mut(idx).filter(|w| !w.deleted)
    }

    pub fn next_item_id(&self) -> i32 {
        i32::try_from(self.items.len() + 1).unwrap_or(i32::MAX)
    }

    pub fn process_of(&self, project: usize) -> &Process {
        &self.processes[self.projects[project].process]
    }

    pub fn area_node(&self, item_path: &str) -> Option<NodeIdx> {
        self.forest.find(Structure::Area, item_path)
    }

    pub fn iteration_node(&self, item_path: &str) -> Option<NodeIdx> {
        self.forest.find(Structure::Iteration, item_path)
    }

    /// Remember tags so `GET _apis/wit/tags` can list them.
    pub fn note_tags(&mut self, project: usize, tags: &str) {
        for tag in tags.split(';').map(str::trim).filter(|t| !t.is_empty()) {
            let known = &mut self.projects[project].tags;
            if !known.iter().any(|k| k.eq_ignore_ascii_case(tag)) {
                known.push(tag.to_owned());
            }
        }
    }

    /// The organisation-level URL clients use for links (`…/_apis/wit/workItems/{id}`).
    pub fn work_item_url(&self, id: i32) -> String {
        format!("{}/_apis/wit/workItems/{id}", self.base_url)
    }

    pub fn project_url_prefix(&self, project: usize) -> String {
        format!("{}/{}", self.base_url, self.projects[project].id)
    }
}

/// Parse a work item link URL back to an id (`…/_apis/wit/workItems/{id}`).
pub fn work_item_id_from_url(url: &str) -> Option<i64> {
    let lower = url.to_ascii_lowercase();
    let pos = lower.rfind("/_apis/wit/workitems/")?;
    url[pos + "/_apis/wit/workitems/".len()..]
        .split(['?', '/'])
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_urls_parse() {
        assert_eq!(
            work_item_id_from_url("https://dev.azure.com/demo/_apis/wit/workItems/42"),
            Some(42)
        );
        assert_eq!(
            work_item_id_from_url("http://h/demo/abc/_apis/wit/workitems/7?x=1"),
            Some(7)
        );
        assert_eq!(work_item_id_from_url("http://example.com/"), None);
    }
}
