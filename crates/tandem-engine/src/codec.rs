//! Normalisation: a connector's [`RemoteItem`] (the product's own JSON per field) into the
//! domain's [`Item`] (typed, normalised [`FieldValue`]s), and a domain value back into the
//! JSON the product takes on write.
//!
//! How a field is read depends on its mapping's converter (a Jira string may be plain text or
//! a choice), so decoding walks the mapping. Decoding never fails: a value of an unexpected
//! shape is kept as text, and the converter then parks the item with a message naming the
//! field (`WrongKind`), so bad data never stops a pass.
//!
//! Shapes (research jira-api.md, ado-api.md §3, sync-semantics.md §7): Jira users are objects
//! (`accountId` on Cloud, `name`/`key` on Data Center) written as `{"accountId": ..}` /
//! `{"name": ..}`; Azure DevOps identities read as IdentityRef objects and are written as the
//! unique name; ADO tags are one `"a; b"` string; Jira priority is `{"name": ..}`, ADO's an
//! integer; ADO area paths are `\`-separated.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use tandem_connector::{
    FieldChanges, Person, RemoteItem, StateCategory as VendorCategory, TextFormat,
};
use tandem_core::{
    Converter, EpochMs, FieldMap, FieldValue, Item, ItemLink, ItemRef, LinkKind, Mapping, NamedRef,
    Number, Side, StateCategory, StateValue, UserRef,
};

use crate::text;

/// Which product dialect a side speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Jira Cloud (ADF, `accountId`).
    JiraCloud,
    /// Jira Data Center (wiki markup, user names).
    JiraDc,
    /// Azure DevOps (HTML).
    Ado,
}

impl Dialect {
    /// The dialect of a connector, from its side and rich-text format.
    #[must_use]
    pub fn of(side: Side, format: TextFormat) -> Dialect {
        match (side, format) {
            (Side::Ado, _) => Dialect::Ado,
            (Side::Jira, TextFormat::JiraWiki) => Dialect::JiraDc,
            (Side::Jira, _) => Dialect::JiraCloud,
        }
    }

    /// The side.
    #[must_use]
    pub fn side(self) -> Side {
        match self {
            Dialect::JiraCloud | Dialect::JiraDc => Side::Jira,
            Dialect::Ado => Side::Ado,
        }
    }

    /// The rich-text format written to this side.
    #[must_use]
    pub fn text_format(self) -> TextFormat {
        match self {
            Dialect::JiraCloud => TextFormat::Adf,
            Dialect::JiraDc => TextFormat::JiraWiki,
            Dialect::Ado => TextFormat::Html,
        }
    }
}

/// The core side of a connector side.
#[must_use]
pub fn core_side(side: tandem_connector::Side) -> Side {
    match side {
        tandem_connector::Side::Jira => Side::Jira,
        tandem_connector::Side::Ado => Side::Ado,
    }
}

fn category(c: VendorCategory) -> Option<StateCategory> {
    match c {
        VendorCategory::ToDo => Some(StateCategory::ToDo),
        VendorCategory::InProgress => Some(StateCategory::InProgress),
        VendorCategory::Resolved | VendorCategory::Done | VendorCategory::Removed => {
            Some(StateCategory::Done)
        }
        VendorCategory::Unknown => None,
    }
}

/// The domain item of a remote item, with the mapped fields decoded.
#[must_use]
pub fn decode(dialect: Dialect, mapping: &Mapping, r: &RemoteItem) -> Item {
    let side = dialect.side();
    let item_ref = ItemRef {
        side,
        id: r.id.0.clone(),
        key: (side == Side::Jira).then(|| r.key.clone()),
    };
    let mut item = Item::new(
        item_ref,
        r.item_type.clone(),
        EpochMs(r.changed_at.as_millisecond()),
    );
    if side == Side::Ado {
        item.revision = r.revision.0.parse().ok();
    }
    item.marker = r.marker.map(|m| m.0);
    for f in &mapping.fields {
        let id = f.field(side);
        item.set(id, decode_field(dialect, f, r));
    }
    item.links = links(dialect, r);
    item
}

