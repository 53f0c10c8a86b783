//! Jira wiki markup writer. Escapes what the reader (and Jira) would otherwise take for
//! markup, and uses the `{*}bold{*}` form where a mark touches a letter.

use crate::Format;
use crate::loss::Losses;
use crate::model::{
    Block, Document, Inline, List, ListKind, Marks, Media, MediaRef, Mention, PanelKind, Script,
    Table, UserRef,
};
use crate::text::{emoji_char, format_date, is_image_name};
use crate::visit::blocks_plain_text;

use super::read::PANEL_COLORS;

pub(crate) fn write(doc: &Document, losses: &mut Losses) -> String {
    let mut w = Writer { losses };
    w.blocks(&doc.blocks, Ctx::Top)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Top,
    Quote,
    Panel,
}

/// Where inline text goes: a paragraph line, or a single-line slot (list item, table cell,
/// heading) where a break must be written as `\\`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct InlineCtx {
    single_line: bool,
    table: bool,
    link: bool,
}

const PARA: InlineCtx = InlineCtx {
    single_line: false,
    table: false,
    link: false,
};
const LINE: InlineCtx = InlineCtx {
    single_line: true,
    table: false,
    link: false,
};
const CELL: InlineCtx = InlineCtx {
    single_line: true,
    table: true,
    link: false,
};

struct Writer<'l> {
    losses: &'l mut Losses,
}

