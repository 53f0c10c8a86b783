//! Three-way merge of one field: the base (the last value both sides agreed on) against each
//! side's current value. The rule is jj's `trivial_merge` (research/style-anchors.md §4): a
//! side that still holds the base has not changed, so the other side's value wins; if both
//! changed, to the same value, they agree; only a real divergence asks the policy.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::side::Side;
use crate::time::EpochMs;

/// What decides a field both sides changed differently (a profile's `conflict` setting).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConflictPolicy {
    /// Jira's value wins.
    JiraWins,
    /// Azure DevOps's value wins.
    AdoWins,
    /// The side whose item changed last wins. Equal stamps cannot be decided and are parked
    /// as with `Manual`, so the outcome never depends on which side is called "first".
    NewestWins,
    /// Nothing is written for the field; a conflict record waits for a person
    /// (`tandem conflicts resolve`). The safe default.
    #[default]
    Manual,
}

impl ConflictPolicy {
    /// The policy that says the same thing with the sides exchanged.
    #[must_use]
    pub fn mirrored(self) -> ConflictPolicy {
        match self {
            ConflictPolicy::JiraWins => ConflictPolicy::AdoWins,
            ConflictPolicy::AdoWins => ConflictPolicy::JiraWins,
            p @ (ConflictPolicy::NewestWins | ConflictPolicy::Manual) => p,
        }
    }

    /// The policy that always picks `side`.
    #[must_use]
    pub fn wins(side: Side) -> ConflictPolicy {
        match side {
            Side::Jira => ConflictPolicy::JiraWins,
            Side::Ado => ConflictPolicy::AdoWins,
        }
    }

    /// The config spelling (`jira-wins`, ...).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictPolicy::JiraWins => "jira-wins",
            ConflictPolicy::AdoWins => "ado-wins",
            ConflictPolicy::NewestWins => "newest-wins",
            ConflictPolicy::Manual => "manual",
        }
    }
}

impl fmt::Display for ConflictPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One side's current value and when that side's item last changed.
#[derive(Debug)]
pub struct Stamped<'a, T> {
    /// The current value.
    pub value: &'a T,
    /// When the item holding it last changed (the newest-wins clock).
    pub at: EpochMs,
}

impl<T> Clone for Stamped<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Stamped<'_, T> {}

impl<'a, T> Stamped<'a, T> {
    /// Pairs a value with its stamp.
    pub fn new(value: &'a T, at: EpochMs) -> Self {
        Stamped { value, at }
    }
}

/// Why a side's value was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// Only that side changed the field.
    OnlyChange,
    /// Both changed; the conflict policy chose.
    Policy(ConflictPolicy),
    /// Both changed; a person chose (a resolved conflict record).
    Resolution,
}

/// The outcome of [`merge3`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Merge {
    /// Neither side changed: nothing to do.
    Unchanged,
    /// Both sides hold the same value, which differs from the base (both made the same
    /// change, or there was no base): record it, write nothing.
    Converged,
    /// Take `side`'s value and write it to the other side.
    Take {
        /// The side whose value wins.
        side: Side,
        /// Why.
        by: Decision,
    },
    /// Both changed differently and the policy could not decide: park, write nothing.
    Conflict,
}

impl Merge {
    /// The merged value, or `None` for a conflict.
    pub fn value<'a, T>(self, base: Option<&'a T>, jira: &'a T, ado: &'a T) -> Option<&'a T> {
        match self {
            Merge::Unchanged => base.or(Some(jira)),
            Merge::Converged => Some(jira),
            Merge::Take {
                side: Side::Jira, ..
            } => Some(jira),
            Merge::Take {
                side: Side::Ado, ..
            } => Some(ado),
            Merge::Conflict => None,
        }
    }

    /// The same outcome described with the sides exchanged.
    #[must_use]
    pub fn mirrored(self) -> Merge {
        match self {
            Merge::Take { side, by } => {
                let by = match by {
                    Decision::Policy(p) => Decision::Policy(p.mirrored()),
                    d => d,
                };
                Merge::Take {
                    side: side.other(),
                    by,
                }
            }
            m => m,
        }
    }
}

