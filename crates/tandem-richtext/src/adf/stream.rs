//! The fast path of the ADF reader: JSON text straight into the document model, with no
//! intermediate node tree for the common nodes (paragraphs, text, lists, tables, quotes,
//! panels). Building then dropping that tree was most of the time spent reading a large
//! document.
//!
//! It only takes input in the shape Jira and this crate's writer produce: every node an object
//! whose `type` comes before its `attrs`, `content`, `text` and `marks`. Anything else (keys in
//! another order, repeated keys, a field of the wrong type, nesting too deep) makes it give up,
//! and the reader starts again on the general path ([`super::read`]). Where it succeeds the
//! result is the general path's exactly: nodes it does not handle itself are read into an
//! [`RNode`] and handed to the general path's functions, and the differential test below
//! compares the two on generated input.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{J, Key, RNode, attr_u32_in, is_block_type, read_block, read_blocks, read_inline};
use crate::model::{Block, Cell, Document, Inline, List, ListItem, ListKind, Marks, Panel};
use crate::model::{PanelKind, Row, Script, Table};

/// Reads a whole ADF document, or `None` when the input is not in the shape this path takes.
pub(super) fn read(input: &str) -> Option<Document> {
    let mut de = serde_json::Deserializer::from_str(input);
    let doc = Root.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(doc)
}

/// The error that sends the reader to the general path.
fn other_shape<E: serde::de::Error>() -> E {
    E::custom("not in the shape the fast ADF reader takes")
}

/// The fields of a node read so far: each at most once, as the general path's derived
/// deserialiser requires (a repeated key sends the document down that path).
#[derive(Default)]
struct Once(u8);

impl Once {
    const ATTRS: u8 = 1;
    const CONTENT: u8 = 2;
    const TEXT: u8 = 4;
    const MARKS: u8 = 8;

    fn mark<E: serde::de::Error>(&mut self, bit: u8) -> Result<(), E> {
        if self.0 & bit != 0 {
            return Err(other_shape());
        }
        self.0 |= bit;
        Ok(())
    }
}

/// Where a node's model lands: its parent's list of blocks, inlines, list items, table rows or
/// cells.
enum Sink<'o> {
    /// Inline nodes among blocks gather into `pending`, a paragraph to come.
    Blocks {
        out: &'o mut Vec<Block>,
        pending: &'o mut Vec<Inline>,
    },
    Inlines(&'o mut Vec<Inline>),
    ListItems(&'o mut Vec<ListItem>),
    Rows(&'o mut Vec<Row>),
    Cells(&'o mut Vec<Cell>),
}

impl Sink<'_> {
    fn reborrow(&mut self) -> Sink<'_> {
        match self {
            Sink::Blocks { out, pending } => Sink::Blocks { out, pending },
            Sink::Inlines(out) => Sink::Inlines(out),
            Sink::ListItems(out) => Sink::ListItems(out),
            Sink::Rows(out) => Sink::Rows(out),
            Sink::Cells(out) => Sink::Cells(out),
        }
    }
}

/// Closes a list of blocks as `read_blocks` does: inline nodes at the end form a paragraph.
fn close_blocks(mut out: Vec<Block>, pending: Vec<Inline>) -> Vec<Block> {
    if !pending.is_empty() {
        out.push(Block::Paragraph { content: pending });
    }
    out
}

fn flush(out: &mut Vec<Block>, pending: &mut Vec<Inline>) {
    if !pending.is_empty() {
        out.push(Block::Paragraph {
            content: std::mem::take(pending),
        });
    }
}

/// The document node: `doc` with its content, or any other node read as the only block.
struct Root;

impl<'de> DeserializeSeed<'de> for Root {
    type Value = Document;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Document, D::Error> {
        struct RootVisitor;
        impl<'de> Visitor<'de> for RootVisitor {
            type Value = Document;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an ADF document")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
                let kind = node_type(&mut map)?;
                let mut out = Vec::new();
                let mut pending = Vec::new();
                if kind == "doc" {
                    let fields = Fields::read(
                        &mut map,
                        Some(Sink::Blocks {
                            out: &mut out,
                            pending: &mut pending,
                        }),
                        false,
                    )?;
                    drop(fields);
                } else {
                    node(
                        kind,
                        &mut map,
                        Sink::Blocks {
                            out: &mut out,
                            pending: &mut pending,
                        },
                    )?;
                }
                Ok(Document::new(close_blocks(out, pending)))
            }
        }
        d.deserialize_map(RootVisitor)
    }
}

