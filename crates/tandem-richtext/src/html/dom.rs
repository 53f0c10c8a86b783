//! HTML parsing: html5ever's tokenizer and tree builder (the HTML standard's algorithm, as
//! browsers run it) building a small arena DOM that the reader walks.
//!
//! Two things set it apart from a general-purpose DOM such as `scraper`'s (which this replaces,
//! building exactly the same tree):
//! - it keeps only what the reader needs (no selector caches, parse errors, or per-node
//!   allocations beyond the element's own name and attributes);
//! - nesting is bounded. The tree builder looks through its stack of open elements on nearly
//!   every tag, so its cost grows with the square of the nesting depth (50,000 nested `<div>`s
//!   took seconds). An element that would open deeper than [`MAX_NESTING`] is closed again at
//!   once, and the end tag that would have closed it is dropped, so its content lands in its
//!   parent, in the same order: the text is all kept, only the structure below that depth goes
//!   (browsers bound nesting in the same spirit, at 512). Parsing stays linear whatever the
//!   input. The reader already reads anything deeper than its own limit (200, below this one)
//!   as plain text, so documents of any realistic depth read exactly as before.

use std::borrow::Cow;
use std::cell::{Cell, Ref, RefCell};
use std::collections::HashMap;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, EndTag, Tag, TagToken, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use html5ever::tree_builder::{
    ElementFlags, NodeOrText, QuirksMode, TreeBuilder, TreeBuilderOpts, TreeSink, create_element,
};
use html5ever::{Attribute, LocalName, QualName, TokenizerResult, expanded_name, local_name, ns};

/// Elements nested deeper than this are closed as soon as they open (see the module docs).
pub(crate) const MAX_NESTING: u32 = 256;

/// A node of the arena; links are indices into [`Dom::nodes`].
#[derive(Debug)]
struct Slot {
    parent: Option<NodeId>,
    prev: Option<NodeId>,
    next: Option<NodeId>,
    first: Option<NodeId>,
    last: Option<NodeId>,
    data: Data,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NodeId(u32);

impl NodeId {
    fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a node holds.
#[derive(Debug)]
pub(crate) enum Data {
    /// The document (the root), and a template's contents.
    Fragment,
    Element(Element),
    Text(StrTendril),
    /// Comments, processing instructions, doctypes: kept as nodes, as they separate text.
    Other,
}

#[derive(Debug)]
pub(crate) struct Element {
    name: QualName,
    attrs: Vec<Attribute>,
}

impl Element {
    /// The local name (`div`, `svg`, `foreignObject`), whatever the namespace.
    pub(crate) fn name(&self) -> &str {
        &self.name.local
    }

    /// An attribute without a namespace, by name.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name.ns == ns!() && a.name.prefix.is_none() && &*a.name.local == name)
            .map(|a| &*a.value)
    }
}

/// A parsed HTML fragment.
#[derive(Debug)]
pub(crate) struct Dom {
    nodes: Vec<Slot>,
}

/// A node, for walking.
#[derive(Clone, Copy)]
pub(crate) struct NodeRef<'a> {
    dom: &'a Dom,
    id: NodeId,
}

impl<'a> NodeRef<'a> {
    fn slot(self) -> &'a Slot {
        &self.dom.nodes[self.id.index()]
    }

    pub(crate) fn value(self) -> &'a Data {
        &self.slot().data
    }

    fn at(self, id: Option<NodeId>) -> Option<NodeRef<'a>> {
        id.map(|id| NodeRef { dom: self.dom, id })
    }

    pub(crate) fn children(self) -> impl Iterator<Item = NodeRef<'a>> {
        std::iter::successors(self.at(self.slot().first), |n| n.at(n.slot().next))
    }

    /// The node and everything below it, in document order.
    pub(crate) fn descendants(self) -> impl Iterator<Item = NodeRef<'a>> {
        let root = self.id;
        std::iter::successors(Some(self), move |n| {
            if let Some(child) = n.at(n.slot().first) {
                return Some(child);
            }
            // Up until a node has a next sibling, stopping at the root.
            let mut cur = *n;
            loop {
                if cur.id == root {
                    return None;
                }
                if let Some(next) = cur.at(cur.slot().next) {
                    return Some(next);
                }
                cur = cur.at(cur.slot().parent)?;
            }
        })
    }
}

