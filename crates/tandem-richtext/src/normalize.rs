//! The normal form: the one shape of a document the engine compares and hashes.
//!
//! Rules (each applied recursively, and idempotent as a whole):
//! - Text: CR/LF, tabs and non-breaking spaces are spaces; runs of spaces collapse to one; no
//!   space at the start or end of a block or around a hard break; control characters, BOMs and
//!   zero-width spaces are removed; adjacent runs with equal marks merge; empty runs go.
//! - Marks: emphasis-like marks (strong, em, underline, strike, sub/sup, colour) never cover
//!   the whitespace at the edge of a run; `code` excludes every mark but `link` (as in ADF);
//!   colours are `#rrggbb` or dropped.
//! - Blocks: empty paragraphs, headings, quotes, lists and list items go; two or more hard
//!   breaks in a row end a paragraph; a paragraph holding only one image is a media block;
//!   headings hold no hard breaks; adjacent lists of the same kind and adjacent quotes merge;
//!   code blocks lose trailing newlines and lower-case their language.

use std::mem;

use crate::model::{Block, Document, Inline, ListKind, Marks, Media, Mention};
use crate::text::{is_ws, normalize_color};

impl Document {
    /// Brings the document into normal form (see the module docs of `normalize.rs`).
    pub fn normalize(&mut self) {
        self.blocks = normalize_blocks(mem::take(&mut self.blocks));
    }

    /// The normal form of this document.
    pub fn normalized(mut self) -> Document {
        self.normalize();
        self
    }

    /// Whether the document is already in normal form.
    pub fn is_normalized(&self) -> bool {
        self.clone().normalized() == *self
    }
}

pub(crate) fn normalize_blocks(blocks: Vec<Block>) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::with_capacity(blocks.len());
    for block in blocks {
        match block {
            Block::Paragraph { content } => {
                for part in split_paragraph(normalize_inlines(content, true)) {
                    push_block(&mut out, paragraph_or_media(part));
                }
            }
            Block::Heading { level, content } => {
                let content = normalize_inlines(content, false);
                if !content.is_empty() {
                    push_block(
                        &mut out,
                        Block::Heading {
                            level: level.clamp(1, 6),
                            content,
                        },
                    );
                }
            }
            Block::List(mut list) => {
                let task = list.kind == ListKind::Task;
                if let ListKind::Ordered { start } = &mut list.kind {
                    *start = (*start).max(1);
                }
                list.items = mem::take(&mut list.items)
                    .into_iter()
                    .filter_map(|mut item| {
                        item.blocks = normalize_blocks(item.blocks);
                        item.checked = if task {
                            Some(item.checked.unwrap_or(false))
                        } else {
                            None
                        };
                        (!item.blocks.is_empty()).then_some(item)
                    })
                    .collect();
                if !list.items.is_empty() {
                    push_block(&mut out, Block::List(list));
                }
            }
            Block::CodeBlock { language, text } => {
                let text = text.replace("\r\n", "\n").replace('\r', "\n");
                let text = text.trim_matches('\n').to_string();
                let language = language
                    .map(|l| l.trim().to_ascii_lowercase())
                    .filter(|l| !l.is_empty() && l.chars().all(|c| !c.is_whitespace()));
                if !text.trim().is_empty() {
                    out.push(Block::CodeBlock { language, text });
                }
            }
            Block::Quote { blocks } => {
                let blocks = normalize_blocks(blocks);
                if !blocks.is_empty() {
                    push_block(&mut out, Block::Quote { blocks });
                }
            }
            Block::Panel(mut panel) => {
                panel.title = panel
                    .title
                    .map(|t| collapse_ws(&t))
                    .filter(|t| !t.is_empty());
                panel.blocks = normalize_blocks(panel.blocks);
                if !panel.blocks.is_empty() || panel.title.is_some() {
                    out.push(Block::Panel(panel));
                }
            }
            Block::Rule => out.push(Block::Rule),
            Block::Table(mut table) => {
                for row in &mut table.rows {
                    for cell in &mut row.cells {
                        cell.colspan = cell.colspan.max(1);
                        cell.rowspan = cell.rowspan.max(1);
                        cell.blocks = normalize_blocks(mem::take(&mut cell.blocks));
                    }
                }
                table.rows.retain(|r| !r.cells.is_empty());
                if !table.rows.is_empty() {
                    out.push(Block::Table(table));
                }
            }
            Block::Media(mut media) => {
                if normalize_media(&mut media) {
                    out.push(Block::Media(media));
                }
            }
            Block::Opaque(opaque) => out.push(Block::Opaque(opaque)),
        }
    }
    out
}

