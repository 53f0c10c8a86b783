//! Atlassian Document Format (Jira Cloud REST API v3).
//!
//! Node and mark names and their allowed content follow `@atlaskit/adf-schema`'s JSON schema
//! (the oracle suite validates every document this writer produces against it). Nodes the model
//! has no place for (extensions, cards, decisions, layouts, ...) are kept whole as
//! [`Opaque`] and written back verbatim.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Format;
use crate::loss::Losses;
use crate::model::{
    Block, Cell, Document, Inline, List, ListItem, ListKind, Marks, Media, MediaRef, Mention,
    Opaque, Panel, PanelKind, Row, Script, Table, UserRef,
};
use crate::visit::blocks_plain_text;

mod stream;

// ---------------------------------------------------------------------------------------------
// Reading
/// An ADF node as read. Typed rather than `serde_json::Value` (a `BTreeMap` per node made
/// reading a large document several times slower), borrowing its type and text from the input
/// where JSON escapes allow. `attrs` and `marks` vary in shape, so they are kept whole as [`J`].
/// ADF nodes have exactly these keys, so re-serialising an unknown node gives back what Jira
/// sent (the opaque passthrough).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RNode<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    attrs: Option<J<'a>>,
    #[serde(borrow)]
    content: Option<Vec<RNode<'a>>>,
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow)]
    marks: Option<J<'a>>,
}

impl Serialize for RNode<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("type", &self.kind)?;
        if let Some(attrs) = &self.attrs {
            map.serialize_entry("attrs", &attrs.to_value())?;
        }
        if let Some(content) = &self.content {
            map.serialize_entry("content", content)?;
        }
        if let Some(text) = &self.text {
            map.serialize_entry("text", text)?;
        }
        if let Some(marks) = &self.marks {
            map.serialize_entry("marks", &marks.to_value())?;
        }
        map.end()
    }
}

impl<'a> RNode<'a> {
    /// From any JSON value, ignoring what does not fit (malformed input stays readable).
    fn lenient(v: &'a Value) -> RNode<'a> {
        RNode {
            kind: Cow::Borrowed(v.get("type").and_then(Value::as_str).unwrap_or("")),
            attrs: v.get("attrs").filter(|a| a.is_object()).map(J::from_value),
            content: v.get("content").and_then(Value::as_array).map(|items| {
                items
                    .iter()
                    .filter(|c| c.is_object())
                    .map(RNode::lenient)
                    .collect()
            }),
            text: v.get("text").and_then(Value::as_str).map(Cow::Borrowed),
            marks: v.get("marks").filter(|m| m.is_array()).map(J::from_value),
        }
    }
}

/// A JSON value as `serde_json::Value` reads it, but borrowing strings from the input and
/// keeping an object's entries in a vector instead of a `BTreeMap` (one allocation per object
/// instead of several; text nodes with marks are most of a document). It is parsed through the
/// same deserializer, so it accepts and rejects exactly what `Value` does (nesting limit
/// included), and [`J::get`] finds the last of repeated keys, as `Value`'s map keeps it.
#[derive(Debug, Clone, PartialEq)]
enum J<'a> {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(Cow<'a, str>),
    Array(Vec<J<'a>>),
    Object(Vec<(Cow<'a, str>, J<'a>)>),
}

impl<'a> J<'a> {
    fn from_value(v: &'a Value) -> J<'a> {
        match v {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => J::Number(n.clone()),
            Value::String(s) => J::String(Cow::Borrowed(s)),
            Value::Array(items) => J::Array(items.iter().map(J::from_value).collect()),
            Value::Object(map) => J::Object(
                map.iter()
                    .map(|(k, v)| (Cow::Borrowed(k.as_str()), J::from_value(v)))
                    .collect(),
            ),
        }
    }

    fn to_value(&self) -> Value {
        match self {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => Value::Number(n.clone()),
            J::String(s) => Value::String(s.to_string()),
            J::Array(items) => Value::Array(items.iter().map(J::to_value).collect()),
            // Inserting in order leaves the last of repeated keys, as parsing a `Value` does.
            J::Object(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_value()))
                    .collect(),
            ),
        }
    }

    /// `Value::get` with a key.
    fn get(&self, key: &str) -> Option<&J<'a>> {
        match self {
            J::Object(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            J::String(s) => Some(s),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<&[J<'a>]> {
        match self {
            J::Array(items) => Some(items),
            _ => None,
        }
    }

    fn as_u64(&self) -> Option<u64> {
        match self {
            J::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    fn as_i64(&self) -> Option<i64> {
        match self {
            J::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            J::Number(n) => n.as_f64(),
            _ => None,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for J<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<J<'a>, D::Error> {
        struct JVisitor;
        impl<'de> serde::de::Visitor<'de> for JVisitor {
            type Value = J<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E>(self, b: bool) -> Result<J<'de>, E> {
                Ok(J::Bool(b))
            }
            fn visit_i64<E>(self, n: i64) -> Result<J<'de>, E> {
                Ok(J::Number(n.into()))
            }
            fn visit_u64<E>(self, n: u64) -> Result<J<'de>, E> {
                Ok(J::Number(n.into()))
            }
            fn visit_f64<E>(self, n: f64) -> Result<J<'de>, E> {
                // As `Value`: a float JSON cannot hold (never read from text) becomes null.
                Ok(serde_json::Number::from_f64(n).map_or(J::Null, J::Number))
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<J<'de>, E> {
                Ok(J::String(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<J<'de>, E> {
                Ok(J::String(Cow::Owned(s.to_string())))
            }
            fn visit_string<E>(self, s: String) -> Result<J<'de>, E> {
                Ok(J::String(Cow::Owned(s)))
            }
            fn visit_none<E>(self) -> Result<J<'de>, E> {
                Ok(J::Null)
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<J<'de>, D::Error> {
                J::deserialize(d)
            }
            fn visit_unit<E>(self) -> Result<J<'de>, E> {
                Ok(J::Null)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<J<'de>, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(J::Array(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<J<'de>, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(Key(key)) = map.next_key()? {
                    entries.push((key, map.next_value()?));
                }
                Ok(J::Object(entries))
            }
        }
        d.deserialize_any(JVisitor)
    }
}

