//! tandem's Azure DevOps connector: Azure DevOps Services (`dev.azure.com/{org}`) and Azure
//! DevOps Server / TFS (`host/tfs/{collection}`), with a personal access token (Basic, empty
//! user) or a Bearer token; WIQL change feed, `workitemsbatch` reads, JSON Patch writes
//! guarded by `test /rev`, and `api-version` negotiation down to Server 2019.
//!
//! [`AdoConnector`] implements [`tandem_connector::Connector`] for the sync engine; its
//! `probe_*` methods ([`probe`]) collect the typed evidence `tandem doctor` decides on.
//! Wire types stay private.
//!
//! Must never depend on the Jira connector, the simulator, the engine or the store.

mod classify;
mod client;
pub mod config;
mod convert;
mod feed;
pub mod probe;
pub mod webhook;
mod wire;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use jiff::Timestamp;
use serde_json::Value;
use tandem_connector::error::{ConnectorError, ErrorKind, Side};
use tandem_connector::transport::{Idempotency, Intent};
use tandem_connector::{
    Attachment, Comment, Connector, FieldChanges, Identity, ItemId, ItemLink, LinkTarget, Marker,
    NewItem, NewLink, RemoteItem, Revision, RichText, State, TextFormat, Transition, Written,
};

pub use config::{AdoAuth, AdoConfig, ApiVersion};
pub use feed::AdoFeed;

use client::{AdoClient, Body, Resource, Scope};
use convert::wiql_time;

/// The Azure DevOps connector. Cheap to clone (shares one client, one pacer).
#[derive(Clone, Debug)]
pub struct AdoConnector {
    client: Arc<AdoClient>,
}

impl AdoClient {
    /// The fields whose values are HTML (asked once; falls back to the well-known ones).
    pub(crate) async fn html_fields(&self) -> Result<&HashSet<String>, ConnectorError> {
        self.html_fields
            .get_or_try_init(|| async {
                let url = self.url(Scope::Project, &["wit", "fields"])?;
                let list: wire::List<wire::FieldDef> = self
                    .get(
                        url,
                        Resource::General,
                        &[],
                        &Intent::new("read the field list"),
                    )
                    .await?;
                let mut set: HashSet<String> = convert::KNOWN_HTML_FIELDS
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect();
                set.extend(
                    list.value
                        .into_iter()
                        .filter(|f| {
                            f.kind
                                .as_deref()
                                .is_some_and(|k| k.eq_ignore_ascii_case("html"))
                        })
                        .map(|f| f.reference_name),
                );
                Ok(set)
            })
            .await
    }

    /// The states of a work item type. The type list carries every type's states, so one
    /// call answers for all types; a type it does not cover is asked for on its own.
    pub(crate) async fn states(
        &self,
        item_type: &str,
    ) -> Result<Vec<wire::StateDef>, ConnectorError> {
        if let Some(s) = self.states.lock().get(item_type) {
            return Ok(s.clone());
        }
        if self.types_listed.set(()).is_ok() {
            let url = self.url(Scope::Project, &["wit", "workitemtypes"])?;
            let list: wire::List<wire::WorkItemType> = self
                .get(
                    url,
                    Resource::General,
                    &[],
                    &Intent::new("list work item types"),
                )
                .await?;
            let mut cache = self.states.lock();
            for t in list.value {
                if !t.states.is_empty() {
                    cache.insert(t.name, t.states);
                }
            }
            if let Some(s) = cache.get(item_type) {
                return Ok(s.clone());
            }
        }
        let url = self.url(
            Scope::Project,
            &["wit", "workitemtypes", item_type, "states"],
        )?;
        let intent =
            Intent::new("read work item states").target(format!("work item type {item_type}"));
        let list: wire::List<wire::StateDef> =
            self.get(url, Resource::General, &[], &intent).await?;
        self.states
            .lock()
            .insert(item_type.to_owned(), list.value.clone());
        Ok(list.value)
    }

    pub(crate) fn web_base(&self) -> String {
        let mut u = self.org().clone();
        if let Ok(mut s) = u.path_segments_mut() {
            s.push(&self.cfg.project);
        }
        u.to_string()
    }

