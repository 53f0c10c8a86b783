//! tandem's sync domain, pure: normalised work items and typed field values, links and
//! comments, the mapping between Jira and Azure DevOps (types, fields and their converters,
//! users, states, priorities), the three-way field merge with its conflict policy, and
//! [`plan()`], which turns what tandem knows into a sorted list of operations.
//!
//! This crate does no I/O and must never depend on tokio, reqwest, sqlx, a store or any
//! connector: everything here is a function of its arguments, so dry runs and real passes
//! share it and tests need no servers.

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
    ParkReason, Phase, PlanSettings, StateOp, UpdateOp, pair_baselines, plan, sort_ops,
};
pub use relations::{RELATIONS_BASELINE, Relation, RelationOp, RelationState};
pub use rich::RichText;
pub use side::{Side, Sided};
pub use time::EpochMs;
pub use value::{FieldValue, Identity, Number, StateCategory, StateValue, UserRef};
