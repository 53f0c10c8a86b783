//! What a writer could not carry exactly.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One kind of loss in one rendering, with how often it happened.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Loss {
    /// The construct, in the model's terms (`panel`, `underline`, `merged cell`, ...).
    pub construct: String,
    pub effect: LossEffect,
    /// What the writer did instead, for a person reading the log.
    pub detail: String,
    pub count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LossEffect {
    /// Written in another form that keeps the content (a panel as a quote with its title).
    Approximated,
    /// Left out of the output.
    Dropped,
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let effect = match self.effect {
            LossEffect::Approximated => "approximated",
            LossEffect::Dropped => "dropped",
        };
        write!(f, "{} ({effect}", self.construct)?;
        if self.count > 1 {
            write!(f, ", {} times", self.count)?;
        }
        write!(f, "): {}", self.detail)
    }
}

/// Collects losses while a writer runs, counting repeats instead of listing them.
#[derive(Debug, Default)]
pub(crate) struct Losses {
    list: Vec<Loss>,
}

impl Losses {
    pub(crate) fn approximated(&mut self, construct: &str, detail: &str) {
        self.add(construct, LossEffect::Approximated, detail);
    }

    pub(crate) fn dropped(&mut self, construct: &str, detail: &str) {
        self.add(construct, LossEffect::Dropped, detail);
    }

    fn add(&mut self, construct: &str, effect: LossEffect, detail: &str) {
        if let Some(existing) = self
            .list
            .iter_mut()
            .find(|l| l.construct == construct && l.effect == effect && l.detail == detail)
        {
            existing.count = existing.count.saturating_add(1);
            return;
        }
        self.list.push(Loss {
            construct: construct.to_string(),
            effect,
            detail: detail.to_string(),
            count: 1,
        });
    }

    pub(crate) fn into_vec(self) -> Vec<Loss> {
        self.list
    }
}
