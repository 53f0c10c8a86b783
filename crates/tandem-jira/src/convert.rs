//! Jira JSON -> the side-neutral shapes of `tandem-connector`, and back for writes.

use std::collections::{BTreeMap, HashSet};

use jiff::Timestamp;
use serde_json::{Map, Value};
use tandem_connector::error::{ConnectorError, Side};
use tandem_connector::time::parse_timestamp;
use tandem_connector::{
    Attachment, Comment, ItemId, ItemLink, LinkDirection, LinkTarget, Marker, Person, RemoteItem,
    Revision, RichText, State, StateCategory, TextFormat,
};

use crate::client::MARKER_PROPERTY;
use crate::config::Flavor;
use crate::wire;

/// Fields moved out of the raw map into structured parts of [`RemoteItem`].
const STRUCTURED: &[&str] = &["issuelinks", "attachment", "comment", "worklog"];

/// Which string fields hold wiki markup on Data Center: description, environment, and
/// custom fields of the textarea type.
pub(crate) fn wiki_fields(fields: &[wire::Field]) -> HashSet<String> {
    let mut set: HashSet<String> = ["description".to_owned(), "environment".to_owned()].into();
    for f in fields {
        let textarea = f
            .schema
            .as_ref()
            .and_then(|s| s.custom.as_deref())
            .is_some_and(|c| c.ends_with(":textarea"));
        if textarea {
            set.insert(f.id.clone());
        }
    }
    set
}

/// An ADF document value: `{"type":"doc","version":1,"content":[...]}`.
pub(crate) fn is_adf(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("doc") && v.get("content").is_some()
}

pub(crate) fn state_category(key: Option<&str>) -> StateCategory {
    match key {
        Some("new") => StateCategory::ToDo,
        Some("indeterminate") => StateCategory::InProgress,
        Some("done") => StateCategory::Done,
        _ => StateCategory::Unknown,
    }
}

pub(crate) fn state(s: &wire::Status) -> State {
    State {
        name: s.name.clone(),
        category: state_category(s.status_category.as_ref().and_then(|c| c.key.as_deref())),
    }
}

pub(crate) fn person(u: &wire::User) -> Person {
    Person {
        id: u
            .account_id
            .clone()
            .or_else(|| u.key.clone())
            .or_else(|| u.name.clone())
            .unwrap_or_default(),
        display_name: u.display_name.clone(),
        email: u.email_address.clone(),
        login: u.name.clone().filter(|n| !n.is_empty()),
    }
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str()
}

/// The marker property's uuid, from `{"uuid": "..."}`.
pub(crate) fn marker_of(properties: &BTreeMap<String, Value>) -> Option<Marker> {
    let v = properties.get(MARKER_PROPERTY)?;
    let s = v
        .get("uuid")
        .and_then(Value::as_str)
        .or_else(|| v.as_str())?;
    uuid::Uuid::parse_str(s).ok().map(Marker)
}

/// The value stored in the marker property.
pub(crate) fn marker_value(marker: Marker) -> Value {
    serde_json::json!({ "uuid": marker.0.to_string(), "v": 1 })
}

fn links(fields: &Map<String, Value>) -> Vec<ItemLink> {
    let Some(Value::Array(list)) = fields.get("issuelinks") else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|l| {
            let kind = str_at(l, &["type", "name"])?.to_owned();
            // Research sync-semantics.md §3: A's entry holding `outwardIssue: B` means A -> B.
            let (direction, other) = if let Some(o) = l.get("outwardIssue") {
                (LinkDirection::Outward, o)
            } else {
                (LinkDirection::Inward, l.get("inwardIssue")?)
            };
            let target = str_at(other, &["id"])?.to_owned();
            Some(ItemLink {
                id: l.get("id").and_then(Value::as_str).map(str::to_owned),
                kind,
                direction,
                target: LinkTarget::Item(ItemId(target)),
            })
        })
        .collect()
}