    pub(crate) async fn to_items(
        &self,
        list: &[wire::WorkItem],
    ) -> Result<Vec<RemoteItem>, ConnectorError> {
        let html = self.html_fields().await?.clone();
        let types: HashSet<String> = list
            .iter()
            .filter_map(|w| {
                w.fields
                    .get("System.WorkItemType")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .collect();
        let mut states: HashMap<String, Vec<wire::StateDef>> = HashMap::new();
        for t in types {
            // A type whose states cannot be read still syncs; its category is just unknown.
            let s = self.states(&t).await.unwrap_or_default();
            states.insert(t, s);
        }
        let web = self.web_base();
        list.iter()
            .map(|w| convert::item(w, &html, &states, &web))
            .collect()
    }

    pub(crate) async fn work_item(&self, id: &ItemId) -> Result<wire::WorkItem, ConnectorError> {
        let url = self.url(Scope::Project, &["wit", "workitems", id.as_str()])?;
        let intent = Intent::new("read a work item").target(format!("work item {id}"));
        self.get(
            url,
            Resource::General,
            &[("$expand", "relations".to_owned())],
            &intent,
        )
        .await
    }

    fn markdown_supported(&self) -> bool {
        self.api_version() >= ApiVersion { major: 7, minor: 2 }
    }

    /// PATCH a work item with JSON Patch, optionally guarded by `test /rev`.
    pub(crate) async fn patch(
        &self,
        id: &ItemId,
        mut ops: Vec<wire::PatchOp>,
        guard: Option<&Revision>,
        operation: &str,
        query: &[(&str, String)],
    ) -> Result<wire::WorkItem, ConnectorError> {
        let mut intent = Intent::new(operation).target(format!("work item {id}"));
        if let Some(a) = self.cfg.area_path.clone() {
            intent = intent.project(a);
        } else {
            intent = intent.project(self.cfg.project.clone());
        }
        if let Some(g) = guard {
            let rev: Value =
                g.0.parse::<i64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| Value::String(g.0.clone()));
            ops.insert(
                0,
                wire::PatchOp {
                    op: "test",
                    path: "/rev".into(),
                    value: Some(rev),
                },
            );
            intent = intent.guard(g.0.clone());
        }
        let url = self.url(Scope::Project, &["wit", "workitems", id.as_str()])?;
        // Guarded: a repeat fails with 412 instead of applying twice. Unguarded field sets
        // are absolute values. Either way, safe to retry.
        self.fetch(
            Method::PATCH,
            url,
            query,
            Body::Patch(ops),
            Idempotency::Safe,
            &intent,
        )
        .await
    }
}

fn written(w: &wire::WorkItem) -> Result<Written, ConnectorError> {
    let rev = w
        .rev
        .or_else(|| w.fields.get("System.Rev").and_then(Value::as_i64))
        .ok_or_else(|| ConnectorError::unexpected(Side::Ado, "the saved work item has no rev"))?;
    let changed_at = w
        .fields
        .get("System.ChangedDate")
        .and_then(Value::as_str)
        .and_then(tandem_connector::time::parse_timestamp)
        .ok_or_else(|| {
            ConnectorError::unexpected(Side::Ado, "the saved work item has no System.ChangedDate")
        })?;
    Ok(Written {
        id: ItemId(w.id.to_string()),
        key: w.id.to_string(),
        revision: Revision(rev.to_string()),
        changed_at,
    })
}

impl AdoConnector {
    /// Builds the connector (no request is made yet).
    pub fn new(config: AdoConfig) -> Result<Self, ConnectorError> {
        Ok(Self {
            client: Arc::new(AdoClient::new(config)?),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &AdoConfig {
        &self.client.cfg
    }

    /// The `api-version` in use (lowered from the configured one if the server is older).
    pub fn api_version(&self) -> ApiVersion {
        self.client.api_version()
    }

    /// Pacing counters.
    pub fn pace_stats(&self) -> tandem_connector::pacing::PaceStats {
        self.client.transport.pace_stats()
    }

    /// The updates (revisions as deltas) of a work item, oldest first.
    pub async fn updates(&self, id: &ItemId) -> Result<Vec<WorkItemUpdate>, ConnectorError> {
        let url = self.client.url(
            Scope::Project,
            &["wit", "workItems", id.as_str(), "updates"],
        )?;
        let intent = Intent::new("read a work item's history").target(format!("work item {id}"));
        let mut out = Vec::new();
        let mut skip = 0usize;
        loop {
            let page: wire::List<wire::Update> = self
                .client
                .get(
                    url.clone(),
                    Resource::General,
                    &[("$top", "200".into()), ("$skip", skip.to_string())],
                    &intent,
                )
                .await?;
            let n = page.value.len();
            out.extend(page.value.into_iter().map(|u| {
                WorkItemUpdate {
                    rev: u.rev,
                    revised_by: u.revised_by.as_ref().map(convert::person),
                    fields: u
                        .fields
                        .map(|m| m.into_iter().collect())
                        .unwrap_or_default(),
                }
            }));
            skip += n;
            if n < 200 {
                break;
            }
        }
        Ok(out)
    }
}

/// One update of a work item's history.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct WorkItemUpdate {
    /// The revision this update made.
    pub rev: Option<i64>,
    /// Who made it.
    pub revised_by: Option<tandem_connector::Person>,
    /// Field deltas, `{"oldValue", "newValue"}` per reference name.
    pub fields: std::collections::BTreeMap<String, Value>,
}

impl Connector for AdoConnector {
    type Feed = AdoFeed;

    fn side(&self) -> Side {
        Side::Ado
    }

    fn rich_text_format(&self) -> TextFormat {
        TextFormat::Html
    }

    async fn identity(&self) -> Result<Identity, ConnectorError> {
        let cd = self.client.connection_data().await?;
        let user = cd.authenticated_user.as_ref().ok_or_else(|| {
            ConnectorError::unexpected(Side::Ado, "connectionData has no authenticatedUser")
        })?;
        Ok(Identity {
            person: convert::person(user),
            time_zone: None,
        })
    }

    fn changes(&self, since: Option<Timestamp>) -> AdoFeed {
        AdoFeed::new(self.client.clone(), since)
    }

    async fn get_many(&self, ids: &[ItemId]) -> Result<Vec<RemoteItem>, ConnectorError> {
        let numeric: Vec<i64> = ids.iter().filter_map(|i| i.0.parse().ok()).collect();
        let mut out = Vec::new();
        for chunk in numeric.chunks(self.client.cfg.feed.batch_size.clamp(1, 200)) {
            let raw = self.client.batch(chunk).await?;
            out.extend(self.client.to_items(&raw).await?);
        }
        Ok(out)
    }

    async fn create(&self, item: &NewItem, marker: Marker) -> Result<Written, ConnectorError> {
        let c = &self.client;
        let fields: std::collections::BTreeMap<String, Option<Value>> = item
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.clone())))
            .collect();
        let mut ops = convert::field_ops(&fields, &item.rich_text, c.markdown_supported())?;
        if let Some(area) = &c.cfg.area_path
            && !item.fields.contains_key("System.AreaPath")
        {
            ops.push(wire::PatchOp {
                op: "add",
                path: "/fields/System.AreaPath".into(),
                value: Some(Value::String(area.clone())),
            });
        }
        // The marker is in the same request, so the item never exists without it.
        ops.push(wire::PatchOp {
            op: "add",
            path: "/relations/-".into(),
            value: Some(serde_json::json!({
                "rel": "Hyperlink",
                "url": convert::marker_url(marker),
                "attributes": { "comment": "tandem sync marker (do not remove)" }
            })),
        });
        let url = c.url(
            Scope::Project,
            &["wit", "workitems", &format!("${}", item.item_type)],
        )?;
        let intent = Intent::new("create a work item").project(
            c.cfg
                .area_path
                .clone()
                .unwrap_or_else(|| c.cfg.project.clone()),
        );
        let w: wire::WorkItem = c
            .fetch(
                Method::POST,
                url,
                &[],
                Body::Patch(ops),
                Idempotency::Unsafe,
                &intent,
            )
            .await?;
        written(&w)
    }

