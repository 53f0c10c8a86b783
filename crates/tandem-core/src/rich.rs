//! Rich-text field values: `tandem-richtext`'s document model, always held in normal form.
//!
//! Connectors read vendor formats (ADF, Jira wiki, ADO HTML, Markdown) into a
//! [`tandem_richtext::Document`] and write it back; the domain only compares and carries it.
//! Every [`RichText`] is normalised on construction and on deserialisation, so `==` compares
//! normal forms and a round trip through the other system is not a change (issue 8: the normal
//! form is a fixed point of every conversion).

use serde::{Deserialize, Serialize};
use tandem_richtext::{Document, Format};

/// A rich-text value in normal form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Document", into = "Document")]
pub struct RichText(Document);

impl From<Document> for RichText {
    fn from(doc: Document) -> RichText {
        RichText(doc.normalized())
    }
}

impl From<RichText> for Document {
    fn from(r: RichText) -> Document {
        r.0
    }
}

impl RichText {
    /// Wraps a document, normalising it.
    #[must_use]
    pub fn new(doc: Document) -> RichText {
        RichText::from(doc)
    }

    /// Plain text: blank lines separate paragraphs.
    #[must_use]
    pub fn from_plain(text: &str) -> RichText {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let blocks = text
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .flat_map(|p| Document::plain(p).into_blocks())
            .collect();
        RichText::new(Document::new(blocks))
    }

    /// The document.
    #[must_use]
    pub fn document(&self) -> &Document {
        &self.0
    }

    /// The document, by value.
    #[must_use]
    pub fn into_document(self) -> Document {
        self.0
    }

    /// A readable rendering for dry runs and audit entries (Markdown).
    #[must_use]
    pub fn plain_text(&self) -> String {
        tandem_richtext::render(&self.0, Format::Markdown)
            .text
            .trim_end()
            .to_owned()
    }

    /// The normal form (every `RichText` already is one).
    #[must_use]
    pub fn normalized(self) -> RichText {
        self
    }

    /// Whether the document holds nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.blocks().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn formats_that_say_the_same_thing_are_equal() {
        let html = RichText::new(tandem_richtext::parse(
            Format::Html,
            "<p>Steps <b>to</b> log in</p>",
        ));
        let md = RichText::new(tandem_richtext::parse(
            Format::Markdown,
            "Steps **to** log in\n",
        ));
        assert_eq!(html, md);
        assert_ne!(html, RichText::from_plain("Steps to log in"));
    }

    #[test]
    fn deserialising_normalises() {
        let doc = Document::new(vec![]);
        let json = serde_json::to_string(&doc).unwrap();
        let r: RichText = serde_json::from_str(&json).unwrap();
        assert!(r.is_empty());
        assert_eq!(RichText::from_plain(" \n\n "), r);
    }

    proptest! {
        #[test]
        fn plain_text_values_are_in_normal_form(s in "[ a-c\t\r\n*_]{0,40}") {
            let once = RichText::from_plain(&s);
            prop_assert_eq!(RichText::new(once.clone().into_document()), once);
        }
    }
}
