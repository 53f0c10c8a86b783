//! HTML reader: real-world HTML as Azure DevOps stores it (nested `div`s, `span`s with
//! inline styles, `<br>`, `&nbsp;`), parsed with html5ever (see `dom.rs`) and walked.
//! Mentions follow research sync-semantics.md §7: `<a href="#"
//! data-vss-mention="version:2.0,{identity id}">@Name</a>`.

use super::dom::{Data as Node, Dom, NodeRef};

use crate::model::{
    Block, Cell, Document, Inline, List, ListItem, ListKind, Marks, Media, MediaRef, Mention,
    Panel, PanelKind, Row, Script, Table, UserRef,
};

/// Deeper nesting than this is read as text: html5ever already bounds the tree, this bounds
/// our recursion on hostile input.
const MAX_DEPTH: usize = 200;

pub(crate) fn read(input: &str) -> Document {
    let html = Dom::parse_fragment(input);
    let mut b = Builder::default();
    if let Some(root) = html.root_element() {
        walk_children(root, &Marks::default(), &mut b, 0);
    }
    Document::new(b.finish())
}

/// Parses an HTML fragment into blocks (the Markdown reader uses it for raw HTML blocks).
pub(crate) fn read_blocks(input: &str) -> Vec<Block> {
    read(input).blocks
}

#[derive(Default)]
struct Builder {
    blocks: Vec<Block>,
    inline: Vec<Inline>,
}

impl Builder {
    fn flush(&mut self) {
        if !self.inline.is_empty() {
            self.blocks.push(Block::Paragraph {
                content: std::mem::take(&mut self.inline),
            });
        }
    }

    fn block(&mut self, block: Block) {
        self.flush();
        self.blocks.push(block);
    }

    fn finish(mut self) -> Vec<Block> {
        self.flush();
        self.blocks
    }
}

fn element_name(node: NodeRef<'_>) -> Option<&str> {
    match node.value() {
        Node::Element(e) => Some(e.name()),
        _ => None,
    }
}

fn attr<'a>(node: NodeRef<'a>, name: &str) -> Option<&'a str> {
    match node.value() {
        Node::Element(e) => e.attr(name),
        _ => None,
    }
}

fn walk_children(node: NodeRef<'_>, marks: &Marks, b: &mut Builder, depth: usize) {
    for child in node.children() {
        walk(child, marks, b, depth + 1);
    }
}

/// Everything in a subtree as text (code blocks, over-deep trees).
fn text_content(node: NodeRef<'_>, out: &mut String) {
    for d in node.descendants() {
        match d.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) if e.name() == "br" => out.push('\n'),
            Node::Element(e)
                if matches!(e.name(), "p" | "div" | "li" | "tr")
                    && !out.is_empty()
                    && !out.ends_with('\n') =>
            {
                out.push('\n');
            }
            _ => {}
        }
    }
}