impl Dom {
    /// Parses an HTML fragment as the body of a document (what a rich-text field holds), as
    /// `scraper::Html::parse_fragment` does.
    pub(crate) fn parse_fragment(input: &str) -> Dom {
        let sink = Sink::default();
        let context = create_element(
            &sink,
            QualName::new(None, ns!(html), local_name!("body")),
            Vec::new(),
        );
        let builder =
            TreeBuilder::new_for_fragment(sink, context, None, TreeBuilderOpts::default());
        let opts = TokenizerOpts {
            initial_state: Some(builder.tokenizer_state_for_context_elem(false)),
            ..TokenizerOpts::default()
        };
        let tokenizer = Tokenizer::new(
            Limiter {
                builder,
                closed: RefCell::default(),
            },
            opts,
        );
        let queue = BufferQueue::default();
        queue.push_back(StrTendril::from_slice(input));
        // A script end tag pauses the tokenizer (for a browser to run it); carry on.
        while !matches!(tokenizer.feed(&queue), TokenizerResult::Done) {}
        tokenizer.end();
        tokenizer.sink.builder.sink.finish()
    }

    /// The `html` element the fragment's nodes hang from.
    pub(crate) fn root_element(&self) -> Option<NodeRef<'_>> {
        let document = NodeRef {
            dom: self,
            id: NodeId(0),
        };
        document
            .children()
            .find(|n| matches!(n.value(), Data::Element(_)))
    }
}

/// Between the tokenizer and the tree builder: closes elements that open too deep.
struct Limiter {
    builder: TreeBuilder<NodeId, Sink>,
    /// How many elements of each name were closed early: their end tags are dropped.
    closed: RefCell<HashMap<LocalName, u32>>,
}

impl TokenSink for Limiter {
    type Handle = NodeId;

    fn process_token(&self, token: Token, line_number: u64) -> TokenSinkResult<NodeId> {
        let TagToken(tag) = token else {
            return self.builder.process_token(token, line_number);
        };
        if tag.kind == EndTag {
            if let Some(count) = self.closed.borrow_mut().get_mut(&tag.name)
                && *count > 0
            {
                *count -= 1;
                return TokenSinkResult::Continue;
            }
            return self.builder.process_token(TagToken(tag), line_number);
        }
        let name = tag.name.clone();
        let self_closing = tag.self_closing;
        self.builder.sink.inserted.set(None);
        let result = self.builder.process_token(TagToken(tag), line_number);
        // Only an element this tag opened and left open (not a void element, nor raw text whose
        // content the tokenizer now reads, nor a self-closed foreign element), too deep.
        let too_deep = result == TokenSinkResult::Continue
            && self.builder.sink.inserted.get().is_some_and(|(id, depth)| {
                depth > MAX_NESTING
                    && !is_void(&name)
                    && self.builder.sink.element_is(id, &name, self_closing)
            });
        if too_deep {
            let end = Tag {
                kind: EndTag,
                name: name.clone(),
                self_closing: false,
                attrs: Vec::new(),
                had_duplicate_attributes: false,
            };
            // An end tag for the current node only pops it.
            let _ = self.builder.process_token(TagToken(end), line_number);
            *self.closed.borrow_mut().entry(name).or_default() += 1;
        }
        result
    }

    fn end(&self) {
        self.builder.end();
    }

    fn adjusted_current_node_present_but_not_in_html_namespace(&self) -> bool {
        self.builder
            .adjusted_current_node_present_but_not_in_html_namespace()
    }
}

/// Elements the tree builder inserts without opening (and `form`, which it may insert and close
/// at once inside a table, and never nests).
fn is_void(name: &LocalName) -> bool {
    matches!(
        *name,
        local_name!("area")
            | local_name!("base")
            | local_name!("basefont")
            | local_name!("bgsound")
            | local_name!("br")
            | local_name!("col")
            | local_name!("embed")
            | local_name!("form")
            | local_name!("frame")
            | local_name!("hr")
            | local_name!("image")
            | local_name!("img")
            | local_name!("input")
            | local_name!("keygen")
            | local_name!("link")
            | local_name!("meta")
            | local_name!("param")
            | local_name!("source")
            | local_name!("track")
            | local_name!("wbr")
    )
}

/// The tree builder's sink: builds the arena, with the same tree operations as `scraper`'s sink
/// (which follows ego-tree's semantics).
struct Sink {
    nodes: RefCell<Vec<Slot>>,
    /// The element inserted last while a start tag was processed, and its depth.
    inserted: Cell<Option<(NodeId, u32)>>,
}

impl Default for Sink {
    fn default() -> Sink {
        let document = Slot {
            parent: None,
            prev: None,
            next: None,
            first: None,
            last: None,
            data: Data::Fragment,
        };
        Sink {
            nodes: RefCell::new(vec![document]),
            inserted: Cell::new(None),
        }
    }
}

