//! tandem's Jira connector: Jira Cloud (REST API v3, rich text in ADF, `accountId` users,
//! basic auth with an API token, scoped tokens through the API gateway) and Jira Data
//! Center / Server (REST API v2, wiki markup, user name + password or a personal access
//! token as Bearer).
//!
//! [`JiraConnector`] implements [`tandem_connector::Connector`] for the sync engine; its
//! `probe_*` methods ([`probe`]) collect the typed evidence `tandem doctor` decides on.
//! Wire types stay private ([`wire`] is not public).
//!
//! Must never depend on the Azure DevOps connector, the simulator, the engine or the store.

mod classify;
mod client;
pub mod config;
mod convert;
mod feed;
pub mod probe;
pub mod webhook;
mod wire;

use std::collections::HashSet;
use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use jiff::Timestamp;
use serde_json::{Map, Value};
use tandem_connector::error::{ConnectorError, ErrorKind, Side};
use tandem_connector::transport::{Idempotency, Intent};
use tandem_connector::{
    Attachment, Comment, Connector, FieldChanges, Identity, ItemId, ItemLink, LinkDirection,
    LinkTarget, Marker, NewItem, NewLink, RemoteItem, Revision, RichText, TextFormat, Transition,
    Written,
};

pub use client::MARKER_PROPERTY;
pub use config::{Flavor, JiraAuth, JiraConfig};
pub use feed::JiraFeed;

use client::{Body, JiraClient};
use convert::jql_date;

/// The Jira connector. Cheap to clone (shares one client, one pacer).
#[derive(Clone, Debug)]
pub struct JiraConnector {
    client: Arc<JiraClient>,
}

