//! HTML writer. Emits only an allowlist of tags and attributes, escapes every text and
//! attribute value, and accepts only safe URL schemes, so nothing from one system can inject
//! markup or script into another (or into tandem's web UI). Nothing from the source is ever
//! copied through raw.

use crate::loss::Losses;
use crate::model::{
    Block, Document, Inline, List, ListKind, Marks, Media, MediaRef, Mention, PanelKind, Script,
    Table, UserRef,
};
use crate::text::format_date;

/// Every tag this writer can emit (the test suite checks the output against it).
pub const ALLOWED_TAGS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "input",
    "pre",
    "code",
    "blockquote",
    "div",
    "details",
    "summary",
    "hr",
    "table",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
    "br",
    "a",
    "strong",
    "em",
    "u",
    "s",
    "sub",
    "sup",
    "span",
    "time",
];

pub(crate) fn write(doc: &Document, losses: &mut Losses) -> String {
    let mut out = String::new();
    let mut w = Writer { losses };
    w.blocks(&doc.blocks, &mut out);
    out
}

struct Writer<'l> {
    losses: &'l mut Losses,
}

pub(crate) fn escape(text: &str, out: &mut String) {
    // Copies the runs between special characters whole (they are ASCII, so every cut falls on
    // a character boundary); pushing character by character was most of writing.
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[start..i]);
        out.push_str(entity);
        start = i + 1;
    }
    out.push_str(&text[start..]);
}

fn esc(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    escape(text, &mut s);
    s
}

fn panel_style(kind: PanelKind) -> &'static str {
    match kind {
        PanelKind::Info => "border-left:4px solid #0052cc;background:#deebff;padding:4px 8px",
        PanelKind::Note => "border-left:4px solid #5243aa;background:#eae6ff;padding:4px 8px",
        PanelKind::Success => "border-left:4px solid #00875a;background:#e3fcef;padding:4px 8px",
        PanelKind::Warning => "border-left:4px solid #ff991f;background:#fffae6;padding:4px 8px",
        PanelKind::Error => "border-left:4px solid #de350b;background:#ffebe6;padding:4px 8px",
        PanelKind::Expand => "",
    }
}

