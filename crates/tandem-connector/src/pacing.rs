//! Pacing: rate limits are a budget, not an error (DESIGN.md, sync invariant 6).
//!
//! Every response's rate-limit headers are read ([`RateSignals`]). While the budget is
//! healthy requests go out at full speed; when the remaining budget falls below a fraction
//! of the limit (or Jira flags `X-RateLimit-NearLimit`), requests are spaced so the rest of
//! the budget lasts until the window resets. A `Retry-After` (Jira's 429 and 503, and Azure
//! DevOps' 200-while-delayed) holds all requests until it has passed; Azure DevOps'
//! `X-RateLimit-Delay` is treated the same way.
//!
//! Header sources: Jira Cloud (research jira-api.md §7: `Retry-After`, `X-RateLimit-Limit`,
//! `-Remaining`, `-Reset` ISO-8601, `-NearLimit`, `RateLimit-Reason`), Jira Data Center
//! (§1.3: `X-RateLimit-FillRate`, `-Interval-Seconds`), Azure DevOps (ado-api.md §5:
//! `X-RateLimit-Resource`, `-Delay`, `-Limit`, `-Remaining`, `-Reset` as Unix seconds).

use std::time::Duration;

use http::{HeaderMap, StatusCode};
use parking_lot::Mutex;
use serde::Serialize;
use tokio::time::Instant;

/// How a connector paces and retries.
#[derive(Clone, Debug)]
pub struct PacingSettings {
    /// Start spacing requests when remaining / limit falls below this fraction.
    pub slow_down_below: f64,
    /// The longest spacing between two requests the pacer imposes by itself.
    pub max_spacing: Duration,
    /// Retries of a retryable failure (reads; writes only when provably not applied).
    pub max_retries: usize,
    /// First backoff delay; doubles each retry, with jitter.
    pub min_backoff: Duration,
    /// Longest backoff delay.
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured by waiting; a longer one is returned to the caller
    /// as `RateLimited` so the engine can reschedule instead of hanging.
    pub max_retry_wait: Duration,
}

impl Default for PacingSettings {
    fn default() -> Self {
        Self {
            slow_down_below: 0.2,
            max_spacing: Duration::from_secs(30),
            max_retries: 4,
            min_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_retry_wait: Duration::from_secs(120),
        }
    }
}

/// The rate-limit headers of one response.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RateSignals {
    /// `X-RateLimit-Limit`.
    pub limit: Option<f64>,
    /// `X-RateLimit-Remaining`.
    pub remaining: Option<f64>,
    /// Time until the window resets (from `X-RateLimit-Reset`, ISO-8601 or Unix seconds).
    pub reset_in: Option<Duration>,
    /// `Retry-After` (seconds or HTTP date).
    pub retry_after: Option<Duration>,
    /// Azure DevOps `X-RateLimit-Delay`: how long the server delayed this request.
    pub delay: Option<Duration>,
    /// Jira `X-RateLimit-NearLimit: true`.
    pub near_limit: bool,
    /// Jira Data Center `X-RateLimit-FillRate` (tokens per interval).
    pub fill_rate: Option<f64>,
    /// Jira Data Center `X-RateLimit-Interval-Seconds`.
    pub interval: Option<Duration>,
    /// Which limit: Jira `RateLimit-Reason`, Azure DevOps `X-RateLimit-Resource`.
    pub reason: Option<String>,
}