/// An object key, borrowed when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Key<'a>, D::Error> {
        #[derive(Deserialize)]
        struct Borrowing<'a>(#[serde(borrow)] Cow<'a, str>);
        Borrowing::deserialize(d).map(|b| Key(b.0))
    }
}

pub(crate) fn read(input: &str) -> Document {
    stream::read(input).unwrap_or_else(|| read_general(input))
}

/// Reads any input through a node tree (the fast path in [`stream`] takes the usual shape of
/// ADF only).
fn read_general(input: &str) -> Document {
    if let Ok(root) = serde_json::from_str::<RNode>(input) {
        return read_root(&root);
    }
    match serde_json::from_str::<Value>(input) {
        Ok(value) => read_value(&value),
        // Not JSON: keep the words (the engine logs the value as malformed elsewhere).
        Err(_) => Document::plain(input),
    }
}

pub(crate) fn read_value(value: &Value) -> Document {
    match value {
        Value::Object(_) => read_root(&RNode::lenient(value)),
        Value::Array(items) => Document::new(read_blocks(
            &items
                .iter()
                .filter(|c| c.is_object())
                .map(RNode::lenient)
                .collect::<Vec<_>>(),
        )),
        Value::String(s) => Document::plain(s),
        Value::Null => Document::default(),
        other => Document::plain(&other.to_string()),
    }
}

fn read_root(root: &RNode) -> Document {
    if root.kind == "doc" {
        Document::new(read_blocks(content(root)))
    } else {
        Document::new(read_blocks(std::slice::from_ref(root)))
    }
}

/// The `type` of a raw JSON node (passed-through nodes).
fn node_type(v: &Value) -> &str {
    v.get("type").and_then(Value::as_str).unwrap_or("")
}

/// The `type` of a mark.
fn mark_type<'j>(v: &'j J) -> &'j str {
    v.get("type").and_then(J::as_str).unwrap_or("")
}

fn content<'n, 'a>(v: &'n RNode<'a>) -> &'n [RNode<'a>] {
    v.content.as_deref().unwrap_or(&[])
}

fn attr<'n, 'a>(v: &'n RNode<'a>, name: &str) -> Option<&'n J<'a>> {
    v.attrs.as_ref().and_then(|a| a.get(name))
}

fn attr_str<'n>(v: &'n RNode<'_>, name: &str) -> Option<&'n str> {
    attr(v, name).and_then(J::as_str)
}

fn mark_attr_str<'j>(mark: &'j J, name: &str) -> Option<&'j str> {
    mark.get("attrs")
        .and_then(|a| a.get(name))
        .and_then(J::as_str)
}

fn attr_u32(v: &RNode, name: &str) -> Option<u32> {
    attr_u32_in(v.attrs.as_ref(), name)
}

/// An attribute as a size or number, from a node's `attrs`.
fn attr_u32_in(attrs: Option<&J>, name: &str) -> Option<u32> {
    let a = attrs?.get(name)?;
    let n = a
        .as_u64()
        // Sizes arrive as floats from some editors; anything beyond u32 is nonsense anyway.
        .or_else(|| {
            a.as_f64()
                .filter(|f| (0.0..4_294_967_295.0).contains(f))
                // In range by the filter above, so the cast cannot truncate.
                .map(|f| {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    let n = f.round() as u64;
                    n
                })
        })
        .or_else(|| a.as_str().and_then(|s| s.trim().parse().ok()))?;
    u32::try_from(n).ok()
}

fn opaque(v: &RNode) -> Opaque {
    Opaque {
        format: Format::Adf,
        raw: serde_json::to_string(v).unwrap_or_default(),
        text: all_text(v),
    }
}

/// Every `text` (and card URL) inside a node, for the plain-text fallback of opaque nodes.
fn all_text(v: &RNode) -> String {
    let mut out = String::new();
    fn walk(v: &RNode, out: &mut String) {
        if let Some(t) = v.text.as_deref() {
            out.push_str(t);
        }
        if let Some(url) = attr_str(v, "url") {
            out.push_str(url);
        }
        for (i, c) in content(v).iter().enumerate() {
            if i > 0 && is_block_type(&c.kind) && !out.ends_with('\n') {
                out.push('\n');
            }
            walk(c, out);
        }
    }
    walk(v, &mut out);
    out.trim().to_string()
}

fn is_block_type(t: &str) -> bool {
    !matches!(
        t,
        "text"
            | "hardBreak"
            | "mention"
            | "emoji"
            | "status"
            | "date"
            | "inlineCard"
            | "mediaInline"
            | "placeholder"
            | "inlineExtension"
    )
}

fn read_blocks(nodes: &[RNode]) -> Vec<Block> {
    let mut out = Vec::new();
    let mut pending_inline: Vec<Inline> = Vec::new();
    for node in nodes {
        let t: &str = &node.kind;
        if !is_block_type(t) {
            // Inline content where blocks belong: gather it into a paragraph.
            read_inline(node, &mut pending_inline);
            continue;
        }
        if !pending_inline.is_empty() {
            out.push(Block::Paragraph {
                content: std::mem::take(&mut pending_inline),
            });
        }
        read_block(node, &mut out);
    }
    if !pending_inline.is_empty() {
        out.push(Block::Paragraph {
            content: pending_inline,
        });
    }
    out
}