impl JiraConnector {
    /// Builds the connector (no request is made yet).
    pub fn new(config: JiraConfig) -> Result<Self, ConnectorError> {
        Ok(Self {
            client: Arc::new(JiraClient::new(config)?),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &JiraConfig {
        &self.client.cfg
    }

    /// Pacing counters (requests held back, 429s, retries, last rate-limit headers).
    pub fn pace_stats(&self) -> tandem_connector::pacing::PaceStats {
        self.client.transport.pace_stats()
    }

    /// Deletes an issue (used by `tandem doctor --probe-write` to clean up its test issue).
    pub async fn delete_issue(&self, id: &ItemId) -> Result<(), ConnectorError> {
        let intent = Intent::new("delete an issue")
            .target(format!("issue {id}"))
            .project(self.client.cfg.project.clone());
        self.client
            .request(
                Method::DELETE,
                &format!("issue/{id}"),
                &[],
                Body::None,
                Idempotency::Safe,
                &intent,
            )
            .await
            .map(|_| ())
    }

    /// The revision (`updated`) of an issue, read fresh.
    pub async fn revision(
        &self,
        id: &ItemId,
    ) -> Result<(String, Revision, Timestamp), ConnectorError> {
        let intent = Intent::new("read an issue").target(format!("issue {id}"));
        let issue: wire::Issue = self
            .client
            .get(
                &format!("issue/{id}"),
                &[("fields", "updated".to_owned())],
                &intent,
            )
            .await?;
        let raw = issue
            .fields
            .get("updated")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let at = tandem_connector::time::parse_timestamp(&raw).ok_or_else(|| {
            ConnectorError::unexpected(Side::Jira, format!("issue {id}: unreadable `updated`"))
        })?;
        Ok((issue.key, Revision(raw), at))
    }

    async fn written(&self, id: &ItemId) -> Result<Written, ConnectorError> {
        let (key, revision, changed_at) = self.revision(id).await?;
        Ok(Written {
            id: id.clone(),
            key,
            revision,
            changed_at,
        })
    }

    async fn check_guard(
        &self,
        id: &ItemId,
        guard: Option<&Revision>,
    ) -> Result<(), ConnectorError> {
        let Some(expected) = guard else { return Ok(()) };
        let (_, actual, _) = self.revision(id).await?;
        if &actual != expected {
            return Err(ConnectorError::new(
                Side::Jira,
                ErrorKind::StaleRevision {
                    expected: expected.0.clone(),
                    actual: Some(actual.0),
                },
            ));
        }
        Ok(())
    }

    /// Jira answers a create or edit without the permission with per-field "cannot be set"
    /// errors (JRASERVER-44003); ask `mypermissions` whether that is what happened, and if
    /// so say so (the article's "You cannot create issues in this project").
    async fn explain_cannot_be_set(
        &self,
        e: ConnectorError,
        permission: &str,
        operation: &str,
    ) -> ConnectorError {
        let all_cannot_be_set = matches!(e.kind(), ErrorKind::Validation { fields }
            if !fields.is_empty() && fields.iter().all(|f| classify::is_cannot_be_set(&f.message)));
        if !all_cannot_be_set {
            return e;
        }
        let project = self.client.cfg.project.clone();
        match self.probe_permissions(Some(&project), &[permission]).await {
            Ok(p) if p.permissions.get(permission) == Some(&false) => {
                e.with_kind(ErrorKind::PermissionDenied {
                    operation: format!("{operation} ({permission} is missing)"),
                    project: Some(project),
                })
            }
            _ => e,
        }
    }

    fn fields_body(
        &self,
        fields: &std::collections::BTreeMap<String, Value>,
        rich: &std::collections::BTreeMap<String, RichText>,
    ) -> Result<Map<String, Value>, ConnectorError> {
        let mut m: Map<String, Value> =
            fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        for (k, r) in rich {
            m.insert(k.clone(), convert::rich_value(r, self.client.flavor())?);
        }
        Ok(m)
    }

    /// Creates up to 50 issues in one request (`POST issue/bulk`), each with its marker.
    /// Returns one result per item, in order: Jira creates the valid ones and reports the
    /// others per element. Never retried blindly, like a single create.
    pub async fn create_many(
        &self,
        items: &[(NewItem, Marker)],
    ) -> Result<Vec<Result<Written, ConnectorError>>, ConnectorError> {
        if items.len() > 50 {
            return Err(ConnectorError::config(
                Side::Jira,
                "Jira's bulk create takes at most 50 issues per call",
            ));
        }
        let project = self.client.cfg.project.clone();
        let mut updates = Vec::with_capacity(items.len());
        for (item, marker) in items {
            let mut fields = self.fields_body(&item.fields, &item.rich_text)?;
            fields
                .entry("project")
                .or_insert_with(|| serde_json::json!({ "key": project }));
            fields
                .entry("issuetype")
                .or_insert_with(|| serde_json::json!({ "name": item.item_type }));
            updates.push(serde_json::json!({
                "fields": fields,
                "properties": [{ "key": MARKER_PROPERTY, "value": convert::marker_value(*marker) }],
            }));
        }
        let intent = Intent::new("create issues").project(project);
        let body = serde_json::json!({ "issueUpdates": updates });
        // 201 when any succeeded, 400 when all failed: both carry per-element results.
        let r = match self
            .client
            .request(
                Method::POST,
                "issue/bulk",
                &[],
                Body::Json(body),
                Idempotency::Unsafe,
                &intent,
            )
            .await
        {
            Ok(r) => self.client.transport.decode::<wire::BulkCreated>(&r)?,
            Err(e) if e.evidence().status == Some(400) => wire::BulkCreated {
                issues: Vec::new(),
                errors: Vec::new(),
                all_failed: Some(e),
            },
            Err(e) => return Err(e),
        };
        let mut out: Vec<Option<Result<Written, ConnectorError>>> =
            (0..items.len()).map(|_| None).collect();
        for err in &r.errors {
            if let Some(slot) = out.get_mut(err.failed_element_number) {
                let fields = err
                    .element_errors
                    .errors
                    .iter()
                    .map(|(k, v)| tandem_connector::FieldProblem {
                        field: k.clone(),
                        message: v.clone(),
                    })
                    .collect();
                *slot = Some(Err(ConnectorError::new(
                    Side::Jira,
                    ErrorKind::Validation { fields },
                )));
            }
        }
        // Successes come in element order, skipping the failed ones.
        let mut created = r.issues.into_iter();
        for slot in &mut out {
            if slot.is_none()
                && let Some(c) = created.next()
            {
                *slot = Some(Ok(Written {
                    id: ItemId(c.id),
                    key: c.key,
                    revision: Revision(String::new()),
                    changed_at: Timestamp::UNIX_EPOCH,
                }));
            }
        }
        // Read the new revisions in one search.
        let ids: Vec<ItemId> = out
            .iter()
            .flatten()
            .filter_map(|r| r.as_ref().ok().map(|w| w.id.clone()))
            .collect();
        let fresh = if ids.is_empty() {
            Vec::new()
        } else {
            self.get_many(&ids).await?
        };
        Ok(out
            .into_iter()
            .map(|slot| match slot {
                Some(Ok(mut w)) => match fresh.iter().find(|i| i.id == w.id) {
                    Some(i) => {
                        w.revision = i.revision.clone();
                        w.changed_at = i.changed_at;
                        Ok(w)
                    }
                    None => Err(ConnectorError::unexpected(
                        Side::Jira,
                        format!("issue {} was created but cannot be read back", w.key),
                    )),
                },
                Some(Err(e)) => Err(e),
                None => Err(match &r.all_failed {
                    Some(e) => e.clone(),
                    None => ConnectorError::unexpected(
                        Side::Jira,
                        "the bulk create answer does not account for this issue",
                    ),
                }),
            })
            .collect())
    }

    /// The changelog of an issue, oldest first (Cloud: paged endpoint; DC: `expand=changelog`).
    pub async fn changelog(&self, id: &ItemId) -> Result<Vec<ChangelogEntry>, ConnectorError> {
        let intent = Intent::new("read an issue's history").target(format!("issue {id}"));
        let mut raw: Vec<wire::ChangelogEntry> = Vec::new();
        match self.client.flavor() {
            Flavor::Cloud => {
                let mut start = 0u64;
                loop {
                    let page: wire::ChangelogPage = self
                        .client
                        .get(
                            &format!("issue/{id}/changelog"),
                            &[("startAt", start.to_string()), ("maxResults", "100".into())],
                            &intent,
                        )
                        .await?;
                    let n = page.values.len() as u64;
                    raw.extend(page.values);
                    start += n;
                    if n == 0
                        || page.is_last == Some(true)
                        || page.total.is_some_and(|t| start >= t)
                    {
                        break;
                    }
                }
            }
            Flavor::DataCenter => {
                let v: Value = self
                    .client
                    .get(
                        &format!("issue/{id}"),
                        &[("fields", "updated".into()), ("expand", "changelog".into())],
                        &intent,
                    )
                    .await?;
                if let Some(h) = v.get("changelog").and_then(|c| c.get("histories")) {
                    raw = serde_json::from_value(h.clone()).unwrap_or_default();
                }
            }
        }
        Ok(raw
            .into_iter()
            .map(|e| ChangelogEntry {
                id: e.id,
                author: e.author.as_ref().map(convert::person),
                created: e
                    .created
                    .as_deref()
                    .and_then(tandem_connector::time::parse_timestamp),
                items: e
                    .items
                    .into_iter()
                    .map(|i| ChangelogItem {
                        field: i.field_id.or(i.field).unwrap_or_default(),
                        from: i.from_string,
                        to: i.to_string,
                    })
                    .collect(),
            })
            .collect())
    }
}

/// One entry of an issue's history.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ChangelogEntry {
    /// Jira's id.
    pub id: String,
    /// Who changed it.
    pub author: Option<tandem_connector::Person>,
    /// When.
    pub created: Option<Timestamp>,
    /// What changed.
    pub items: Vec<ChangelogItem>,
}

/// One field change.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ChangelogItem {
    /// Field id (or name when Jira gives no id).
    pub field: String,
    /// Old value as text.
    pub from: Option<String>,
    /// New value as text.
    pub to: Option<String>,
}

impl JiraClient {
    pub(crate) async fn myself(&self) -> Result<wire::User, ConnectorError> {
        self.get(
            "myself",
            &[("expand", "groups,applicationRoles".to_owned())],
            &Intent::new("read the current user"),
        )
        .await
    }

