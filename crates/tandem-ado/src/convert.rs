//! Azure DevOps JSON -> the side-neutral shapes of `tandem-connector`, and the JSON Patch
//! operations for writes.

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::Timestamp;
use serde_json::Value;
use tandem_connector::error::{ConnectorError, Side};
use tandem_connector::time::parse_timestamp;
use tandem_connector::{
    Attachment, Comment, ItemId, ItemLink, LinkDirection, LinkTarget, Marker, Person, RemoteItem,
    Revision, RichText, State, StateCategory, TextFormat,
};

use crate::wire;

/// The hyperlink URL that carries tandem's marker.
pub(crate) const MARKER_PREFIX: &str = "urn:tandem:link:";

/// Long-text fields that are HTML on every process, used until `GET /fields` has answered.
pub(crate) const KNOWN_HTML_FIELDS: &[&str] = &[
    "System.Description",
    "Microsoft.VSTS.TCM.ReproSteps",
    "Microsoft.VSTS.Common.AcceptanceCriteria",
    "Microsoft.VSTS.TCM.SystemInfo",
    "Microsoft.VSTS.Common.Resolution",
];

/// `System.History` is how a patch writes a comment; reading it back would show the last
/// comment as a field change, so it is left out of items (comments have their own API).
const SKIPPED_FIELDS: &[&str] = &["System.History"];

pub(crate) fn marker_url(marker: Marker) -> String {
    format!("{MARKER_PREFIX}{}", marker.0)
}

pub(crate) fn state_category(category: Option<&str>) -> StateCategory {
    match category {
        Some("Proposed") => StateCategory::ToDo,
        Some("InProgress") => StateCategory::InProgress,
        Some("Resolved") => StateCategory::Resolved,
        Some("Completed") => StateCategory::Done,
        Some("Removed") => StateCategory::Removed,
        _ => StateCategory::Unknown,
    }
}