impl Writer<'_> {
    fn blocks(&mut self, blocks: &[Block], ctx: Ctx) -> String {
        let mut parts = Vec::new();
        for block in blocks {
            let s = self.block(block, ctx);
            if !s.is_empty() {
                parts.push(s);
            }
        }
        parts.join("\n\n")
    }

    fn block(&mut self, block: &Block, ctx: Ctx) -> String {
        match block {
            Block::Paragraph { content } => escape_line_starts(&self.inlines(content, PARA)),
            Block::Heading { level, content } => {
                format!("h{level}. {}", self.inlines(content, LINE))
            }
            Block::List(list) => {
                let mut lines = Vec::new();
                self.list(list, "", &mut lines);
                lines.join("\n")
            }
            Block::CodeBlock { language, text } => self.code(language.as_deref(), text),
            Block::Quote { blocks } => {
                if ctx == Ctx::Quote {
                    self.losses.approximated(
                        "nested quote",
                        "wiki markup cannot nest {quote}: its content was written in the outer quote",
                    );
                    return self.blocks(blocks, ctx);
                }
                format!("{{quote}}\n{}\n{{quote}}", self.blocks(blocks, Ctx::Quote))
            }
            Block::Panel(panel) => {
                if ctx == Ctx::Panel {
                    self.losses.approximated(
                        "nested panel",
                        "wiki markup cannot nest {panel}: its content was written in the outer panel",
                    );
                    let title = panel
                        .title
                        .as_ref()
                        .map(|t| format!("*{}*\n\n", escape_text(t, None, None, PARA)))
                        .unwrap_or_default();
                    return format!("{title}{}", self.blocks(&panel.blocks, ctx));
                }
                let color = if panel.kind == PanelKind::Expand {
                    self.losses.approximated(
                        "expand",
                        "wiki markup has no collapsible section: written as a panel with its title",
                    );
                    None
                } else {
                    PANEL_COLORS
                        .iter()
                        .find(|(k, _)| *k == panel.kind)
                        .map(|(_, c)| *c)
                };
                let mut params = Vec::new();
                if let Some(title) = &panel.title {
                    let clean: String = title
                        .chars()
                        .map(|c| if matches!(c, '|' | '}' | '{') { ' ' } else { c })
                        .collect();
                    if clean != *title {
                        self.losses.approximated(
                            "panel title",
                            "wiki panel titles cannot hold | { }: replaced by spaces",
                        );
                    }
                    params.push(format!("title={clean}"));
                }
                if let Some(color) = color {
                    params.push(format!("bgColor={color}"));
                }
                let head = if params.is_empty() {
                    "{panel}".to_string()
                } else {
                    format!("{{panel:{}}}", params.join("|"))
                };
                format!(
                    "{head}\n{}\n{{panel}}",
                    self.blocks(&panel.blocks, Ctx::Panel)
                )
            }
            Block::Rule => "----".to_string(),
            Block::Table(table) => self.table(table),
            Block::Media(media) => self.media(media),
            Block::Opaque(o) => {
                if o.format == Format::Wiki {
                    o.raw.clone()
                } else {
                    self.losses.approximated(
                        "unsupported construct",
                        "written as plain text (wiki markup cannot hold it)",
                    );
                    escape_line_starts(&escape_text(&o.text, None, None, PARA))
                }
            }
        }
    }

    fn code(&mut self, language: Option<&str>, text: &str) -> String {
        let has_code = text.to_ascii_lowercase().contains("{code}");
        let has_noformat = text.to_ascii_lowercase().contains("{noformat}");
        match (language, has_code) {
            (Some(lang), false) if is_plain_word(lang) => {
                format!("{{code:{lang}}}\n{text}\n{{code}}")
            }
            // `{code}` without a language is highlighted as Java by Jira (and read so by
            // Atlassian's converter): plain code is `{noformat}`.
            (None, false) if !has_noformat => format!("{{noformat}}\n{text}\n{{noformat}}"),
            _ => {
                if has_noformat {
                    self.losses.approximated(
                        "code block",
                        "the code holds both {code} and {noformat}: {noformat} was altered",
                    );
                }
                if language.is_some() {
                    self.losses.dropped(
                        "code language",
                        "the code holds {code}, so it was written as {noformat} without language",
                    );
                }
                let text = text.replace("{noformat}", "{ noformat}");
                format!("{{noformat}}\n{text}\n{{noformat}}")
            }
        }
    }

    fn list(&mut self, list: &List, prefix: &str, lines: &mut Vec<String>) {
        let marker = match list.kind {
            ListKind::Ordered { start } => {
                if start != 1 {
                    self.losses
                        .dropped("list start number", "wiki lists always start at 1");
                }
                '#'
            }
            ListKind::Bullet | ListKind::Task => '*',
        };
        let prefix = format!("{prefix}{marker}");
        for item in &list.items {
            let mut text = String::new();
            if list.kind == ListKind::Task {
                text.push_str(if item.checked == Some(true) {
                    "[x] "
                } else {
                    "[ ] "
                });
            }
            let mut nested = Vec::new();
            let mut first = true;
            for block in &item.blocks {
                match block {
                    Block::List(sub) => nested.push(sub),
                    Block::Paragraph { content } => {
                        if !first {
                            self.losses.approximated(
                                "list item paragraphs",
                                "a wiki list item is one line: paragraphs joined by line breaks",
                            );
                            text.push_str(" \\\\ \\\\ ");
                        }
                        text.push_str(&self.inlines(content, LINE));
                        first = false;
                    }
                    Block::Media(media) => {
                        text.push_str(&self.media(media));
                        first = false;
                    }
                    other => {
                        self.losses.approximated(
                            "list item content",
                            "a wiki list item is one line: blocks were written as text",
                        );
                        if !first {
                            text.push_str(" \\\\ ");
                        }
                        let plain = blocks_plain_text(std::slice::from_ref(other));
                        text.push_str(
                            &plain
                                .lines()
                                .map(|l| escape_text(l, None, None, LINE))
                                .collect::<Vec<_>>()
                                .join(" \\\\ "),
                        );
                        first = false;
                    }
                }
            }
            lines.push(format!("{prefix} {text}"));
            for sub in nested {
                self.list(sub, &prefix, lines);
            }
        }
    }

    fn table(&mut self, table: &Table) -> String {
        // Wiki tables have no merged cells: lay the cells out on a grid, filling the spots a
        // merged cell covered with empty cells.
        let mut covered = crate::visit::Covered::default();
        let mut lines = Vec::new();
        let mut merged = false;
        for (r, row) in table.rows.iter().enumerate() {
            let mut line = String::new();
            let mut col = 0usize;
            let mut cells = row.cells.iter();
            let mut last_header = false;
            loop {
                if covered.at(r, col) {
                    line.push_str(if last_header { "|| " } else { "| " });
                    line.push(' ');
                    col += 1;
                    continue;
                }
                let Some(cell) = cells.next() else {
                    break;
                };
                let delim = if cell.header { "||" } else { "|" };
                last_header = cell.header;
                line.push_str(delim);
                line.push(' ');
                line.push_str(&self.cell(&cell.blocks));
                line.push(' ');
                let (rows, span) = covered.cover(r, col, cell);
                if span > 1 || rows > 1 {
                    merged = true;
                }
                // Later columns of this cell's span on this row.
                for _ in 1..span {
                    line.push_str(delim);
                    line.push_str("  ");
                }
                col += span;
            }
            line.push_str(if last_header { "||" } else { "|" });
            lines.push(line);
        }
        if merged {
            self.losses.approximated(
                "merged cell",
                "wiki tables cannot merge cells: the merged area was filled with empty cells",
            );
        }
        lines.join("\n")
    }

    fn cell(&mut self, blocks: &[Block]) -> String {
        let mut parts = Vec::new();
        for block in blocks {
            match block {
                Block::Paragraph { content } => parts.push(self.inlines(content, CELL)),
                Block::Media(m) => parts.push(self.media(m)),
                other => {
                    self.losses.approximated(
                        "table cell content",
                        "a wiki table cell holds one line: blocks were written as text",
                    );
                    let plain = blocks_plain_text(std::slice::from_ref(other));
                    parts.extend(plain.lines().map(|l| escape_text(l, None, None, CELL)));
                }
            }
        }
        parts.retain(|p| !p.is_empty());
        // Two breaks: the normal form reads them as a paragraph boundary.
        parts.join(" \\\\ \\\\ ")
    }

    fn media(&mut self, media: &Media) -> String {
        let target = match &media.source {
            MediaRef::File { name } => name.clone(),
            MediaRef::Url { url } => url.clone(),
            MediaRef::JiraMedia { id, .. } => match &media.alt {
                Some(alt) => {
                    self.losses.approximated(
                        "image",
                        "Jira media written by its file name (as Jira's v2 API does)",
                    );
                    alt.clone()
                }
                None => {
                    self.losses.approximated(
                        "image",
                        "Jira media without a file name written by its media id",
                    );
                    id.clone()
                }
            },
        };
        let target: String = target
            .chars()
            .filter(|c| !matches!(c, '!' | '|' | '\n' | '[' | ']'))
            .collect();
        if target.trim().is_empty() {
            self.losses.dropped("image", "an image without a reference");
            return String::new();
        }
        // A file that is not an image is an attachment link (as the reader takes it back).
        if !matches!(media.source, MediaRef::Url { .. }) && !is_image_name(&target) {
            if media.width.is_some() || media.height.is_some() {
                self.losses
                    .dropped("image size", "a wiki attachment link has no size");
            }
            return format!("[^{target}]");
        }
        let mut options = Vec::new();
        if let Some(w) = media.width {
            options.push(format!("width={w}"));
        }
        if let Some(h) = media.height {
            options.push(format!("height={h}"));
        }
        if options.is_empty() {
            format!("!{target}!")
        } else {
            format!("!{target}|{}!", options.join(","))
        }
    }

    fn inlines(&mut self, nodes: &[Inline], ctx: InlineCtx) -> String {
        let mut out = String::new();
        let mut i = 0;
        while i < nodes.len() {
            let next_char = |j: usize| nodes.get(j).and_then(first_char);
            if let Inline::Text {
                marks: Marks {
                    link: Some(href), ..
                },
                ..
            } = &nodes[i]
            {
                // A run of text under one link becomes one `[text|url]`.
                let mut j = i;
                let mut inner_nodes = Vec::new();
                while let Some(Inline::Text { text, marks }) = nodes.get(j) {
                    if marks.link.as_ref() != Some(href) {
                        break;
                    }
                    inner_nodes.push(Inline::Text {
                        text: text.clone(),
                        marks: Marks {
                            link: None,
                            ..marks.clone()
                        },
                    });
                    j += 1;
                }
                let link_ctx = InlineCtx { link: true, ..ctx };
                let inner = self.inlines(&inner_nodes, link_ctx);
                let plain_same = inner_nodes.len() == 1
                    && matches!(&inner_nodes[0], Inline::Text { text, marks } if text == href && marks.is_empty());
                if href
                    .chars()
                    .any(|c| c.is_whitespace() || matches!(c, '|' | ']' | '['))
                {
                    self.losses
                        .dropped("link", "the URL cannot be written in wiki markup");
                    out.push_str(&inner);
                } else if plain_same {
                    out.push_str(&format!("[{href}]"));
                } else {
                    out.push_str(&format!("[{inner}|{href}]"));
                }
                i = j;
                continue;
            }
            let prev = out.chars().last();
            let next = next_char(i + 1);
            let piece = self.inline(&nodes[i], prev, next, ctx);
            out.push_str(&piece);
            i += 1;
        }
        out
    }

    fn inline(
        &mut self,
        node: &Inline,
        prev: Option<char>,
        next: Option<char>,
        ctx: InlineCtx,
    ) -> String {
        match node {
            Inline::Text { text, marks } => self.marked(text, marks, prev, next, ctx),
            Inline::HardBreak => {
                if ctx.single_line {
                    " \\\\ ".to_string()
                } else {
                    "\n".to_string()
                }
            }
            Inline::Mention(m) => self.mention(m),
            Inline::Emoji { shortname, text } => {
                self.losses
                    .approximated("emoji", "written as its character or short name");
                let s = text
                    .clone()
                    .or_else(|| emoji_char(shortname).map(str::to_string))
                    .unwrap_or_else(|| shortname.clone());
                escape_text(&s, prev, next, ctx)
            }
            Inline::Status { text, .. } => {
                self.losses
                    .approximated("status", "written as bold text in brackets");
                format!(
                    "*[{}]*",
                    escape_text(&text.to_uppercase(), Some('['), Some(']'), ctx)
                )
            }
            Inline::Date { timestamp_ms } => {
                self.losses
                    .approximated("date", "written as text (YYYY-MM-DD)");
                format_date(*timestamp_ms)
            }
            Inline::Media(m) => self.media(m),
            Inline::Card { url } => {
                if url
                    .chars()
                    .any(|c| c.is_whitespace() || matches!(c, '|' | ']' | '['))
                {
                    self.losses
                        .dropped("link", "the URL cannot be written in wiki markup");
                    escape_text(url, prev, next, ctx)
                } else {
                    format!("[{url}|{url}|smart-link]")
                }
            }
            Inline::Opaque(o) => {
                if o.format == Format::Wiki {
                    o.raw.clone()
                } else {
                    self.losses.approximated(
                        "unsupported construct",
                        "written as plain text (wiki markup cannot hold it)",
                    );
                    escape_text(&o.text, prev, next, ctx)
                }
            }
        }
    }

    fn mention(&mut self, m: &Mention) -> String {
        match &m.user {
            UserRef::JiraAccountId(id) if !id.is_empty() => format!("[~accountid:{id}]"),
            UserRef::JiraUsername(name) if !name.is_empty() => format!("[~{name}]"),
            other => {
                self.losses.approximated(
                    "mention",
                    "the user has no Jira account id or user name (map it first): written as text",
                );
                format!(
                    "@{}",
                    escape_text(
                        m.display.as_deref().unwrap_or(other.id()),
                        Some('@'),
                        None,
                        LINE
                    )
                )
            }
        }
    }

    fn marked(
        &mut self,
        text: &str,
        marks: &Marks,
        prev: Option<char>,
        next: Option<char>,
        ctx: InlineCtx,
    ) -> String {
        if marks.code {
            let escaped: String = text
                .chars()
                .flat_map(|c| match c {
                    '{' | '}' | '[' | ']' => vec!['\\', c],
                    '|' if ctx.table || ctx.link => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            return format!("{{{{{escaped}}}}}");
        }
        let mut wraps: Vec<char> = Vec::new();
        if marks.strong {
            wraps.push('*');
        }
        if marks.em {
            wraps.push('_');
        }
        if marks.underline {
            wraps.push('+');
        }
        if marks.strike {
            wraps.push('-');
        }
        match marks.script {
            Some(Script::Sup) => wraps.push('^'),
            Some(Script::Sub) => wraps.push('~'),
            None => {}
        }
        let mut s = if wraps.is_empty() {
            escape_text(text, prev, next, ctx)
        } else {
            escape_text(text, None, None, ctx)
        };
        let touches_word =
            prev.is_some_and(char::is_alphanumeric) || next.is_some_and(char::is_alphanumeric);
        for c in wraps.iter().rev() {
            s = if touches_word {
                format!("{{{c}}}{s}{{{c}}}")
            } else {
                format!("{c}{s}{c}")
            };
        }
        if let Some(color) = &marks.color {
            s = format!("{{color:{color}}}{s}{{color}}");
        }
        s
    }
}

fn first_char(node: &Inline) -> Option<char> {
    match node {
        Inline::Text { text, marks } => {
            if marks.code {
                Some('{')
            } else if marks.link.is_some() {
                Some('[')
            } else if marks.color.is_some() {
                Some('{')
            } else {
                text.chars().next()
            }
        }
        Inline::Mention(_) | Inline::Card { .. } => Some('['),
        Inline::Media(_) => Some('!'),
        _ => None,
    }
}

fn is_plain_word(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '+' | '#' | '.'))
}