fn read_block(node: &RNode, out: &mut Vec<Block>) {
    match &*node.kind {
        "paragraph" => out.push(Block::Paragraph {
            content: read_inlines(content(node)),
        }),
        "heading" => out.push(Block::Heading {
            level: attr_u32(node, "level")
                .and_then(|l| u8::try_from(l).ok())
                .unwrap_or(1),
            content: read_inlines(content(node)),
        }),
        "bulletList" => out.push(Block::List(read_list(node, ListKind::Bullet))),
        "orderedList" => {
            let start = attr_u32(node, "order").unwrap_or(1);
            out.push(Block::List(read_list(node, ListKind::Ordered { start })));
        }
        "taskList" => out.push(Block::List(read_task_list(node))),
        "codeBlock" => out.push(Block::CodeBlock {
            language: attr_str(node, "language").map(str::to_string),
            text: content(node)
                .iter()
                .filter_map(|t| t.text.as_deref())
                .collect(),
        }),
        "blockquote" => out.push(Block::Quote {
            blocks: read_blocks(content(node)),
        }),
        "panel" => out.push(Block::Panel(Panel {
            kind: attr_str(node, "panelType")
                .and_then(PanelKind::from_name)
                .unwrap_or(PanelKind::Info),
            title: None,
            blocks: read_blocks(content(node)),
        })),
        "expand" | "nestedExpand" => out.push(Block::Panel(Panel {
            kind: PanelKind::Expand,
            title: attr_str(node, "title").map(str::to_string),
            blocks: read_blocks(content(node)),
        })),
        "rule" => out.push(Block::Rule),
        "table" => out.push(Block::Table(read_table(node))),
        "mediaSingle" | "mediaGroup" => {
            for media in content(node) {
                if media.kind == "media" {
                    out.push(Block::Media(read_media(media)));
                }
            }
        }
        "media" => out.push(Block::Media(read_media(node))),
        _ => out.push(Block::Opaque(opaque(node))),
    }
}

fn read_list(node: &RNode, kind: ListKind) -> List {
    let items = content(node)
        .iter()
        .map(|item| ListItem {
            checked: None,
            blocks: if item.kind == "listItem" {
                read_blocks(content(item))
            } else {
                read_blocks(std::slice::from_ref(item))
            },
        })
        .collect();
    List { kind, items }
}

/// A task list holds task items (inline content) and nested task lists, which belong to the
/// item before them.
fn read_task_list(node: &RNode) -> List {
    let mut items: Vec<ListItem> = Vec::new();
    for child in content(node) {
        match &*child.kind {
            "taskItem" | "decisionItem" => items.push(ListItem {
                checked: Some(attr_str(child, "state") == Some("DONE")),
                blocks: vec![Block::Paragraph {
                    content: read_inlines(content(child)),
                }],
            }),
            "taskList" => {
                let nested = Block::List(read_task_list(child));
                match items.last_mut() {
                    Some(last) => last.blocks.push(nested),
                    None => items.push(ListItem {
                        checked: Some(false),
                        blocks: vec![nested],
                    }),
                }
            }
            _ => {
                let mut blocks = Vec::new();
                read_block(child, &mut blocks);
                items.push(ListItem {
                    checked: Some(false),
                    blocks,
                });
            }
        }
    }
    List {
        kind: ListKind::Task,
        items,
    }
}

fn read_table(node: &RNode) -> Table {
    let rows = content(node)
        .iter()
        .filter(|r| r.kind == "tableRow")
        .map(|row| Row {
            cells: content(row)
                .iter()
                .map(|cell| Cell {
                    header: cell.kind == "tableHeader",
                    colspan: attr_u32(cell, "colspan").unwrap_or(1),
                    rowspan: attr_u32(cell, "rowspan").unwrap_or(1),
                    blocks: read_blocks(content(cell)),
                })
                .collect(),
        })
        .collect();
    Table { rows }
}

fn read_media(node: &RNode) -> Media {
    let source = match attr_str(node, "type") {
        Some("external") => MediaRef::Url {
            url: attr_str(node, "url").unwrap_or("").to_string(),
        },
        _ => MediaRef::JiraMedia {
            id: attr_str(node, "id").unwrap_or("").to_string(),
            collection: attr_str(node, "collection").unwrap_or("").to_string(),
        },
    };
    Media {
        source,
        alt: attr_str(node, "alt").map(str::to_string),
        width: attr_u32(node, "width"),
        height: attr_u32(node, "height"),
    }
}

fn read_inlines(nodes: &[RNode]) -> Vec<Inline> {
    let mut out = Vec::with_capacity(nodes.len());
    for node in nodes {
        read_inline(node, &mut out);
    }
    out
}

fn read_inline(node: &RNode, out: &mut Vec<Inline>) {
    let inline = match &*node.kind {
        "text" => Inline::Text {
            text: node.text.as_deref().unwrap_or_default().to_string(),
            marks: read_marks(node),
        },
        "hardBreak" => Inline::HardBreak,
        "mention" => Inline::Mention(Mention {
            user: UserRef::JiraAccountId(attr_str(node, "id").unwrap_or("").to_string()),
            display: attr_str(node, "text").map(str::to_string),
        }),
        "emoji" => Inline::Emoji {
            shortname: attr_str(node, "shortName").unwrap_or("").to_string(),
            text: attr_str(node, "text").map(str::to_string),
        },
        "status" => Inline::Status {
            text: attr_str(node, "text").unwrap_or("").to_string(),
            color: attr_str(node, "color").unwrap_or("neutral").to_string(),
        },
        "date" => match attr(node, "timestamp").and_then(|t| {
            t.as_i64()
                .or_else(|| t.as_str().and_then(|s| s.trim().parse().ok()))
        }) {
            Some(timestamp_ms) => Inline::Date { timestamp_ms },
            None => Inline::Opaque(opaque(node)),
        },
        "inlineCard" => match attr_str(node, "url") {
            Some(url) => Inline::Card {
                url: url.to_string(),
            },
            None => Inline::Opaque(opaque(node)),
        },
        "mediaInline" | "media" => Inline::Media(read_media(node)),
        t if is_block_type(t) && node.content.is_some() => {
            // A block where inlines belong: keep its inline content.
            for child in content(node) {
                read_inline(child, out);
            }
            return;
        }
        _ => Inline::Opaque(opaque(node)),
    };
    out.push(inline);
}

