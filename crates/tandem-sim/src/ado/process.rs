//! Fields, work item types, states and rules: the process a project runs.
//!
//! The built-in process is Agile (Epic, Feature, User Story, Bug, Task), with the state
//! categories of the process spec (`Proposed`, `InProgress`, `Resolved`, `Completed`,
//! `Removed`; ado-api.md §3). Scenarios add custom fields and rules on top.

use std::collections::HashMap;

/// The data type of a field (`WorkItemField.type` in the REST API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    String,
    PlainText,
    Html,
    Integer,
    Double,
    DateTime,
    Boolean,
    Identity,
    TreePath,
    History,
}

impl FieldType {
    /// The REST name (`WorkItemField.type`).
    pub fn rest_name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::PlainText => "plainText",
            Self::Html => "html",
            Self::Integer => "integer",
            Self::Double => "double",
            Self::DateTime => "dateTime",
            Self::Boolean => "boolean",
            Self::Identity => "string",
            Self::TreePath => "treePath",
            Self::History => "history",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "string" => Self::String,
            "plaintext" => Self::PlainText,
            "html" => Self::Html,
            "integer" => Self::Integer,
            "double" => Self::Double,
            "datetime" => Self::DateTime,
            "boolean" => Self::Boolean,
            "identity" => Self::Identity,
            "treepath" => Self::TreePath,
            _ => return None,
        })
    }

    pub fn is_long_text(self) -> bool {
        matches!(self, Self::PlainText | Self::Html | Self::History)
    }
}

/// A field definition (org-wide).
#[derive(Debug, Clone)]
pub struct FieldDef {
    pub reference_name: String,
    pub name: String,
    pub field_type: FieldType,
    /// Set by the server only (System.Id, System.Rev, System.ChangedDate...).
    pub read_only: bool,
    /// Computed at read time rather than stored on the item.
    pub computed: bool,
    pub description: String,
}

/// Index of a field in the registry.
pub type FieldIdx = u16;

/// All fields of the organisation.
#[derive(Debug, Clone, Default)]
pub struct FieldRegistry {
    pub defs: Vec<FieldDef>,
    by_name: HashMap<String, FieldIdx>,
}

impl FieldRegistry {
    pub fn add(&mut self, def: FieldDef) -> FieldIdx {
        if let Some(&idx) = self.by_name.get(&def.reference_name.to_ascii_lowercase()) {
            return idx;
        }
        let idx = FieldIdx::try_from(self.defs.len()).unwrap_or(FieldIdx::MAX);
        self.by_name
            .insert(def.reference_name.to_ascii_lowercase(), idx);
        self.by_name
            .entry(def.name.to_ascii_lowercase())
            .or_insert(idx);
        self.defs.push(def);
        idx
    }

    /// Look a field up by reference name or display name, case-insensitively (WIQL and
    /// patches accept both).
    pub fn find(&self, name: &str) -> Option<FieldIdx> {
        self.by_name.get(&name.to_ascii_lowercase()).copied()
    }

    pub fn def(&self, idx: FieldIdx) -> &FieldDef {
        &self.defs[usize::from(idx)]
    }

    /// Index of a field the built-in process always defines.
    pub fn core(&self, name: &str) -> FieldIdx {
        self.find(name).unwrap_or(0)
    }
}

/// State category (the process spec's `stateCategory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateCategory {
    Proposed,
    InProgress,
    Resolved,
    Completed,
    Removed,
}

impl StateCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proposed => "Proposed",
            Self::InProgress => "InProgress",
            Self::Resolved => "Resolved",
            Self::Completed => "Completed",
            Self::Removed => "Removed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct StateDef {
    pub name: String,
    pub category: StateCategory,
    pub color: &'static str,
    /// The `System.Reason` given when an item moves into this state without one.
    pub default_reason: String,
}

/// Per-type field rules.
#[derive(Debug, Clone)]
pub struct TypeField {
    pub field: FieldIdx,
    pub required: bool,
    pub allowed_values: Option<Vec<String>>,
    pub default_value: Option<String>,
}

