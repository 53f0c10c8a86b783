//! Rich-text field values: a `tandem_richtext::Document` in normal form.
//!
//! Connectors hand over vendor text (ADF, wiki markup, HTML, Markdown); the engine parses it
//! with `tandem-richtext` into a document and wraps it here. Equality is on the normal form
//! only, so a value that went through the other system and back is not a change.

use serde::{Deserialize, Serialize};
use tandem_richtext::{Block, Document, Inline, ListKind};

/// Formatted text, always in `tandem-richtext`'s normal form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RichText {
    doc: Document,
}

impl RichText {
    /// Reads plain text: blank lines separate paragraphs, single newlines are line breaks.
    #[must_use]
    pub fn from_plain(text: &str) -> RichText {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let mut blocks = Vec::new();
        for para in text.split("\n\n") {
            let mut content = Vec::new();
            for (i, line) in para.split('\n').enumerate() {
                if i > 0 {
                    content.push(Inline::HardBreak);
                }
                content.push(Inline::text(line));
            }
            blocks.push(Block::Paragraph { content });
        }
        RichText::from_document(Document::new(blocks))
    }

    /// Wraps a document (bringing it into normal form).
    #[must_use]
    pub fn from_document(doc: Document) -> RichText {
        RichText {
            doc: doc.normalized(),
        }
    }

    /// The document.
    #[must_use]
    pub fn document(&self) -> &Document {
        &self.doc
    }

    /// The text without formatting: blocks separated by a blank line, line breaks kept, list
    /// items as `- ` lines, table cells separated by ` | `. For display and for mapping a
    /// rich-text field to a plain one.
    #[must_use]
    pub fn plain_text(&self) -> String {
        let mut out = Vec::new();
        blocks_text(&self.doc.blocks, &mut out);
        out.join("\n\n")
    }

    /// The normal form (a fixed point: normalising twice changes nothing).
    #[must_use]
    pub fn normalized(self) -> RichText {
        RichText::from_document(self.doc)
    }

    /// Whether the document holds nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.doc.blocks.is_empty()
    }
}

fn blocks_text(blocks: &[Block], out: &mut Vec<String>) {
    for b in blocks {
        match b {
            Block::Paragraph { content } | Block::Heading { content, .. } => {
                out.push(inlines_text(content));
            }
            Block::List(list) => {
                let mut lines = Vec::new();
                for (n, item) in list.items.iter().enumerate() {
                    let mut inner = Vec::new();
                    blocks_text(&item.blocks, &mut inner);
                    let bullet = match (list.kind, item.checked) {
                        (ListKind::Ordered { start }, _) => {
                            format!("{}. ", u64::from(start) + n as u64)
                        }
                        (ListKind::Task, Some(true)) => "[x] ".to_owned(),
                        (ListKind::Task, _) => "[ ] ".to_owned(),
                        (ListKind::Bullet, _) => "- ".to_owned(),
                    };
                    lines.push(format!("{bullet}{}", inner.join("\n")));
                }
                out.push(lines.join("\n"));
            }
            Block::CodeBlock { text, .. } => out.push(text.clone()),
            Block::Quote { blocks } => blocks_text(blocks, out),
            Block::Panel(p) => {
                if let Some(t) = &p.title {
                    out.push(t.clone());
                }
                blocks_text(&p.blocks, out);
            }
            Block::Rule => out.push("---".to_owned()),
            Block::Table(t) => {
                let rows: Vec<String> = t
                    .rows
                    .iter()
                    .map(|r| {
                        r.cells
                            .iter()
                            .map(|c| {
                                let mut inner = Vec::new();
                                blocks_text(&c.blocks, &mut inner);
                                inner.join(" ")
                            })
                            .collect::<Vec<_>>()
                            .join(" | ")
                    })
                    .collect();
                out.push(rows.join("\n"));
            }
            Block::Media(m) => out.push(m.alt.clone().unwrap_or_else(|| "[image]".to_owned())),
            Block::Opaque(o) => out.push(o.text.clone()),
        }
    }
}

fn inlines_text(inlines: &[Inline]) -> String {
    let mut s = String::new();
    for i in inlines {
        match i {
            Inline::Text { text, .. } => s.push_str(text),
            Inline::HardBreak => s.push('\n'),
            Inline::Mention(m) => {
                s.push('@');
                s.push_str(m.display.as_deref().unwrap_or(m.user.id()));
            }
            Inline::Emoji { shortname, text } => s.push_str(text.as_deref().unwrap_or(shortname)),
            Inline::Status { text, .. } => s.push_str(text),
            Inline::Date { timestamp_ms } => s.push_str(
                &crate::time::EpochMs(*timestamp_ms)
                    .to_timestamp()
                    .map_or_else(
                        || timestamp_ms.to_string(),
                        |t| t.strftime("%Y-%m-%d").to_string(),
                    ),
            ),
            Inline::Media(m) => s.push_str(m.alt.as_deref().unwrap_or("[image]")),
            Inline::Card { url } => s.push_str(url),
            Inline::Opaque(o) => s.push_str(&o.text),
        }
    }
    s
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

    #[test]
    fn formatting_is_part_of_the_value() {
        let plain = RichText::from_plain("important");
        let bold = RichText::from_document(tandem_richtext::parse(
            tandem_richtext::Format::Html,
            "<p><b>important</b></p>",
        ));
        assert_ne!(plain, bold);
        assert_eq!(bold.plain_text(), "important");
    }

    proptest! {
        #[test]
        fn normalisation_is_a_fixed_point(s in "[ a-c\t\r\n]{0,40}") {
            let once = RichText::from_plain(&s);
            prop_assert_eq!(once.clone().normalized(), once);
        }
    }
}
