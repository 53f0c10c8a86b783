//! Jira wiki markup reader: a hand-written, total parser (any input yields a document; what it
//! does not recognise stays as text).
//!
//! Syntax per Jira's text formatting notation help (`/secure/WikiRendererHelpAction.jspa`) and
//! research sync-semantics.md §1-2, §5 (mentions `[~accountid:…]` / `[~name]`, images
//! `!name.png|thumbnail!`, attachments `[^file]`).

use std::collections::VecDeque;

use crate::model::{
    Block, Cell, Document, Inline, List, ListItem, ListKind, Marks, Media, MediaRef, Mention,
    Panel, PanelKind, Row, Script, Table, UserRef,
};

/// How far an inline construct may reach for its closing delimiter. Bounds the parser's work
/// on hostile input (a megabyte of `*`) at a linear cost.
const MAX_SPAN: usize = 4096;

pub(crate) fn read(input: &str) -> Document {
    let text = input.replace("\r\n", "\n").replace('\r', "\n");
    let mut parser = BlockParser {
        lines: text.split('\n').map(str::to_string).collect(),
        depth: 0,
    };
    Document::new(parser.blocks(None))
}

struct BlockParser {
    lines: VecDeque<String>,
    /// How many containers (`{quote}`, `{panel}`) enclose the current line.
    depth: usize,
}

/// Containers nested deeper than this are read as text (bounds recursion on hostile input).
const MAX_CONTAINER_DEPTH: usize = 32;
/// List levels deeper than this are folded into the deepest level.
const MAX_LIST_DEPTH: usize = 32;

/// A block macro that holds blocks and closes with its own name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Container {
    name: String,
}

impl BlockParser {
    /// Reads blocks until the input ends or `until` (`{quote}`, `{panel}`, ...) closes.
    fn blocks(&mut self, until: Option<&Container>) -> Vec<Block> {
        let mut out = Vec::new();
        let mut para: Vec<String> = Vec::new();
        while let Some(line) = self.lines.pop_front() {
            if let Some(c) = until {
                let close = format!("{{{}}}", c.name);
                if let Some(at) = find_ci(&line, &close) {
                    let (before, after) = (&line[..at], &line[at + close.len()..]);
                    if !after.trim().is_empty() {
                        self.lines.push_front(after.to_string());
                    }
                    if !before.trim().is_empty() {
                        // Content before the closing tag on the same line.
                        para.push(before.to_string());
                    }
                    flush_para(&mut para, &mut out);
                    return out;
                }
            }
            let trimmed = line.trim_start();
            if trimmed.trim().is_empty() {
                flush_para(&mut para, &mut out);
                continue;
            }
            if let Some(block_start) = self.block_start(trimmed) {
                flush_para(&mut para, &mut out);
                match block_start {
                    Start::Heading(level, rest) => out.push(Block::Heading {
                        level,
                        content: parse_inline(&rest),
                    }),
                    Start::Bq(rest) => out.push(Block::Quote {
                        blocks: vec![Block::Paragraph {
                            content: parse_inline(&rest),
                        }],
                    }),
                    Start::Rule => out.push(Block::Rule),
                    Start::List => {
                        self.lines.push_front(line.clone());
                        out.extend(self.list());
                    }
                    Start::Table => {
                        self.lines.push_front(line.clone());
                        out.push(self.table());
                    }
                    Start::Code {
                        noformat,
                        params,
                        rest,
                    } => {
                        out.push(self.code(noformat, &params, rest));
                    }
                    Start::Container { name, params, rest } => {
                        if !rest.trim().is_empty() {
                            self.lines.push_front(rest);
                        }
                        let container = Container { name: name.clone() };
                        self.depth += 1;
                        let blocks = self.blocks(Some(&container));
                        self.depth -= 1;
                        out.push(make_container(&name, &params, blocks));
                    }
                }
                continue;
            }
            para.push(line);
        }
        flush_para(&mut para, &mut out);
        out
    }

