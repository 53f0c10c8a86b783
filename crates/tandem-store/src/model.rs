//! The records the store keeps, in domain terms (no SQL types leak out).

use std::fmt;

use serde::{Deserialize, Serialize};
use tandem_core::{
    Baseline, Baselines, EpochMs, FieldValue, ItemRef, LinkRef, Side, Sided, natural_cmp,
};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(
    /// A link's id in the store.
    LinkId
);
id_type!(
    /// A conflict's id (what `tandem conflicts resolve ID` takes).
    ConflictId
);
id_type!(
    /// A pass's id.
    PassId
);
id_type!(
    /// An audit entry's id.
    AuditId
);

/// An item's version as tandem last synced it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemStamp {
    /// Last-changed stamp.
    pub updated: EpochMs,
    /// ADO revision (none on Jira).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u64>,
}

impl ItemStamp {
    /// Whether an item seen at `updated` / `revision` is no newer than this stamp: tandem
    /// already applied it, or wrote it itself (so the feed entry is an echo to skip).
    #[must_use]
    pub fn covers(&self, updated: EpochMs, revision: Option<u64>) -> bool {
        match (self.revision, revision) {
            // ADO revisions are exact; prefer them over clocks.
            (Some(ours), Some(seen)) => seen <= ours,
            _ => updated <= self.updated,
        }
    }
}

/// A stored link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRecord {
    /// Its id.
    pub id: LinkId,
    /// The profile it belongs to.
    pub profile: String,
    /// The pair.
    pub link: LinkRef,
    /// When it was recorded.
    pub created: EpochMs,
    /// Each item's version as last synced: a feed entry at or below it is already applied
    /// (or is tandem's own write).
    pub synced: Sided<Option<ItemStamp>>,
}

/// A change-feed position: every item up to `stamp` is applied, and at `stamp` itself every
/// item up to the id `tie` (feeds order by stamp then id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The stamp.
    pub stamp: EpochMs,
    /// The tie-breaker: the last item id applied at `stamp`.
    pub tie: String,
}

impl Cursor {
    /// Whether a feed entry at `stamp` for item `id` is at or before this cursor (already
    /// applied). Feeds are ordered by stamp, then by id in natural order (`9 < 10`).
    #[must_use]
    pub fn passed(&self, stamp: EpochMs, id: &str) -> bool {
        match stamp.cmp(&self.stamp) {
            std::cmp::Ordering::Less => true,
            std::cmp::Ordering::Greater => false,
            std::cmp::Ordering::Equal => natural_cmp(id, &self.tie).is_le(),
        }
    }
}

/// The state of an intent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IntentState {
    /// A create may be under way: look for the marker before creating anything.
    Open,
    /// The link was recorded.
    Closed,
    /// Given up (the create was refused and nothing was made).
    Abandoned,
}

impl IntentState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            IntentState::Open => "open",
            IntentState::Closed => "closed",
            IntentState::Abandoned => "abandoned",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<IntentState> {
        match s {
            "open" => Some(IntentState::Open),
            "closed" => Some(IntentState::Closed),
            "abandoned" => Some(IntentState::Abandoned),
            _ => None,
        }
    }
}

/// An entry of the intent journal (DESIGN.md, invariant 1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    /// Its id, carried by the created item as its marker.
    pub id: Uuid,
    /// The profile.
    pub profile: String,
    /// The item being copied.
    pub source: ItemRef,
    /// Where the copy is made.
    pub target: Side,
    /// Open, closed or abandoned.
    pub state: IntentState,
    /// When opened.
    pub created: EpochMs,
    /// When closed or abandoned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<EpochMs>,
    /// The link it produced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<LinkId>,
    /// Why it was abandoned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Where a conflict stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConflictStatus {
    /// Waiting for a person.
    Open,
    /// A person chose a side; the next pass applies it.
    Chosen,
    /// Settled: the choice was applied, or both sides came to agree.
    Resolved,
}

impl ConflictStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ConflictStatus::Open => "open",
            ConflictStatus::Chosen => "chosen",
            ConflictStatus::Resolved => "resolved",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<ConflictStatus> {
        match s {
            "open" => Some(ConflictStatus::Open),
            "chosen" => Some(ConflictStatus::Chosen),
            "resolved" => Some(ConflictStatus::Resolved),
            _ => None,
        }
    }
}

