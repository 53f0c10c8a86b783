//! The sync plan: a pure function from what tandem knows (links, baselines, both sides'
//! current items, the mapping and the policy) to the operations a pass must perform.
//!
//! Dry runs print this plan and real passes execute it, so both run the same code
//! (DESIGN.md, invariant 7). Planning never fails: a value that cannot be converted parks its
//! item with a reason and the rest of the plan goes on.
//!
//! # Change detection
//! Baselines are kept per field *and per side*: the last value tandem saw or wrote on Jira,
//! and the one on ADO. A side changed a field iff its value differs from its own baseline.
//! Keeping both sides' values (rather than one "canonical" value) is what lets lossy maps
//! (two Jira statuses to one ADO state, seconds to rounded hours) stay quiet: after a sync
//! both stored values are exactly what each side holds, so nothing reads as a change.
//!
//! # Order
//! See [`OpKey`]: ops are grouped per item and, within an item, run in [`Phase`] order, with
//! baselines recorded last so that a crash before the record simply re-plans (and the
//! re-plan finds the write already done, so it only records).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::comments::{
    CommentCopy, CommentPair, CommentPlan, CommentSettings, CommentState, plan_comments,
};
use crate::item::{Item, ItemRef, LinkKind, LinkRef, natural_cmp};
use crate::mapping::{
    ConvertCx, ConvertError, Direction, FieldMap, Mapping, UnmappedUsers, UserDirectory,
};
use crate::merge::{ConflictPolicy, Decision, Merge, Stamped, merge3};
use crate::relations::{RELATIONS_BASELINE, RelationOp, RelationState, plan_relations};
use crate::side::{Side, Sided};
use crate::time::EpochMs;
use crate::value::FieldValue;

/// The last synced value of one mapped field, on each side.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// The value on Jira (in Jira's terms).
    pub jira: Option<FieldValue>,
    /// The value on ADO (in ADO's terms).
    pub ado: Option<FieldValue>,
}

impl Baseline {
    /// The value on `side`.
    #[must_use]
    pub fn get(&self, side: Side) -> &Option<FieldValue> {
        match side {
            Side::Jira => &self.jira,
            Side::Ado => &self.ado,
        }
    }
}

/// Baselines of one link, by mapping name ([`FieldMap::name`]).
pub type Baselines = BTreeMap<String, Baseline>;

/// The baselines that describe a pair as it is now: each mapped field's current value on
/// each side. The engine records these after creating a counterpart, from the created item as
/// read back, so defaults the target filled in are not mistaken for edits.
#[must_use]
pub fn pair_baselines(mapping: &Mapping, jira: &Item, ado: &Item) -> Baselines {
    mapping
        .fields
        .iter()
        .map(|f| {
            let b = Baseline {
                jira: jira.get(&f.jira).cloned(),
                ado: ado.get(&f.ado).cloned(),
            };
            (f.name().to_owned(), b)
        })
        .collect()
}

/// The profile-level settings a plan is made with.
#[derive(Clone, Copy, Debug)]
pub struct PlanSettings<'a> {
    /// The mapping.
    pub mapping: &'a Mapping,
    /// What decides conflicting edits.
    pub policy: ConflictPolicy,
    /// Which way the profile syncs.
    pub direction: Direction,
    /// Known users, for the user map.
    pub directory: &'a UserDirectory,
    /// How comments flow.
    pub comments: &'a CommentSettings,
}

/// A linked pair as the engine found it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedPair {
    /// The link.
    pub link: LinkRef,
    /// Its baselines.
    pub baselines: Baselines,
    /// The Jira issue now.
    pub jira: Item,
    /// The ADO work item now.
    pub ado: Item,
    /// Conflicts a person resolved since the last pass: mapping name to the side to take.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resolutions: BTreeMap<String, Side>,
    /// Both sides' comments and the recorded comment pairs, when the engine fetched them
    /// (typically only for items that changed); `None` plans no comments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<CommentState>,
    /// The linked counterparts of the items both sides' relations point at, when the engine
    /// looked them up; `None` plans no relations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relations: Option<RelationState>,
}

