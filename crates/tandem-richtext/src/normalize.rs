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
        // The read-only check first: a document read from this crate's own output (and many
        // from elsewhere) is already normal, and rebuilding it costs several times more.
        if !self.normal && !blocks_are_normal(&self.blocks) {
            self.blocks = normalize_blocks(mem::take(&mut self.blocks));
        }
        self.normal = true;
    }

    /// The normal form of this document.
    pub fn normalized(mut self) -> Document {
        self.normalize();
        self
    }

    /// Whether the document is already in normal form.
    pub fn is_normalized(&self) -> bool {
        // The read-only check answers for every document; the full comparison stays as the
        // definition, should the two ever disagree.
        // Worked out from the blocks, not taken from the flag that `normalize` sets: tests use
        // this to check that flag's promise.
        blocks_are_normal(&self.blocks) || normalize_blocks(self.blocks.clone()) == self.blocks
    }
}

/// Whether `normalize_blocks` would give `blocks` back unchanged, found by reading alone (no
/// clone, no allocation): `render` uses it to skip normalising a document that already is in
/// normal form, which every parsed document is. Each test mirrors one rule of the normaliser
/// below; the unit tests check the two agree on generated documents.
pub(crate) fn blocks_are_normal(blocks: &[Block]) -> bool {
    let mut prev: Option<&Block> = None;
    for block in blocks {
        let ok = match block {
            Block::Paragraph { content } => {
                inlines_are_normal(content, true)
                    && !content.is_empty()
                    && !content
                        .windows(2)
                        .any(|w| w[0] == Inline::HardBreak && w[1] == Inline::HardBreak)
                    && !matches!(content.as_slice(), [Inline::Media(_)])
            }
            Block::Heading { level, content } => {
                (1..=6).contains(level) && !content.is_empty() && inlines_are_normal(content, false)
            }
            Block::List(list) => {
                let task = list.kind == ListKind::Task;
                let merges =
                    matches!(prev, Some(Block::List(p)) if same_list_kind(p.kind, list.kind));
                !merges
                    && !matches!(list.kind, ListKind::Ordered { start: 0 })
                    && !list.items.is_empty()
                    && list.items.iter().all(|item| {
                        item.checked.is_some() == task
                            && !item.blocks.is_empty()
                            && blocks_are_normal(&item.blocks)
                    })
            }
            Block::CodeBlock { language, text } => {
                !text.contains('\r')
                    && !text.starts_with('\n')
                    && !text.ends_with('\n')
                    && !text.trim().is_empty()
                    && language.as_deref().is_none_or(|l| {
                        !l.is_empty()
                            && l.chars()
                                .all(|c| !c.is_whitespace() && !c.is_ascii_uppercase())
                    })
            }
            Block::Quote { blocks } => {
                !matches!(prev, Some(Block::Quote { .. }))
                    && !blocks.is_empty()
                    && blocks_are_normal(blocks)
            }
            Block::Panel(panel) => {
                panel
                    .title
                    .as_deref()
                    .is_none_or(|t| !t.is_empty() && is_collapsed(t))
                    && blocks_are_normal(&panel.blocks)
                    && (!panel.blocks.is_empty() || panel.title.is_some())
            }
            Block::Rule | Block::Opaque(_) => true,
            Block::Table(table) => {
                !table.rows.is_empty()
                    && table.rows.iter().all(|row| {
                        !row.cells.is_empty()
                            && row.cells.iter().all(|cell| {
                                cell.colspan >= 1
                                    && cell.rowspan >= 1
                                    && blocks_are_normal(&cell.blocks)
                            })
                    })
            }
            Block::Media(media) => media_is_normal(media),
        };
        if !ok {
            return false;
        }
        prev = Some(block);
    }
    true
}

