//! Typed field values. Every value is kept in a normalised form, so that two values are
//! equal exactly when a sync would have nothing to write: comparing raw vendor text would make
//! changes that are not changes, and those become echo loops.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::rich::RichText;
use crate::time::EpochMs;

/// The value of one field on one side. An empty field is `None` wherever an
/// `Option<FieldValue>` appears; [`FieldValue::normalized`] turns empty values into `None`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum FieldValue {
    /// Plain, single-line or multi-line text (Jira `summary`, ADO `System.Title`).
    Text(String),
    /// Formatted text (descriptions, comments), compared on its normalised form.
    RichText(RichText),
    /// A person (assignee, reporter).
    User(UserRef),
    /// A workflow state (Jira status, ADO `System.State`).
    State(StateValue),
    /// One option out of a fixed list, by name (Jira priority, a select field).
    Choice(String),
    /// A number (story points, estimates, ADO priority).
    Number(Number),
    /// A calendar date without time (Jira `duedate`).
    Date(jiff::civil::Date),
    /// An instant.
    DateTime(EpochMs),
    /// A set of labels or tags (Jira `labels`, `components` names; ADO `System.Tags`).
    Labels(BTreeSet<String>),
    /// A classification path, e.g. ADO area or iteration path `Web\Frontend`, as segments.
    Path(Vec<String>),
    /// An ordered list of references to named things: Jira sprints (the last is the current
    /// one), fix versions, components by id.
    Refs(Vec<NamedRef>),
}

impl FieldValue {
    /// The short kind name used in error messages and JSON (`text`, `user`, ...).
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            FieldValue::Text(_) => "text",
            FieldValue::RichText(_) => "rich-text",
            FieldValue::User(_) => "user",
            FieldValue::State(_) => "state",
            FieldValue::Choice(_) => "choice",
            FieldValue::Number(_) => "number",
            FieldValue::Date(_) => "date",
            FieldValue::DateTime(_) => "date-time",
            FieldValue::Labels(_) => "labels",
            FieldValue::Path(_) => "path",
            FieldValue::Refs(_) => "refs",
        }
    }

    /// Builds a label set from anything iterable.
    pub fn labels<I, S>(labels: I) -> FieldValue
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        FieldValue::Labels(labels.into_iter().map(Into::into).collect())
    }

    /// The normalised form of this value, or `None` if it is empty.
    ///
    /// Text loses trailing whitespace and `\r`; labels are trimmed and empty ones dropped;
    /// path segments are trimmed and empty ones dropped; rich text is normalised by its model.
    #[must_use]
    pub fn normalized(self) -> Option<FieldValue> {
        let value = match self {
            FieldValue::Text(s) => {
                let s = s.replace("\r\n", "\n").replace('\r', "\n");
                let s = s.trim_end();
                if s.trim().is_empty() {
                    return None;
                }
                FieldValue::Text(s.to_owned())
            }
            FieldValue::Choice(s) => {
                let s = s.trim();
                if s.is_empty() {
                    return None;
                }
                FieldValue::Choice(s.to_owned())
            }
            FieldValue::RichText(r) => {
                let r = r.normalized();
                if r.is_empty() {
                    return None;
                }
                FieldValue::RichText(r)
            }
            FieldValue::User(u) => FieldValue::User(u.normalized()?),
            FieldValue::State(s) => {
                let name = s.name.trim();
                if name.is_empty() {
                    return None;
                }
                FieldValue::State(StateValue {
                    name: name.to_owned(),
                    category: s.category,
                })
            }
            FieldValue::Labels(set) => {
                let set: BTreeSet<String> = set
                    .into_iter()
                    .map(|l| l.trim().to_owned())
                    .filter(|l| !l.is_empty())
                    .collect();
                if set.is_empty() {
                    return None;
                }
                FieldValue::Labels(set)
            }
            FieldValue::Path(segments) => {
                let segments: Vec<String> = segments
                    .into_iter()
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect();
                if segments.is_empty() {
                    return None;
                }
                FieldValue::Path(segments)
            }
            FieldValue::Refs(refs) => {
                // Trimmed, without empty names or repeats, in their order.
                let mut out: Vec<NamedRef> = Vec::with_capacity(refs.len());
                for r in refs {
                    let r = NamedRef {
                        id: r.id,
                        name: r.name.trim().to_owned(),
                    };
                    if !r.name.is_empty() && !out.contains(&r) {
                        out.push(r);
                    }
                }
                if out.is_empty() {
                    return None;
                }
                FieldValue::Refs(out)
            }
            v @ (FieldValue::Number(_) | FieldValue::Date(_) | FieldValue::DateTime(_)) => v,
        };
        Some(value)
    }
}