fn read_marks(node: &RNode) -> Marks {
    let mut marks = Marks::default();
    let Some(list) = node.marks.as_ref().and_then(J::as_array) else {
        return marks;
    };
    for mark in list {
        match mark_type(mark) {
            "strong" => marks.strong = true,
            "em" => marks.em = true,
            "underline" => marks.underline = true,
            "strike" => marks.strike = true,
            "code" => marks.code = true,
            "subsup" => {
                marks.script = match mark_attr_str(mark, "type") {
                    Some("sub") => Some(Script::Sub),
                    Some("sup") => Some(Script::Sup),
                    _ => None,
                }
            }
            "textColor" => marks.color = mark_attr_str(mark, "color").map(str::to_string),
            "link" => marks.link = mark_attr_str(mark, "href").map(str::to_string),
            // backgroundColor, annotation, border, fragment...: cosmetic or Jira-internal.
            _ => {}
        }
    }
    marks
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Where a block is written: ADF restricts what each container may hold (adf-schema
/// `blockquote_node`, `listItem_node`, `panel_node`, `table_cell_content`, `expand_node`,
/// `nestedExpand_content`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Doc,
    ListItem,
    Quote,
    Panel,
    Cell,
    Expand,
    NestedExpand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Heading,
    Quote,
    Panel,
    Rule,
    Table,
    TaskList,
    Expand,
}

fn allows(ctx: Ctx, kind: Kind) -> bool {
    use Ctx as C;
    match kind {
        Kind::Heading | Kind::Rule => !matches!(ctx, C::ListItem | C::Quote),
        Kind::Quote => matches!(ctx, C::Doc | C::Cell | C::Expand | C::NestedExpand),
        Kind::Panel => matches!(ctx, C::Doc | C::Cell | C::Expand | C::NestedExpand),
        Kind::Table => matches!(ctx, C::Doc | C::Expand),
        Kind::TaskList => !matches!(ctx, C::Quote),
        Kind::Expand => matches!(ctx, C::Doc | C::Cell | C::Expand),
    }
}

pub(crate) fn write(doc: &Document, losses: &mut Losses) -> String {
    let root = write_root(doc, losses);
    // Serialising our own tree cannot fail (no maps with non-string keys).
    serde_json::to_string(&root).unwrap_or_default()
}

pub(crate) fn write_value(doc: &Document, losses: &mut Losses) -> Value {
    serde_json::to_value(write_root(doc, losses)).unwrap_or(Value::Null)
}

fn write_root<'a>(doc: &'a Document, losses: &mut Losses) -> N<'a> {
    let mut root = N::new("doc").content(write_blocks(&doc.blocks, Ctx::Doc, losses));
    root.version = true;
    root
}

/// An output node, borrowing its text from the document. A typed tree rather than
/// `serde_json::Value`: a `Value` per node and per mark (a `BTreeMap` each), and a copy of every
/// text, made a 1 MB document take several times longer. Attributes and marks are written in
/// the key order of serde_json's map (sorted by name), as when they were `Value`s.
#[derive(Debug, Default)]
struct N<'a> {
    kind: &'static str,
    version: bool,
    attrs: Attrs<'a>,
    content: Option<Vec<N<'a>>>,
    text: Option<Cow<'a, str>>,
    marks: MarkSet<'a>,
    /// A node passed through verbatim (an unknown ADF node).
    raw: Option<Box<Value>>,
}

