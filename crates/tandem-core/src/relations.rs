//! Relations between items (parent, blocks, duplicates, related), synced as a set per linked
//! pair with a three-way merge per relation, like fields.
//!
//! A relation is seen from both of its items (Jira lists "blocks" on one issue and "is
//! blocked by" on the other; ADO adds the reverse link by itself), so each is planned from one
//! holder only: the child for parent/child, the blocker, the duplicate, and the lower Jira id
//! for "related". Only relations whose other item is linked too can be synced; they are kept
//! in Jira's ids (`kind:jira-id`) in the pair's baseline under [`RELATIONS_BASELINE`].

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::item::{ItemLink, LinkKind, LinkRef, natural_cmp};
use crate::mapping::Direction;
use crate::plan::Baseline;
use crate::side::Side;
use crate::value::FieldValue;

/// The baseline name under which a pair's relations are kept (not a valid mapping name).
pub const RELATIONS_BASELINE: &str = "@relations";

/// What the planner needs to sync a pair's relations: the other items' links.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationState {
    /// For the other items named in either side's relations: Jira id to ADO id, for those
    /// that are linked. Relations to unlinked items are left alone.
    pub counterparts: BTreeMap<String, String>,
}

/// One relation, seen from its holder, in Jira's ids.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Relation {
    /// The kind, from the holder's side (`Parent`, `Blocks`, `Duplicates` or `Related`).
    pub kind: LinkKind,
    /// The other item's Jira id.
    pub other: String,
}

impl Relation {
    fn encode(&self) -> String {
        let kind = match &self.kind {
            LinkKind::Parent => "parent",
            LinkKind::Blocks => "blocks",
            LinkKind::Duplicates => "duplicates",
            LinkKind::Related => "related",
            // Never built: `canonical` keeps only the four kinds above.
            _ => "other",
        };
        format!("{kind}:{}", self.other)
    }

    fn decode(s: &str) -> Option<Relation> {
        let (kind, other) = s.split_once(':')?;
        let kind = match kind {
            "parent" => LinkKind::Parent,
            "blocks" => LinkKind::Blocks,
            "duplicates" => LinkKind::Duplicates,
            "related" => LinkKind::Related,
            _ => return None,
        };
        Some(Relation {
            kind,
            other: other.to_owned(),
        })
    }
}

/// Add or remove a relation on one item of a pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationOp {
    /// The pair holding the relation.
    pub link: LinkRef,
    /// The side written.
    pub side: Side,
    /// Add (`true`) or remove.
    pub add: bool,
    /// The kind, from the holder's side.
    pub kind: LinkKind,
    /// The other item's id on the side written.
    pub other: String,
}

/// Keeps one holder per relation; `None` for the mirror views and unsynced kinds.
fn canonical(holder_jira: &str, kind: &LinkKind, other_jira: &str) -> Option<Relation> {
    let keep = match kind {
        LinkKind::Parent | LinkKind::Blocks | LinkKind::Duplicates => true,
        LinkKind::Related => natural_cmp(holder_jira, other_jira).is_lt(),
        LinkKind::Child | LinkKind::BlockedBy | LinkKind::DuplicatedBy | LinkKind::Other(_) => {
            false
        }
    };
    keep.then(|| Relation {
        kind: kind.clone(),
        other: other_jira.to_owned(),
    })
}

fn side_set(
    link: &LinkRef,
    side: Side,
    links: &[ItemLink],
    to_jira: &BTreeMap<&str, &str>,
) -> BTreeSet<Relation> {
    links
        .iter()
        .filter_map(|l| {
            let other = match side {
                Side::Jira => to_jira
                    .contains_key(l.target.as_str())
                    .then_some(l.target.as_str()),
                Side::Ado => to_jira.get(l.target.as_str()).copied(),
            }?;
            canonical(&link.jira_id, &l.kind, other)
        })
        .collect()
}