/// A stored conflict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictRecord {
    /// Its id.
    pub id: ConflictId,
    /// The profile.
    pub profile: String,
    /// The link.
    pub link_id: LinkId,
    /// The pair.
    pub link: LinkRef,
    /// The mapping name of the field.
    pub field: String,
    /// The baseline when parked.
    pub base: Option<Baseline>,
    /// Jira's value when last parked.
    pub jira: Option<FieldValue>,
    /// ADO's value when last parked.
    pub ado: Option<FieldValue>,
    /// Where it stands.
    pub status: ConflictStatus,
    /// The side a person chose.
    pub take: Option<Side>,
    /// How it was settled.
    pub resolution: Option<String>,
    /// First parked.
    pub created: EpochMs,
    /// Last parked or changed.
    pub updated: EpochMs,
    /// Settled.
    pub resolved: Option<EpochMs>,
}

/// What an audit entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditAction {
    /// A counterpart was created.
    Create,
    /// Fields were written.
    Update,
    /// A state change (Jira transition or ADO state).
    StateChange,
    /// A link was recorded (after a create, or by adopting a marked item).
    Link,
    /// The item was parked for bad data.
    Park,
    /// A conflict was parked.
    Conflict,
    /// A conflict was resolved.
    Resolve,
    /// A comment was copied (or a copy adopted).
    Comment,
}

impl AuditAction {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::StateChange => "state-change",
            AuditAction::Link => "link",
            AuditAction::Park => "park",
            AuditAction::Conflict => "conflict",
            AuditAction::Resolve => "resolve",
            AuditAction::Comment => "comment",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<AuditAction> {
        Some(match s {
            "create" => AuditAction::Create,
            "update" => AuditAction::Update,
            "state-change" => AuditAction::StateChange,
            "link" => AuditAction::Link,
            "park" => AuditAction::Park,
            "conflict" => AuditAction::Conflict,
            "resolve" => AuditAction::Resolve,
            "comment" => AuditAction::Comment,
            _ => return None,
        })
    }
}

/// How an audited action ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Done.
    Ok,
    /// Tried and failed (the message says why).
    Failed,
    /// Not tried: parked or waiting for a person.
    Parked,
    /// Not tried: a dry run, or superseded.
    Skipped,
}

impl Outcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Parked => "parked",
            Outcome::Skipped => "skipped",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Outcome> {
        Some(match s {
            "ok" => Outcome::Ok,
            "failed" => Outcome::Failed,
            "parked" => Outcome::Parked,
            "skipped" => Outcome::Skipped,
            _ => return None,
        })
    }
}

/// One field's change in an audit entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The mapping name.
    pub field: String,
    /// Before.
    pub old: Option<FieldValue>,
    /// After.
    pub new: Option<FieldValue>,
}

/// An audit entry to append.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAudit {
    /// When.
    pub at: EpochMs,
    /// The item acted on (written, created from, or parked).
    pub item: ItemRef,
    /// Its link, if any.
    pub link: Option<LinkId>,
    /// The side the change came from.
    pub source: Option<Side>,
    /// What was done.
    pub action: AuditAction,
    /// The fields involved.
    pub changes: Vec<FieldChange>,
    /// The API call made, as `METHOD path` without host or query secrets
    /// (`PATCH /_apis/wit/workitems/42`).
    pub api_call: Option<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// A human explanation (the park reason, the error).
    pub message: Option<String>,
}

/// A stored audit entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Its id (entries of an item are returned in id order, which is the order written).
    pub id: AuditId,
    /// The profile.
    pub profile: String,
    /// The entry.
    #[serde(flatten)]
    pub entry: NewAudit,
}

/// Counters of a pass.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassCounts {
    /// Items read from both feeds.
    pub seen: u64,
    /// Counterparts created.
    pub created: u64,
    /// Items updated (fields or state).
    pub updated: u64,
    /// Conflicts parked.
    pub conflicts: u64,
    /// Items parked for bad data.
    pub parked: u64,
    /// Failed operations.
    pub errors: u64,
}

