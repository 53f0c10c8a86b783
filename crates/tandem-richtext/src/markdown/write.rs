//! Markdown writer: CommonMark + GFM, escaping what the reader would take for syntax. Marks
//! Markdown has no syntax for (underline, sub/sup, colour), and emphasis where CommonMark's
//! flanking rules would not hold, are written as the few inline HTML tags the reader honours.

use crate::loss::Losses;
use crate::model::{
    Block, Document, Inline, List, ListKind, Marks, Media, MediaRef, Mention, PanelKind, Script,
    Table, UserRef,
};
use crate::text::{emoji_char, format_date};
use crate::visit::blocks_plain_text;

pub(crate) fn write(doc: &Document, losses: &mut Losses) -> String {
    let mut w = Writer { losses };
    let mut out = w.blocks(&doc.blocks);
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

struct Writer<'l> {
    losses: &'l mut Losses,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Paragraph,
    Heading,
    Cell,
}

fn indent(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.is_empty() {
            continue;
        }
        out.push_str(if i == 0 { first } else { rest });
        out.push_str(line);
    }
    out
}

impl Writer<'_> {
    fn blocks(&mut self, blocks: &[Block]) -> String {
        let mut out = String::new();
        for block in blocks {
            let s = self.block(block);
            if s.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            out.push_str(&s);
        }
        out
    }

    /// A list item's blocks: a nested list follows its paragraph without a blank line.
    fn item_blocks(&mut self, blocks: &[Block]) -> String {
        let mut out = String::new();
        for block in blocks {
            let s = self.block(block);
            if s.is_empty() {
                continue;
            }
            if !out.is_empty() {
                // An ordered list may interrupt a paragraph only when it starts at 1.
                let interrupts = matches!(block, Block::List(l)
                    if !matches!(l.kind, ListKind::Ordered { start } if start != 1));
                out.push_str(if interrupts { "\n" } else { "\n\n" });
            }
            out.push_str(&s);
        }
        out
    }

    fn block(&mut self, block: &Block) -> String {
        match block {
            Block::Paragraph { content } => {
                escape_line_starts(&self.inlines(content, Slot::Paragraph))
            }
            Block::Heading { level, content } => {
                let text = self.inlines(content, Slot::Heading);
                let text = match text.strip_suffix('#') {
                    Some(t) => format!("{t}\\#"),
                    None => text,
                };
                format!("{} {text}", "#".repeat(usize::from(*level)))
            }
            Block::List(list) => self.list(list),
            Block::CodeBlock { language, text } => {
                let longest = longest_run(text, '`');
                let fence = "`".repeat(longest.max(2) + 1);
                let lang = language
                    .as_deref()
                    .filter(|l| !l.contains('`'))
                    .unwrap_or("");
                format!("{fence}{lang}\n{text}\n{fence}")
            }
            Block::Quote { blocks } => quote(&self.blocks(blocks)),
            Block::Panel(panel) => {
                let what = if panel.kind == PanelKind::Expand {
                    "expand"
                } else {
                    "panel"
                };
                self.losses.approximated(
                    what,
                    "Markdown has no panels: written as a quote with its title in bold",
                );
                let mut inner = String::new();
                if let Some(title) = &panel.title {
                    inner.push_str(&format!("**{}**", escape_text(title, Slot::Paragraph)));
                    if !panel.blocks.is_empty() {
                        inner.push_str("\n\n");
                    }
                }
                inner.push_str(&self.blocks(&panel.blocks));
                quote(&inner)
            }
            Block::Rule => "---".to_string(),
            Block::Table(table) => self.table(table),
            Block::Media(media) => self.media(media),
            Block::Opaque(o) => {
                if o.format == crate::Format::Markdown {
                    o.raw.clone()
                } else {
                    self.losses.approximated(
                        "unsupported construct",
                        "written as plain text (Markdown cannot hold it)",
                    );
                    escape_line_starts(&escape_text(&o.text, Slot::Paragraph).replace('\n', "\\\n"))
                }
            }
        }
    }

    fn list(&mut self, list: &List) -> String {
        let mut items = Vec::new();
        for (n, item) in list.items.iter().enumerate() {
            let marker = match list.kind {
                ListKind::Bullet => "-".to_string(),
                // A different bullet than plain lists, so a task list next to one stays apart.
                ListKind::Task => {
                    if item.checked == Some(true) {
                        "* [x]".to_string()
                    } else {
                        "* [ ]".to_string()
                    }
                }
                ListKind::Ordered { start } => {
                    format!("{}.", u64::from(start) + u64::try_from(n).unwrap_or(0))
                }
            };
            let width = match list.kind {
                ListKind::Task => 2,
                _ => marker.len() + 1,
            };
            let body = self.item_blocks(&item.blocks);
            let pad = " ".repeat(width);
            // Whatever the first block is, it starts on the marker's line: a marker alone on
            // a line after a paragraph would read as a setext heading underline.
            let starts_inline = matches!(item.blocks.first(), Some(Block::Paragraph { .. }));
            let text = if list.kind == ListKind::Task && !starts_inline {
                // A checkbox needs text on its line: a zero-width space (the normal form drops
                // it again), then the blocks below.
                format!("{marker} \u{200b}\n{}", indent(&body, &pad, &pad))
            } else {
                indent(&body, &format!("{marker} "), &pad)
            };
            items.push(if text.is_empty() { marker } else { text });
        }
        items.join("\n")
    }

    fn table(&mut self, table: &Table) -> String {
        // GFM tables: a header row, no merged cells, one line per cell.
        let mut grid: Vec<Vec<String>> = Vec::new();
        let mut covered = crate::visit::Covered::default();
        let mut merged = false;
        for (r, row) in table.rows.iter().enumerate() {
            if r > 0 && row.cells.iter().any(|c| c.header) {
                self.losses.approximated(
                    "header cell",
                    "Markdown tables have headers only in the first row",
                );
            }
            let mut line = Vec::new();
            let mut cells = row.cells.iter();
            let mut col = 0usize;
            loop {
                if covered.at(r, col) {
                    line.push(String::new());
                    col += 1;
                    continue;
                }
                let Some(cell) = cells.next() else { break };
                line.push(self.cell(&cell.blocks));
                let (rows, span) = covered.cover(r, col, cell);
                if span > 1 || rows > 1 {
                    merged = true;
                }
                for _ in 1..span {
                    line.push(String::new());
                }
                col += span;
            }
            grid.push(line);
        }
        if merged {
            self.losses.approximated(
                "merged cell",
                "Markdown tables cannot merge cells: the merged area was filled with empty cells",
            );
        }
        if table
            .rows
            .first()
            .is_some_and(|r| r.cells.iter().any(|c| !c.header))
        {
            self.losses.approximated(
                "table header",
                "a Markdown table's first row is always its header",
            );
        }
        let width = grid.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let mut out = Vec::new();
        for (r, line) in grid.iter().enumerate() {
            let mut cells = line.clone();
            cells.resize(width, String::new());
            out.push(format!("| {} |", cells.join(" | ")));
            if r == 0 {
                out.push(format!("|{}", " --- |".repeat(width)));
            }
        }
        out.join("\n")
    }

    fn cell(&mut self, blocks: &[Block]) -> String {
        let mut parts = Vec::new();
        for block in blocks {
            match block {
                Block::Paragraph { content } => {
                    let text = self.inlines(content, Slot::Cell);
                    // A cell that is just `-` or starts with a list marker reads as empty.
                    let text = match text.chars().next() {
                        Some('-' | '+') => format!("\\{text}"),
                        _ => text,
                    };
                    parts.push(text);
                }
                Block::Media(m) => parts.push(self.media(m)),
                other => {
                    self.losses.approximated(
                        "table cell content",
                        "a Markdown table cell holds one line: blocks were written as text",
                    );
                    let plain = blocks_plain_text(std::slice::from_ref(other));
                    parts.push(
                        plain
                            .lines()
                            .map(|l| escape_text(l, Slot::Cell))
                            .collect::<Vec<_>>()
                            .join("<br>"),
                    );
                }
            }
        }
        parts.retain(|p| !p.is_empty());
        // Two breaks end a paragraph in the normal form.
        parts.join("<br><br>")
    }

    fn media(&mut self, media: &Media) -> String {
        let url = match &media.source {
            MediaRef::Url { url } => url.clone(),
            MediaRef::File { name } if !crate::text::is_image_name(name) => {
                self.losses.approximated(
                    "attachment",
                    "an attachment known by file name only (map it to a URL first): written as a link",
                );
                let label = media.alt.as_deref().unwrap_or(name);
                return format!(
                    "[{}]({})",
                    escape_text(label, Slot::Heading),
                    link_destination(name)
                );
            }
            MediaRef::File { name } => {
                self.losses.approximated(
                    "image",
                    "an attachment known by file name only (map it to a URL first)",
                );
                name.clone()
            }
            MediaRef::JiraMedia { id, .. } => {
                self.losses.approximated(
                    "image",
                    "a Jira media file (map it to a URL first): written with its file name",
                );
                media.alt.clone().unwrap_or_else(|| id.clone())
            }
        };
        if media.width.is_some() || media.height.is_some() {
            self.losses
                .dropped("image size", "Markdown images have no width or height");
        }
        let alt = media.alt.as_deref().unwrap_or("");
        format!(
            "![{}]({})",
            escape_text(alt, Slot::Heading),
            link_destination(&url)
        )
    }

    fn inlines(&mut self, nodes: &[Inline], slot: Slot) -> String {
        let mut out = String::new();
        let mut i = 0;
        while i < nodes.len() {
            if let Inline::Text {
                marks: Marks {
                    link: Some(href), ..
                },
                ..
            } = &nodes[i]
            {
                let mut j = i;
                let mut inner = Vec::new();
                while let Some(Inline::Text { text, marks }) = nodes.get(j) {
                    if marks.link.as_ref() != Some(href) {
                        break;
                    }
                    inner.push(Inline::Text {
                        text: text.clone(),
                        marks: Marks {
                            link: None,
                            ..marks.clone()
                        },
                    });
                    j += 1;
                }
                let text = self.inlines(&inner, slot);
                out.push_str(&format!("[{text}]({})", link_destination(href)));
                i = j;
                continue;
            }
            let prev = nodes[..i].last();
            let next = nodes.get(i + 1);
            let piece = self.inline(&nodes[i], prev, next, slot);
            out.push_str(&piece);
            i += 1;
        }
        out
    }

    fn inline(
        &mut self,
        node: &Inline,
        prev: Option<&Inline>,
        next: Option<&Inline>,
        slot: Slot,
    ) -> String {
        match node {
            Inline::Text { text, marks } => self.text(text, marks, prev, next, slot),
            Inline::HardBreak => match slot {
                Slot::Paragraph => "\\\n".to_string(),
                Slot::Cell => "<br>".to_string(),
                Slot::Heading => " ".to_string(),
            },
            Inline::Mention(m) => self.mention(m, slot),
            Inline::Emoji { shortname, text } => {
                self.losses
                    .approximated("emoji", "written as its character or short name");
                let s = text
                    .clone()
                    .or_else(|| emoji_char(shortname).map(str::to_string))
                    .unwrap_or_else(|| shortname.clone());
                escape_text(&s, slot)
            }
            Inline::Status { text, .. } => {
                self.losses
                    .approximated("status", "written as bold text in brackets");
                format!("**\\[{}\\]**", escape_text(&text.to_uppercase(), slot))
            }
            Inline::Date { timestamp_ms } => {
                self.losses
                    .approximated("date", "written as text (YYYY-MM-DD)");
                format_date(*timestamp_ms)
            }
            Inline::Media(m) => self.media(m),
            Inline::Card { url } => {
                self.losses
                    .approximated("smart link", "written as a plain link");
                format!("[{}]({})", escape_text(url, slot), link_destination(url))
            }
            Inline::Opaque(o) => {
                if o.format == crate::Format::Markdown {
                    o.raw.clone()
                } else {
                    self.losses.approximated(
                        "unsupported construct",
                        "written as plain text (Markdown cannot hold it)",
                    );
                    escape_text(&o.text, slot)
                }
            }
        }
    }

    fn mention(&mut self, m: &Mention, slot: Slot) -> String {
        match &m.user {
            UserRef::AdoIdentity(id) if !id.is_empty() => format!("@<{id}>"),
            other => {
                self.losses.approximated(
                    "mention",
                    "the user has no Azure DevOps identity (map it first): written as text",
                );
                format!(
                    "@{}",
                    escape_text(m.display.as_deref().unwrap_or(other.id()), slot)
                )
            }
        }
    }

    fn text(
        &mut self,
        text: &str,
        marks: &Marks,
        prev: Option<&Inline>,
        next: Option<&Inline>,
        slot: Slot,
    ) -> String {
        if marks.code {
            return code_span(text, slot);
        }
        let body = escape_text(text, slot);
        let emphasis = marks.strong || marks.em || marks.strike;
        // Delimiter runs only work when flanking rules hold and no neighbour's delimiters
        // touch ours; otherwise use the HTML tags the reader honours.
        let neighbour_emphasis = |n: Option<&Inline>| matches!(n, Some(Inline::Text { marks: m, .. }) if (m.strong || m.em || m.strike) && !m.code);
        let flanking_ok = {
            // With nested delimiters, the outer ones touch the inner ones: punctuation.
            let nested = [marks.strong, marks.em, marks.strike]
                .iter()
                .filter(|m| **m)
                .count()
                > 1;
            let first = if nested {
                Some('*')
            } else {
                text.chars().next()
            };
            let last = if nested {
                Some('*')
            } else {
                text.chars().last()
            };
            let before = prev.and_then(last_char);
            let after = next.and_then(first_char);
            let punct = |c: Option<char>| {
                c.is_some_and(|c| {
                    c.is_ascii_punctuation() || !c.is_alphanumeric() && !c.is_whitespace()
                })
            };
            let space_or_punct = |c: Option<char>| c.is_none_or(|c| c.is_whitespace()) || punct(c);
            let opens = first.is_some_and(|c| !c.is_whitespace())
                && (!punct(first) || space_or_punct(before));
            let closes =
                last.is_some_and(|c| !c.is_whitespace()) && (!punct(last) || space_or_punct(after));
            opens && closes
        };
        let use_html =
            emphasis && (!flanking_ok || neighbour_emphasis(prev) || neighbour_emphasis(next));
        let mut open = String::new();
        let mut close: Vec<String> = Vec::new();
        let mut wrap = |o: &str, c: &str| {
            open.push_str(o);
            close.push(c.to_string());
        };
        if let Some(color) = &marks.color {
            wrap(&format!("<span style=\"color:{color}\">"), "</span>");
        }
        if marks.underline {
            wrap("<u>", "</u>");
        }
        match marks.script {
            Some(Script::Sub) => wrap("<sub>", "</sub>"),
            Some(Script::Sup) => wrap("<sup>", "</sup>"),
            None => {}
        }
        if use_html {
            if marks.strong {
                wrap("<strong>", "</strong>");
            }
            if marks.em {
                wrap("<em>", "</em>");
            }
            if marks.strike {
                wrap("<s>", "</s>");
            }
        } else {
            if marks.strike {
                wrap("~~", "~~");
            }
            if marks.strong {
                wrap("**", "**");
            }
            if marks.em {
                wrap("*", "*");
            }
        }
        close.reverse();
        format!("{open}{body}{}", close.concat())
    }
}