    fn block_start(&self, line: &str) -> Option<Start> {
        let bytes = line.as_bytes();
        if bytes.len() >= 3
            && bytes[0] == b'h'
            && (b'1'..=b'6').contains(&bytes[1])
            && bytes[2] == b'.'
            && (bytes.len() == 3 || bytes[3] == b' ')
        {
            return Some(Start::Heading(
                bytes[1] - b'0',
                line[3..].trim().to_string(),
            ));
        }
        if let Some(rest) = line.strip_prefix("bq. ") {
            return Some(Start::Bq(rest.to_string()));
        }
        if line.trim_end() == "----" {
            return Some(Start::Rule);
        }
        if list_marker(line).is_some() {
            return Some(Start::List);
        }
        if line.starts_with('|') {
            return Some(Start::Table);
        }
        if line.starts_with('{') {
            let (name, params, rest) = macro_open(line)?;
            return match name.as_str() {
                "code" => Some(Start::Code {
                    noformat: false,
                    params,
                    rest,
                }),
                "noformat" => Some(Start::Code {
                    noformat: true,
                    params,
                    rest,
                }),
                "quote" | "panel" | "info" | "note" | "warning" | "tip" | "error" | "success"
                    if self.depth < MAX_CONTAINER_DEPTH =>
                {
                    Some(Start::Container { name, params, rest })
                }
                _ => None,
            };
        }
        None
    }

    fn code(&mut self, noformat: bool, params: &str, first: String) -> Block {
        let name = if noformat { "{noformat}" } else { "{code}" };
        let language = if noformat {
            None
        } else {
            code_language(params)
        };
        let mut text = String::new();
        let mut line = Some(first);
        let mut first_line = true;
        while let Some(current) = line {
            if let Some(at) = find_ci(&current, name) {
                text.push_str(&current[..at]);
                let after = &current[at + name.len()..];
                if !after.trim().is_empty() {
                    self.lines.push_front(after.to_string());
                }
                break;
            }
            // The opening line's remainder starts the code only if it has text.
            if !(first_line && current.trim().is_empty()) {
                text.push_str(&current);
                text.push('\n');
            }
            first_line = false;
            line = self.lines.pop_front();
        }
        Block::CodeBlock { language, text }
    }

    fn list(&mut self) -> Vec<Block> {
        let mut items: Vec<(Vec<char>, String)> = Vec::new();
        while let Some(line) = self.lines.front() {
            let trimmed = line.trim_start();
            match list_marker(trimmed) {
                Some((mut markers, rest)) => {
                    markers.truncate(MAX_LIST_DEPTH);
                    items.push((markers, rest.to_string()));
                    self.lines.pop_front();
                }
                None => break,
            }
        }
        build_lists(&items, 0)
    }

    fn table(&mut self) -> Block {
        let mut rows = Vec::new();
        while let Some(line) = self.lines.front() {
            let trimmed = line.trim();
            if !trimmed.starts_with('|') {
                break;
            }
            rows.push(parse_row(trimmed));
            self.lines.pop_front();
        }
        Block::Table(Table { rows })
    }
}

enum Start {
    Heading(u8, String),
    Bq(String),
    Rule,
    List,
    Table,
    Code {
        noformat: bool,
        params: String,
        rest: String,
    },
    Container {
        name: String,
        params: String,
        rest: String,
    },
}

fn flush_para(para: &mut Vec<String>, out: &mut Vec<Block>) {
    if para.is_empty() {
        return;
    }
    let text = para.join("\n");
    para.clear();
    out.push(Block::Paragraph {
        content: parse_inline(&text),
    });
}

