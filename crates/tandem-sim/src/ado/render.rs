//! JSON bodies of successful responses, shaped after the published definitions
//! (`azure-devops-wit-7.1.swagger.json`: WorkItem, WorkItemUpdate, Comment, CommentList,
//! WorkItemType, WorkItemStateColor, WorkItemField2, WorkItemClassificationNode,
//! WorkItemQueryResult, AttachmentReference; hooks: Subscription).

use serde_json::{Map, Value, json};

use super::comments::render_markdown;
use super::identity::IdentityIdx;
use super::process::{FieldIdx, FieldType};
use super::time::{END_OF_TIME, format_ms};
use super::tree::NodeIdx;
use super::workitem::{Comment, CommentFormat, FieldValue, Snapshot, WorkItem, get_sorted};
use super::world::{Subscription, World, work_item_id_from_url};

/// `$expand` on work item reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Expand {
    #[default]
    None,
    Relations,
    Fields,
    Links,
    All,
}

impl Expand {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "none" | "" => Self::None,
            "relations" => Self::Relations,
            "fields" => Self::Fields,
            "links" => Self::Links,
            "all" => Self::All,
            _ => return None,
        })
    }

    fn relations(self) -> bool {
        matches!(self, Self::Relations | Self::All)
    }

    fn links(self) -> bool {
        matches!(self, Self::Links | Self::All)
    }

    fn all_fields(self) -> bool {
        matches!(self, Self::Fields | Self::All)
    }
}

/// How to render one work item.
#[derive(Debug, Clone, Default)]
pub struct ItemOptions {
    /// Only these fields (`fields=`), in this order.
    pub fields: Option<Vec<FieldIdx>>,
    pub expand: Expand,
    /// Include `_links` even without `$expand=links` (single-item reads and writes do).
    pub links: bool,
    /// Identity fields as `Name <email>` strings (service hook payloads, resourceVersion 1.0).
    pub identity_strings: bool,
}

pub fn identity_ref(world: &World, idx: IdentityIdx) -> Value {
    // Built once per identity (see `World::identity_refs`), cloned per use.
    if let Some(v) = world.identity_refs.get(idx as usize) {
        return v.clone();
    }
    build_identity_ref(world, idx)
}

/// An IdentityRef as the REST API writes it.
pub fn build_identity_ref(world: &World, idx: IdentityIdx) -> Value {
    let i = world.identity(idx);
    let avatar = format!(
        "{}/_apis/GraphProfile/MemberAvatars/{}",
        world.base_url, i.subject_descriptor
    );
    json!({
        "displayName": i.display_name,
        "url": format!("{}/_apis/Identities/{}", world.base_url, i.id),
        "_links": { "avatar": { "href": avatar } },
        "id": i.id.to_string(),
        "uniqueName": i.unique_name,
        "imageUrl": avatar,
        "descriptor": i.subject_descriptor,
    })
}

/// `IdentityReference` (the `revisedBy` of an update): an IdentityRef plus `name`.
pub fn identity_reference(world: &World, idx: IdentityIdx) -> Value {
    let mut v = identity_ref(world, idx);
    if let Value::Object(m) = &mut v {
        m.insert(
            "name".into(),
            Value::String(world.identity(idx).display_with_mail()),
        );
    }
    v
}

fn value_json(world: &World, v: &FieldValue, identity_strings: bool) -> Value {
    match v {
        FieldValue::Str(s) => Value::String(s.to_string()),
        FieldValue::Int(i) => json!(i),
        FieldValue::Float(f) => json!(f),
        FieldValue::Bool(b) => json!(b),
        FieldValue::Date(d) => Value::String(format_ms(*d)),
        FieldValue::Identity(i) if identity_strings => {
            Value::String(world.identity(*i).display_with_mail())
        }
        FieldValue::Identity(i) => identity_ref(world, *i),
    }
}

/// The item's parent id (from its Hierarchy-Reverse relation).
pub fn parent_of(relations: &[super::workitem::Relation]) -> Option<i64> {
    relations
        .iter()
        .find(|r| r.rel == "System.LinkTypes.Hierarchy-Reverse")
        .and_then(|r| work_item_id_from_url(&r.url))
}