    /// The time zone Jira reads the user's JQL dates in (asked once).
    pub(crate) async fn user_time_zone(&self) -> Result<Option<String>, ConnectorError> {
        self.time_zone
            .get_or_try_init(|| async { Ok(self.myself().await?.time_zone) })
            .await
            .cloned()
    }

    pub(crate) async fn wiki_fields(&self) -> Result<HashSet<String>, ConnectorError> {
        Ok(convert::wiki_fields(self.fields().await?))
    }

    pub(crate) fn to_item(&self, issue: &wire::Issue) -> Result<RemoteItem, ConnectorError> {
        let wiki = match self.flavor() {
            Flavor::DataCenter => self
                .fields
                .get()
                .map(|f| convert::wiki_fields(f))
                .unwrap_or_default(),
            Flavor::Cloud => HashSet::new(),
        };
        convert::item(issue, self.flavor(), &wiki, self.site())
    }
}

impl Connector for JiraConnector {
    type Feed = JiraFeed;

    fn side(&self) -> Side {
        Side::Jira
    }

    fn rich_text_format(&self) -> TextFormat {
        match self.client.flavor() {
            Flavor::Cloud => TextFormat::Adf,
            Flavor::DataCenter => TextFormat::JiraWiki,
        }
    }

    async fn identity(&self) -> Result<Identity, ConnectorError> {
        let me = self.client.myself().await?;
        let _ = self.client.time_zone.set(me.time_zone.clone());
        Ok(Identity {
            person: convert::person(&me),
            time_zone: me.time_zone,
        })
    }