/// Appends a block, merging it into the previous one where formats cannot tell them apart.
fn push_block(out: &mut Vec<Block>, block: Block) {
    match (out.last_mut(), block) {
        (Some(Block::List(prev)), Block::List(next)) if same_list_kind(prev.kind, next.kind) => {
            prev.items.extend(next.items);
        }
        (Some(Block::Quote { blocks: prev }), Block::Quote { blocks: next }) => {
            // Re-normalise: the seam may join two lists or quotes.
            let mut joined = mem::take(prev);
            joined.extend(next);
            *prev = normalize_blocks(joined);
        }
        (_, block) => out.push(block),
    }
}

fn same_list_kind(a: ListKind, b: ListKind) -> bool {
    matches!(
        (a, b),
        (ListKind::Bullet, ListKind::Bullet)
            | (ListKind::Task, ListKind::Task)
            | (ListKind::Ordered { .. }, ListKind::Ordered { .. })
    )
}

fn paragraph_or_media(mut content: Vec<Inline>) -> Block {
    if content.len() == 1
        && let Some(Inline::Media(_)) = content.first()
        && let Some(Inline::Media(media)) = content.pop()
    {
        return Block::Media(media);
    }
    Block::Paragraph { content }
}

/// Splits normalised paragraph content at runs of two or more hard breaks.
fn split_paragraph(content: Vec<Inline>) -> Vec<Vec<Inline>> {
    let mut parts = Vec::new();
    let mut current: Vec<Inline> = Vec::new();
    let mut breaks = 0usize;
    for inline in content {
        if inline == Inline::HardBreak {
            breaks += 1;
            continue;
        }
        if breaks == 1 {
            current.push(Inline::HardBreak);
        } else if breaks >= 2 && !current.is_empty() {
            parts.push(mem::take(&mut current));
        }
        breaks = 0;
        current.push(inline);
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// Normalises a media reference; `false` when nothing is left to refer to (an empty or unsafe
/// URL), and the node goes.
pub(crate) fn normalize_media(media: &mut Media) -> bool {
    if let crate::model::MediaRef::Url { url } = &mut media.source {
        let trimmed = url.trim();
        if trimmed.is_empty() || !crate::html::safe_url(trimmed) {
            return false;
        }
        *url = trimmed.to_string();
    }
    media.alt = media
        .alt
        .take()
        .map(|a| collapse_ws(&a))
        .filter(|a| !a.is_empty());
    media.width = media.width.filter(|w| *w > 0);
    media.height = media.height.filter(|h| *h > 0);
    true
}

fn normalize_mention(mention: &mut Mention) {
    mention.display = mention
        .display
        .take()
        .map(|d| collapse_ws(&d).trim_start_matches('@').trim().to_string())
        .filter(|d| !d.is_empty());
}

fn normalize_marks(marks: &mut Marks) {
    if marks.code {
        *marks = Marks {
            code: true,
            link: marks.link.take(),
            ..Marks::default()
        };
    }
    marks.color = marks.color.take().and_then(|c| normalize_color(&c));
    // A link to `javascript:` and the like is not content: the model never holds one, so no
    // writer can pass it on to another system.
    marks.link = marks
        .link
        .take()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty() && crate::html::safe_url(l));
}

/// Keeps characters that carry text; turns whitespace into spaces.
fn clean_text(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\u{a0}' | '\u{2007}' | '\u{202f}' => Some(' '),
            c if is_ws(c) => Some(' '),
            '\u{feff}' | '\u{200b}' | '\u{fffd}' => None,
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// Collapses whitespace in a plain string (titles, alt text, display names).
pub(crate) fn collapse_ws(text: &str) -> String {
    clean_text(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn normalize_inlines(inlines: Vec<Inline>, allow_breaks: bool) -> Vec<Inline> {
    // 1. Clean each node.
    let mut nodes: Vec<Inline> = Vec::with_capacity(inlines.len());
    for inline in inlines {
        match inline {
            Inline::Text { text, mut marks } => {
                normalize_marks(&mut marks);
                let text = clean_text(&text);
                if text.is_empty() {
                    continue;
                }
                split_edges(&mut nodes, text, marks);
            }
            Inline::HardBreak if !allow_breaks => nodes.push(Inline::text(" ")),
            Inline::HardBreak => nodes.push(Inline::HardBreak),
            Inline::Mention(mut m) => {
                normalize_mention(&mut m);
                nodes.push(Inline::Mention(m));
            }
            Inline::Emoji { shortname, text } => {
                let name = shortname.trim().trim_matches(':').to_string();
                // The character a writer shows for a known short name carries nothing.
                let text = text.filter(|t| {
                    !t.trim().is_empty() && crate::text::emoji_char(&name) != Some(t.as_str())
                });
                if name.is_empty() {
                    if let Some(t) = text {
                        nodes.push(Inline::text(t));
                    }
                    continue;
                }
                nodes.push(Inline::Emoji {
                    shortname: format!(":{name}:"),
                    text,
                });
            }
            Inline::Status { text, color } => {
                let text = collapse_ws(&text);
                if text.is_empty() {
                    continue;
                }
                let color = color.trim().to_ascii_lowercase();
                let color = match color.as_str() {
                    "purple" | "blue" | "red" | "yellow" | "green" => color,
                    _ => "neutral".to_string(),
                };
                nodes.push(Inline::Status { text, color });
            }
            Inline::Media(mut m) => {
                if normalize_media(&mut m) {
                    nodes.push(Inline::Media(m));
                }
            }
            Inline::Card { url } => {
                let url = url.trim().to_string();
                if !url.is_empty() && crate::html::safe_url(&url) {
                    nodes.push(Inline::Card { url });
                }
            }
            other @ (Inline::Date { .. } | Inline::Opaque(_)) => nodes.push(other),
        }
    }
    // 2. Merge runs with equal marks, so whitespace collapses across node boundaries.
    let mut nodes = merge_texts(nodes);
    // 3. Collapse whitespace runs; drop spaces at line starts (block start, after a break).
    let mut at_line_start = true;
    for node in &mut nodes {
        match node {
            Inline::Text { text, .. } => {
                let mut collapsed = String::with_capacity(text.len());
                for c in text.chars() {
                    if c == ' ' {
                        if !at_line_start {
                            collapsed.push(' ');
                        }
                        at_line_start = true;
                    } else {
                        collapsed.push(c);
                        at_line_start = false;
                    }
                }
                *text = collapsed;
            }
            Inline::HardBreak => at_line_start = true,
            _ => at_line_start = false,
        }
    }
    // "at_line_start" above also swallows a space after a space; what remains is at most one
    // space before each break and at the end: trim those.
    let mut out: Vec<Inline> = Vec::with_capacity(nodes.len());
    for node in nodes {
        if node == Inline::HardBreak {
            trim_trailing(&mut out);
            if out.is_empty() {
                continue;
            }
        }
        if let Inline::Text { text, .. } = &node
            && text.is_empty()
        {
            continue;
        }
        out.push(node);
    }
    trim_trailing(&mut out);
    while out.last() == Some(&Inline::HardBreak) {
        out.pop();
        trim_trailing(&mut out);
    }
    merge_texts(out)
}

/// Pushes `text` with `marks`, moving edge whitespace out of marks that cannot cover it.
fn split_edges(nodes: &mut Vec<Inline>, text: String, marks: Marks) {
    let edge = marks.for_edge_whitespace();
    if edge == marks {
        nodes.push(Inline::Text { text, marks });
        return;
    }
    let core = text.trim_matches(' ');
    if core.is_empty() {
        nodes.push(Inline::Text { text, marks: edge });
        return;
    }
    let lead = text.len() - text.trim_start_matches(' ').len();
    let trail = text.len() - text.trim_end_matches(' ').len();
    if lead > 0 {
        nodes.push(Inline::marked(" ", edge.clone()));
    }
    nodes.push(Inline::marked(core, marks));
    if trail > 0 {
        nodes.push(Inline::marked(" ", edge));
    }
}

/// Removes spaces at the end of `out`, through as many text nodes as it takes.
fn trim_trailing(out: &mut Vec<Inline>) {
    while let Some(Inline::Text { text, .. }) = out.last_mut() {
        let trimmed = text.trim_end_matches(' ').len();
        text.truncate(trimmed);
        if text.is_empty() {
            out.pop();
        } else {
            break;
        }
    }
}

fn merge_texts(nodes: Vec<Inline>) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::with_capacity(nodes.len());
    for node in nodes {
        if let Inline::Text { text, marks } = &node {
            if text.is_empty() {
                continue;
            }
            if let Some(Inline::Text {
                text: prev_text,
                marks: prev_marks,
            }) = out.last_mut()
                && prev_marks == marks
            {
                prev_text.push_str(text);
                continue;
            }
        }
        out.push(node);
    }
    out
}
