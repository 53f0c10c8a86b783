//! Work items with their full revision history, relations and comments.
//!
//! Memory matters (100k items must fit comfortably): an item keeps its current fields as a
//! sorted vector of (field index, compact value), and each revision keeps only the *previous*
//! values of the fields it changed (an undo record). Any revision's snapshot is rebuilt by
//! undoing from the current state; updates (old/new pairs) fall out of the same walk.

use serde_json::{Map, Value};

use super::identity::IdentityIdx;
use super::process::FieldIdx;

/// A stored field value.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// Shared: bulk-generated items point at one copy of each repeated value (state, area
    /// path, type...), which keeps 100k items small.
    Str(std::sync::Arc<str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Milliseconds since the epoch.
    Date(i64),
    Identity(IdentityIdx),
}

impl FieldValue {
    pub fn str(s: impl Into<std::sync::Arc<str>>) -> Self {
        Self::Str(s.into())
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Int(i) => Some(*i),
            Self::Float(f) if f.fract() == 0.0 => format!("{f}").parse().ok(),
            _ => None,
        }
    }
}

/// A link from a work item (`WorkItemRelation`).
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    pub rel: String,
    pub url: String,
    pub attributes: Map<String, Value>,
}

/// Relation changes made in one revision.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RelationDelta {
    pub added: Vec<Relation>,
    pub removed: Vec<Relation>,
    /// (before, after)
    pub updated: Vec<(Relation, Relation)>,
}

impl RelationDelta {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.updated.is_empty()
    }
}

/// One revision: who, when, and how to undo it.
#[derive(Debug, Clone)]
pub struct Revision {
    pub by: IdentityIdx,
    pub date: i64,
    /// Previous values of the fields this revision changed (`None`: the field was empty).
    /// Empty for revision 1, whose "previous" state is nothing at all.
    pub undo: Vec<(FieldIdx, Option<FieldValue>)>,
    pub relations: Option<Box<RelationDelta>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentFormat {
    Html,
    Markdown,
}

impl CommentFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Html => "html",
            Self::Markdown => "markdown",
        }
    }
}

#[derive(Debug, Clone)]
pub struct CommentVersion {
    pub text: String,
    pub by: IdentityIdx,
    pub date: i64,
}

#[derive(Debug, Clone)]
pub struct Comment {
    pub id: i32,
    pub format: CommentFormat,
    pub created_by: IdentityIdx,
    pub created_date: i64,
    /// Every text the comment has had; the last is current.
    pub versions: Vec<CommentVersion>,
    pub deleted: bool,
    pub created_in_rev: i32,
}

impl Comment {
    pub fn current(&self) -> &CommentVersion {
        // Invariant: a comment is created with its first version and versions are only
        // ever appended.
        &self.versions[self.versions.len() - 1]
    }
}

#[derive(Debug, Clone)]
pub struct WorkItem {
    pub id: i32,
    pub project: u16,
    pub type_idx: u16,
    /// The item's area and iteration nodes (kept in step with System.AreaPath and
    /// System.IterationPath so permission checks need no path lookup).
    pub area: u32,
    pub iteration: u32,
    /// Current values, sorted by field index.
    pub fields: Vec<(FieldIdx, FieldValue)>,
    pub relations: Vec<Relation>,
    pub revisions: Vec<Revision>,
    pub comments: Vec<Comment>,
    pub deleted: bool,
}

/// A full state of an item's fields and relations at some revision.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub rev: i32,
    pub fields: Vec<(FieldIdx, FieldValue)>,
    pub relations: Vec<Relation>,
    pub by: IdentityIdx,
    pub date: i64,
}

impl Snapshot {
    pub fn get(&self, field: FieldIdx) -> Option<&FieldValue> {
        get_sorted(&self.fields, field)
    }
}

pub fn get_sorted(fields: &[(FieldIdx, FieldValue)], field: FieldIdx) -> Option<&FieldValue> {
    fields
        .binary_search_by_key(&field, |(f, _)| *f)
        .ok()
        .map(|i| &fields[i].1)
}

