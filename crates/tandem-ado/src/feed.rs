//! The Azure DevOps change feed: work items of the project changed since a cursor, oldest
//! first.
//!
//! WIQL returns ids only and has no continuation: `[System.ChangedDate] >= cursor` with
//! `timePrecision=true`, then the ids are read in `workitemsbatch` chunks of 200. A WIQL
//! result is capped at 20,000 ids (VS402337); on that error the date window is split in two
//! and each half queried, recursively (research ado-api.md §3).

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use http::Method;
use jiff::{SignedDuration, Timestamp};
use tandem_connector::error::{ConnectorError, ErrorKind, Side};
use tandem_connector::transport::{Idempotency, Intent};
use tandem_connector::{ChangeFeed, RemoteItem};

use crate::client::{AdoClient, Body, Scope};
use crate::convert::{wiql_quote, wiql_time};
use crate::wire;

/// The feed returned by [`crate::AdoConnector`]'s `changes`.
#[derive(Debug)]
pub struct AdoFeed {
    client: Arc<AdoClient>,
    since: Option<Timestamp>,
    started: bool,
    /// Date windows still to query, the next one last. `(from, to)`: `from` inclusive,
    /// `to` exclusive, `None` = unbounded.
    windows: Vec<(Option<Timestamp>, Option<Timestamp>)>,
    queue: VecDeque<i64>,
    seen: HashSet<(String, String)>,
    /// WIQL queries made (for tests and figures).
    pub(crate) wiql_calls: u32,
}

impl AdoFeed {
    pub(crate) fn new(client: Arc<AdoClient>, since: Option<Timestamp>) -> Self {
        Self {
            client,
            since,
            started: false,
            windows: Vec::new(),
            queue: VecDeque::new(),
            seen: HashSet::new(),
            wiql_calls: 0,
        }
    }

    /// How many WIQL queries this feed has run (window bisection shows here).
    pub fn wiql_calls(&self) -> u32 {
        self.wiql_calls
    }
}

/// `[System.TeamProject] = 'P' AND [System.AreaPath] UNDER 'P\A' AND (filter)`.
pub(crate) fn scope_clause(client: &AdoClient) -> String {
    let mut w = format!("[System.TeamProject] = {}", wiql_quote(&client.cfg.project));
    if let Some(a) = client
        .cfg
        .area_path
        .as_deref()
        .filter(|a| !a.trim().is_empty())
    {
        w.push_str(&format!(" AND [System.AreaPath] UNDER {}", wiql_quote(a)));
    }
    if let Some(f) = client
        .cfg
        .wiql_filter
        .as_deref()
        .filter(|f| !f.trim().is_empty())
    {
        w.push_str(&format!(" AND ({f})"));
    }
    w
}

fn is_size_limit(e: &ConnectorError) -> bool {
    matches!(e.kind(), ErrorKind::BadRequest)
        && (e.evidence().code.as_deref() == Some("VS402337")
            || e.evidence().messages.iter().any(|m| m.contains("VS402337")))
}

impl AdoClient {
    /// Runs a flat WIQL query (`timePrecision=true`), returning ids in the query's order.
    pub(crate) async fn wiql(
        &self,
        query: &str,
        top: Option<u32>,
    ) -> Result<Vec<i64>, ConnectorError> {
        let url = self.url(Scope::Project, &["wit", "wiql"])?;
        let mut q = vec![("timePrecision", "true".to_owned())];
        if let Some(t) = top {
            q.push(("$top", t.to_string()));
        }
        let intent = Intent::new("query work items").project(self.cfg.project.clone());
        let r: wire::WiqlResult = self
            .fetch(
                Method::POST,
                url,
                &q,
                Body::Json(serde_json::json!({ "query": query })),
                Idempotency::Safe,
                &intent,
            )
            .await?;
        Ok(r.work_items.into_iter().map(|w| w.id).collect())
    }