    fn changes(&self, since: Option<Timestamp>) -> JiraFeed {
        JiraFeed::new(self.client.clone(), since)
    }

    async fn get_many(&self, ids: &[ItemId]) -> Result<Vec<RemoteItem>, ConnectorError> {
        if self.client.flavor() == Flavor::DataCenter {
            self.client.wiki_fields().await?;
        }
        let mut out = Vec::new();
        if let [one] = ids {
            // One issue: read it directly (strongly consistent, unlike search).
            let intent = Intent::new("read an issue").target(format!("issue {one}"));
            let q = [
                ("fields", "*all".to_owned()),
                ("properties", MARKER_PROPERTY.to_owned()),
            ];
            match self
                .client
                .get::<wire::Issue>(&format!("issue/{one}"), &q, &intent)
                .await
            {
                Ok(i) => out.push(self.client.to_item(&i)?),
                Err(e) if matches!(e.kind(), ErrorKind::NotFoundOrHidden { .. }) => {}
                Err(e) => return Err(e),
            }
            return Ok(out);
        }
        // Search is eventually consistent on Cloud; `reconcileIssues` (<= 50) asks for
        // read-after-write consistency for these ids (research jira-api.md §7).
        for chunk in ids.chunks(50) {
            let list: Vec<&str> = chunk
                .iter()
                .map(ItemId::as_str)
                .filter(|s| s.chars().all(|c| c.is_ascii_digit()))
                .collect();
            if list.is_empty() {
                continue;
            }
            let jql = format!("id in ({}) ORDER BY id ASC", list.join(","));
            let reconcile: Vec<String> = match self.client.flavor() {
                Flavor::Cloud => list.iter().map(|s| (*s).to_owned()).collect(),
                Flavor::DataCenter => Vec::new(),
            };
            for i in self.client.search_all(&jql, &reconcile).await? {
                out.push(self.client.to_item(&i)?);
            }
        }
        Ok(out)
    }