/// Plans a pair's relations: the ops, and the new baseline if it changed.
pub(crate) fn plan_relations(
    direction: Direction,
    link: &LinkRef,
    jira_links: &[ItemLink],
    ado_links: &[ItemLink],
    base: Option<&Baseline>,
    state: &RelationState,
) -> (Vec<RelationOp>, Option<Baseline>) {
    // Jira id -> Jira id for Jira-side lookups, ADO id -> Jira id for ADO-side ones.
    let jira_known: BTreeMap<&str, &str> = state
        .counterparts
        .keys()
        .map(|j| (j.as_str(), j.as_str()))
        .collect();
    let ado_to_jira: BTreeMap<&str, &str> = state
        .counterparts
        .iter()
        .map(|(j, a)| (a.as_str(), j.as_str()))
        .collect();
    let jira = side_set(link, Side::Jira, jira_links, &jira_known);
    let ado = side_set(link, Side::Ado, ado_links, &ado_to_jira);
    let stored: Option<BTreeSet<Relation>> = base.map(|b| match &b.jira {
        Some(FieldValue::Labels(set)) => set.iter().filter_map(|s| Relation::decode(s)).collect(),
        _ => BTreeSet::new(),
    });
    // Without a baseline nothing is known to have been removed: what both sides hold is the
    // base, so everything else reads as an addition and the union results.
    let base_set = stored.unwrap_or_else(|| jira.intersection(&ado).cloned().collect());
    let mut result = base_set.clone();
    let mut ops = Vec::new();
    for r in jira.union(&ado) {
        let (in_jira, in_ado, in_base) = (jira.contains(r), ado.contains(r), base_set.contains(r));
        if in_jira && in_ado {
            result.insert(r.clone());
            continue;
        }
        // The side that holds it now, and whether that side added it (else the other removed it).
        let holder = if in_jira { Side::Jira } else { Side::Ado };
        let (from, add_on, add) = if in_base {
            (holder.other(), holder, false)
        } else {
            (holder, holder.other(), true)
        };
        if !direction.allows(from) {
            continue;
        }
        let other = match add_on {
            Side::Jira => Some(r.other.clone()),
            Side::Ado => state.counterparts.get(&r.other).cloned(),
        };
        let Some(other) = other else { continue };
        ops.push(RelationOp {
            link: link.clone(),
            side: add_on,
            add,
            kind: r.kind.clone(),
            other,
        });
        if add {
            result.insert(r.clone());
        } else {
            result.remove(r);
        }
    }
    // Relations both sides dropped leave the baseline too.
    result.retain(|r| jira.contains(r) || ado.contains(r));
    let encoded = |set: &BTreeSet<Relation>| {
        let labels: BTreeSet<String> = set.iter().map(Relation::encode).collect();
        FieldValue::Labels(labels).normalized()
    };
    let value = encoded(&result);
    let new_base = Baseline {
        jira: value.clone(),
        ado: value,
    };
    let changed = match base {
        Some(b) => *b != new_base,
        None => new_base.jira.is_some(),
    };
    (ops, changed.then_some(new_base))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::link;

    fn l(kind: LinkKind, target: &str) -> ItemLink {
        ItemLink {
            kind,
            target: target.into(),
        }
    }

    fn base(set: &[&str]) -> Baseline {
        let v = FieldValue::labels(set.iter().copied()).normalized();
        Baseline {
            jira: v.clone(),
            ado: v,
        }
    }

    fn run(
        direction: Direction,
        jira: &[ItemLink],
        ado: &[ItemLink],
        stored: Option<&[&str]>,
    ) -> (Vec<String>, Option<Vec<String>>) {
        let state = RelationState {
            counterparts: [("2", "102"), ("3", "103")]
                .into_iter()
                .map(|(j, a)| (j.to_owned(), a.to_owned()))
                .collect(),
        };
        let stored = stored.map(base);
        let (ops, new_base) = plan_relations(
            direction,
            &link("1", "101"),
            jira,
            ado,
            stored.as_ref(),
            &state,
        );
        let ops = ops
            .iter()
            .map(|o| {
                let sign = if o.add { "+" } else { "-" };
                format!("{} {sign}{:?} {}", o.side.as_str(), o.kind, o.other)
            })
            .collect();
        let new_base = new_base.map(|b| match b.jira {
            Some(FieldValue::Labels(set)) => set.into_iter().collect(),
            _ => vec![],
        });
        (ops, new_base)
    }

    #[test]
    #[allow(clippy::type_complexity, reason = "a case table is a tuple per row")]
    fn case_table() {
        use LinkKind::*;
        let both = Direction::Both;
        // (case, direction, jira links, ado links, stored baseline, ops, new baseline)
        let cases: Vec<(
            &str,
            Direction,
            Vec<ItemLink>,
            Vec<ItemLink>,
            Option<&[&str]>,
            Vec<&str>,
            Option<Vec<&str>>,
        )> = vec![
            (
                "jira adds a parent",
                both,
                vec![l(Parent, "2")],
                vec![],
                None,
                vec!["ado +Parent 102"],
                Some(vec!["parent:2"]),
            ),
            (
                "already on both: only recorded",
                both,
                vec![l(Parent, "2")],
                vec![l(Parent, "102")],
                None,
                vec![],
                Some(vec!["parent:2"]),
            ),
            (
                "in sync",
                both,
                vec![l(Parent, "2")],
                vec![l(Parent, "102")],
                Some(&["parent:2"]),
                vec![],
                None,
            ),
            (
                "ado removes it",
                both,
                vec![l(Parent, "2")],
                vec![],
                Some(&["parent:2"]),
                vec!["jira -Parent 2"],
                Some(vec![]),
            ),
            (
                "both remove it",
                both,
                vec![],
                vec![],
                Some(&["parent:2"]),
                vec![],
                Some(vec![]),
            ),
            (
                "re-parented on ado",
                both,
                vec![l(Parent, "2")],
                vec![l(Parent, "103")],
                Some(&["parent:2"]),
                vec!["jira -Parent 2", "jira +Parent 3"],
                Some(vec!["parent:3"]),
            ),
            (
                "mirror views are planned from the other item",
                both,
                vec![l(Child, "2"), l(BlockedBy, "3"), l(DuplicatedBy, "2")],
                vec![],
                None,
                vec![],
                None,
            ),
            (
                "related is held by the lower id",
                both,
                vec![l(Related, "2")],
                vec![],
                None,
                vec!["ado +Related 102"],
                Some(vec!["related:2"]),
            ),
            (
                "relations to unlinked items wait",
                both,
                vec![l(Blocks, "9")],
                vec![l(Blocks, "109")],
                None,
                vec![],
                None,
            ),
            (
                "one-way ignores the other side",
                Direction::JiraToAdo,
                vec![],
                vec![l(Blocks, "103")],
                None,
                vec![],
                None,
            ),
            (
                "one-way propagates its own",
                Direction::JiraToAdo,
                vec![l(Blocks, "3")],
                vec![],
                None,
                vec!["ado +Blocks 103"],
                Some(vec!["blocks:3"]),
            ),
        ];
        for (case, direction, jira, ado, stored, ops, new_base) in cases {
            let expected_base = new_base.map(|v| v.into_iter().map(str::to_owned).collect());
            assert_eq!(
                run(direction, &jira, &ado, stored),
                (ops.into_iter().map(str::to_owned).collect(), expected_base),
                "{case}"
            );
        }
    }
}