    /// Reads up to 200 work items with relations (`errorPolicy=omit`: missing and hidden
    /// ids are left out).
    pub(crate) async fn batch(&self, ids: &[i64]) -> Result<Vec<wire::WorkItem>, ConnectorError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let url = self.url(Scope::Project, &["wit", "workitemsbatch"])?;
        let intent = Intent::new("read work items").project(self.cfg.project.clone());
        // `$expand` and `fields` cannot be combined (research ado-api.md §3): all fields.
        let body = serde_json::json!({ "ids": ids, "$expand": "Relations", "errorPolicy": "Omit" });
        let b: wire::Batch = self
            .fetch(
                Method::POST,
                url,
                &[],
                Body::Json(body),
                Idempotency::Safe,
                &intent,
            )
            .await?;
        Ok(b.value.into_iter().flatten().collect())
    }

    /// The oldest `System.ChangedDate` in scope (to bound a window for bisection).
    async fn oldest_change(&self, scope: &str) -> Result<Option<Timestamp>, ConnectorError> {
        let ids = self
            .wiql(&format!("SELECT [System.Id] FROM WorkItems WHERE {scope} ORDER BY [System.ChangedDate] ASC"), Some(1))
            .await?;
        let Some(first) = ids.first() else {
            return Ok(None);
        };
        let items = self.batch(&[*first]).await?;
        Ok(items
            .first()
            .and_then(|w| w.fields.get("System.ChangedDate"))
            .and_then(|v| v.as_str())
            .and_then(tandem_connector::time::parse_timestamp))
    }
}

impl ChangeFeed for AdoFeed {
    async fn next_page(&mut self) -> Result<Option<Vec<RemoteItem>>, ConnectorError> {
        if !self.started {
            self.started = true;
            let from = self.since.map(|s| {
                s.checked_sub(
                    SignedDuration::try_from(self.client.cfg.feed.overlap).unwrap_or_default(),
                )
                .unwrap_or(s)
            });
            self.windows.push((from, None));
            self.client.html_fields().await?;
        }
        let batch_size = self.client.cfg.feed.batch_size.clamp(1, 200);
        loop {
            if !self.queue.is_empty() {
                let n = batch_size.min(self.queue.len());
                let ids: Vec<i64> = self.queue.drain(..n).collect();
                let raw = self.client.batch(&ids).await?;
                // Keep WIQL's order (by ChangedDate); the batch may answer in another.
                let mut by_id: std::collections::HashMap<i64, wire::WorkItem> =
                    raw.into_iter().map(|w| (w.id, w)).collect();
                let ordered: Vec<wire::WorkItem> =
                    ids.iter().filter_map(|id| by_id.remove(id)).collect();
                let items = self.client.to_items(&ordered).await?;
                let fresh: Vec<RemoteItem> = items
                    .into_iter()
                    .filter(|i| self.seen.insert((i.id.0.clone(), i.revision.0.clone())))
                    .collect();
                if !fresh.is_empty() {
                    return Ok(Some(fresh));
                }
                continue;
            }
            let Some((from, to)) = self.windows.pop() else {
                return Ok(None);
            };
            let scope = scope_clause(&self.client);
            let mut query = format!("SELECT [System.Id] FROM WorkItems WHERE {scope}");
            if let Some(f) = from {
                query.push_str(&format!(" AND [System.ChangedDate] >= {}", wiql_time(f)));
            }
            if let Some(t) = to {
                query.push_str(&format!(" AND [System.ChangedDate] < {}", wiql_time(t)));
            }
            query.push_str(" ORDER BY [System.ChangedDate] ASC");
            self.wiql_calls += 1;
            match self.client.wiql(&query, None).await {
                Ok(ids) => self.queue.extend(ids),
                Err(e) if is_size_limit(&e) => {
                    let lo = match from {
                        Some(f) => f,
                        None => match self.client.oldest_change(&scope).await? {
                            Some(t) => t,
                            None => return Err(e),
                        },
                    };
                    let hi = to.unwrap_or_else(|| Timestamp::now() + SignedDuration::from_secs(1));
                    let span = hi.duration_since(lo);
                    if span <= SignedDuration::from_millis(1) {
                        return Err(ConnectorError::new(
                            Side::Ado,
                            ErrorKind::UnexpectedResponse {
                                detail: "more than 20,000 work items changed within one millisecond; narrow the \
                                         scope with an area path or a WIQL filter"
                                    .into(),
                            },
                        ));
                    }
                    let mid = lo + span / 2;
                    tracing::debug!(side = %Side::Ado, from = %lo, to = %hi, "WIQL window too large (VS402337): splitting");
                    // Older half last, so it is popped first.
                    self.windows.push((Some(mid), to));
                    self.windows.push((Some(lo), Some(mid)));
                }
                Err(e) => return Err(e),
            }
        }
    }
}
