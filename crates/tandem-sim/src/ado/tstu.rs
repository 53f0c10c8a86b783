//! The TSTU rate-limit model (learn.microsoft.com …/integrate/concepts/rate-limits, research
//! ado-api.md §5): each identity's usage is the sum of request costs in a sliding window
//! (200 TSTU per 5 minutes by default). Past the limit requests are *delayed* but still
//! succeed (`Retry-After`, `X-RateLimit-Delay`, `X-RateLimit-Remaining: 0`); past `block_at`
//! they are refused with 429 TF400733. `X-RateLimit-Resource/Limit/Remaining/Reset` are sent
//! before delays start, so clients can slow down early.

use std::collections::{HashMap, VecDeque};

use parking_lot::Mutex;

use super::error::AdoError;
use super::identity::IdentityIdx;
use super::spec::RateLimitSpec;

/// What kind of request, for its cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    Read,
    Write,
    Query,
}

/// The verdict for one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Headers to add to the response.
    pub headers: Vec<(&'static str, String)>,
    /// How long to hold the response (0 when not delayed).
    pub delay_ms: u64,
}

#[derive(Debug, Default)]
struct Usage {
    events: VecDeque<(i64, f64)>,
    total: f64,
}

impl Usage {
    fn expire(&mut self, now: i64, window_ms: i64) {
        while let Some(&(t, c)) = self.events.front() {
            if now - t < window_ms {
                break;
            }
            self.events.pop_front();
            self.total -= c;
        }
        if self.events.is_empty() {
            self.total = 0.0;
        }
    }
}

#[derive(Debug)]
pub struct RateLimiter {
    spec: RateLimitSpec,
    usage: Mutex<HashMap<IdentityIdx, Usage>>,
}

/// The resource name the headers and TF400733 report.
const RESOURCE: &str = "Core";

impl RateLimiter {
    pub fn new(spec: RateLimitSpec) -> Self {
        Self {
            spec,
            usage: Mutex::new(HashMap::new()),
        }
    }

    pub fn enabled(&self) -> bool {
        self.spec.enabled
    }

    fn window_ms(&self) -> i64 {
        i64::try_from(self.spec.window_seconds.saturating_mul(1000)).unwrap_or(i64::MAX)
    }

    /// Account for one request by `who` at `now`.
    pub fn check(&self, who: IdentityIdx, cost: Cost, now: i64) -> Result<Decision, AdoError> {
        if !self.spec.enabled {
            return Ok(Decision {
                headers: Vec::new(),
                delay_ms: 0,
            });
        }
        let window = self.window_ms();
        let price = match cost {
            Cost::Read => self.spec.read_cost,
            Cost::Write => self.spec.write_cost,
            Cost::Query => self.spec.query_cost,
        };
        let mut all = self.usage.lock();
        let usage = all.entry(who).or_default();
        usage.expire(now, window);
        if usage.total >= self.spec.block_at {
            // Blocked: not counted. Retry when enough of the window has slid past.
            let mut remaining = usage.total;
            let mut at = now;
            for &(t, c) in &usage.events {
                remaining -= c;
                at = t + window;
                if remaining < self.spec.block_at {
                    break;
                }
            }
            let secs = u64::try_from(((at - now).max(1000) + 999) / 1000).unwrap_or(1);
            let mut e = AdoError::rate_limited(RESOURCE, secs);
            for h in self.headers(usage.total, usage, now, window) {
                e = e.with_header(h.0, h.1);
            }
            return Err(e);
        }
        // Requests in the same second share one entry, so a busy identity keeps at most one
        // entry per second of the window.
        match usage.events.back_mut() {
            Some((t, c)) if now - *t < 1000 => *c += price,
            _ => usage.events.push_back((now, price)),
        }
        usage.total += price;
        let total = usage.total;
        let mut headers = Vec::new();
        let near = total >= self.spec.limit * 0.8;
        if self.spec.always_send_headers || near {
            headers = self.headers(total, usage, now, window);
        }
        let mut delay_ms = 0;
        if total > self.spec.limit {
            let span = (self.spec.block_at - self.spec.limit).max(f64::EPSILON);
            let share = ((total - self.spec.limit) / span).clamp(0.0, 1.0);
            delay_ms = to_u64(share * self.spec.max_delay_ms as f64).max(1);
            headers.push((
                "X-RateLimit-Delay",
                format!("{:.3}", delay_ms as f64 / 1000.0),
            ));
            headers.push(("Retry-After", delay_ms.div_ceil(1000).max(1).to_string()));
        }
        Ok(Decision {
            headers,
            delay_ms: if self.spec.apply_delay { delay_ms } else { 0 },
        })
    }