/// The attributes of each kind of node the writer makes.
#[derive(Debug, Default)]
enum Attrs<'a> {
    #[default]
    None,
    /// `heading`.
    Level(u8),
    /// `orderedList`.
    Order(u32),
    /// `codeBlock`.
    Language(&'a str),
    /// `expand` and `nestedExpand`.
    Title(&'a str),
    /// `panel`.
    PanelType(&'static str),
    /// `mediaSingle`: always centred.
    Layout,
    /// `tableCell` and `tableHeader`, only written when a span is above 1.
    Span {
        colspan: u32,
        rowspan: u32,
    },
    /// `taskList`.
    LocalId(&'static str),
    /// `taskItem`.
    Task {
        local_id: String,
        state: &'static str,
    },
    /// `media` (in `mediaSingle`).
    Media(&'a Media),
    /// `mediaInline`.
    MediaInline(&'a Media),
    Emoji {
        short_name: &'a str,
        text: Option<&'a str>,
    },
    Status {
        text: &'a str,
        color: &'a str,
    },
    Date(i64),
    /// `inlineCard`.
    Url(&'a str),
    Mention {
        id: &'a str,
        display: Option<&'a str>,
    },
}

/// The marks on a text node.
#[derive(Debug, Default)]
enum MarkSet<'a> {
    #[default]
    None,
    /// The model's marks; `strong` added when a heading is written as bold text.
    Model { marks: &'a Marks, strong: bool },
    /// Bold alone (a panel title).
    Strong,
    /// A link alone (an external image inline, written as a link).
    Link(&'a str),
}

impl MarkSet<'_> {
    fn is_empty(&self) -> bool {
        match self {
            MarkSet::None => true,
            MarkSet::Model { marks, strong } => !strong && marks.is_empty(),
            MarkSet::Strong | MarkSet::Link(_) => false,
        }
    }
}

impl<'a> N<'a> {
    fn new(kind: &'static str) -> N<'a> {
        N {
            kind,
            ..N::default()
        }
    }

    fn attrs(mut self, attrs: Attrs<'a>) -> N<'a> {
        self.attrs = attrs;
        self
    }

    fn content(mut self, content: Vec<N<'a>>) -> N<'a> {
        self.content = Some(content);
        self
    }

    fn text(text: impl Into<Cow<'a, str>>) -> N<'a> {
        N {
            kind: "text",
            text: Some(text.into()),
            ..N::default()
        }
    }

    fn raw(value: Value) -> N<'a> {
        N {
            raw: Some(Box::new(value)),
            ..N::default()
        }
    }

    fn kind(&self) -> &str {
        match &self.raw {
            Some(v) => node_type(v),
            None => self.kind,
        }
    }
}

impl serde::Serialize for N<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        if let Some(raw) = &self.raw {
            return raw.serialize(s);
        }
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("type", self.kind)?;
        if self.version {
            map.serialize_entry("version", &1)?;
        }
        if !matches!(self.attrs, Attrs::None) {
            map.serialize_entry("attrs", &self.attrs)?;
        }
        if let Some(content) = &self.content {
            map.serialize_entry("content", content)?;
        }
        if let Some(text) = &self.text {
            map.serialize_entry("text", text)?;
        }
        if !self.marks.is_empty() {
            map.serialize_entry("marks", &self.marks)?;
        }
        map.end()
    }
}

impl serde::Serialize for Attrs<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        match *self {
            Attrs::None => {}
            Attrs::Level(level) => map.serialize_entry("level", &level)?,
            Attrs::Order(order) => map.serialize_entry("order", &order)?,
            Attrs::Language(lang) => map.serialize_entry("language", lang)?,
            Attrs::Title(title) => map.serialize_entry("title", title)?,
            Attrs::PanelType(kind) => map.serialize_entry("panelType", kind)?,
            Attrs::Layout => map.serialize_entry("layout", "center")?,
            Attrs::Span { colspan, rowspan } => {
                if colspan > 1 {
                    map.serialize_entry("colspan", &colspan)?;
                }
                if rowspan > 1 {
                    map.serialize_entry("rowspan", &rowspan)?;
                }
            }
            Attrs::LocalId(id) => map.serialize_entry("localId", id)?,
            Attrs::Task {
                ref local_id,
                state,
            } => {
                map.serialize_entry("localId", local_id)?;
                map.serialize_entry("state", state)?;
            }
            Attrs::Media(media) => {
                // Sorted: alt, collection, height, id, type, url, width.
                let (kind, id, collection, url) = match &media.source {
                    MediaRef::JiraMedia { id, collection } => {
                        ("file", Some(id.as_str()), Some(collection.as_str()), None)
                    }
                    MediaRef::Url { url } => ("external", None, None, Some(url.as_str())),
                    // A file known only by name (wiki): the engine maps it to a media id
                    // before writing to Jira; unmapped, the name stands in for the id, as
                    // Atlassian's wiki converter does.
                    MediaRef::File { name } => ("file", Some(name.as_str()), Some(""), None),
                };
                if let Some(alt) = &media.alt {
                    map.serialize_entry("alt", alt)?;
                }
                if let Some(collection) = collection {
                    map.serialize_entry("collection", collection)?;
                }
                if let Some(h) = media.height {
                    map.serialize_entry("height", &h)?;
                }
                if let Some(id) = id {
                    map.serialize_entry("id", id)?;
                }
                map.serialize_entry("type", kind)?;
                if let Some(url) = url {
                    map.serialize_entry("url", url)?;
                }
                if let Some(w) = media.width {
                    map.serialize_entry("width", &w)?;
                }
            }
            Attrs::MediaInline(media) => {
                // Sorted: alt, collection, height, id, type, width.
                let (id, collection) = match &media.source {
                    MediaRef::JiraMedia { id, collection } => (id.as_str(), collection.as_str()),
                    MediaRef::File { name } => (name.as_str(), ""),
                    MediaRef::Url { url } => (url.as_str(), ""),
                };
                let alt = match &media.source {
                    MediaRef::File { name } => Some(media.alt.as_deref().unwrap_or(name)),
                    _ => media.alt.as_deref(),
                };
                if let Some(alt) = alt {
                    map.serialize_entry("alt", alt)?;
                }
                map.serialize_entry("collection", collection)?;
                if let Some(h) = media.height {
                    map.serialize_entry("height", &h)?;
                }
                map.serialize_entry("id", id)?;
                map.serialize_entry("type", "file")?;
                if let Some(w) = media.width {
                    map.serialize_entry("width", &w)?;
                }
            }
            Attrs::Emoji { short_name, text } => {
                map.serialize_entry("shortName", short_name)?;
                if let Some(t) = text {
                    map.serialize_entry("text", t)?;
                }
            }
            Attrs::Status { text, color } => {
                map.serialize_entry("color", color)?;
                map.serialize_entry("localId", "")?;
                map.serialize_entry("text", text)?;
            }
            Attrs::Date(timestamp_ms) => {
                map.serialize_entry("timestamp", &timestamp_ms.to_string())?;
            }
            Attrs::Url(url) => map.serialize_entry("url", url)?,
            Attrs::Mention { id, display } => {
                map.serialize_entry("accessLevel", "")?;
                map.serialize_entry("id", id)?;
                if let Some(d) = display {
                    map.serialize_entry("text", &format!("@{d}"))?;
                }
            }
        }
        map.end()
    }
}

/// One mark as `{"attrs": ..., "type": ...}` (sorted keys, as a `Value` map wrote it).
struct Mark<'a> {
    kind: &'static str,
    attr: Option<(&'static str, &'a str)>,
}

impl serde::Serialize for Mark<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        struct One<'a>(&'static str, &'a str);
        impl serde::Serialize for One<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry(self.0, self.1)?;
                map.end()
            }
        }
        let mut map = s.serialize_map(None)?;
        if let Some((name, value)) = self.attr {
            map.serialize_entry("attrs", &One(name, value))?;
        }
        map.serialize_entry("type", self.kind)?;
        map.end()
    }
}

