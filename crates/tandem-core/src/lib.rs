//! tandem's sync domain, pure: normalised work items and typed field values, links and
//! comments, the mapping between Jira and Azure DevOps (types, fields and their converters,
//! users, states, priorities), the three-way field merge with its conflict policy, and
//! [`plan()`], which turns what tandem knows into a sorted list of operations.
//!
//! This crate does no I/O and must never depend on tokio, reqwest, sqlx, a store or any
//! connector: everything here is a function of its arguments, so dry runs and real passes
//! share it and tests need no servers.
//!
//! ```
//! use std::collections::BTreeMap;
//! use tandem_core::*;
//!
//! let mapping = Mapping::standard();
//! let synced = Item::new(ItemRef::new(Side::Jira, "10001"), "Story", EpochMs(1_000))
//!     .with("summary", FieldValue::Text("Login fails".into()));
//! let ado = Item::new(ItemRef::new(Side::Ado, "42"), "User Story", EpochMs(1_000))
//!     .with("System.Title", FieldValue::Text("Login fails".into()));
//! // What the store holds after the last sync, then an edit on Jira.
//! let baselines = pair_baselines(&mapping, &synced, &ado);
//! let mut jira = synced.with("summary", FieldValue::Text("Login fails on Safari".into()));
//! jira.updated = EpochMs(2_000);
//! let pair = LinkedPair {
//!     link: LinkRef { jira_id: "10001".into(), jira_key: Some("WEB-1".into()), ado_id: "42".into() },
//!     baselines,
//!     jira,
//!     ado,
//!     resolutions: BTreeMap::new(),
//!     comments: None,
//!     relations: None,
//! };
//! let settings = PlanSettings {
//!     mapping: &mapping,
//!     policy: ConflictPolicy::Manual,
//!     direction: Direction::Both,
//!     directory: &UserDirectory::default(),
//!     comments: &CommentSettings::default(),
//! };
//! let ops = plan(&settings, &[Entry::Linked(pair)]);
//! let lines: Vec<String> = ops.iter().map(ToString::to_string).collect();
//! assert_eq!(lines, [
//!     r#"update ado:42; title: "Login fails" -> "Login fails on Safari""#,
//!     "record jira:WEB-1 <-> ado:42: title",
//! ]);
//! ```

mod comments;
mod item;
mod mapping;
mod merge;
mod plan;
mod relations;
mod rich;
mod side;
#[cfg(test)]
mod testkit;
mod time;
mod value;

pub use comments::{CommentCopy, CommentPair, CommentSettings, CommentState};
pub use item::{
    Comment, CommentOrigin, Item, ItemLink, ItemRef, LinkKind, LinkRef, Visibility, natural_cmp,
};
pub use mapping::{
    AreaMap, AreaPair, CategoryDefault, ConvertCx, ConvertError, Converter, Direction, FieldMap,
    Mapping, MappingError, PriorityMap, PriorityPair, StateMap, StatePair, TypePair, UnmappedUsers,
    UserDirectory, UserMap, UserMatch, UserPair, mapped_values,
};
pub use merge::{ConflictPolicy, Decision, Merge, Stamped, merge3};
pub use plan::{
    Baseline, Baselines, ConflictNote, CreateOp, Entry, FieldWrite, Guard, LinkedPair, Op, OpKey,
    ParkReason, Phase, PlanSettings, StateOp, UpdateOp, adopt_baselines, pair_baselines, plan,
    sort_ops,
};
pub use relations::{RELATIONS_BASELINE, Relation, RelationOp, RelationState};
pub use rich::RichText;
pub use side::{Side, Sided};
pub use time::EpochMs;
pub use value::{FieldValue, Identity, NamedRef, Number, StateCategory, StateValue, UserRef};