    async fn find_by_marker(
        &self,
        marker: Marker,
        created_since: Timestamp,
    ) -> Result<Vec<RemoteItem>, ConnectorError> {
        let c = &self.client;
        let from = created_since
            .checked_sub(jiff::SignedDuration::from_mins(1))
            .unwrap_or(created_since);
        let query = format!(
            "SELECT [System.Id] FROM WorkItems WHERE {} AND [System.CreatedDate] >= {} ORDER BY [System.CreatedDate] ASC",
            feed::scope_clause(c),
            wiql_time(from)
        );
        let ids = c.wiql(&query, None).await?;
        let mut out = Vec::new();
        for chunk in ids.chunks(200) {
            let raw = c.batch(chunk).await?;
            let matching: Vec<wire::WorkItem> = raw
                .into_iter()
                .filter(|w| {
                    convert::relations(w.relations.as_deref().unwrap_or_default()).2 == Some(marker)
                })
                .collect();
            out.extend(c.to_items(&matching).await?);
        }
        Ok(out)
    }

    async fn update(
        &self,
        id: &ItemId,
        changes: &FieldChanges,
        guard: Option<&Revision>,
    ) -> Result<Written, ConnectorError> {
        if changes.is_empty() {
            let w = self.client.work_item(id).await?;
            if let Some(g) = guard
                && w.rev.map(|r| r.to_string()).as_deref() != Some(g.0.as_str())
            {
                return Err(ConnectorError::new(
                    Side::Ado,
                    ErrorKind::StaleRevision {
                        expected: g.0.clone(),
                        actual: w.rev.map(|r| r.to_string()),
                    },
                ));
            }
            return written(&w);
        }
        let ops = convert::field_ops(
            &changes.fields,
            &changes.rich_text,
            self.client.markdown_supported(),
        )?;
        let w = self
            .client
            .patch(id, ops, guard, "save a work item", &[])
            .await?;
        written(&w)
    }

