//! Rich-text field values.
//!
//! The document model itself belongs to `tandem-richtext` (ADF, Jira wiki, HTML and Markdown
//! all read into it). Until that crate is on `main`, this module keeps a stand-in with the same
//! contract the engine relies on: connectors build a value from whatever the vendor sent,
//! `normalized()` reaches a fixed point, and equality is on the normalised form only, so a
//! round trip through the other system is not a change.

use serde::{Deserialize, Serialize};

/// Formatted text, held in normalised form: paragraphs of lines, with runs of spaces and tabs
/// collapsed and no leading or trailing blank lines.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RichText {
    paragraphs: Vec<String>,
}

impl RichText {
    /// Reads plain text: blank lines separate paragraphs.
    #[must_use]
    pub fn from_plain(text: &str) -> RichText {
        let mut paragraphs = Vec::new();
        let mut current: Vec<String> = Vec::new();
        for line in text.replace("\r\n", "\n").replace('\r', "\n").split('\n') {
            let line = line
                .split([' ', '\t'])
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>();
            if line.is_empty() {
                if !current.is_empty() {
                    paragraphs.push(current.join("\n"));
                    current.clear();
                }
            } else {
                current.push(line.join(" "));
            }
        }
        if !current.is_empty() {
            paragraphs.push(current.join("\n"));
        }
        RichText { paragraphs }
    }

    /// The text without formatting, paragraphs separated by a blank line.
    #[must_use]
    pub fn plain_text(&self) -> String {
        self.paragraphs.join("\n\n")
    }

    /// The normalised form (a fixed point: normalising twice changes nothing).
    #[must_use]
    pub fn normalized(self) -> RichText {
        RichText::from_plain(&self.plain_text())
    }

    /// Whether the document holds no text.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.paragraphs.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn whitespace_noise_is_not_a_difference() {
        let a = RichText::from_plain("Steps:\r\n  1.  open   the page\n\n\n\nthen  log in  ");
        let b = RichText::from_plain("Steps:\n1. open the page\n\nthen log in");
        assert_eq!(a, b);
        assert_eq!(b.plain_text(), "Steps:\n1. open the page\n\nthen log in");
    }

    proptest! {
        #[test]
        fn normalisation_is_a_fixed_point(s in "[ a-c\t\r\n]{0,40}") {
            let once = RichText::from_plain(&s);
            prop_assert_eq!(once.clone().normalized(), once);
        }
    }
}