/// Relations to other items of the same side, as the domain names them.
fn links(dialect: Dialect, r: &RemoteItem) -> Vec<ItemLink> {
    use tandem_connector::{LinkDirection as D, LinkTarget};
    r.links
        .iter()
        .filter_map(|l| {
            let LinkTarget::Item(target) = &l.target else {
                return None;
            };
            let kind = match dialect {
                Dialect::Ado => match l.kind.as_str() {
                    "System.LinkTypes.Hierarchy-Reverse" => LinkKind::Parent,
                    "System.LinkTypes.Hierarchy-Forward" => LinkKind::Child,
                    "System.LinkTypes.Related" => LinkKind::Related,
                    "System.LinkTypes.Dependency-Forward" => LinkKind::Blocks,
                    "System.LinkTypes.Dependency-Reverse" => LinkKind::BlockedBy,
                    "System.LinkTypes.Duplicate-Forward" => LinkKind::Duplicates,
                    "System.LinkTypes.Duplicate-Reverse" => LinkKind::DuplicatedBy,
                    other => LinkKind::Other(other.to_owned()),
                },
                Dialect::JiraCloud | Dialect::JiraDc => match (l.kind.as_str(), l.direction) {
                    ("Blocks", D::Outward) => LinkKind::Blocks,
                    ("Blocks", D::Inward) => LinkKind::BlockedBy,
                    ("Duplicate", D::Outward) => LinkKind::Duplicates,
                    ("Duplicate", D::Inward) => LinkKind::DuplicatedBy,
                    ("Relates", _) => LinkKind::Related,
                    (other, _) => LinkKind::Other(other.to_owned()),
                },
            };
            Some(ItemLink {
                kind,
                target: target.0.clone(),
            })
        })
        .collect()
}

fn decode_field(dialect: Dialect, f: &FieldMap, r: &RemoteItem) -> Option<FieldValue> {
    let side = dialect.side();
    let id = f.field(side);
    if let Converter::State(_) = f.convert
        && is_state_field(side, id)
    {
        return r
            .state
            .as_ref()
            .map(|s| FieldValue::State(StateValue::new(s.name.clone(), category(s.category))));
    }
    if let Some(t) = r.rich_text.get(id) {
        let rich = text::read(t);
        return Some(match f.convert {
            Converter::Text => FieldValue::Text(rich.plain_text()),
            _ => FieldValue::RichText(rich),
        });
    }
    let v = r.fields.get(id).filter(|v| !v.is_null())?;
    Some(match (&f.convert, side) {
        (Converter::Text, _) => FieldValue::Text(as_text(v)),
        (Converter::RichText, _) => {
            FieldValue::RichText(tandem_core::RichText::from_plain(&as_text(v)))
        }
        (Converter::User, _) => match user(v) {
            Some(u) => FieldValue::User(u),
            None => FieldValue::Text(as_text(v)),
        },
        (Converter::State(_), _) => FieldValue::State(StateValue::new(as_text(v), None)),
        (Converter::Priority(_), Side::Jira) => FieldValue::Choice(as_text(v)),
        (Converter::Priority(_), Side::Ado) | (Converter::Number { .. }, _) => match number(v) {
            Some(n) => FieldValue::Number(n),
            None => FieldValue::Text(as_text(v)),
        },
        (Converter::Labels { .. }, _) | (Converter::AreaComponent(_), Side::Jira) => {
            FieldValue::Labels(labels(v))
        }
        (Converter::Date | Converter::DateTime, _) => match date(v) {
            Some(d) => d,
            None => FieldValue::Text(as_text(v)),
        },
        (Converter::Refs | Converter::SprintIteration { .. }, Side::Jira) => {
            FieldValue::Refs(refs(v))
        }
        (Converter::Refs, Side::Ado) => FieldValue::Refs(refs(v)),
        (Converter::AreaComponent(_) | Converter::Path | Converter::SprintIteration { .. }, _) => {
            FieldValue::Path(
                as_text(v)
                    .trim_start_matches('\\')
                    .split('\\')
                    .map(str::to_owned)
                    .collect(),
            )
        }
    })
}

fn is_state_field(side: Side, id: &str) -> bool {
    match side {
        Side::Jira => id == "status",
        Side::Ado => id == "System.State",
    }
}

/// Text of a scalar or of an option-like object (`{"name"}`, `{"value"}`, `{"displayName"}`).
fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Object(o) => ["name", "value", "displayName", "key"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Value::as_str))
            .map_or_else(|| v.to_string(), str::to_owned),
        Value::Array(list) => list.iter().map(as_text).collect::<Vec<_>>().join(", "),
        Value::Null => String::new(),
    }
}