    async fn transitions(&self, id: &ItemId) -> Result<Vec<Transition>, ConnectorError> {
        let w = self.client.work_item(id).await?;
        let item_type = w
            .fields
            .get("System.WorkItemType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let current = w
            .fields
            .get("System.State")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Ok(self
            .client
            .states(&item_type)
            .await?
            .into_iter()
            .filter(|s| s.name != current)
            .map(|s| Transition {
                id: s.name.clone(),
                name: s.name.clone(),
                to: State {
                    name: s.name.clone(),
                    category: convert::state_category(s.category.as_deref()),
                },
                required_fields: Vec::new(),
            })
            .collect())
    }

    async fn transition(
        &self,
        id: &ItemId,
        transition: &Transition,
        fields: &FieldChanges,
        guard: Option<&Revision>,
    ) -> Result<Written, ConnectorError> {
        let mut ops = vec![wire::PatchOp {
            op: "add",
            path: "/fields/System.State".into(),
            value: Some(Value::String(transition.id.clone())),
        }];
        ops.extend(convert::field_ops(
            &fields.fields,
            &fields.rich_text,
            self.client.markdown_supported(),
        )?);
        let w = self
            .client
            .patch(id, ops, guard, "change a work item's state", &[])
            .await?;
        written(&w)
    }

    async fn comments(&self, id: &ItemId) -> Result<Vec<Comment>, ConnectorError> {
        let url = self.client.url(
            Scope::Project,
            &["wit", "workItems", id.as_str(), "comments"],
        )?;
        let intent = Intent::new("read comments").target(format!("work item {id}"));
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut q = vec![("$top", "200".to_owned())];
            if let Some(t) = &token {
                q.push(("continuationToken", t.clone()));
            }
            let page: wire::CommentList = self
                .client
                .get(url.clone(), Resource::Comments, &q, &intent)
                .await?;
            let empty = page.comments.is_empty();
            out.extend(page.comments.iter().filter_map(convert::comment));
            token = page.continuation_token.filter(|t| !t.is_empty());
            if token.is_none() || empty {
                break;
            }
        }
        out.sort_by_key(|c| c.created);
        Ok(out)
    }

    async fn add_comment(&self, id: &ItemId, body: &RichText) -> Result<Comment, ConnectorError> {
        let c = &self.client;
        let mut q = Vec::new();
        let markdown = match body.format {
            TextFormat::Html | TextFormat::Plain => false,
            TextFormat::Markdown if c.api_version() >= ApiVersion::LATEST => true,
            other => {
                return Err(ConnectorError::config(
                    Side::Ado,
                    format!(
                        "comments must be converted to HTML before writing to this Azure DevOps, got {other:?}"
                    ),
                ));
            }
        };
        // `format` exists from 7.1 only (research sync-semantics.md §7).
        if c.api_version() >= ApiVersion::LATEST {
            q.push((
                "format",
                if markdown { "markdown" } else { "html" }.to_owned(),
            ));
        }
        let url = c.url(
            Scope::Project,
            &["wit", "workItems", id.as_str(), "comments"],
        )?;
        let intent = Intent::new("add a comment").target(format!("work item {id}"));
        let r = c
            .request(
                Method::POST,
                url,
                Resource::Comments,
                &q,
                Body::Json(serde_json::json!({ "text": body.text })),
                Idempotency::Unsafe,
                &intent,
            )
            .await?;
        let entry: wire::CommentEntry = c.transport.decode(&r)?;
        convert::comment(&entry).ok_or_else(|| {
            ConnectorError::unexpected(Side::Ado, "the created comment has no createdDate")
        })
    }