/// How a pass ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PassOutcome {
    /// Every item was handled (some may be parked).
    Completed,
    /// Stopped early (shutdown); cursors stop at the last item fully applied.
    Interrupted,
    /// Could not run (e.g. a side unreachable).
    Failed,
}

impl PassOutcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PassOutcome::Completed => "completed",
            PassOutcome::Interrupted => "interrupted",
            PassOutcome::Failed => "failed",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<PassOutcome> {
        Some(match s {
            "completed" => PassOutcome::Completed,
            "interrupted" => PassOutcome::Interrupted,
            "failed" => PassOutcome::Failed,
            _ => return None,
        })
    }
}

/// How a pass ended, as recorded by [`crate::Store::finish_pass`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassSummary {
    /// When it ended.
    pub finished: EpochMs,
    /// How.
    pub outcome: PassOutcome,
    /// Counters.
    pub counts: PassCounts,
    /// Error messages worth showing in `tandem status` (already safe to print).
    pub errors: Vec<String>,
}

/// A stored pass.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassRecord {
    /// Its id.
    pub id: PassId,
    /// The profile.
    pub profile: String,
    /// When it started.
    pub started: EpochMs,
    /// How it ended, if it has.
    pub summary: Option<PassSummary>,
}

/// What `tandem status` shows for a profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileStatus {
    /// Linked pairs.
    pub links: u64,
    /// Conflicts waiting for a person.
    pub open_conflicts: u64,
    /// Conflicts chosen, waiting for a pass.
    pub chosen_conflicts: u64,
    /// Intents not yet closed (a create in flight or interrupted).
    pub open_intents: u64,
    /// Items parked for bad data.
    #[serde(default)]
    pub parked: u64,
    /// The latest pass.
    pub last_pass: Option<PassRecord>,
}

/// An item left alone for bad data until it, or the mapping, is fixed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParkedItem {
    /// The item.
    pub item: ItemRef,
    /// Why (the latest reason).
    pub reason: String,
    /// First parked.
    pub since: EpochMs,
    /// Last parked.
    pub updated: EpochMs,
}

/// Everything to record, in one transaction, once a counterpart exists: the link, its
/// baselines, the intent closed, and audit entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateRecord {
    /// The intent the create was made under.
    pub intent: Uuid,
    /// The pair.
    pub link: LinkRef,
    /// Baselines (best taken from the created item as read back:
    /// [`tandem_core::pair_baselines`]).
    pub baselines: Baselines,
    /// Both items' stamps after the create.
    pub synced: Sided<Option<ItemStamp>>,
    /// When.
    pub at: EpochMs,
    /// Audit entries (the create, the state change...).
    pub audit: Vec<NewAudit>,
}

/// Everything to record, in one transaction, after a linked pair's writes: new baselines
/// (which also settle any conflict on those fields), the items' stamps and audit entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncRecord {
    /// The link.
    pub link: LinkId,
    /// Baselines to upsert, by mapping name; fields not named keep theirs.
    pub baselines: Baselines,
    /// Stamps to record (`None` leaves a side's stamp as it is).
    pub synced: Sided<Option<ItemStamp>>,
    /// When.
    pub at: EpochMs,
    /// Audit entries.
    pub audit: Vec<NewAudit>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_cover_what_tandem_already_saw_or_wrote() {
        let ado = ItemStamp {
            updated: EpochMs(100),
            revision: Some(7),
        };
        assert!(ado.covers(EpochMs(100), Some(7)));
        assert!(
            ado.covers(EpochMs(999), Some(6)),
            "revisions beat skewed clocks"
        );
        assert!(!ado.covers(EpochMs(50), Some(8)));
        let jira = ItemStamp {
            updated: EpochMs(100),
            revision: None,
        };
        assert!(jira.covers(EpochMs(100), None));
        assert!(!jira.covers(EpochMs(101), None));
    }

    #[test]
    fn cursors_order_by_stamp_then_natural_id() {
        let c = Cursor {
            stamp: EpochMs(100),
            tie: "10".into(),
        };
        assert!(c.passed(EpochMs(99), "999"));
        assert!(c.passed(EpochMs(100), "9"));
        assert!(c.passed(EpochMs(100), "10"));
        assert!(!c.passed(EpochMs(100), "11"));
        assert!(!c.passed(EpochMs(101), "1"));
    }
}