#[derive(Debug, Clone)]
pub struct WorkItemType {
    pub name: String,
    pub reference_name: String,
    pub description: String,
    pub color: &'static str,
    pub icon: &'static str,
    pub states: Vec<StateDef>,
    pub fields: Vec<TypeField>,
}

impl WorkItemType {
    pub fn state(&self, name: &str) -> Option<&StateDef> {
        self.states
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }

    pub fn initial_state(&self) -> &str {
        self.states.first().map_or("New", |s| s.name.as_str())
    }

    pub fn type_field(&self, field: FieldIdx) -> Option<&TypeField> {
        self.fields.iter().find(|f| f.field == field)
    }

    pub fn type_field_mut(&mut self, field: FieldIdx) -> Option<&mut TypeField> {
        self.fields.iter_mut().find(|f| f.field == field)
    }
}

/// A process: its types (fields live in the org-wide registry).
#[derive(Debug, Clone)]
pub struct Process {
    pub name: String,
    pub type_id: uuid::Uuid,
    pub types: Vec<WorkItemType>,
}

impl Process {
    pub fn find_type(&self, name: &str) -> Option<usize> {
        self.types
            .iter()
            .position(|t| t.name.eq_ignore_ascii_case(name))
    }
}

struct F(&'static str, &'static str, FieldType, bool, bool);

/// Every field the built-in process knows. (reference name, name, type, read-only, computed)
const CORE_FIELDS: &[F] = &[
    F("System.Id", "ID", FieldType::Integer, true, true),
    F("System.Rev", "Rev", FieldType::Integer, true, true),
    F(
        "System.TeamProject",
        "Team Project",
        FieldType::String,
        true,
        true,
    ),
    F(
        "System.WorkItemType",
        "Work Item Type",
        FieldType::String,
        true,
        false,
    ),
    F("System.Title", "Title", FieldType::String, false, false),
    F("System.State", "State", FieldType::String, false, false),
    F("System.Reason", "Reason", FieldType::String, false, false),
    F(
        "System.AreaPath",
        "Area Path",
        FieldType::TreePath,
        false,
        false,
    ),
    F("System.AreaId", "Area ID", FieldType::Integer, true, true),
    F(
        "System.IterationPath",
        "Iteration Path",
        FieldType::TreePath,
        false,
        false,
    ),
    F(
        "System.IterationId",
        "Iteration ID",
        FieldType::Integer,
        true,
        true,
    ),
    F(
        "System.AssignedTo",
        "Assigned To",
        FieldType::Identity,
        false,
        false,
    ),
    F(
        "System.CreatedBy",
        "Created By",
        FieldType::Identity,
        true,
        false,
    ),
    F(
        "System.CreatedDate",
        "Created Date",
        FieldType::DateTime,
        true,
        false,
    ),
    F(
        "System.ChangedBy",
        "Changed By",
        FieldType::Identity,
        true,
        false,
    ),
    F(
        "System.ChangedDate",
        "Changed Date",
        FieldType::DateTime,
        true,
        false,
    ),
    F(
        "System.AuthorizedDate",
        "Authorized Date",
        FieldType::DateTime,
        true,
        true,
    ),
    F(
        "System.RevisedDate",
        "Revised Date",
        FieldType::DateTime,
        true,
        true,
    ),
    F("System.Tags", "Tags", FieldType::PlainText, false, false),
    F(
        "System.Description",
        "Description",
        FieldType::Html,
        false,
        false,
    ),
    F(
        "System.History",
        "History",
        FieldType::History,
        false,
        false,
    ),
    F(
        "System.CommentCount",
        "Comment Count",
        FieldType::Integer,
        true,
        true,
    ),
    F("System.Parent", "Parent", FieldType::Integer, true, true),
    F(
        "System.BoardColumn",
        "Board Column",
        FieldType::String,
        true,
        false,
    ),
    F(
        "Microsoft.VSTS.Common.Priority",
        "Priority",
        FieldType::Integer,
        false,
        false,
    ),
    F(
        "Microsoft.VSTS.Common.StateChangeDate",
        "State Change Date",
        FieldType::DateTime,
        true,
        false,
    ),
    F(
        "Microsoft.VSTS.Common.ActivatedDate",
        "Activated Date",
        FieldType::DateTime,
        true,
        false,
    ),
    F(
        "Microsoft.VSTS.Common.ActivatedBy",
        "Activated By",
        FieldType::Identity,
        true,
        false,
    ),
    F(
        "Microsoft.VSTS.Common.ResolvedDate",
        "Resolved Date",
        FieldType::DateTime,
        true,
        false,
    ),
    F(
        "Microsoft.VSTS.Common.ClosedDate",
        "Closed Date",
        FieldType::DateTime,
        true,
        false,
    ),
    F(
        "Microsoft.VSTS.Common.ClosedBy",
        "Closed By",
        FieldType::Identity,
        true,
        false,
    ),
    F(
        "Microsoft.VSTS.Common.ValueArea",
        "Value Area",
        FieldType::String,
        false,
        false,
    ),
    F(
        "Microsoft.VSTS.Common.Risk",
        "Risk",
        FieldType::String,
        false,
        false,
    ),
    F(
        "Microsoft.VSTS.Common.Severity",
        "Severity",
        FieldType::String,
        false,
        false,
    ),
    F(
        "Microsoft.VSTS.Common.AcceptanceCriteria",
        "Acceptance Criteria",
        FieldType::Html,
        false,
        false,
    ),
    F(
        "Microsoft.VSTS.Common.Activity",
        "Activity",
        FieldType::String,
        false,
        false,
    ),
    F(
        "Microsoft.VSTS.TCM.ReproSteps",
        "Repro Steps",
        FieldType::Html,
        false,
        false,
    ),
    F(
        "Microsoft.VSTS.TCM.SystemInfo",
        "System Info",
        FieldType::Html,
        false,
        false,
    ),
    F(
        "Microsoft.VSTS.Scheduling.StoryPoints",
        "Story Points",
        FieldType::Double,
        false,
        false,
    ),
    F(
        "Microsoft.VSTS.Scheduling.Effort",
        "Effort",
        FieldType::Double,
        false,
        false,
    ),
    F(
        "Microsoft.VSTS.Scheduling.OriginalEstimate",
        "Original Estimate",
        FieldType::Double,
        false,
        false,
    ),
    F(
        "Microsoft.VSTS.Scheduling.RemainingWork",
        "Remaining Work",
        FieldType::Double,
        false,
        false,
    ),
    F(
        "Microsoft.VSTS.Scheduling.CompletedWork",
        "Completed Work",
        FieldType::Double,
        false,
        false,
    ),
    F(
        "Microsoft.VSTS.Scheduling.StartDate",
        "Start Date",
        FieldType::DateTime,
        false,
        false,
    ),
    F(
        "Microsoft.VSTS.Scheduling.TargetDate",
        "Target Date",
        FieldType::DateTime,
        false,
        false,
    ),
];

