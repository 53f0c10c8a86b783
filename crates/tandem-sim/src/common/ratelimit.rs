//! Rate-limit primitives the halves build their product's limits from: a token bucket (steady
//! rate plus burst) and sliding-window counters (N events per window).

use std::collections::VecDeque;

use super::clock::Millis;

/// A token bucket: `capacity` tokens, refilled at `per_sec` tokens per second.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    capacity: f64,
    per_sec: f64,
    tokens: f64,
    last_ms: Millis,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(capacity: u32, per_sec: f64, now: Millis) -> Self {
        TokenBucket {
            capacity: f64::from(capacity),
            per_sec,
            tokens: f64::from(capacity),
            last_ms: now,
        }
    }

    // Token counts and waits are small and non-negative: the float-to-int casts cannot truncate.
    fn refill(&mut self, now: Millis) {
        let elapsed = (now - self.last_ms).max(0) as f64 / 1000.0;
        self.tokens = (self.tokens + elapsed * self.per_sec).min(self.capacity);
        self.last_ms = now;
    }

    /// Takes a token; on refusal returns how many ms until one is available.
    #[allow(clippy::cast_possible_truncation)]
    pub fn try_take(&mut self, now: Millis) -> Result<(), Millis> {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let missing = 1.0 - self.tokens;
            let wait = if self.per_sec > 0.0 {
                (missing / self.per_sec * 1000.0).ceil() as Millis
            } else {
                Millis::MAX
            };
            Err(wait.max(1))
        }
    }

    /// Tokens left, rounded down.
    #[allow(clippy::cast_possible_truncation)]
    pub fn remaining(&self) -> u64 {
        self.tokens.max(0.0) as u64
    }

    /// The bucket's size.
    #[allow(clippy::cast_possible_truncation)]
    pub fn capacity(&self) -> u64 {
        self.capacity as u64
    }
}

/// At most `max` events in any `window_ms` window.
#[derive(Debug, Clone)]
pub struct WindowCounter {
    max: usize,
    window_ms: Millis,
    events: VecDeque<Millis>,
}

impl WindowCounter {
    /// An empty window.
    pub fn new(max: usize, window_ms: Millis) -> Self {
        WindowCounter {
            max,
            window_ms,
            events: VecDeque::new(),
        }
    }

    fn expire(&mut self, now: Millis) {
        while self
            .events
            .front()
            .is_some_and(|t| now - *t >= self.window_ms)
        {
            self.events.pop_front();
        }
    }

    /// Whether one more event fits now; on refusal, ms until it would.
    pub fn check(&mut self, now: Millis) -> Result<(), Millis> {
        self.expire(now);
        if self.events.len() < self.max {
            Ok(())
        } else {
            let oldest = self.events.front().copied().unwrap_or(now);
            Err((oldest + self.window_ms - now).max(1))
        }
    }

    /// Records an event (call after `check` succeeded).
    pub fn record(&mut self, now: Millis) {
        self.events.push_back(now);
    }

    /// Events left in the current window.
    pub fn remaining(&mut self, now: Millis) -> usize {
        self.expire(now);
        self.max.saturating_sub(self.events.len())
    }

    /// The window's limit.
    pub fn max(&self) -> usize {
        self.max
    }

    /// The window's length.
    pub fn window_ms(&self) -> Millis {
        self.window_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refills() {
        let mut b = TokenBucket::new(2, 1.0, 0);
        assert!(b.try_take(0).is_ok());
        assert!(b.try_take(0).is_ok());
        assert_eq!(b.try_take(0), Err(1000));
        assert!(b.try_take(1000).is_ok());
    }

    #[test]
    fn window_slides() {
        let mut w = WindowCounter::new(2, 2000);
        for t in [0, 10] {
            w.check(t).unwrap();
            w.record(t);
        }
        assert_eq!(w.check(500), Err(1500));
        assert!(w.check(2000).is_ok());
    }
}