/// One thing to plan for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[allow(
    clippy::large_enum_variant,
    reason = "built once per item and pass; boxing buys nothing"
)]
pub enum Entry {
    /// A linked pair.
    Linked(LinkedPair),
    /// An item with no link yet (new on its side, or created by tandem and not yet linked,
    /// which its marker tells).
    Unlinked(Item),
}

/// Why an item is parked (left alone this pass, with an audit entry).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ParkReason {
    /// A field's value has no counterpart.
    Convert {
        /// The mapping name.
        field: String,
        /// What went wrong.
        error: ConvertError,
    },
    /// The item's type has no counterpart, so it cannot be created.
    UnmappedType {
        /// The side of the item.
        side: Side,
        /// Its type.
        item_type: String,
    },
}

impl fmt::Display for ParkReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParkReason::Convert { field, error } => write!(f, "field {field:?}: {error}"),
            ParkReason::UnmappedType { side, item_type } => write!(
                f,
                "{side} type {item_type:?} has no counterpart on {}: add it to the type map",
                side.other()
            ),
        }
    }
}

/// Guards a write: the item's state the plan was made from. ADO writes send `test /rev`;
/// Jira writes re-read `updated` first. On mismatch the engine re-reads and re-plans.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guard {
    /// ADO revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u64>,
    /// Last-changed stamp.
    pub updated: EpochMs,
}

impl Guard {
    /// The guard for an item as read.
    #[must_use]
    pub fn of(item: &Item) -> Guard {
        Guard {
            revision: item.revision,
            updated: item.updated,
        }
    }
}

/// One field to write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldWrite {
    /// The mapping name.
    pub name: String,
    /// The field id on the side written.
    pub field: String,
    /// The value it holds now (for dry-run output and the audit trail).
    pub old: Option<FieldValue>,
    /// The value to write (`None` clears the field).
    pub new: Option<FieldValue>,
    /// Why this side's value is being replaced.
    pub by: Decision,
}

/// Create the counterpart of an unlinked item. The engine opens an intent first, creates
/// the item carrying the intent's marker, then records the link with its baselines and
/// closes the intent in one store transaction (DESIGN.md, invariant 1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateOp {
    /// The item to copy.
    pub source: ItemRef,
    /// Its stamp, so the engine can check it has not moved.
    pub guard: Guard,
    /// The side to create on.
    pub target: Side,
    /// The item type there.
    pub item_type: String,
    /// Fields to set at creation (the state is separate).
    pub fields: Vec<FieldWrite>,
    /// The state to reach after creation (a Jira transition, or ADO's `System.State`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<FieldWrite>,
    /// Baselines as planned (source values and the converted values). Prefer
    /// [`pair_baselines`] over the created item as read back.
    pub baselines: Baselines,
}

/// Update fields of one item of a linked pair (one write call).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateOp {
    /// The pair.
    pub link: LinkRef,
    /// The item written.
    pub target: ItemRef,
    /// Its state when planned.
    pub guard: Guard,
    /// The fields, in mapping order.
    pub writes: Vec<FieldWrite>,
}

/// Change the workflow state of one item of a linked pair: a Jira transition (the engine
/// finds a path when no direct transition exists) or an ADO `System.State` update.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateOp {
    /// The pair.
    pub link: LinkRef,
    /// The item.
    pub target: ItemRef,
    /// Its state when planned.
    pub guard: Guard,
    /// The state field write (`new` holds a [`FieldValue::State`]).
    pub write: FieldWrite,
}

