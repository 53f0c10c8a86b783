//! The two systems tandem keeps in step, and a pair of values, one per system.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One of the two systems.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// Jira (Cloud or Data Center).
    Jira,
    /// Azure DevOps (Services or Server).
    Ado,
}

impl Side {
    /// Both sides, Jira first (the order used wherever a stable order is needed).
    pub const BOTH: [Side; 2] = [Side::Jira, Side::Ado];

    /// The other system.
    #[must_use]
    pub fn other(self) -> Side {
        match self {
            Side::Jira => Side::Ado,
            Side::Ado => Side::Jira,
        }
    }

    /// The stable lower-case name used in config, the store and JSON output.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Jira => "jira",
            Side::Ado => "ado",
        }
    }

    /// Parses [`Side::as_str`] output.
    #[must_use]
    pub fn parse(s: &str) -> Option<Side> {
        match s {
            "jira" => Some(Side::Jira),
            "ado" => Some(Side::Ado),
            _ => None,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Jira => "Jira",
            Side::Ado => "Azure DevOps",
        })
    }
}

/// A value for each side.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sided<T> {
    /// The Jira side's value.
    pub jira: T,
    /// The Azure DevOps side's value.
    pub ado: T,
}

impl<T> Sided<T> {
    /// Builds a pair.
    pub fn new(jira: T, ado: T) -> Self {
        Sided { jira, ado }
    }

    /// The value for `side`.
    pub fn get(&self, side: Side) -> &T {
        match side {
            Side::Jira => &self.jira,
            Side::Ado => &self.ado,
        }
    }

    /// The value for `side`, mutably.
    pub fn get_mut(&mut self, side: Side) -> &mut T {
        match side {
            Side::Jira => &mut self.jira,
            Side::Ado => &mut self.ado,
        }
    }

    /// The pair with the sides exchanged.
    #[must_use]
    pub fn swapped(self) -> Self {
        Sided {
            jira: self.ado,
            ado: self.jira,
        }
    }
}