/// Fields every type carries (besides its own).
const COMMON_TYPE_FIELDS: &[&str] = &[
    "System.Id",
    "System.Rev",
    "System.TeamProject",
    "System.WorkItemType",
    "System.Title",
    "System.State",
    "System.Reason",
    "System.AreaPath",
    "System.AreaId",
    "System.IterationPath",
    "System.IterationId",
    "System.AssignedTo",
    "System.CreatedBy",
    "System.CreatedDate",
    "System.ChangedBy",
    "System.ChangedDate",
    "System.AuthorizedDate",
    "System.RevisedDate",
    "System.Tags",
    "System.Description",
    "System.History",
    "System.CommentCount",
    "System.Parent",
    "System.BoardColumn",
    "Microsoft.VSTS.Common.StateChangeDate",
    "Microsoft.VSTS.Common.ActivatedDate",
    "Microsoft.VSTS.Common.ActivatedBy",
    "Microsoft.VSTS.Common.ClosedDate",
    "Microsoft.VSTS.Common.ClosedBy",
    "Microsoft.VSTS.Common.Priority",
];

/// Register the built-in fields.
pub fn core_fields(registry: &mut FieldRegistry) {
    for F(reference, name, ty, read_only, computed) in CORE_FIELDS {
        registry.add(FieldDef {
            reference_name: (*reference).to_owned(),
            name: (*name).to_owned(),
            field_type: *ty,
            read_only: *read_only,
            computed: *computed,
            description: String::new(),
        });
    }
}