impl Writer<'_> {
    fn blocks(&mut self, blocks: &[Block], out: &mut String) {
        for block in blocks {
            self.block(block, out);
        }
    }

    fn block(&mut self, block: &Block, out: &mut String) {
        match block {
            Block::Paragraph { content } => {
                out.push_str("<p>");
                self.inlines(content, out);
                out.push_str("</p>");
            }
            Block::Heading { level, content } => {
                out.push_str(&format!("<h{level}>"));
                self.inlines(content, out);
                out.push_str(&format!("</h{level}>"));
            }
            Block::List(list) => self.list(list, out),
            Block::CodeBlock { language, text } => {
                out.push_str("<pre>");
                match language {
                    Some(lang) => {
                        out.push_str("<code class=\"language-");
                        escape(lang, out);
                        out.push_str("\">");
                    }
                    None => out.push_str("<code>"),
                }
                escape(text, out);
                out.push_str("</code></pre>");
            }
            Block::Quote { blocks } => {
                out.push_str("<blockquote>");
                self.blocks(blocks, out);
                out.push_str("</blockquote>");
            }
            Block::Panel(panel) => {
                if panel.kind == PanelKind::Expand {
                    out.push_str("<details><summary>");
                    escape(panel.title.as_deref().unwrap_or(""), out);
                    out.push_str("</summary>");
                    self.blocks(&panel.blocks, out);
                    out.push_str("</details>");
                    return;
                }
                out.push_str(&format!(
                    "<div data-panel=\"{}\" style=\"{}\">",
                    panel.kind.name(),
                    panel_style(panel.kind)
                ));
                if let Some(title) = &panel.title {
                    out.push_str("<p data-panel-title=\"\"><strong>");
                    escape(title, out);
                    out.push_str("</strong></p>");
                }
                self.blocks(&panel.blocks, out);
                out.push_str("</div>");
            }
            Block::Rule => out.push_str("<hr>"),
            Block::Table(table) => self.table(table, out),
            Block::Media(media) => {
                out.push_str("<p>");
                self.media(media, out);
                out.push_str("</p>");
            }
            Block::Opaque(o) => {
                // Never copy foreign markup through: its words only.
                self.losses.approximated(
                    "unsupported construct",
                    "written as plain text (HTML output carries no foreign markup)",
                );
                out.push_str("<p>");
                for (i, line) in o.text.lines().enumerate() {
                    if i > 0 {
                        out.push_str("<br>");
                    }
                    escape(line, out);
                }
                out.push_str("</p>");
            }
        }
    }

    fn list(&mut self, list: &List, out: &mut String) {
        let (open, close) = match list.kind {
            ListKind::Ordered { start } if start != 1 => {
                (format!("<ol start=\"{start}\">"), "</ol>")
            }
            ListKind::Ordered { .. } => ("<ol>".to_string(), "</ol>"),
            ListKind::Bullet | ListKind::Task => ("<ul>".to_string(), "</ul>"),
        };
        out.push_str(&open);
        for item in &list.items {
            out.push_str("<li>");
            if list.kind == ListKind::Task {
                out.push_str(if item.checked == Some(true) {
                    "<input type=\"checkbox\" disabled=\"\" checked=\"\"> "
                } else {
                    "<input type=\"checkbox\" disabled=\"\"> "
                });
            }
            let mut blocks = item.blocks.as_slice();
            // A first paragraph goes straight into the item, as editors write it.
            if let Some(Block::Paragraph { content }) = blocks.first() {
                self.inlines(content, out);
                blocks = &blocks[1..];
            }
            self.blocks(blocks, out);
            out.push_str("</li>");
        }
        out.push_str(close);
    }

    fn table(&mut self, table: &Table, out: &mut String) {
        out.push_str("<table><tbody>");
        for row in &table.rows {
            out.push_str("<tr>");
            for cell in &row.cells {
                let tag = if cell.header { "th" } else { "td" };
                out.push('<');
                out.push_str(tag);
                if cell.colspan > 1 {
                    out.push_str(&format!(" colspan=\"{}\"", cell.colspan));
                }
                if cell.rowspan > 1 {
                    out.push_str(&format!(" rowspan=\"{}\"", cell.rowspan));
                }
                out.push('>');
                self.blocks(&cell.blocks, out);
                out.push_str(&format!("</{tag}>"));
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table>");
    }

    fn media(&mut self, media: &Media, out: &mut String) {
        out.push_str("<img");
        match &media.source {
            MediaRef::Url { url } => {
                if super::safe_url(url) {
                    out.push_str(" src=\"");
                    escape(url, out);
                    out.push('"');
                } else {
                    self.losses
                        .dropped("image source", "the image URL uses an unsafe scheme");
                }
            }
            MediaRef::File { name } if !crate::text::is_image_name(name) => {
                self.losses.approximated(
                    "attachment",
                    "an attachment known by file name only (map it to an attachment URL first)",
                );
                out.truncate(out.len() - "<img".len());
                out.push_str("<a href=\"");
                if super::safe_url(name) {
                    escape(name, out);
                }
                out.push_str("\" data-file-name=\"");
                escape(name, out);
                out.push_str("\">");
                escape(media.alt.as_deref().unwrap_or(name), out);
                out.push_str("</a>");
                return;
            }
            MediaRef::File { name } => {
                self.losses.approximated(
                    "image",
                    "an attachment known by file name only (map it to an attachment URL first)",
                );
                out.push_str(" src=\"");
                if super::safe_url(name) {
                    escape(name, out);
                }
                out.push_str("\" data-file-name=\"");
                escape(name, out);
                out.push('"');
            }
            MediaRef::JiraMedia { id, collection } => {
                self.losses.approximated(
                    "image",
                    "a Jira media file (map it to an attachment URL first)",
                );
                out.push_str(" src=\"\" data-media-id=\"");
                escape(id, out);
                out.push_str("\" data-media-collection=\"");
                escape(collection, out);
                out.push('"');
            }
        }
        if let Some(alt) = &media.alt {
            out.push_str(" alt=\"");
            escape(alt, out);
            out.push('"');
        }
        if let Some(w) = media.width {
            out.push_str(&format!(" width=\"{w}\""));
        }
        if let Some(h) = media.height {
            out.push_str(&format!(" height=\"{h}\""));
        }
        out.push('>');
    }

    fn inlines(&mut self, inlines: &[Inline], out: &mut String) {
        for inline in inlines {
            match inline {
                Inline::Text { text, marks } => self.text(text, marks, out),
                Inline::HardBreak => out.push_str("<br>"),
                Inline::Mention(m) => self.mention(m, out),
                Inline::Emoji { shortname, text } => {
                    out.push_str("<span data-emoji=\"");
                    escape(shortname, out);
                    out.push_str("\">");
                    let shown = text
                        .clone()
                        .or_else(|| crate::text::emoji_char(shortname).map(str::to_string))
                        .unwrap_or_else(|| shortname.clone());
                    escape(&shown, out);
                    out.push_str("</span>");
                }
                Inline::Status { text, color } => {
                    out.push_str("<span data-status=\"");
                    escape(color, out);
                    out.push_str("\"><strong>");
                    escape(text, out);
                    out.push_str("</strong></span>");
                }
                Inline::Date { timestamp_ms } => {
                    out.push_str(&format!(
                        "<time data-timestamp=\"{timestamp_ms}\">{}</time>",
                        format_date(*timestamp_ms)
                    ));
                }
                Inline::Media(m) => self.media(m, out),
                Inline::Card { url } => {
                    if super::safe_url(url) {
                        out.push_str("<a href=\"");
                        escape(url, out);
                        out.push_str("\" data-card=\"\">");
                        escape(url, out);
                        out.push_str("</a>");
                    } else {
                        self.losses.dropped("link", "the URL uses an unsafe scheme");
                        escape(url, out);
                    }
                }
                Inline::Opaque(o) => {
                    if !o.text.is_empty() {
                        self.losses.approximated(
                            "unsupported construct",
                            "written as plain text (HTML output carries no foreign markup)",
                        );
                        escape(&o.text, out);
                    }
                }
            }
        }
    }

    fn mention(&mut self, m: &Mention, out: &mut String) {
        let name = m.display.as_deref().unwrap_or(m.user.id());
        match &m.user {
            UserRef::AdoIdentity(id) => {
                // research sync-semantics.md §7: this markup notifies the identity.
                out.push_str("<a href=\"#\" data-vss-mention=\"version:2.0,");
                escape(id, out);
                out.push_str("\">@");
                escape(name, out);
                out.push_str("</a>");
            }
            _ => {
                self.losses.approximated(
                    "mention",
                    "the user has no Azure DevOps identity (map it first): written as text",
                );
                out.push('@');
                escape(name, out);
            }
        }
    }

    fn text(&mut self, text: &str, marks: &Marks, out: &mut String) {
        let mut close = Vec::new();
        if let Some(href) = &marks.link {
            if super::safe_url(href) {
                out.push_str("<a href=\"");
                escape(href, out);
                out.push_str("\">");
                close.push("</a>");
            } else {
                self.losses.dropped("link", "the URL uses an unsafe scheme");
            }
        }
        if let Some(color) = &marks.color {
            // `color` is normalised to #rrggbb, so it cannot break out of the attribute.
            out.push_str(&format!("<span style=\"color:{}\">", esc(color)));
            close.push("</span>");
        }
        for (on, open, end) in [
            (marks.strong, "<strong>", "</strong>"),
            (marks.em, "<em>", "</em>"),
            (marks.underline, "<u>", "</u>"),
            (marks.strike, "<s>", "</s>"),
            (marks.script == Some(Script::Sub), "<sub>", "</sub>"),
            (marks.script == Some(Script::Sup), "<sup>", "</sup>"),
            (marks.code, "<code>", "</code>"),
        ] {
            if on {
                out.push_str(open);
                close.push(end);
            }
        }
        escape(text, out);
        for end in close.iter().rev() {
            out.push_str(end);
        }
    }
}

#[cfg(test)]
mod escape_tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn escape_replaces_each_special_character_and_keeps_the_rest(s in "(?s)[a-z&<>\"' é😀\n]{0,30}") {
            let mut expected = String::new();
            for c in s.chars() {
                match c {
                    '&' => expected.push_str("&amp;"),
                    '<' => expected.push_str("&lt;"),
                    '>' => expected.push_str("&gt;"),
                    '"' => expected.push_str("&quot;"),
                    '\'' => expected.push_str("&#39;"),
                    c => expected.push(c),
                }
            }
            let mut out = String::new();
            super::escape(&s, &mut out);
            prop_assert_eq!(out, expected);
        }
    }
}