/// Set (or clear, with `None`) a field in a sorted field vector; returns the old value.
pub fn set_sorted(
    fields: &mut Vec<(FieldIdx, FieldValue)>,
    field: FieldIdx,
    value: Option<FieldValue>,
) -> Option<FieldValue> {
    match (fields.binary_search_by_key(&field, |(f, _)| *f), value) {
        (Ok(i), Some(v)) => Some(std::mem::replace(&mut fields[i].1, v)),
        (Ok(i), None) => Some(fields.remove(i).1),
        (Err(i), Some(v)) => {
            fields.insert(i, (field, v));
            None
        }
        (Err(_), None) => None,
    }
}

impl WorkItem {
    pub fn rev(&self) -> i32 {
        i32::try_from(self.revisions.len()).unwrap_or(i32::MAX)
    }

    pub fn get(&self, field: FieldIdx) -> Option<&FieldValue> {
        get_sorted(&self.fields, field)
    }

    pub fn live_comment_count(&self) -> usize {
        self.comments.iter().filter(|c| !c.deleted).count()
    }

    /// Record a new revision that turns the current state into `fields`/`relations`.
    pub fn commit(
        &mut self,
        fields: Vec<(FieldIdx, FieldValue)>,
        relations: Vec<Relation>,
        by: IdentityIdx,
        date: i64,
    ) {
        let first = self.revisions.is_empty();
        let undo = if first {
            Vec::new()
        } else {
            diff_undo(&self.fields, &fields)
        };
        let delta = diff_relations(&self.relations, &relations);
        self.fields = fields;
        self.fields.shrink_to_fit();
        self.relations = relations;
        if self.revisions.is_empty() {
            // Most items never change: no room for more revisions until one comes.
            self.revisions.reserve_exact(1);
        }
        self.revisions.push(Revision {
            by,
            date,
            undo,
            relations: (!delta.is_empty()).then(|| Box::new(delta)),
        });
    }

    /// Every revision's full state, oldest first.
    pub fn snapshots(&self) -> Vec<Snapshot> {
        let mut out = Vec::with_capacity(self.revisions.len());
        let mut fields = self.fields.clone();
        let mut relations = self.relations.clone();
        for (i, r) in self.revisions.iter().enumerate().rev() {
            out.push(Snapshot {
                rev: i32::try_from(i + 1).unwrap_or(i32::MAX),
                fields: fields.clone(),
                relations: relations.clone(),
                by: r.by,
                date: r.date,
            });
            for (f, old) in &r.undo {
                set_sorted(&mut fields, *f, old.clone());
            }
            if let Some(delta) = &r.relations {
                undo_relations(&mut relations, delta);
            }
        }
        out.reverse();
        out
    }

    /// The state at `rev` (1-based); `None` when out of range.
    pub fn snapshot_at(&self, rev: i32) -> Option<Snapshot> {
        let idx = usize::try_from(rev).ok()?.checked_sub(1)?;
        if idx >= self.revisions.len() {
            return None;
        }
        // Undo only as far as needed.
        let mut fields = self.fields.clone();
        let mut relations = self.relations.clone();
        for r in self.revisions[idx + 1..].iter().rev() {
            for (f, old) in &r.undo {
                set_sorted(&mut fields, *f, old.clone());
            }
            if let Some(delta) = &r.relations {
                undo_relations(&mut relations, delta);
            }
        }
        let r = &self.revisions[idx];
        Some(Snapshot {
            rev,
            fields,
            relations,
            by: r.by,
            date: r.date,
        })
    }

    /// The state as of a point in time (the latest revision at or before `at`).
    pub fn snapshot_as_of(&self, at: i64) -> Option<Snapshot> {
        let count = self.revisions.iter().take_while(|r| r.date <= at).count();
        self.snapshot_at(i32::try_from(count).ok()?)
    }
}

fn diff_undo(
    old: &[(FieldIdx, FieldValue)],
    new: &[(FieldIdx, FieldValue)],
) -> Vec<(FieldIdx, Option<FieldValue>)> {
    let mut undo = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        match (old.get(i), new.get(j)) {
            (Some((fo, vo)), Some((fn_, vn))) if fo == fn_ => {
                if vo != vn {
                    undo.push((*fo, Some(vo.clone())));
                }
                i += 1;
                j += 1;
            }
            (Some((fo, vo)), Some((fn_, _))) if fo < fn_ => {
                undo.push((*fo, Some(vo.clone())));
                i += 1;
            }
            (Some((fo, vo)), None) => {
                undo.push((*fo, Some(vo.clone())));
                i += 1;
            }
            (_, Some((fn_, _))) => {
                undo.push((*fn_, None));
                j += 1;
            }
            (None, None) => break,
        }
    }
    undo
}