impl RateSignals {
    /// Reads the signals from response headers, relative to `now`.
    pub fn from_headers(headers: &HeaderMap, now: jiff::Timestamp) -> Self {
        let text = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).map(str::trim);
        let num = |n: &str| {
            text(n)
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|v| v.is_finite())
        };
        let secs = |v: f64| (v >= 0.0).then(|| Duration::from_secs_f64(v.min(86_400.0)));
        let reset_in = text("X-RateLimit-Reset").and_then(|v| {
            if let Ok(epoch) = v.parse::<f64>() {
                // Unix seconds (Azure DevOps).
                let now_s = now.as_millisecond() as f64 / 1000.0;
                secs((epoch - now_s).max(0.0))
            } else {
                v.parse::<jiff::Timestamp>().ok().map(|t| {
                    let ms = (t.as_millisecond() - now.as_millisecond()).max(0);
                    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
                })
            }
        });
        let retry_after = text("Retry-After").and_then(|v| {
            if let Ok(s) = v.parse::<f64>() {
                secs(s)
            } else {
                // HTTP-date form.
                jiff::fmt::rfc2822::parse(v).ok().map(|z| {
                    let ms = (z.timestamp().as_millisecond() - now.as_millisecond()).max(0);
                    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
                })
            }
        });
        Self {
            limit: num("X-RateLimit-Limit"),
            remaining: num("X-RateLimit-Remaining"),
            reset_in,
            retry_after,
            delay: num("X-RateLimit-Delay")
                .and_then(secs)
                .filter(|d| !d.is_zero()),
            near_limit: text("X-RateLimit-NearLimit")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            fill_rate: num("X-RateLimit-FillRate"),
            interval: num("X-RateLimit-Interval-Seconds").and_then(secs),
            reason: text("RateLimit-Reason")
                .or_else(|| text("X-RateLimit-Resource"))
                .map(str::to_owned),
        }
    }

    /// The spacing these signals call for between requests (zero while the budget is healthy).
    pub fn spacing(&self, settings: &PacingSettings) -> Duration {
        let low = match (self.limit, self.remaining) {
            (Some(l), Some(r)) if l > 0.0 => r / l < settings.slow_down_below,
            (None, Some(r)) => r <= 1.0,
            _ => false,
        };
        if !(low || self.near_limit) {
            return Duration::ZERO;
        }
        let remaining = self.remaining.unwrap_or(0.0).max(0.0);
        // Each header that says how fast the budget refills gives a pace; follow the
        // slowest. Without any, a gentle fixed pace.
        let mut candidates = Vec::new();
        if let Some(reset) = self.reset_in {
            candidates.push(reset.div_f64(remaining + 1.0));
        }
        match (self.fill_rate, self.interval, self.limit) {
            (Some(rate), Some(interval), _) if rate > 0.0 => {
                candidates.push(interval.div_f64(rate));
            }
            (_, Some(interval), Some(limit)) if limit > 0.0 => {
                candidates.push(interval.div_f64(limit));
            }
            _ => {}
        }
        let spacing = candidates
            .into_iter()
            .max()
            .unwrap_or(Duration::from_millis(250));
        spacing.min(settings.max_spacing)
    }
}

/// Counters of what pacing did, for logs, `tandem doctor` and benchmarks.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PaceStats {
    /// Responses observed.
    pub responses: u64,
    /// 429 responses.
    pub throttled: u64,
    /// Requests held back by the pacer before being sent.
    pub paced: u64,
    /// Total time requests were held back.
    pub paced_for: Duration,
    /// Retries made.
    pub retries: u64,
    /// The last signals seen that carried any rate-limit header.
    pub last_signals: Option<RateSignals>,
}

#[derive(Debug)]
struct PaceState {
    next_slot: Instant,
    spacing: Duration,
    hold_until: Option<Instant>,
    stats: PaceStats,
}

/// Spaces requests according to the signals of earlier responses. One per connector, shared
/// by all its concurrent requests.
#[derive(Debug)]
pub struct Pacer {
    settings: PacingSettings,
    state: Mutex<PaceState>,
}