impl fmt::Display for FieldValue {
    /// A one-line human rendering for dry runs, conflicts and audit entries.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Text(s) | FieldValue::Choice(s) => write!(f, "{s:?}"),
            FieldValue::RichText(r) => write!(f, "{:?}", r.plain_text()),
            FieldValue::User(u) => write!(f, "{u}"),
            FieldValue::State(s) => write!(f, "{}", s.name),
            FieldValue::Number(n) => write!(f, "{n}"),
            FieldValue::Date(d) => write!(f, "{d}"),
            FieldValue::DateTime(t) => write!(f, "{t}"),
            FieldValue::Labels(set) => {
                let v: Vec<&str> = set.iter().map(String::as_str).collect();
                write!(f, "[{}]", v.join(", "))
            }
            FieldValue::Path(p) => write!(f, "{}", p.join("\\")),
            FieldValue::Refs(refs) => {
                let v: Vec<&str> = refs.iter().map(|r| r.name.as_str()).collect();
                write!(f, "[{}]", v.join(", "))
            }
        }
    }
}

/// A reference to a named thing on one side (a sprint, a version).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NamedRef {
    /// Its id on that side, when known (Jira sprint id); values converted from the other side
    /// carry only the name, which the engine resolves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its name.
    pub name: String,
}

impl NamedRef {
    /// A reference by name only.
    pub fn named(name: impl Into<String>) -> NamedRef {
        NamedRef {
            id: None,
            name: name.into(),
        }
    }
}

/// A finite number. Equality is numeric (`-0 == 0`), which makes it a total equivalence
/// because NaN and infinities cannot be built.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Number(f64);

impl Number {
    /// A number, or `None` for NaN and infinities.
    #[must_use]
    pub fn new(value: f64) -> Option<Number> {
        // -0.0 becomes 0.0 so that equal numbers have equal bits (used by `Hash`).
        value
            .is_finite()
            .then_some(Number(if value == 0.0 { 0.0 } else { value }))
    }

    /// A number from an integer.
    #[must_use]
    #[allow(
        clippy::cast_precision_loss,
        reason = "priorities and points are small"
    )]
    pub fn from_int(value: i64) -> Number {
        Number(value as f64)
    }

    /// The value.
    #[must_use]
    pub fn get(self) -> f64 {
        self.0
    }

    /// This number rounded to `decimals` places (for unit conversions such as seconds to
    /// hours, whose float noise would otherwise read as a change).
    #[must_use]
    pub fn rounded(self, decimals: i32) -> Number {
        let factor = 10f64.powi(decimals);
        Number::new((self.0 * factor).round() / factor).unwrap_or(self)
    }
}

impl TryFrom<f64> for Number {
    type Error = &'static str;
    fn try_from(value: f64) -> Result<Self, Self::Error> {
        Number::new(value).ok_or("a number must be finite")
    }
}

impl From<Number> for f64 {
    fn from(n: Number) -> f64 {
        n.0
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.0.total_cmp(&other.0) == Ordering::Equal
    }
}
impl Eq for Number {}
impl Hash for Number {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state);
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A reference to a person on one side.
///
/// `id` is the side's stable identifier in the form that side accepts on write: Jira Cloud
/// `accountId`, Jira Data Center user name, Azure DevOps `uniqueName` (UPN or e-mail). Two
/// references are equal when their identity keys are equal ([`UserRef::identity`]): a
/// display-name change is not a change of assignee.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct UserRef {
    /// Stable identifier on its side, as written back to that side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// E-mail address, when the side discloses it (Jira Cloud may hide it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Display name (ambiguous; used for matching only when asked to).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

impl UserRef {
    /// A reference with only an identifier.
    pub fn with_id(id: impl Into<String>) -> UserRef {
        UserRef {
            id: Some(id.into()),
            ..UserRef::default()
        }
    }

    /// What identifies this person: the id, else the lower-cased e-mail, else the display
    /// name. Equality, ordering and hashing use this key.
    #[must_use]
    pub fn identity(&self) -> Identity<'_> {
        if let Some(id) = &self.id {
            Identity::Id(id)
        } else if let Some(email) = &self.email {
            Identity::Email(email.to_ascii_lowercase())
        } else if let Some(name) = &self.display_name {
            Identity::Name(name)
        } else {
            Identity::Nobody
        }
    }

    fn normalized(self) -> Option<UserRef> {
        fn clean(s: Option<String>) -> Option<String> {
            s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
        }
        let u = UserRef {
            id: clean(self.id),
            email: clean(self.email),
            display_name: clean(self.display_name),
        };
        (u.identity() != Identity::Nobody).then_some(u)
    }
}

