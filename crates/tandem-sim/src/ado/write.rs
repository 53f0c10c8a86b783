//! Creating and updating work items: JSON Patch application, rule validation, server-set
//! fields, permission checks and the revision commit.
//!
//! Behaviour (ado-api.md §3): `test /rev` mismatch -> 412 VS403351 and the whole patch is
//! rejected; rule violations -> 400 TF401320 listing `RuleValidationErrors`; `validateOnly`
//! returns the would-be item without saving; `bypassRules` needs the project permission
//! (TF401322) and lets a migrator set read-only fields (ChangedDate must still increase,
//! VS402625); no "Edit work items in this node" -> TF237111.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::error::{AdoError, RuleViolation};
use super::identity::IdentityIdx;
use super::process::{FieldIdx, FieldType, StateCategory};
use super::time::{format_ms, parse_datetime};
use super::tree::Perms;
use super::workitem::{
    Comment, CommentFormat, CommentVersion, FieldValue, Relation, WorkItem, get_sorted, set_sorted,
};
use super::world::{World, work_item_id_from_url};

/// One JSON Patch operation as sent by clients.
#[derive(Debug, Clone, Deserialize)]
pub struct PatchOp {
    pub op: String,
    pub path: String,
    #[serde(default)]
    pub value: Option<Value>,
    #[serde(default)]
    pub from: Option<String>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    pub validate_only: bool,
    pub bypass_rules: bool,
    pub suppress_notifications: bool,
    /// A write by the server itself (scenario seeding): no permission checks.
    pub seed: bool,
}

#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Create { project: usize, type_name: &'a str },
    Update { id: i64 },
}

/// What a successful write did.
#[derive(Debug, Clone)]
pub struct WriteOutcome {
    pub id: i32,
    pub created: bool,
    /// A new revision was recorded (false for validateOnly and for no-op patches).
    pub committed: bool,
    /// validateOnly: the would-be state, never stored.
    pub preview: Option<WorkItem>,
    /// Other items that got a revision because a reciprocal link was added or removed.
    pub touched: Vec<i32>,
    /// A comment was created from `System.History`.
    pub commented: bool,
}

/// Link types the server knows (`GET _apis/wit/workitemrelationtypes`): reference name, name,
/// reciprocal, whether it links work items.
pub const RELATION_TYPES: &[(&str, &str, Option<&str>, bool)] = &[
    (
        "System.LinkTypes.Hierarchy-Forward",
        "Child",
        Some("System.LinkTypes.Hierarchy-Reverse"),
        true,
    ),
    (
        "System.LinkTypes.Hierarchy-Reverse",
        "Parent",
        Some("System.LinkTypes.Hierarchy-Forward"),
        true,
    ),
    (
        "System.LinkTypes.Related",
        "Related",
        Some("System.LinkTypes.Related"),
        true,
    ),
    (
        "System.LinkTypes.Dependency-Forward",
        "Successor",
        Some("System.LinkTypes.Dependency-Reverse"),
        true,
    ),
    (
        "System.LinkTypes.Dependency-Reverse",
        "Predecessor",
        Some("System.LinkTypes.Dependency-Forward"),
        true,
    ),
    (
        "System.LinkTypes.Duplicate-Forward",
        "Duplicate",
        Some("System.LinkTypes.Duplicate-Reverse"),
        true,
    ),
    (
        "System.LinkTypes.Duplicate-Reverse",
        "Duplicate Of",
        Some("System.LinkTypes.Duplicate-Forward"),
        true,
    ),
    ("Hyperlink", "Hyperlink", None, false),
    ("AttachedFile", "Attached File", None, false),
    ("ArtifactLink", "Artifact Link", None, false),
];

fn relation_type(
    rel: &str,
) -> Option<&'static (&'static str, &'static str, Option<&'static str>, bool)> {
    RELATION_TYPES
        .iter()
        .find(|t| t.0.eq_ignore_ascii_case(rel))
}

/// Revisions per item accepted over REST (object limits doc, S4).
const MAX_REVISIONS: usize = 10_000;

struct Draft {
    fields: Vec<(FieldIdx, FieldValue)>,
    relations: Vec<Relation>,
    history: Option<String>,
    /// Fields the patch set explicitly.
    touched: Vec<FieldIdx>,
}