impl serde::Serialize for MarkSet<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mark = |kind| Mark { kind, attr: None };
        let mut seq = s.serialize_seq(None)?;
        match *self {
            MarkSet::None => {}
            MarkSet::Strong => seq.serialize_element(&mark("strong"))?,
            MarkSet::Link(href) => seq.serialize_element(&Mark {
                kind: "link",
                attr: Some(("href", href)),
            })?,
            MarkSet::Model { marks, strong } => {
                if let Some(href) = &marks.link {
                    seq.serialize_element(&Mark {
                        kind: "link",
                        attr: Some(("href", href)),
                    })?;
                }
                if marks.strong || strong {
                    seq.serialize_element(&mark("strong"))?;
                }
                if marks.em {
                    seq.serialize_element(&mark("em"))?;
                }
                if marks.underline {
                    seq.serialize_element(&mark("underline"))?;
                }
                if marks.strike {
                    seq.serialize_element(&mark("strike"))?;
                }
                if marks.code {
                    seq.serialize_element(&mark("code"))?;
                }
                if let Some(script) = marks.script {
                    let t = match script {
                        Script::Sub => "sub",
                        Script::Sup => "sup",
                    };
                    seq.serialize_element(&Mark {
                        kind: "subsup",
                        attr: Some(("type", t)),
                    })?;
                }
                if let Some(color) = &marks.color {
                    seq.serialize_element(&Mark {
                        kind: "textColor",
                        attr: Some(("color", color)),
                    })?;
                }
            }
        }
        seq.end()
    }
}

fn write_blocks<'a>(blocks: &'a [Block], ctx: Ctx, losses: &mut Losses) -> Vec<N<'a>> {
    let mut out = Vec::with_capacity(blocks.len());
    for block in blocks {
        write_block(block, ctx, losses, &mut out);
    }
    out
}

fn node<'a>(kind: &'static str, content: Vec<N<'a>>) -> N<'a> {
    N::new(kind).content(content)
}

fn paragraph(inlines: Vec<N<'_>>) -> N<'_> {
    node("paragraph", inlines)
}

fn write_block<'a>(block: &'a Block, ctx: Ctx, losses: &mut Losses, out: &mut Vec<N<'a>>) {
    match block {
        Block::Paragraph { content } => {
            // ADF has no inline image by URL: such images become blocks between the parts of
            // the paragraph (a form that converts back to itself).
            let mut start = 0;
            for (i, inline) in content.iter().enumerate() {
                if let Inline::Media(m) = inline
                    && !is_media_file(m)
                {
                    if start < i {
                        out.push(paragraph(write_inlines(&content[start..i], false, losses)));
                    }
                    start = i + 1;
                    losses.approximated(
                        "inline image",
                        "ADF shows images by URL only as blocks: written as its own block",
                    );
                    out.push(write_media_single(m, losses));
                }
            }
            if start < content.len() {
                out.push(paragraph(write_inlines(&content[start..], false, losses)));
            }
        }
        Block::Heading { level, content } => {
            if allows(ctx, Kind::Heading) {
                out.push(
                    node("heading", write_inlines(content, false, losses))
                        .attrs(Attrs::Level(*level)),
                );
            } else {
                losses.approximated(
                    "heading",
                    "ADF allows no heading inside a list item or quote: written as bold text",
                );
                out.push(paragraph(write_inlines(content, true, losses)));
            }
        }
        Block::List(list) => {
            if list.kind == ListKind::Task && !allows(ctx, Kind::TaskList) {
                losses.approximated(
                    "task list",
                    "ADF allows no task list inside a quote: written as a bullet list",
                );
                out.push(write_list(list, ListKind::Bullet, losses));
            } else {
                out.push(write_list(list, list.kind, losses));
            }
        }
        Block::CodeBlock { language, text } => {
            let mut v = node("codeBlock", vec![N::text(text.as_str())]);
            if let Some(lang) = language {
                v = v.attrs(Attrs::Language(lang));
            }
            out.push(v);
        }
        Block::Quote { blocks } => {
            if allows(ctx, Kind::Quote) {
                out.push(node(
                    "blockquote",
                    non_empty(write_blocks(blocks, Ctx::Quote, losses)),
                ));
            } else {
                losses.approximated(
                    "quote",
                    "ADF allows no quote inside a list item, quote or panel: its content was written in place",
                );
                out.extend(write_blocks(blocks, ctx, losses));
            }
        }
        Block::Panel(panel) => write_panel(panel, ctx, losses, out),
        Block::Rule => {
            if allows(ctx, Kind::Rule) {
                out.push(N::new("rule"));
            } else {
                losses.dropped("rule", "ADF allows no rule inside a list item or quote");
            }
        }
        Block::Table(table) => {
            if allows(ctx, Kind::Table) {
                out.push(write_table(table, losses));
            } else {
                losses.approximated(
                    "nested table",
                    "ADF allows a table only at the top level: its cells were written as paragraphs",
                );
                for row in &table.rows {
                    for cell in &row.cells {
                        out.extend(write_blocks(&cell.blocks, ctx, losses));
                    }
                }
            }
        }
        Block::Media(media) => out.push(write_media_single(media, losses)),
        Block::Opaque(o) => out.push(write_opaque_block(o, losses)),
    }
}

/// A file that `mediaInline` can hold: Jira media, or an attachment known by name (written with
/// the name as its id until the engine maps it, as it must before writing to Jira).
fn is_media_file(m: &Media) -> bool {
    match &m.source {
        MediaRef::JiraMedia { id, .. } => !id.is_empty(),
        MediaRef::File { name } => !name.is_empty(),
        MediaRef::Url { .. } => false,
    }
}