/// Escapes characters the reader would take for markup. `prev`/`next` are the characters
/// around `text` in the output (`None`: a boundary, treated as the worst case).
fn escape_text(text: &str, prev: Option<char>, next: Option<char>, ctx: InlineCtx) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (k, &c) in chars.iter().enumerate() {
        let p = if k == 0 { prev } else { Some(chars[k - 1]) };
        let n = chars.get(k + 1).copied().or(next);
        let escape = match c {
            '*' | '_' | '-' | '+' | '^' | '~' => {
                let could_open =
                    p.is_none_or(|p| !p.is_alphanumeric()) && n.is_some_and(|n| !n.is_whitespace());
                let could_close =
                    p.is_some_and(|p| !p.is_whitespace()) && n.is_none_or(|n| !n.is_alphanumeric());
                could_open || could_close
            }
            '?' => n == Some('?') || p == Some('?'),
            '{' | '[' => true,
            ']' => ctx.link,
            '!' => n.is_some_and(|n| !n.is_whitespace()),
            '|' => ctx.table || ctx.link,
            '\\' => n == Some('\\'),
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    // `http://...` in plain text would become a link: break the scheme with an escape.
    out
}

/// A paragraph line that starts like a block (`* `, `# `, `- `, `|`, `h1. `, `bq. `, `----`)
/// would be read as one: escape its first character.
fn escape_line_starts(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            let risky_marker = line.starts_with("* ")
                || line.starts_with("# ")
                || line.starts_with("- ")
                || line.starts_with('|')
                || line.trim_end() == "----"
                || (line.starts_with(['*', '#'])
                    && line.trim_start_matches(['*', '#']).starts_with(' '));
            let risky_word = {
                let b = line.as_bytes();
                (b.len() >= 3
                    && b[0] == b'h'
                    && (b'1'..=b'6').contains(&b[1])
                    && b[2] == b'.'
                    && (b.len() == 3 || b[3] == b' '))
                    || line.starts_with("bq. ")
            };
            if risky_marker {
                format!("\\{line}")
            } else if risky_word {
                // A zero-width space the normal form removes again.
                format!("\u{200b}{line}")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