pub(crate) fn attachment(a: &wire::AttachmentEntry) -> Attachment {
    let id = match &a.id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    // The upload answer has epoch-ms `created`, GET has ISO (sync-semantics.md §2).
    let created = match &a.created {
        Some(Value::String(s)) => parse_timestamp(s),
        Some(Value::Number(n)) => n
            .as_i64()
            .and_then(|ms| Timestamp::from_millisecond(ms).ok()),
        _ => None,
    };
    Attachment {
        id,
        filename: a.filename.clone().unwrap_or_default(),
        size: a.size,
        mime_type: a.mime_type.clone(),
        created,
        content_url: a.content.clone().unwrap_or_default(),
    }
}

fn attachments(fields: &Map<String, Value>) -> Vec<Attachment> {
    let Some(Value::Array(list)) = fields.get("attachment") else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|a| serde_json::from_value::<wire::AttachmentEntry>(a.clone()).ok())
        .map(|a| attachment(&a))
        .collect()
}

/// A Jira issue as a [`RemoteItem`]. `wiki` names the string fields holding wiki markup
/// (Data Center); on Cloud rich text is recognised by its ADF shape.
pub(crate) fn item(
    issue: &wire::Issue,
    flavor: Flavor,
    wiki: &HashSet<String>,
    site: &url::Url,
) -> Result<RemoteItem, ConnectorError> {
    let f = &issue.fields;
    let updated_raw = f.get("updated").and_then(Value::as_str).ok_or_else(|| {
        ConnectorError::unexpected(
            Side::Jira,
            format!("issue {} has no `updated` field", issue.key),
        )
    })?;
    let changed_at = parse_timestamp(updated_raw).ok_or_else(|| {
        ConnectorError::unexpected(
            Side::Jira,
            format!("issue {}: unreadable `updated` {updated_raw:?}", issue.key),
        )
    })?;
    let mut fields = BTreeMap::new();
    let mut rich_text = BTreeMap::new();
    for (k, v) in f {
        if STRUCTURED.contains(&k.as_str()) {
            continue;
        }
        match flavor {
            Flavor::Cloud if is_adf(v) => {
                rich_text.insert(k.clone(), RichText::new(TextFormat::Adf, v.to_string()));
            }
            Flavor::DataCenter if wiki.contains(k) && (v.is_string() || v.is_null()) => {
                if let Some(s) = v.as_str() {
                    rich_text.insert(k.clone(), RichText::new(TextFormat::JiraWiki, s));
                }
            }
            _ => {
                fields.insert(k.clone(), v.clone());
            }
        }
    }
    let status = f
        .get("status")
        .and_then(|s| serde_json::from_value::<wire::Status>(s.clone()).ok());
    Ok(RemoteItem {
        id: ItemId(issue.id.clone()),
        key: issue.key.clone(),
        project: f
            .get("project")
            .and_then(|p| str_at(p, &["key"]))
            .unwrap_or_default()
            .to_owned(),
        item_type: f
            .get("issuetype")
            .and_then(|t| str_at(t, &["name"]))
            .unwrap_or_default()
            .to_owned(),
        revision: Revision(updated_raw.to_owned()),
        changed_at,
        created_at: f
            .get("created")
            .and_then(Value::as_str)
            .and_then(parse_timestamp),
        state: status.as_ref().map(state),
        fields,
        rich_text,
        links: links(f),
        attachments: attachments(f),
        marker: marker_of(&issue.properties),
        web_url: site
            .join(&format!("browse/{}", issue.key))
            .ok()
            .map(|u| u.to_string()),
    })
}

pub(crate) fn comment(c: &wire::CommentEntry, flavor: Flavor) -> Option<Comment> {
    let body = match (&c.body, flavor) {
        (Some(v), Flavor::Cloud) if is_adf(v) => RichText::new(TextFormat::Adf, v.to_string()),
        (Some(Value::String(s)), Flavor::Cloud) => RichText::new(TextFormat::Plain, s.clone()),
        (Some(Value::String(s)), Flavor::DataCenter) => {
            RichText::new(TextFormat::JiraWiki, s.clone())
        }
        (Some(v), _) => RichText::new(TextFormat::Plain, v.to_string()),
        (None, _) => RichText::new(TextFormat::Plain, String::new()),
    };
    Some(Comment {
        id: c.id.clone(),
        author: c.author.as_ref().map(person),
        body,
        created: parse_timestamp(c.created.as_deref()?)?,
        updated: c.updated.as_deref().and_then(parse_timestamp),
        restricted: c.visibility.as_ref().is_some_and(|v| !v.is_null())
            || c.jsd_public == Some(false),
    })
}