/// A computed field's value (those not stored on the item).
fn computed(
    world: &World,
    item: &WorkItem,
    snap: Option<&Snapshot>,
    reference: &str,
    next_revision_date: Option<i64>,
) -> Option<Value> {
    let rev = snap.map_or_else(|| item.rev(), |s| s.rev);
    let relations = snap.map_or(&item.relations, |s| &s.relations);
    let changed = snap.map_or_else(|| item.revisions.last().map_or(0, |r| r.date), |s| s.date);
    Some(match reference {
        "System.Id" => json!(item.id),
        "System.Rev" => json!(rev),
        "System.TeamProject" => json!(world.projects[usize::from(item.project)].name),
        "System.AreaId" => json!(world.forest.node(item.area).id),
        "System.IterationId" => json!(world.forest.node(item.iteration).id),
        "System.CommentCount" => {
            let count = item
                .comments
                .iter()
                .filter(|c| !c.deleted && c.created_in_rev <= rev)
                .count();
            json!(count)
        }
        "System.AuthorizedDate" => json!(format_ms(changed)),
        "System.RevisedDate" => match next_revision_date {
            Some(d) => json!(format_ms(d)),
            None => json!(END_OF_TIME),
        },
        "System.Parent" => return parent_of(relations).map(|p| json!(p)),
        _ => return None,
    })
}

/// A work item (current state, or a snapshot of one revision).
pub fn work_item(
    world: &World,
    item: &WorkItem,
    snap: Option<&Snapshot>,
    opts: &ItemOptions,
) -> Value {
    let fields_src = snap.map_or(&item.fields, |s| &s.fields);
    let relations = snap.map_or(&item.relations, |s| &s.relations);
    let rev = snap.map_or_else(|| item.rev(), |s| s.rev);
    let next_date = snap.and_then(|s| {
        usize::try_from(s.rev)
            .ok()
            .and_then(|r| item.revisions.get(r))
            .map(|r| r.date)
    });
    let mut fields = Map::new();
    match &opts.fields {
        Some(list) => {
            for f in list {
                let def = world.fields.def(*f);
                let v = if def.computed {
                    computed(world, item, snap, &def.reference_name, next_date)
                } else {
                    get_sorted(fields_src, *f).map(|v| value_json(world, v, opts.identity_strings))
                };
                if let Some(v) = v {
                    fields.insert(def.reference_name.clone(), v);
                }
            }
        }
        None => {
            let mut computed_names =
                vec!["System.TeamProject", "System.CommentCount", "System.Parent"];
            if opts.expand.all_fields() || snap.is_some() {
                computed_names.extend([
                    "System.Id",
                    "System.Rev",
                    "System.AreaId",
                    "System.IterationId",
                    "System.AuthorizedDate",
                    "System.RevisedDate",
                ]);
            }
            for name in computed_names {
                if let Some(v) = computed(world, item, snap, name, next_date) {
                    fields.insert(name.to_owned(), v);
                }
            }
            for (f, v) in fields_src {
                fields.insert(
                    world.fields.def(*f).reference_name.clone(),
                    value_json(world, v, opts.identity_strings),
                );
            }
        }
    }
    let prefix = world.project_url_prefix(usize::from(item.project));
    let url = format!("{prefix}/_apis/wit/workItems/{}", item.id);
    let mut out = Map::new();
    out.insert("id".into(), json!(item.id));
    out.insert("rev".into(), json!(rev));
    out.insert("fields".into(), Value::Object(fields));
    if opts.expand.relations() && !relations.is_empty() {
        let rels: Vec<Value> = relations
            .iter()
            .map(|r| json!({ "rel": r.rel, "url": r.url, "attributes": r.attributes }))
            .collect();
        out.insert("relations".into(), Value::Array(rels));
    }
    if let Some(c) = item
        .comments
        .iter()
        .rev()
        .find(|c| c.created_in_rev <= rev && !c.deleted)
    {
        out.insert(
            "commentVersionRef".into(),
            json!({
                "commentId": c.id,
                "version": c.versions.len(),
                "url": format!("{prefix}/_apis/wit/workItems/{}/comments/{}/versions/{}", item.id, c.id, c.versions.len()),
            }),
        );
    }
    if opts.links || opts.expand.links() {
        let type_name = get_sorted(fields_src, world.fields.core("System.WorkItemType"))
            .and_then(FieldValue::as_str)
            .unwrap_or_default()
            .to_owned();
        let mut links = json!({
            "self": { "href": url },
            "workItemUpdates": { "href": format!("{url}/updates") },
            "workItemRevisions": { "href": format!("{url}/revisions") },
            "workItemComments": { "href": format!("{url}/comments") },
            "html": { "href": format!("{}/{}/_workitems/edit/{}", world.base_url, world.projects[usize::from(item.project)].id, item.id) },
            "workItemType": { "href": format!("{prefix}/_apis/wit/workItemTypes/{}", encode_segment(&type_name)) },
            "fields": { "href": format!("{prefix}/_apis/wit/fields") },
        });
        if let (Some(p), Value::Object(m)) = (parent_of(relations), &mut links) {
            m.insert(
                "parent".into(),
                json!({ "href": world.work_item_url(i32::try_from(p).unwrap_or(0)) }),
            );
        }
        out.insert("_links".into(), links);
    }
    let url = match snap {
        Some(s) => format!("{url}/revisions/{}", s.rev),
        None => url,
    };
    out.insert("url".into(), Value::String(url));
    Value::Object(out)
}

