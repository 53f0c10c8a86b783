//! Comment sync, planned purely like fields: each comment without a counterpart is copied to
//! the other side once, under the visibility rules of research/sync-semantics.md §1.
//!
//! v1 copies new comments and adopts copies whose pair was not recorded; edits and deletions
//! of already-copied comments are not propagated (a later version can baseline bodies the way
//! fields are).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::item::{Comment, LinkRef, Visibility, natural_cmp};
use crate::mapping::Direction;
use crate::rich::RichText;
use crate::side::Side;
use crate::time::EpochMs;
use crate::value::UserRef;

/// A Jira comment and its ADO counterpart, as recorded in the store.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CommentPair {
    /// Jira comment id.
    pub jira: String,
    /// ADO comment id.
    pub ado: String,
}

impl CommentPair {
    /// The id on `side`.
    #[must_use]
    pub fn id(&self, side: Side) -> &str {
        match side {
            Side::Jira => &self.jira,
            Side::Ado => &self.ado,
        }
    }
}

/// How comments flow, per profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentSettings {
    /// Whether comments are synced at all.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The visibility of comments copied to Jira. ADO has no internal/public notion, so on a
    /// Jira Service Management project set `internal`: an ADO discussion must not reach the
    /// customer (research/sync-semantics.md §1).
    #[serde(default)]
    pub to_jira: Visibility,
    /// Copy Jira comments restricted to a role or group to ADO, where every project reader
    /// sees them. Off by default.
    #[serde(default)]
    pub copy_restricted: bool,
}

fn yes() -> bool {
    true
}

impl Default for CommentSettings {
    fn default() -> Self {
        CommentSettings {
            enabled: true,
            to_jira: Visibility::Public,
            copy_restricted: false,
        }
    }
}

/// A linked pair's comments, when the engine fetched them this pass.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentState {
    /// Jira's comments.
    pub jira: Vec<Comment>,
    /// ADO's comments.
    pub ado: Vec<Comment>,
    /// The pairs already recorded.
    pub pairs: Vec<CommentPair>,
}

/// Copy a comment to the other side of a pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentCopy {
    /// The pair.
    pub link: LinkRef,
    /// The side the comment is written to.
    pub target: Side,
    /// The original comment's id.
    pub source_id: String,
    /// Its author, for the attribution line the engine puts above the body (API comments
    /// are posted as the sync user on both sides).
    pub author: Option<UserRef>,
    /// When the original was written.
    pub created: EpochMs,
    /// The body.
    pub body: RichText,
    /// The visibility to give the copy.
    pub visibility: Visibility,
}

/// What the comment planner decided for one comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CommentPlan {
    /// Post a copy.
    Copy(CommentCopy),
    /// The copy exists already (its marker says so): record the pair.
    Pair(CommentPair),
}

