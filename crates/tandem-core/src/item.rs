//! Work items normalised from either side, the links between them, and their comments.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::rich::RichText;
use crate::side::Side;
use crate::time::EpochMs;
use crate::value::{FieldValue, UserRef};

/// Points at one item on one side.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ItemRef {
    /// Which system the item lives in.
    pub side: Side,
    /// The stable id: Jira's numeric issue id (not the key, which changes when an issue
    /// moves project), ADO's work item id.
    pub id: String,
    /// Jira's human key (`WEB-42`), when known; display only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl ItemRef {
    /// A reference without a display key.
    pub fn new(side: Side, id: impl Into<String>) -> ItemRef {
        ItemRef {
            side,
            id: id.into(),
            key: None,
        }
    }

    /// The display key if any, else the id.
    #[must_use]
    pub fn label(&self) -> &str {
        self.key.as_deref().unwrap_or(&self.id)
    }
}

impl fmt::Display for ItemRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.side, &self.key) {
            (Side::Jira, Some(key)) => write!(f, "jira:{key}"),
            (side, _) => write!(f, "{}:{}", side.as_str(), self.id),
        }
    }
}

/// Compares ids the way people expect: numerically when both are numbers (`9 < 10`), else
/// as text. Used to give plans a stable order.
#[must_use]
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

/// A linked pair: the Jira issue and the ADO work item tandem keeps in step.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LinkRef {
    /// Jira issue id.
    pub jira_id: String,
    /// Jira issue key at the time the link was last seen (display only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jira_key: Option<String>,
    /// ADO work item id.
    pub ado_id: String,
}

impl LinkRef {
    /// The item on `side`.
    #[must_use]
    pub fn item(&self, side: Side) -> ItemRef {
        match side {
            Side::Jira => ItemRef {
                side,
                id: self.jira_id.clone(),
                key: self.jira_key.clone(),
            },
            Side::Ado => ItemRef::new(side, self.ado_id.clone()),
        }
    }

    /// The id on `side`.
    #[must_use]
    pub fn id(&self, side: Side) -> &str {
        match side {
            Side::Jira => &self.jira_id,
            Side::Ado => &self.ado_id,
        }
    }
}

impl fmt::Display for LinkRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} <-> ado:{}", self.item(Side::Jira), self.ado_id)
    }
}

/// A work item as read from one side, with fields keyed by that side's field id
/// (`summary`, `customfield_10016`, `System.Title`, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Which item this is.
    #[serde(flatten)]
    pub item: ItemRef,
    /// The item type on its side (`Bug`, `Story`, `Product Backlog Item`).
    pub item_type: String,
    /// ADO's `rev` (the write guard for `test /rev`); `None` on Jira.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u64>,
    /// Last change (Jira `updated`, ADO `System.ChangedDate`): the Jira write guard, the
    /// newest-wins clock and the feed cursor.
    pub updated: EpochMs,
    /// Field values, normalised; an absent key is an empty field.
    pub fields: BTreeMap<String, FieldValue>,
    /// Links to other items on the same side.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<ItemLink>,
    /// The intent marker tandem put on this item when it created it (Jira issue property
    /// `tandem.link`, ADO hyperlink or tag), if any. Connectors strip the marker from the
    /// ordinary fields (e.g. from the tag list) and report it here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<Uuid>,
}

impl Item {
    /// An item with no fields yet.
    pub fn new(item: ItemRef, item_type: impl Into<String>, updated: EpochMs) -> Item {
        Item {
            item,
            item_type: item_type.into(),
            revision: None,
            updated,
            fields: BTreeMap::new(),
            links: Vec::new(),
            marker: None,
        }
    }

    /// The side this item lives on.
    #[must_use]
    pub fn side(&self) -> Side {
        self.item.side
    }

    /// The value of `field`, if set.
    #[must_use]
    pub fn get(&self, field: &str) -> Option<&FieldValue> {
        self.fields.get(field)
    }

    /// Sets `field` to the normalised `value`; an empty value removes the field.
    pub fn set(&mut self, field: impl Into<String>, value: Option<FieldValue>) {
        let field = field.into();
        match value.and_then(FieldValue::normalized) {
            Some(v) => {
                self.fields.insert(field, v);
            }
            None => {
                self.fields.remove(&field);
            }
        }
    }

    /// Builder form of [`Item::set`].
    #[must_use]
    pub fn with(mut self, field: impl Into<String>, value: FieldValue) -> Item {
        self.set(field, Some(value));
        self
    }
}

/// How two items relate.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkKind {
    /// The target is this item's parent (Jira `parent`/Epic Link; ADO Hierarchy-Reverse).
    Parent,
    /// The target is this item's child (ADO Hierarchy-Forward).
    Child,
    /// Undirected relation (Jira Relates; ADO Related).
    Related,
    /// This item blocks the target (Jira Blocks outward; ADO Dependency-Forward).
    Blocks,
    /// The target blocks this item.
    BlockedBy,
    /// This item duplicates the target.
    Duplicates,
    /// The target duplicates this item.
    DuplicatedBy,
    /// Any other link type, by its name on its side.
    Other(String),
}

/// A link from an item to another item on the same side.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ItemLink {
    /// The relation, seen from the item holding the link.
    pub kind: LinkKind,
    /// The other item's id on the same side.
    pub target: String,
}

/// Who may see a comment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "value")]
pub enum Visibility {
    /// Everyone who can see the item.
    #[default]
    Public,
    /// Jira Service Management internal note (`jsdPublic: false`): agents only. Never sent to
    /// anything customer-visible (research/sync-semantics.md §1).
    Internal,
    /// Restricted to a Jira role or group (by group id or role name).
    Restricted(String),
}

/// A comment on an item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// The comment id on its side.
    pub id: String,
    /// The author as that side reports it (on ADO, API comments are all by the token's user,
    /// so the original author travels in the text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<UserRef>,
    /// The body.
    pub body: RichText,
    /// Created.
    pub created: EpochMs,
    /// Last edited.
    pub updated: EpochMs,
    /// Who may see it.
    #[serde(default)]
    pub visibility: Visibility,
    /// Set when tandem wrote this comment as the copy of another: the original's side and
    /// id, read back from the marker tandem leaves on its copies (Jira comment property
    /// `tandem.origin`; on ADO, a marker in the text). It lets a pass that crashed between
    /// posting a copy and recording the pair adopt the copy instead of posting it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<CommentOrigin>,
}

/// Which comment a copy was made from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentOrigin {
    /// The original's side.
    pub side: Side,
    /// The original's id.
    pub id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_naturally() {
        let mut ids = vec!["10", "9", "b", "100", "a"];
        ids.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(ids, ["9", "10", "100", "a", "b"]);
    }

    #[test]
    fn setting_an_empty_value_clears_the_field() {
        let mut item = Item::new(ItemRef::new(Side::Ado, "1"), "Bug", EpochMs(1))
            .with("System.Title", FieldValue::Text("x".into()));
        item.set("System.Title", Some(FieldValue::Text("   ".into())));
        assert!(item.fields.is_empty());
    }

    #[test]
    fn refs_display_with_key_when_known() {
        let j = ItemRef {
            side: Side::Jira,
            id: "10001".into(),
            key: Some("WEB-1".into()),
        };
        assert_eq!(j.to_string(), "jira:WEB-1");
        assert_eq!(ItemRef::new(Side::Ado, "7").to_string(), "ado:7");
    }
}