    async fn create(&self, item: &NewItem, marker: Marker) -> Result<Written, ConnectorError> {
        let project = self.client.cfg.project.clone();
        let mut fields = self.fields_body(&item.fields, &item.rich_text)?;
        fields
            .entry("project")
            .or_insert_with(|| serde_json::json!({ "key": project }));
        fields
            .entry("issuetype")
            .or_insert_with(|| serde_json::json!({ "name": item.item_type }));
        // The marker is set in the same request, so the issue never exists without it.
        let body = serde_json::to_value(wire::IssueWrite {
            fields: &fields,
            properties: vec![wire::Property {
                key: MARKER_PROPERTY.to_owned(),
                value: convert::marker_value(marker),
            }],
        })
        .map_err(|e| ConnectorError::config(Side::Jira, e.to_string()))?;
        let intent = Intent::new("create an issue").project(project);
        let created: wire::Created = match self
            .client
            .send_json(Method::POST, "issue", body, Idempotency::Unsafe, &intent)
            .await
        {
            Ok(c) => c,
            Err(e) => {
                return Err(self
                    .explain_cannot_be_set(e, "CREATE_ISSUES", "create issues")
                    .await);
            }
        };
        let id = ItemId(created.id);
        let mut w = self.written(&id).await?;
        w.key = created.key;
        Ok(w)
    }

    async fn find_by_marker(
        &self,
        marker: Marker,
        created_since: Timestamp,
    ) -> Result<Vec<RemoteItem>, ConnectorError> {
        let tz = self.client.user_time_zone().await?;
        let jql = format!(
            "{} AND created >= \"{}\" ORDER BY created ASC",
            feed::scope_jql(&self.client),
            jql_date(
                created_since
                    .checked_sub(jiff::SignedDuration::from_mins(1))
                    .unwrap_or(created_since),
                tz.as_deref()
            )
        );
        if self.client.flavor() == Flavor::DataCenter {
            self.client.wiki_fields().await?;
        }
        let mut out = Vec::new();
        for i in self.client.search_all(&jql, &[]).await? {
            if convert::marker_of(&i.properties) == Some(marker) {
                out.push(self.client.to_item(&i)?);
            }
        }
        Ok(out)
    }