fn walk(node: NodeRef<'_>, marks: &Marks, b: &mut Builder, depth: usize) {
    if depth > MAX_DEPTH {
        let mut text = String::new();
        text_content(node, &mut text);
        b.inline.push(Inline::marked(text, marks.clone()));
        return;
    }
    let element = match node.value() {
        Node::Text(t) => {
            b.inline.push(Inline::marked(t.to_string(), marks.clone()));
            return;
        }
        Node::Element(e) => e,
        _ => return,
    };
    let name = element.name();
    match name {
        "script" | "style" | "head" | "title" | "meta" | "link" | "noscript" | "template"
        | "iframe" | "object" | "embed" | "svg" | "math" | "button" | "select" | "textarea" => {}
        "br" => b.inline.push(Inline::HardBreak),
        "img" => {
            if let Some(media) = image(node) {
                b.inline.push(Inline::Media(media));
            }
        }
        "hr" => b.block(Block::Rule),
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
            let level = name.as_bytes()[1] - b'0';
            let mut sub = Builder::default();
            walk_children(node, marks, &mut sub, depth);
            b.flush();
            let content = std::mem::take(&mut sub.inline);
            b.blocks.push(Block::Heading { level, content });
            b.blocks.extend(sub.finish());
        }
        "ul" | "ol" | "menu" => {
            let list = read_list(node, name == "ol", marks, depth);
            b.block(Block::List(list));
        }
        "pre" => {
            let mut text = String::new();
            text_content(node, &mut text);
            let language = code_language(node);
            b.block(Block::CodeBlock { language, text });
        }
        "blockquote" => {
            let mut sub = Builder::default();
            walk_children(node, marks, &mut sub, depth);
            b.block(Block::Quote {
                blocks: sub.finish(),
            });
        }
        "details" => {
            let mut title = None;
            let mut sub = Builder::default();
            for child in node.children() {
                if element_name(child) == Some("summary") {
                    let mut t = String::new();
                    text_content(child, &mut t);
                    title = Some(t);
                } else {
                    walk(child, marks, &mut sub, depth + 1);
                }
            }
            b.block(Block::Panel(Panel {
                kind: PanelKind::Expand,
                title,
                blocks: sub.finish(),
            }));
        }
        "table" => b.block(Block::Table(read_table(node, marks, depth))),
        "div" | "p" | "section" | "article" | "header" | "footer" | "main" | "aside" | "nav"
        | "figure" | "figcaption" | "address" | "dl" | "dt" | "dd" | "center" | "form"
        | "fieldset" | "body" | "html" | "caption" | "li" | "tbody" | "thead" | "tr" | "td"
        | "th" => {
            if let Some(kind) = attr(node, "data-panel").and_then(PanelKind::from_name) {
                let mut title = None;
                let mut sub = Builder::default();
                for child in node.children() {
                    if title.is_none() && attr(child, "data-panel-title").is_some() {
                        let mut t = String::new();
                        text_content(child, &mut t);
                        title = Some(t);
                    } else {
                        walk(child, marks, &mut sub, depth + 1);
                    }
                }
                b.block(Block::Panel(Panel {
                    kind,
                    title,
                    blocks: sub.finish(),
                }));
                return;
            }
            b.flush();
            walk_children(node, marks, b, depth);
            b.flush();
        }
        "a" => {
            if let Some(mention) = attr(node, "data-vss-mention") {
                // `version:2.0,{identity id}`
                let id = mention.rsplit(',').next().unwrap_or("").trim();
                let mut display = String::new();
                text_content(node, &mut display);
                b.inline.push(Inline::Mention(Mention {
                    user: UserRef::AdoIdentity(id.trim_matches(['{', '}']).to_string()),
                    display: Some(display),
                }));
                return;
            }
            if let Some(name) = attr(node, "data-file-name") {
                let mut alt = String::new();
                text_content(node, &mut alt);
                b.inline.push(Inline::Media(Media {
                    source: MediaRef::File {
                        name: name.to_string(),
                    },
                    alt: Some(alt).filter(|a| a != name),
                    width: None,
                    height: None,
                }));
                return;
            }
            let href = attr(node, "href").map(str::trim).filter(|h| !h.is_empty());
            if attr(node, "data-card").is_some()
                && let Some(url) = href
            {
                b.inline.push(Inline::Card {
                    url: url.to_string(),
                });
                return;
            }
            let inner = match href {
                Some(h) if super::safe_url(h) => Marks {
                    link: Some(h.to_string()),
                    ..marks.clone()
                },
                _ => marks.clone(),
            };
            walk_children(node, &inner, b, depth);
        }
        "span" | "font" if attr(node, "data-status").is_some() => {
            let mut text = String::new();
            text_content(node, &mut text);
            b.inline.push(Inline::Status {
                text,
                color: attr(node, "data-status").unwrap_or("neutral").to_string(),
            });
        }
        "span" if attr(node, "data-emoji").is_some() => {
            let mut text = String::new();
            text_content(node, &mut text);
            b.inline.push(Inline::Emoji {
                shortname: attr(node, "data-emoji").unwrap_or("").to_string(),
                text: Some(text),
            });
        }
        "time" if attr(node, "data-timestamp").is_some() => {
            match attr(node, "data-timestamp").and_then(|t| t.trim().parse().ok()) {
                Some(timestamp_ms) => b.inline.push(Inline::Date { timestamp_ms }),
                None => walk_children(node, marks, b, depth),
            }
        }
        "input" => {
            // A checkbox outside a list item: show its state as text.
            if attr(node, "type").is_some_and(|t| t.eq_ignore_ascii_case("checkbox")) {
                let checked = attr(node, "checked").is_some();
                b.inline
                    .push(Inline::text(if checked { "[x] " } else { "[ ] " }));
            }
        }
        _ => {
            let inner = inline_marks(node, name, marks);
            walk_children(node, &inner, b, depth);
        }
    }
}

