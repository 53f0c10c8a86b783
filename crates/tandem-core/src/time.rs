//! Instants as milliseconds since the Unix epoch: the one representation shared by the
//! domain, the store (SQLite and PostgreSQL both hold it as a 64-bit integer) and JSON.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An instant, in milliseconds since 1970-01-01T00:00:00Z.
///
/// Both vendors stamp changes to the millisecond (Jira `updated`, ADO `System.ChangedDate`),
/// so nothing finer is kept. Stored as `i64` (see research/dependencies.md: no database
/// crate integrates jiff 1.x, so timestamps cross the store boundary as epoch-ms).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct EpochMs(pub i64);

impl EpochMs {
    /// The epoch itself; the "never" of cursors that have not started.
    pub const ZERO: EpochMs = EpochMs(0);

    /// Milliseconds since the epoch.
    #[must_use]
    pub fn as_millis(self) -> i64 {
        self.0
    }

    /// Converts to a `jiff` timestamp, if in jiff's range.
    #[must_use]
    pub fn to_timestamp(self) -> Option<jiff::Timestamp> {
        jiff::Timestamp::from_millisecond(self.0).ok()
    }

    /// Converts from a `jiff` timestamp (sub-millisecond precision is dropped).
    #[must_use]
    pub fn from_timestamp(ts: jiff::Timestamp) -> EpochMs {
        EpochMs(ts.as_millisecond())
    }

    /// This instant moved back by `millis` (saturating), e.g. a feed overlap.
    #[must_use]
    pub fn minus_millis(self, millis: i64) -> EpochMs {
        EpochMs(self.0.saturating_sub(millis))
    }
}

impl fmt::Display for EpochMs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_timestamp() {
            Some(ts) => write!(f, "{ts}"),
            None => write!(f, "{}ms", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_as_rfc3339_and_round_trips_through_jiff() {
        let ms = EpochMs(1_700_000_000_123);
        assert_eq!(ms.to_string(), "2023-11-14T22:13:20.123Z");
        assert_eq!(EpochMs::from_timestamp(ms.to_timestamp().unwrap()), ms);
        assert_eq!(EpochMs(5).minus_millis(10), EpochMs(-5));
    }
}
