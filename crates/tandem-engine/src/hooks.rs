//! What the engine tells the outside world while it works, and the one place tests can
//! stop it: fault injection after each write step, progress events, and a stop signal.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

/// A step of a pass after which a crash would leave the state half-written. Tests inject a
/// failure at each to prove the next pass converges (DESIGN.md, invariants 1, 4 and 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultPoint {
    /// An intent is open; the counterpart has not been created.
    IntentOpened,
    /// The counterpart exists (with its marker); the link is not recorded.
    RemoteCreated,
    /// The link is recorded; the follow-up writes (a state the new item cannot start in,
    /// fields its create screen refused) are not made.
    LinkRecorded,
    /// An item's fields were written; the baselines are not recorded.
    RemoteUpdated,
    /// One transition (or ADO state change) was made; the baselines are not recorded.
    StateChanged,
    /// A pair's baselines are recorded; the feed cursor has not moved.
    BaselinesRecorded,
    /// A conflict was parked; nothing else of the item is recorded.
    ConflictParked,
}

impl FaultPoint {
    /// Every point, in the order a pass reaches them.
    pub const ALL: [FaultPoint; 7] = [
        FaultPoint::IntentOpened,
        FaultPoint::RemoteCreated,
        FaultPoint::LinkRecorded,
        FaultPoint::RemoteUpdated,
        FaultPoint::StateChanged,
        FaultPoint::BaselinesRecorded,
        FaultPoint::ConflictParked,
    ];

    /// The kebab-case name (`remote-created`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FaultPoint::IntentOpened => "intent-opened",
            FaultPoint::RemoteCreated => "remote-created",
            FaultPoint::LinkRecorded => "link-recorded",
            FaultPoint::RemoteUpdated => "remote-updated",
            FaultPoint::StateChanged => "state-changed",
            FaultPoint::BaselinesRecorded => "baselines-recorded",
            FaultPoint::ConflictParked => "conflict-parked",
        }
    }

    /// Parses [`FaultPoint::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<FaultPoint> {
        FaultPoint::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl fmt::Display for FaultPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Decides whether to fail at a point. Production runs use [`NoFaults`].
pub trait FaultHook: Send + Sync + fmt::Debug {
    /// Called after each write step; returning `true` makes the pass stop there as if the
    /// process had died (nothing after it is written: no record, no cursor).
    fn fail_at(&self, point: FaultPoint) -> bool;
}

/// Never fails.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoFaults;

impl FaultHook for NoFaults {
    fn fail_at(&self, _: FaultPoint) -> bool {
        false
    }
}

/// Fails the `nth` time (1-based) `point` is reached, once.
#[derive(Debug)]
pub struct FailAt {
    point: FaultPoint,
    nth: u32,
    seen: parking_lot::Mutex<u32>,
}

impl FailAt {
    /// Fails at the `nth` arrival at `point`.
    #[must_use]
    pub fn new(point: FaultPoint, nth: u32) -> FailAt {
        FailAt {
            point,
            nth: nth.max(1),
            seen: parking_lot::Mutex::new(0),
        }
    }
}

impl FaultHook for FailAt {
    fn fail_at(&self, point: FaultPoint) -> bool {
        if point != self.point {
            return false;
        }
        let mut seen = self.seen.lock();
        *seen += 1;
        *seen == self.nth
    }
}

/// What a pass reports as it goes (for progress bars and log lines).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    /// A feed page arrived.
    Page {
        /// `jira` or `ado`.
        side: &'static str,
        /// Items on it.
        items: usize,
    },
    /// An item (or pair) is done.
    Item {
        /// How it ended (`created`, `updated`, `unchanged`, `parked`, `conflict`, `failed`).
        outcome: &'static str,
        /// Which item.
        subject: String,
    },
}

/// Receives [`Event`]s.
pub trait Progress: Send + Sync + fmt::Debug {
    /// One event.
    fn event(&self, event: &Event);
}

/// Ignores every event.
#[derive(Clone, Copy, Debug, Default)]
pub struct Quiet;

impl Progress for Quiet {
    fn event(&self, _: &Event) {}
}

/// A request to stop after the items in flight (SIGINT/SIGTERM in the daemon).
#[derive(Clone, Debug, Default)]
pub struct Stop {
    inner: Arc<StopInner>,
}

#[derive(Debug, Default)]
struct StopInner {
    stopped: AtomicBool,
    notify: Notify,
}

impl Stop {
    /// A signal not yet raised.
    #[must_use]
    pub fn new() -> Stop {
        Stop::default()
    }

    /// Raises it.
    pub fn stop(&self) {
        self.inner.stopped.store(true, Ordering::SeqCst);
        self.inner.notify.notify_waiters();
    }

    /// Whether it was raised.
    #[must_use]
    pub fn is_stopped(&self) -> bool {
        self.inner.stopped.load(Ordering::SeqCst)
    }

    /// Waits until it is raised.
    pub async fn stopped(&self) {
        loop {
            let notified = self.inner.notify.notified();
            if self.is_stopped() {
                return;
            }
            notified.await;
        }
    }

    /// Sleeps for `d`, or less if the signal is raised meanwhile. Returns whether it was.
    pub async fn sleep(&self, d: std::time::Duration) -> bool {
        tokio::select! {
            () = tokio::time::sleep(d) => self.is_stopped(),
            () = self.stopped() => true,
        }
    }
}

/// The hooks of an engine.
#[derive(Clone, Debug)]
pub struct Hooks {
    /// Fault injection.
    pub faults: Arc<dyn FaultHook>,
    /// Progress events.
    pub progress: Arc<dyn Progress>,
    /// Stop signal.
    pub stop: Stop,
}

impl Default for Hooks {
    fn default() -> Self {
        Hooks {
            faults: Arc::new(NoFaults),
            progress: Arc::new(Quiet),
            stop: Stop::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_at_fires_once_on_the_nth_arrival() {
        let f = FailAt::new(FaultPoint::RemoteCreated, 2);
        assert!(!f.fail_at(FaultPoint::IntentOpened));
        assert!(!f.fail_at(FaultPoint::RemoteCreated));
        assert!(f.fail_at(FaultPoint::RemoteCreated));
        assert!(!f.fail_at(FaultPoint::RemoteCreated));
        for p in FaultPoint::ALL {
            assert_eq!(FaultPoint::parse(p.as_str()), Some(p));
        }
    }
}