/// A field both sides changed differently that the policy could not decide.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictNote {
    /// The pair.
    pub link: LinkRef,
    /// The mapping name.
    pub field: String,
    /// The baseline, if the field had one.
    pub base: Option<Baseline>,
    /// Jira's value now.
    pub jira: Option<FieldValue>,
    /// ADO's value now.
    pub ado: Option<FieldValue>,
}

/// One operation of a plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Op {
    /// Leave the item alone this pass and say why (bad data; nothing is written for it).
    ParkItem {
        /// The item (the Jira one for a linked pair).
        item: ItemRef,
        /// Its link, if linked.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        link: Option<LinkRef>,
        /// Every reason found.
        reasons: Vec<ParkReason>,
    },
    /// Record (or refresh) a conflict; nothing is written for that field.
    ParkConflict(ConflictNote),
    /// An unlinked item carries tandem's marker: it is the counterpart of an earlier create
    /// whose link was not recorded. Resolve the marker's intent and record the link instead
    /// of creating anything.
    Adopt {
        /// The marked item.
        item: ItemRef,
        /// The marker (the intent id).
        marker: Uuid,
    },
    /// Create a counterpart.
    Create(CreateOp),
    /// Update fields.
    Update(UpdateOp),
    /// Change state.
    ChangeState(StateOp),
    /// Add or remove a relation (parent, blocks, duplicates, related) on one item.
    Relate(RelationOp),
    /// Post a copy of a comment on the other side, carrying the origin marker; then record
    /// the comment pair.
    CopyComment(CommentCopy),
    /// A copy already exists (found by its marker): record the comment pair.
    PairComments {
        /// The item pair.
        link: LinkRef,
        /// The comment pair.
        pair: CommentPair,
    },
    /// Record baselines of a link, after the writes before it for that link. If a write
    /// failed, leave out the baselines of the fields it carried (or record nothing): the next
    /// pass then plans those fields again.
    RecordBaselines {
        /// The pair.
        link: LinkRef,
        /// The fields whose baselines change.
        baselines: Baselines,
    },
}

/// The execution phase of an op within its item. Declaration order is execution order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// [`Op::ParkItem`].
    Park,
    /// [`Op::ParkConflict`].
    Conflict,
    /// [`Op::Adopt`].
    Adopt,
    /// [`Op::Create`].
    Create,
    /// [`Op::Update`]: fields before state, because some workflows make a closed item
    /// read-only.
    Update,
    /// [`Op::ChangeState`].
    State,
    /// [`Op::Relate`]: removals before additions (ADO allows one parent).
    Relation,
    /// [`Op::PairComments`] and [`Op::CopyComment`], oldest comment first.
    Comment,
    /// [`Op::RecordBaselines`]: last, after the writes it records.
    Record,
}

/// The sort key of an op. A plan is sorted by it, which defines the order of execution:
///
/// 1. by subject: the item the op concerns. A linked pair is keyed by its Jira id, an
///    unlinked item by its own side and id; Jira-keyed subjects come before ADO ones, and ids
///    compare naturally (`9 < 10`);
/// 2. then by [`Phase`];
/// 3. then by the side written (Jira first), then by field name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpKey {
    subject_side: Side,
    subject_id: String,
    phase: Phase,
    side: Side,
    detail: String,
}

impl Ord for OpKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.subject_side
            .cmp(&other.subject_side)
            .then_with(|| natural_cmp(&self.subject_id, &other.subject_id))
            .then_with(|| self.phase.cmp(&other.phase))
            .then_with(|| self.side.cmp(&other.side))
            .then_with(|| self.detail.cmp(&other.detail))
    }
}

impl PartialOrd for OpKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Op {
    /// The phase of this op.
    #[must_use]
    pub fn phase(&self) -> Phase {
        match self {
            Op::ParkItem { .. } => Phase::Park,
            Op::ParkConflict(_) => Phase::Conflict,
            Op::Adopt { .. } => Phase::Adopt,
            Op::Create(_) => Phase::Create,
            Op::Update(_) => Phase::Update,
            Op::ChangeState(_) => Phase::State,
            Op::Relate(_) => Phase::Relation,
            Op::PairComments { .. } | Op::CopyComment(_) => Phase::Comment,
            Op::RecordBaselines { .. } => Phase::Record,
        }
    }