/// Every revision of an item as a WorkItemUpdate (the updates API and hook payloads).
pub fn updates(world: &World, item: &WorkItem) -> Vec<Value> {
    let snaps = item.snapshots();
    let prefix = world.project_url_prefix(usize::from(item.project));
    let mut out = Vec::with_capacity(snaps.len());
    for (i, s) in snaps.iter().enumerate() {
        let prev = if i == 0 { None } else { snaps.get(i - 1) };
        let next_date = snaps.get(i + 1).map(|n| n.date);
        out.push(update_value(world, item, s, prev, next_date, &prefix));
    }
    out
}

fn update_value(
    world: &World,
    item: &WorkItem,
    s: &Snapshot,
    prev: Option<&Snapshot>,
    next_date: Option<i64>,
    prefix: &str,
) -> Value {
    let mut fields = Map::new();
    let mut changed: Vec<FieldIdx> = s.fields.iter().map(|(f, _)| *f).collect();
    if let Some(p) = prev {
        changed.extend(p.fields.iter().map(|(f, _)| *f));
        changed.sort_unstable();
        changed.dedup();
        changed.retain(|f| p.get(*f) != s.get(*f));
    }
    let pair = |old: Option<Value>, new: Option<Value>| -> Value {
        let mut m = Map::new();
        if let Some(o) = old {
            m.insert("oldValue".into(), o);
        }
        if let Some(n) = new {
            m.insert("newValue".into(), n);
        }
        Value::Object(m)
    };
    if prev.is_none() {
        fields.insert("System.Id".into(), pair(None, Some(json!(item.id))));
        fields.insert(
            "System.TeamProject".into(),
            pair(
                None,
                Some(json!(world.projects[usize::from(item.project)].name)),
            ),
        );
    }
    fields.insert(
        "System.Rev".into(),
        pair(prev.map(|p| json!(p.rev)), Some(json!(s.rev))),
    );
    fields.insert(
        "System.AuthorizedDate".into(),
        pair(
            prev.map(|p| json!(format_ms(p.date))),
            Some(json!(format_ms(s.date))),
        ),
    );
    fields.insert(
        "System.RevisedDate".into(),
        pair(
            prev.map(|_| json!(format_ms(s.date))),
            Some(json!(
                next_date.map_or_else(|| END_OF_TIME.to_owned(), format_ms)
            )),
        ),
    );
    // The comment count is computed, so it is compared here rather than stored.
    let comments_at = |rev: i32| {
        item.comments
            .iter()
            .filter(|c| !c.deleted && c.created_in_rev <= rev)
            .count()
    };
    let (before, after) = (prev.map(|p| comments_at(p.rev)), comments_at(s.rev));
    if before != Some(after) && (prev.is_some() || after > 0) {
        fields.insert(
            "System.CommentCount".into(),
            pair(before.map(|b| json!(b)), Some(json!(after))),
        );
    }
    for f in changed {
        let def = world.fields.def(f);
        fields.insert(
            def.reference_name.clone(),
            pair(
                prev.and_then(|p| p.get(f))
                    .map(|v| value_json(world, v, false)),
                s.get(f).map(|v| value_json(world, v, false)),
            ),
        );
    }
    let mut out = Map::new();
    out.insert("id".into(), json!(s.rev));
    out.insert("workItemId".into(), json!(item.id));
    out.insert("rev".into(), json!(s.rev));
    out.insert("revisedBy".into(), identity_reference(world, s.by));
    out.insert(
        "revisedDate".into(),
        json!(next_date.map_or_else(|| END_OF_TIME.to_owned(), format_ms)),
    );
    out.insert("fields".into(), Value::Object(fields));
    let rel_of = |r: &super::workitem::Relation| json!({ "rel": r.rel, "url": r.url, "attributes": r.attributes });
    let empty = Vec::new();
    let before = prev.map_or(&empty, |p| &p.relations);
    let added: Vec<Value> = s
        .relations
        .iter()
        .filter(|r| !before.iter().any(|b| b.rel == r.rel && b.url == r.url))
        .map(rel_of)
        .collect();
    let removed: Vec<Value> = before
        .iter()
        .filter(|b| !s.relations.iter().any(|r| b.rel == r.rel && b.url == r.url))
        .map(rel_of)
        .collect();
    let updated: Vec<Value> = s
        .relations
        .iter()
        .filter(|r| {
            before
                .iter()
                .any(|b| b.rel == r.rel && b.url == r.url && b != *r)
        })
        .map(rel_of)
        .collect();
    if !(added.is_empty() && removed.is_empty() && updated.is_empty()) {
        let mut rels = Map::new();
        if !added.is_empty() {
            rels.insert("added".into(), Value::Array(added));
        }
        if !removed.is_empty() {
            rels.insert("removed".into(), Value::Array(removed));
        }
        if !updated.is_empty() {
            rels.insert("updated".into(), Value::Array(updated));
        }
        out.insert("relations".into(), Value::Object(rels));
    }
    out.insert(
        "url".into(),
        json!(format!(
            "{prefix}/_apis/wit/workItems/{}/updates/{}",
            item.id, s.rev
        )),
    );
    Value::Object(out)
}