/// Case-insensitive byte offset of an ASCII `needle` in `haystack`.
fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    let h = haystack.as_bytes();
    let n = needle.as_bytes();
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    (0..=h.len() - n.len())
        .find(|&i| haystack.is_char_boundary(i) && h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// `{name:params}rest` -> (lower-case name, params, rest).
fn macro_open(line: &str) -> Option<(String, String, String)> {
    let body = line.strip_prefix('{')?;
    let close = body.find('}')?;
    let inner = &body[..close];
    let rest = body[close + 1..].to_string();
    let (name, params) = match inner.split_once(':') {
        Some((n, p)) => (n, p),
        None => (inner, ""),
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    Some((name.to_ascii_lowercase(), params.to_string(), rest))
}

/// `{code:java}`, `{code:title=A.java|language=java}`, `{code:language=java|linenumbers=true}`.
fn code_language(params: &str) -> Option<String> {
    let mut language = None;
    for part in params.split('|') {
        match part.split_once('=') {
            Some((k, v)) if k.trim().eq_ignore_ascii_case("language") => {
                language = Some(v.trim().to_string());
            }
            Some(_) => {}
            None if !part.trim().is_empty() && language.is_none() => {
                language = Some(part.trim().to_string());
            }
            None => {}
        }
    }
    language
}

fn params_map(params: &str) -> Vec<(String, String)> {
    params
        .split('|')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect()
}

/// Panel colours as the Jira editor writes them for each ADF panel type.
pub(crate) const PANEL_COLORS: [(PanelKind, &str); 5] = [
    (PanelKind::Info, "#deebff"),
    (PanelKind::Note, "#eae6ff"),
    (PanelKind::Success, "#e3fcef"),
    (PanelKind::Warning, "#fffae6"),
    (PanelKind::Error, "#ffebe6"),
];

fn make_container(name: &str, params: &str, blocks: Vec<Block>) -> Block {
    if name == "quote" {
        return Block::Quote { blocks };
    }
    let map = params_map(params);
    let title = map
        .iter()
        .find(|(k, _)| k == "title")
        .map(|(_, v)| v.clone());
    let kind = if name == "panel" {
        map.iter()
            .find(|(k, _)| k == "bgcolor")
            .and_then(|(_, v)| {
                let v = v.to_ascii_lowercase();
                PANEL_COLORS.iter().find(|(_, c)| *c == v).map(|(k, _)| *k)
            })
            .unwrap_or(PanelKind::Info)
    } else {
        PanelKind::from_name(name).unwrap_or(PanelKind::Info)
    };
    Block::Panel(Panel {
        kind,
        title,
        blocks,
    })
}

/// `* `, `# `, `- `, `*# ` ... -> (marker chars, rest).
fn list_marker(line: &str) -> Option<(Vec<char>, &str)> {
    if let Some(rest) = line.strip_prefix("- ") {
        return Some((vec!['-'], rest));
    }
    let markers: Vec<char> = line
        .chars()
        .take_while(|c| matches!(c, '*' | '#'))
        .collect();
    if markers.is_empty() {
        return None;
    }
    let rest = &line[markers.len()..];
    let rest = rest.strip_prefix(' ')?;
    Some((markers, rest))
}

fn build_lists(lines: &[(Vec<char>, String)], depth: usize) -> Vec<Block> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(&c) = lines[i].0.get(depth) else {
            i += 1;
            continue;
        };
        let mut items: Vec<ListItem> = Vec::new();
        while i < lines.len() && lines[i].0.get(depth) == Some(&c) {
            if lines[i].0.len() == depth + 1 {
                let (checked, text) = task_box(&lines[i].1);
                items.push(ListItem {
                    checked,
                    blocks: vec![Block::Paragraph {
                        content: parse_inline(text),
                    }],
                });
                i += 1;
            } else {
                let start = i;
                while i < lines.len()
                    && lines[i].0.len() > depth + 1
                    && lines[i].0.get(depth) == Some(&c)
                {
                    i += 1;
                }
                let nested = build_lists(&lines[start..i], depth + 1);
                match items.last_mut() {
                    Some(last) => last.blocks.extend(nested),
                    None => items.push(ListItem {
                        checked: None,
                        blocks: nested,
                    }),
                }
            }
        }
        let kind = if c == '#' {
            ListKind::Ordered { start: 1 }
        } else if !items.is_empty() && items.iter().all(|it| it.checked.is_some()) {
            ListKind::Task
        } else {
            for item in &mut items {
                if let Some(done) = item.checked.take() {
                    // Not a checklist after all: keep the box as text.
                    if let Some(Block::Paragraph { content }) = item.blocks.first_mut() {
                        content.insert(0, Inline::text(if done { "[x] " } else { "[ ] " }));
                    }
                }
            }
            ListKind::Bullet
        };
        out.push(Block::List(List { kind, items }));
    }
    out
}

