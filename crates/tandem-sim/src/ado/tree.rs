//! Area and iteration trees (classification nodes) with per-node permissions.
//!
//! Path formats (sync-semantics.md §7): a work item field holds `Project\Web\Sub`; the node's
//! own `path` is `\Project\Area\Web\Sub` (leading backslash, structure segment).

use std::collections::HashMap;

use uuid::Uuid;

use super::identity::Subject;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Structure {
    Area,
    Iteration,
}

impl Structure {
    pub fn rest_name(self) -> &'static str {
        match self {
            Self::Area => "area",
            Self::Iteration => "iteration",
        }
    }

    /// The segment used in node paths and the `structureGroup` route value.
    pub fn segment(self) -> &'static str {
        match self {
            Self::Area => "Area",
            Self::Iteration => "Iteration",
        }
    }

    pub fn from_group(group: &str) -> Option<Self> {
        match group.to_ascii_lowercase().as_str() {
            "areas" | "area" => Some(Self::Area),
            "iterations" | "iteration" => Some(Self::Iteration),
            _ => None,
        }
    }
}

/// Node permissions ("View work items in this node", "Edit work items in this node").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Perms(u8);

impl Perms {
    pub const NONE: Self = Self(0);
    pub const VIEW: Self = Self(1);
    pub const EDIT: Self = Self(2);
    pub const ALL: Self = Self(3);

    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "view" | "read" => Some(Self::VIEW),
            "edit" | "write" => Some(Self::EDIT),
            _ => None,
        }
    }

    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn intersects(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }
}

/// One access-control entry on a node. Deny wins over allow on the same node; the nearest
/// node with an entry for a permission decides it (inheritance down the tree).
#[derive(Debug, Clone)]
pub struct Ace {
    pub subject: Subject,
    pub allow: Perms,
    pub deny: Perms,
}

pub type NodeIdx = u32;

#[derive(Debug, Clone)]
pub struct Node {
    pub id: i32,
    pub identifier: Uuid,
    pub name: String,
    pub structure: Structure,
    pub project: u16,
    pub parent: Option<NodeIdx>,
    pub children: Vec<NodeIdx>,
    /// Iteration dates (ms since the epoch).
    pub start: Option<i64>,
    pub finish: Option<i64>,
    pub acl: Vec<Ace>,
    /// The work item field form: `Project\Web\Sub`.
    pub item_path: String,
}

/// All nodes of the organisation.
#[derive(Debug, Clone, Default)]
pub struct Forest {
    pub nodes: Vec<Node>,
    by_path: HashMap<(Structure, String), NodeIdx>,
    by_id: HashMap<i32, NodeIdx>,
    next_id: i32,
}

impl Forest {
    /// Add the root node of a project's tree.
    pub fn add_root(&mut self, project: u16, project_name: &str, structure: Structure) -> NodeIdx {
        self.push(project, None, project_name, structure, project_name)
    }

    fn push(
        &mut self,
        project: u16,
        parent: Option<NodeIdx>,
        name: &str,
        structure: Structure,
        item_path: &str,
    ) -> NodeIdx {
        self.next_id += 1;
        let idx = NodeIdx::try_from(self.nodes.len()).unwrap_or(NodeIdx::MAX);
        let id = self.next_id;
        self.nodes.push(Node {
            id,
            identifier: super::identity::stable_uuid(structure.segment(), item_path),
            name: name.to_owned(),
            structure,
            project,
            parent,
            children: Vec::new(),
            start: None,
            finish: None,
            acl: Vec::new(),
            item_path: item_path.to_owned(),
        });
        if let Some(p) = parent {
            self.nodes[p as usize].children.push(idx);
        }
        self.by_path
            .insert((structure, item_path.to_ascii_lowercase()), idx);
        self.by_id.insert(id, idx);
        idx
    }

    /// Make sure every node of `relative` (`Web\Frontend` or `Web/Frontend`) exists under
    /// `root`; returns the deepest.
    pub fn ensure_path(&mut self, root: NodeIdx, relative: &str) -> Result<NodeIdx, String> {
        let mut cur = root;
        for seg in relative.split(['\\', '/']).filter(|s| !s.is_empty()) {
            validate_name(seg)?;
            let existing = self.nodes[cur as usize]
                .children
                .iter()
                .copied()
                .find(|&c| self.nodes[c as usize].name.eq_ignore_ascii_case(seg));
            cur = match existing {
                Some(c) => c,
                None => {
                    let parent = &self.nodes[cur as usize];
                    let path = format!("{}\\{seg}", parent.item_path);
                    let (project, structure) = (parent.project, parent.structure);
                    self.push(project, Some(cur), seg, structure, &path)
                }
            };
        }
        Ok(cur)
    }

    /// Find a node by its work item path (`Project\Web`), case-insensitively.
    pub fn find(&self, structure: Structure, item_path: &str) -> Option<NodeIdx> {
        let normalized = item_path.trim_matches('\\').replace('/', "\\");
        self.by_path
            .get(&(structure, normalized.to_ascii_lowercase()))
            .copied()
    }