/// Create or update a work item for `who`.
pub fn write(
    world: &mut World,
    who: IdentityIdx,
    target: Target<'_>,
    ops: &[PatchOp],
    opts: WriteOptions,
) -> Result<WriteOutcome, AdoError> {
    // Where, and what the item looks like now.
    let (project, type_idx, existing) = match target {
        Target::Create { project, type_name } => {
            let type_idx = super::http::work_item_type(world, project, type_name)?;
            (project, type_idx, None)
        }
        Target::Update { id } => {
            let item = world
                .item(id)
                .filter(|w| opts.seed || world.can_read(who, w))
                .ok_or_else(|| AdoError::work_item_not_found(id))?;
            (
                usize::from(item.project),
                usize::from(item.type_idx),
                Some(item.clone()),
            )
        }
    };
    let project_subjects = &world.projects[project];
    if opts.bypass_rules && !opts.seed && !world.holds(who, &project_subjects.bypass_rules) {
        return Err(AdoError::bypass_rules_denied());
    }
    if opts.suppress_notifications && !world.holds(who, &project_subjects.suppress_notifications) {
        return Err(AdoError::suppress_notifications_denied());
    }
    if let Some(item) = &existing {
        if item.revisions.len() >= MAX_REVISIONS {
            return Err(AdoError::internal(format!(
                "Work item {} has {} revisions, but currently, when updating via the API, only work items with up to 10,000 revisions are supported.",
                item.id,
                item.revisions.len()
            )));
        }
        // Editing needs "Edit work items in this node" where the item is now.
        if !opts.seed && !world.node_perms(who, item.area).contains(Perms::EDIT) {
            return Err(AdoError::area_write_denied());
        }
    }

    let mut draft = Draft {
        fields: existing
            .as_ref()
            .map(|w| w.fields.clone())
            .unwrap_or_default(),
        relations: existing
            .as_ref()
            .map(|w| w.relations.clone())
            .unwrap_or_default(),
        history: None,
        touched: Vec::new(),
    };
    let mut violations = Vec::new();
    let mut multiline_formats: Vec<FieldIdx> = Vec::new();
    for op in ops {
        apply_op(
            world,
            existing.as_ref(),
            &mut draft,
            op,
            opts,
            &mut violations,
            &mut multiline_formats,
        )?;
    }
    for f in multiline_formats {
        if !draft.touched.contains(&f) {
            let def = world.fields.def(f);
            return Err(AdoError::bad_patch(format!(
                "VS403319: The type changed without a value for field {}.",
                def.reference_name
            )));
        }
    }

    // Server-maintained fields.
    let f = |name: &str| world.fields.core(name);
    let process = world.process_of(project);
    let wit = &process.types[type_idx];
    let now_preview = world.clock.now_ms();
    let old_state = existing
        .as_ref()
        .and_then(|w| w.get(f("System.State")))
        .and_then(FieldValue::as_str)
        .map(str::to_owned);
    if existing.is_none() {
        set_if_absent(
            &mut draft.fields,
            f("System.WorkItemType"),
            FieldValue::str(wit.name.as_str()),
        );
        set_if_absent(
            &mut draft.fields,
            f("System.State"),
            FieldValue::str(wit.initial_state()),
        );
        let root_area = world
            .forest
            .node(world.projects[project].area_root)
            .item_path
            .clone();
        let root_iter = world
            .forest
            .node(world.projects[project].iteration_root)
            .item_path
            .clone();
        set_if_absent(
            &mut draft.fields,
            f("System.AreaPath"),
            FieldValue::str(root_area),
        );
        set_if_absent(
            &mut draft.fields,
            f("System.IterationPath"),
            FieldValue::str(root_iter),
        );
        if !opts.bypass_rules || get_sorted(&draft.fields, f("System.CreatedBy")).is_none() {
            set_sorted(
                &mut draft.fields,
                f("System.CreatedBy"),
                Some(FieldValue::Identity(who)),
            );
        }
        for tf in &wit.fields {
            if let Some(default) = &tf.default_value
                && get_sorted(&draft.fields, tf.field).is_none()
            {
                let value = coerce_text(world.fields.def(tf.field).field_type, default);
                if let Some(v) = value {
                    set_sorted(&mut draft.fields, tf.field, Some(v));
                }
            }
        }
    }
    // Keep type immutable (changing type is a separate operation).
    if let Some(item) = &existing
        && draft.touched.contains(&f("System.WorkItemType"))
    {
        let ty = item.get(f("System.WorkItemType")).cloned();
        set_sorted(&mut draft.fields, f("System.WorkItemType"), ty);
    }
    let new_state = get_sorted(&draft.fields, f("System.State"))
        .and_then(FieldValue::as_str)
        .map(str::to_owned);
    let state_changed = old_state.as_deref().map(str::to_ascii_lowercase)
        != new_state.as_deref().map(str::to_ascii_lowercase);
    if let Some(state) = new_state.as_deref().and_then(|s| wit.state(s)) {
        // Normalize case to the defined name.
        set_sorted(
            &mut draft.fields,
            f("System.State"),
            Some(FieldValue::str(state.name.as_str())),
        );
        if state_changed {
            if !draft.touched.contains(&f("System.Reason")) {
                let reason = if existing.is_none() {
                    "New".to_owned()
                } else {
                    state.default_reason.clone()
                };
                set_sorted(
                    &mut draft.fields,
                    f("System.Reason"),
                    Some(FieldValue::str(reason)),
                );
            }
            let stamp = |d: &mut Draft, name: &str, v: Option<FieldValue>| {
                set_sorted(&mut d.fields, world.fields.core(name), v);
            };
            // These timestamps become the commit time below; mark them now.
            stamp(
                &mut draft,
                "Microsoft.VSTS.Common.StateChangeDate",
                Some(FieldValue::Date(now_preview)),
            );
            match state.category {
                StateCategory::InProgress => {
                    stamp(
                        &mut draft,
                        "Microsoft.VSTS.Common.ActivatedDate",
                        Some(FieldValue::Date(now_preview)),
                    );
                    stamp(
                        &mut draft,
                        "Microsoft.VSTS.Common.ActivatedBy",
                        Some(FieldValue::Identity(who)),
                    );
                    stamp(&mut draft, "Microsoft.VSTS.Common.ClosedDate", None);
                    stamp(&mut draft, "Microsoft.VSTS.Common.ClosedBy", None);
                }
                StateCategory::Completed => {
                    stamp(
                        &mut draft,
                        "Microsoft.VSTS.Common.ClosedDate",
                        Some(FieldValue::Date(now_preview)),
                    );
                    stamp(
                        &mut draft,
                        "Microsoft.VSTS.Common.ClosedBy",
                        Some(FieldValue::Identity(who)),
                    );
                }
                StateCategory::Resolved => {
                    if wit
                        .fields
                        .iter()
                        .any(|tf| tf.field == f("Microsoft.VSTS.Common.ResolvedDate"))
                    {
                        stamp(
                            &mut draft,
                            "Microsoft.VSTS.Common.ResolvedDate",
                            Some(FieldValue::Date(now_preview)),
                        );
                    }
                }
                StateCategory::Proposed => {
                    stamp(&mut draft, "Microsoft.VSTS.Common.ActivatedDate", None);
                    stamp(&mut draft, "Microsoft.VSTS.Common.ActivatedBy", None);
                    stamp(&mut draft, "Microsoft.VSTS.Common.ClosedDate", None);
                    stamp(&mut draft, "Microsoft.VSTS.Common.ClosedBy", None);
                }
                StateCategory::Removed => {}
            }
        }
    }
    // History lives only on the revision that set it.
    if draft.history.is_none() {
        set_sorted(&mut draft.fields, f("System.History"), None);
    }

    // Tree paths must exist; the area decides write permission.
    let area_path = get_sorted(&draft.fields, f("System.AreaPath"))
        .and_then(FieldValue::as_str)
        .unwrap_or_default()
        .to_owned();
    let item_id = existing.as_ref().map(|w| i64::from(w.id));
    let area = world
        .area_node(&area_path)
        .filter(|n| usize::from(world.forest.node(*n).project) == project)
        .ok_or_else(|| AdoError::invalid_tree_path(item_id, "System.AreaPath"))?;
    let iteration_path = get_sorted(&draft.fields, f("System.IterationPath"))
        .and_then(FieldValue::as_str)
        .unwrap_or_default()
        .to_owned();
    let iteration = world
        .iteration_node(&iteration_path)
        .filter(|n| usize::from(world.forest.node(*n).project) == project)
        .ok_or_else(|| AdoError::invalid_tree_path(item_id, "System.IterationPath"))?;
    // Normalize the stored paths to the nodes' own spelling.
    let area_item_path = world.forest.node(area).item_path.clone();
    let iteration_item_path = world.forest.node(iteration).item_path.clone();
    set_sorted(
        &mut draft.fields,
        f("System.AreaPath"),
        Some(FieldValue::str(area_item_path)),
    );
    set_sorted(
        &mut draft.fields,
        f("System.IterationPath"),
        Some(FieldValue::str(iteration_item_path)),
    );
    if !opts.seed && !world.node_perms(who, area).contains(Perms::EDIT) {
        return Err(AdoError::area_write_denied());
    }

    if !opts.bypass_rules {
        validate_rules(world, project, type_idx, &draft, &mut violations);
    }
    if !violations.is_empty() {
        return Err(AdoError::rule_validation(&violations));
    }

    // Tags: normalized list.
    let tags_f = f("System.Tags");
    if let Some(FieldValue::Str(tags)) = get_sorted(&draft.fields, tags_f) {
        let normalized = normalize_tags(tags);
        let value = (!normalized.is_empty()).then(|| FieldValue::str(normalized));
        set_sorted(&mut draft.fields, tags_f, value);
    }

    let changed = match &existing {
        None => true,
        Some(item) => {
            item.fields != draft.fields
                || item.relations != draft.relations
                || draft.history.is_some()
        }
    };

    let id = existing
        .as_ref()
        .map_or_else(|| world.next_item_id(), |w| w.id);
    if opts.validate_only || !changed {
        let mut preview = existing.clone().unwrap_or_else(|| WorkItem {
            id: 0,
            project: u16::try_from(project).unwrap_or(0),
            type_idx: u16::try_from(type_idx).unwrap_or(0),
            area,
            iteration,
            fields: Vec::new(),
            relations: Vec::new(),
            revisions: Vec::new(),
            comments: Vec::new(),
            deleted: false,
        });
        if opts.validate_only {
            preview.fields = draft.fields;
            preview.relations = draft.relations;
            preview.area = area;
            preview.iteration = iteration;
        }
        return Ok(WriteOutcome {
            id: if existing.is_some() { id } else { 0 },
            created: false,
            committed: false,
            preview: Some(preview),
            touched: Vec::new(),
            commented: false,
        });
    }

    // Commit.
    let mut when = world.clock.tick();
    let previous_change = existing
        .as_ref()
        .and_then(|w| w.get(f("System.ChangedDate")))
        .and_then(|v| {
            if let FieldValue::Date(d) = v {
                Some(*d)
            } else {
                None
            }
        });
    if opts.bypass_rules
        && draft.touched.contains(&f("System.ChangedDate"))
        && let Some(FieldValue::Date(d)) = get_sorted(&draft.fields, f("System.ChangedDate"))
    {
        if previous_change.is_some_and(|p| *d <= p) {
            return Err(AdoError::argument(
                "VS402625: Dates must be increasing with each revision.",
            ));
        }
        when = *d;
    }
    let changed_by = match (
        opts.bypass_rules,
        get_sorted(&draft.fields, f("System.ChangedBy")),
    ) {
        (true, Some(FieldValue::Identity(i))) if draft.touched.contains(&f("System.ChangedBy")) => {
            *i
        }
        _ => who,
    };
    // Stamp the commit time on everything marked "now" above.
    for name in [
        "Microsoft.VSTS.Common.StateChangeDate",
        "Microsoft.VSTS.Common.ActivatedDate",
        "Microsoft.VSTS.Common.ClosedDate",
        "Microsoft.VSTS.Common.ResolvedDate",
    ] {
        let idx = f(name);
        if get_sorted(&draft.fields, idx) == Some(&FieldValue::Date(now_preview))
            && !draft.touched.contains(&idx)
        {
            set_sorted(&mut draft.fields, idx, Some(FieldValue::Date(when)));
        }
    }
    set_sorted(
        &mut draft.fields,
        f("System.ChangedDate"),
        Some(FieldValue::Date(when)),
    );
    set_sorted(
        &mut draft.fields,
        f("System.ChangedBy"),
        Some(FieldValue::Identity(changed_by)),
    );
    if existing.is_none() {
        let created = match get_sorted(&draft.fields, f("System.CreatedDate")) {
            Some(FieldValue::Date(d)) if opts.bypass_rules => *d,
            _ => when,
        };
        set_sorted(
            &mut draft.fields,
            f("System.CreatedDate"),
            Some(FieldValue::Date(created)),
        );
    }
    // Attachment relations get their server attributes now.
    for rel in &mut draft.relations {
        if rel.rel.eq_ignore_ascii_case("AttachedFile") && !rel.attributes.contains_key("id") {
            decorate_attachment(world, rel, when);
        }
    }

    let project_u16 = u16::try_from(project).unwrap_or(0);
    let mut outcome = WriteOutcome {
        id,
        created: existing.is_none(),
        committed: true,
        preview: None,
        touched: Vec::new(),
        commented: false,
    };
    let old_relations = existing
        .as_ref()
        .map(|w| w.relations.clone())
        .unwrap_or_default();
    if existing.is_none() {
        world.items.push(WorkItem {
            id,
            project: project_u16,
            type_idx: u16::try_from(type_idx).unwrap_or(0),
            area,
            iteration,
            fields: Vec::new(),
            relations: Vec::new(),
            revisions: Vec::new(),
            comments: Vec::new(),
            deleted: false,
        });
    }
    if let Some(tags) = get_sorted(&draft.fields, tags_f)
        .and_then(FieldValue::as_str)
        .map(str::to_owned)
    {
        world.note_tags(project, &tags);
    }
    let history = draft.history.take();
    let new_relations = draft.relations.clone();
    let comment_id = history.as_ref().map(|_| {
        world.next_comment_id += 1;
        world.next_comment_id
    });
    let item = world
        .item_mut(i64::from(id))
        .ok_or_else(|| AdoError::internal("work item vanished during write"))?;
    item.area = area;
    item.iteration = iteration;
    item.commit(draft.fields, draft.relations, changed_by, when);
    if let (Some(text), Some(cid)) = (history, comment_id) {
        let rev = item.rev();
        item.comments.push(Comment {
            id: cid,
            format: CommentFormat::Html,
            created_by: changed_by,
            created_date: when,
            versions: vec![CommentVersion {
                text,
                by: changed_by,
                date: when,
            }],
            deleted: false,
            created_in_rev: rev,
        });
        outcome.commented = true;
    }
    outcome.touched = sync_reciprocals(world, who, id, &old_relations, &new_relations);
    Ok(outcome)
}