/// One comment. `expand`: `renderedText`, `renderedTextOnly`, `reactions`, `all`, `none`.
pub fn comment(
    world: &World,
    item: &WorkItem,
    c: &Comment,
    expand: &str,
    version: Option<usize>,
) -> Value {
    let prefix = world.project_url_prefix(usize::from(item.project));
    let v = version
        .and_then(|n| c.versions.get(n.saturating_sub(1)))
        .unwrap_or_else(|| c.current());
    let number = version.unwrap_or(c.versions.len());
    let expand = expand.to_ascii_lowercase();
    let rendered = match c.format {
        CommentFormat::Markdown => render_markdown(&v.text),
        CommentFormat::Html => v.text.clone(),
    };
    let mut out = Map::new();
    out.insert("workItemId".into(), json!(item.id));
    out.insert("id".into(), json!(c.id));
    out.insert("version".into(), json!(number));
    if expand != "renderedtextonly" {
        out.insert("text".into(), json!(v.text));
    }
    if matches!(expand.as_str(), "renderedtext" | "renderedtextonly" | "all") {
        out.insert("renderedText".into(), json!(rendered));
    }
    out.insert("format".into(), json!(c.format.as_str()));
    out.insert("createdBy".into(), identity_ref(world, c.created_by));
    out.insert("createdDate".into(), json!(format_ms(c.created_date)));
    out.insert("modifiedBy".into(), identity_ref(world, v.by));
    out.insert("modifiedDate".into(), json!(format_ms(v.date)));
    if c.deleted {
        out.insert("isDeleted".into(), json!(true));
    }
    out.insert("mentions".into(), json!([]));
    if matches!(expand.as_str(), "reactions" | "all") {
        out.insert("reactions".into(), json!([]));
    }
    out.insert(
        "url".into(),
        json!(format!(
            "{prefix}/_apis/wit/workItems/{}/comments/{}",
            item.id, c.id
        )),
    );
    Value::Object(out)
}

pub fn field_def(world: &World, f: FieldIdx, project: Option<usize>) -> Value {
    let def = world.fields.def(f);
    let base = match project {
        Some(p) => world.project_url_prefix(p),
        None => world.base_url.clone(),
    };
    json!({
        "name": def.name,
        "referenceName": def.reference_name,
        "description": def.description,
        "type": def.field_type.rest_name(),
        "usage": "workItem",
        "readOnly": def.read_only,
        "canSortBy": !def.field_type.is_long_text(),
        "isQueryable": true,
        "supportedOperations": operations(def.field_type),
        "isIdentity": def.field_type == FieldType::Identity,
        "isPicklist": false,
        "isPicklistSuggested": false,
        "isLocked": false,
        "url": format!("{base}/_apis/wit/fields/{}", def.reference_name),
    })
}

