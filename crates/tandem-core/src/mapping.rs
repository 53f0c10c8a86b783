//! How Jira and Azure DevOps items correspond: item types, fields with their converters,
//! users, states and priorities. Pure data (deserialised by the config crate) plus the pure
//! conversions between the two sides' field values.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::merge::ConflictPolicy;
use crate::rich::RichText;
use crate::side::{Side, Sided};
use crate::time::EpochMs;
use crate::value::{FieldValue, NamedRef, Number, StateCategory, StateValue, UserRef};

/// Which way changes may flow (for a profile, and per field).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Both ways.
    #[default]
    Both,
    /// Jira is the source; Azure DevOps edits are not sent back.
    JiraToAdo,
    /// Azure DevOps is the source; Jira edits are not sent back.
    AdoToJira,
}

impl Direction {
    /// Whether a change made on `from` may be written to the other side.
    #[must_use]
    pub fn allows(self, from: Side) -> bool {
        match self {
            Direction::Both => true,
            Direction::JiraToAdo => from == Side::Jira,
            Direction::AdoToJira => from == Side::Ado,
        }
    }

    /// The flows both `self` and `other` allow, or `None` if none.
    #[must_use]
    pub fn and(self, other: Direction) -> Option<Direction> {
        match (
            self.allows(Side::Jira) && other.allows(Side::Jira),
            self.allows(Side::Ado) && other.allows(Side::Ado),
        ) {
            (true, true) => Some(Direction::Both),
            (true, false) => Some(Direction::JiraToAdo),
            (false, true) => Some(Direction::AdoToJira),
            (false, false) => None,
        }
    }

    /// The only side changes may come from, if the direction is one-way.
    #[must_use]
    pub fn source(self) -> Option<Side> {
        match self {
            Direction::Both => None,
            Direction::JiraToAdo => Some(Side::Jira),
            Direction::AdoToJira => Some(Side::Ado),
        }
    }
}

/// The whole mapping of a profile.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Item types that correspond. An item whose type has no pair is not created on the other
    /// side (it is parked with a reason). The first matching pair wins in each direction.
    #[serde(default)]
    pub types: Vec<TypePair>,
    /// Fields that correspond.
    #[serde(default)]
    pub fields: Vec<FieldMap>,
    /// How people correspond.
    #[serde(default)]
    pub users: UserMap,
}

/// A Jira issue type and the ADO work item type it corresponds to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypePair {
    /// Jira issue type name (`Story`).
    pub jira: String,
    /// ADO work item type name (`User Story`).
    pub ado: String,
    /// When several pairs share a type on one side, the pair the reverse lookup picks.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
}

/// One mapped field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldMap {
    /// The mapping's own name, used as the key of baselines and conflicts and in output
    /// (`title`, `state`). Defaults to the Jira field id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Jira field id (`summary`, `customfield_10016`).
    pub jira: String,
    /// ADO field reference name (`System.Title`).
    pub ado: String,
    /// Which way this field flows (combined with the profile's direction).
    #[serde(default)]
    pub direction: Direction,
    /// This field's conflict policy, overriding the profile's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict: Option<ConflictPolicy>,
    /// How values are converted.
    pub convert: Converter,
}

impl FieldMap {
    /// A both-ways mapping.
    pub fn new(
        name: impl Into<String>,
        jira: impl Into<String>,
        ado: impl Into<String>,
        convert: Converter,
    ) -> FieldMap {
        FieldMap {
            name: Some(name.into()),
            jira: jira.into(),
            ado: ado.into(),
            direction: Direction::Both,
            conflict: None,
            convert,
        }
    }

    /// The key of this mapping in baselines and conflicts.
    #[must_use]
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.jira)
    }

    /// The field id on `side`.
    #[must_use]
    pub fn field(&self, side: Side) -> &str {
        match side {
            Side::Jira => &self.jira,
            Side::Ado => &self.ado,
        }
    }

    /// Whether this is the workflow-state field (written as a state change, not an edit).
    #[must_use]
    pub fn is_state(&self) -> bool {
        matches!(self.convert, Converter::State(_))
    }
}