fn diff_relations(old: &[Relation], new: &[Relation]) -> RelationDelta {
    let mut delta = RelationDelta::default();
    let key = |r: &Relation| (r.rel.to_ascii_lowercase(), r.url.to_ascii_lowercase());
    for n in new {
        match old.iter().find(|o| key(o) == key(n)) {
            None => delta.added.push(n.clone()),
            Some(o) if o != n => delta.updated.push((o.clone(), n.clone())),
            Some(_) => {}
        }
    }
    for o in old {
        if !new.iter().any(|n| key(n) == key(o)) {
            delta.removed.push(o.clone());
        }
    }
    delta
}

fn undo_relations(relations: &mut Vec<Relation>, delta: &RelationDelta) {
    relations.retain(|r| !delta.added.contains(r));
    for (before, after) in &delta.updated {
        if let Some(r) = relations.iter_mut().find(|r| *r == after) {
            *r = before.clone();
        }
    }
    relations.extend(delta.removed.iter().cloned());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> WorkItem {
        WorkItem {
            id: 1,
            project: 0,
            type_idx: 0,
            area: 0,
            iteration: 0,
            fields: Vec::new(),
            relations: Vec::new(),
            revisions: Vec::new(),
            comments: Vec::new(),
            deleted: false,
        }
    }

    fn rel(url: &str, comment: &str) -> Relation {
        let mut attributes = Map::new();
        attributes.insert("comment".into(), Value::String(comment.into()));
        Relation {
            rel: "Hyperlink".into(),
            url: url.into(),
            attributes,
        }
    }

    #[test]
    fn snapshots_rebuild_every_revision() {
        let mut wi = item();
        wi.commit(
            vec![(1, FieldValue::str("a")), (3, FieldValue::Int(1))],
            vec![],
            0,
            10,
        );
        wi.commit(
            vec![(1, FieldValue::str("b")), (3, FieldValue::Int(1))],
            vec![rel("http://x", "one")],
            1,
            20,
        );
        wi.commit(
            vec![(2, FieldValue::Bool(true)), (3, FieldValue::Int(1))],
            vec![rel("http://x", "two")],
            0,
            30,
        );
        assert_eq!(wi.rev(), 3);
        let snaps = wi.snapshots();
        assert_eq!(snaps.len(), 3);
        assert_eq!(snaps[0].get(1), Some(&FieldValue::str("a")));
        assert!(snaps[0].relations.is_empty());
        assert_eq!(snaps[1].get(1), Some(&FieldValue::str("b")));
        assert_eq!(snaps[1].relations, vec![rel("http://x", "one")]);
        assert_eq!(snaps[2].get(1), None);
        assert_eq!(snaps[2].get(2), Some(&FieldValue::Bool(true)));
        assert_eq!(wi.snapshot_at(2).unwrap(), snaps[1]);
        assert_eq!(wi.snapshot_as_of(25).unwrap().rev, 2);
        assert!(wi.snapshot_as_of(5).is_none());
        assert!(wi.snapshot_at(4).is_none());
        // The first revision stores no undo data at all.
        assert!(wi.revisions[0].undo.is_empty());
        // Revision 3 updated the relation in place.
        let delta = wi.revisions[2].relations.as_ref().unwrap();
        assert_eq!(delta.updated.len(), 1);
    }

    #[test]
    fn set_sorted_keeps_order() {
        let mut f = Vec::new();
        set_sorted(&mut f, 5, Some(FieldValue::Int(5)));
        set_sorted(&mut f, 1, Some(FieldValue::Int(1)));
        set_sorted(&mut f, 3, Some(FieldValue::Int(3)));
        assert_eq!(f.iter().map(|(k, _)| *k).collect::<Vec<_>>(), [1, 3, 5]);
        assert_eq!(set_sorted(&mut f, 3, None), Some(FieldValue::Int(3)));
        assert_eq!(get_sorted(&f, 3), None);
    }
}