/// The marks an inline element (or its `style`) adds.
fn inline_marks(node: NodeRef<'_>, name: &str, marks: &Marks) -> Marks {
    let mut m = marks.clone();
    match name {
        "strong" | "b" => m.strong = true,
        "em" | "i" | "cite" | "dfn" | "var" => m.em = true,
        "u" | "ins" => m.underline = true,
        "s" | "strike" | "del" => m.strike = true,
        "code" | "tt" | "kbd" | "samp" => m.code = true,
        "sub" => m.script = Some(Script::Sub),
        "sup" => m.script = Some(Script::Sup),
        "font" => {
            if let Some(c) = attr(node, "color") {
                m.color = Some(c.to_string());
            }
        }
        _ => {}
    }
    if let Some(style) = attr(node, "style") {
        apply_style(style, &mut m);
    }
    m
}

fn apply_style(style: &str, m: &mut Marks) {
    for decl in style.split(';') {
        let Some((prop, value)) = decl.split_once(':') else {
            continue;
        };
        let prop = prop.trim().to_ascii_lowercase();
        let value = value.trim().to_ascii_lowercase();
        let value = value.trim_end_matches("!important").trim();
        match prop.as_str() {
            "font-weight" => {
                m.strong = value == "bold"
                    || value == "bolder"
                    || value.parse::<u32>().is_ok_and(|w| w >= 600);
            }
            "font-style" => m.em = value == "italic" || value == "oblique",
            "text-decoration" | "text-decoration-line" => {
                if value.contains("underline") {
                    m.underline = true;
                }
                if value.contains("line-through") {
                    m.strike = true;
                }
            }
            "vertical-align" => match value {
                "sub" => m.script = Some(Script::Sub),
                "super" => m.script = Some(Script::Sup),
                _ => {}
            },
            "color" => m.color = Some(value.to_string()),
            "font-family" if value.contains("monospace") || value.contains("consolas") => {
                m.code = true;
            }
            _ => {}
        }
    }
}

fn image(node: NodeRef<'_>) -> Option<Media> {
    let alt = attr(node, "alt").map(str::to_string);
    let dim = |name: &str| {
        attr(node, name).and_then(|v| v.trim().trim_end_matches("px").parse::<u32>().ok())
    };
    let source = if let Some(id) = attr(node, "data-media-id") {
        MediaRef::JiraMedia {
            id: id.to_string(),
            collection: attr(node, "data-media-collection")
                .unwrap_or("")
                .to_string(),
        }
    } else if let Some(name) = attr(node, "data-file-name") {
        MediaRef::File {
            name: name.to_string(),
        }
    } else {
        let src = attr(node, "src")?.trim();
        if src.is_empty() || !super::safe_url(src) {
            return None;
        }
        MediaRef::Url {
            url: src.to_string(),
        }
    };
    Some(Media {
        source,
        alt,
        width: dim("width"),
        height: dim("height"),
    })
}