/// How a field's value on one side becomes its value on the other.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Converter {
    /// Plain text to plain text.
    Text,
    /// Rich text to rich text (the connectors read and write the vendor formats).
    RichText,
    /// A person, through the profile's [`UserMap`].
    User,
    /// A workflow state, through explicit pairs with a fallback per state category.
    State(StateMap),
    /// Jira priority name to ADO priority number.
    Priority(PriorityMap),
    /// Label set to tag set. Jira labels cannot hold spaces and ADO tags cannot hold `,` or
    /// `;` (research/sync-semantics.md §7), so those characters become `replacement`.
    Labels {
        /// What replaces a character the target side forbids.
        #[serde(default = "default_replacement")]
        replacement: String,
    },
    /// A number; `jira_per_ado` scales units (3600 for Jira seconds to ADO hours).
    Number {
        /// How many Jira units make one ADO unit.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        jira_per_ado: Option<f64>,
    },
    /// A Jira date to an ADO date-time at 00:00 UTC.
    Date,
    /// An instant to an instant.
    DateTime,
    /// ADO area path to Jira components.
    AreaComponent(AreaMap),
    /// A path to a path (ADO iteration path to a Jira field holding a path).
    Path,
    /// Jira sprints to an ADO iteration path: the current (last) sprint becomes the child
    /// iteration of `root` with the sprint's name (characters ADO forbids in node names
    /// removed, research/sync-semantics.md §0 and §7); no sprint is `root` itself. The way
    /// back names the sprint; the engine resolves the name to a sprint id (or creates the
    /// iteration node on the ADO side).
    SprintIteration {
        /// The ADO iteration path holding the sprints (`Web\Sprints`).
        root: String,
    },
    /// References to references, by name (ids do not cross sides).
    Refs,
}

impl Converter {
    /// The converter for well-known fields, from either side's field id, so a config that
    /// pairs `summary` with `System.Title` needs no `convert` setting. `None` for the state
    /// field (its converter is built from the state map) and for fields whose kind only the
    /// site's field schema tells (custom fields).
    #[must_use]
    pub fn for_fields(jira: &str, ado: &str) -> Option<Converter> {
        let by_jira = match jira {
            "summary" => Some(Converter::Text),
            "description" | "environment" => Some(Converter::RichText),
            "assignee" | "reporter" => Some(Converter::User),
            "labels" => Some(Converter::Labels {
                replacement: default_replacement(),
            }),
            "priority" => Some(Converter::Priority(Mapping::standard_priorities())),
            "duedate" => Some(Converter::Date),
            // Jira keeps time tracking in seconds, ADO in hours (research/sync-semantics.md §7).
            "timeoriginalestimate" | "timeestimate" | "timespent" => Some(Converter::Number {
                jira_per_ado: Some(3600.0),
            }),
            _ => None,
        };
        by_jira.or_else(|| match ado {
            "System.Title" => Some(Converter::Text),
            "System.Description"
            | "Microsoft.VSTS.TCM.ReproSteps"
            | "Microsoft.VSTS.Common.AcceptanceCriteria"
            | "Microsoft.VSTS.TCM.SystemInfo" => Some(Converter::RichText),
            "System.AssignedTo" => Some(Converter::User),
            "System.Tags" => Some(Converter::Labels {
                replacement: default_replacement(),
            }),
            "Microsoft.VSTS.Common.Priority" => {
                Some(Converter::Priority(Mapping::standard_priorities()))
            }
            "Microsoft.VSTS.Scheduling.DueDate" | "Microsoft.VSTS.Scheduling.TargetDate" => {
                Some(Converter::Date)
            }
            "Microsoft.VSTS.Scheduling.StoryPoints"
            | "Microsoft.VSTS.Scheduling.Effort"
            | "Microsoft.VSTS.Scheduling.Size" => Some(Converter::Number { jira_per_ado: None }),
            _ => None,
        })
    }
}

fn default_replacement() -> String {
    "_".to_owned()
}

/// Explicit state pairs and per-category defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateMap {
    /// Explicit pairs; in each direction the first matching pair wins, with pairs restricted
    /// to the item's type preferred over unrestricted ones. Several Jira statuses may map to
    /// one ADO state and back to only one of them: baselines are kept per side, so such a
    /// lossy pair does not echo.
    #[serde(default)]
    pub pairs: Vec<StatePair>,
    /// The state to use for a category when no pair matches.
    #[serde(default)]
    pub categories: Vec<CategoryDefault>,
}

/// A Jira status and an ADO state that correspond.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatePair {
    /// Jira status name.
    pub jira: String,
    /// ADO state name.
    pub ado: String,
    /// Only for this Jira issue type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jira_type: Option<String>,
    /// Only for this ADO work item type (ADO states differ per type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ado_type: Option<String>,
    /// When several pairs share a state on one side, the pair the reverse lookup picks
    /// (among pairs equally restricted by type).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
}