#[allow(clippy::too_many_arguments)]
fn apply_op(
    world: &World,
    existing: Option<&WorkItem>,
    draft: &mut Draft,
    op: &PatchOp,
    opts: WriteOptions,
    violations: &mut Vec<RuleViolation>,
    multiline_formats: &mut Vec<FieldIdx>,
) -> Result<(), AdoError> {
    let kind = op.op.to_ascii_lowercase();
    if !matches!(
        kind.as_str(),
        "add" | "remove" | "replace" | "move" | "copy" | "test"
    ) {
        return Err(AdoError::bad_patch(format!(
            "VS403355: The patch operation '{}' is not supported. Supported operations are: add, remove, replace, move, copy, test.",
            op.op
        )));
    }
    let path = op.path.trim();
    let lower = path.to_ascii_lowercase();
    if lower == "/rev" || lower == "/id" {
        if kind != "test" {
            return Err(AdoError::bad_patch(format!(
                "VS403357: The path {path} can only be used with the test operation."
            )));
        }
        let actual = match (lower.as_str(), existing) {
            ("/rev", Some(w)) => i64::from(w.rev()),
            ("/id", Some(w)) => i64::from(w.id),
            _ => 0,
        };
        let expected = op.value.clone().unwrap_or(Value::Null);
        let matches = match &expected {
            Value::Number(n) => n.as_i64() == Some(actual),
            Value::String(s) => s.trim().parse::<i64>().ok() == Some(actual),
            _ => false,
        };
        if !matches {
            return Err(if lower == "/rev" {
                AdoError::test_rev_failed(actual, &expected)
            } else {
                AdoError::test_failed(path, &Value::from(actual), &expected)
            });
        }
        return Ok(());
    }
    if let Some(name) = strip_prefix_ci(path, "/fields/") {
        let field = world
            .fields
            .find(name)
            .ok_or_else(|| AdoError::field_not_found(name))?;
        let def = world.fields.def(field);
        match kind.as_str() {
            "test" => {
                let current = get_sorted(&draft.fields, field);
                let expected = op.value.clone().unwrap_or(Value::Null);
                let actual = current.map_or(Value::Null, |v| value_json_plain(world, v));
                if !json_loose_eq(&actual, &expected) {
                    return Err(AdoError::test_failed(path, &actual, &expected));
                }
                return Ok(());
            }
            "move" | "copy" => {
                let from = op.from.as_deref().unwrap_or_default();
                let src_name = strip_prefix_ci(from, "/fields/").ok_or_else(|| {
                    AdoError::bad_patch(format!("VS403356: Invalid 'from' path {from}."))
                })?;
                let src = world
                    .fields
                    .find(src_name)
                    .ok_or_else(|| AdoError::field_not_found(src_name))?;
                let v = get_sorted(&draft.fields, src).cloned();
                if kind == "move" {
                    set_sorted(&mut draft.fields, src, None);
                    draft.touched.push(src);
                }
                set_sorted(&mut draft.fields, field, v);
                draft.touched.push(field);
                return Ok(());
            }
            _ => {}
        }
        let settable = !def.computed
            && (!def.read_only || (opts.bypass_rules && is_bypass_settable(&def.reference_name)));
        if !settable {
            violations.push(violation(
                def.reference_name.as_str(),
                def.name.as_str(),
                "readOnly",
                "ReadOnly",
                0x0000_0800,
            ));
            return Ok(());
        }
        draft.touched.push(field);
        let raw = if kind == "remove" {
            None
        } else {
            op.value.clone()
        };
        let value = match raw {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(v) => match coerce(world, def.field_type, &v) {
                Ok(v) => Some(v),
                Err(Coerce::UnknownIdentity(text)) => {
                    return Err(AdoError::unknown_identity(
                        &text,
                        &def.name,
                        &def.reference_name,
                    ));
                }
                Err(Coerce::Invalid) => {
                    violations.push(violation(
                        def.reference_name.as_str(),
                        def.name.as_str(),
                        "invalidType",
                        "InvalidType",
                        0x0000_0040,
                    ));
                    return Ok(());
                }
            },
        };
        if def.field_type == FieldType::History {
            draft.history = value
                .as_ref()
                .and_then(FieldValue::as_str)
                .map(str::to_owned);
        }
        set_sorted(&mut draft.fields, field, value);
        return Ok(());
    }
    if let Some(name) = strip_prefix_ci(path, "/multilineFieldsFormat/") {
        let field = world
            .fields
            .find(name)
            .ok_or_else(|| AdoError::field_not_found(name))?;
        multiline_formats.push(field);
        return Ok(());
    }
    if let Some(rest) = strip_prefix_ci(path, "/relations/") {
        return apply_relation_op(world, existing, draft, &kind, rest, op);
    }
    Err(AdoError::bad_patch(format!(
        "VS403354: The path {path} is not valid for a work item patch. Use /fields/{{referenceName}}, /relations/- or /relations/{{index}}."
    )))
}