/// Plans the comments of one linked pair.
pub(crate) fn plan_comments(
    settings: &CommentSettings,
    direction: Direction,
    link: &LinkRef,
    state: &CommentState,
) -> Vec<CommentPlan> {
    if !settings.enabled {
        return Vec::new();
    }
    let mut paired: [BTreeSet<String>; 2] = [BTreeSet::new(), BTreeSet::new()];
    for p in &state.pairs {
        paired[0].insert(p.jira.clone());
        paired[1].insert(p.ado.clone());
    }
    let slot = |side: Side| usize::from(side == Side::Ado);
    let sorted = |side: Side| {
        let comments = match side {
            Side::Jira => &state.jira,
            Side::Ado => &state.ado,
        };
        let mut comments: Vec<&Comment> = comments.iter().collect();
        comments.sort_by(|a, b| {
            a.created
                .cmp(&b.created)
                .then_with(|| natural_cmp(&a.id, &b.id))
        });
        comments
    };
    let mut out = Vec::new();
    // Adoptions first: a copy whose pair was never recorded must pair with its original
    // before the original is considered unpaired and copied a second time.
    for side in Side::BOTH {
        for c in sorted(side) {
            let Some(origin) = &c.origin else { continue };
            if paired[slot(side)].contains(&c.id)
                || origin.side != side.other()
                || paired[slot(origin.side)].contains(&origin.id)
            {
                // Already paired, or a stray duplicate: never copied back.
                continue;
            }
            let pair = match side {
                Side::Jira => CommentPair {
                    jira: c.id.clone(),
                    ado: origin.id.clone(),
                },
                Side::Ado => CommentPair {
                    jira: origin.id.clone(),
                    ado: c.id.clone(),
                },
            };
            paired[0].insert(pair.jira.clone());
            paired[1].insert(pair.ado.clone());
            out.push(CommentPlan::Pair(pair));
        }
    }
    for side in Side::BOTH {
        if !direction.allows(side) {
            continue;
        }
        for c in sorted(side) {
            if c.origin.is_some() || paired[slot(side)].contains(&c.id) {
                continue;
            }
            let visibility = match (side, &c.visibility) {
                (Side::Jira, Visibility::Restricted(_)) if !settings.copy_restricted => continue,
                (Side::Ado, _) => settings.to_jira.clone(),
                // ADO has a single audience; what was readable on Jira is readable there.
                (Side::Jira, _) => Visibility::Public,
            };
            out.push(CommentPlan::Copy(CommentCopy {
                link: link.clone(),
                target: side.other(),
                source_id: c.id.clone(),
                author: c.author.clone(),
                created: c.created,
                body: c.body.clone(),
                visibility,
            }));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::item::CommentOrigin;
    use crate::testkit::link;

    fn comment(id: &str, created: i64, visibility: Visibility) -> Comment {
        Comment {
            id: id.into(),
            author: Some(UserRef::with_id("acc-ann")),
            body: RichText::from_plain(&format!("comment {id}")),
            created: EpochMs(created),
            updated: EpochMs(created),
            visibility,
            origin: None,
        }
    }

    fn copy_of(id: &str, created: i64, side: Side, original: &str) -> Comment {
        let origin = Some(CommentOrigin {
            side,
            id: original.into(),
        });
        Comment {
            origin,
            ..comment(id, created, Visibility::Public)
        }
    }

    fn describe(plans: &[CommentPlan]) -> Vec<String> {
        plans
            .iter()
            .map(|p| match p {
                CommentPlan::Copy(c) => {
                    format!(
                        "copy {} to {} as {:?}",
                        c.source_id,
                        c.target.as_str(),
                        c.visibility
                    )
                }
                CommentPlan::Pair(p) => format!("pair {}={}", p.jira, p.ado),
            })
            .collect()
    }

    fn plan(settings: &CommentSettings, direction: Direction, state: &CommentState) -> Vec<String> {
        describe(&plan_comments(
            settings,
            direction,
            &link("1", "101"),
            state,
        ))
    }

    #[test]
    #[allow(clippy::type_complexity, reason = "a case table is a tuple per row")]
    fn case_table() {
        let jsm = CommentSettings {
            to_jira: Visibility::Internal,
            ..CommentSettings::default()
        };
        let open = CommentSettings {
            copy_restricted: true,
            ..CommentSettings::default()
        };
        let off = CommentSettings {
            enabled: false,
            ..CommentSettings::default()
        };
        let std = CommentSettings::default();
        let restricted = Visibility::Restricted("jira-developers".into());
        let pair = |j: &str, a: &str| CommentPair {
            jira: j.into(),
            ado: a.into(),
        };
        // (case, settings, direction, jira comments, ado comments, pairs, plan)
        let cases: Vec<(
            &str,
            &CommentSettings,
            Direction,
            Vec<Comment>,
            Vec<Comment>,
            Vec<CommentPair>,
            Vec<&str>,
        )> = vec![
            (
                "new on both sides, oldest first",
                &std,
                Direction::Both,
                vec![comment("j2", 30, Visibility::Public)],
                vec![comment("a1", 20, Visibility::Public)],
                vec![],
                vec!["copy j2 to ado as Public", "copy a1 to jira as Public"],
            ),
            (
                "ado to a service desk is internal",
                &jsm,
                Direction::Both,
                vec![],
                vec![comment("a1", 20, Visibility::Public)],
                vec![],
                vec!["copy a1 to jira as Internal"],
            ),
            (
                "internal notes reach ado, which no customer sees",
                &std,
                Direction::Both,
                vec![comment("j1", 1, Visibility::Internal)],
                vec![],
                vec![],
                vec!["copy j1 to ado as Public"],
            ),
            (
                "restricted comments stay on jira",
                &std,
                Direction::Both,
                vec![comment("j1", 1, restricted.clone())],
                vec![],
                vec![],
                vec![],
            ),
            (
                "unless asked",
                &open,
                Direction::Both,
                vec![comment("j1", 1, restricted)],
                vec![],
                vec![],
                vec!["copy j1 to ado as Public"],
            ),
            (
                "paired comments are left alone",
                &std,
                Direction::Both,
                vec![comment("j1", 1, Visibility::Public)],
                vec![copy_of("a9", 2, Side::Jira, "j1")],
                vec![pair("j1", "a9")],
                vec![],
            ),
            (
                "a copy whose pair was lost is adopted, not copied again",
                &std,
                Direction::Both,
                vec![comment("j1", 1, Visibility::Public)],
                vec![copy_of("a9", 2, Side::Jira, "j1")],
                vec![],
                vec!["pair j1=a9"],
            ),
            (
                "a stray duplicate is not copied back",
                &std,
                Direction::Both,
                vec![comment("j1", 1, Visibility::Public)],
                vec![
                    copy_of("a9", 2, Side::Jira, "j1"),
                    copy_of("a10", 3, Side::Jira, "j1"),
                ],
                vec![pair("j1", "a9")],
                vec![],
            ),
            (
                "one-way profiles copy one way",
                &std,
                Direction::JiraToAdo,
                vec![comment("j1", 1, Visibility::Public)],
                vec![comment("a1", 1, Visibility::Public)],
                vec![],
                vec!["copy j1 to ado as Public"],
            ),
            (
                "disabled",
                &off,
                Direction::Both,
                vec![comment("j1", 1, Visibility::Public)],
                vec![],
                vec![],
                vec![],
            ),
        ];
        for (case, settings, direction, jira, ado, pairs, expected) in cases {
            let state = CommentState { jira, ado, pairs };
            assert_eq!(plan(settings, direction, &state), expected, "{case}");
        }
    }

    proptest! {
        /// Posting the planned copies (each with its origin marker), losing some of the
        /// pair records to a crash, and planning again never posts a second copy.
        #[test]
        fn copies_are_posted_once(
            jira in proptest::collection::vec(0..50i64, 0..5),
            ado in proptest::collection::vec(0..50i64, 0..5),
            lost in proptest::collection::vec(any::<bool>(), 10),
        ) {
            let mut state = CommentState {
                jira: jira.iter().enumerate().map(|(i, t)| comment(&format!("j{i}"), *t, Visibility::Public)).collect(),
                ado: ado.iter().enumerate().map(|(i, t)| comment(&format!("a{i}"), *t, Visibility::Public)).collect(),
                pairs: vec![],
            };
            let settings = CommentSettings::default();
            let first = plan_comments(&settings, Direction::Both, &link("1", "101"), &state);
            prop_assert_eq!(first.len(), jira.len() + ado.len());
            for (n, p) in first.iter().enumerate() {
                let CommentPlan::Copy(c) = p else { panic!("only copies at first") };
                let id = format!("copy{n}");
                let posted = copy_of(&id, 100, c.target.other(), &c.source_id);
                let pair = match c.target {
                    Side::Ado => { state.ado.push(posted); CommentPair { jira: c.source_id.clone(), ado: id } }
                    Side::Jira => { state.jira.push(posted); CommentPair { jira: id, ado: c.source_id.clone() } }
                };
                if !lost[n % lost.len()] {
                    state.pairs.push(pair);
                }
            }
            let second = plan_comments(&settings, Direction::Both, &link("1", "101"), &state);
            prop_assert!(second.iter().all(|p| matches!(p, CommentPlan::Pair(_))), "{:?}", describe(&second));
            for p in second {
                if let CommentPlan::Pair(p) = p { state.pairs.push(p); }
            }
            prop_assert_eq!(state.pairs.len(), jira.len() + ado.len());
            prop_assert!(plan_comments(&settings, Direction::Both, &link("1", "101"), &state).is_empty());
        }
    }
}
