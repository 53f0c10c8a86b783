//! What a pass did (or, in a dry run, would do): counters, and per item the planned
//! operations and how it ended.

use serde::Serialize;
use tandem_core::{EpochMs, Op};
use tandem_store::{PassCounts, PassOutcome};

/// How one item (or linked pair) ended in a pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemOutcome {
    /// Nothing to do.
    Unchanged,
    /// A counterpart was created (and linked).
    Created,
    /// Fields or state were written.
    Updated,
    /// Only the store changed (baselines or stamps recorded, a link adopted).
    Recorded,
    /// Left alone for bad data; an audit entry says why.
    Parked,
    /// A field conflict was parked for a person.
    Conflict,
    /// A transient failure; the item is tried again next pass (the cursor waits for it).
    Failed,
    /// Deferred to a later pass (e.g. a recent create whose marker search has not caught
    /// up yet).
    Deferred,
    /// Dry run: this is what would happen.
    Planned,
}

impl ItemOutcome {
    /// The kebab-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ItemOutcome::Unchanged => "unchanged",
            ItemOutcome::Created => "created",
            ItemOutcome::Updated => "updated",
            ItemOutcome::Recorded => "recorded",
            ItemOutcome::Parked => "parked",
            ItemOutcome::Conflict => "conflict",
            ItemOutcome::Failed => "failed",
            ItemOutcome::Deferred => "deferred",
            ItemOutcome::Planned => "planned",
        }
    }

    /// Whether the feed cursor must wait for this item.
    #[must_use]
    pub fn holds_cursor(self) -> bool {
        matches!(self, ItemOutcome::Failed | ItemOutcome::Deferred)
    }
}

/// One item's part of a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemReport {
    /// The item or pair, as shown (`jira:DEMO-1 <-> ado:7`, `ado:12`).
    pub subject: String,
    /// How it ended.
    pub outcome: ItemOutcome,
    /// The operations planned for it (all of them in a dry run; the writes otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ops: Vec<Op>,
    /// Why it was parked or failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// What a pass did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PassReport {
    /// The profile.
    pub profile: String,
    /// Whether nothing was written.
    pub dry_run: bool,
    /// Start.
    pub started: EpochMs,
    /// End.
    pub finished: EpochMs,
    /// How it ended.
    pub outcome: PassOutcome,
    /// Counters.
    pub counts: PassCounts,
    /// The items with something to say: every planned item in a dry run; otherwise those
    /// written, parked, in conflict or failed.
    pub items: Vec<ItemReport>,
    /// Errors worth showing (already safe to print).
    pub errors: Vec<String>,
}

impl PassReport {
    pub(crate) fn new(profile: &str, dry_run: bool, started: EpochMs) -> PassReport {
        PassReport {
            profile: profile.to_owned(),
            dry_run,
            started,
            finished: started,
            outcome: PassOutcome::Completed,
            counts: PassCounts::default(),
            items: Vec::new(),
            errors: Vec::new(),
        }
    }

    pub(crate) fn add(&mut self, item: ItemReport) {
        let c = &mut self.counts;
        match item.outcome {
            ItemOutcome::Created => c.created += 1,
            ItemOutcome::Updated => c.updated += 1,
            ItemOutcome::Parked => c.parked += 1,
            ItemOutcome::Conflict => c.conflicts += 1,
            ItemOutcome::Failed => c.errors += 1,
            ItemOutcome::Unchanged
            | ItemOutcome::Recorded
            | ItemOutcome::Deferred
            | ItemOutcome::Planned => {}
        }
        if let (ItemOutcome::Failed | ItemOutcome::Parked, Some(m)) = (item.outcome, &item.message)
            && self.errors.len() < 50
        {
            self.errors.push(format!("{}: {m}", item.subject));
        }
        let keep =
            self.dry_run || !matches!(item.outcome, ItemOutcome::Unchanged | ItemOutcome::Recorded);
        if keep {
            self.items.push(item);
        }
    }

    /// The number of planned or made remote writes (creates, updates, state changes).
    #[must_use]
    pub fn planned_writes(&self) -> usize {
        self.items
            .iter()
            .flat_map(|i| &i.ops)
            .filter(|o| o.is_remote_write())
            .count()
    }
}