fn apply_relation_op(
    world: &World,
    existing: Option<&WorkItem>,
    draft: &mut Draft,
    kind: &str,
    rest: &str,
    op: &PatchOp,
) -> Result<(), AdoError> {
    let mut parts = rest.splitn(2, '/');
    let index = parts.next().unwrap_or_default();
    let sub = parts.next();
    if index == "-" {
        if kind != "add" {
            return Err(AdoError::bad_patch(
                "VS403352: Only the add operation can use the path /relations/-.",
            ));
        }
        let value = op.value.clone().unwrap_or(Value::Null);
        let rel = parse_relation(world, existing, &value)?;
        let key = (rel.rel.to_ascii_lowercase(), rel.url.to_ascii_lowercase());
        if draft
            .relations
            .iter()
            .any(|r| (r.rel.to_ascii_lowercase(), r.url.to_ascii_lowercase()) == key)
        {
            return Err(AdoError::argument(format!(
                "TF201035: The relation of type {} to {} already exists on this work item.",
                rel.rel, rel.url
            )));
        }
        if rel
            .rel
            .eq_ignore_ascii_case("System.LinkTypes.Hierarchy-Reverse")
            && draft.relations.iter().any(|r| {
                r.rel
                    .eq_ignore_ascii_case("System.LinkTypes.Hierarchy-Reverse")
            })
        {
            let this = existing.map_or(0, |w| w.id);
            let other = work_item_id_from_url(&rel.url).unwrap_or(0);
            return Err(AdoError::argument(format!(
                "TF201036: You cannot add a Child link between work items {other} and {this} because a work item can have only one Parent link."
            )));
        }
        draft.relations.push(rel);
        return Ok(());
    }
    let i: usize = index
        .parse()
        .map_err(|_| AdoError::bad_patch(format!("VS403356: Invalid relation index '{index}'.")))?;
    if i >= draft.relations.len() {
        return Err(AdoError::bad_patch(format!(
            "VS403353: The relation index {i} is out of range; the work item has {} relations.",
            draft.relations.len()
        )));
    }
    match (kind, sub) {
        ("remove", None) => {
            draft.relations.remove(i);
        }
        ("replace", None) => {
            let value = op.value.clone().unwrap_or(Value::Null);
            draft.relations[i] = parse_relation(world, existing, &value)?;
        }
        ("add" | "replace", Some(attr)) => {
            let key = attr.strip_prefix("attributes/").unwrap_or(attr);
            if key.eq_ignore_ascii_case("attributes") {
                if let Some(Value::Object(map)) = &op.value {
                    for (k, v) in map {
                        draft.relations[i].attributes.insert(k.clone(), v.clone());
                    }
                }
            } else {
                draft.relations[i]
                    .attributes
                    .insert(key.to_owned(), op.value.clone().unwrap_or(Value::Null));
            }
        }
        ("remove", Some(attr)) => {
            let key = attr.strip_prefix("attributes/").unwrap_or(attr);
            draft.relations[i].attributes.remove(key);
        }
        ("test", _) => {}
        _ => {
            return Err(AdoError::bad_patch(format!(
                "VS403355: The patch operation '{}' is not supported on relations.",
                op.op
            )));
        }
    }
    Ok(())
}

