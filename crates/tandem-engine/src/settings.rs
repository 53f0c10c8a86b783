//! What a pass needs to know about its profile, in the domain's terms, and how it is made
//! from a validated `tandem.toml` profile.
//!
//! The config file names fields by id and leaves their kind implicit (`summary` is text,
//! `status` a state, `priority` a choice): [`converter_for`] infers each field's converter
//! from the two ids, the way the vendors define them (research sync-semantics.md §7, §9).

use std::time::Duration;

use tandem_core::{
    AreaMap, CategoryDefault, CommentSettings, ConflictPolicy, Converter, Direction, FieldMap,
    Mapping, MappingError, PriorityMap, PriorityPair, StateCategory, StateMap, StatePair, TypePair,
    Unmapped, UserMap, UserPair,
};

/// A profile's sync settings.
#[derive(Clone, Debug)]
pub struct SyncSettings {
    /// The profile's name (the store's key).
    pub profile: String,
    /// Types, fields, users.
    pub mapping: Mapping,
    /// The profile's conflict policy (fields may override it).
    pub policy: ConflictPolicy,
    /// Which way items flow.
    pub direction: Direction,
    /// Comment flow. Comments are not synced by this version of the engine; the settings are
    /// carried for the planner.
    pub comments: CommentSettings,
    /// How the engine runs.
    pub options: EngineOptions,
}

/// Tuning of a pass.
#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// Items handled at once within a page (their writes overlap; the connectors pace them).
    pub concurrency: usize,
    /// How long after an intent was opened a missing marker is still taken as "search has
    /// not caught up" rather than "the create never happened" (Jira Cloud search is
    /// eventually consistent, research jira-api.md §7). Younger intents are left for a later
    /// pass; older ones are created again under the same marker.
    pub intent_grace: Duration,
    /// Re-plans of one item after a stale-revision answer before giving up for this pass.
    pub max_replans: u32,
    /// Retries of an item after a transient failure the connector could not absorb.
    pub item_retries: u32,
    /// The longest wait for a rate limit or backoff between item retries.
    pub max_wait: Duration,
    /// Most transitions tried to reach a Jira status that has no direct transition.
    pub max_transition_hops: usize,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            concurrency: 4,
            intent_grace: Duration::from_secs(60),
            max_replans: 3,
            item_retries: 2,
            max_wait: Duration::from_secs(60),
            max_transition_hops: 8,
        }
    }
}

impl SyncSettings {
    /// Settings for a profile with the given mapping and defaults elsewhere.
    #[must_use]
    pub fn new(profile: impl Into<String>, mapping: Mapping) -> SyncSettings {
        SyncSettings {
            profile: profile.into(),
            mapping,
            policy: ConflictPolicy::Manual,
            direction: Direction::Both,
            comments: CommentSettings {
                enabled: false,
                ..CommentSettings::default()
            },
            options: EngineOptions::default(),
        }
    }
}

/// A profile's mapping cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("profile {profile:?}: {}", problems.join("; "))]
pub struct SettingsError {
    /// The profile.
    pub profile: String,
    /// Every problem, each with its fix.
    pub problems: Vec<String>,
}

fn direction(d: tandem_config::Direction) -> Direction {
    match d {
        tandem_config::Direction::Both => Direction::Both,
        tandem_config::Direction::JiraToAdo => Direction::JiraToAdo,
        tandem_config::Direction::AdoToJira => Direction::AdoToJira,
    }
}

fn policy(p: tandem_config::ConflictPolicy) -> ConflictPolicy {
    match p {
        tandem_config::ConflictPolicy::JiraWins => ConflictPolicy::JiraWins,
        tandem_config::ConflictPolicy::AdoWins => ConflictPolicy::AdoWins,
        tandem_config::ConflictPolicy::NewestWins => ConflictPolicy::NewestWins,
        tandem_config::ConflictPolicy::Manual => ConflictPolicy::Manual,
    }
}