/// A `[ ] ` / `[x] ` checkbox at the start of a bullet item (tandem writes task lists so).
fn task_box(text: &str) -> (Option<bool>, &str) {
    if let Some(rest) = text.strip_prefix("[ ] ") {
        (Some(false), rest)
    } else if let Some(rest) = text
        .strip_prefix("[x] ")
        .or_else(|| text.strip_prefix("[X] "))
    {
        (Some(true), rest)
    } else {
        (None, text)
    }
}

fn parse_row(line: &str) -> Row {
    let chars: Vec<char> = line.chars().collect();
    let mut cells = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '|' {
            i += 1;
            continue;
        }
        let header = chars.get(i + 1) == Some(&'|');
        i += if header { 2 } else { 1 };
        let start = i;
        let mut depth_square = 0usize;
        let mut depth_curly = 0usize;
        while i < chars.len() {
            match chars[i] {
                '\\' => i += 1,
                '[' => depth_square += 1,
                ']' => depth_square = depth_square.saturating_sub(1),
                '{' => depth_curly += 1,
                '}' => depth_curly = depth_curly.saturating_sub(1),
                '!' => {
                    // Skip an image reference, whose options use `|`.
                    if let Some(end) = image_end(&chars, i) {
                        i = end;
                    }
                }
                '|' if depth_square == 0 && depth_curly == 0 => break,
                _ => {}
            }
            i += 1;
        }
        let end = i.min(chars.len());
        let text: String = chars[start..end].iter().collect();
        if end >= chars.len() && text.trim().is_empty() {
            break; // the closing `|` of the row
        }
        cells.push(Cell {
            header,
            colspan: 1,
            rowspan: 1,
            blocks: vec![Block::Paragraph {
                content: parse_inline(text.trim()),
            }],
        });
    }
    Row { cells }
}

/// If an image reference `!...!` starts at `i`, the index of its closing `!`.
fn image_end(chars: &[char], i: usize) -> Option<usize> {
    let next = *chars.get(i + 1)?;
    if next.is_whitespace() || next == '!' {
        return None;
    }
    let limit = chars.len().min(i + 1 + MAX_SPAN);
    (i + 1..limit)
        .take_while(|&j| chars[j] != '\n')
        .find(|&j| chars[j] == '!')
        .filter(|&j| !chars[j - 1].is_whitespace())
}

// ---------------------------------------------------------------------------------------------
// Inline

pub(crate) fn parse_inline(text: &str) -> Vec<Inline> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    InlineParser { chars: &chars }.parse(0, chars.len(), &Marks::default(), &mut out);
    out
}

struct InlineParser<'a> {
    chars: &'a [char],
}

const SIMPLE_MARKS: [char; 6] = ['*', '_', '-', '+', '^', '~'];

fn apply_mark(marks: &Marks, c: char) -> Marks {
    let mut m = marks.clone();
    match c {
        '*' => m.strong = true,
        '_' | '?' => m.em = true,
        '-' => m.strike = true,
        '+' => m.underline = true,
        '^' => m.script = Some(Script::Sup),
        '~' => m.script = Some(Script::Sub),
        _ => {}
    }
    m
}