/// The state to use on each side for a state category without an explicit pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryDefault {
    /// The category.
    pub category: StateCategory,
    /// Jira status for this category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jira: Option<String>,
    /// ADO state for this category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ado: Option<String>,
    /// Only for this Jira issue type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jira_type: Option<String>,
    /// Only for this ADO work item type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ado_type: Option<String>,
}

/// Jira priority names and ADO priority numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityMap {
    /// Pairs; ADO to Jira takes the first pair with the number.
    pub pairs: Vec<PriorityPair>,
}

/// One priority pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityPair {
    /// Jira priority name (`High`).
    pub jira: String,
    /// ADO `Microsoft.VSTS.Common.Priority` (1 to 4).
    pub ado: i64,
}

/// ADO area paths and Jira components.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaMap {
    /// The profile's area path (`Web\Frontend`): items without a component go here, and a
    /// child area named like a component corresponds to it.
    pub root: String,
    /// Explicit pairs, tried first.
    #[serde(default)]
    pub pairs: Vec<AreaPair>,
}

/// A component and an area path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaPair {
    /// Jira component name.
    pub component: String,
    /// ADO area path, `\`-separated.
    pub area: String,
}

/// How people on one side correspond to people on the other.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserMap {
    /// Explicit pairs (Jira accountId or DC user name, ADO unique name), tried first.
    #[serde(default)]
    pub pairs: Vec<UserPair>,
    /// Matching rules tried after the pairs, in order, against the known users of the target
    /// side ([`UserDirectory`]).
    #[serde(default = "default_match_by")]
    pub match_by: Vec<UserMatch>,
    /// Write a Jira user's e-mail as the ADO identity when no ADO user is known for it (ADO
    /// resolves e-mail addresses to identities; an unknown one is rejected with a 400).
    #[serde(default = "default_true")]
    pub ado_accepts_email: bool,
    /// What to do with a user who has no counterpart.
    #[serde(default)]
    pub unmapped: UnmappedUsers,
    /// Each side's sync user, as written to that side (for [`UnmappedUsers::SyncUser`]; the
    /// engine fills it from who the tokens authenticate as).
    #[serde(default)]
    pub sync_users: Sided<Option<UserRef>>,
}

impl Default for UserMap {
    fn default() -> Self {
        UserMap {
            pairs: Vec::new(),
            match_by: default_match_by(),
            ado_accepts_email: true,
            unmapped: UnmappedUsers::default(),
            sync_users: Sided::default(),
        }
    }
}

/// What to do with a user who has no counterpart (config `unmapped_users`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnmappedUsers {
    /// Leave the field as it is on the other side (and keep syncing the item's other fields).
    #[default]
    Skip,
    /// Write the other side's sync user instead.
    SyncUser,
    /// Park the item with the reason.
    Error,
}

fn default_match_by() -> Vec<UserMatch> {
    vec![UserMatch::Email]
}

fn default_true() -> bool {
    true
}

/// An explicit user pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPair {
    /// Jira accountId or e-mail (Cloud), or user name (Data Center).
    pub jira: String,
    /// ADO unique name (UPN or e-mail).
    pub ado: String,
    /// When several pairs share a user on one side, the pair the reverse lookup picks.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
}

/// A rule for matching a person across sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UserMatch {
    /// Same e-mail address (case-insensitive). Jira Cloud hides e-mails per profile
    /// visibility, so this is not always possible (research/sync-semantics.md §5).
    Email,
    /// Same display name, when exactly one user on the target side has it.
    DisplayName,
}

/// The users known on each side, as found by the engine (Jira user search, ADO identities),
/// against which [`UserMap::match_by`] rules match.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDirectory {
    /// Known users per side.
    pub users: Sided<Vec<UserRef>>,
}

/// Everything a conversion may need besides the value.
#[derive(Clone, Copy, Debug)]
pub struct ConvertCx<'a> {
    /// The Jira item type of the pair (for type-restricted state pairs).
    pub jira_type: &'a str,
    /// The ADO item type of the pair.
    pub ado_type: &'a str,
    /// The user map.
    pub users: &'a UserMap,
    /// The known users.
    pub directory: &'a UserDirectory,
}