pub(crate) fn person(i: &wire::IdentityRef) -> Person {
    let email = i
        .properties
        .as_ref()
        .and_then(|p| p.get("Account"))
        .and_then(|a| a.get("$value"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| i.unique_name.clone().filter(|u| u.contains('@')));
    Person {
        id: i.id.clone().unwrap_or_default(),
        display_name: i
            .provider_display_name
            .clone()
            .or_else(|| i.custom_display_name.clone())
            .or_else(|| i.display_name.clone()),
        email: email.clone(),
        login: i.unique_name.clone().or(email),
    }
}

/// The id at the end of a work item URL (`.../_apis/wit/workItems/42`).
fn work_item_id_of(url: &str) -> Option<String> {
    let last = url.trim_end_matches('/').rsplit('/').next()?;
    (!last.is_empty() && last.chars().all(|c| c.is_ascii_digit())).then(|| last.to_owned())
}

fn direction_of(rel: &str) -> LinkDirection {
    if rel.ends_with("-Forward") {
        LinkDirection::Outward
    } else if rel.ends_with("-Reverse") {
        LinkDirection::Inward
    } else {
        LinkDirection::Undirected
    }
}

fn attachment_of(r: &wire::Relation) -> Attachment {
    let attr = |k: &str| r.attributes.as_ref().and_then(|a| a.get(k));
    let id = url::Url::parse(&r.url)
        .ok()
        .and_then(|u| {
            u.path_segments()
                .and_then(|mut s| s.next_back().map(str::to_owned))
        })
        .unwrap_or_default();
    Attachment {
        id,
        filename: attr("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        size: attr("resourceSize").and_then(Value::as_u64),
        mime_type: None,
        created: attr("resourceCreatedDate")
            .and_then(Value::as_str)
            .and_then(parse_timestamp),
        content_url: r.url.clone(),
    }
}

/// Relations split into links, attachments and the marker.
pub(crate) fn relations(
    list: &[wire::Relation],
) -> (Vec<ItemLink>, Vec<Attachment>, Option<Marker>) {
    let mut links = Vec::new();
    let mut attachments = Vec::new();
    let mut marker = None;
    for r in list {
        match r.rel.as_str() {
            "AttachedFile" => attachments.push(attachment_of(r)),
            "Hyperlink" | "ArtifactLink" => {
                if let Some(u) = r.url.strip_prefix(MARKER_PREFIX) {
                    if let Ok(id) = uuid::Uuid::parse_str(u) {
                        marker = Some(Marker(id));
                    }
                    continue;
                }
                links.push(ItemLink {
                    id: None,
                    kind: r.rel.clone(),
                    direction: LinkDirection::Undirected,
                    target: LinkTarget::Url(r.url.clone()),
                });
            }
            rel => {
                let target = match work_item_id_of(&r.url) {
                    Some(id) => LinkTarget::Item(ItemId(id)),
                    None => LinkTarget::Url(r.url.clone()),
                };
                links.push(ItemLink {
                    id: None,
                    kind: rel.to_owned(),
                    direction: direction_of(rel),
                    target,
                });
            }
        }
    }
    (links, attachments, marker)
}

/// A work item as a [`RemoteItem`].
pub(crate) fn item(
    w: &wire::WorkItem,
    html: &HashSet<String>,
    states: &HashMap<String, Vec<wire::StateDef>>,
    web_base: &str,
) -> Result<RemoteItem, ConnectorError> {
    let f = &w.fields;
    let text = |k: &str| f.get(k).and_then(Value::as_str);
    let changed = text("System.ChangedDate").ok_or_else(|| {
        ConnectorError::unexpected(
            Side::Ado,
            format!("work item {} has no System.ChangedDate", w.id),
        )
    })?;
    let changed_at = parse_timestamp(changed).ok_or_else(|| {
        ConnectorError::unexpected(
            Side::Ado,
            format!(
                "work item {}: unreadable System.ChangedDate {changed:?}",
                w.id
            ),
        )
    })?;
    let rev = w
        .rev
        .or_else(|| f.get("System.Rev").and_then(Value::as_i64))
        .ok_or_else(|| {
            ConnectorError::unexpected(Side::Ado, format!("work item {} has no rev", w.id))
        })?;
    let item_type = text("System.WorkItemType").unwrap_or_default().to_owned();
    let state = text("System.State").map(|name| State {
        name: name.to_owned(),
        category: state_category(
            states
                .get(&item_type)
                .and_then(|l| l.iter().find(|s| s.name == name))
                .and_then(|s| s.category.as_deref()),
        ),
    });
    let markdown: HashSet<&str> = w
        .multiline_fields_format
        .iter()
        .flatten()
        .filter(|(_, v)| {
            v.as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("markdown"))
        })
        .map(|(k, _)| k.as_str())
        .collect();
    let mut fields = BTreeMap::new();
    let mut rich_text = BTreeMap::new();
    for (k, v) in f {
        if SKIPPED_FIELDS.contains(&k.as_str()) {
            continue;
        }
        if (html.contains(k) || markdown.contains(k.as_str())) && v.is_string() {
            let format = if markdown.contains(k.as_str()) {
                TextFormat::Markdown
            } else {
                TextFormat::Html
            };
            rich_text.insert(
                k.clone(),
                RichText::new(format, v.as_str().unwrap_or_default()),
            );
        } else {
            fields.insert(k.clone(), v.clone());
        }
    }
    let (links, attachments, marker) = relations(w.relations.as_deref().unwrap_or_default());
    Ok(RemoteItem {
        id: ItemId(w.id.to_string()),
        key: w.id.to_string(),
        project: text("System.TeamProject").unwrap_or_default().to_owned(),
        item_type,
        revision: Revision(rev.to_string()),
        changed_at,
        created_at: text("System.CreatedDate").and_then(parse_timestamp),
        state,
        fields,
        rich_text,
        links,
        attachments,
        marker,
        web_url: Some(format!("{web_base}/_workitems/edit/{}", w.id)),
    })
}

pub(crate) fn comment(c: &wire::CommentEntry) -> Option<Comment> {
    if c.is_deleted {
        return None;
    }
    let format = match c.format.as_deref() {
        Some(f) if f.eq_ignore_ascii_case("markdown") => TextFormat::Markdown,
        _ => TextFormat::Html,
    };
    Some(Comment {
        id: c.id.to_string(),
        author: c.created_by.as_ref().map(person),
        body: RichText::new(format, c.text.clone().unwrap_or_default()),
        created: parse_timestamp(c.created_date.as_deref()?)?,
        updated: c.modified_date.as_deref().and_then(parse_timestamp),
        restricted: false,
    })
}

/// A WIQL string literal.
pub(crate) fn wiql_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A WIQL date-time literal (UTC, milliseconds; needs `timePrecision=true`).
pub(crate) fn wiql_time(t: Timestamp) -> String {
    wiql_quote(&t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

/// JSON Patch ops setting fields and rich text (rich text must be HTML or Markdown).
pub(crate) fn field_ops(
    fields: &BTreeMap<String, Option<Value>>,
    rich: &BTreeMap<String, RichText>,
    markdown_supported: bool,
) -> Result<Vec<wire::PatchOp>, ConnectorError> {
    let mut ops = Vec::new();
    for (k, v) in fields {
        match v {
            Some(v) => ops.push(wire::PatchOp {
                op: "add",
                path: format!("/fields/{k}"),
                value: Some(v.clone()),
            }),
            None => ops.push(wire::PatchOp {
                op: "remove",
                path: format!("/fields/{k}"),
                value: None,
            }),
        }
    }
    for (k, r) in rich {
        match r.format {
            TextFormat::Html | TextFormat::Plain => {
                ops.push(wire::PatchOp {
                    op: "add",
                    path: format!("/fields/{k}"),
                    value: Some(Value::String(r.text.clone())),
                });
            }
            TextFormat::Markdown if markdown_supported => {
                // Both ops together, or VS403319 (research ado-api.md §7).
                ops.push(wire::PatchOp {
                    op: "add",
                    path: format!("/fields/{k}"),
                    value: Some(Value::String(r.text.clone())),
                });
                ops.push(wire::PatchOp {
                    op: "add",
                    path: format!("/multilineFieldsFormat/{k}"),
                    value: Some(Value::String("markdown".into())),
                });
            }
            other => {
                return Err(ConnectorError::config(
                    Side::Ado,
                    format!(
                        "rich text must be converted to HTML before writing to Azure DevOps, got {other:?}"
                    ),
                ));
            }
        }
    }
    Ok(ops)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_item_with_relations_marker_and_html() {
        let uuid = uuid::Uuid::new_v4();
        let w: wire::WorkItem = serde_json::from_value(serde_json::json!({
            "id": 42, "rev": 7,
            "fields": {
                "System.TeamProject": "Demo", "System.WorkItemType": "Bug", "System.State": "Active",
                "System.Title": "Crash", "System.ChangedDate": "2026-07-01T10:00:00.123Z",
                "System.CreatedDate": "2026-06-01T10:00:00Z", "System.Description": "<p>Hi</p>",
                "System.History": "<p>last comment</p>", "Custom.Notes": "**md**"
            },
            "multilineFieldsFormat": {"Custom.Notes": "markdown"},
            "relations": [
                {"rel": "System.LinkTypes.Hierarchy-Reverse", "url": "https://dev.azure.com/demo/_apis/wit/workItems/40", "attributes": {}},
                {"rel": "System.LinkTypes.Related", "url": "https://dev.azure.com/demo/_apis/wit/workItems/41"},
                {"rel": "Hyperlink", "url": "https://example.atlassian.net/browse/DEMO-1"},
                {"rel": "Hyperlink", "url": format!("urn:tandem:link:{uuid}")},
                {"rel": "AttachedFile", "url": "https://dev.azure.com/demo/_apis/wit/attachments/abc-123?fileName=a.png",
                 "attributes": {"name": "a.png", "resourceSize": 10, "resourceCreatedDate": "2026-06-02T00:00:00Z"}}
            ]
        }))
        .unwrap();
        let html: HashSet<String> = ["System.Description".to_owned()].into();
        let states: HashMap<String, Vec<wire::StateDef>> = [(
            "Bug".to_owned(),
            vec![wire::StateDef {
                name: "Active".into(),
                category: Some("InProgress".into()),
            }],
        )]
        .into();
        let r = item(&w, &html, &states, "https://dev.azure.com/demo/Demo").unwrap();
        assert_eq!(r.revision.0, "7");
        assert_eq!(r.state.unwrap().category, StateCategory::InProgress);
        assert_eq!(
            r.rich_text["System.Description"],
            RichText::new(TextFormat::Html, "<p>Hi</p>")
        );
        assert_eq!(r.rich_text["Custom.Notes"].format, TextFormat::Markdown);
        assert!(!r.fields.contains_key("System.History"));
        assert_eq!(r.marker, Some(Marker(uuid)));
        assert_eq!(r.links.len(), 3);
        assert_eq!(r.links[0].direction, LinkDirection::Inward);
        assert_eq!(r.links[0].target, LinkTarget::Item(ItemId::new("40")));
        assert_eq!(r.links[1].direction, LinkDirection::Undirected);
        assert_eq!(r.attachments[0].id, "abc-123");
        assert_eq!(r.attachments[0].size, Some(10));
        assert_eq!(
            r.web_url.as_deref(),
            Some("https://dev.azure.com/demo/Demo/_workitems/edit/42")
        );
    }

    #[test]
    fn wiql_literals() {
        assert_eq!(wiql_quote("O'Neil"), "'O''Neil'");
        let t: Timestamp = "2026-07-01T10:00:00.5Z".parse().unwrap();
        assert_eq!(wiql_time(t), "'2026-07-01T10:00:00.500Z'");
    }

    #[test]
    fn patch_ops() {
        let fields: BTreeMap<String, Option<Value>> = [
            ("System.Title".to_owned(), Some(Value::from("x"))),
            ("System.Tags".to_owned(), None),
        ]
        .into();
        let rich: BTreeMap<String, RichText> = [(
            "System.Description".to_owned(),
            RichText::new(TextFormat::Markdown, "# x"),
        )]
        .into();
        let ops = field_ops(&fields, &rich, true).unwrap();
        assert_eq!(ops.len(), 4);
        assert_eq!(ops[0].op, "remove");
        assert_eq!(ops[3].path, "/multilineFieldsFormat/System.Description");
        assert_eq!(
            field_ops(&fields, &rich, false).unwrap_err().code(),
            "config"
        );
        let adf: BTreeMap<String, RichText> = [(
            "System.Description".to_owned(),
            RichText::new(TextFormat::Adf, "{}"),
        )]
        .into();
        assert!(field_ops(&BTreeMap::new(), &adf, true).is_err());
    }
}