fn parse_relation(
    world: &World,
    existing: Option<&WorkItem>,
    value: &Value,
) -> Result<Relation, AdoError> {
    let rel = value.get("rel").and_then(Value::as_str).unwrap_or_default();
    let url = value.get("url").and_then(Value::as_str).unwrap_or_default();
    if rel.is_empty() || url.is_empty() {
        return Err(AdoError::bad_patch(
            "VS403358: A relation needs both 'rel' and 'url'.",
        ));
    }
    let Some((rel_name, display, _, is_link)) = relation_type(rel) else {
        return Err(AdoError::argument(format!(
            "VS402265: Relation type {rel} does not exist. Valid types are listed by _apis/wit/workitemrelationtypes."
        )));
    };
    let mut attributes = Map::new();
    if let Some(Value::Object(given)) = value.get("attributes") {
        attributes.extend(given.clone());
    }
    if *is_link {
        let target = work_item_id_from_url(url).ok_or_else(|| {
            AdoError::argument(format!(
                "VS402323: The link target {url} is not a work item URL."
            ))
        })?;
        if world.item(target).is_none() {
            return Err(AdoError::work_item_not_found(target));
        }
        if existing.is_some_and(|w| i64::from(w.id) == target) {
            return Err(AdoError::argument(
                "TF201040: A work item cannot be linked to itself.",
            ));
        }
        attributes.entry("isLocked").or_insert(Value::Bool(false));
        attributes.insert("name".into(), Value::String((*display).to_owned()));
        return Ok(Relation {
            rel: (*rel_name).to_owned(),
            url: world.work_item_url(i32::try_from(target).unwrap_or(0)),
            attributes,
        });
    }
    if rel_name.eq_ignore_ascii_case("AttachedFile") {
        let found = attachment_id_from_url(url).and_then(|id| world.attachments.get(&id));
        if found.is_none() {
            return Err(AdoError::argument(format!(
                "TF401316: The attachment at {url} does not exist or you do not have permissions to use it."
            )));
        }
    } else if url::Url::parse(url).is_err() && !url.starts_with("vstfs:///") {
        return Err(AdoError::argument(format!(
            "TF401321: The hyperlink {url} is not a valid URL."
        )));
    }
    attributes.insert("name".into(), Value::String((*display).to_owned()));
    Ok(Relation {
        rel: (*rel_name).to_owned(),
        url: url.to_owned(),
        attributes,
    })
}

