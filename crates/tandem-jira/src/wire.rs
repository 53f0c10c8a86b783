//! Jira's JSON, as far as tandem reads it. Private to this crate: the rest of tandem sees the
//! side-neutral types of `tandem-connector` and the typed evidence of [`crate::probe`].
//! Lenient by design (everything optional, unknown fields ignored): a strict model breaks on
//! the first response shape the docs did not mention.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServerInfo {
    pub base_url: Option<String>,
    pub version: Option<String>,
    pub deployment_type: Option<String>,
    pub build_number: Option<i64>,
    pub server_title: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct User {
    pub account_id: Option<String>,
    pub account_type: Option<String>,
    pub key: Option<String>,
    pub name: Option<String>,
    pub email_address: Option<String>,
    pub display_name: Option<String>,
    pub active: Option<bool>,
    pub time_zone: Option<String>,
    pub groups: Option<Items<Named>>,
    pub application_roles: Option<Items<Named>>,
}

#[derive(Debug, Deserialize, Clone)]
pub(crate) struct Items<T> {
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
}

#[derive(Debug, Deserialize, Clone)]
pub(crate) struct Named {
    pub name: Option<String>,
    pub key: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Project {
    pub id: Option<String>,
    pub key: String,
    pub name: Option<String>,
    pub project_type_key: Option<String>,
}

/// Cloud's offset pages (`project/search`, createmeta, comments use other item keys).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProjectPage {
    #[serde(default)]
    pub values: Vec<Project>,
    pub is_last: Option<bool>,
    pub total: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct MyPermissions {
    #[serde(default)]
    pub permissions: BTreeMap<String, PermissionEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PermissionEntry {
    #[serde(default)]
    pub have_permission: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IssueTypesPage {
    /// Cloud calls the list `issueTypes`; DC pages call it `values`.
    #[serde(alias = "values", default)]
    pub issue_types: Vec<IssueType>,
    pub is_last: Option<bool>,
    pub total: Option<u64>,
}

#[derive(Debug, Deserialize, Clone)]
pub(crate) struct IssueType {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub subtask: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FieldsPage {
    /// Cloud `fields`; DC `values`; some schemas say `results`.
    #[serde(alias = "values", alias = "results", default)]
    pub fields: Vec<FieldMeta>,
    pub is_last: Option<bool>,
    pub total: Option<u64>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FieldMeta {
    pub field_id: Option<String>,
    pub key: Option<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub has_default_value: bool,
    #[serde(default)]
    pub operations: Vec<String>,
    pub schema: Option<Schema>,
    pub allowed_values: Option<Vec<Value>>,
}

#[derive(Debug, Deserialize, Clone)]
pub(crate) struct Schema {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub custom: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct EditMeta {
    #[serde(default)]
    pub fields: BTreeMap<String, FieldMeta>,
}

/// `GET /field`.
#[derive(Debug, Deserialize, Clone)]
pub(crate) struct Field {
    pub id: String,
    pub schema: Option<Schema>,
}

/// An issue as `GET /issue` and search return it: fields stay JSON.
#[derive(Debug, Deserialize, Clone)]
pub(crate) struct Issue {
    pub id: String,
    pub key: String,
    #[serde(default)]
    pub fields: serde_json::Map<String, Value>,
    #[serde(default)]
    pub properties: BTreeMap<String, Value>,
}

/// Cloud `search/jql`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JqlPage {
    #[serde(default)]
    pub issues: Vec<Issue>,
    pub next_page_token: Option<String>,
    pub is_last: Option<bool>,
}

/// DC `search` (offset paging with a total).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchPage {
    #[serde(default)]
    pub issues: Vec<Issue>,
    pub total: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Created {
    pub id: String,
    pub key: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Transitions {
    #[serde(default)]
    pub transitions: Vec<TransitionEntry>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct TransitionEntry {
    pub id: String,
    pub name: String,
    pub to: Option<Status>,
    #[serde(default)]
    pub fields: BTreeMap<String, FieldMeta>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Status {
    pub name: String,
    pub status_category: Option<StatusCategory>,
}

#[derive(Debug, Deserialize, Clone)]
pub(crate) struct StatusCategory {
    pub key: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommentPage {
    #[serde(default)]
    pub comments: Vec<CommentEntry>,
    pub total: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommentEntry {
    pub id: String,
    pub author: Option<User>,
    pub body: Option<Value>,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub visibility: Option<Value>,
    pub jsd_public: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AttachmentEntry {
    pub id: Value,
    pub filename: Option<String>,
    pub size: Option<u64>,
    #[serde(rename = "mimeType")]
    pub mime_type: Option<String>,
    pub created: Option<Value>,
    pub content: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChangelogPage {
    #[serde(default)]
    pub values: Vec<ChangelogEntry>,
    pub is_last: Option<bool>,
    pub total: Option<u64>,
}

#[derive(Debug, Deserialize, Clone)]
pub(crate) struct ChangelogEntry {
    pub id: String,
    pub author: Option<User>,
    pub created: Option<String>,
    #[serde(default)]
    pub items: Vec<ChangeItem>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChangeItem {
    pub field: Option<String>,
    pub field_id: Option<String>,
    pub from_string: Option<String>,
    pub to_string: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TenantInfo {
    pub cloud_id: String,
}

/// Create/edit request bodies.
#[derive(Debug, Serialize)]
pub(crate) struct IssueWrite<'a> {
    pub fields: &'a serde_json::Map<String, Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Property {
    pub key: String,
    pub value: Value,
}

/// `POST issue/bulk` answer.
#[derive(Debug, Deserialize)]
pub(crate) struct BulkCreated {
    #[serde(default)]
    pub issues: Vec<Created>,
    #[serde(default)]
    pub errors: Vec<BulkError>,
    /// Set when the whole request failed with 400 (every element failed); filled in by the
    /// caller, never by the server.
    #[serde(skip)]
    pub all_failed: Option<tandem_connector::ConnectorError>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BulkError {
    #[serde(default)]
    pub failed_element_number: usize,
    #[serde(default)]
    pub element_errors: ElementErrors,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct ElementErrors {
    #[serde(default)]
    pub errors: BTreeMap<String, String>,
}