    async fn update(
        &self,
        id: &ItemId,
        changes: &FieldChanges,
        guard: Option<&Revision>,
    ) -> Result<Written, ConnectorError> {
        self.check_guard(id, guard).await?;
        if changes.is_empty() {
            return self.written(id).await;
        }
        let plain: std::collections::BTreeMap<String, Value> = changes
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().unwrap_or(Value::Null)))
            .collect();
        let fields = self.fields_body(&plain, &changes.rich_text)?;
        let intent = Intent::new("edit an issue")
            .target(format!("issue {id}"))
            .project(self.client.cfg.project.clone());
        // Setting absolute values is idempotent, so the edit may be retried.
        if let Err(e) = self
            .client
            .request(
                Method::PUT,
                &format!("issue/{id}"),
                &[],
                Body::Json(serde_json::json!({ "fields": fields })),
                Idempotency::Safe,
                &intent,
            )
            .await
        {
            return Err(self
                .explain_cannot_be_set(e, "EDIT_ISSUES", "edit issues")
                .await);
        }
        self.written(id).await
    }

    async fn transitions(&self, id: &ItemId) -> Result<Vec<Transition>, ConnectorError> {
        let intent = Intent::new("list an issue's transitions").target(format!("issue {id}"));
        let t: wire::Transitions = self
            .client
            .get(
                &format!("issue/{id}/transitions"),
                &[("expand", "transitions.fields".to_owned())],
                &intent,
            )
            .await?;
        Ok(t.transitions
            .into_iter()
            .filter_map(|t| {
                let to = convert::state(t.to.as_ref()?);
                Some(Transition {
                    id: t.id,
                    name: t.name,
                    to,
                    required_fields: t
                        .fields
                        .iter()
                        .filter(|(_, m)| m.required && !m.has_default_value)
                        .map(|(k, _)| k.clone())
                        .collect(),
                })
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
        self.check_guard(id, guard).await?;
        let plain: std::collections::BTreeMap<String, Value> = fields
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().unwrap_or(Value::Null)))
            .collect();
        let f = self.fields_body(&plain, &fields.rich_text)?;
        let mut body = serde_json::json!({ "transition": { "id": transition.id } });
        if !f.is_empty() {
            body["fields"] = Value::Object(f);
        }
        let intent = Intent::new("transition an issue")
            .target(format!("issue {id}"))
            .project(self.client.cfg.project.clone());
        self.client
            .request(
                Method::POST,
                &format!("issue/{id}/transitions"),
                &[],
                Body::Json(body),
                Idempotency::Unsafe,
                &intent,
            )
            .await?;
        self.written(id).await
    }

    async fn comments(&self, id: &ItemId) -> Result<Vec<Comment>, ConnectorError> {
        let intent = Intent::new("read comments").target(format!("issue {id}"));
        let mut out = Vec::new();
        let mut start = 0u64;
        loop {
            let page: wire::CommentPage = self
                .client
                .get(
                    &format!("issue/{id}/comment"),
                    &[
                        ("startAt", start.to_string()),
                        ("maxResults", "100".into()),
                        ("orderBy", "created".into()),
                    ],
                    &intent,
                )
                .await?;
            let n = page.comments.len() as u64;
            out.extend(
                page.comments
                    .iter()
                    .filter_map(|c| convert::comment(c, self.client.flavor())),
            );
            start += n;
            if n == 0 || page.total.is_none_or(|t| start >= t) {
                break;
            }
        }
        Ok(out)
    }

    async fn add_comment(&self, id: &ItemId, body: &RichText) -> Result<Comment, ConnectorError> {
        let value = convert::rich_value(body, self.client.flavor())?;
        let intent = Intent::new("add a comment")
            .target(format!("issue {id}"))
            .project(self.client.cfg.project.clone());
        let c: wire::CommentEntry = self
            .client
            .send_json(
                Method::POST,
                &format!("issue/{id}/comment"),
                serde_json::json!({ "body": value }),
                Idempotency::Unsafe,
                &intent,
            )
            .await?;
        convert::comment(&c, self.client.flavor()).ok_or_else(|| {
            ConnectorError::unexpected(Side::Jira, "the created comment has no `created` date")
        })
    }

    async fn download_attachment(&self, attachment: &Attachment) -> Result<Bytes, ConnectorError> {
        let intent = Intent::new("download an attachment")
            .target(format!("attachment {}", attachment.filename))
            .raw();
        let r = match self.client.flavor() {
            // Cloud's content URL answers 303 to a media store; ask for the bytes instead.
            Flavor::Cloud => {
                self.client
                    .request(
                        Method::GET,
                        &format!("attachment/content/{}", attachment.id),
                        &[("redirect", "false".to_owned())],
                        Body::None,
                        Idempotency::Safe,
                        &intent,
                    )
                    .await?
            }
            Flavor::DataCenter => {
                let url = url::Url::parse(&attachment.content_url).map_err(|e| {
                    ConnectorError::unexpected(Side::Jira, format!("attachment URL: {e}"))
                })?;
                if !self.client.same_origin(&url).await {
                    return Err(ConnectorError::unexpected(
                        Side::Jira,
                        "the attachment's content URL is on another host; credentials are not sent there",
                    ));
                }
                self.client
                    .request_url(
                        Method::GET,
                        url,
                        &[],
                        Body::None,
                        Idempotency::Safe,
                        &intent,
                    )
                    .await?
            }
        };
        Ok(r.body)
    }

    async fn upload_attachment(
        &self,
        id: &ItemId,
        filename: &str,
        content: Bytes,
    ) -> Result<Attachment, ConnectorError> {
        let intent = Intent::new("add an attachment")
            .target(format!("issue {id}"))
            .project(self.client.cfg.project.clone());
        let r = self
            .client
            .request(
                Method::POST,
                &format!("issue/{id}/attachments"),
                &[],
                Body::File {
                    filename: filename.to_owned(),
                    content,
                },
                Idempotency::Unsafe,
                &intent,
            )
            .await?;
        let list: Vec<wire::AttachmentEntry> = self.client.transport.decode(&r)?;
        list.first().map(convert::attachment).ok_or_else(|| {
            ConnectorError::unexpected(Side::Jira, "the upload answer lists no attachment")
        })
    }

    async fn add_link(&self, id: &ItemId, link: &NewLink) -> Result<(), ConnectorError> {
        let project = self.client.cfg.project.clone();
        match &link.target {
            LinkTarget::Item(other) => {
                // `{inwardIssue: A, outwardIssue: B, type: Blocks}` means "A blocks B"
                // (research sync-semantics.md §3).
                let (inward, outward) = match link.direction {
                    LinkDirection::Outward | LinkDirection::Undirected => (id, other),
                    LinkDirection::Inward => (other, id),
                };
                let mut body = serde_json::json!({
                    "type": { "name": link.kind },
                    "inwardIssue": { "id": inward.0 },
                    "outwardIssue": { "id": outward.0 },
                });
                if let Some(c) = &link.comment {
                    body["comment"] = serde_json::json!({ "body": convert::rich_value(&RichText::new(TextFormat::Plain, c.clone()), self.client.flavor())? });
                }
                let intent = Intent::new("link issues")
                    .target(format!("issue {id}"))
                    .project(project);
                // Jira accepts a repeated identical link without duplicating it.
                self.client
                    .request(
                        Method::POST,
                        "issueLink",
                        &[],
                        Body::Json(body),
                        Idempotency::Safe,
                        &intent,
                    )
                    .await?;
            }
            LinkTarget::Url(u) => {
                // Remote links upsert by globalId, so this is idempotent.
                let body = serde_json::json!({
                    "globalId": u,
                    "relationship": link.kind,
                    "object": { "url": u, "title": link.comment.clone().unwrap_or_else(|| u.clone()) },
                });
                let intent = Intent::new("add a remote link")
                    .target(format!("issue {id}"))
                    .project(project);
                self.client
                    .request(
                        Method::POST,
                        &format!("issue/{id}/remotelink"),
                        &[],
                        Body::Json(body),
                        Idempotency::Safe,
                        &intent,
                    )
                    .await?;
            }
        }
        Ok(())
    }

    async fn remove_link(&self, id: &ItemId, link: &ItemLink) -> Result<(), ConnectorError> {
        let intent = Intent::new("remove a link").target(format!("issue {id}"));
        let result = match (&link.target, &link.id) {
            (LinkTarget::Item(_), Some(link_id)) => {
                self.client
                    .request(
                        Method::DELETE,
                        &format!("issueLink/{link_id}"),
                        &[],
                        Body::None,
                        Idempotency::Safe,
                        &intent,
                    )
                    .await
            }
            (LinkTarget::Url(u), _) => {
                self.client
                    .request(
                        Method::DELETE,
                        &format!("issue/{id}/remotelink"),
                        &[("globalId", u.clone())],
                        Body::None,
                        Idempotency::Safe,
                        &intent,
                    )
                    .await
            }
            (LinkTarget::Item(_), None) => {
                return Err(ConnectorError::config(
                    Side::Jira,
                    "a Jira issue link is removed by its id, and this one has none",
                ));
            }
        };
        match result {
            Ok(_) => Ok(()),
            // Already gone: the goal is reached.
            Err(e) if matches!(e.kind(), ErrorKind::NotFoundOrHidden { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
