//! The `Connector` trait: what the sync engine asks of either product, and the side-neutral
//! shapes it gets back.
//!
//! Items come back "raw-ish": fields as the product's own JSON values keyed by the product's
//! own field ids, rich text as strings in the product's native format (ADF JSON on Jira
//! Cloud, wiki markup on Jira Data Center, HTML on Azure DevOps) so that the engine converts
//! them with `tandem-richtext`, and the revision stamp the engine guards writes with.
//! Mapping between the two products is the engine's job, not the connectors'.

use std::collections::BTreeMap;
use std::future::Future;

use bytes::Bytes;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ConnectorError, Side};

/// A product's own id of an item: Jira's numeric issue id (stable across key changes and
/// moves), Azure DevOps' work item id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ItemId(pub String);

impl ItemId {
    /// Wraps an id.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ItemId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An item's revision stamp, opaque to the engine except for equality: Azure DevOps' `rev`
/// number, Jira's `updated` timestamp exactly as the server wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Revision(pub String);

impl std::fmt::Display for Revision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The idempotency marker an item is created with (DESIGN.md invariant 1): the intent's
/// uuid. Jira keeps it in the issue property `tandem.link`, Azure DevOps in a hyperlink
/// relation `urn:tandem:link:<uuid>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Marker(pub uuid::Uuid);

/// The format a rich text string is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextFormat {
    /// Atlassian Document Format, as JSON text (Jira Cloud, REST v3).
    Adf,
    /// Jira wiki markup (Jira Data Center, REST v2).
    JiraWiki,
    /// HTML (Azure DevOps long-text fields and comments).
    Html,
    /// Markdown (Azure DevOps fields and comments stored as Markdown).
    Markdown,
    /// Plain text.
    Plain,
}

/// Rich text in a product's native format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RichText {
    /// The format of `text`.
    pub format: TextFormat,
    /// The content: ADF as JSON text, or markup.
    pub text: String,
}

impl RichText {
    /// Rich text in a format.
    pub fn new(format: TextFormat, text: impl Into<String>) -> Self {
        Self {
            format,
            text: text.into(),
        }
    }
}

/// A person as a product knows them.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Person {
    /// Stable id: Jira Cloud `accountId`, Jira DC `key`, Azure DevOps identity id.
    pub id: String,
    /// Display name.
    pub display_name: Option<String>,
    /// E-mail (may be hidden by privacy settings on Jira Cloud).
    pub email: Option<String>,
    /// Login name: Jira DC `name`, Azure DevOps `uniqueName`.
    pub login: Option<String>,
}

/// Who the configured credentials authenticate as.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The person.
    pub person: Person,
    /// The user's time zone, when the product says (Jira interprets JQL dates in it).
    pub time_zone: Option<String>,
}

/// Coarse state category, the common ground of Jira status categories and Azure DevOps
/// state categories.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StateCategory {
    /// Jira `new`, Azure DevOps `Proposed`.
    ToDo,
    /// Jira `indeterminate`, Azure DevOps `InProgress`.
    InProgress,
    /// Azure DevOps `Resolved`.
    Resolved,
    /// Jira `done`, Azure DevOps `Completed`.
    Done,
    /// Azure DevOps `Removed`.
    Removed,
    /// Anything else.
    Unknown,
}

/// A workflow state (Jira status, Azure DevOps state).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// Name, e.g. "In Progress", "Active".
    pub name: String,
    /// Category.
    pub category: StateCategory,
}

/// Direction of a link as seen from the item that holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkDirection {
    /// This item is the link's source (Jira outward, Azure DevOps `-Forward`).
    Outward,
    /// This item is the link's target (Jira inward, Azure DevOps `-Reverse`).
    Inward,
    /// Not directional (Jira "relates to", Azure DevOps `Related`).
    Undirected,
}

/// What a link points at.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkTarget {
    /// Another item of the same product.
    Item(ItemId),
    /// A URL (Azure DevOps hyperlink, Jira remote link).
    Url(String),
}