/// Why a value could not be converted. The message names the fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ConvertError {
    /// A state with no pair and no category default.
    #[error(
        "{from} state {state:?} (type {item_type:?}) has no counterpart on {}: add a pair for it \
         to the state map, or a default for its category",
        from.other()
    )]
    UnknownState {
        /// The side the state comes from.
        from: Side,
        /// The state name.
        state: String,
        /// The item's type on the target side.
        item_type: String,
    },
    /// A person with no counterpart.
    #[error(
        "{from} user {user} has no counterpart on {}: add a pair to the user map, or make sure \
         the person exists there with the same e-mail address",
        from.other()
    )]
    UnmappedUser {
        /// The side the user comes from.
        from: Side,
        /// The user, as displayed.
        user: String,
    },
    /// A value missing from an explicit table (e.g. a priority).
    #[error(
        "{from} value {value} of field {field:?} has no counterpart on {}: add it to the \
         field's mapping",
        from.other()
    )]
    UnmappedValue {
        /// The side the value comes from.
        from: Side,
        /// The field id on that side.
        field: String,
        /// The value, as displayed.
        value: String,
    },
    /// The side sent a value of another kind than the converter handles.
    #[error(
        "{from} field {field:?} holds a {found} value, but its mapping converts {expected} \
         values: fix the field's `convert` kind in the mapping"
    )]
    WrongKind {
        /// The side the value comes from.
        from: Side,
        /// The field id on that side.
        field: String,
        /// What the converter takes.
        expected: String,
        /// What arrived.
        found: String,
    },
}

/// A problem in the mapping configuration itself.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// Two field mappings share a name.
    #[error("two field mappings are named {0:?}: give each a distinct `name`")]
    DuplicateName(String),
    /// Two field mappings write the same field.
    #[error("{side} field {field:?} is mapped twice: keep one mapping for it")]
    DuplicateField {
        /// Side of the field.
        side: Side,
        /// Field id.
        field: String,
    },
    /// More than one state mapping.
    #[error("more than one field uses the `state` converter: a work item has one state")]
    SeveralStates,
    /// A number scale that is not a positive finite number.
    #[error("field {0:?}: `jira_per_ado` must be a positive number")]
    BadScale(String),
}