/// Reads keys up to `type` and returns it. Keys the general path ignores may come first; one
/// it reads means the node is not in this path's shape.
fn node_type<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Cow<'de, str>, A::Error> {
    while let Some(Key(key)) = map.next_key()? {
        match &*key {
            "type" => return map.next_value::<Key>().map(|k| k.0),
            "attrs" | "content" | "text" | "marks" => return Err(other_shape()),
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    Err(other_shape())
}

/// One node in a content array.
struct NodeSeed<'o>(Sink<'o>);

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an ADF node")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let kind = node_type(&mut map)?;
        node(kind, &mut map, self.0)
    }
}

/// A content array (or null), each node read into `sink`.
struct ContentSeed<'o>(Sink<'o>);

impl<'de> DeserializeSeed<'de> for ContentSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ContentSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of ADF nodes")
    }

    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(NodeSeed(self.0.reborrow()))?
            .is_some()
        {}
        Ok(())
    }
}

/// The fields of a node after its `type`, with its content read into a sink.
#[derive(Default)]
struct Fields<'de> {
    attrs: Option<J<'de>>,
    text: Option<Cow<'de, str>>,
    marks: Marks,
}

impl<'de> Fields<'de> {
    /// Reads the rest of a node. `content` is where its content goes (`None`: the node should
    /// have none this path reads, so any is only checked). `want_marks` reads the marks (text
    /// nodes); otherwise they are only checked.
    fn read<A: MapAccess<'de>>(
        map: &mut A,
        mut content: Option<Sink<'_>>,
        want_marks: bool,
    ) -> Result<Fields<'de>, A::Error> {
        let mut fields = Fields::default();
        let mut once = Once::default();
        while let Some(Key(key)) = map.next_key()? {
            match &*key {
                "type" => return Err(other_shape()),
                "attrs" => {
                    once.mark(Once::ATTRS)?;
                    fields.attrs = map.next_value()?;
                }
                "content" => {
                    once.mark(Once::CONTENT)?;
                    match content.as_mut() {
                        Some(sink) => map.next_value_seed(ContentSeed(sink.reborrow()))?,
                        None => drop(map.next_value::<Option<Vec<RNode>>>()?),
                    }
                }
                "text" => {
                    once.mark(Once::TEXT)?;
                    fields.text = map.next_value::<Option<Key>>()?.map(|k| k.0);
                }
                "marks" => {
                    once.mark(Once::MARKS)?;
                    if want_marks {
                        fields.marks = map.next_value_seed(MarksSeed)?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(fields)
    }

    fn attr_str(&self, name: &str) -> Option<&str> {
        self.attrs.as_ref()?.get(name)?.as_str()
    }

    fn attr_u32(&self, name: &str) -> Option<u32> {
        attr_u32_in(self.attrs.as_ref(), name)
    }
}

/// The rest of a node the general path reads, as its tree node.
fn rest<'de, A: MapAccess<'de>>(kind: Cow<'de, str>, map: &mut A) -> Result<RNode<'de>, A::Error> {
    let mut node = RNode {
        kind,
        ..RNode::default()
    };
    let mut once = Once::default();
    while let Some(Key(key)) = map.next_key()? {
        match &*key {
            "type" => return Err(other_shape()),
            "attrs" => {
                once.mark(Once::ATTRS)?;
                node.attrs = map.next_value()?;
            }
            "content" => {
                once.mark(Once::CONTENT)?;
                node.content = map.next_value()?;
            }
            "text" => {
                once.mark(Once::TEXT)?;
                node.text = map.next_value::<Option<Key>>()?.map(|k| k.0);
            }
            "marks" => {
                once.mark(Once::MARKS)?;
                node.marks = map.next_value()?;
            }
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    Ok(node)
}

/// Reads the rest of a node of type `kind` into `sink`, as the general path would.
fn node<'de, A: MapAccess<'de>>(
    kind: Cow<'de, str>,
    map: &mut A,
    sink: Sink<'_>,
) -> Result<(), A::Error> {
    match sink {
        Sink::Blocks { out, pending } => {
            if !is_block_type(&kind) {
                return inline(kind, map, pending);
            }
            flush(out, pending);
            block(kind, map, out)
        }
        Sink::Inlines(out) => inline(kind, map, out),
        Sink::ListItems(items) => {
            let blocks = if kind == "listItem" {
                blocks_of(map)?.0
            } else {
                read_blocks(std::slice::from_ref(&rest(kind, map)?))
            };
            items.push(ListItem {
                checked: None,
                blocks,
            });
            Ok(())
        }
        Sink::Rows(rows) => {
            if kind == "tableRow" {
                let mut cells = Vec::new();
                Fields::read(map, Some(Sink::Cells(&mut cells)), false)?;
                rows.push(Row { cells });
            } else {
                // Not a row: dropped, as the general path drops it.
                rest(kind, map)?;
            }
            Ok(())
        }
        Sink::Cells(cells) => {
            let (blocks, fields) = blocks_of(map)?;
            cells.push(Cell {
                header: kind == "tableHeader",
                colspan: fields.attr_u32("colspan").unwrap_or(1),
                rowspan: fields.attr_u32("rowspan").unwrap_or(1),
                blocks,
            });
            Ok(())
        }
    }
}

/// The rest of a node whose content is blocks.
fn blocks_of<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(Vec<Block>, Fields<'de>), A::Error> {
    let mut out = Vec::new();
    let mut pending = Vec::new();
    let fields = Fields::read(
        map,
        Some(Sink::Blocks {
            out: &mut out,
            pending: &mut pending,
        }),
        false,
    )?;
    Ok((close_blocks(out, pending), fields))
}

/// The rest of a node whose content is inlines.
fn inlines_of<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(Vec<Inline>, Fields<'de>), A::Error> {
    let mut out = Vec::new();
    let fields = Fields::read(map, Some(Sink::Inlines(&mut out)), false)?;
    Ok((out, fields))
}

/// A block node (`read_block`).
fn block<'de, A: MapAccess<'de>>(
    kind: Cow<'de, str>,
    map: &mut A,
    out: &mut Vec<Block>,
) -> Result<(), A::Error> {
    match &*kind {
        "paragraph" => {
            let (content, _) = inlines_of(map)?;
            out.push(Block::Paragraph { content });
        }
        "heading" => {
            let (content, fields) = inlines_of(map)?;
            out.push(Block::Heading {
                level: fields
                    .attr_u32("level")
                    .and_then(|l| u8::try_from(l).ok())
                    .unwrap_or(1),
                content,
            });
        }
        "bulletList" | "orderedList" => {
            let mut items = Vec::new();
            let fields = Fields::read(map, Some(Sink::ListItems(&mut items)), false)?;
            let kind = if kind == "orderedList" {
                ListKind::Ordered {
                    start: fields.attr_u32("order").unwrap_or(1),
                }
            } else {
                ListKind::Bullet
            };
            out.push(Block::List(List { kind, items }));
        }
        "blockquote" => {
            let (blocks, _) = blocks_of(map)?;
            out.push(Block::Quote { blocks });
        }
        "panel" => {
            let (blocks, fields) = blocks_of(map)?;
            out.push(Block::Panel(Panel {
                kind: fields
                    .attr_str("panelType")
                    .and_then(PanelKind::from_name)
                    .unwrap_or(PanelKind::Info),
                title: None,
                blocks,
            }));
        }
        "expand" | "nestedExpand" => {
            let (blocks, fields) = blocks_of(map)?;
            out.push(Block::Panel(Panel {
                kind: PanelKind::Expand,
                title: fields.attr_str("title").map(str::to_string),
                blocks,
            }));
        }
        "table" => {
            let mut rows = Vec::new();
            Fields::read(map, Some(Sink::Rows(&mut rows)), false)?;
            out.push(Block::Table(Table { rows }));
        }
        _ => read_block(&rest(kind, map)?, out),
    }
    Ok(())
}

/// An inline node (`read_inline`): text here, the rest through the general path.
fn inline<'de, A: MapAccess<'de>>(
    kind: Cow<'de, str>,
    map: &mut A,
    out: &mut Vec<Inline>,
) -> Result<(), A::Error> {
    if kind == "text" {
        let fields = Fields::read(map, None, true)?;
        out.push(Inline::Text {
            text: fields.text.map(Cow::into_owned).unwrap_or_default(),
            marks: fields.marks,
        });
    } else {
        read_inline(&rest(kind, map)?, out);
    }
    Ok(())
}

/// A text node's `marks`, as `read_marks` reads them: an array of marks (anything else reads
/// as none), each an object whose last `type` and `attrs` count.
struct MarksSeed;

impl<'de> DeserializeSeed<'de> for MarksSeed {
    type Value = Marks;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Marks, D::Error> {
        d.deserialize_any(self)
    }
}

/// Accepts any JSON value and makes nothing of it (marks that are not an array, marks that
/// are not objects).
macro_rules! ignore_scalars {
    ($value:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}

impl<'de> Visitor<'de> for MarksSeed {
    type Value = Marks;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("ADF marks")
    }

    ignore_scalars!(Marks::default());

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Marks, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Marks::default())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Marks, A::Error> {
        let mut marks = Marks::default();
        while let Some(mark) = seq.next_element_seed(MarkSeed)? {
            let Some(mark) = mark else { continue };
            let attr = |name: &str| {
                mark.attrs
                    .as_ref()
                    .and_then(|a| a.get(name))
                    .and_then(J::as_str)
            };
            match mark.kind.as_ref().and_then(J::as_str).unwrap_or("") {
                "strong" => marks.strong = true,
                "em" => marks.em = true,
                "underline" => marks.underline = true,
                "strike" => marks.strike = true,
                "code" => marks.code = true,
                "subsup" => {
                    marks.script = match attr("type") {
                        Some("sub") => Some(Script::Sub),
                        Some("sup") => Some(Script::Sup),
                        _ => None,
                    }
                }
                "textColor" => marks.color = attr("color").map(str::to_string),
                "link" => marks.link = attr("href").map(str::to_string),
                _ => {}
            }
        }
        Ok(marks)
    }
}

/// One mark: its last `type` and `attrs` (`None` when it is not an object).
struct Mark<'de> {
    kind: Option<J<'de>>,
    attrs: Option<J<'de>>,
}

struct MarkSeed;

impl<'de> DeserializeSeed<'de> for MarkSeed {
    type Value = Option<Mark<'de>>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MarkSeed {
    type Value = Option<Mark<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an ADF mark")
    }

    ignore_scalars!(None);

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut mark = Mark {
            kind: None,
            attrs: None,
        };
        while let Some(Key(key)) = map.next_key()? {
            match &*key {
                "type" => mark.kind = Some(map.next_value()?),
                "attrs" => mark.attrs = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Some(mark))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::super::read_general;

    /// ADF-like JSON: known and unknown nodes, marks and attrs, with odd values mixed in.
    fn node(depth: u32) -> BoxedStrategy<Value> {
        let kinds = prop::sample::select(vec![
            "paragraph",
            "heading",
            "bulletList",
            "orderedList",
            "listItem",
            "blockquote",
            "panel",
            "expand",
            "nestedExpand",
            "table",
            "tableRow",
            "tableCell",
            "tableHeader",
            "text",
            "hardBreak",
            "mention",
            "codeBlock",
            "mediaSingle",
            "media",
            "taskList",
            "taskItem",
            "doc",
            "extension",
            "inlineCard",
            "date",
            "",
        ]);
        let attr_value = prop_oneof![
            Just(json!(2)),
            Just(json!(3.6)),
            Just(json!("4")),
            Just(json!(null)),
            Just(json!("info")),
            Just(json!(["x"])),
            Just(json!({"a": 1})),
            Just(json!(70000)),
        ];
        let attrs = prop::collection::vec(
            (
                prop::sample::select(vec![
                    "level",
                    "order",
                    "colspan",
                    "rowspan",
                    "panelType",
                    "title",
                    "url",
                    "id",
                    "state",
                ]),
                attr_value,
            ),
            0..3,
        )
        .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()));
        let mark = prop_oneof![
            prop::sample::select(vec!["strong", "em", "code", "underline", "strike", "x"])
                .prop_map(|t| json!({"type": t})),
            Just(json!({"type": "link", "attrs": {"href": "https://a.example/"}})),
            Just(json!({"type": "textColor", "attrs": {"color": "#ff0000"}})),
            Just(json!({"type": "subsup", "attrs": {"type": "sub"}})),
            Just(json!({"type": 3})),
            Just(json!("strong")),
        ];
        let marks = prop_oneof![
            4 => prop::collection::vec(mark, 0..3).prop_map(Value::Array),
            1 => Just(json!({"type": "strong"})),
            1 => Just(json!(null)),
        ];
        let leaf = (
            kinds.clone(),
            prop::option::of(attrs.clone()),
            prop::option::of(prop_oneof![Just(json!("hi")), Just(json!(null))]),
            prop::option::of(marks.clone()),
        )
            .prop_map(|(t, attrs, text, marks)| {
                let mut m = serde_json::Map::new();
                m.insert("type".into(), json!(t));
                if let Some(a) = attrs {
                    m.insert("attrs".into(), a);
                }
                if let Some(t) = text {
                    m.insert("text".into(), t);
                }
                if let Some(mk) = marks {
                    m.insert("marks".into(), mk);
                }
                Value::Object(m)
            })
            .boxed();
        if depth == 0 {
            return leaf;
        }
        (
            kinds,
            prop::option::of(attrs),
            prop::option::of(marks),
            prop::collection::vec(node(depth - 1), 0..4),
            any::<bool>(),
        )
            .prop_map(|(t, attrs, marks, content, null_content)| {
                let mut m = serde_json::Map::new();
                m.insert("type".into(), json!(t));
                if let Some(a) = attrs {
                    m.insert("attrs".into(), a);
                }
                if let Some(mk) = marks {
                    m.insert("marks".into(), mk);
                }
                let content = if null_content && content.is_empty() {
                    Value::Null
                } else {
                    Value::Array(content)
                };
                m.insert("content".into(), content);
                Value::Object(m)
            })
            .boxed()
    }

    /// Writes a value with `type` first in every object (the shape the fast path takes), or
    /// as serde_json does (sorted keys), and sometimes with a key repeated.
    fn write(v: &Value, type_first: bool, repeat: Option<&str>, out: &mut String) {
        match v {
            Value::Object(m) => {
                out.push('{');
                let mut keys: Vec<&String> = m.keys().collect();
                if type_first {
                    keys.sort_by_key(|k| *k != "type");
                }
                for (i, k) in keys.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::to_string(k).unwrap());
                    out.push(':');
                    write(&m[*k], type_first, repeat, out);
                    if repeat == Some(k.as_str()) {
                        out.push(',');
                        out.push_str(&serde_json::to_string(k).unwrap());
                        out.push(':');
                        write(&m[*k], type_first, None, out);
                    }
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, type_first, repeat, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn fast_path_reads_as_the_general_path(
            root in node(4),
            doc_root in any::<bool>(),
            type_first in any::<bool>(),
            repeat in prop::option::of(prop::sample::select(vec!["attrs", "marks", "type", "text"])),
        ) {
            let root = if doc_root {
                json!({"version": 1, "type": "doc", "content": [root]})
            } else {
                root
            };
            let mut text = String::new();
            write(&root, type_first, repeat, &mut text);
            let general = read_general(&text);
            match super::read(&text) {
                Some(fast) => prop_assert_eq!(fast, general, "{}", text),
                // The shape Jira and the writer produce always takes the fast path.
                None => prop_assert!(!type_first || repeat.is_some(), "{}", text),
            }
        }
    }

    #[test]
    fn takes_what_jira_and_the_writer_produce() {
        let input = r#"{"version":1,"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"a","marks":[{"type":"strong"}]}]}]}"#;
        assert!(super::read(input).is_some());
        let sorted = r#"{"content":[],"type":"doc"}"#;
        assert!(super::read(sorted).is_none());
    }
}