fn operations(ty: FieldType) -> Value {
    let ops: &[(&str, &str)] = match ty {
        FieldType::TreePath => &[
            ("SupportedOperations.Equals", "="),
            ("SupportedOperations.NotEquals", "<>"),
            ("SupportedOperations.Under", "Under"),
            ("SupportedOperations.NotUnder", "Not Under"),
        ],
        FieldType::Html | FieldType::PlainText | FieldType::History => &[
            ("SupportedOperations.ContainsWords", "Contains Words"),
            (
                "SupportedOperations.NotContainsWords",
                "Does Not Contain Words",
            ),
            ("SupportedOperations.IsEmpty", "Is Empty"),
            ("SupportedOperations.IsNotEmpty", "Is Not Empty"),
        ],
        _ => &[
            ("SupportedOperations.Equals", "="),
            ("SupportedOperations.NotEquals", "<>"),
            ("SupportedOperations.GreaterThan", ">"),
            ("SupportedOperations.LessThan", "<"),
            ("SupportedOperations.GreaterThanEquals", ">="),
            ("SupportedOperations.LessThanEquals", "<="),
            ("SupportedOperations.In", "In"),
            ("SupportedOperations.NotIn", "Not In"),
        ],
    };
    Value::Array(
        ops.iter()
            .map(|(r, n)| json!({ "referenceName": r, "name": n }))
            .collect(),
    )
}

/// The field reference as WIQL results list it.
pub fn field_ref(world: &World, f: FieldIdx) -> Value {
    let def = world.fields.def(f);
    json!({
        "referenceName": def.reference_name,
        "name": def.name,
        "url": format!("{}/_apis/wit/fields/{}", world.base_url, def.reference_name),
    })
}

pub fn work_item_type(world: &World, project: usize, t: usize) -> Value {
    let prefix = world.project_url_prefix(project);
    let ty = &world.process_of(project).types[t];
    let field_instances: Vec<Value> = ty
        .fields
        .iter()
        .map(|tf| {
            let def = world.fields.def(tf.field);
            let mut v = json!({
                "alwaysRequired": tf.required,
                "referenceName": def.reference_name,
                "name": def.name,
                "url": format!("{}/_apis/wit/fields/{}", world.base_url, def.reference_name),
            });
            if let Value::Object(m) = &mut v {
                if let Some(d) = &tf.default_value {
                    m.insert("defaultValue".into(), json!(d));
                }
                if let Some(a) = &tf.allowed_values {
                    m.insert("allowedValues".into(), json!(a));
                }
            }
            v
        })
        .collect();
    let transitions: Map<String, Value> = std::iter::once(String::new())
        .chain(ty.states.iter().map(|s| s.name.clone()))
        .map(|from| {
            let to: Vec<Value> = ty
                .states
                .iter()
                .filter(|s| s.name != from && (!from.is_empty() || s.name == ty.initial_state()))
                .map(|s| json!({ "to": s.name }))
                .collect();
            (from, Value::Array(to))
        })
        .collect();
    json!({
        "name": ty.name,
        "referenceName": ty.reference_name,
        "description": ty.description,
        "color": ty.color,
        "icon": { "id": ty.icon, "url": format!("{}/_apis/wit/workItemIcons/{}?color={}&v=2", world.base_url, ty.icon, ty.color) },
        "isDisabled": false,
        "xmlForm": "",
        "fields": field_instances,
        "fieldInstances": field_instances,
        "transitions": transitions,
        "states": states(world, project, t),
        "_links": { "self": { "href": format!("{prefix}/_apis/wit/workItemTypes/{}", encode_segment(&ty.name)) } },
        "url": format!("{prefix}/_apis/wit/workItemTypes/{}", encode_segment(&ty.name)),
    })
}

pub fn states(world: &World, project: usize, t: usize) -> Value {
    let ty = &world.process_of(project).types[t];
    Value::Array(
        ty.states
            .iter()
            .map(|s| json!({ "name": s.name, "color": s.color, "category": s.category.as_str() }))
            .collect(),
    )
}