/// ADF containers must not be empty.
fn non_empty(mut content: Vec<N<'_>>) -> Vec<N<'_>> {
    if content.is_empty() {
        content.push(paragraph(Vec::new()));
    }
    content
}

/// A list written as `kind` (a task list inside a quote is written as bullets).
fn write_list<'a>(list: &'a List, kind: ListKind, losses: &mut Losses) -> N<'a> {
    match kind {
        ListKind::Task => write_task_list(list, losses),
        ListKind::Bullet | ListKind::Ordered { .. } => {
            let items = list
                .items
                .iter()
                .map(|item| {
                    let mut content = write_blocks(&item.blocks, Ctx::ListItem, losses);
                    // A list item must open with a paragraph, code block or image.
                    let opens_ok = content.first().is_some_and(|c| {
                        matches!(c.kind(), "paragraph" | "codeBlock" | "mediaSingle")
                    });
                    if !opens_ok {
                        content.insert(0, paragraph(Vec::new()));
                    }
                    node("listItem", content)
                })
                .collect();
            match kind {
                ListKind::Ordered { start } => {
                    node("orderedList", items).attrs(Attrs::Order(start))
                }
                _ => node("bulletList", items),
            }
        }
    }
}

/// What a task item's one line is made of, gathered before it is written.
enum Piece<'a> {
    Inlines(&'a [Inline]),
    Break,
    Text(String),
}

/// Task items hold inline content only; nested task lists follow their item. Other blocks in
/// a task item are flattened to text.
fn write_task_list<'a>(list: &'a List, losses: &mut Losses) -> N<'a> {
    let mut content = Vec::new();
    for (n, item) in list.items.iter().enumerate() {
        let mut pieces: Vec<Piece<'a>> = Vec::new();
        let mut has_inlines = false;
        let mut nested = Vec::new();
        for block in &item.blocks {
            match block {
                Block::Paragraph { content } if nested.is_empty() => {
                    if has_inlines {
                        // Two breaks: the normal form reads them as a paragraph boundary.
                        pieces.push(Piece::Break);
                        pieces.push(Piece::Break);
                    }
                    has_inlines |= !content.is_empty();
                    pieces.push(Piece::Inlines(content));
                }
                Block::List(sub) if sub.kind == ListKind::Task => nested.push(sub),
                other => {
                    losses.approximated(
                        "task item content",
                        "an ADF task item holds one line of text: other blocks were written as text",
                    );
                    let text = blocks_plain_text(std::slice::from_ref(other));
                    if has_inlines {
                        pieces.push(Piece::Break);
                    }
                    has_inlines = true;
                    pieces.push(Piece::Text(text));
                }
            }
        }
        let state = if item.checked == Some(true) {
            "DONE"
        } else {
            "TODO"
        };
        let mut line = Vec::new();
        for piece in pieces {
            match piece {
                Piece::Inlines(inlines) => line.extend(write_inlines(inlines, false, losses)),
                Piece::Break => line.push(N::new("hardBreak")),
                Piece::Text(text) => {
                    if !text.is_empty() {
                        line.push(N::text(text));
                    }
                }
            }
        }
        content.push(
            N::new("taskItem")
                .attrs(Attrs::Task {
                    local_id: format!("task-{n}"),
                    state,
                })
                .content(line),
        );
        for sub in nested {
            content.push(write_task_list(sub, losses));
        }
    }
    // A task list must open with a task item.
    if content.first().is_none_or(|c| c.kind() != "taskItem") {
        content.insert(
            0,
            N::new("taskItem")
                .attrs(Attrs::Task {
                    local_id: "task".to_string(),
                    state: "TODO",
                })
                .content(Vec::new()),
        );
    }
    N::new("taskList")
        .attrs(Attrs::LocalId("tasks"))
        .content(content)
}

fn write_panel<'a>(panel: &'a Panel, ctx: Ctx, losses: &mut Losses, out: &mut Vec<N<'a>>) {
    if panel.kind == PanelKind::Expand {
        if allows(ctx, Kind::Expand) {
            let (kind, inner) = if ctx == Ctx::Doc {
                ("expand", Ctx::Expand)
            } else {
                ("nestedExpand", Ctx::NestedExpand)
            };
            out.push(
                N::new(kind)
                    .attrs(Attrs::Title(panel.title.as_deref().unwrap_or_default()))
                    .content(non_empty(write_blocks(&panel.blocks, inner, losses))),
            );
            return;
        }
        losses.approximated(
            "expand",
            "ADF allows an expand only at the top level, in an expand or in a table: its content was written in place",
        );
        write_title(panel, out);
        out.extend(write_blocks(&panel.blocks, ctx, losses));
        return;
    }
    if !allows(ctx, Kind::Panel) {
        losses.approximated(
            "panel",
            "ADF allows no panel inside a list item, quote or panel: its content was written in place",
        );
        write_title(panel, out);
        out.extend(write_blocks(&panel.blocks, ctx, losses));
        return;
    }
    let mut content = Vec::new();
    if let Some(title) = &panel.title {
        losses.approximated(
            "panel title",
            "an ADF panel has no title: written as a bold first line",
        );
        content.push(paragraph(strong_text(title)));
    }
    content.extend(write_blocks(&panel.blocks, Ctx::Panel, losses));
    out.push(
        N::new("panel")
            .attrs(Attrs::PanelType(panel.kind.name()))
            .content(non_empty(content)),
    );
}

/// A title as bold text (nothing for an empty one, as for any empty text run).
fn strong_text(title: &str) -> Vec<N<'_>> {
    if title.is_empty() {
        return Vec::new();
    }
    let mut v = N::text(title);
    v.marks = MarkSet::Strong;
    vec![v]
}

