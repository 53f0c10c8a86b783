//! Markdown reader: CommonMark + GFM (tables, strikethrough, task lists) parsed by comrak.
//! Inline HTML tags that Markdown lacks a syntax for (`<u>`, `<sub>`, `<sup>`, `<br>`, colour
//! spans) are honoured; raw HTML blocks go through the HTML reader. Azure DevOps mentions are
//! `@<identity id>`.

use comrak::nodes::{AstNode, ListType, NodeValue};
use comrak::{Arena, Options, parse_document};

use crate::model::{
    Block, Cell, Document, Inline, List, ListItem, ListKind, Marks, Media, MediaRef, Mention, Row,
    Script, Table, UserRef,
};

/// comrak recurses per nesting level; deeper input is read as text (fuzzing found no limit).
const MAX_DEPTH: usize = 200;

pub(crate) fn options() -> Options<'static> {
    let mut options = Options::default();
    options.extension.strikethrough = true;
    options.extension.table = true;
    options.extension.tasklist = true;
    options
}

pub(crate) fn read(input: &str) -> Document {
    // Bound nesting before comrak sees it: a line of thousands of `>` or list markers.
    let input = limit_nesting(input);
    let arena = Arena::new();
    let root = parse_document(&arena, &input, &options());
    Document::new(blocks(root, 0))
}

/// Replaces lines whose leading container markers nest deeper than [`MAX_DEPTH`] with their
/// escaped text.
fn limit_nesting(input: &str) -> std::borrow::Cow<'_, str> {
    let too_deep = |line: &str| {
        line.chars()
            .take_while(|c| matches!(c, '>' | ' ' | '-' | '*' | '+' | '\t'))
            .filter(|c| !c.is_whitespace())
            .count()
            > MAX_DEPTH / 2
            || line.len() - line.trim_start().len() > MAX_DEPTH * 4
    };
    if !input.lines().any(too_deep) {
        return std::borrow::Cow::Borrowed(input);
    }
    let mut out = String::with_capacity(input.len());
    for line in input.lines() {
        if too_deep(line) {
            out.push('\\');
            out.push_str(line.trim_start());
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    std::borrow::Cow::Owned(out)
}

fn blocks<'a>(node: &'a AstNode<'a>, depth: usize) -> Vec<Block> {
    let mut out = Vec::new();
    for child in node.children() {
        block(child, depth + 1, &mut out);
    }
    out
}

fn block<'a>(node: &'a AstNode<'a>, depth: usize, out: &mut Vec<Block>) {
    if depth > MAX_DEPTH {
        return;
    }
    let value = node.data().value.clone();
    match value {
        NodeValue::Paragraph => out.push(Block::Paragraph {
            content: inlines(node),
        }),
        NodeValue::Heading(h) => out.push(Block::Heading {
            level: h.level,
            content: inlines(node),
        }),
        NodeValue::List(list) => {
            let mut items = Vec::new();
            for item in node.children() {
                let checked = match &item.data().value {
                    NodeValue::TaskItem(t) => Some(t.symbol.is_some()),
                    _ => None,
                };
                items.push(ListItem {
                    checked,
                    blocks: blocks(item, depth + 1),
                });
            }
            let kind = if list.is_task_list || items.iter().all(|i| i.checked.is_some()) {
                ListKind::Task
            } else {
                match list.list_type {
                    ListType::Ordered => ListKind::Ordered {
                        start: u32::try_from(list.start).unwrap_or(1),
                    },
                    ListType::Bullet => ListKind::Bullet,
                }
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
            out.push(Block::List(List { kind, items }));
        }
        NodeValue::CodeBlock(code) => {
            let language = code
                .info
                .split_whitespace()
                .next()
                .map(str::to_string)
                .filter(|l| !l.is_empty());
            out.push(Block::CodeBlock {
                language,
                text: code.literal.clone(),
            });
        }
        NodeValue::BlockQuote | NodeValue::MultilineBlockQuote(_) => out.push(Block::Quote {
            blocks: blocks(node, depth),
        }),
        NodeValue::ThematicBreak => out.push(Block::Rule),
        NodeValue::Table(_) => {
            let mut rows = Vec::new();
            for row in node.children() {
                let header = matches!(row.data().value, NodeValue::TableRow(true));
                let cells = row
                    .children()
                    .map(|cell| Cell {
                        header,
                        colspan: 1,
                        rowspan: 1,
                        blocks: vec![Block::Paragraph {
                            content: inlines(cell),
                        }],
                    })
                    .collect();
                rows.push(Row { cells });
            }
            out.push(Block::Table(Table { rows }));
        }
        NodeValue::HtmlBlock(html) => out.extend(crate::html::read_blocks(&html.literal)),
        NodeValue::Document | NodeValue::Item(_) | NodeValue::TaskItem(_) => {
            out.extend(blocks(node, depth));
        }
        _ => {
            // Anything else block-like: keep its text.
            let content = inlines(node);
            if !content.is_empty() {
                out.push(Block::Paragraph { content });
            }
        }
    }
}

/// Inline HTML tags open and close marks across sibling nodes.
#[derive(Default)]
struct HtmlMarks {
    stack: Vec<(String, Marks)>,
}

impl HtmlMarks {
    fn current(&self, base: &Marks) -> Marks {
        match self.stack.last() {
            Some((_, m)) => merge(base, m),
            None => base.clone(),
        }
    }
}

fn merge(base: &Marks, extra: &Marks) -> Marks {
    Marks {
        strong: base.strong || extra.strong,
        em: base.em || extra.em,
        underline: base.underline || extra.underline,
        strike: base.strike || extra.strike,
        code: base.code || extra.code,
        script: extra.script.or(base.script),
        color: extra.color.clone().or_else(|| base.color.clone()),
        link: base.link.clone().or_else(|| extra.link.clone()),
    }
}