    pub fn find_id(&self, id: i32) -> Option<NodeIdx> {
        self.by_id.get(&id).copied()
    }

    pub fn node(&self, idx: NodeIdx) -> &Node {
        &self.nodes[idx as usize]
    }

    pub fn node_mut(&mut self, idx: NodeIdx) -> &mut Node {
        &mut self.nodes[idx as usize]
    }

    /// The node's REST `path`: `\Project\Area\Web`.
    pub fn rest_path(&self, idx: NodeIdx) -> String {
        let node = self.node(idx);
        let mut parts = node.item_path.splitn(2, '\\');
        let project = parts.next().unwrap_or_default();
        match parts.next() {
            Some(rest) => format!("\\{project}\\{}\\{rest}", node.structure.segment()),
            None => format!("\\{project}\\{}", node.structure.segment()),
        }
    }

    /// Whether `node` is `ancestor` or below it.
    pub fn is_under(&self, node: NodeIdx, ancestor: NodeIdx) -> bool {
        let mut cur = Some(node);
        while let Some(c) = cur {
            if c == ancestor {
                return true;
            }
            cur = self.node(c).parent;
        }
        false
    }

    /// Effective permissions on `node` for someone matched by `applies`, with `default`
    /// for what nobody set explicitly anywhere up the tree.
    pub fn effective(
        &self,
        node: NodeIdx,
        applies: impl Fn(Subject) -> bool,
        default: Perms,
    ) -> Perms {
        let mut decided = Perms::NONE;
        let mut granted = Perms::NONE;
        let mut cur = Some(node);
        while let Some(c) = cur {
            let n = self.node(c);
            let (mut allow, mut deny) = (Perms::NONE, Perms::NONE);
            for ace in n.acl.iter().filter(|a| applies(a.subject)) {
                allow = allow.union(ace.allow);
                deny = deny.union(ace.deny);
            }
            for bit in [Perms::VIEW, Perms::EDIT] {
                if decided.contains(bit) {
                    continue;
                }
                if deny.contains(bit) {
                    decided = decided.union(bit);
                } else if allow.contains(bit) {
                    decided = decided.union(bit);
                    granted = granted.union(bit);
                }
            }
            cur = n.parent;
        }
        for bit in [Perms::VIEW, Perms::EDIT] {
            if !decided.contains(bit) && default.contains(bit) {
                granted = granted.union(bit);
            }
        }
        granted
    }
}

/// Classification node naming restrictions (azure-devops-docs naming-restrictions).
pub fn validate_name(name: &str) -> Result<(), String> {
    const BAD: &[char] = &[
        '\\', '/', '$', '?', '*', ':', '"', '&', '>', '<', '#', '%', '|', '+',
    ];
    if name.trim().is_empty() || name.len() > 255 || name.contains(BAD) {
        return Err(format!(
            "'{name}' is not a valid area or iteration name: names cannot be empty, longer than 255 characters, or contain \\ / $ ? * : \" & > < # % | +"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forest() -> (Forest, NodeIdx, NodeIdx, NodeIdx) {
        let mut f = Forest::default();
        let root = f.add_root(0, "Demo", Structure::Area);
        let web = f.ensure_path(root, "Web").unwrap();
        let front = f.ensure_path(root, "Web\\Frontend").unwrap();
        (f, root, web, front)
    }

    #[test]
    fn paths_in_both_forms() {
        let (f, root, web, front) = forest();
        assert_eq!(f.node(front).item_path, "Demo\\Web\\Frontend");
        assert_eq!(f.rest_path(front), "\\Demo\\Area\\Web\\Frontend");
        assert_eq!(f.rest_path(root), "\\Demo\\Area");
        assert_eq!(f.find(Structure::Area, "demo\\WEB"), Some(web));
        assert_eq!(f.find(Structure::Area, "Demo/Web/Frontend"), Some(front));
        assert!(f.is_under(front, web));
        assert!(!f.is_under(web, front));
        assert_eq!(f.node(root).children, vec![web]);
    }

    #[test]
    fn deny_is_inherited_and_wins_over_default() {
        let (mut f, _root, web, front) = forest();
        let me = Subject::Identity(1);
        f.node_mut(web).acl.push(Ace {
            subject: me,
            allow: Perms::NONE,
            deny: Perms::EDIT,
        });
        let mine = |s: Subject| s == me;
        assert_eq!(f.effective(front, mine, Perms::ALL), Perms::VIEW);
        // An explicit allow nearer the item overrides the inherited deny.
        f.node_mut(front).acl.push(Ace {
            subject: me,
            allow: Perms::EDIT,
            deny: Perms::NONE,
        });
        assert_eq!(f.effective(front, mine, Perms::ALL), Perms::ALL);
        // Someone else keeps the default.
        assert_eq!(
            f.effective(web, |s| s == Subject::Identity(2), Perms::VIEW),
            Perms::VIEW
        );
    }

    #[test]
    fn bad_names_are_refused() {
        let (mut f, root, _, _) = forest();
        assert!(f.ensure_path(root, "Web\\a*b").is_err());
    }
}
