//! The Jira change feed: issues of the project updated since a cursor, oldest first.
//!
//! Jira Cloud pages with `search/jql` and `nextPageToken` (the old `/search` answers 410;
//! research jira-api.md §7). Data Center only has offset paging on `/search`, which skips
//! items when earlier ones move to the end of an `ORDER BY updated` result mid-scan; so the
//! DC feed pages by key instead: each page asks again from the newest minute seen so far
//! (`updated >= anchor`), and only falls back to an offset inside a minute that holds more
//! than a page of issues. Both feeds drop what they already returned (same id and `updated`).

use std::collections::HashSet;
use std::sync::Arc;

use jiff::Timestamp;
use tandem_connector::error::ConnectorError;
use tandem_connector::{ChangeFeed, RemoteItem};

use crate::client::{JiraClient, MARKER_PROPERTY};
use crate::config::Flavor;
use crate::convert::{jql_date, jql_quote};
use crate::wire;

/// The feed returned by [`crate::JiraConnector`]'s `changes`.
#[derive(Debug)]
pub struct JiraFeed {
    client: Arc<JiraClient>,
    since: Option<Timestamp>,
    state: State,
    seen: HashSet<(String, String)>,
}

#[derive(Debug)]
enum State {
    Start,
    Cloud {
        jql: String,
        token: Option<String>,
    },
    DataCenter {
        scope: String,
        anchor: Option<Timestamp>,
        start_at: u64,
    },
    Done,
}

/// `project = "KEY" AND (filter)`.
pub(crate) fn scope_jql(client: &JiraClient) -> String {
    let mut jql = format!("project = {}", jql_quote(&client.cfg.project));
    if let Some(f) = client
        .cfg
        .jql_filter
        .as_deref()
        .filter(|f| !f.trim().is_empty())
    {
        jql.push_str(&format!(" AND ({f})"));
    }
    jql
}

impl JiraFeed {
    pub(crate) fn new(client: Arc<JiraClient>, since: Option<Timestamp>) -> Self {
        Self {
            client,
            since,
            state: State::Start,
            seen: HashSet::new(),
        }
    }

    async fn start(&mut self) -> Result<(), ConnectorError> {
        let scope = scope_jql(&self.client);
        let from = self.since.map(|s| {
            s.checked_sub(
                jiff::SignedDuration::try_from(self.client.cfg.feed.overlap).unwrap_or_default(),
            )
            .unwrap_or(s)
        });
        self.state = match self.client.flavor() {
            Flavor::Cloud => {
                let mut jql = scope;
                if let Some(from) = from {
                    let tz = self.client.user_time_zone().await?;
                    jql.push_str(&format!(
                        " AND updated >= \"{}\"",
                        jql_date(from, tz.as_deref())
                    ));
                }
                jql.push_str(" ORDER BY updated ASC, key ASC");
                State::Cloud { jql, token: None }
            }
            Flavor::DataCenter => State::DataCenter {
                scope,
                anchor: from,
                start_at: 0,
            },
        };
        Ok(())
    }

    fn fresh(&mut self, issues: &[wire::Issue]) -> Result<Vec<RemoteItem>, ConnectorError> {
        let mut out = Vec::with_capacity(issues.len());
        for i in issues {
            let item = self.client.to_item(i)?;
            if self
                .seen
                .insert((item.id.0.clone(), item.revision.0.clone()))
            {
                out.push(item);
            }
        }
        Ok(out)
    }
}