    fn headers(
        &self,
        total: f64,
        usage: &Usage,
        now: i64,
        window: i64,
    ) -> Vec<(&'static str, String)> {
        let reset_ms = usage.events.back().map_or(now, |(t, _)| t + window);
        vec![
            ("X-RateLimit-Resource", RESOURCE.to_owned()),
            ("X-RateLimit-Limit", to_u64(self.spec.limit).to_string()),
            (
                "X-RateLimit-Remaining",
                to_u64((self.spec.limit - total).max(0.0)).to_string(),
            ),
            ("X-RateLimit-Reset", (reset_ms / 1000).to_string()),
        ]
    }

    /// Usage per identity (admin API).
    pub fn usage(&self, now: i64) -> Vec<(IdentityIdx, f64)> {
        let window = self.window_ms();
        let mut all = self.usage.lock();
        let mut out: Vec<(IdentityIdx, f64)> = all
            .iter_mut()
            .map(|(who, u)| {
                u.expire(now, window);
                (*who, u.total)
            })
            .collect();
        out.sort_by_key(|(w, _)| *w);
        out
    }

    pub fn reset(&self) {
        self.usage.lock().clear();
    }
}

// Usage and delays are small, non-negative numbers: the cast cannot truncate meaningfully.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn to_u64(x: f64) -> u64 {
    x.max(0.0).floor() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> RateLimitSpec {
        RateLimitSpec {
            enabled: true,
            limit: 3.0,
            window_seconds: 10,
            block_at: 5.0,
            read_cost: 1.0,
            write_cost: 1.0,
            query_cost: 1.0,
            max_delay_ms: 2000,
            apply_delay: true,
            always_send_headers: true,
        }
    }

    fn header<'a>(d: &'a Decision, name: &str) -> Option<&'a str> {
        d.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn delays_then_blocks_then_recovers() {
        let rl = RateLimiter::new(spec());
        for i in 0..3 {
            let d = rl.check(0, Cost::Read, i).unwrap();
            assert_eq!(d.delay_ms, 0);
            assert_eq!(header(&d, "X-RateLimit-Limit"), Some("3"));
        }
        let d = rl.check(0, Cost::Read, 3).unwrap();
        assert!(d.delay_ms > 0);
        assert_eq!(header(&d, "X-RateLimit-Remaining"), Some("0"));
        assert!(header(&d, "X-RateLimit-Delay").is_some());
        assert!(header(&d, "Retry-After").is_some());
        rl.check(0, Cost::Read, 4).unwrap();
        let e = rl.check(0, Cost::Read, 5).unwrap_err();
        assert_eq!(e.status, 429);
        assert!(e.message.starts_with("TF400733"));
        assert!(e.headers.iter().any(|(k, _)| *k == "Retry-After"));
        // Another identity is unaffected.
        assert_eq!(rl.check(1, Cost::Read, 5).unwrap().delay_ms, 0);
        // After the window, usage is back to zero.
        assert_eq!(rl.check(0, Cost::Read, 20_000).unwrap().delay_ms, 0);
    }

    #[test]
    fn disabled_sends_nothing() {
        let rl = RateLimiter::new(RateLimitSpec {
            enabled: false,
            ..spec()
        });
        let d = rl.check(0, Cost::Write, 0).unwrap();
        assert!(d.headers.is_empty());
    }
}