fn first_char(node: &Inline) -> Option<char> {
    match node {
        Inline::Text { text, marks } if !marks.code && marks.link.is_none() => text.chars().next(),
        Inline::Text { marks, .. } if marks.link.is_some() => Some('['),
        Inline::Text { .. } => Some('`'),
        Inline::HardBreak => Some('\\'),
        Inline::Mention(_) => Some('@'),
        Inline::Media(_) => Some('!'),
        _ => Some('x'),
    }
}

fn last_char(node: &Inline) -> Option<char> {
    match node {
        Inline::Text { text, marks } if !marks.code && marks.link.is_none() => text.chars().last(),
        Inline::Text { marks, .. } if marks.link.is_some() => Some(')'),
        Inline::Text { .. } => Some('`'),
        Inline::HardBreak => None,
        Inline::Mention(_) => Some('>'),
        Inline::Media(_) => Some(')'),
        _ => Some('x'),
    }
}

fn longest_run(text: &str, c: char) -> usize {
    let mut best = 0;
    let mut run = 0;
    for ch in text.chars() {
        if ch == c {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

fn code_span(text: &str, slot: Slot) -> String {
    let text = if slot == Slot::Cell {
        // GFM splits cells at `|` even inside code spans; `\|` is honoured there.
        text.replace('|', "\\|")
    } else {
        text.to_string()
    };
    let fence = "`".repeat(longest_run(&text, '`') + 1);
    let pad = text.starts_with('`')
        || text.ends_with('`')
        || (text.starts_with(' ') && text.ends_with(' ') && !text.trim().is_empty());
    if pad {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// A link destination: `<...>` form when it has spaces or parentheses.
fn link_destination(url: &str) -> String {
    let clean: String = url
        .chars()
        .flat_map(|c| match c {
            '<' => "%3C".chars().collect::<Vec<_>>(),
            '>' => "%3E".chars().collect(),
            '\n' | '\r' => Vec::new(),
            c => vec![c],
        })
        .collect();
    if clean.is_empty() || clean.contains([' ', '(', ')', '\\']) {
        format!("<{}>", clean.replace('\\', "%5C"))
    } else {
        clean
    }
}

fn quote(inner: &str) -> String {
    inner
        .split('\n')
        .map(|l| {
            if l.is_empty() {
                ">".to_string()
            } else {
                format!("> {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Escapes ASCII punctuation the reader could take for syntax.
fn escape_text(text: &str, slot: Slot) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '~' | '&' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '|' if slot == Slot::Cell => out.push_str("\\|"),
            '#' if slot == Slot::Heading => out.push_str("\\#"),
            c => out.push(c),
        }
    }
    out
}

/// A paragraph line that starts like a block (`- `, `+ `, `1. `, `#`, `=`, `---`, `>`,
/// indentation is already gone) would be read as one: escape its first character.
fn escape_line_starts(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            let first = line.chars().next();
            let risky = match first {
                Some('-' | '+' | '=' | '#' | '>' | '|') => true,
                Some('~') => line.starts_with("~~~"),
                Some(c) if c.is_ascii_digit() => {
                    let rest = line.trim_start_matches(|c: char| c.is_ascii_digit());
                    rest.starts_with(". ")
                        || rest.starts_with(") ")
                        || rest == "."
                        || rest == ")"
                        || rest.starts_with(".\\")
                        || rest.starts_with(")\\")
                }
                _ => false,
            };
            if !risky {
                return line.to_string();
            }
            match first {
                Some(c) if c.is_ascii_digit() => {
                    // Escape the `.` or `)` after the number.
                    let digits =
                        line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                    format!("{}\\{}", &line[..digits], &line[digits..])
                }
                _ => format!("\\{line}"),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