/// The JSON value a rich text field is written as: an ADF object on Cloud, a string on DC.
pub(crate) fn rich_value(r: &RichText, flavor: Flavor) -> Result<Value, ConnectorError> {
    match (flavor, r.format) {
        (Flavor::Cloud, TextFormat::Adf) => serde_json::from_str(&r.text).map_err(|e| {
            ConnectorError::config(
                Side::Jira,
                format!("rich text given as ADF is not valid JSON: {e}"),
            )
        }),
        (Flavor::DataCenter, TextFormat::JiraWiki | TextFormat::Plain) => {
            Ok(Value::String(r.text.clone()))
        }
        (Flavor::Cloud, TextFormat::Plain) => Ok(plain_adf(&r.text)),
        (_, other) => Err(ConnectorError::config(
            Side::Jira,
            format!(
                "rich text must be converted before writing: Jira {} takes {}, got {other:?}",
                if flavor == Flavor::Cloud {
                    "Cloud"
                } else {
                    "Data Center"
                },
                if flavor == Flavor::Cloud {
                    "ADF"
                } else {
                    "wiki markup"
                },
            ),
        )),
    }
}

/// Plain text as a minimal ADF document (one paragraph per line).
pub(crate) fn plain_adf(text: &str) -> Value {
    let paragraphs: Vec<Value> = text
        .lines()
        .map(|l| {
            if l.is_empty() {
                serde_json::json!({ "type": "paragraph", "content": [] })
            } else {
                serde_json::json!({ "type": "paragraph", "content": [{ "type": "text", "text": l }] })
            }
        })
        .collect();
    serde_json::json!({ "type": "doc", "version": 1, "content": paragraphs })
}

/// A JQL date literal for `t` in the user's time zone, floored to the minute (JQL's
/// precision). Jira reads JQL dates in the searching user's profile time zone.
pub(crate) fn jql_date(t: Timestamp, time_zone: Option<&str>) -> String {
    let tz = time_zone
        .and_then(|name| jiff::tz::TimeZone::get(name).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let z = t.to_zoned_datetime(tz);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        z.year(),
        z.month(),
        z.day(),
        z.hour(),
        z.minute()
    )
}