    /// Whether the op writes to Jira or ADO (as opposed to the store only).
    #[must_use]
    pub fn is_remote_write(&self) -> bool {
        matches!(
            self,
            Op::Create(_) | Op::Update(_) | Op::ChangeState(_) | Op::Relate(_) | Op::CopyComment(_)
        )
    }

    /// The link the op concerns, if any.
    #[must_use]
    pub fn link(&self) -> Option<&LinkRef> {
        match self {
            Op::ParkItem { link, .. } => link.as_ref(),
            Op::ParkConflict(c) => Some(&c.link),
            Op::Update(u) => Some(&u.link),
            Op::ChangeState(s) => Some(&s.link),
            Op::RecordBaselines { link, .. } | Op::PairComments { link, .. } => Some(link),
            Op::CopyComment(c) => Some(&c.link),
            Op::Relate(r) => Some(&r.link),
            Op::Adopt { .. } | Op::Create(_) => None,
        }
    }

    /// The sort key (see [`OpKey`]).
    #[must_use]
    pub fn key(&self) -> OpKey {
        let subject = |link: Option<&LinkRef>, item: Option<&ItemRef>| match (link, item) {
            (Some(l), _) => (Side::Jira, l.jira_id.clone()),
            (None, Some(i)) => (i.side, i.id.clone()),
            (None, None) => (Side::Ado, String::new()),
        };
        let none = String::new;
        let (subject, side, detail) = match self {
            Op::ParkItem { item, link, .. } => {
                (subject(link.as_ref(), Some(item)), item.side, none())
            }
            Op::ParkConflict(c) => (subject(Some(&c.link), None), Side::Jira, c.field.clone()),
            Op::Adopt { item, .. } => (subject(None, Some(item)), item.side, none()),
            Op::Create(c) => (subject(None, Some(&c.source)), c.target, none()),
            Op::Update(u) => (subject(Some(&u.link), None), u.target.side, none()),
            Op::ChangeState(s) => (subject(Some(&s.link), None), s.target.side, none()),
            Op::Relate(r) => (
                subject(Some(&r.link), None),
                r.side,
                format!("{}:{}:{}", u8::from(r.add), relation_kind(&r.kind), r.other),
            ),
            // Pairs before copies; copies oldest first, whichever side they come from.
            Op::PairComments { link, pair } => (
                subject(Some(link), None),
                Side::Jira,
                format!("0:{}", pair.jira),
            ),
            Op::CopyComment(c) => (
                subject(Some(&c.link), None),
                Side::Jira,
                format!(
                    "1:{:020}:{}:{}",
                    c.created.0,
                    c.target.as_str(),
                    c.source_id
                ),
            ),
            Op::RecordBaselines { link, .. } => (subject(Some(link), None), Side::Jira, none()),
        };
        OpKey {
            subject_side: subject.0,
            subject_id: subject.1,
            phase: self.phase(),
            side,
            detail,
        }
    }
}

fn relation_kind(kind: &LinkKind) -> &str {
    match kind {
        LinkKind::Parent => "parent",
        LinkKind::Child => "child",
        LinkKind::Related => "related",
        LinkKind::Blocks => "blocks",
        LinkKind::BlockedBy => "blocked-by",
        LinkKind::Duplicates => "duplicates",
        LinkKind::DuplicatedBy => "duplicated-by",
        LinkKind::Other(name) => name,
    }
}

fn show(v: Option<&FieldValue>) -> String {
    v.map_or_else(|| "(empty)".to_owned(), ToString::to_string)
}