/// The name `elem_name` answers for a node that is not an element (the tree builder never asks).
static NO_NAME: QualName = QualName {
    prefix: None,
    ns: ns!(),
    local: local_name!(""),
};

impl Sink {
    fn new_node(&self, data: Data) -> NodeId {
        let mut nodes = self.nodes.borrow_mut();
        let id = NodeId(u32::try_from(nodes.len()).unwrap_or(u32::MAX));
        nodes.push(Slot {
            parent: None,
            prev: None,
            next: None,
            first: None,
            last: None,
            data,
        });
        id
    }

    /// Whether `id` is an element named `name` that a start tag left open: an HTML element,
    /// or a foreign one without `/>`.
    fn element_is(&self, id: NodeId, name: &LocalName, self_closing: bool) -> bool {
        match &self.nodes.borrow()[id.index()].data {
            Data::Element(e) => e.name.local == *name && (e.name.ns == ns!(html) || !self_closing),
            _ => false,
        }
    }

    /// Notes an element's insertion and its depth (ancestors counted up to one past the
    /// limit).
    fn note_inserted(&self, nodes: &[Slot], id: NodeId) {
        if !matches!(nodes[id.index()].data, Data::Element(_)) {
            return;
        }
        let mut depth = 0;
        let mut cur = nodes[id.index()].parent;
        while let Some(p) = cur
            && depth <= MAX_NESTING
        {
            if matches!(nodes[p.index()].data, Data::Element(_)) {
                depth += 1;
            }
            cur = nodes[p.index()].parent;
        }
        self.inserted.set(Some((id, depth)));
    }
}

/// Unlinks a node from its parent and siblings (ego-tree's `detach`).
fn detach(nodes: &mut [Slot], id: NodeId) {
    let Some(parent) = nodes[id.index()].parent else {
        return;
    };
    let (prev, next) = (nodes[id.index()].prev, nodes[id.index()].next);
    let slot = &mut nodes[id.index()];
    slot.parent = None;
    slot.prev = None;
    slot.next = None;
    if let Some(p) = prev {
        nodes[p.index()].next = next;
    }
    if let Some(n) = next {
        nodes[n.index()].prev = prev;
    }
    let parent = &mut nodes[parent.index()];
    if parent.first == Some(id) {
        parent.first = next;
    }
    if parent.last == Some(id) {
        parent.last = prev;
    }
}

/// Appends `child` as the last child of `parent` (ego-tree's `append_id`).
fn append_id(nodes: &mut [Slot], parent: NodeId, child: NodeId) {
    let last = nodes[parent.index()].last;
    if last == Some(child) {
        return;
    }
    detach(nodes, child);
    let slot = &mut nodes[child.index()];
    slot.parent = Some(parent);
    slot.prev = last;
    match last {
        Some(l) => nodes[l.index()].next = Some(child),
        None => nodes[parent.index()].first = Some(child),
    }
    nodes[parent.index()].last = Some(child);
}

/// Inserts `new` just before `sibling`, which has a parent (ego-tree's `insert_id_before`).
fn insert_before(nodes: &mut [Slot], sibling: NodeId, new: NodeId, parent: NodeId) {
    detach(nodes, new);
    let prev = nodes[sibling.index()].prev;
    let slot = &mut nodes[new.index()];
    slot.parent = Some(parent);
    slot.prev = prev;
    slot.next = Some(sibling);
    match prev {
        Some(p) => nodes[p.index()].next = Some(new),
        None => nodes[parent.index()].first = Some(new),
    }
    nodes[sibling.index()].prev = Some(new);
}