fn write_title<'a>(panel: &'a Panel, out: &mut Vec<N<'a>>) {
    if let Some(title) = &panel.title {
        out.push(paragraph(strong_text(title)));
    }
}

fn write_table<'a>(table: &'a Table, losses: &mut Losses) -> N<'a> {
    let rows: Vec<N<'a>> = table
        .rows
        .iter()
        .map(|row| {
            let cells = row
                .cells
                .iter()
                .map(|cell| {
                    let kind = if cell.header {
                        "tableHeader"
                    } else {
                        "tableCell"
                    };
                    let mut v = node(
                        kind,
                        non_empty(write_blocks(&cell.blocks, Ctx::Cell, losses)),
                    );
                    if cell.colspan > 1 || cell.rowspan > 1 {
                        v = v.attrs(Attrs::Span {
                            colspan: cell.colspan,
                            rowspan: cell.rowspan,
                        });
                    }
                    v
                })
                .collect();
            node("tableRow", cells)
        })
        .collect();
    node("table", rows)
}

fn write_media_single<'a>(media: &'a Media, losses: &mut Losses) -> N<'a> {
    if let MediaRef::File { .. } = media.source {
        losses.approximated(
            "attachment",
            "an attachment known by file name only (map it to a Jira media id first)",
        );
    }
    if let MediaRef::JiraMedia { id, .. } = &media.source
        && id.is_empty()
    {
        losses.dropped("image", "a Jira media node without an id cannot be written");
        let alt = media.alt.as_deref().unwrap_or_default();
        let content = if alt.is_empty() {
            Vec::new()
        } else {
            vec![N::text(alt)]
        };
        return paragraph(content);
    }
    node(
        "mediaSingle",
        vec![N::new("media").attrs(Attrs::Media(media))],
    )
    .attrs(Attrs::Layout)
}

fn write_opaque_block<'a>(o: &'a Opaque, losses: &mut Losses) -> N<'a> {
    if o.format == Format::Adf
        && let Ok(v) = serde_json::from_str::<Value>(&o.raw)
        && v.is_object()
    {
        return N::raw(v);
    }
    losses.approximated(
        "unsupported construct",
        "written as plain text (the source format had a construct ADF cannot hold)",
    );
    // One line of text per line, hard breaks between them.
    let mut content = Vec::new();
    for (i, line) in o.text.lines().enumerate() {
        if i > 0 {
            content.push(N::new("hardBreak"));
        }
        if !line.is_empty() {
            content.push(N::text(line));
        }
    }
    paragraph(content)
}

/// Writes inline nodes; `bold` adds `strong` to every text run but code (a heading written
/// where ADF allows none).
fn write_inlines<'a>(inlines: &'a [Inline], bold: bool, losses: &mut Losses) -> Vec<N<'a>> {
    let mut out = Vec::with_capacity(inlines.len());
    for inline in inlines {
        match inline {
            Inline::Text { text, marks } => {
                if text.is_empty() {
                    continue;
                }
                let mut v = N::text(text.as_str());
                v.marks = MarkSet::Model {
                    marks,
                    strong: bold && !marks.code,
                };
                out.push(v);
            }
            Inline::HardBreak => out.push(N::new("hardBreak")),
            Inline::Mention(m) => out.push(write_mention(m, losses)),
            Inline::Emoji { shortname, text } => out.push(N::new("emoji").attrs(Attrs::Emoji {
                short_name: shortname,
                text: text.as_deref(),
            })),
            Inline::Status { text, color } => {
                out.push(N::new("status").attrs(Attrs::Status { text, color }));
            }
            Inline::Date { timestamp_ms } => {
                out.push(N::new("date").attrs(Attrs::Date(*timestamp_ms)));
            }
            Inline::Media(media) => {
                if is_media_file(media) {
                    if let MediaRef::File { .. } = media.source {
                        losses.approximated(
                            "attachment",
                            "an attachment known by file name only (map it to a Jira media id first)",
                        );
                    }
                    out.push(N::new("mediaInline").attrs(Attrs::MediaInline(media)));
                } else {
                    // mediaInline holds files only; an external image inline becomes a link.
                    losses.approximated(
                        "inline image",
                        "ADF shows external images inline only as links: written as a link",
                    );
                    let (href, label) = match &media.source {
                        MediaRef::Url { url } => (url.as_str(), media.alt.as_deref()),
                        MediaRef::File { name } => (name.as_str(), media.alt.as_deref()),
                        MediaRef::JiraMedia { id, .. } => (id.as_str(), None),
                    };
                    let label = label.unwrap_or(href);
                    if href.is_empty() {
                        if !label.is_empty() {
                            out.push(N::text(label));
                        }
                    } else {
                        let mut v = N::text(label);
                        v.marks = MarkSet::Link(href);
                        out.push(v);
                    }
                }
            }
            Inline::Card { url } => {
                out.push(N::new("inlineCard").attrs(Attrs::Url(url)));
            }
            Inline::Opaque(o) => {
                if o.format == Format::Adf
                    && let Ok(v) = serde_json::from_str::<Value>(&o.raw)
                    && v.is_object()
                {
                    out.push(N::raw(v));
                } else if !o.text.is_empty() {
                    losses.approximated(
                        "unsupported construct",
                        "written as plain text (the source format had a construct ADF cannot hold)",
                    );
                    out.push(N::text(o.text.as_str()));
                }
            }
        }
    }
    out
}

fn write_mention<'a>(m: &'a Mention, losses: &mut Losses) -> N<'a> {
    let name = m.display.as_deref().unwrap_or(m.user.id());
    match &m.user {
        UserRef::JiraAccountId(id) => N::new("mention").attrs(Attrs::Mention {
            id,
            display: m.display.as_deref(),
        }),
        _ => {
            losses.approximated(
                "mention",
                "the user has no Jira Cloud account id (map it first): written as text",
            );
            N::text(format!("@{name}"))
        }
    }
}