impl fmt::Display for Op {
    /// One line per op, as a dry run prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let writes = |f: &mut fmt::Formatter<'_>, ws: &[FieldWrite]| -> fmt::Result {
            for w in ws {
                write!(
                    f,
                    "; {}: {} -> {}",
                    w.name,
                    show(w.old.as_ref()),
                    show(w.new.as_ref())
                )?;
            }
            Ok(())
        };
        match self {
            Op::ParkItem { item, reasons, .. } => {
                write!(f, "park {item}")?;
                for r in reasons {
                    write!(f, "; {r}")?;
                }
                Ok(())
            }
            Op::ParkConflict(c) => write!(
                f,
                "conflict {} field {}: jira {} vs ado {}",
                c.link,
                c.field,
                show(c.jira.as_ref()),
                show(c.ado.as_ref())
            ),
            Op::Adopt { item, marker } => write!(f, "adopt {item} (marker {marker})"),
            Op::Create(c) => {
                write!(
                    f,
                    "create {} {:?} from {}",
                    c.target.as_str(),
                    c.item_type,
                    c.source
                )?;
                writes(f, &c.fields)?;
                if let Some(s) = &c.state {
                    writes(f, std::slice::from_ref(s))?;
                }
                Ok(())
            }
            Op::Update(u) => {
                write!(f, "update {}", u.target)?;
                writes(f, &u.writes)
            }
            Op::ChangeState(s) => {
                write!(f, "state {}", s.target)?;
                writes(f, std::slice::from_ref(&s.write))
            }
            Op::RecordBaselines { link, baselines } => {
                let names: Vec<&str> = baselines.keys().map(String::as_str).collect();
                write!(f, "record {link}: {}", names.join(", "))
            }
            Op::PairComments { link, pair } => {
                write!(
                    f,
                    "pair comments of {link}: jira {} = ado {}",
                    pair.jira, pair.ado
                )
            }
            Op::Relate(r) => write!(
                f,
                "relate {}: {}{} {}:{}",
                r.link.item(r.side),
                if r.add { "+" } else { "-" },
                relation_kind(&r.kind),
                r.side.as_str(),
                r.other
            ),
            Op::CopyComment(c) => write!(
                f,
                "copy comment {}:{} to {} of {}",
                c.target.other().as_str(),
                c.source_id,
                c.target.as_str(),
                c.link
            ),
        }
    }
}

/// Plans a whole pass: every entry's ops, sorted by [`Op::key`].
#[must_use]
pub fn plan(settings: &PlanSettings<'_>, entries: &[Entry]) -> Vec<Op> {
    let mut ops = Vec::new();
    for entry in entries {
        match entry {
            Entry::Linked(pair) => plan_linked(settings, pair, &mut ops),
            Entry::Unlinked(item) => plan_unlinked(settings, item, &mut ops),
        }
    }
    sort_ops(&mut ops);
    ops
}

/// Sorts ops into execution order (stable).
pub fn sort_ops(ops: &mut [Op]) {
    ops.sort_by_cached_key(Op::key);
}

fn cx<'a>(s: &PlanSettings<'a>, jira_type: &'a str, ado_type: &'a str) -> ConvertCx<'a> {
    ConvertCx {
        jira_type,
        ado_type,
        users: &s.mapping.users,
        directory: s.directory,
    }
}

/// Whether a conversion problem leaves the field alone instead of parking the item
/// (`unmapped_users = "skip"`).
fn skips(s: &PlanSettings<'_>, reason: &ParkReason) -> bool {
    matches!(
        reason,
        ParkReason::Convert {
            error: ConvertError::UnmappedUser { .. },
            ..
        }
    ) && s.mapping.users.unmapped == UnmappedUsers::Skip
}

fn park_convert(field: &FieldMap, error: ConvertError) -> ParkReason {
    ParkReason::Convert {
        field: field.name().to_owned(),
        error,
    }
}