/// Whether `normalize_inlines(inlines, allow_breaks)` gives `inlines` back unchanged.
fn inlines_are_normal(inlines: &[Inline], allow_breaks: bool) -> bool {
    // Whitespace: no space at a line start (block start, after a break) or after a space,
    // none before a break or at the end, no break first or last.
    let mut at_line_start = true;
    let mut prev: Option<&Inline> = None;
    for inline in inlines {
        match inline {
            Inline::Text { text, marks } => {
                if text.is_empty() || !marks_are_normal(marks) || !is_clean(text) {
                    return false;
                }
                if let Some(Inline::Text {
                    marks: prev_marks, ..
                }) = prev
                    && prev_marks == marks
                {
                    return false;
                }
                if marks.for_edge_whitespace() != *marks
                    && (text.starts_with(' ') || text.ends_with(' '))
                {
                    return false;
                }
                for b in text.bytes() {
                    if b == b' ' {
                        if at_line_start {
                            return false;
                        }
                        at_line_start = true;
                    } else {
                        at_line_start = false;
                    }
                }
            }
            Inline::HardBreak => {
                if !allow_breaks {
                    return false;
                }
                match prev {
                    None => return false,
                    Some(Inline::Text { text, .. }) if text.ends_with(' ') => return false,
                    _ => {}
                }
                at_line_start = true;
            }
            Inline::Mention(m) => {
                if let Some(d) = &m.display
                    && (d.is_empty()
                        || !is_collapsed(d)
                        || d.starts_with('@')
                        || d.trim() != d.as_str())
                {
                    return false;
                }
                at_line_start = false;
            }
            Inline::Emoji { shortname, text } => {
                let Some(name) = shortname
                    .strip_prefix(':')
                    .and_then(|s| s.strip_suffix(':'))
                else {
                    return false;
                };
                if name.is_empty() || name.starts_with(':') || name.ends_with(':') {
                    return false;
                }
                if let Some(t) = text
                    && (t.trim().is_empty() || crate::text::emoji_char(name) == Some(t.as_str()))
                {
                    return false;
                }
                at_line_start = false;
            }
            Inline::Status { text, color } => {
                if text.is_empty()
                    || !is_collapsed(text)
                    || !matches!(
                        color.as_str(),
                        "purple" | "blue" | "red" | "yellow" | "green" | "neutral"
                    )
                {
                    return false;
                }
                at_line_start = false;
            }
            Inline::Media(m) => {
                if !media_is_normal(m) {
                    return false;
                }
                at_line_start = false;
            }
            Inline::Card { url } => {
                if !url_is_normal(url) {
                    return false;
                }
                at_line_start = false;
            }
            Inline::Date { .. } | Inline::Opaque(_) => at_line_start = false,
        }
        prev = Some(inline);
    }
    match prev {
        Some(Inline::HardBreak) => false,
        Some(Inline::Text { text, .. }) => !text.ends_with(' '),
        _ => true,
    }
}