impl Pacer {
    /// A pacer with no budget information yet.
    pub fn new(settings: PacingSettings) -> Self {
        Self {
            settings,
            state: Mutex::new(PaceState {
                next_slot: Instant::now(),
                spacing: Duration::ZERO,
                hold_until: None,
                stats: PaceStats::default(),
            }),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &PacingSettings {
        &self.settings
    }

    /// Waits until this request may go out, and books the next slot.
    pub async fn wait_turn(&self) {
        let now = Instant::now();
        let at = {
            let mut s = self.state.lock();
            let mut at = now.max(s.next_slot);
            if let Some(h) = s.hold_until {
                at = at.max(h);
            }
            s.next_slot = at + s.spacing;
            if at > now {
                s.stats.paced += 1;
                s.stats.paced_for += at - now;
            }
            at
        };
        if at > now {
            tracing::debug!(
                wait_ms = crate::time::millis(at - now),
                "pacing: holding a request"
            );
            tokio::time::sleep_until(at).await;
        }
    }

    /// Reads a response's rate-limit headers and adjusts the pace.
    pub fn observe(&self, status: StatusCode, headers: &HeaderMap) -> RateSignals {
        let signals = RateSignals::from_headers(headers, jiff::Timestamp::now());
        let now = Instant::now();
        let mut s = self.state.lock();
        s.stats.responses += 1;
        if status == StatusCode::TOO_MANY_REQUESTS {
            s.stats.throttled += 1;
        }
        let has_any = signals.limit.is_some()
            || signals.remaining.is_some()
            || signals.retry_after.is_some()
            || signals.delay.is_some()
            || signals.near_limit;
        if !has_any {
            // Both products send these headers only near (or past) the limit, so a response
            // without them means the budget is healthy again: stop spacing. A Retry-After
            // hold already in force still applies.
            s.spacing = Duration::ZERO;
            return signals;
        }
        s.spacing = signals.spacing(&self.settings);
        let hold = signals.retry_after.or(signals.delay);
        if let Some(d) = hold {
            // Never hold longer than the caller is willing to wait; a longer Retry-After is
            // surfaced as an error by the transport instead.
            let until = now + d.min(self.settings.max_retry_wait);
            s.hold_until = Some(s.hold_until.map_or(until, |h| h.max(until)));
        }
        s.stats.last_signals = Some(signals.clone());
        signals
    }

    /// Counts a retry.
    pub fn count_retry(&self) {
        self.state.lock().stats.retries += 1;
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> PaceStats {
        self.state.lock().stats.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    fn now() -> jiff::Timestamp {
        "2026-01-01T01:00:00Z".parse().unwrap()
    }

    #[test]
    fn reads_jira_cloud_429_headers() {
        let s = RateSignals::from_headers(
            &headers(&[
                ("Retry-After", "5"),
                ("X-RateLimit-Limit", "100"),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", "2026-01-01T01:01:01Z"),
                ("X-RateLimit-NearLimit", "true"),
                ("RateLimit-Reason", "jira-burst-based"),
            ]),
            now(),
        );
        assert_eq!(s.retry_after, Some(Duration::from_secs(5)));
        assert_eq!(s.reset_in, Some(Duration::from_secs(61)));
        assert!(s.near_limit);
        assert_eq!(s.reason.as_deref(), Some("jira-burst-based"));
        // Nothing left: spread the wait over the whole window.
        assert_eq!(
            s.spacing(&PacingSettings::default()),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn reads_ado_headers_with_epoch_reset() {
        let reset = now().as_second() + 60;
        let s = RateSignals::from_headers(
            &headers(&[
                ("X-RateLimit-Resource", "Core"),
                ("X-RateLimit-Delay", "0.500"),
                ("X-RateLimit-Limit", "200"),
                ("X-RateLimit-Remaining", "19"),
                ("X-RateLimit-Reset", &reset.to_string()),
            ]),
            now(),
        );
        assert_eq!(s.delay, Some(Duration::from_millis(500)));
        assert_eq!(s.reset_in, Some(Duration::from_secs(60)));
        assert_eq!(
            s.spacing(&PacingSettings::default()),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn interval_and_limit_pace_when_the_reset_is_now() {
        let s = RateSignals::from_headers(
            &headers(&[
                ("X-RateLimit-Limit", "5"),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Interval-Seconds", "1"),
                ("X-RateLimit-Reset", "2026-01-01T01:00:00Z"),
            ]),
            now(),
        );
        assert_eq!(
            s.spacing(&PacingSettings::default()),
            Duration::from_millis(200)
        );
    }

    #[test]
    fn healthy_budget_means_no_spacing() {
        let s = RateSignals::from_headers(
            &headers(&[
                ("X-RateLimit-Limit", "100"),
                ("X-RateLimit-Remaining", "80"),
            ]),
            now(),
        );
        assert_eq!(s.spacing(&PacingSettings::default()), Duration::ZERO);
    }

    #[test]
    fn data_center_fill_rate() {
        let s = RateSignals::from_headers(
            &headers(&[
                ("X-RateLimit-Limit", "20"),
                ("X-RateLimit-Remaining", "1"),
                ("X-RateLimit-FillRate", "10"),
                ("X-RateLimit-Interval-Seconds", "1"),
            ]),
            now(),
        );
        assert_eq!(
            s.spacing(&PacingSettings::default()),
            Duration::from_millis(100)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_holds_the_next_request() {
        let p = Pacer::new(PacingSettings::default());
        p.observe(
            StatusCode::TOO_MANY_REQUESTS,
            &headers(&[("Retry-After", "2")]),
        );
        let t0 = Instant::now();
        p.wait_turn().await;
        assert!(Instant::now() - t0 >= Duration::from_secs(2));
        let st = p.stats();
        assert_eq!(st.throttled, 1);
        assert_eq!(st.paced, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn spacing_stops_when_the_headers_do() {
        let p = Pacer::new(PacingSettings::default());
        let reset = (jiff::Timestamp::now().as_second() + 60).to_string();
        p.observe(
            StatusCode::OK,
            &headers(&[
                ("X-RateLimit-Limit", "100"),
                ("X-RateLimit-Remaining", "1"),
                ("X-RateLimit-Reset", &reset),
            ]),
        );
        p.observe(StatusCode::OK, &HeaderMap::new());
        let t0 = Instant::now();
        p.wait_turn().await;
        p.wait_turn().await;
        assert!(Instant::now() - t0 < Duration::from_millis(10));
    }

    #[tokio::test(start_paused = true)]
    async fn low_budget_spaces_requests() {
        let p = Pacer::new(PacingSettings::default());
        p.observe(
            StatusCode::OK,
            &headers(&[
                ("X-RateLimit-Limit", "100"),
                ("X-RateLimit-Remaining", "9"),
                (
                    "X-RateLimit-Reset",
                    &(jiff::Timestamp::now().as_second() + 10).to_string(),
                ),
            ]),
        );
        let t0 = Instant::now();
        p.wait_turn().await;
        p.wait_turn().await;
        p.wait_turn().await;
        // Two gaps of about 1 s (10 s / 10 slots).
        let elapsed = Instant::now() - t0;
        assert!(elapsed >= Duration::from_millis(1800), "{elapsed:?}");
    }
}