/// Jira's default priority scheme against ADO's 1-4 (research sync-semantics.md §9).
#[must_use]
pub fn default_priorities() -> PriorityMap {
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

/// Azure DevOps fields that hold a person.
const ADO_IDENTITY_FIELDS: &[&str] = &[
    "System.AssignedTo",
    "System.CreatedBy",
    "System.ChangedBy",
    "Microsoft.VSTS.Common.ActivatedBy",
    "Microsoft.VSTS.Common.ResolvedBy",
    "Microsoft.VSTS.Common.ClosedBy",
];

/// Azure DevOps fields that hold HTML.
const ADO_HTML_FIELDS: &[&str] = &[
    "System.Description",
    "Microsoft.VSTS.TCM.ReproSteps",
    "Microsoft.VSTS.Common.AcceptanceCriteria",
    "Microsoft.VSTS.TCM.SystemInfo",
    "Microsoft.VSTS.Common.Resolution",
];

/// Azure DevOps numeric fields (hours for the scheduling ones).
const ADO_NUMBER_FIELDS: &[&str] = &[
    "Microsoft.VSTS.Scheduling.StoryPoints",
    "Microsoft.VSTS.Scheduling.Effort",
    "Microsoft.VSTS.Scheduling.Size",
    "Microsoft.VSTS.Scheduling.OriginalEstimate",
    "Microsoft.VSTS.Scheduling.RemainingWork",
    "Microsoft.VSTS.Scheduling.CompletedWork",
    "Microsoft.VSTS.Common.BusinessValue",
    "Microsoft.VSTS.Common.StackRank",
    "Microsoft.VSTS.Common.BacklogPriority",
];

/// The converter for a Jira field and an ADO field, inferred from their ids.
#[must_use]
pub fn converter_for(jira: &str, ado: &str, states: &StateMap, area_root: &str) -> Converter {
    let is = |j: &[&str], a: &[&str]| j.contains(&jira) || a.contains(&ado);
    if is(&["status"], &["System.State"]) {
        return Converter::State(states.clone());
    }
    if jira == "priority" && ado == "Microsoft.VSTS.Common.Priority" {
        return Converter::Priority(default_priorities());
    }
    if is(&["assignee", "reporter", "creator"], ADO_IDENTITY_FIELDS) {
        return Converter::User;
    }
    if is(&["components"], &["System.AreaPath"]) {
        return Converter::AreaComponent(AreaMap {
            root: area_root.to_owned(),
            pairs: Vec::new(),
        });
    }
    if is(&["labels"], &["System.Tags"]) {
        return Converter::Labels {
            replacement: "_".into(),
        };
    }
    if is(&["description", "environment"], ADO_HTML_FIELDS) {
        return Converter::RichText;
    }
    if is(&["timeoriginalestimate", "timeestimate", "timespent"], &[]) {
        // Jira keeps seconds, ADO hours (research sync-semantics.md §7).
        return Converter::Number {
            jira_per_ado: Some(3600.0),
        };
    }
    if is(&[], ADO_NUMBER_FIELDS) {
        return Converter::Number { jira_per_ado: None };
    }
    if is(&["duedate"], &["Microsoft.VSTS.Scheduling.DueDate"]) {
        return Converter::Date;
    }
    if is(
        &[],
        &[
            "Microsoft.VSTS.Scheduling.StartDate",
            "Microsoft.VSTS.Scheduling.TargetDate",
        ],
    ) {
        return Converter::DateTime;
    }
    if is(&[], &["System.IterationPath"]) {
        return Converter::Path;
    }
    Converter::Text
}

/// The friendly mapping name of a field pair (`title`, `state`...), used in baselines,
/// conflicts and output.
fn field_name(jira: &str, ado: &str) -> String {
    match (jira, ado) {
        ("summary", _) | (_, "System.Title") => "title".into(),
        ("status", _) | (_, "System.State") => "state".into(),
        ("assignee", _) | (_, "System.AssignedTo") => "assignee".into(),
        ("labels", _) | (_, "System.Tags") => "labels".into(),
        ("description", "System.Description") => "description".into(),
        ("priority", "Microsoft.VSTS.Common.Priority") => "priority".into(),
        _ => jira.to_owned(),
    }
}

/// The domain mapping of a validated profile.
///
/// # Errors
/// When the mapping contradicts itself (checked by [`Mapping::validate`]).
pub fn from_profile(p: &tandem_config::Profile) -> Result<SyncSettings, SettingsError> {
    let m = &p.mappings;
    // A shared value resolves to the pair marked `default`: putting those first makes the
    // first-match lookups of the domain map pick them in both directions.
    let mut state_pairs: Vec<&tandem_config::Pair> = m.states.pairs.iter().collect();
    state_pairs.sort_by_key(|pair| !pair.default);
    let states = StateMap {
        pairs: state_pairs
            .iter()
            .map(|pair| StatePair {
                jira: pair.jira.clone(),
                ado: pair.ado.clone(),
                jira_type: None,
                ado_type: None,
            })
            .collect(),
        categories: Vec::<CategoryDefault>::new(),
    };
    let area_root = p
        .ado
        .area_path
        .clone()
        .unwrap_or_else(|| p.ado.project.clone());
    let mut type_pairs: Vec<&tandem_config::Pair> = m.types.pairs.iter().collect();
    type_pairs.sort_by_key(|pair| !pair.default);
    let mut user_pairs: Vec<&tandem_config::Pair> = m.users.pairs.iter().collect();
    user_pairs.sort_by_key(|pair| !pair.default);
    let mapping = Mapping {
        types: type_pairs
            .iter()
            .map(|pair| TypePair {
                jira: pair.jira.clone(),
                ado: pair.ado.clone(),
            })
            .collect(),
        fields: m
            .fields
            .iter()
            .map(|f| FieldMap {
                name: Some(field_name(&f.jira, &f.ado)),
                jira: f.jira.clone(),
                ado: f.ado.clone(),
                direction: direction(f.direction),
                conflict: Some(policy(f.conflict)).filter(|c| *c != policy(p.conflict)),
                convert: converter_for(&f.jira, &f.ado, &states, &area_root),
            })
            .collect(),
        users: UserMap {
            pairs: user_pairs
                .iter()
                .map(|pair| UserPair {
                    jira: pair.jira.clone(),
                    ado: pair.ado.clone(),
                })
                .collect(),
            unmapped: match m.unmapped_users {
                tandem_config::UnmappedUsers::Skip => Unmapped::Skip,
                tandem_config::UnmappedUsers::SyncUser => Unmapped::SyncUser,
                tandem_config::UnmappedUsers::Error => Unmapped::Park,
            },
            ..UserMap::default()
        },
    };
    if let Err(errors) = mapping.validate() {
        return Err(SettingsError {
            profile: p.name.clone(),
            problems: errors.iter().map(MappingError::to_string).collect(),
        });
    }
    let mut s = SyncSettings::new(p.name.clone(), mapping);
    s.policy = policy(p.conflict);
    s.direction = direction(p.direction);
    Ok(s)
}

/// Per-category fallbacks for a state map, for mappings that want an unknown state to follow
/// its category rather than park the item.
#[must_use]
pub fn category_defaults(jira: [&str; 3], ado: [&str; 3]) -> Vec<CategoryDefault> {
    [
        StateCategory::ToDo,
        StateCategory::InProgress,
        StateCategory::Done,
    ]
    .into_iter()
    .zip(jira.into_iter().zip(ado))
    .map(|(category, (j, a))| CategoryDefault {
        category,
        jira: Some(j.to_owned()),
        ado: Some(a.to_owned()),
        jira_type: None,
        ado_type: None,
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converters_follow_the_vendor_field_kinds() {
        let s = StateMap::default();
        let kind = |j: &str, a: &str| match converter_for(j, a, &s, "Demo") {
            Converter::Text => "text",
            Converter::RichText => "rich",
            Converter::User => "user",
            Converter::State(_) => "state",
            Converter::Priority(_) => "priority",
            Converter::Labels { .. } => "labels",
            Converter::Number { jira_per_ado: None } => "number",
            Converter::Number { .. } => "scaled",
            Converter::Date => "date",
            Converter::DateTime => "datetime",
            Converter::AreaComponent(_) => "area",
            Converter::Path => "path",
        };
        let cases = [
            ("summary", "System.Title", "text"),
            ("description", "System.Description", "rich"),
            ("status", "System.State", "state"),
            ("priority", "Microsoft.VSTS.Common.Priority", "priority"),
            ("assignee", "System.AssignedTo", "user"),
            ("labels", "System.Tags", "labels"),
            ("components", "System.AreaPath", "area"),
            (
                "customfield_10016",
                "Microsoft.VSTS.Scheduling.StoryPoints",
                "number",
            ),
            (
                "timeoriginalestimate",
                "Microsoft.VSTS.Scheduling.OriginalEstimate",
                "scaled",
            ),
            ("duedate", "Microsoft.VSTS.Scheduling.DueDate", "date"),
            (
                "customfield_10030",
                "Microsoft.VSTS.Common.AcceptanceCriteria",
                "rich",
            ),
            ("customfield_1", "Custom.Team", "text"),
        ];
        for (j, a, want) in cases {
            assert_eq!(kind(j, a), want, "{j} <-> {a}");
        }
    }
}