/// What the field-level decision produced.
#[allow(clippy::large_enum_variant, reason = "short-lived, one per field")]
enum FieldOutcome {
    /// Record this baseline (possibly alongside a write).
    Record(Baseline, Option<(Side, FieldWrite)>),
    Conflict,
}

fn decide_field(
    s: &PlanSettings<'_>,
    f: &FieldMap,
    dir: Direction,
    pair: &LinkedPair,
    cx: &ConvertCx<'_>,
) -> Result<Option<FieldOutcome>, ParkReason> {
    let name = f.name();
    let base = pair.baselines.get(name);
    // Compare before cloning: most fields of most pairs are unchanged.
    let (jv, av) = (pair.jira.get(&f.jira), pair.ado.get(&f.ado));
    let changed = Sided::new(
        base.is_none_or(|b| b.jira.as_ref() != jv),
        base.is_none_or(|b| b.ado.as_ref() != av),
    );
    if !changed.jira && !changed.ado {
        return Ok(None);
    }
    let (jv, av) = (jv.cloned(), av.cloned());
    let values = Sided::new(&jv, &av);
    let convert = |from: Side| f.convert(from, values.get(from).as_ref(), cx);
    let record = |jira: Option<FieldValue>, ado: Option<FieldValue>| {
        let b = Baseline { jira, ado };
        Ok(Some(FieldOutcome::Record(b, None)))
    };
    // Writes `from`'s value to the other side, unless the other side already holds it.
    let take = |from: Side, converted: Option<FieldValue>, by: Decision| {
        let to = from.other();
        let current: Option<FieldValue> = (*values.get(to)).clone();
        let mut b = Baseline {
            jira: jv.clone(),
            ado: av.clone(),
        };
        if converted == current {
            return Ok(Some(FieldOutcome::Record(b, None)));
        }
        match to {
            Side::Jira => b.jira.clone_from(&converted),
            Side::Ado => b.ado.clone_from(&converted),
        }
        let write = FieldWrite {
            name: name.to_owned(),
            field: f.field(to).to_owned(),
            old: current,
            new: converted,
            by,
        };
        Ok(Some(FieldOutcome::Record(b, Some((to, write)))))
    };

    if let Some(source) = dir.source() {
        // One-way field: the source's changes win; the target's own edits are kept until
        // the source changes again, and only recorded so they stop reading as changes.
        if *changed.get(source) {
            let converted = convert(source).map_err(|e| park_convert(f, e))?;
            return take(source, converted, Decision::OnlyChange);
        }
        return record(jv.clone(), av.clone());
    }

    if changed.jira && changed.ado {
        // Both moved: if Jira's value, converted, is what ADO holds, they agree. Checking
        // this before the merge also makes a crash between a write and its baseline
        // harmless, even through a lossy map.
        if let Ok(converted) = convert(Side::Jira)
            && converted == av
        {
            return record(jv.clone(), av.clone());
        }
    }

    // Merge in Jira's terms. An unchanged ADO side stands for the base exactly, so a lossy
    // map never turns "no change" into a change.
    let base_jira = base.map(|b| b.jira.clone());
    let ado_as_jira = if changed.ado {
        convert(Side::Ado).map_err(|e| park_convert(f, e))?
    } else {
        base_jira.clone().flatten()
    };
    let (policy, resolved) = match pair.resolutions.get(name) {
        Some(&side) => (ConflictPolicy::wins(side), true),
        None => (f.conflict.unwrap_or(s.policy), false),
    };
    let merge = merge3(
        base_jira.as_ref(),
        Stamped::new(&jv, pair.jira.updated),
        Stamped::new(&ado_as_jira, pair.ado.updated),
        policy,
    );
    // A person's choice only ever settles what the policy would have decided.
    let fix = |by: Decision| match by {
        Decision::Policy(_) if resolved => Decision::Resolution,
        by => by,
    };
    match merge {
        Merge::Unchanged | Merge::Converged => record(jv.clone(), av.clone()),
        Merge::Take {
            side: Side::Jira,
            by,
        } => {
            let converted = convert(Side::Jira).map_err(|e| park_convert(f, e))?;
            take(Side::Jira, converted, fix(by))
        }
        Merge::Take {
            side: Side::Ado,
            by,
        } => take(Side::Ado, ado_as_jira, fix(by)),
        Merge::Conflict => Ok(Some(FieldOutcome::Conflict)),
    }
}