    async fn download_attachment(&self, attachment: &Attachment) -> Result<Bytes, ConnectorError> {
        let url = url::Url::parse(&attachment.content_url)
            .map_err(|e| ConnectorError::unexpected(Side::Ado, format!("attachment URL: {e}")))?;
        if !self.client.same_origin(&url) {
            return Err(ConnectorError::unexpected(
                Side::Ado,
                "the attachment URL is on another host; credentials are not sent there",
            ));
        }
        let intent = Intent::new("download an attachment")
            .target(format!("attachment {}", attachment.filename))
            .raw();
        let r = self
            .client
            .request(
                Method::GET,
                url,
                Resource::General,
                &[("download", "true".to_owned())],
                Body::None,
                Idempotency::Safe,
                &intent,
            )
            .await?;
        Ok(r.body)
    }

    async fn upload_attachment(
        &self,
        id: &ItemId,
        filename: &str,
        content: Bytes,
    ) -> Result<Attachment, ConnectorError> {
        let c = &self.client;
        let size = content.len() as u64;
        let url = c.url(Scope::Project, &["wit", "attachments"])?;
        let intent = Intent::new("upload an attachment").target(format!("work item {id}"));
        let q = [
            ("fileName", filename.to_owned()),
            ("uploadType", "Simple".to_owned()),
        ];
        let a: wire::AttachmentRef = c
            .fetch(
                Method::POST,
                url,
                &q,
                Body::Octets(content),
                Idempotency::Unsafe,
                &intent,
            )
            .await?;
        let op = wire::PatchOp {
            op: "add",
            path: "/relations/-".into(),
            value: Some(
                serde_json::json!({ "rel": "AttachedFile", "url": a.url, "attributes": { "name": filename } }),
            ),
        };
        c.patch(id, vec![op], None, "attach a file", &[]).await?;
        Ok(Attachment {
            id: a.id,
            filename: filename.to_owned(),
            size: Some(size),
            mime_type: None,
            created: Some(Timestamp::now()),
            content_url: a.url,
        })
    }

    async fn add_link(&self, id: &ItemId, link: &NewLink) -> Result<(), ConnectorError> {
        let c = &self.client;
        let url = match &link.target {
            LinkTarget::Item(other) => c
                .url(Scope::Org, &["wit", "workItems", other.as_str()])?
                .to_string(),
            LinkTarget::Url(u) => u.clone(),
        };
        let mut rel = serde_json::json!({ "rel": link.kind, "url": url });
        if let Some(comment) = &link.comment {
            rel["attributes"] = serde_json::json!({ "comment": comment });
        }
        let op = wire::PatchOp {
            op: "add",
            path: "/relations/-".into(),
            value: Some(rel),
        };
        c.patch(id, vec![op], None, "link work items", &[])
            .await
            .map(|_| ())
    }

    async fn remove_link(&self, id: &ItemId, link: &ItemLink) -> Result<(), ConnectorError> {
        let c = &self.client;
        // Relations are removed by index: read them, find this one, and guard the patch with
        // the revision just read so the index cannot have shifted.
        let w = c.work_item(id).await?;
        let rels = w.relations.clone().unwrap_or_default();
        let wanted = |r: &wire::Relation| {
            r.rel == link.kind
                && match &link.target {
                    LinkTarget::Url(u) => &r.url == u,
                    LinkTarget::Item(other) => {
                        r.url.trim_end_matches('/').rsplit('/').next() == Some(other.as_str())
                    }
                }
        };
        let Some(index) = rels.iter().position(wanted) else {
            return Ok(());
        };
        let op = wire::PatchOp {
            op: "remove",
            path: format!("/relations/{index}"),
            value: None,
        };
        let guard = w.rev.map(|r| Revision(r.to_string()));
        c.patch(id, vec![op], guard.as_ref(), "remove a link", &[])
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_needs_rev_and_date() {
        let w: wire::WorkItem =
            serde_json::from_value(serde_json::json!({"id": 3, "rev": 2, "fields": {"System.ChangedDate": "2026-01-01T00:00:00Z"}})).unwrap();
        let out = written(&w).unwrap();
        assert_eq!(out.revision, Revision("2".into()));
        let w: wire::WorkItem =
            serde_json::from_value(serde_json::json!({"id": 3, "fields": {}})).unwrap();
        assert_eq!(written(&w).unwrap_err().code(), "unexpected-response");
    }
}
