//! The simulated clock: real time plus an offset tests can advance, with millisecond stamps
//! that strictly increase (two writes in the same millisecond still get different `updated`
//! values, which sync cursors rely on).

use std::sync::atomic::{AtomicI64, Ordering};

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// A strictly increasing millisecond clock with an adjustable offset.
#[derive(Debug, Default)]
pub struct Clock {
    last: AtomicI64,
    offset_ms: AtomicI64,
}

impl Clock {
    /// A clock at real time.
    pub fn new() -> Self {
        Clock::default()
    }

    fn real_ms() -> Millis {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }

    /// The current simulated time, without consuming a stamp (may repeat).
    pub fn now_ms(&self) -> Millis {
        (Self::real_ms() + self.offset_ms.load(Ordering::Relaxed))
            .max(self.last.load(Ordering::Relaxed))
    }

    /// A fresh stamp for a write: later than every stamp handed out before.
    pub fn tick(&self) -> Millis {
        let now = Self::real_ms() + self.offset_ms.load(Ordering::Relaxed);
        let mut prev = self.last.load(Ordering::Relaxed);
        loop {
            let next = now.max(prev + 1);
            match self
                .last
                .compare_exchange_weak(prev, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return next,
                Err(p) => prev = p,
            }
        }
    }

    /// Moves simulated time forward (token expiry, rate-limit windows, `updated >= -1d`).
    pub fn advance(&self, ms: Millis) {
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }

    /// How far simulated time runs ahead of real time.
    pub fn offset_ms(&self) -> Millis {
        self.offset_ms.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_strictly_increase() {
        let c = Clock::new();
        let mut prev = c.tick();
        for _ in 0..10_000 {
            let t = c.tick();
            assert!(t > prev);
            prev = t;
        }
    }

    #[test]
    fn advance_moves_now() {
        let c = Clock::new();
        let before = c.now_ms();
        c.advance(86_400_000);
        assert!(c.now_ms() >= before + 86_400_000);
    }
}