fn inlines<'a>(node: &'a AstNode<'a>) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut html = HtmlMarks::default();
    walk_inlines(node, &Marks::default(), &mut html, &mut out, 0);
    out
}

fn walk_inlines<'a>(
    node: &'a AstNode<'a>,
    marks: &Marks,
    html: &mut HtmlMarks,
    out: &mut Vec<Inline>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for child in node.children() {
        let value = child.data().value.clone();
        let current = html.current(marks);
        match value {
            NodeValue::Text(text) => push_text(&text, &current, out),
            NodeValue::SoftBreak => out.push(Inline::marked(" ", current)),
            NodeValue::LineBreak => out.push(Inline::HardBreak),
            NodeValue::Code(code) => out.push(Inline::marked(
                code.literal.clone(),
                Marks {
                    code: true,
                    ..current
                },
            )),
            NodeValue::Emph => walk_inlines(
                child,
                &Marks {
                    em: true,
                    ..marks.clone()
                },
                html,
                out,
                depth + 1,
            ),
            NodeValue::Strong => walk_inlines(
                child,
                &Marks {
                    strong: true,
                    ..marks.clone()
                },
                html,
                out,
                depth + 1,
            ),
            NodeValue::Strikethrough => walk_inlines(
                child,
                &Marks {
                    strike: true,
                    ..marks.clone()
                },
                html,
                out,
                depth + 1,
            ),
            NodeValue::Link(link) => walk_inlines(
                child,
                &Marks {
                    link: Some(link.url.clone()),
                    ..marks.clone()
                },
                html,
                out,
                depth + 1,
            ),
            NodeValue::Image(link) => {
                let mut alt = Vec::new();
                walk_inlines(
                    child,
                    &Marks::default(),
                    &mut HtmlMarks::default(),
                    &mut alt,
                    depth + 1,
                );
                out.push(Inline::Media(Media {
                    source: MediaRef::Url {
                        url: link.url.clone(),
                    },
                    alt: Some(crate::visit::plain_text(&alt)),
                    width: None,
                    height: None,
                }));
            }
            NodeValue::HtmlInline(tag) => html_tag(&tag, marks, html, out),
            _ => walk_inlines(child, marks, html, out, depth + 1),
        }
    }
}

/// Text, with Azure DevOps `@<id>` mentions split out.
fn push_text(text: &str, marks: &Marks, out: &mut Vec<Inline>) {
    let mut rest = text;
    while let Some(at) = rest.find("@<") {
        let after = &rest[at + 2..];
        let Some(end) = after.find('>') else { break };
        let id = &after[..end];
        if !is_identity_id(id) {
            out.push(Inline::marked(&rest[..at + 2], marks.clone()));
            rest = after;
            continue;
        }
        out.push(Inline::marked(&rest[..at], marks.clone()));
        out.push(Inline::Mention(Mention {
            user: UserRef::AdoIdentity(id.to_string()),
            display: None,
        }));
        rest = &after[end + 1..];
    }
    out.push(Inline::marked(rest, marks.clone()));
}

fn is_identity_id(id: &str) -> bool {
    id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

fn html_tag(tag: &str, marks: &Marks, html: &mut HtmlMarks, out: &mut Vec<Inline>) {
    let t = tag.trim();
    let inner = t
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim_end_matches('/');
    // `@<guid>` parsed as an HTML tag.
    if is_identity_id(inner.trim())
        && let Some(Inline::Text { text, .. }) = out.last_mut()
        && text.ends_with('@')
    {
        text.pop();
        out.push(Inline::Mention(Mention {
            user: UserRef::AdoIdentity(inner.trim().to_string()),
            display: None,
        }));
        return;
    }
    let closing = inner.starts_with('/');
    let name: String = inner
        .trim_start_matches('/')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if name == "br" {
        out.push(Inline::HardBreak);
        return;
    }
    if closing {
        match html.stack.iter().rposition(|(n, _)| *n == name) {
            Some(pos) => html.stack.truncate(pos),
            None if !KNOWN_TAGS.contains(&name.as_str()) => {
                out.push(Inline::marked(tag, html.current(marks)));
            }
            None => {}
        }
        return;
    }
    let mut m = html.current(marks);
    match name.as_str() {
        "u" | "ins" => m.underline = true,
        "sub" => m.script = Some(Script::Sub),
        "sup" => m.script = Some(Script::Sup),
        "strong" | "b" => m.strong = true,
        "em" | "i" => m.em = true,
        "s" | "del" | "strike" => m.strike = true,
        "code" => m.code = true,
        "span" | "font" => {
            if let Some(color) = style_color(inner) {
                m.color = Some(color);
            }
        }
        // Any other tag is not ours to interpret: keep it as the text it is.
        _ => {
            out.push(Inline::marked(tag, html.current(marks)));
            return;
        }
    }
    // Keep the stack relative to the block's base marks.
    html.stack.push((name, m));
}

/// The inline tags the reader interprets (what the writer emits, and their synonyms).
const KNOWN_TAGS: [&str; 14] = [
    "u", "ins", "sub", "sup", "strong", "b", "em", "i", "s", "del", "strike", "code", "span",
    "font",
];

fn style_color(tag: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let at = lower.find("color:")?;
    let rest = &tag[at + 6..];
    let value: String = rest
        .chars()
        .take_while(|c| !matches!(c, ';' | '"' | '\''))
        .collect();
    Some(value.trim().to_string())
}
