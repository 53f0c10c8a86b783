//! Azure DevOps JSON, as far as tandem reads it. Private to this crate and lenient: `fields`
//! stays a JSON map and everything else is optional (the generated SDK's strict models broke
//! on real responses; research ado-api.md §9).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConnectionData {
    pub authenticated_user: Option<IdentityRef>,
    pub authorized_user: Option<IdentityRef>,
    pub instance_id: Option<String>,
    pub deployment_type: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IdentityRef {
    pub id: Option<String>,
    pub descriptor: Option<String>,
    pub subject_descriptor: Option<String>,
    pub provider_display_name: Option<String>,
    pub custom_display_name: Option<String>,
    pub display_name: Option<String>,
    pub unique_name: Option<String>,
    pub properties: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct List<T> {
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Project {
    pub id: Option<String>,
    pub name: String,
    pub state: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WiqlResult {
    #[serde(default)]
    pub work_items: Vec<WorkItemRef>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WorkItemRef {
    pub id: i64,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WorkItem {
    pub id: i64,
    pub rev: Option<i64>,
    #[serde(default)]
    pub fields: Map<String, Value>,
    #[serde(default)]
    pub relations: Option<Vec<Relation>>,
    pub multiline_fields_format: Option<Map<String, Value>>,
}

#[derive(Debug, Deserialize, Serialize, Clone)]
pub(crate) struct Relation {
    pub rel: String,
    pub url: String,
    #[serde(default)]
    pub attributes: Option<Map<String, Value>>,
}

/// `workitemsbatch`: `null` entries for ids left out by `errorPolicy=omit`.
#[derive(Debug, Deserialize)]
pub(crate) struct Batch {
    #[serde(default)]
    pub value: Vec<Option<WorkItem>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FieldDef {
    pub reference_name: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
pub(crate) struct StateDef {
    pub name: String,
    pub category: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommentList {
    #[serde(default)]
    pub comments: Vec<CommentEntry>,
    pub continuation_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommentEntry {
    /// `id` in the schema; the old httpExamples say `commentId`.
    #[serde(alias = "commentId")]
    pub id: i64,
    pub text: Option<String>,
    pub format: Option<String>,
    pub created_by: Option<IdentityRef>,
    pub created_date: Option<String>,
    pub modified_date: Option<String>,
    #[serde(default)]
    pub is_deleted: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AttachmentRef {
    pub id: String,
    pub url: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClassificationNode {
    pub id: Option<i64>,
    pub identifier: Option<String>,
    pub name: String,
    #[serde(default)]
    pub has_children: bool,
    pub path: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WorkItemType {
    pub name: String,
    #[serde(default)]
    pub states: Vec<StateDef>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Update {
    pub rev: Option<i64>,
    pub revised_by: Option<IdentityRef>,
    pub fields: Option<Map<String, Value>>,
}

/// One JSON Patch operation.
#[derive(Debug, Serialize, Clone, PartialEq)]
pub(crate) struct PatchOp {
    pub op: &'static str,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}