/// Merges one field. `base` is `None` when the pair has never been synced for this field, in
/// which case any difference is a conflict for the policy to decide.
pub fn merge3<T: PartialEq>(
    base: Option<&T>,
    jira: Stamped<'_, T>,
    ado: Stamped<'_, T>,
    policy: ConflictPolicy,
) -> Merge {
    let jira_changed = base.is_none_or(|b| b != jira.value);
    let ado_changed = base.is_none_or(|b| b != ado.value);
    if jira.value == ado.value {
        return if jira_changed {
            Merge::Converged
        } else {
            Merge::Unchanged
        };
    }
    match (jira_changed, ado_changed) {
        (true, false) => Merge::Take {
            side: Side::Jira,
            by: Decision::OnlyChange,
        },
        (false, true) => Merge::Take {
            side: Side::Ado,
            by: Decision::OnlyChange,
        },
        // Both unchanged with different values is impossible (both would equal the base),
        // so this arm is the true conflict.
        _ => {
            let by = Decision::Policy(policy);
            match policy {
                ConflictPolicy::JiraWins => Merge::Take {
                    side: Side::Jira,
                    by,
                },
                ConflictPolicy::AdoWins => Merge::Take {
                    side: Side::Ado,
                    by,
                },
                ConflictPolicy::NewestWins => match jira.at.cmp(&ado.at) {
                    Ordering::Greater => Merge::Take {
                        side: Side::Jira,
                        by,
                    },
                    Ordering::Less => Merge::Take {
                        side: Side::Ado,
                        by,
                    },
                    Ordering::Equal => Merge::Conflict,
                },
                ConflictPolicy::Manual => Merge::Conflict,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const J: Side = Side::Jira;
    const A: Side = Side::Ado;

    fn m(base: Option<i32>, j: i32, jt: i64, a: i32, at: i64, p: ConflictPolicy) -> Merge {
        merge3(
            base.as_ref(),
            Stamped::new(&j, EpochMs(jt)),
            Stamped::new(&a, EpochMs(at)),
            p,
        )
    }

    fn take(side: Side, by: Decision) -> Merge {
        Merge::Take { side, by }
    }

    /// (name, base, jira, jira stamp, ado, ado stamp, policy, expected)
    type Case = (
        &'static str,
        Option<i32>,
        i32,
        i64,
        i32,
        i64,
        ConflictPolicy,
        Merge,
    );

    #[test]
    fn case_table() {
        use ConflictPolicy::*;
        use Decision::*;
        let cases: &[Case] = &[
            (
                "nothing changed",
                Some(1),
                1,
                5,
                1,
                9,
                Manual,
                Merge::Unchanged,
            ),
            (
                "only jira changed",
                Some(1),
                2,
                5,
                1,
                9,
                Manual,
                take(J, OnlyChange),
            ),
            (
                "only ado changed",
                Some(1),
                1,
                9,
                3,
                5,
                Manual,
                take(A, OnlyChange),
            ),
            ("same change", Some(1), 2, 5, 2, 9, Manual, Merge::Converged),
            ("manual parks", Some(1), 2, 5, 3, 9, Manual, Merge::Conflict),
            (
                "jira wins",
                Some(1),
                2,
                5,
                3,
                9,
                JiraWins,
                take(J, Policy(JiraWins)),
            ),
            (
                "ado wins",
                Some(1),
                2,
                9,
                3,
                5,
                AdoWins,
                take(A, Policy(AdoWins)),
            ),
            (
                "newest: ado",
                Some(1),
                2,
                5,
                3,
                9,
                NewestWins,
                take(A, Policy(NewestWins)),
            ),
            (
                "newest: jira",
                Some(1),
                2,
                9,
                3,
                5,
                NewestWins,
                take(J, Policy(NewestWins)),
            ),
            (
                "newest: tie parks",
                Some(1),
                2,
                7,
                3,
                7,
                NewestWins,
                Merge::Conflict,
            ),
            ("no base, equal", None, 4, 1, 4, 2, Manual, Merge::Converged),
            ("no base, differ", None, 4, 1, 5, 2, Manual, Merge::Conflict),
            (
                "no base, policy",
                None,
                4,
                1,
                5,
                2,
                JiraWins,
                take(J, Policy(JiraWins)),
            ),
            // A policy never overrides a one-sided change.
            (
                "policy irrelevant",
                Some(1),
                1,
                9,
                3,
                5,
                JiraWins,
                take(A, OnlyChange),
            ),
        ];
        for &(name, base, j, jt, a, at, p, expected) in cases {
            assert_eq!(m(base, j, jt, a, at, p), expected, "{name}");
        }
    }

    fn policy() -> impl Strategy<Value = ConflictPolicy> {
        prop_oneof![
            Just(ConflictPolicy::JiraWins),
            Just(ConflictPolicy::AdoWins),
            Just(ConflictPolicy::NewestWins),
            Just(ConflictPolicy::Manual),
        ]
    }

    // Small domains so that equalities actually happen.
    proptest! {
        #[test]
        fn unchanged_side_yields_the_other(b in 0..4i32, x in 0..4i32, t1 in 0..3i64,
                                           t2 in 0..3i64, p in policy()) {
            // merge(b, b, x) = x and merge(b, x, b) = x
            let r = m(Some(b), b, t1, x, t2, p);
            prop_assert_eq!(r.value(Some(&b), &b, &x), Some(&x));
            let r = m(Some(b), x, t1, b, t2, p);
            prop_assert_eq!(r.value(Some(&b), &x, &b), Some(&x));
        }

        #[test]
        fn same_change_yields_it(b in proptest::option::of(0..4i32), x in 0..4i32,
                                 t1 in 0..3i64, t2 in 0..3i64, p in policy()) {
            // merge(b, x, x) = x, whatever the policy
            let r = m(b, x, t1, x, t2, p);
            prop_assert_eq!(r.value(b.as_ref(), &x, &x), Some(&x));
            let decided_by_policy = matches!(r, Merge::Take { .. } | Merge::Conflict);
            prop_assert!(!decided_by_policy);
        }

        #[test]
        fn symmetric_under_side_swap(b in proptest::option::of(0..4i32), j in 0..4i32,
                                     a in 0..4i32, t1 in 0..3i64, t2 in 0..3i64,
                                     p in policy()) {
            let straight = m(b, j, t1, a, t2, p);
            let swapped = m(b, a, t2, j, t1, p.mirrored());
            prop_assert_eq!(straight, swapped.mirrored());
        }

        #[test]
        fn result_is_one_of_the_inputs(b in proptest::option::of(0..4i32), j in 0..4i32,
                                       a in 0..4i32, t1 in 0..3i64, t2 in 0..3i64,
                                       p in policy()) {
            let r = m(b, j, t1, a, t2, p);
            if let Some(v) = r.value(b.as_ref(), &j, &a) {
                prop_assert!(*v == j || *v == a);
            } else {
                prop_assert!(j != a);
            }
        }
    }
}