/// A colour in its normal form: `#rrggbb`, lower case.
fn color_is_normal(c: &str) -> bool {
    c.len() == 7
        && c.starts_with('#')
        && c[1..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Whether `normalize_marks` leaves `marks` unchanged.
fn marks_are_normal(marks: &Marks) -> bool {
    if marks.code
        && (marks.strong
            || marks.em
            || marks.underline
            || marks.strike
            || marks.script.is_some()
            || marks.color.is_some())
    {
        return false;
    }
    marks.color.as_deref().is_none_or(color_is_normal)
        && marks.link.as_deref().is_none_or(url_is_normal)
}

/// A URL the normaliser keeps as it is: trimmed, not empty, safe.
fn url_is_normal(url: &str) -> bool {
    !url.is_empty() && url.trim() == url && crate::html::safe_url(url)
}

/// Whether `normalize_media` leaves `media` unchanged.
fn media_is_normal(media: &Media) -> bool {
    if let crate::model::MediaRef::Url { url } = &media.source
        && !url_is_normal(url)
    {
        return false;
    }
    media
        .alt
        .as_deref()
        .is_none_or(|a| !a.is_empty() && is_collapsed(a))
        && media.width != Some(0)
        && media.height != Some(0)
}

/// Whether `clean_text` leaves `text` unchanged.
fn is_clean(text: &str) -> bool {
    text.bytes().all(|b| (0x20..0x7f).contains(&b))
        || text.chars().all(|c| clean_char(c) == Some(c))
}

/// Whether `collapse_ws` leaves `text` unchanged.
fn is_collapsed(text: &str) -> bool {
    is_clean(text) && !text.starts_with(' ') && !text.ends_with(' ') && !text.contains("  ")
}

pub(crate) fn normalize_blocks(blocks: Vec<Block>) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::with_capacity(blocks.len());
    for block in blocks {
        match block {
            Block::Paragraph { content } => {
                let content = normalize_inlines(content, true);
                if has_break_run(&content) {
                    for part in split_paragraph(content) {
                        push_block(&mut out, paragraph_or_media(part));
                    }
                } else if !content.is_empty() {
                    // One part: what `split_paragraph` gives without copying.
                    push_block(&mut out, paragraph_or_media(content));
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
                let text = if text.contains('\r') || text.starts_with('\n') || text.ends_with('\n')
                {
                    let text = text.replace("\r\n", "\n").replace('\r', "\n");
                    text.trim_matches('\n').to_string()
                } else {
                    text
                };
                let language = language
                    .map(|l| {
                        if l.chars()
                            .any(|c| c.is_whitespace() || c.is_ascii_uppercase())
                        {
                            l.trim().to_ascii_lowercase()
                        } else {
                            l
                        }
                    })
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
                panel.title = panel.title.map(collapse_ws_owned).filter(|t| !t.is_empty());
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

/// Whether normalised paragraph content holds two hard breaks in a row.
fn has_break_run(content: &[Inline]) -> bool {
    content
        .windows(2)
        .any(|w| w[0] == Inline::HardBreak && w[1] == Inline::HardBreak)
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
        if trimmed.len() != url.len() {
            *url = trimmed.to_string();
        }
    }
    media.alt = media
        .alt
        .take()
        .map(collapse_ws_owned)
        .filter(|a| !a.is_empty());
    media.width = media.width.filter(|w| *w > 0);
    media.height = media.height.filter(|h| *h > 0);
    true
}

fn normalize_mention(mention: &mut Mention) {
    mention.display = mention
        .display
        .take()
        .map(|d| {
            let d = collapse_ws_owned(d);
            let kept = d.trim_start_matches('@').trim();
            if kept.len() == d.len() {
                d
            } else {
                kept.to_string()
            }
        })
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
    marks.color = marks.color.take().and_then(|c| {
        if color_is_normal(&c) {
            Some(c)
        } else {
            normalize_color(&c)
        }
    });
    // A link to `javascript:` and the like is not content: the model never holds one, so no
    // writer can pass it on to another system.
    marks.link = marks
        .link
        .take()
        .map(|l| {
            if l.trim().len() == l.len() {
                l
            } else {
                l.trim().to_string()
            }
        })
        .filter(|l| !l.is_empty() && crate::html::safe_url(l));
}

/// Keeps characters that carry text; turns whitespace into spaces.
fn clean_text(text: &str) -> String {
    text.chars().filter_map(clean_char).collect()
}

/// `clean_text`, keeping the string when it is already clean.
fn clean_text_owned(text: String) -> String {
    if is_clean(&text) {
        text
    } else {
        clean_text(&text)
    }
}

fn clean_char(c: char) -> Option<char> {
    match c {
        '\u{a0}' | '\u{2007}' | '\u{202f}' => Some(' '),
        c if is_ws(c) => Some(' '),
        '\u{feff}' | '\u{200b}' | '\u{fffd}' => None,
        c if c.is_control() => None,
        c => Some(c),
    }
}

/// `collapse_ws`, keeping the string when it is already collapsed.
fn collapse_ws_owned(text: String) -> String {
    if is_collapsed(&text) {
        text
    } else {
        collapse_ws(&text)
    }
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
    // Most runs a reader produces are already normal (always, reading this crate's own
    // output): the read-only check spares rebuilding them.
    if inlines_are_normal(&inlines, allow_breaks) {
        return inlines;
    }
    // 1. Clean each node.
    let mut nodes: Vec<Inline> = Vec::with_capacity(inlines.len());
    for inline in inlines {
        match inline {
            Inline::Text { text, mut marks } => {
                normalize_marks(&mut marks);
                let text = clean_text_owned(text);
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
                let name = shortname.trim().trim_matches(':');
                // The character a writer shows for a known short name carries nothing.
                let text = text.filter(|t| {
                    !t.trim().is_empty() && crate::text::emoji_char(name) != Some(t.as_str())
                });
                if name.is_empty() {
                    if let Some(t) = text {
                        nodes.push(Inline::text(t));
                    }
                    continue;
                }
                let shortname = if shortname.len() == name.len() + 2
                    && shortname.starts_with(':')
                    && shortname.ends_with(':')
                {
                    shortname
                } else {
                    format!(":{name}:")
                };
                nodes.push(Inline::Emoji { shortname, text });
            }
            Inline::Status { text, color } => {
                let text = collapse_ws_owned(text);
                if text.is_empty() {
                    continue;
                }
                let color = match color.as_str() {
                    "purple" | "blue" | "red" | "yellow" | "green" | "neutral" => color,
                    _ => {
                        let color = color.trim().to_ascii_lowercase();
                        match color.as_str() {
                            "purple" | "blue" | "red" | "yellow" | "green" => color,
                            _ => "neutral".to_string(),
                        }
                    }
                };
                nodes.push(Inline::Status { text, color });
            }
            Inline::Media(mut m) => {
                if normalize_media(&mut m) {
                    nodes.push(Inline::Media(m));
                }
            }
            Inline::Card { url } => {
                let url = if url.trim().len() == url.len() {
                    url
                } else {
                    url.trim().to_string()
                };
                if !url.is_empty() && crate::html::safe_url(&url) {
                    nodes.push(Inline::Card { url });
                }
            }
            other @ (Inline::Date { .. } | Inline::Opaque(_)) => nodes.push(other),
        }
    }
    // 2. Merge runs with equal marks, so whitespace collapses across node boundaries.
    merge_texts_in_place(&mut nodes);
    // 3. Collapse whitespace runs; drop spaces at line starts (block start, after a break).
    let mut at_line_start = true;
    for node in &mut nodes {
        match node {
            Inline::Text { text, .. } => {
                // Spaces are ASCII, so the bytes tell whether any space goes; most texts keep
                // every character and stay as they are.
                let mut state = at_line_start;
                let mut drops = false;
                for b in text.bytes() {
                    if b == b' ' {
                        drops |= state;
                        state = true;
                    } else {
                        state = false;
                    }
                }
                if drops {
                    text.retain(|c| {
                        if c == ' ' {
                            let keep = !at_line_start;
                            at_line_start = true;
                            keep
                        } else {
                            at_line_start = false;
                            true
                        }
                    });
                }
                at_line_start = state;
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
    merge_texts_in_place(&mut out);
    out
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

/// Drops empty text runs and joins adjacent runs with equal marks, in place.
fn merge_texts_in_place(nodes: &mut Vec<Inline>) {
    let mergeable = |a: &Inline, b: &Inline| match (a, b) {
        (Inline::Text { marks: ma, .. }, Inline::Text { marks: mb, .. }) => ma == mb,
        _ => false,
    };
    let is_empty_text = |n: &Inline| matches!(n, Inline::Text { text, .. } if text.is_empty());
    if !nodes.iter().any(is_empty_text) && !nodes.windows(2).any(|w| mergeable(&w[0], &w[1])) {
        return;
    }
    let mut out: Vec<Inline> = Vec::with_capacity(nodes.len());
    for node in nodes.drain(..) {
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
    *nodes = out;
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::model::{
        Cell, List, ListItem, MediaRef, Opaque, Panel, PanelKind, Row, Script, Table, UserRef,
    };

    /// A small deterministic generator of documents near the normal form (pieces that the
    /// normaliser changes, and pieces it keeps).
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            usize::try_from(self.next() % n as u64).unwrap()
        }
        fn pick<T: Clone>(&mut self, items: &[T]) -> T {
            items[self.below(items.len())].clone()
        }
        fn text(&mut self) -> String {
            let parts = [
                "a", "b", "A", " ", " ", "  ", "\t", "\u{a0}", "\u{200b}", "@", ":", "\n", "\r",
                "é", "\u{1}",
            ];
            (0..self.below(4)).map(|_| self.pick(&parts)).collect()
        }
        fn opt_text(&mut self) -> Option<String> {
            match self.below(4) {
                0 => None,
                1 => Some("a b".into()),
                _ => Some(self.text()),
            }
        }
        fn marks(&mut self) -> Marks {
            let mut m = Marks::default();
            match self.below(6) {
                0 => m.strong = true,
                1 => m.code = true,
                2 => m.em = true,
                _ => {}
            }
            if self.below(5) == 0 {
                m.underline = true;
            }
            if self.below(6) == 0 {
                m.script = Some(self.pick(&[Script::Sub, Script::Sup]));
            }
            if self.below(5) == 0 {
                m.color = Some(self.pick(&["#ff0000", "#FF0000", "red", "#abc"]).into());
            }
            if self.below(5) == 0 {
                m.link = Some(
                    self.pick(&[
                        "https://e.com",
                        " https://e.com",
                        "javascript:x",
                        "",
                        "/rel",
                    ])
                    .into(),
                );
            }
            m
        }
        fn media(&mut self) -> Media {
            Media {
                source: match self.below(3) {
                    0 => MediaRef::Url {
                        url: self
                            .pick(&["https://x/a.png", " https://x/a.png", "", "javascript:x"])
                            .into(),
                    },
                    1 => MediaRef::File {
                        name: "a.png".into(),
                    },
                    _ => MediaRef::JiraMedia {
                        id: "m".into(),
                        collection: String::new(),
                    },
                },
                alt: self.opt_text(),
                width: self.pick(&[None, Some(0), Some(3)]),
                height: self.pick(&[None, Some(0), Some(3)]),
            }
        }
        fn inline(&mut self) -> Inline {
            match self.below(14) {
                0..=5 => Inline::Text {
                    text: self.text(),
                    marks: self.marks(),
                },
                6 | 7 => Inline::HardBreak,
                8 => Inline::Mention(Mention {
                    user: UserRef::JiraAccountId("u".into()),
                    display: self.pick(&[
                        None,
                        Some("Ann".into()),
                        Some("@Ann".into()),
                        Some(" Ann".into()),
                        Some(String::new()),
                        Some("A\u{2003}".into()),
                    ]),
                }),
                9 => Inline::Emoji {
                    shortname: self
                        .pick(&[":smile:", "smile", ":x::", "::", ":a b:", " :x: "])
                        .into(),
                    text: self.pick(&[None, Some("🙂".into()), Some(" ".into()), Some("x".into())]),
                },
                10 => Inline::Status {
                    text: self.pick(&["OK", " OK", "", "a  b"]).into(),
                    color: self.pick(&["green", "Green", "pink", "neutral"]).into(),
                },
                11 => Inline::Media(self.media()),
                12 => Inline::Card {
                    url: self
                        .pick(&["https://e.com", " https://e.com", "", "javascript:x"])
                        .into(),
                },
                _ => Inline::Opaque(Opaque {
                    format: crate::Format::Html,
                    raw: "<x>".into(),
                    text: self.text(),
                }),
            }
        }
        fn inlines(&mut self) -> Vec<Inline> {
            (0..self.below(5)).map(|_| self.inline()).collect()
        }
        fn blocks(&mut self, depth: usize) -> Vec<Block> {
            (0..self.below(4)).map(|_| self.block(depth)).collect()
        }
        fn block(&mut self, depth: usize) -> Block {
            if depth > 2 {
                return Block::Paragraph {
                    content: self.inlines(),
                };
            }
            let d = depth + 1;
            match self.below(12) {
                0..=2 => Block::Paragraph {
                    content: self.inlines(),
                },
                3 => Block::Heading {
                    level: self.pick(&[0, 1, 3, 7]),
                    content: self.inlines(),
                },
                4 => {
                    let kind = self.pick(&[
                        ListKind::Bullet,
                        ListKind::Task,
                        ListKind::Ordered { start: 0 },
                        ListKind::Ordered { start: 2 },
                    ]);
                    let items = (0..self.below(3))
                        .map(|_| ListItem {
                            checked: self.pick(&[None, Some(true)]),
                            blocks: self.blocks(d),
                        })
                        .collect();
                    Block::List(List { kind, items })
                }
                5 => Block::CodeBlock {
                    language: self.pick(&[
                        None,
                        Some("rust".into()),
                        Some("Rust".into()),
                        Some(" ".into()),
                        Some("a b".into()),
                    ]),
                    text: self
                        .pick(&["x", "\nx", "x\n", "a\r\nb", " ", "a\nb"])
                        .into(),
                },
                6 => Block::Quote {
                    blocks: self.blocks(d),
                },
                7 => Block::Panel(Panel {
                    kind: PanelKind::Info,
                    title: self.opt_text(),
                    blocks: self.blocks(d),
                }),
                8 => Block::Rule,
                9 => Block::Table(Table {
                    rows: (0..self.below(3))
                        .map(|_| Row {
                            cells: (0..self.below(3))
                                .map(|_| Cell {
                                    header: false,
                                    colspan: self.pick(&[0, 1, 2]),
                                    rowspan: self.pick(&[1, 1, 0]),
                                    blocks: self.blocks(d),
                                })
                                .collect(),
                        })
                        .collect(),
                }),
                10 => Block::Media(self.media()),
                _ => Block::Opaque(Opaque {
                    format: crate::Format::Adf,
                    raw: "{}".into(),
                    text: String::new(),
                }),
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// The read-only check says "normal" exactly when normalising changes nothing, both for
        /// arbitrary documents and for normal forms with one piece put back from the original.
        #[test]
        fn the_normal_form_check_agrees_with_the_normaliser(seed in any::<u64>()) {
            let mut g = Gen(seed | 1);
            // Normalising the blocks themselves (the document's flag would skip the work).
            let stays = |blocks: &[Block]| normalize_blocks(blocks.to_vec()) == blocks;
            let doc = Document::new(g.blocks(0));
            prop_assert_eq!(blocks_are_normal(&doc.blocks), stays(&doc.blocks));
            let normal = doc.normalized();
            prop_assert!(normal.normal);
            prop_assert_eq!(blocks_are_normal(&normal.blocks), stays(&normal.blocks));
            // Mix: a normal document with one block from elsewhere.
            let mut mixed = normal;
            let extra = g.block(0);
            let at = g.below(mixed.blocks.len() + 1);
            mixed.blocks_mut().insert(at, extra);
            prop_assert!(!mixed.normal);
            prop_assert_eq!(blocks_are_normal(&mixed.blocks), stays(&mixed.blocks));
        }
    }
}