fn plan_linked(s: &PlanSettings<'_>, pair: &LinkedPair, ops: &mut Vec<Op>) {
    let cx = cx(s, &pair.jira.item_type, &pair.ado.item_type);
    let mut writes: Sided<Vec<FieldWrite>> = Sided::default();
    let mut states: Sided<Option<FieldWrite>> = Sided::default();
    let mut baselines = Baselines::new();
    let mut conflicts = Vec::new();
    let mut reasons = Vec::new();
    for f in &s.mapping.fields {
        let Some(dir) = s.direction.and(f.direction) else {
            continue;
        };
        match decide_field(s, f, dir, pair, &cx) {
            Err(reason) if skips(s, &reason) => {}
            Err(reason) => reasons.push(reason),
            Ok(None) => {}
            Ok(Some(FieldOutcome::Conflict)) => conflicts.push(ConflictNote {
                link: pair.link.clone(),
                field: f.name().to_owned(),
                base: pair.baselines.get(f.name()).cloned(),
                jira: pair.jira.get(&f.jira).cloned(),
                ado: pair.ado.get(&f.ado).cloned(),
            }),
            Ok(Some(FieldOutcome::Record(baseline, write))) => {
                if pair.baselines.get(f.name()) != Some(&baseline) {
                    baselines.insert(f.name().to_owned(), baseline);
                }
                if let Some((side, write)) = write {
                    if f.is_state() {
                        *states.get_mut(side) = Some(write);
                    } else {
                        writes.get_mut(side).push(write);
                    }
                }
            }
        }
    }
    let mut relation_ops = Vec::new();
    if let Some(state) = &pair.relations {
        let (rops, base) = plan_relations(
            s.direction,
            &pair.link,
            &pair.jira.links,
            &pair.ado.links,
            pair.baselines.get(RELATIONS_BASELINE),
            state,
        );
        relation_ops = rops;
        if let Some(base) = base {
            baselines.insert(RELATIONS_BASELINE.to_owned(), base);
        }
    }
    if !reasons.is_empty() {
        ops.push(Op::ParkItem {
            item: pair.link.item(Side::Jira),
            link: Some(pair.link.clone()),
            reasons,
        });
        return;
    }
    ops.extend(conflicts.into_iter().map(Op::ParkConflict));
    for side in Side::BOTH {
        let item = match side {
            Side::Jira => &pair.jira,
            Side::Ado => &pair.ado,
        };
        let ws = std::mem::take(writes.get_mut(side));
        if !ws.is_empty() {
            ops.push(Op::Update(UpdateOp {
                link: pair.link.clone(),
                target: item.item.clone(),
                guard: Guard::of(item),
                writes: ws,
            }));
        }
        if let Some(write) = states.get_mut(side).take() {
            ops.push(Op::ChangeState(StateOp {
                link: pair.link.clone(),
                target: item.item.clone(),
                guard: Guard::of(item),
                write,
            }));
        }
    }
    ops.extend(relation_ops.into_iter().map(Op::Relate));
    if let Some(state) = &pair.comments {
        for c in plan_comments(s.comments, s.direction, &pair.link, state) {
            ops.push(match c {
                CommentPlan::Copy(copy) => Op::CopyComment(copy),
                CommentPlan::Pair(p) => Op::PairComments {
                    link: pair.link.clone(),
                    pair: p,
                },
            });
        }
    }
    if !baselines.is_empty() {
        ops.push(Op::RecordBaselines {
            link: pair.link.clone(),
            baselines,
        });
    }
}