impl Mapping {
    /// Checks the mapping for contradictions the config file can contain.
    ///
    /// # Errors
    /// Every problem found.
    pub fn validate(&self) -> Result<(), Vec<MappingError>> {
        let mut errors = Vec::new();
        let mut names = BTreeSet::new();
        let mut fields: BTreeSet<(Side, &str)> = BTreeSet::new();
        for f in &self.fields {
            if !names.insert(f.name()) {
                errors.push(MappingError::DuplicateName(f.name().to_owned()));
            }
            for side in Side::BOTH {
                if !fields.insert((side, f.field(side))) {
                    errors.push(MappingError::DuplicateField {
                        side,
                        field: f.field(side).to_owned(),
                    });
                }
            }
            if let Converter::Number {
                jira_per_ado: Some(s),
            } = f.convert
                && !(s.is_finite() && s > 0.0)
            {
                errors.push(MappingError::BadScale(f.name().to_owned()));
            }
        }
        if self.fields.iter().filter(|f| f.is_state()).count() > 1 {
            errors.push(MappingError::SeveralStates);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The field ids to read on `side` (for hydration requests: Jira `fields=`, ADO
    /// `fields=`), in mapping order.
    #[must_use]
    pub fn field_ids(&self, side: Side) -> Vec<&str> {
        self.fields.iter().map(|f| f.field(side)).collect()
    }

    /// The item type on the other side for an item of type `item_type` on `from`.
    #[must_use]
    pub fn counterpart_type(&self, from: Side, item_type: &str) -> Option<&str> {
        let matching = self.types.iter().filter(|p| {
            let src = match from {
                Side::Jira => &p.jira,
                Side::Ado => &p.ado,
            };
            src.eq_ignore_ascii_case(item_type)
        });
        let p = best(matching, |p| p.default)?;
        Some(match from {
            Side::Jira => &p.ado,
            Side::Ado => &p.jira,
        })
    }

    /// Jira's default priority scheme against ADO's 1 to 4.
    #[must_use]
    pub fn standard_priorities() -> PriorityMap {
        // Jira's default scheme has five priorities, ADO four (research/sync-semantics.md §9).
        PriorityMap {
            pairs: [
                ("Highest", 1),
                ("High", 2),
                ("Medium", 3),
                ("Low", 4),
                ("Lowest", 4),
            ]
            .into_iter()
            .map(|(j, a)| PriorityPair {
                jira: j.into(),
                ado: a,
            })
            .collect(),
        }
    }

    /// A mapping that suits a Jira Software project and an ADO project on the Agile process:
    /// types, title, description, state, priority, assignee and labels/tags. The demo profile
    /// and the tests use it.
    #[must_use]
    pub fn standard() -> Mapping {
        let types = [
            ("Bug", "Bug"),
            ("Story", "User Story"),
            ("Task", "Task"),
            ("Epic", "Epic"),
        ]
        .into_iter()
        .map(|(j, a)| TypePair {
            jira: j.into(),
            ado: a.into(),
            default: false,
        })
        .collect();
        let pair = |j: &str, a: &str| StatePair {
            jira: j.into(),
            ado: a.into(),
            jira_type: None,
            ado_type: None,
            default: false,
        };
        let cat = |c, j: &str, a: &str| CategoryDefault {
            category: c,
            jira: Some(j.into()),
            ado: Some(a.into()),
            jira_type: None,
            ado_type: None,
        };
        let states = StateMap {
            pairs: vec![
                pair("To Do", "New"),
                pair("In Progress", "Active"),
                pair("Done", "Closed"),
                pair("Done", "Resolved"),
            ],
            categories: vec![
                cat(StateCategory::ToDo, "To Do", "New"),
                cat(StateCategory::InProgress, "In Progress", "Active"),
                cat(StateCategory::Done, "Done", "Closed"),
            ],
        };
        let priorities = Mapping::standard_priorities();
        Mapping {
            types,
            fields: vec![
                FieldMap::new("title", "summary", "System.Title", Converter::Text),
                FieldMap::new(
                    "description",
                    "description",
                    "System.Description",
                    Converter::RichText,
                ),
                FieldMap::new("state", "status", "System.State", Converter::State(states)),
                FieldMap::new(
                    "priority",
                    "priority",
                    "Microsoft.VSTS.Common.Priority",
                    Converter::Priority(priorities),
                ),
                FieldMap::new("assignee", "assignee", "System.AssignedTo", Converter::User),
                FieldMap::new(
                    "labels",
                    "labels",
                    "System.Tags",
                    Converter::Labels {
                        replacement: default_replacement(),
                    },
                ),
            ],
            users: UserMap::default(),
        }
    }
}

impl FieldMap {
    /// Converts `value`, read from `from`, into the other side's value for this field.
    ///
    /// # Errors
    /// When the value has no counterpart (unknown state, unmapped user or priority) or is of
    /// another kind than the converter takes.
    pub fn convert(
        &self,
        from: Side,
        value: Option<&FieldValue>,
        cx: &ConvertCx<'_>,
    ) -> Result<Option<FieldValue>, ConvertError> {
        let field = self.field(from);
        let wrong = |expected: &str, v: &FieldValue| ConvertError::WrongKind {
            from,
            field: field.to_owned(),
            expected: expected.to_owned(),
            found: v.kind().to_owned(),
        };
        let out = match (&self.convert, value) {
            (Converter::AreaComponent(map), v) => area_component(map, from, field, v)?,
            (Converter::SprintIteration { root }, v) => sprint_iteration(root, from, field, v)?,
            (_, None) => None,
            (Converter::Text, Some(v)) => Some(match v {
                FieldValue::Text(s) | FieldValue::Choice(s) => FieldValue::Text(s.clone()),
                FieldValue::RichText(r) => FieldValue::Text(r.plain_text()),
                v => return Err(wrong("text", v)),
            }),
            (Converter::RichText, Some(v)) => Some(match v {
                FieldValue::RichText(r) => FieldValue::RichText(r.clone()),
                FieldValue::Text(s) => FieldValue::RichText(RichText::from_plain(s)),
                v => return Err(wrong("rich-text", v)),
            }),
            (Converter::User, Some(FieldValue::User(u))) => {
                Some(FieldValue::User(map_user(from, u, cx)?))
            }
            (Converter::User, Some(v)) => return Err(wrong("user", v)),
            (Converter::State(map), Some(FieldValue::State(s))) => {
                Some(FieldValue::State(map_state(map, from, s, cx)?))
            }
            (Converter::State(_), Some(v)) => return Err(wrong("state", v)),
            (Converter::Priority(map), Some(v)) => Some(map_priority(map, from, field, v)?),
            (Converter::Labels { replacement }, Some(FieldValue::Labels(set))) => {
                let forbidden: &[char] = match from {
                    Side::Ado => &[' ', '\t', '\n'],
                    Side::Jira => &[',', ';'],
                };
                Some(FieldValue::Labels(
                    set.iter()
                        .map(|l| l.replace(forbidden, replacement))
                        .collect(),
                ))
            }
            (Converter::Labels { .. }, Some(v)) => return Err(wrong("labels", v)),
            (Converter::Number { jira_per_ado }, Some(v @ FieldValue::Number(n))) => {
                let scale = jira_per_ado.unwrap_or(1.0);
                let x = match from {
                    Side::Jira => n.get() / scale,
                    Side::Ado => n.get() * scale,
                };
                // Only an overflow to infinity fails here.
                let n = Number::new(x).ok_or_else(|| ConvertError::UnmappedValue {
                    from,
                    field: field.to_owned(),
                    value: v.to_string(),
                })?;
                Some(FieldValue::Number(n.rounded(6)))
            }
            (Converter::Number { .. }, Some(v)) => return Err(wrong("number", v)),
            (Converter::Date, Some(v)) => Some(match (from, v) {
                (Side::Jira, FieldValue::Date(d)) => FieldValue::DateTime(midnight_utc(*d)),
                (Side::Jira, FieldValue::DateTime(t)) => FieldValue::DateTime(*t),
                (Side::Ado, FieldValue::DateTime(t)) => {
                    let ts = t.to_timestamp().ok_or_else(|| wrong("date", v))?;
                    FieldValue::Date(ts.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
                }
                (Side::Ado, FieldValue::Date(d)) => FieldValue::Date(*d),
                (_, v) => return Err(wrong("date", v)),
            }),
            (Converter::DateTime, Some(v)) => Some(match v {
                FieldValue::DateTime(t) => FieldValue::DateTime(*t),
                FieldValue::Date(d) => FieldValue::DateTime(midnight_utc(*d)),
                v => return Err(wrong("date-time", v)),
            }),
            (Converter::Refs, Some(FieldValue::Refs(refs))) => Some(FieldValue::Refs(
                refs.iter()
                    .map(|r| NamedRef::named(r.name.clone()))
                    .collect(),
            )),
            (Converter::Refs, Some(v)) => return Err(wrong("refs", v)),
            (Converter::Path, Some(v)) => Some(match v {
                FieldValue::Path(p) => FieldValue::Path(p.clone()),
                FieldValue::Text(s) => FieldValue::Path(split_path(s)),
                v => return Err(wrong("path", v)),
            }),
        };
        Ok(out.and_then(FieldValue::normalized))
    }
}

fn midnight_utc(d: jiff::civil::Date) -> EpochMs {
    d.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .map(|z| EpochMs::from_timestamp(z.timestamp()))
        .unwrap_or_default()
}

fn split_path(s: &str) -> Vec<String> {
    s.split('\\').map(str::to_owned).collect()
}

/// Characters ADO refuses in classification node names.
const ADO_NODE_FORBIDDEN: &[char] = &[
    '\\', '/', ':', '*', '?', '"', '<', '>', '|', '#', '$', '&', '+',
];

fn sprint_iteration(
    root: &str,
    from: Side,
    field: &str,
    v: Option<&FieldValue>,
) -> Result<Option<FieldValue>, ConvertError> {
    let root = split_path(root);
    let wrong = |v: &FieldValue, expected: &str| ConvertError::WrongKind {
        from,
        field: field.to_owned(),
        expected: expected.to_owned(),
        found: v.kind().to_owned(),
    };
    match (from, v) {
        (Side::Jira, None) => Ok(Some(FieldValue::Path(root))),
        (Side::Jira, Some(FieldValue::Refs(sprints))) => {
            let Some(current) = sprints.last() else {
                return Ok(Some(FieldValue::Path(root)));
            };
            let name: String = current
                .name
                .replace(ADO_NODE_FORBIDDEN, "")
                .trim()
                .to_owned();
            if name.is_empty() {
                return Ok(Some(FieldValue::Path(root)));
            }
            Ok(Some(FieldValue::Path(
                root.into_iter().chain([name]).collect(),
            )))
        }
        (Side::Ado, None) => Ok(None),
        (Side::Ado, Some(FieldValue::Path(path))) => {
            let under_root = path.len() >= root.len()
                && path
                    .iter()
                    .zip(&root)
                    .all(|(a, b)| a.eq_ignore_ascii_case(b));
            match (under_root, path.get(root.len())) {
                (true, None) => Ok(None),
                (true, Some(_)) => Ok(path
                    .last()
                    .map(|n| FieldValue::Refs(vec![NamedRef::named(n.clone())]))),
                (false, _) => Err(ConvertError::UnmappedValue {
                    from,
                    field: field.to_owned(),
                    value: path.join("\\"),
                }),
            }
        }
        (Side::Jira, Some(v)) => Err(wrong(v, "refs")),
        (Side::Ado, Some(v)) => Err(wrong(v, "path")),
    }
}

fn type_ok(filter: Option<&String>, item_type: &str) -> bool {
    filter.is_none_or(|t| t.eq_ignore_ascii_case(item_type))
}

/// Among candidates, those restricted to the pair's types first, then unrestricted ones.
fn best<'m, T>(
    candidates: impl Iterator<Item = &'m T> + Clone,
    specific: impl Fn(&T) -> bool,
) -> Option<&'m T> {
    candidates
        .clone()
        .find(|c| specific(c))
        .or_else(|| candidates.into_iter().next())
}

fn map_state(
    map: &StateMap,
    from: Side,
    s: &StateValue,
    cx: &ConvertCx<'_>,
) -> Result<StateValue, ConvertError> {
    let types_ok = |jt: Option<&String>, at: Option<&String>| {
        type_ok(jt, cx.jira_type) && type_ok(at, cx.ado_type)
    };
    let pairs = map.pairs.iter().filter(|p| {
        let src = match from {
            Side::Jira => &p.jira,
            Side::Ado => &p.ado,
        };
        src.eq_ignore_ascii_case(&s.name) && types_ok(p.jira_type.as_ref(), p.ado_type.as_ref())
    });
    let specific = |p: &StatePair| p.jira_type.is_some() || p.ado_type.is_some();
    let pairs: Vec<&StatePair> = pairs.collect();
    let most_specific = pairs.iter().any(|p| specific(p));
    let candidates = pairs
        .iter()
        .copied()
        .filter(|p| specific(p) == most_specific);
    if let Some(p) = best(candidates, |p| p.default) {
        let name = match from {
            Side::Jira => &p.ado,
            Side::Ado => &p.jira,
        };
        return Ok(StateValue::new(name.clone(), s.category));
    }
    if let Some(category) = s.category {
        let defaults = map.categories.iter().filter(|c| {
            let target = match from {
                Side::Jira => &c.ado,
                Side::Ado => &c.jira,
            };
            c.category == category
                && target.is_some()
                && types_ok(c.jira_type.as_ref(), c.ado_type.as_ref())
        });
        if let Some(c) = best(defaults, |c| c.jira_type.is_some() || c.ado_type.is_some()) {
            let name = match from {
                Side::Jira => c.ado.clone(),
                Side::Ado => c.jira.clone(),
            };
            if let Some(name) = name {
                return Ok(StateValue::new(name, Some(category)));
            }
        }
    }
    Err(ConvertError::UnknownState {
        from,
        state: s.name.clone(),
        item_type: match from {
            Side::Jira => cx.ado_type.to_owned(),
            Side::Ado => cx.jira_type.to_owned(),
        },
    })
}

fn map_priority(
    map: &PriorityMap,
    from: Side,
    field: &str,
    v: &FieldValue,
) -> Result<FieldValue, ConvertError> {
    let unmapped = || ConvertError::UnmappedValue {
        from,
        field: field.to_owned(),
        value: v.to_string(),
    };
    let wrong = |expected: &str| ConvertError::WrongKind {
        from,
        field: field.to_owned(),
        expected: expected.to_owned(),
        found: v.kind().to_owned(),
    };
    match (from, v) {
        (Side::Jira, FieldValue::Choice(name) | FieldValue::Text(name)) => map
            .pairs
            .iter()
            .find(|p| p.jira.eq_ignore_ascii_case(name))
            .map(|p| FieldValue::Number(Number::from_int(p.ado)))
            .ok_or_else(unmapped),
        (Side::Ado, FieldValue::Number(n)) => map
            .pairs
            .iter()
            .find(|p| Number::from_int(p.ado) == *n)
            .map(|p| FieldValue::Choice(p.jira.clone()))
            .ok_or_else(unmapped),
        (Side::Jira, _) => Err(wrong("choice")),
        (Side::Ado, _) => Err(wrong("number")),
    }
}

fn area_component(
    map: &AreaMap,
    from: Side,
    field: &str,
    v: Option<&FieldValue>,
) -> Result<Option<FieldValue>, ConvertError> {
    let root = split_path(&map.root);
    let path_eq = |a: &[String], b: &[String]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
    };
    match (from, v) {
        (Side::Jira, None) => Ok(Some(FieldValue::Path(root))),
        (Side::Jira, Some(FieldValue::Labels(components))) => {
            let explicit = components.iter().find_map(|c| {
                map.pairs
                    .iter()
                    .find(|p| p.component.eq_ignore_ascii_case(c))
            });
            Ok(Some(FieldValue::Path(
                match (explicit, components.iter().next()) {
                    (Some(p), _) => split_path(&p.area),
                    (None, Some(c)) => root.iter().cloned().chain([c.clone()]).collect(),
                    (None, None) => root,
                },
            )))
        }
        (Side::Ado, None) => Ok(None),
        (Side::Ado, Some(FieldValue::Path(path))) => {
            if let Some(p) = map
                .pairs
                .iter()
                .find(|p| path_eq(&split_path(&p.area), path))
            {
                return Ok(Some(FieldValue::labels([p.component.clone()])));
            }
            if path_eq(path, &root) {
                return Ok(None);
            }
            if path.len() > root.len() && path_eq(&path[..root.len()], &root) {
                return Ok(Some(FieldValue::labels([path[root.len()].clone()])));
            }
            Err(ConvertError::UnmappedValue {
                from,
                field: field.to_owned(),
                value: path.join("\\"),
            })
        }
        (side, Some(v)) => Err(ConvertError::WrongKind {
            from: side,
            field: field.to_owned(),
            expected: match side {
                Side::Jira => "labels",
                Side::Ado => "path",
            }
            .to_owned(),
            found: v.kind().to_owned(),
        }),
    }
}

fn map_user(from: Side, u: &UserRef, cx: &ConvertCx<'_>) -> Result<UserRef, ConvertError> {
    let target = from.other();
    let known = cx.directory.users.get(target);
    let eq = |a: &Option<String>, b: &str| a.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(b));
    // Prefer the directory's full record for an identifier, so display names come along.
    let enrich = |id: &str| {
        known
            .iter()
            .find(|k| eq(&k.id, id))
            .cloned()
            .unwrap_or_else(|| UserRef::with_id(id))
    };
    // Explicit pairs name a user by id or (Jira Cloud) by e-mail.
    let names = |key: &str| eq(&u.id, key) || eq(&u.email, key);
    let pairs = cx.users.pairs.iter().filter(|p| match from {
        Side::Jira => names(&p.jira),
        Side::Ado => names(&p.ado),
    });
    if let Some(p) = best(pairs, |p| p.default) {
        let key = match target {
            Side::Jira => &p.jira,
            Side::Ado => &p.ado,
        };
        // A Jira e-mail in a pair is resolved to the accountId through the directory.
        if let Some(k) = known.iter().find(|k| eq(&k.id, key) || eq(&k.email, key)) {
            return Ok(k.clone());
        }
        return Ok(enrich(key));
    }
    // ADO unique names are usually e-mail addresses.
    let email = u.email.clone().or_else(|| {
        u.id.clone()
            .filter(|id| from == Side::Ado && id.contains('@'))
    });
    for rule in &cx.users.match_by {
        match rule {
            UserMatch::Email => {
                let Some(email) = &email else { continue };
                if let Some(k) = known
                    .iter()
                    .find(|k| eq(&k.email, email) || (target == Side::Ado && eq(&k.id, email)))
                {
                    return Ok(k.clone());
                }
                if target == Side::Ado && cx.users.ado_accepts_email {
                    return Ok(UserRef {
                        id: Some(email.clone()),
                        email: Some(email.clone()),
                        display_name: u.display_name.clone(),
                    });
                }
            }
            UserMatch::DisplayName => {
                let Some(name) = &u.display_name else {
                    continue;
                };
                let mut hits = known
                    .iter()
                    .filter(|k| k.display_name.as_ref() == Some(name));
                if let (Some(k), None) = (hits.next(), hits.next()) {
                    return Ok(k.clone());
                }
            }
        }
    }
    if cx.users.unmapped == UnmappedUsers::SyncUser
        && let Some(sync) = cx.users.sync_users.get(target)
    {
        return Ok(sync.clone());
    }
    Err(ConvertError::UnmappedUser {
        from,
        user: u.to_string(),
    })
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Both => "both",
            Direction::JiraToAdo => "jira-to-ado",
            Direction::AdoToJira => "ado-to-jira",
        })
    }
}

/// The mapped values of an item, by mapping name: what baselines are made of.
#[must_use]
pub fn mapped_values(mapping: &Mapping, item: &crate::item::Item) -> BTreeMap<String, FieldValue> {
    mapping
        .fields
        .iter()
        .filter_map(|f| Some((f.name().to_owned(), item.get(f.field(item.side()))?.clone())))
        .collect()
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