fn code_language(pre: NodeRef<'_>) -> Option<String> {
    let from_class = |class: &str| {
        class.split_whitespace().find_map(|c| {
            c.strip_prefix("language-")
                .or_else(|| c.strip_prefix("lang-"))
                .map(str::to_string)
        })
    };
    if let Some(lang) = attr(pre, "data-language") {
        return Some(lang.to_string());
    }
    if let Some(lang) = attr(pre, "class").and_then(from_class) {
        return Some(lang);
    }
    pre.children()
        .find(|c| element_name(*c) == Some("code"))
        .and_then(|code| attr(code, "class"))
        .and_then(from_class)
}

fn read_list(node: NodeRef<'_>, ordered: bool, marks: &Marks, depth: usize) -> List {
    let mut items: Vec<ListItem> = Vec::new();
    for child in node.children() {
        match element_name(child) {
            Some("li") => {
                let mut checked = None;
                let mut sub = Builder::default();
                for grandchild in child.children() {
                    let is_box = element_name(grandchild) == Some("input")
                        && attr(grandchild, "type")
                            .is_some_and(|t| t.eq_ignore_ascii_case("checkbox"));
                    if is_box && checked.is_none() {
                        checked = Some(attr(grandchild, "checked").is_some());
                        continue;
                    }
                    walk(grandchild, marks, &mut sub, depth + 2);
                }
                items.push(ListItem {
                    checked,
                    blocks: sub.finish(),
                });
            }
            Some(_) => {
                // Stray content (often a nested list) belongs to the item before it.
                let mut sub = Builder::default();
                walk(child, marks, &mut sub, depth + 1);
                let blocks = sub.finish();
                match items.last_mut() {
                    Some(last) => last.blocks.extend(blocks),
                    None => items.push(ListItem {
                        checked: None,
                        blocks,
                    }),
                }
            }
            None => {}
        }
    }
    let kind = if !items.is_empty() && items.iter().all(|i| i.checked.is_some()) {
        ListKind::Task
    } else if ordered {
        let start = attr(node, "start")
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(1);
        ListKind::Ordered { start }
    } else {
        ListKind::Bullet
    };
    if kind != ListKind::Task {
        for item in &mut items {
            if let Some(done) = item.checked.take() {
                item.blocks.insert(
                    0,
                    Block::Paragraph {
                        content: vec![Inline::text(if done { "[x]" } else { "[ ]" })],
                    },
                );
            }
        }
    }
    List { kind, items }
}

fn read_table(node: NodeRef<'_>, marks: &Marks, depth: usize) -> Table {
    let mut rows = Vec::new();
    collect_rows(node, marks, depth, &mut rows);
    Table { rows }
}

fn collect_rows(node: NodeRef<'_>, marks: &Marks, depth: usize, rows: &mut Vec<Row>) {
    for child in node.children() {
        match element_name(child) {
            Some("tr") => {
                let mut cells = Vec::new();
                for cell in child.children() {
                    let header = match element_name(cell) {
                        Some("th") => true,
                        Some("td") => false,
                        _ => continue,
                    };
                    let span = |name: &str| {
                        attr(cell, name)
                            .and_then(|v| v.trim().parse::<u32>().ok())
                            .unwrap_or(1)
                            .clamp(1, 1000)
                    };
                    let mut sub = Builder::default();
                    walk_children(cell, marks, &mut sub, depth + 2);
                    cells.push(Cell {
                        header,
                        colspan: span("colspan"),
                        rowspan: span("rowspan"),
                        blocks: sub.finish(),
                    });
                }
                rows.push(Row { cells });
            }
            Some("thead" | "tbody" | "tfoot") if depth < MAX_DEPTH => {
                collect_rows(child, marks, depth + 1, rows);
            }
            _ => {}
        }
    }
}