pub fn attachment_id_from_url(url: &str) -> Option<uuid::Uuid> {
    let lower = url.to_ascii_lowercase();
    let pos = lower.find("/_apis/wit/attachments/")?;
    let rest = &url[pos + "/_apis/wit/attachments/".len()..];
    rest.split(['?', '/']).next()?.parse().ok()
}

fn decorate_attachment(world: &World, rel: &mut Relation, when: i64) {
    let Some(att) = attachment_id_from_url(&rel.url).and_then(|id| world.attachments.get(&id))
    else {
        return;
    };
    let a = &mut rel.attributes;
    a.insert("authorizedDate".into(), Value::String(format_ms(when)));
    a.insert("id".into(), Value::from(att.bytes.len() % 100_000 + 1));
    a.insert(
        "resourceCreatedDate".into(),
        Value::String(format_ms(att.created)),
    );
    a.insert(
        "resourceModifiedDate".into(),
        Value::String(format_ms(att.created)),
    );
    a.insert(
        "revisedDate".into(),
        Value::String(super::time::END_OF_TIME.to_owned()),
    );
    a.insert("resourceSize".into(), Value::from(att.bytes.len()));
    a.insert("name".into(), Value::String(att.file_name.clone()));
}

/// Keep the other end of work item links in step (a Child link on A is a Parent link on B);
/// each touched item gets its own revision, as on the real service.
fn sync_reciprocals(
    world: &mut World,
    who: IdentityIdx,
    id: i32,
    old: &[Relation],
    new: &[Relation],
) -> Vec<i32> {
    let mut touched = Vec::new();
    let this_url = world.work_item_url(id);
    let changes: Vec<(bool, &Relation)> = new
        .iter()
        .filter(|r| !old.contains(r))
        .map(|r| (true, r))
        .chain(
            old.iter()
                .filter(|r| !new.iter().any(|n| n.rel == r.rel && n.url == r.url))
                .map(|r| (false, r)),
        )
        .collect();
    for (added, rel) in changes {
        let Some((_, _, Some(reciprocal), true)) = relation_type(&rel.rel) else {
            continue;
        };
        let Some(target) = work_item_id_from_url(&rel.url) else {
            continue;
        };
        let when = world.clock.tick();
        let changed_by_f = world.fields.core("System.ChangedBy");
        let changed_date_f = world.fields.core("System.ChangedDate");
        let display = relation_type(reciprocal).map_or("", |t| t.1).to_owned();
        let Some(item) = world.item_mut(target) else {
            continue;
        };
        let mut relations = item.relations.clone();
        if added {
            if relations
                .iter()
                .any(|r| r.rel == *reciprocal && r.url == this_url)
            {
                continue;
            }
            let mut attributes = Map::new();
            attributes.insert("isLocked".into(), Value::Bool(false));
            attributes.insert("name".into(), Value::String(display));
            relations.push(Relation {
                rel: (*reciprocal).to_owned(),
                url: this_url.clone(),
                attributes,
            });
        } else {
            let before = relations.len();
            relations.retain(|r| !(r.rel == *reciprocal && r.url == this_url));
            if relations.len() == before {
                continue;
            }
        }
        let mut fields = item.fields.clone();
        set_sorted(&mut fields, changed_by_f, Some(FieldValue::Identity(who)));
        set_sorted(&mut fields, changed_date_f, Some(FieldValue::Date(when)));
        item.commit(fields, relations, who, when);
        touched.push(item.id);
    }
    touched
}