/// A link held by an item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemLink {
    /// The product's id for the link, when it has one (Jira issue link id; Azure DevOps
    /// relations have none — they are addressed by kind and target).
    pub id: Option<String>,
    /// The product's link type: Jira link type name ("Blocks"), Azure DevOps relation type
    /// reference name ("System.LinkTypes.Dependency-Forward", "Hyperlink").
    pub kind: String,
    /// Direction from this item.
    pub direction: LinkDirection,
    /// The other end.
    pub target: LinkTarget,
}

/// A link to add.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLink {
    /// Link type, as in [`ItemLink::kind`]. For Azure DevOps give the directional reference
    /// name; for Jira the link type name plus `direction`.
    pub kind: String,
    /// Direction from the item the link is added to.
    pub direction: LinkDirection,
    /// The other end.
    pub target: LinkTarget,
    /// Optional comment on the link.
    pub comment: Option<String>,
}

/// An attachment's metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The product's id (Jira attachment id; Azure DevOps attachment GUID).
    pub id: String,
    /// File name.
    pub filename: String,
    /// Size in bytes, when known.
    pub size: Option<u64>,
    /// MIME type, when known.
    pub mime_type: Option<String>,
    /// When it was added, when known.
    pub created: Option<Timestamp>,
    /// The URL its content is downloaded from (authenticated).
    pub content_url: String,
}

/// A comment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// The product's id.
    pub id: String,
    /// Author, when shown.
    pub author: Option<Person>,
    /// Body in the product's native format.
    pub body: RichText,
    /// Created.
    pub created: Timestamp,
    /// Last edited.
    pub updated: Option<Timestamp>,
    /// Visible to a restricted audience only (Jira role/group visibility, JSM internal).
    pub restricted: bool,
}

/// An item as read from a product.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RemoteItem {
    /// The product's id.
    pub id: ItemId,
    /// The human key: "DEMO-12" on Jira, the id on Azure DevOps.
    pub key: String,
    /// Project key (Jira) or name (Azure DevOps).
    pub project: String,
    /// Issue type / work item type name.
    pub item_type: String,
    /// Revision stamp to guard writes with.
    pub revision: Revision,
    /// When the item last changed (the change feed's order).
    pub changed_at: Timestamp,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// Current state.
    pub state: Option<State>,
    /// Plain fields, by the product's field id / reference name, as the product's JSON.
    pub fields: BTreeMap<String, Value>,
    /// Rich text fields, by field id, in the product's native format.
    pub rich_text: BTreeMap<String, RichText>,
    /// Links to other items and URLs.
    pub links: Vec<ItemLink>,
    /// Attachments.
    pub attachments: Vec<Attachment>,
    /// The tandem marker the item was created with, if any.
    pub marker: Option<Marker>,
    /// Where a person can open it.
    pub web_url: Option<String>,
}

/// A new item.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NewItem {
    /// Issue type / work item type name.
    pub item_type: String,
    /// Plain fields, as the product's JSON values.
    pub fields: BTreeMap<String, Value>,
    /// Rich text fields; must be in the connector's [`Connector::rich_text_format`].
    pub rich_text: BTreeMap<String, RichText>,
}

/// Changes to an item's fields.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FieldChanges {
    /// Fields to set (`Some`) or clear (`None`).
    pub fields: BTreeMap<String, Option<Value>>,
    /// Rich text fields to set.
    pub rich_text: BTreeMap<String, RichText>,
}

impl FieldChanges {
    /// Whether there is nothing to change.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.rich_text.is_empty()
    }
}

/// The result of a write: where the item now stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Written {
    /// The item.
    pub id: ItemId,
    /// Its key.
    pub key: String,
    /// The revision after the write (what the engine records to recognise its own echo).
    pub revision: Revision,
    /// When the item changed.
    pub changed_at: Timestamp,
}

/// A way to move an item to another state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The product's id: Jira transition id; on Azure DevOps the target state name.
    pub id: String,
    /// Name shown to people.
    pub name: String,
    /// The state it leads to.
    pub to: State,
    /// Fields the transition screen requires (Jira), by field id.
    pub required_fields: Vec<String>,
}

/// One page of a change feed: items that changed, oldest change first.
pub trait ChangeFeed: Send {
    /// The next page, or `None` when the feed is exhausted. Items are fully read (fields,
    /// rich text, links); an item may appear again later in the same feed if it changed
    /// meanwhile — dedupe by (id, revision).
    fn next_page(
        &mut self,
    ) -> impl Future<Output = Result<Option<Vec<RemoteItem>>, ConnectorError>> + Send;
}