impl TreeSink for Sink {
    type Handle = NodeId;
    type Output = Dom;
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) -> Dom {
        Dom {
            nodes: self.nodes.into_inner(),
        }
    }

    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn get_document(&self) -> NodeId {
        NodeId(0)
    }

    fn elem_name<'a>(&'a self, target: &'a NodeId) -> Ref<'a, QualName> {
        Ref::map(self.nodes.borrow(), |nodes| {
            match &nodes[target.index()].data {
                Data::Element(e) => &e.name,
                _ => &NO_NAME,
            }
        })
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, _: ElementFlags) -> NodeId {
        let template = name.expanded() == expanded_name!(html "template");
        let id = self.new_node(Data::Element(Element { name, attrs }));
        if template {
            // The template's contents hang from it, as in scraper.
            let contents = self.new_node(Data::Fragment);
            append_id(&mut self.nodes.borrow_mut(), id, contents);
        }
        id
    }

    fn create_comment(&self, _text: StrTendril) -> NodeId {
        self.new_node(Data::Other)
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> NodeId {
        self.new_node(Data::Other)
    }

    fn append(&self, parent: &NodeId, child: NodeOrText<NodeId>) {
        match child {
            NodeOrText::AppendNode(id) => {
                let mut nodes = self.nodes.borrow_mut();
                append_id(&mut nodes, *parent, id);
                self.note_inserted(&nodes, id);
            }
            NodeOrText::AppendText(text) => {
                let last = self.nodes.borrow()[parent.index()].last;
                if let Some(last) = last
                    && let Data::Text(t) = &mut self.nodes.borrow_mut()[last.index()].data
                {
                    t.push_tendril(&text);
                    return;
                }
                let id = self.new_node(Data::Text(text));
                append_id(&mut self.nodes.borrow_mut(), *parent, id);
            }
        }
    }

    fn append_based_on_parent_node(
        &self,
        element: &NodeId,
        prev_element: &NodeId,
        child: NodeOrText<NodeId>,
    ) {
        if self.nodes.borrow()[element.index()].parent.is_some() {
            self.append_before_sibling(element, child);
        } else {
            self.append(prev_element, child);
        }
    }

    fn append_doctype_to_document(&self, _: StrTendril, _: StrTendril, _: StrTendril) {
        let id = self.new_node(Data::Other);
        append_id(&mut self.nodes.borrow_mut(), NodeId(0), id);
    }

    fn get_template_contents(&self, target: &NodeId) -> NodeId {
        self.nodes.borrow()[target.index()].first.unwrap_or(*target)
    }

    fn same_node(&self, x: &NodeId, y: &NodeId) -> bool {
        x == y
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn append_before_sibling(&self, sibling: &NodeId, new_node: NodeOrText<NodeId>) {
        let parent = self.nodes.borrow()[sibling.index()].parent;
        match new_node {
            NodeOrText::AppendNode(id) => {
                let mut nodes = self.nodes.borrow_mut();
                detach(&mut nodes, id);
                if let Some(parent) = parent {
                    insert_before(&mut nodes, *sibling, id, parent);
                    self.note_inserted(&nodes, id);
                }
            }
            NodeOrText::AppendText(text) => {
                let Some(parent) = parent else {
                    return;
                };
                let prev = self.nodes.borrow()[sibling.index()].prev;
                if let Some(prev) = prev
                    && let Data::Text(t) = &mut self.nodes.borrow_mut()[prev.index()].data
                {
                    t.push_tendril(&text);
                    return;
                }
                let id = self.new_node(Data::Text(text));
                insert_before(&mut self.nodes.borrow_mut(), *sibling, id, parent);
            }
        }
    }

    fn add_attrs_if_missing(&self, target: &NodeId, attrs: Vec<Attribute>) {
        if let Data::Element(e) = &mut self.nodes.borrow_mut()[target.index()].data {
            for attr in attrs {
                if !e.attrs.iter().any(|a| a.name == attr.name) {
                    e.attrs.push(attr);
                }
            }
        }
    }

    fn remove_from_parent(&self, target: &NodeId) {
        detach(&mut self.nodes.borrow_mut(), *target);
    }

    fn reparent_children(&self, node: &NodeId, new_parent: &NodeId) {
        let mut nodes = self.nodes.borrow_mut();
        let (Some(first), Some(last)) = (nodes[node.index()].first, nodes[node.index()].last)
        else {
            return;
        };
        nodes[node.index()].first = None;
        nodes[node.index()].last = None;
        let mut child = Some(first);
        while let Some(c) = child {
            nodes[c.index()].parent = Some(*new_parent);
            child = nodes[c.index()].next;
        }
        match nodes[new_parent.index()].last {
            Some(old_last) => {
                nodes[old_last.index()].next = Some(first);
                nodes[first.index()].prev = Some(old_last);
            }
            None => nodes[new_parent.index()].first = Some(first),
        }
        nodes[new_parent.index()].last = Some(last);
    }
}

#[cfg(test)]
mod tests {
    use super::{Data, Dom, NodeRef};

    /// The tree as an outline: one line per node, indented by depth.
    fn outline(node: NodeRef<'_>, depth: usize, out: &mut String) {
        let pad = "  ".repeat(depth);
        match node.value() {
            Data::Element(e) => {
                let mut attrs: Vec<String> = e
                    .attrs
                    .iter()
                    .map(|a| format!("{}={:?}", &*a.name.local, &*a.value))
                    .collect();
                attrs.sort();
                out.push_str(&format!("{pad}<{} {}>\n", e.name(), attrs.join(" ")));
            }
            Data::Text(t) => out.push_str(&format!("{pad}{:?}\n", &**t)),
            Data::Fragment => out.push_str(&format!("{pad}#fragment\n")),
            Data::Other => out.push_str(&format!("{pad}#other\n")),
        }
        for child in node.children() {
            outline(child, depth + 1, out);
        }
    }

    /// The same outline of scraper's tree (comments, doctypes and PIs as `#other`).
    fn scraper_outline(node: ego_tree::NodeRef<'_, scraper::Node>, depth: usize, out: &mut String) {
        let pad = "  ".repeat(depth);
        match node.value() {
            scraper::Node::Element(e) => {
                let mut attrs: Vec<String> = e
                    .attrs
                    .iter()
                    .map(|(n, v)| format!("{}={:?}", &*n.local, &**v))
                    .collect();
                attrs.sort();
                out.push_str(&format!("{pad}<{} {}>\n", &*e.name.local, attrs.join(" ")));
            }
            scraper::Node::Text(t) => out.push_str(&format!("{pad}{:?}\n", &**t)),
            scraper::Node::Document | scraper::Node::Fragment => {
                out.push_str(&format!("{pad}#fragment\n"));
            }
            _ => out.push_str(&format!("{pad}#other\n")),
        }
        for child in node.children() {
            scraper_outline(child, depth + 1, out);
        }
    }

    fn same_tree_as_scraper(input: &str) {
        let dom = Dom::parse_fragment(input);
        let mut ours = String::new();
        if let Some(root) = dom.root_element() {
            outline(root, 0, &mut ours);
        }
        let html = scraper::Html::parse_fragment(input);
        let mut theirs = String::new();
        scraper_outline(*html.root_element(), 0, &mut theirs);
        assert_eq!(ours, theirs, "for {input:?}");
    }

    #[test]
    fn builds_the_tree_scraper_builds() {
        let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
        let mut inputs: Vec<String> = std::fs::read_dir(corpus)
            .expect("corpus")
            .filter_map(|e| {
                let path = e.ok()?.path();
                (path.extension()? == "html")
                    .then(|| std::fs::read_to_string(path).expect("corpus file"))
            })
            .collect();
        assert!(!inputs.is_empty());
        // The tree builder's harder paths: misnested formatting (adoption agency), content
        // fostered out of tables, implied end tags, templates, foreign content, raw text,
        // comments, stray doctypes and end tags, attributes added to `html`/`body`.
        for tricky in [
            "<b>1<i>2</b>3</i>4",
            "<p>a<b>b<p>c</b>d",
            "<a href=x>1<div>2<a href=y>3</a></div></a>",
            "<table>x<tr><td>a</td>y</tr><b>z</b></table>",
            "<table><td>1<td>2<tr><th>3</table>",
            "<ul><li>a<li>b<ul><li>c</ul></ul>",
            "<template><b>t</b></template>after",
            "<svg><circle r=1/><foreignObject><p>x</p></foreignObject></svg><math><mi>y</math>",
            "<script>if (a < b) {}</script><style>p{}</style><textarea><b></textarea>",
            "<!-- c -->a<!doctype html>b<?pi x?></div></span>c",
            "<html lang=en><body class=x>hi<body id=y>",
            "a&nbsp;b&amp;c&#x1F600;&notit; &lt;",
            "<pre>\nfirst</pre><select><option>1<option>2</select>",
            "<form><div></form>x</div>",
            "",
        ] {
            inputs.push(tricky.to_string());
        }
        for input in &inputs {
            same_tree_as_scraper(input);
        }
    }

    /// Below the nesting bound nothing changes; beyond it the text is all kept, in order.
    #[test]
    fn nesting_is_bounded_and_text_is_kept() {
        same_tree_as_scraper(&("<div>".repeat(200) + "x" + &"</div>".repeat(200) + "y"));
        let n = 50_000;
        let input = "<div>a".repeat(n) + &"</div>b".repeat(n);
        let dom = Dom::parse_fragment(&input);
        let root = dom.root_element().expect("root");
        let text: String = root
            .descendants()
            .filter_map(|d| match d.value() {
                Data::Text(t) => Some(&**t),
                _ => None,
            })
            .collect();
        assert_eq!(text, "a".repeat(n) + &"b".repeat(n));
        let depth = root
            .descendants()
            .map(|d| std::iter::successors(Some(d), |p| p.at(p.slot().parent)).count())
            .max()
            .unwrap_or(0);
        assert!(depth <= super::MAX_NESTING as usize + 3, "depth {depth}");
    }
}