impl InlineParser<'_> {
    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    fn starts_with(&self, i: usize, s: &str) -> bool {
        (i..).zip(s.chars()).all(|(j, c)| self.at(j) == Some(c))
    }

    fn starts_with_ci(&self, i: usize, s: &str) -> bool {
        let mut j = i;
        for c in s.chars() {
            match self.at(j) {
                Some(d) if d.eq_ignore_ascii_case(&c) => j += 1,
                _ => return false,
            }
        }
        true
    }

    /// The first index in `from..end` (same line, within [`MAX_SPAN`]) where `s` starts,
    /// skipping escaped characters.
    fn find(&self, from: usize, end: usize, s: &str, ci: bool) -> Option<usize> {
        let limit = end.min(from.saturating_add(MAX_SPAN));
        let mut j = from;
        while j < limit {
            match self.chars[j] {
                '\n' => return None,
                '\\' => j += 2,
                _ => {
                    if (ci && self.starts_with_ci(j, s)) || (!ci && self.starts_with(j, s)) {
                        return Some(j);
                    }
                    j += 1;
                }
            }
        }
        None
    }

    fn parse(&self, start: usize, end: usize, marks: &Marks, out: &mut Vec<Inline>) {
        let mut buf = String::new();
        let flush = |buf: &mut String, out: &mut Vec<Inline>| {
            if !buf.is_empty() {
                out.push(Inline::marked(std::mem::take(buf), marks.clone()));
            }
        };
        let mut i = start;
        while i < end {
            let c = self.chars[i];
            match c {
                '\\' => {
                    match self.at(i + 1).filter(|_| i + 1 < end) {
                        Some('\\') => {
                            flush(&mut buf, out);
                            out.push(Inline::HardBreak);
                            i += 2;
                        }
                        Some(n) if !n.is_alphanumeric() && !n.is_whitespace() => {
                            buf.push(n);
                            i += 2;
                        }
                        _ => {
                            buf.push('\\');
                            i += 1;
                        }
                    }
                    continue;
                }
                '\n' => {
                    flush(&mut buf, out);
                    out.push(Inline::HardBreak);
                    i += 1;
                    continue;
                }
                '{' => {
                    if let Some(next) = self.brace(i, end, marks, &mut buf, out) {
                        i = next;
                        continue;
                    }
                }
                '[' => {
                    if let Some((next, nodes)) = self.bracket(i, end, marks) {
                        flush(&mut buf, out);
                        out.extend(nodes);
                        i = next;
                        continue;
                    }
                }
                '!' => {
                    if let Some(close) = image_end(&self.chars[..end], i) {
                        let inner: String = self.chars[i + 1..close].iter().collect();
                        flush(&mut buf, out);
                        out.push(Inline::Media(image(&inner)));
                        i = close + 1;
                        continue;
                    }
                }
                '?' if self.at(i + 1) == Some('?') => {
                    if let Some(close) = self.simple_closer(i, end, "??") {
                        flush(&mut buf, out);
                        self.parse(i + 2, close, &apply_mark(marks, '?'), out);
                        i = close + 2;
                        continue;
                    }
                }
                c if SIMPLE_MARKS.contains(&c) => {
                    let s = c.to_string();
                    if let Some(close) = self.simple_closer(i, end, &s) {
                        flush(&mut buf, out);
                        self.parse(i + 1, close, &apply_mark(marks, c), out);
                        i = close + 1;
                        continue;
                    }
                }
                'h' | 'f' | 'm' | 'H' | 'F' | 'M' => {
                    if marks.link.is_none()
                        && let Some(next) = self.url(i, end)
                    {
                        let url: String = self.chars[i..next].iter().collect();
                        flush(&mut buf, out);
                        out.push(Inline::marked(
                            url.clone(),
                            Marks {
                                link: Some(url),
                                ..marks.clone()
                            },
                        ));
                        i = next;
                        continue;
                    }
                }
                _ => {}
            }
            buf.push(c);
            i += 1;
        }
        flush(&mut buf, out);
    }

    /// A simple mark `*text*`: the opener follows a non-alphanumeric and precedes a
    /// non-space; the closer follows a non-space and precedes a non-alphanumeric.
    fn simple_closer(&self, i: usize, end: usize, delim: &str) -> Option<usize> {
        let n = delim.chars().count();
        if i > 0 && self.chars[i - 1].is_alphanumeric() {
            return None;
        }
        let first = self.at(i + n).filter(|_| i + n < end)?;
        if first.is_whitespace() {
            return None;
        }
        let mut from = i + n + 1;
        loop {
            let j = self.find(from, end, delim, false)?;
            let before = self.chars[j - 1];
            let after = self.at(j + n).filter(|_| j + n < end);
            if !before.is_whitespace() && after.is_none_or(|a| !a.is_alphanumeric()) {
                return Some(j);
            }
            from = j + 1;
        }
    }

    fn url(&self, i: usize, end: usize) -> Option<usize> {
        if i > 0 && self.chars[i - 1].is_alphanumeric() {
            return None;
        }
        let scheme = ["http://", "https://", "ftp://", "mailto:"]
            .into_iter()
            .find(|s| self.starts_with_ci(i, s))?;
        let mut j = i + scheme.len();
        while j < end && !self.chars[j].is_whitespace() && !matches!(self.chars[j], '|' | ']' | '[')
        {
            j += 1;
        }
        while j > i + scheme.len()
            && matches!(self.chars[j - 1], '.' | ',' | ';' | ':' | '!' | '?' | ')')
        {
            j -= 1;
        }
        (j > i + scheme.len()).then_some(j)
    }

    /// `{{code}}`, `{color:x}..{color}`, `{*}strong{*}` and friends. Returns the index after.
    fn brace(
        &self,
        i: usize,
        end: usize,
        marks: &Marks,
        buf: &mut String,
        out: &mut Vec<Inline>,
    ) -> Option<usize> {
        if self.starts_with(i, "{{") {
            let close = self.find(i + 2, end, "}}", false)?;
            // `{{a}}}`: the code ends at the last of a run of closing braces.
            let mut close = close;
            while self.at(close + 2) == Some('}') && close + 2 < end {
                close += 1;
            }
            if close == i + 2 {
                return None;
            }
            let code = unescape(&self.chars[i + 2..close]);
            if !buf.is_empty() {
                out.push(Inline::marked(std::mem::take(buf), marks.clone()));
            }
            out.push(Inline::marked(
                code,
                Marks {
                    code: true,
                    ..marks.clone()
                },
            ));
            return Some(close + 2);
        }
        if self.starts_with_ci(i, "{color") {
            let head_end = self.find(i, end, "}", false)?;
            let head: String = self.chars[i + 6..head_end].iter().collect();
            let color = head.strip_prefix(':')?.trim().to_string();
            let close = self.find(head_end + 1, end, "{color}", true)?;
            if !buf.is_empty() {
                out.push(Inline::marked(std::mem::take(buf), marks.clone()));
            }
            let inner = Marks {
                color: Some(color),
                ..marks.clone()
            };
            self.parse(head_end + 1, close, &inner, out);
            return Some(close + "{color}".len());
        }
        // `{*}text{*}`: the intra-word form of a simple mark.
        for delim in ["{*}", "{_}", "{-}", "{+}", "{^}", "{~}", "{??}"] {
            if self.starts_with(i, delim) {
                let n = delim.chars().count();
                let close = self.find(i + n, end, delim, false)?;
                if close == i + n {
                    return None;
                }
                if !buf.is_empty() {
                    out.push(Inline::marked(std::mem::take(buf), marks.clone()));
                }
                let mark = delim.chars().nth(1).unwrap_or('*');
                self.parse(i + n, close, &apply_mark(marks, mark), out);
                return Some(close + n);
            }
        }
        None
    }

    /// `[text|url]`, `[url]`, `[~user]`, `[^file]`, `[url|url|smart-link]`.
    fn bracket(&self, i: usize, end: usize, marks: &Marks) -> Option<(usize, Vec<Inline>)> {
        let close = self.find(i + 1, end, "]", false)?;
        if close == i + 1 {
            return None;
        }
        let inner = &self.chars[i + 1..close];
        if inner.contains(&'[') {
            return None;
        }
        let raw: String = inner.iter().collect();
        let next = close + 1;
        let has_pipe = {
            let mut escaped = false;
            inner.iter().any(|&c| {
                let pipe = c == '|' && !escaped;
                escaped = c == '\\' && !escaped;
                pipe
            })
        };
        if let Some(user) = raw.strip_prefix('~').filter(|_| !has_pipe) {
            let user = user.trim();
            let user = match user
                .strip_prefix("accountid:")
                .or_else(|| user.strip_prefix("accountId:"))
            {
                Some(id) => UserRef::JiraAccountId(id.trim().to_string()),
                None => UserRef::JiraUsername(user.to_string()),
            };
            return Some((
                next,
                vec![Inline::Mention(Mention {
                    user,
                    display: None,
                })],
            ));
        }
        if let Some(file) = raw.strip_prefix('^').filter(|_| !has_pipe) {
            return Some((
                next,
                vec![Inline::Media(Media {
                    source: MediaRef::File {
                        name: file.trim().to_string(),
                    },
                    alt: None,
                    width: None,
                    height: None,
                })],
            ));
        }
        // Split on unescaped `|`.
        let mut parts: Vec<(usize, usize)> = Vec::new();
        let mut s = i + 1;
        let mut j = i + 1;
        while j < close {
            match self.chars[j] {
                '\\' => j += 1,
                '|' => {
                    parts.push((s, j));
                    s = j + 1;
                }
                _ => {}
            }
            j += 1;
        }
        parts.push((s, close));
        let text_of = |(a, b): (usize, usize)| unescape(&self.chars[a..b]).trim().to_string();
        let (text_range, url) = match parts.as_slice() {
            [only] => (None, text_of(*only)),
            [t, u] => (Some(*t), text_of(*u)),
            [t, u, tip, ..] => {
                let url = text_of(*u);
                if text_of(*tip).eq_ignore_ascii_case("smart-link") {
                    return Some((next, vec![Inline::Card { url }]));
                }
                (Some(*t), url)
            }
            [] => return None,
        };
        if url.is_empty() || url.chars().any(char::is_whitespace) {
            return None;
        }
        let link_marks = Marks {
            link: Some(url.clone()),
            ..marks.clone()
        };
        let mut nodes = Vec::new();
        match text_range {
            Some((a, b)) if b > a => self.parse(a, b, &link_marks, &mut nodes),
            _ => nodes.push(Inline::marked(url, link_marks)),
        }
        Some((next, nodes))
    }
}