fn is_bypass_settable(reference: &str) -> bool {
    matches!(
        reference,
        "System.CreatedBy" | "System.CreatedDate" | "System.ChangedBy" | "System.ChangedDate"
    )
}

fn violation(
    reference: &str,
    name: &str,
    flags: &'static str,
    words: &'static str,
    code: i64,
) -> RuleViolation {
    RuleViolation {
        field_ref: reference.to_owned(),
        field_name: name.to_owned(),
        flags,
        code_words: words,
        code,
    }
}

/// Required fields, allowed values and type membership.
fn validate_rules(
    world: &World,
    project: usize,
    type_idx: usize,
    draft: &Draft,
    out: &mut Vec<RuleViolation>,
) {
    let wit = &world.process_of(project).types[type_idx];
    for tf in &wit.fields {
        let def = world.fields.def(tf.field);
        let value = get_sorted(&draft.fields, tf.field);
        let empty = value.is_none_or(|v| matches!(v, FieldValue::Str(s) if s.trim().is_empty()));
        if tf.required && empty {
            out.push(violation(
                &def.reference_name,
                &def.name,
                "required, invalidEmpty",
                "Required, InvalidEmpty",
                0x0020_0000,
            ));
            continue;
        }
        if let (Some(allowed), Some(v)) = (&tf.allowed_values, value) {
            let text = value_text(v);
            // Unchanged legacy values are allowed ("AllowsOldValue").
            if !allowed.iter().any(|a| a.eq_ignore_ascii_case(&text))
                && draft.touched.contains(&tf.field)
            {
                out.push(violation(
                    &def.reference_name,
                    &def.name,
                    "hasValues, limitedToValues, allowsOldValue, invalidListValue",
                    "HasValues, LimitedToValues, AllowsOldValue, InvalidListValue",
                    0x0001_0000,
                ));
            }
        }
    }
    for f in &draft.touched {
        if wit.type_field(*f).is_none()
            && !world.fields.def(*f).reference_name.starts_with("System.")
        {
            let def = world.fields.def(*f);
            out.push(violation(
                &def.reference_name,
                &def.name,
                "invalidField",
                "InvalidField",
                0x0000_0001,
            ));
        }
    }
}

fn set_if_absent(fields: &mut Vec<(FieldIdx, FieldValue)>, field: FieldIdx, value: FieldValue) {
    if get_sorted(fields, field).is_none() {
        set_sorted(fields, field, Some(value));
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &s[prefix.len()..])
}

enum Coerce {
    Invalid,
    UnknownIdentity(String),
}