/// Quotes a value for JQL.
pub(crate) fn jql_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(json: Value) -> wire::Issue {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn cloud_issue_with_adf_links_attachments_and_marker() {
        let uuid = uuid::Uuid::new_v4();
        let i = issue(serde_json::json!({
            "id": "10001", "key": "DEMO-1",
            "fields": {
                "summary": "Hello",
                "updated": "2026-01-02T03:04:05.678+0000",
                "created": "2026-01-01T00:00:00.000+0000",
                "project": {"key": "DEMO"},
                "issuetype": {"name": "Bug"},
                "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
                "description": {"type": "doc", "version": 1, "content": []},
                "issuelinks": [
                    {"id": "1", "type": {"name": "Blocks"}, "outwardIssue": {"id": "10002", "key": "DEMO-2"}},
                    {"id": "2", "type": {"name": "Blocks"}, "inwardIssue": {"id": "10003", "key": "DEMO-3"}}
                ],
                "attachment": [{"id": "5", "filename": "a.png", "size": 3, "mimeType": "image/png",
                                "created": "2026-01-01T00:00:00.000+0000", "content": "https://x/rest/api/3/attachment/content/5"}],
                "comment": {"comments": []}
            },
            "properties": {"tandem.link": {"uuid": uuid.to_string(), "v": 1}}
        }));
        let site = url::Url::parse("https://x.atlassian.net/").unwrap();
        let r = item(&i, Flavor::Cloud, &HashSet::new(), &site).unwrap();
        assert_eq!(r.revision.0, "2026-01-02T03:04:05.678+0000");
        assert_eq!(r.state.unwrap().category, StateCategory::InProgress);
        assert_eq!(r.rich_text["description"].format, TextFormat::Adf);
        assert!(!r.fields.contains_key("description"));
        assert!(!r.fields.contains_key("issuelinks"));
        assert_eq!(r.fields["summary"], "Hello");
        assert_eq!(r.links.len(), 2);
        assert_eq!(r.links[0].direction, LinkDirection::Outward);
        assert_eq!(r.links[1].direction, LinkDirection::Inward);
        assert_eq!(r.attachments[0].filename, "a.png");
        assert_eq!(r.marker, Some(Marker(uuid)));
        assert_eq!(
            r.web_url.as_deref(),
            Some("https://x.atlassian.net/browse/DEMO-1")
        );
    }

    #[test]
    fn data_center_wiki_fields() {
        let i = issue(serde_json::json!({
            "id": "1", "key": "P-1",
            "fields": {"updated": "2026-01-02T03:04:05.000+0100", "description": "h1. Title",
                       "customfield_1": "*bold*", "customfield_2": "plain"}
        }));
        let fields = vec![
            serde_json::from_value::<wire::Field>(serde_json::json!({"id":"customfield_1","schema":{"type":"string","custom":"com.atlassian.jira.plugin.system.customfieldtypes:textarea"}})).unwrap(),
            serde_json::from_value::<wire::Field>(serde_json::json!({"id":"customfield_2","schema":{"type":"string","custom":"com.atlassian.jira.plugin.system.customfieldtypes:textfield"}})).unwrap(),
        ];
        let site = url::Url::parse("https://jira.example.com/").unwrap();
        let r = item(&i, Flavor::DataCenter, &wiki_fields(&fields), &site).unwrap();
        assert_eq!(
            r.rich_text["description"],
            RichText::new(TextFormat::JiraWiki, "h1. Title")
        );
        assert_eq!(r.rich_text["customfield_1"].format, TextFormat::JiraWiki);
        assert_eq!(r.fields["customfield_2"], "plain");
    }

    #[test]
    fn missing_updated_is_an_unexpected_response() {
        let i = issue(serde_json::json!({"id": "1", "key": "P-1", "fields": {}}));
        let site = url::Url::parse("https://x/").unwrap();
        let e = item(&i, Flavor::Cloud, &HashSet::new(), &site).unwrap_err();
        assert_eq!(e.code(), "unexpected-response");
    }

    #[test]
    fn jql_dates_use_the_users_time_zone_and_minutes() {
        let t: Timestamp = "2026-03-01T10:15:59Z".parse().unwrap();
        assert_eq!(jql_date(t, None), "2026-03-01 10:15");
        assert_eq!(jql_date(t, Some("UTC")), "2026-03-01 10:15");
        assert_eq!(jql_date(t, Some("Europe/Berlin")), "2026-03-01 11:15");
        assert_eq!(jql_date(t, Some("Not/AZone")), "2026-03-01 10:15");
        assert_eq!(jql_quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn rich_text_must_match_the_flavour() {
        let adf = RichText::new(
            TextFormat::Adf,
            r#"{"type":"doc","version":1,"content":[]}"#,
        );
        assert!(rich_value(&adf, Flavor::Cloud).unwrap().is_object());
        assert_eq!(
            rich_value(&adf, Flavor::DataCenter).unwrap_err().code(),
            "config"
        );
        let wiki = RichText::new(TextFormat::JiraWiki, "*x*");
        assert_eq!(rich_value(&wiki, Flavor::DataCenter).unwrap(), "*x*");
        let plain = RichText::new(TextFormat::Plain, "a\n\nb");
        assert_eq!(
            rich_value(&plain, Flavor::Cloud).unwrap()["content"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
    }
}
