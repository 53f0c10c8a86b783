//! Request counting and the request log, so tests and benchmarks can count API calls.
//!
//! `GET /_sim/stats` returns [`StatsSnapshot`]: `total` requests served (the `/_sim/` admin API
//! excluded), `writes` (POST, PUT, PATCH, DELETE among them), `by_route` (`"METHOD template"`
//! -> count, e.g. `"GET /rest/api/3/issue/{issueIdOrKey}"`), `by_status`, and `counters`:
//! named side effects a half reports (e.g. `jira.attachments_deleted_with_media`).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use serde::Serialize;

/// Live counters of one half's server.
#[derive(Debug, Default)]
pub struct Stats {
    total: AtomicU64,
    writes: AtomicU64,
    by_route: Mutex<HashMap<Arc<str>, u64>>,
    by_status: Mutex<HashMap<u16, u64>>,
    counters: Mutex<BTreeMap<String, u64>>,
}

/// What `GET /_sim/stats` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct StatsSnapshot {
    /// Requests served, `/_sim/` excluded.
    pub total: u64,
    /// POST, PUT, PATCH and DELETE requests among them.
    pub writes: u64,
    /// `"METHOD /route/{template}"` -> count.
    pub by_route: BTreeMap<String, u64>,
    /// Response status -> count (as strings, for JSON).
    pub by_status: BTreeMap<String, u64>,
    /// Named side effects reported by the half.
    pub counters: BTreeMap<String, u64>,
}

impl StatsSnapshot {
    /// Requests that changed something: `writes` less the POSTs that only read (Jira's
    /// search, Azure DevOps's WIQL and `workitemsbatch`). What "zero writes on the second
    /// pass" is measured with.
    #[must_use]
    pub fn mutating(&self) -> u64 {
        self.by_route
            .iter()
            .filter(|(route, _)| {
                let method = route.split(' ').next().unwrap_or_default();
                matches!(method, "POST" | "PUT" | "PATCH" | "DELETE")
                    && !route.contains("wiql")
                    && !route.contains("workitemsbatch")
                    && !route.contains("/search")
            })
            .map(|(_, n)| n)
            .sum()
    }
}

/// Whether a method counts as a write.
pub fn is_write(method: &http::Method) -> bool {
    matches!(
        *method,
        http::Method::POST | http::Method::PUT | http::Method::PATCH | http::Method::DELETE
    )
}

impl Stats {
    /// Records one served request.
    pub fn record(&self, route: &Arc<str>, write: bool, status: u16) {
        self.total.fetch_add(1, Ordering::Relaxed);
        if write {
            self.writes.fetch_add(1, Ordering::Relaxed);
        }
        {
            let mut map = self.by_route.lock();
            if let Some(n) = map.get_mut(route) {
                *n += 1;
            } else {
                map.insert(route.clone(), 1);
            }
        }
        *self.by_status.lock().entry(status).or_insert(0) += 1;
    }

    /// Adds `n` to a named side-effect counter.
    pub fn bump(&self, counter: &str, n: u64) {
        *self.counters.lock().entry(counter.to_owned()).or_insert(0) += n;
    }

    /// A copy of the counters.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            total: self.total.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
            by_route: self
                .by_route
                .lock()
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            by_status: self
                .by_status
                .lock()
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            counters: self.counters.lock().clone(),
        }
    }

    /// Zeroes everything.
    pub fn reset(&self) {
        self.total.store(0, Ordering::Relaxed);
        self.writes.store(0, Ordering::Relaxed);
        self.by_route.lock().clear();
        self.by_status.lock().clear();
        self.counters.lock().clear();
    }
}

/// One line of the request log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LogEntry {
    /// Sequence number since start (never reset).
    pub seq: u64,
    /// When the response was sent, ms since the epoch (simulated clock).
    pub at_ms: i64,
    /// HTTP method.
    pub method: String,
    /// Path and query as received.
    pub uri: String,
    /// The route template (`"METHOD /template"`), or `"METHOD (unmatched)"`.
    pub route: String,
    /// Response status; 0 when the connection was dropped or hung up.
    pub status: u16,
    /// Who the half authenticated the request as (e.g. an accountId, `anonymous`), if known.
    pub actor: Option<String>,
    /// The fault injected, if any (`drop`, `hang`, `error`, `html_login`).
    pub fault: Option<String>,
}

/// The last `capacity` requests.
#[derive(Debug)]
pub struct RequestLog {
    capacity: usize,
    seq: AtomicU64,
    entries: Mutex<VecDeque<LogEntry>>,
}

impl RequestLog {
    /// A log keeping the last `capacity` requests.
    pub fn new(capacity: usize) -> Self {
        RequestLog {
            capacity,
            seq: AtomicU64::new(0),
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(1024))),
        }
    }

    /// Appends an entry (its `seq` is assigned here).
    pub fn push(&self, mut entry: LogEntry) {
        entry.seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let mut q = self.entries.lock();
        if q.len() >= self.capacity {
            q.pop_front();
        }
        q.push_back(entry);
    }

    /// The newest `limit` entries, oldest first.
    pub fn tail(&self, limit: usize) -> Vec<LogEntry> {
        let q = self.entries.lock();
        let skip = q.len().saturating_sub(limit);
        q.iter().skip(skip).cloned().collect()
    }

    /// Empties the log.
    pub fn clear(&self) {
        self.entries.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_writes_and_routes() {
        let s = Stats::default();
        let get: Arc<str> = Arc::from("GET /a/{id}");
        let post: Arc<str> = Arc::from("POST /a");
        s.record(&get, false, 200);
        s.record(&get, false, 404);
        s.record(&post, true, 201);
        s.bump("x", 2);
        let snap = s.snapshot();
        assert_eq!(snap.total, 3);
        assert_eq!(snap.writes, 1);
        assert_eq!(snap.by_route["GET /a/{id}"], 2);
        assert_eq!(snap.by_status["404"], 1);
        assert_eq!(snap.counters["x"], 2);
        s.reset();
        assert_eq!(s.snapshot().total, 0);
    }

    #[test]
    fn log_keeps_the_newest() {
        let log = RequestLog::new(2);
        for i in 0..3 {
            log.push(LogEntry {
                seq: 0,
                at_ms: i,
                method: "GET".into(),
                uri: format!("/{i}"),
                route: "GET /".into(),
                status: 200,
                actor: None,
                fault: None,
            });
        }
        let t = log.tail(10);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].uri, "/1");
        assert_eq!(t[1].seq, 3);
    }
}