/// The baselines of a pair whose `target` was created as the copy of `source` (or found by
/// its marker after a crash): a field already holding the converted source value is in
/// sync; any other field is recorded as unchanged on the target and as not yet seen on the
/// source, so the next plan writes the source's value across. This is what makes a create
/// that stopped half-way (fields the create screen did not take, a state the new item
/// could not start in) converge instead of being taken as agreed.
#[must_use]
pub fn adopt_baselines(settings: &PlanSettings<'_>, source: &Item, target: &Item) -> Baselines {
    let from = source.side();
    let (jira, ado) = match from {
        Side::Jira => (source, target),
        Side::Ado => (target, source),
    };
    let cx = cx(settings, &jira.item_type, &ado.item_type);
    settings
        .mapping
        .fields
        .iter()
        .map(|f| {
            let src = source.get(f.field(from));
            let tgt = target.get(f.field(from.other())).cloned();
            let agrees = f
                .convert(from, src, &cx)
                .is_ok_and(|converted| converted == tgt);
            let src = if agrees || src.is_none() {
                src.cloned()
            } else {
                None
            };
            let b = match from {
                Side::Jira => Baseline {
                    jira: src,
                    ado: tgt,
                },
                Side::Ado => Baseline {
                    jira: tgt,
                    ado: src,
                },
            };
            (f.name().to_owned(), b)
        })
        .collect()
}

fn plan_unlinked(s: &PlanSettings<'_>, item: &Item, ops: &mut Vec<Op>) {
    if let Some(marker) = item.marker {
        ops.push(Op::Adopt {
            item: item.item.clone(),
            marker,
        });
        return;
    }
    let from = item.side();
    if !s.direction.allows(from) {
        return;
    }
    let Some(target_type) = s.mapping.counterpart_type(from, &item.item_type) else {
        ops.push(Op::ParkItem {
            item: item.item.clone(),
            link: None,
            reasons: vec![ParkReason::UnmappedType {
                side: from,
                item_type: item.item_type.clone(),
            }],
        });
        return;
    };
    let types = match from {
        Side::Jira => Sided::new(item.item_type.as_str(), target_type),
        Side::Ado => Sided::new(target_type, item.item_type.as_str()),
    };
    let cx = cx(s, types.jira, types.ado);
    let mut fields = Vec::new();
    let mut state = None;
    let mut baselines = Baselines::new();
    let mut reasons = Vec::new();
    for f in &s.mapping.fields {
        let Some(dir) = s.direction.and(f.direction) else {
            continue;
        };
        if !dir.allows(from) {
            continue;
        }
        let value = item.get(f.field(from)).cloned();
        let converted = match f.convert(from, value.as_ref(), &cx) {
            Ok(v) => v,
            Err(e) => {
                let reason = park_convert(f, e);
                if !skips(s, &reason) {
                    reasons.push(reason);
                }
                continue;
            }
        };
        let mut b = Baseline::default();
        match from {
            Side::Jira => (b.jira, b.ado) = (value, converted.clone()),
            Side::Ado => (b.jira, b.ado) = (converted.clone(), value),
        }
        baselines.insert(f.name().to_owned(), b);
        if converted.is_none() {
            continue;
        }
        let write = FieldWrite {
            name: f.name().to_owned(),
            field: f.field(from.other()).to_owned(),
            old: None,
            new: converted,
            by: Decision::OnlyChange,
        };
        if f.is_state() {
            state = Some(write);
        } else {
            fields.push(write);
        }
    }
    if !reasons.is_empty() {
        ops.push(Op::ParkItem {
            item: item.item.clone(),
            link: None,
            reasons,
        });
        return;
    }
    ops.push(Op::Create(CreateOp {
        source: item.item.clone(),
        guard: Guard::of(item),
        target: from.other(),
        item_type: target_type.to_owned(),
        fields,
        state,
        baselines,
    }));
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