/// A classification node with `depth` levels of children.
pub fn node(world: &World, n: NodeIdx, depth: u32) -> Value {
    let node = world.forest.node(n);
    let prefix = world.project_url_prefix(usize::from(node.project));
    let rest_path = world.forest.rest_path(n);
    let group = match node.structure {
        super::tree::Structure::Area => "Areas",
        super::tree::Structure::Iteration => "Iterations",
    };
    let relative: Vec<&str> = node.item_path.split('\\').skip(1).collect();
    let url = if relative.is_empty() {
        format!("{prefix}/_apis/wit/classificationNodes/{group}")
    } else {
        format!(
            "{prefix}/_apis/wit/classificationNodes/{group}/{}",
            relative
                .iter()
                .map(|s| encode_segment(s))
                .collect::<Vec<_>>()
                .join("/")
        )
    };
    let mut out = Map::new();
    out.insert("id".into(), json!(node.id));
    out.insert("identifier".into(), json!(node.identifier.to_string()));
    out.insert("name".into(), json!(node.name));
    out.insert("structureType".into(), json!(node.structure.rest_name()));
    out.insert("hasChildren".into(), json!(!node.children.is_empty()));
    out.insert("path".into(), json!(rest_path));
    if node.start.is_some() || node.finish.is_some() {
        let mut attrs = Map::new();
        if let Some(s) = node.start {
            attrs.insert("startDate".into(), json!(format_ms(s)));
        }
        if let Some(f) = node.finish {
            attrs.insert("finishDate".into(), json!(format_ms(f)));
        }
        out.insert("attributes".into(), Value::Object(attrs));
    }
    if depth > 0 && !node.children.is_empty() {
        let children: Vec<Value> = node
            .children
            .iter()
            .map(|c| self::node(world, *c, depth - 1))
            .collect();
        out.insert("children".into(), Value::Array(children));
    }
    let mut links = json!({ "self": { "href": url } });
    if let (Some(p), Value::Object(m)) = (node.parent, &mut links)
        && let Some(Value::String(purl)) = self::node(world, p, 0).get("url")
    {
        m.insert("parent".into(), json!({ "href": purl }));
    }
    out.insert("_links".into(), links);
    out.insert("url".into(), json!(url));
    Value::Object(out)
}

pub fn subscription(world: &World, s: &Subscription) -> Value {
    let mut consumer = s.consumer_inputs.clone();
    // The service never echoes a basic-auth password back.
    if consumer.contains_key("basicAuthPassword") {
        consumer.insert("basicAuthPassword".into(), json!("********"));
    }
    json!({
        "id": s.id.to_string(),
        "url": format!("{}/_apis/hooks/subscriptions/{}", world.base_url, s.id),
        "status": s.status,
        "publisherId": "tfs",
        "eventType": s.event_type,
        "subscriber": identity_ref(world, s.created_by),
        "resourceVersion": s.resource_version,
        "eventDescription": "Any work item",
        "consumerId": "webHooks",
        "consumerActionId": "httpRequest",
        "actionDescription": format!("To host {}", consumer.get("url").and_then(Value::as_str).and_then(|u| url::Url::parse(u).ok()).and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default()),
        "createdBy": identity_ref(world, s.created_by),
        "createdDate": format_ms(s.created_date),
        "modifiedBy": identity_ref(world, s.created_by),
        "modifiedDate": format_ms(s.created_date),
        "publisherInputs": s.publisher_inputs,
        "consumerInputs": consumer,
        "_links": {
            "self": { "href": format!("{}/_apis/hooks/subscriptions/{}", world.base_url, s.id) },
            "consumer": { "href": format!("{}/_apis/hooks/consumers/webHooks", world.base_url) },
            "actions": { "href": format!("{}/_apis/hooks/consumers/webHooks/actions", world.base_url) },
            "notifications": { "href": format!("{}/_apis/hooks/subscriptions/{}/notifications", world.base_url, s.id) },
            "publisher": { "href": format!("{}/_apis/hooks/publishers/tfs", world.base_url) },
        },
    })
}

/// `{count, value}`, the VSS collection wrapper.
pub fn collection(values: &[Value]) -> Value {
    json!({ "count": values.len(), "value": values })
}

/// Percent-encode one URL path segment.
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