fn state(name: &str, category: StateCategory, color: &'static str, reason: &str) -> StateDef {
    StateDef {
        name: name.to_owned(),
        category,
        color,
        default_reason: reason.to_owned(),
    }
}

fn agile_states(with_resolved: bool, with_removed: bool) -> Vec<StateDef> {
    let mut s = vec![
        state("New", StateCategory::Proposed, "b2b2b2", "New"),
        state(
            "Active",
            StateCategory::InProgress,
            "007acc",
            "Implementation started",
        ),
    ];
    if with_resolved {
        s.push(state(
            "Resolved",
            StateCategory::Resolved,
            "ff9d00",
            "Code complete and unit tests pass",
        ));
    }
    s.push(state(
        "Closed",
        StateCategory::Completed,
        "339933",
        "Acceptance tests pass",
    ));
    if with_removed {
        s.push(state(
            "Removed",
            StateCategory::Removed,
            "ffffff",
            "Removed from the backlog",
        ));
    }
    s
}

const PRIORITIES: &[&str] = &["1", "2", "3", "4"];

/// The Agile process (the `demo` project's process).
pub fn agile(registry: &FieldRegistry) -> Process {
    let common = |extra: &[&str]| -> Vec<TypeField> {
        COMMON_TYPE_FIELDS
            .iter()
            .chain(extra.iter())
            .filter_map(|name| registry.find(name))
            .map(|field| TypeField {
                field,
                required: false,
                allowed_values: None,
                default_value: None,
            })
            .collect()
    };
    let mut types = vec![
        WorkItemType {
            name: "Epic".into(),
            reference_name: "Microsoft.VSTS.WorkItemTypes.Epic".into(),
            description: "Epics help teams effectively manage and groom their product backlog"
                .into(),
            color: "FF7B00",
            icon: "icon_crown",
            states: agile_states(true, true),
            fields: common(&[
                "Microsoft.VSTS.Common.ValueArea",
                "Microsoft.VSTS.Common.Risk",
                "Microsoft.VSTS.Scheduling.Effort",
                "Microsoft.VSTS.Scheduling.StartDate",
                "Microsoft.VSTS.Scheduling.TargetDate",
                "Microsoft.VSTS.Common.ResolvedDate",
            ]),
        },
        WorkItemType {
            name: "Feature".into(),
            reference_name: "Microsoft.VSTS.WorkItemTypes.Feature".into(),
            description: "Tracks a feature that will be released with the product".into(),
            color: "773B93",
            icon: "icon_trophy",
            states: agile_states(true, true),
            fields: common(&[
                "Microsoft.VSTS.Common.ValueArea",
                "Microsoft.VSTS.Common.Risk",
                "Microsoft.VSTS.Scheduling.Effort",
                "Microsoft.VSTS.Scheduling.StartDate",
                "Microsoft.VSTS.Scheduling.TargetDate",
                "Microsoft.VSTS.Common.ResolvedDate",
            ]),
        },
        WorkItemType {
            name: "User Story".into(),
            reference_name: "Microsoft.VSTS.WorkItemTypes.UserStory".into(),
            description: "Tracks an activity the user will be able to perform with the product"
                .into(),
            color: "009CCC",
            icon: "icon_book",
            states: agile_states(true, true),
            fields: common(&[
                "Microsoft.VSTS.Common.ValueArea",
                "Microsoft.VSTS.Common.Risk",
                "Microsoft.VSTS.Common.AcceptanceCriteria",
                "Microsoft.VSTS.Scheduling.StoryPoints",
                "Microsoft.VSTS.Common.ResolvedDate",
            ]),
        },
        WorkItemType {
            name: "Bug".into(),
            reference_name: "Microsoft.VSTS.WorkItemTypes.Bug".into(),
            description: "Describes a divergence between required and actual behavior".into(),
            color: "CC293D",
            icon: "icon_insect",
            states: agile_states(true, false),
            fields: common(&[
                "Microsoft.VSTS.Common.Severity",
                "Microsoft.VSTS.Common.ValueArea",
                "Microsoft.VSTS.Common.Activity",
                "Microsoft.VSTS.TCM.ReproSteps",
                "Microsoft.VSTS.TCM.SystemInfo",
                "Microsoft.VSTS.Scheduling.StoryPoints",
                "Microsoft.VSTS.Scheduling.OriginalEstimate",
                "Microsoft.VSTS.Scheduling.RemainingWork",
                "Microsoft.VSTS.Scheduling.CompletedWork",
                "Microsoft.VSTS.Common.ResolvedDate",
            ]),
        },
        WorkItemType {
            name: "Task".into(),
            reference_name: "Microsoft.VSTS.WorkItemTypes.Task".into(),
            description: "Tracks work that needs to be done".into(),
            color: "F2CB1D",
            icon: "icon_clipboard",
            states: agile_states(false, true),
            fields: common(&[
                "Microsoft.VSTS.Common.Activity",
                "Microsoft.VSTS.Scheduling.OriginalEstimate",
                "Microsoft.VSTS.Scheduling.RemainingWork",
                "Microsoft.VSTS.Scheduling.CompletedWork",
            ]),
        },
    ];
    let title = registry.core("System.Title");
    let state_f = registry.core("System.State");
    let priority = registry.core("Microsoft.VSTS.Common.Priority");
    let severity = registry.find("Microsoft.VSTS.Common.Severity");
    let value_area = registry.find("Microsoft.VSTS.Common.ValueArea");
    let activity = registry.find("Microsoft.VSTS.Common.Activity");
    for ty in &mut types {
        let states: Vec<String> = ty.states.iter().map(|s| s.name.clone()).collect();
        if let Some(f) = ty.type_field_mut(title) {
            f.required = true;
        }
        if let Some(f) = ty.type_field_mut(state_f) {
            f.required = true;
            f.allowed_values = Some(states);
        }
        if let Some(f) = ty.type_field_mut(priority) {
            f.allowed_values = Some(PRIORITIES.iter().map(|s| (*s).to_owned()).collect());
            f.default_value = Some("2".into());
        }
        if let Some(f) = severity.and_then(|s| ty.type_field_mut(s)) {
            f.allowed_values = Some(
                ["1 - Critical", "2 - High", "3 - Medium", "4 - Low"]
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
            );
            f.default_value = Some("3 - Medium".into());
        }
        if let Some(f) = value_area.and_then(|s| ty.type_field_mut(s)) {
            f.allowed_values = Some(vec!["Architectural".into(), "Business".into()]);
            f.default_value = Some("Business".into());
        }
        if let Some(f) = activity.and_then(|s| ty.type_field_mut(s)) {
            f.allowed_values = Some(
                [
                    "Deployment",
                    "Design",
                    "Development",
                    "Documentation",
                    "Requirements",
                    "Testing",
                ]
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            );
        }
    }
    Process {
        name: "Agile".into(),
        type_id: uuid::Uuid::from_u128(0xadcc42ab_9882_485e_a3ed_7678f01f66bc),
        types,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agile_has_the_five_types_with_categories() {
        let mut reg = FieldRegistry::default();
        core_fields(&mut reg);
        let p = agile(&reg);
        let names: Vec<&str> = p.types.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Epic", "Feature", "User Story", "Bug", "Task"]);
        let story = &p.types[2];
        assert_eq!(
            story.state("resolved").unwrap().category,
            StateCategory::Resolved
        );
        let task = &p.types[4];
        assert!(task.state("Resolved").is_none());
        assert_eq!(
            task.state("Removed").unwrap().category,
            StateCategory::Removed
        );
        let title = reg.find("title").unwrap();
        assert!(story.type_field(title).unwrap().required);
    }

    #[test]
    fn fields_resolve_by_reference_or_display_name() {
        let mut reg = FieldRegistry::default();
        core_fields(&mut reg);
        assert_eq!(reg.find("system.title"), reg.find("Title"));
        assert_eq!(
            reg.def(reg.find("Area Path").unwrap()).reference_name,
            "System.AreaPath"
        );
    }
}