/// What the sync engine needs from a product.
///
/// Every method is one logical operation; implementations batch, page, pace and retry
/// internally (reads are retried on transient errors; creates and comments are never
/// repeated blindly). Errors are [`ConnectorError`]s with a typed cause.
pub trait Connector: Send + Sync {
    /// The change feed type.
    type Feed: ChangeFeed;

    /// Which product.
    fn side(&self) -> Side;

    /// The format rich text must be written in (and is read in).
    fn rich_text_format(&self) -> TextFormat;

    /// Who the credentials authenticate as.
    fn identity(&self) -> impl Future<Output = Result<Identity, ConnectorError>> + Send;

    /// Items in scope changed at or after `since` (all items when `None`), oldest first.
    /// The connector reaches back a configured overlap before `since` to absorb clock skew
    /// and index lag, so the engine must dedupe by (id, revision). No request is made until
    /// the first [`ChangeFeed::next_page`].
    fn changes(&self, since: Option<Timestamp>) -> Self::Feed;

    /// Reads items by id. Ids that do not exist or are not visible are left out.
    fn get_many(
        &self,
        ids: &[ItemId],
    ) -> impl Future<Output = Result<Vec<RemoteItem>, ConnectorError>> + Send;

    /// Creates an item carrying `marker`. Never retried blindly: on an ambiguous failure
    /// (timeout, 5xx) the engine calls [`Connector::find_by_marker`] before trying again.
    fn create(
        &self,
        item: &NewItem,
        marker: Marker,
    ) -> impl Future<Output = Result<Written, ConnectorError>> + Send;

    /// Items in scope created at or after `created_since` that carry `marker` (normally none
    /// or one; more than one means duplicates were made).
    fn find_by_marker(
        &self,
        marker: Marker,
        created_since: Timestamp,
    ) -> impl Future<Output = Result<Vec<RemoteItem>, ConnectorError>> + Send;

    /// Changes fields. With `guard`, fails with `StaleRevision` when the item's revision is
    /// no longer `guard` (Azure DevOps: `test /rev` in the same patch; Jira: `updated` is
    /// re-read just before the write).
    fn update(
        &self,
        id: &ItemId,
        changes: &FieldChanges,
        guard: Option<&Revision>,
    ) -> impl Future<Output = Result<Written, ConnectorError>> + Send;

    /// The transitions available from the item's current state (Jira: the workflow's;
    /// Azure DevOps: every state of the work item type).
    fn transitions(
        &self,
        id: &ItemId,
    ) -> impl Future<Output = Result<Vec<Transition>, ConnectorError>> + Send;

    /// Performs a transition, optionally setting fields its screen requires.
    fn transition(
        &self,
        id: &ItemId,
        transition: &Transition,
        fields: &FieldChanges,
        guard: Option<&Revision>,
    ) -> impl Future<Output = Result<Written, ConnectorError>> + Send;

    /// All comments, oldest first.
    fn comments(
        &self,
        id: &ItemId,
    ) -> impl Future<Output = Result<Vec<Comment>, ConnectorError>> + Send;

    /// Adds a comment (never retried blindly).
    fn add_comment(
        &self,
        id: &ItemId,
        body: &RichText,
    ) -> impl Future<Output = Result<Comment, ConnectorError>> + Send;

    /// Downloads an attachment's content.
    fn download_attachment(
        &self,
        attachment: &Attachment,
    ) -> impl Future<Output = Result<Bytes, ConnectorError>> + Send;

    /// Uploads a file and attaches it to the item (never retried blindly).
    fn upload_attachment(
        &self,
        id: &ItemId,
        filename: &str,
        content: Bytes,
    ) -> impl Future<Output = Result<Attachment, ConnectorError>> + Send;

    /// Adds a link from the item.
    fn add_link(
        &self,
        id: &ItemId,
        link: &NewLink,
    ) -> impl Future<Output = Result<(), ConnectorError>> + Send;

    /// Removes a link the item holds.
    fn remove_link(
        &self,
        id: &ItemId,
        link: &ItemLink,
    ) -> impl Future<Output = Result<(), ConnectorError>> + Send;
}