/// The key a [`UserRef`] is compared by.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Identity<'a> {
    /// By stable identifier.
    Id(&'a str),
    /// By lower-cased e-mail.
    Email(String),
    /// By display name.
    Name(&'a str),
    /// Nothing identifies the user (treated as no user at all).
    Nobody,
}

impl PartialEq for UserRef {
    fn eq(&self, other: &Self) -> bool {
        self.identity() == other.identity()
    }
}
impl Eq for UserRef {}
impl Hash for UserRef {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.identity().hash(state);
    }
}

impl fmt::Display for UserRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.display_name, &self.email, &self.id) {
            (Some(n), Some(e), _) => write!(f, "{n} <{e}>"),
            (Some(n), None, _) => write!(f, "{n}"),
            (None, Some(e), _) => write!(f, "<{e}>"),
            (None, None, Some(id)) => write!(f, "{id}"),
            (None, None, None) => f.write_str("(nobody)"),
        }
    }
}

/// The broad meaning of a workflow state, used when a state has no explicit mapping.
///
/// Jira reports it as the status category (`new`, `indeterminate`, `done`); Azure DevOps as
/// the state category (Proposed, InProgress, Resolved, Completed, Removed). Connectors map
/// Proposed to `ToDo`, InProgress to `InProgress`, and Resolved, Completed, Removed to `Done`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StateCategory {
    /// Not started.
    ToDo,
    /// Being worked on.
    InProgress,
    /// Finished (including resolved and removed).
    Done,
}

/// A workflow state: its name on its side, and its category when the side reports one.
/// Equality is on the name alone (the category is a property of the name).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StateValue {
    /// The state's name, e.g. `In Progress`, `Active`.
    pub name: String,
    /// The category, used for the fallback mapping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<StateCategory>,
}

impl StateValue {
    /// A state with its category.
    pub fn new(name: impl Into<String>, category: Option<StateCategory>) -> StateValue {
        StateValue {
            name: name.into(),
            category,
        }
    }
}

impl PartialEq for StateValue {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl Eq for StateValue {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_normalise_to_none() {
        let cases = [
            FieldValue::Text("  \r\n ".into()),
            FieldValue::Choice(" ".into()),
            FieldValue::Labels(BTreeSet::from([" ".to_owned()])),
            FieldValue::Path(vec![String::new()]),
            FieldValue::User(UserRef::default()),
            FieldValue::State(StateValue::new(" ", None)),
            FieldValue::RichText(RichText::from_plain("\n\n")),
        ];
        for case in cases {
            assert_eq!(case.clone().normalized(), None, "{case:?}");
        }
    }

    #[test]
    fn normalisation_removes_noise_that_is_not_a_change() {
        let t = FieldValue::Text("Fix login\r\n".into()).normalized();
        assert_eq!(t, Some(FieldValue::Text("Fix login".into())));
        let l = FieldValue::labels([" a", "b ", ""]).normalized();
        assert_eq!(l, Some(FieldValue::labels(["a", "b"])));
    }

    #[test]
    fn users_compare_by_identity_not_display_name() {
        let a = UserRef {
            id: Some("557058:abc".into()),
            email: None,
            display_name: Some("Ann".into()),
        };
        let b = UserRef {
            display_name: Some("Ann Smith".into()),
            ..a.clone()
        };
        assert_eq!(a, b);
        let by_mail = UserRef {
            email: Some("Ann@Example.com".into()),
            ..UserRef::default()
        };
        let by_mail2 = UserRef {
            email: Some("ann@example.com".into()),
            ..UserRef::default()
        };
        assert_eq!(by_mail, by_mail2);
        assert_ne!(a, by_mail);
    }

    #[test]
    fn numbers_are_finite_and_negative_zero_is_zero() {
        assert!(Number::new(f64::NAN).is_none());
        assert!(Number::new(f64::INFINITY).is_none());
        assert_eq!(Number::new(-0.0), Number::new(0.0));
        assert_eq!(
            Number::new(1.0 / 3.0).map(|n| n.rounded(3).get()),
            Some(0.333)
        );
        assert!(serde_json::from_str::<Number>("1e400").is_err());
    }

    #[test]
    fn values_serialise_with_a_kind_tag() {
        let v = FieldValue::Number(Number::from_int(3));
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, r#"{"kind":"number","value":3.0}"#);
        assert_eq!(serde_json::from_str::<FieldValue>(&json).unwrap(), v);
    }
}