impl ChangeFeed for JiraFeed {
    async fn next_page(&mut self) -> Result<Option<Vec<RemoteItem>>, ConnectorError> {
        loop {
            if matches!(self.state, State::Start) {
                self.start().await?;
                if self.client.flavor() == Flavor::DataCenter {
                    // Warm the wiki-field list before the first conversion.
                    self.client.wiki_fields().await?;
                }
            }
            let page_size = self.client.cfg.feed.page_size;
            match &mut self.state {
                State::Start => {}
                State::Done => return Ok(None),
                State::Cloud { jql, token } => {
                    let page = self
                        .client
                        .search_jql(jql, token.as_deref(), page_size, &[])
                        .await?;
                    let next = page
                        .next_page_token
                        .filter(|_| page.is_last != Some(true) && !page.issues.is_empty());
                    match next {
                        Some(t) => *token = Some(t),
                        None => self.state = State::Done,
                    }
                    let items = self.fresh(&page.issues)?;
                    if items.is_empty() && matches!(self.state, State::Done) {
                        return Ok(None);
                    }
                    if !items.is_empty() {
                        return Ok(Some(items));
                    }
                }
                State::DataCenter {
                    scope,
                    anchor,
                    start_at,
                } => {
                    let tz = self.client.user_time_zone().await?;
                    let mut jql = scope.clone();
                    if let Some(a) = anchor {
                        jql.push_str(&format!(
                            " AND updated >= \"{}\"",
                            jql_date(*a, tz.as_deref())
                        ));
                    }
                    jql.push_str(" ORDER BY updated ASC, key ASC");
                    let page = self.client.search_dc(&jql, *start_at, page_size).await?;
                    let n = page.issues.len() as u64;
                    let last_minute = page
                        .issues
                        .iter()
                        .filter_map(|i| i.fields.get("updated").and_then(|v| v.as_str()))
                        .filter_map(tandem_connector::time::parse_timestamp)
                        .max()
                        .map(|t| jql_date(t, tz.as_deref()));
                    let anchor_minute = anchor.map(|a| jql_date(a, tz.as_deref()));
                    if n < u64::from(page_size) {
                        self.state = State::Done;
                    } else if last_minute.is_some() && last_minute != anchor_minute {
                        // Move the anchor to the newest minute seen; re-read from its start.
                        *anchor = page
                            .issues
                            .iter()
                            .filter_map(|i| i.fields.get("updated").and_then(|v| v.as_str()))
                            .filter_map(tandem_connector::time::parse_timestamp)
                            .max();
                        *start_at = 0;
                    } else {
                        // A whole page inside one minute: step through it by offset.
                        *start_at += n;
                    }
                    let items = self.fresh(&page.issues)?;
                    if !items.is_empty() {
                        return Ok(Some(items));
                    }
                    if matches!(self.state, State::Done) {
                        return Ok(None);
                    }
                }
            }
        }
    }
}

impl JiraClient {
    /// One page of Cloud `GET search/jql`, with all fields and the marker property.
    pub(crate) async fn search_jql(
        &self,
        jql: &str,
        token: Option<&str>,
        page_size: u32,
        reconcile: &[String],
    ) -> Result<wire::JqlPage, ConnectorError> {
        let mut q = vec![
            ("jql", jql.to_owned()),
            ("maxResults", page_size.to_string()),
            ("fields", "*all".to_owned()),
            ("properties", MARKER_PROPERTY.to_owned()),
        ];
        if let Some(t) = token {
            q.push(("nextPageToken", t.to_owned()));
        }
        for id in reconcile {
            q.push(("reconcileIssues", id.clone()));
        }
        let intent = tandem_connector::transport::Intent::new("search issues")
            .project(self.cfg.project.clone());
        self.get("search/jql", &q, &intent).await
    }

    /// One page of Data Center `GET search` (offset paging).
    pub(crate) async fn search_dc(
        &self,
        jql: &str,
        start_at: u64,
        page_size: u32,
    ) -> Result<wire::SearchPage, ConnectorError> {
        let q = vec![
            ("jql", jql.to_owned()),
            ("startAt", start_at.to_string()),
            ("maxResults", page_size.to_string()),
            ("fields", "*all".to_owned()),
            ("properties", MARKER_PROPERTY.to_owned()),
        ];
        let intent = tandem_connector::transport::Intent::new("search issues")
            .project(self.cfg.project.clone());
        self.get("search", &q, &intent).await
    }

    /// Every issue matching `jql` (callers keep it narrow).
    pub(crate) async fn search_all(
        &self,
        jql: &str,
        reconcile: &[String],
    ) -> Result<Vec<wire::Issue>, ConnectorError> {
        let page_size = self.cfg.feed.page_size;
        let mut out = Vec::new();
        match self.flavor() {
            Flavor::Cloud => {
                let mut token: Option<String> = None;
                loop {
                    let page = self
                        .search_jql(jql, token.as_deref(), page_size, reconcile)
                        .await?;
                    let done = page.issues.is_empty()
                        || page.is_last == Some(true)
                        || page.next_page_token.is_none();
                    token = page.next_page_token;
                    out.extend(page.issues);
                    if done {
                        break;
                    }
                }
            }
            Flavor::DataCenter => {
                let mut start_at = 0u64;
                loop {
                    let page = self.search_dc(jql, start_at, page_size).await?;
                    let n = page.issues.len() as u64;
                    out.extend(page.issues);
                    start_at += n;
                    if n == 0
                        || page.total.is_some_and(|t| start_at >= t)
                        || n < u64::from(page_size)
                    {
                        break;
                    }
                }
            }
        }
        Ok(out)
    }
}