fn unescape(chars: &[char]) -> String {
    let mut out = String::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\'
            && let Some(&n) = chars.get(i + 1)
            && !n.is_alphanumeric()
            && !n.is_whitespace()
            && n != '\\'
        {
            out.push(n);
            i += 2;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// `mailto:x`, `data:...`, `javascript:...`: a URL rather than an attachment name.
fn has_scheme(target: &str) -> bool {
    target.split_once(':').is_some_and(|(scheme, _)| {
        scheme.len() >= 2
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// `name.png`, `name.png|thumbnail`, `name.png|width=300,height=200`, `https://x/y.png|alt=..`.
fn image(inner: &str) -> Media {
    let (target, options) = match inner.split_once('|') {
        Some((t, o)) => (t.trim(), o),
        None => (inner.trim(), ""),
    };
    let mut media = Media {
        source: if target.contains("://") || has_scheme(target) {
            MediaRef::Url {
                url: target.to_string(),
            }
        } else {
            MediaRef::File {
                name: target.to_string(),
            }
        },
        alt: None,
        width: None,
        height: None,
    };
    for option in options.split(',') {
        let Some((k, v)) = option.split_once('=') else {
            continue;
        };
        let v = v.trim();
        match k.trim().to_ascii_lowercase().as_str() {
            "width" => media.width = v.trim_end_matches("px").parse().ok(),
            "height" => media.height = v.trim_end_matches("px").parse().ok(),
            "alt" => media.alt = Some(v.trim_matches('"').to_string()),
            _ => {}
        }
    }
    media
}