fn number(v: &Value) -> Option<Number> {
    match v {
        Value::Number(n) => n.as_f64().and_then(Number::new),
        Value::String(s) => s.trim().parse::<f64>().ok().and_then(Number::new),
        _ => None,
    }
}

/// Named references: Jira sprint or version objects (`{"id", "name"}`), Data Center sprint
/// strings (`...[id=1,...,name=Sprint 1,...]`), or names.
fn refs(v: &Value) -> Vec<NamedRef> {
    let one = |v: &Value| -> Option<NamedRef> {
        match v {
            Value::Object(o) => {
                let name = o.get("name").and_then(Value::as_str)?;
                let id = o.get("id").map(|id| match id {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
                Some(NamedRef {
                    id,
                    name: name.to_owned(),
                })
            }
            Value::String(s) => {
                let name = s.split_once("name=").map_or(s.as_str(), |(_, rest)| {
                    rest.split(',').next().unwrap_or(rest)
                });
                Some(NamedRef::named(name.trim_end_matches(']').to_owned()))
            }
            _ => None,
        }
    };
    match v {
        Value::Array(list) => list.iter().filter_map(one).collect(),
        Value::String(s) if !s.contains("name=") => s
            .split(';')
            .map(|t| NamedRef::named(t.trim()))
            .filter(|r| !r.name.is_empty())
            .collect(),
        other => one(other).into_iter().collect(),
    }
}

fn labels(v: &Value) -> BTreeSet<String> {
    match v {
        // ADO tags: one string, `; `-separated.
        Value::String(s) => s
            .split(';')
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
        Value::Array(list) => list.iter().map(as_text).filter(|t| !t.is_empty()).collect(),
        other => BTreeSet::from([as_text(other)]),
    }
}

fn date(v: &Value) -> Option<FieldValue> {
    let s = v.as_str()?.trim();
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return Some(FieldValue::Date(d));
    }
    tandem_connector::time::parse_timestamp(s)
        .map(|t| FieldValue::DateTime(EpochMs(t.as_millisecond())))
}

/// A person from a Jira user object or an Azure DevOps IdentityRef (or its string form
/// `Name <email>`).
fn user(v: &Value) -> Option<UserRef> {
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let u = match v {
        Value::String(s) => {
            let s = s.trim();
            match (s.rfind('<'), s.ends_with('>')) {
                (Some(i), true) => {
                    let email = s[i + 1..s.len() - 1].trim().to_owned();
                    UserRef {
                        id: Some(email.clone()),
                        email: Some(email),
                        display_name: Some(s[..i].trim().to_owned()),
                    }
                }
                _ => UserRef {
                    id: Some(s.to_owned()),
                    email: s.contains('@').then(|| s.to_owned()),
                    display_name: None,
                },
            }
        }
        Value::Object(_) if v.get("uniqueName").is_some() => {
            // Azure DevOps IdentityRef: the unique name is what a write takes.
            let unique = text("uniqueName");
            UserRef {
                email: unique.clone().filter(|u| u.contains('@')),
                id: unique,
                display_name: text("displayName"),
            }
        }
        Value::Object(_) => UserRef {
            id: text("accountId")
                .or_else(|| text("name"))
                .or_else(|| text("key")),
            email: text("emailAddress"),
            display_name: text("displayName"),
        },
        _ => return None,
    };
    Some(u)
}

/// A person as the engine's user directory knows them, from a connector's [`Person`]: the
/// identifier is what a write to that side takes (Jira Cloud `accountId`, Data Center user
/// name, Azure DevOps unique name).
#[must_use]
pub fn person(dialect: Dialect, p: &Person) -> UserRef {
    let id = match dialect {
        Dialect::JiraCloud => Some(p.id.clone()),
        Dialect::JiraDc => p.login.clone().or_else(|| Some(p.id.clone())),
        Dialect::Ado => p.login.clone().or_else(|| p.email.clone()),
    };
    UserRef {
        id: id.filter(|s| !s.is_empty()),
        email: p.email.clone(),
        display_name: p.display_name.clone(),
    }
}

/// Users named in an item's person fields (assignee, reporter, creator...), for the user
/// directory.
#[must_use]
pub fn people(r: &RemoteItem) -> Vec<UserRef> {
    r.fields
        .values()
        .filter(|v| {
            v.is_object()
                && (v.get("accountId").is_some()
                    || v.get("uniqueName").is_some()
                    || (v.get("emailAddress").is_some() && v.get("displayName").is_some()))
        })
        .filter_map(user)
        .collect()
}

/// Adds one field write to `changes`, in the JSON (or rich text) the side takes. Returns what
/// the side's format could not carry of a rich-text value (empty otherwise).
pub fn encode_into(
    dialect: Dialect,
    f: &FieldMap,
    value: Option<&FieldValue>,
    changes: &mut FieldChanges,
) -> Vec<String> {
    let side = dialect.side();
    let id = f.field(side).to_owned();
    let Some(v) = value else {
        let empty = match (dialect, &f.convert) {
            // Jira clears a list with `[]`, everything else with null.
            (Dialect::JiraCloud | Dialect::JiraDc, Converter::Labels { .. })
            | (Dialect::JiraCloud | Dialect::JiraDc, Converter::AreaComponent(_)) => {
                Some(json!([]))
            }
            (Dialect::Ado, Converter::Labels { .. }) => Some(json!("")),
            _ => None,
        };
        changes.fields.insert(id, empty);
        return Vec::new();
    };
    if let FieldValue::RichText(r) = v {
        let (t, losses) = text::write(r, dialect.text_format());
        changes.rich_text.insert(id, t);
        return losses
            .into_iter()
            .map(|l| format!("{}: {l}", f.name()))
            .collect();
    }
    let json = encode(dialect, &id, v);
    changes.fields.insert(id, Some(json));
    Vec::new()
}

fn encode(dialect: Dialect, id: &str, v: &FieldValue) -> Value {
    let jira = dialect != Dialect::Ado;
    match v {
        FieldValue::Text(s) => json!(s),
        FieldValue::RichText(r) => json!(r.plain_text()),
        FieldValue::Choice(s) if jira => {
            // Option fields take `{"value"}`, the system priority field `{"name"}`.
            if id.starts_with("customfield_") {
                json!({ "value": s })
            } else {
                json!({ "name": s })
            }
        }
        FieldValue::Choice(s) => json!(s),
        FieldValue::State(s) => json!(s.name),
        FieldValue::User(u) => {
            let key =
                u.id.clone()
                    .or_else(|| u.email.clone())
                    .or_else(|| u.display_name.clone())
                    .unwrap_or_default();
            match dialect {
                Dialect::JiraCloud => json!({ "accountId": key }),
                Dialect::JiraDc => json!({ "name": key }),
                Dialect::Ado => json!(key),
            }
        }
        FieldValue::Number(n) => {
            let x = n.get();
            #[allow(
                clippy::cast_possible_truncation,
                reason = "checked to be whole and small"
            )]
            if x.fract() == 0.0 && x.abs() < 1e15 {
                json!(x as i64)
            } else {
                json!(x)
            }
        }
        FieldValue::Date(d) => json!(d.to_string()),
        FieldValue::DateTime(t) => json!(t.to_string()),
        FieldValue::Labels(set) => {
            if jira {
                if id == "components" {
                    Value::Array(set.iter().map(|c| json!({ "name": c })).collect())
                } else {
                    json!(set.iter().collect::<Vec<_>>())
                }
            } else {
                json!(
                    set.iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            }
        }
        FieldValue::Path(p) => json!(p.join("\\")),
        // Jira takes references by id; a name from the other side is sent as given, and
        // Jira's answer (a refused value parks the item) says when it must be resolved first.
        FieldValue::Refs(r) if jira => Value::Array(
            r.iter()
                .map(|r| match &r.id {
                    Some(id) => json!({ "id": id }),
                    None => json!({ "name": r.name }),
                })
                .collect(),
        ),
        FieldValue::Refs(r) => json!(
            r.iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use jiff::Timestamp;
    use tandem_connector::{ItemId, Revision, State};

    use super::*;

    fn remote(fields: Value, state: Option<(&str, VendorCategory)>) -> RemoteItem {
        let fields: BTreeMap<String, Value> = serde_json::from_value(fields).unwrap();
        RemoteItem {
            id: ItemId::new("10"),
            key: "DEMO-1".into(),
            project: "DEMO".into(),
            item_type: "Bug".into(),
            revision: Revision("3".into()),
            changed_at: Timestamp::from_millisecond(1_000).unwrap(),
            created_at: None,
            state: state.map(|(n, c)| State {
                name: n.into(),
                category: c,
            }),
            fields,
            rich_text: BTreeMap::new(),
            links: Vec::new(),
            attachments: Vec::new(),
            marker: None,
            web_url: None,
        }
    }

    #[test]
    fn jira_fields_decode_by_converter() {
        let m = Mapping::standard();
        let r = remote(
            json!({
                "summary": "Crash", "priority": {"name": "High", "id": "2"},
                "assignee": {"accountId": "acc-1", "emailAddress": "a@x.com", "displayName": "A"},
                "labels": ["x", "y"],
            }),
            Some(("In Progress", VendorCategory::InProgress)),
        );
        let item = decode(Dialect::JiraCloud, &m, &r);
        assert_eq!(item.get("summary"), Some(&FieldValue::Text("Crash".into())));
        assert_eq!(
            item.get("priority"),
            Some(&FieldValue::Choice("High".into()))
        );
        assert_eq!(item.get("labels"), Some(&FieldValue::labels(["x", "y"])));
        let Some(FieldValue::User(u)) = item.get("assignee") else {
            panic!("user")
        };
        assert_eq!(u.id.as_deref(), Some("acc-1"));
        let Some(FieldValue::State(s)) = item.get("status") else {
            panic!("state")
        };
        assert_eq!(s.category, Some(StateCategory::InProgress));
        assert_eq!(item.item.key.as_deref(), Some("DEMO-1"));
    }

    #[test]
    fn ado_fields_decode_and_encode_back() {
        let m = Mapping::standard();
        let r = remote(
            json!({
                "System.Title": "Crash", "Microsoft.VSTS.Common.Priority": 2,
                "System.AssignedTo": {"displayName": "Bob", "uniqueName": "bob@example.com", "id": "g"},
                "System.Tags": "b; a",
            }),
            Some(("Active", VendorCategory::InProgress)),
        );
        let item = decode(Dialect::Ado, &m, &r);
        assert_eq!(item.revision, Some(3));
        assert_eq!(
            item.get("Microsoft.VSTS.Common.Priority"),
            Some(&FieldValue::Number(Number::from_int(2)))
        );
        assert_eq!(
            item.get("System.Tags"),
            Some(&FieldValue::labels(["a", "b"]))
        );
        let mut ch = FieldChanges::default();
        for f in &m.fields {
            encode_into(Dialect::Ado, f, item.get(f.field(Side::Ado)), &mut ch);
        }
        assert_eq!(ch.fields["System.Tags"], Some(json!("a; b")));
        assert_eq!(
            ch.fields["System.AssignedTo"],
            Some(json!("bob@example.com"))
        );
        assert_eq!(ch.fields["Microsoft.VSTS.Common.Priority"], Some(json!(2)));
        assert_eq!(ch.fields["System.State"], Some(json!("Active")));
        assert_eq!(ch.fields["System.Description"], None);
    }

    #[test]
    fn jira_writes_use_jira_shapes() {
        let m = Mapping::standard();
        let prio = m.fields.iter().find(|f| f.name() == "priority").unwrap();
        let user_f = m.fields.iter().find(|f| f.name() == "assignee").unwrap();
        let mut ch = FieldChanges::default();
        encode_into(
            Dialect::JiraCloud,
            prio,
            Some(&FieldValue::Choice("High".into())),
            &mut ch,
        );
        encode_into(
            Dialect::JiraDc,
            user_f,
            Some(&FieldValue::User(UserRef::with_id("bob"))),
            &mut ch,
        );
        assert_eq!(ch.fields["priority"], Some(json!({"name": "High"})));
        assert_eq!(ch.fields["assignee"], Some(json!({"name": "bob"})));
    }

    #[test]
    fn odd_shapes_become_text_so_the_converter_can_say_what_is_wrong() {
        let m = Mapping::standard();
        let r = remote(json!({"Microsoft.VSTS.Common.Priority": "urgent"}), None);
        let item = decode(Dialect::Ado, &m, &r);
        assert_eq!(
            item.get("Microsoft.VSTS.Common.Priority"),
            Some(&FieldValue::Text("urgent".into()))
        );
    }
}