/// Turn a JSON value from a patch into a stored value of the field's type.
fn coerce(world: &World, ty: FieldType, v: &Value) -> Result<FieldValue, Coerce> {
    match ty {
        FieldType::Identity => {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Object(o) => ["uniqueName", "id", "descriptor", "displayName"]
                    .iter()
                    .find_map(|k| o.get(*k).and_then(Value::as_str).map(str::to_owned))
                    .unwrap_or_default(),
                other => other.to_string(),
            };
            world
                .find_identity(&text)
                .map(FieldValue::Identity)
                .ok_or(Coerce::UnknownIdentity(text))
        }
        FieldType::Integer => match v {
            Value::Number(n) => n.as_i64().map(FieldValue::Int).ok_or(Coerce::Invalid),
            Value::String(s) => s
                .trim()
                .parse()
                .map(FieldValue::Int)
                .map_err(|_| Coerce::Invalid),
            _ => Err(Coerce::Invalid),
        },
        FieldType::Double => match v {
            Value::Number(n) => n.as_f64().map(FieldValue::Float).ok_or(Coerce::Invalid),
            Value::String(s) => s
                .trim()
                .parse()
                .map(FieldValue::Float)
                .map_err(|_| Coerce::Invalid),
            _ => Err(Coerce::Invalid),
        },
        FieldType::Boolean => match v {
            Value::Bool(b) => Ok(FieldValue::Bool(*b)),
            Value::String(s) => s
                .trim()
                .parse()
                .map(FieldValue::Bool)
                .map_err(|_| Coerce::Invalid),
            _ => Err(Coerce::Invalid),
        },
        FieldType::DateTime => match v {
            Value::String(s) => parse_datetime(s)
                .map(FieldValue::Date)
                .ok_or(Coerce::Invalid),
            _ => Err(Coerce::Invalid),
        },
        _ => match v {
            Value::String(s) => Ok(FieldValue::str(s.as_str())),
            Value::Number(n) => Ok(FieldValue::str(n.to_string())),
            Value::Bool(b) => Ok(FieldValue::str(b.to_string())),
            Value::Object(o) if o.get("text").is_some() => {
                // System.History in the 7.2 form {"format": ..., "text": ...}.
                Ok(FieldValue::str(
                    o.get("text").and_then(Value::as_str).unwrap_or_default(),
                ))
            }
            _ => Err(Coerce::Invalid),
        },
    }
}

/// Scenario and default values given as text.
pub fn coerce_text(ty: FieldType, text: &str) -> Option<FieldValue> {
    match ty {
        FieldType::Integer => text.trim().parse().ok().map(FieldValue::Int),
        FieldType::Double => text.trim().parse().ok().map(FieldValue::Float),
        FieldType::Boolean => text.trim().parse().ok().map(FieldValue::Bool),
        FieldType::DateTime => parse_datetime(text).map(FieldValue::Date),
        FieldType::Identity => None,
        _ => Some(FieldValue::str(text)),
    }
}

/// The value as text, for allowed-value checks and WIQL.
pub fn value_text(v: &FieldValue) -> String {
    match v {
        FieldValue::Str(s) => s.to_string(),
        FieldValue::Int(i) => i.to_string(),
        FieldValue::Float(f) => f.to_string(),
        FieldValue::Bool(b) => b.to_string(),
        FieldValue::Date(d) => format_ms(*d),
        FieldValue::Identity(i) => i.to_string(),
    }
}

/// A value as plain JSON (identities as `Name <email>`), for `test` ops.
fn value_json_plain(world: &World, v: &FieldValue) -> Value {
    match v {
        FieldValue::Str(s) => Value::String(s.to_string()),
        FieldValue::Int(i) => Value::from(*i),
        FieldValue::Float(f) => Value::from(*f),
        FieldValue::Bool(b) => Value::Bool(*b),
        FieldValue::Date(d) => Value::String(format_ms(*d)),
        FieldValue::Identity(i) => Value::String(world.identity(*i).display_with_mail()),
    }
}

fn json_loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Number(x), Value::String(s)) | (Value::String(s), Value::Number(x)) => {
            s.trim().parse::<f64>().ok() == x.as_f64()
        }
        (Value::String(x), Value::String(y)) => x == y,
        _ => a == b,
    }
}

/// `"b; A;a ;c"` -> `"A; b; c"`: trimmed, deduplicated case-insensitively, sorted.
pub fn normalize_tags(tags: &str) -> String {
    let mut list: Vec<&str> = Vec::new();
    for t in tags.split(';').map(str::trim).filter(|t| !t.is_empty()) {
        if !list.iter().any(|x| x.eq_ignore_ascii_case(t)) {
            list.push(t);
        }
    }
    list.sort_by_key(|t| t.to_ascii_lowercase());
    list.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_normalize() {
        assert_eq!(normalize_tags("b; A;a ;c;;"), "A; b; c");
        assert_eq!(normalize_tags(" "), "");
    }

    #[test]
    fn attachment_urls_parse() {
        let id = uuid::Uuid::from_u128(7);
        let url = format!("http://h/demo/p/_apis/wit/attachments/{id}?fileName=a.png");
        assert_eq!(attachment_id_from_url(&url), Some(id));
        assert_eq!(attachment_id_from_url("http://h/x"), None);
    }
}
