//! The simulator's own, deliberately small reading of Atlassian Document Format (ADF) and Jira
//! wiki markup. It is not tandem's rich-text crate (the simulator must not share a reading of
//! the formats with the product). Rich text is stored as ADF; v2 reads render it as wiki text
//! and v2 writes parse wiki text back. Supported both ways: paragraphs, hard breaks, headings
//! (`h1.`), bullet (`*`) and numbered (`#`) lists (one level), code blocks (`{code}`), rules
//! (`----`), marks strong `*x*`, em `_x_`, code `{{x}}`, links `[text|url]`, mentions
//! (`[~accountid:ID]`), and inline images `!file.png|width=W,height=H!` <-> `mediaSingle`/`media`
//! (the media id is the attachment's media id, looked up by file name). Other nodes keep their
//! text.

use std::collections::BTreeSet;

use serde_json::{Value, json};

/// Stored rich text: an ADF document kept as compact JSON text. A parsed `serde_json::Value`
/// costs ten times as much memory, and 100k issues with comments must fit comfortably; the
/// parse on read is cheap next to rendering.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Doc(Box<str>);

impl Doc {
    pub(crate) fn new(v: &Value) -> Doc {
        Doc(v.to_string().into_boxed_str())
    }
    pub(crate) fn value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or_else(|_| from_plain(""))
    }
}

impl std::fmt::Debug for Doc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A document from plain text: paragraphs split on blank lines, line breaks kept.
pub(crate) fn from_plain(text: &str) -> Value {
    let mut content = Vec::new();
    for para in text.split("\n\n") {
        if para.trim().is_empty() {
            continue;
        }
        content.push(json!({"type": "paragraph", "content": inline_plain(para)}));
    }
    json!({"type": "doc", "version": 1, "content": content})
}

fn inline_plain(text: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push(json!({"type": "hardBreak"}));
        }
        if !line.is_empty() {
            out.push(json!({"type": "text", "text": line}));
        }
    }
    out
}

/// Whether a value is an ADF document (`{"type":"doc","version":1,"content":[...]}`).
pub(crate) fn is_doc(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("doc")
        && v.get("version").and_then(Value::as_u64) == Some(1)
        && v.get("content").is_some_and(Value::is_array)
}

/// Every media id (`media` node `attrs.id`) in a document.
pub(crate) fn media_ids(v: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    collect_media(v, &mut out);
    out
}

fn collect_media(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(o) => {
            if matches!(
                o.get("type").and_then(Value::as_str),
                Some("media" | "mediaInline")
            ) && let Some(id) = o
                .get("attrs")
                .and_then(|a| a.get("id"))
                .and_then(Value::as_str)
            {
                out.insert(id.to_owned());
            }
            if let Some(c) = o.get("content") {
                collect_media(c, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_media(x, out)),
        _ => {}
    }
}

/// Plain text of a document (for `text ~` searches).
pub(crate) fn to_plain(v: &Value) -> String {
    let mut s = String::new();
    plain_into(v, &mut s);
    s
}

fn plain_into(v: &Value, s: &mut String) {
    match v {
        Value::Object(o) => {
            if let Some(t) = o.get("text").and_then(Value::as_str) {
                s.push_str(t);
            }
            if let Some(c) = o.get("content") {
                plain_into(c, s);
            }
            if matches!(
                o.get("type").and_then(Value::as_str),
                Some("paragraph" | "heading" | "hardBreak" | "listItem" | "codeBlock")
            ) {
                s.push('\n');
            }
        }
        Value::Array(a) => a.iter().for_each(|x| plain_into(x, s)),
        _ => {}
    }
}

fn children(v: &Value) -> &[Value] {
    v.get("content")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn node_type(v: &Value) -> &str {
    v.get("type").and_then(Value::as_str).unwrap_or("")
}

/// Wiki markup of a document; `media_name` maps a media id to the attachment's file name.
pub(crate) fn to_wiki(doc: &Value, media_name: &dyn Fn(&str) -> Option<String>) -> String {
    let mut blocks = Vec::new();
    for b in children(doc) {
        blocks.push(block_wiki(b, media_name));
    }
    blocks.join("\n\n")
}

fn block_wiki(b: &Value, media_name: &dyn Fn(&str) -> Option<String>) -> String {
    match node_type(b) {
        "paragraph" => inline_wiki(children(b), media_name),
        "heading" => {
            let level = b
                .get("attrs")
                .and_then(|a| a.get("level"))
                .and_then(Value::as_u64)
                .unwrap_or(1);
            format!("h{level}. {}", inline_wiki(children(b), media_name))
        }
        "bulletList" | "orderedList" => {
            let marker = if node_type(b) == "bulletList" {
                "*"
            } else {
                "#"
            };
            children(b)
                .iter()
                .map(|li| {
                    let text: Vec<String> = children(li)
                        .iter()
                        .map(|p| block_wiki(p, media_name))
                        .collect();
                    format!("{marker} {}", text.join(" "))
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
        "codeBlock" => format!("{{code}}\n{}\n{{code}}", to_plain(b).trim_end()),
        "rule" => "----".into(),
        "blockquote" => format!(
            "{{quote}}\n{}\n{{quote}}",
            children(b)
                .iter()
                .map(|x| block_wiki(x, media_name))
                .collect::<Vec<_>>()
                .join("\n\n")
        ),
        "mediaSingle" | "mediaGroup" => children(b)
            .iter()
            .map(|m| media_wiki(m, media_name))
            .collect::<Vec<_>>()
            .join(" "),
        _ => to_plain(b).trim_end().to_owned(),
    }
}

fn media_wiki(m: &Value, media_name: &dyn Fn(&str) -> Option<String>) -> String {
    let attrs = m.get("attrs");
    let id = attrs
        .and_then(|a| a.get("id"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let name = media_name(id)
        .or_else(|| {
            attrs
                .and_then(|a| a.get("alt"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| id.to_owned());
    let w = attrs.and_then(|a| a.get("width")).and_then(Value::as_u64);
    let h = attrs.and_then(|a| a.get("height")).and_then(Value::as_u64);
    match (w, h) {
        (Some(w), Some(h)) => format!("!{name}|width={w},height={h}!"),
        _ => format!("!{name}!"),
    }
}

fn inline_wiki(nodes: &[Value], media_name: &dyn Fn(&str) -> Option<String>) -> String {
    let mut s = String::new();
    for n in nodes {
        match node_type(n) {
            "text" => {
                let mut t = n
                    .get("text")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                let marks = n
                    .get("marks")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for m in &marks {
                    t = match node_type(m) {
                        "strong" => format!("*{t}*"),
                        "em" => format!("_{t}_"),
                        "code" => format!("{{{{{t}}}}}"),
                        "strike" => format!("-{t}-"),
                        "link" => {
                            let href = m
                                .get("attrs")
                                .and_then(|a| a.get("href"))
                                .and_then(Value::as_str)
                                .unwrap_or("");
                            format!("[{t}|{href}]")
                        }
                        _ => t,
                    };
                }
                s.push_str(&t);
            }
            "hardBreak" => s.push('\n'),
            "mention" => {
                let id = n
                    .get("attrs")
                    .and_then(|a| a.get("id"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                s.push_str(&format!("[~accountid:{id}]"));
            }
            "media" | "mediaInline" => s.push_str(&media_wiki(n, media_name)),
            _ => s.push_str(&to_plain(n)),
        }
    }
    s
}

/// ADF from wiki markup; `media_id` maps an attachment file name to its media id.
pub(crate) fn from_wiki(text: &str, media_id: &dyn Fn(&str) -> Option<String>) -> Value {
    let mut content = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    let mut para: Vec<&str> = Vec::new();
    let flush = |para: &mut Vec<&str>, content: &mut Vec<Value>| {
        if !para.is_empty() {
            let joined = para.join("\n");
            content.extend(paragraph_or_media(&joined, media_id));
            para.clear();
        }
    };
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim();
        if trimmed.is_empty() {
            flush(&mut para, &mut content);
            i += 1;
        } else if trimmed.starts_with("{code") {
            flush(&mut para, &mut content);
            let mut code = Vec::new();
            i += 1;
            while i < lines.len() && !lines[i].trim().starts_with("{code") {
                code.push(lines[i]);
                i += 1;
            }
            i += 1;
            content.push(json!({"type": "codeBlock", "content": [{"type": "text", "text": code.join("\n")}]}));
        } else if trimmed == "----" {
            flush(&mut para, &mut content);
            content.push(json!({"type": "rule"}));
            i += 1;
        } else if let Some((level, rest)) = heading(trimmed) {
            flush(&mut para, &mut content);
            content.push(json!({"type": "heading", "attrs": {"level": level}, "content": inline_from_wiki(rest, media_id)}));
            i += 1;
        } else if trimmed.starts_with("* ") || trimmed.starts_with("# ") {
            flush(&mut para, &mut content);
            let marker = &trimmed[..2];
            let mut items = Vec::new();
            while i < lines.len() && lines[i].trim().starts_with(marker) {
                let item = &lines[i].trim()[2..];
                items.push(json!({"type": "listItem", "content": [{"type": "paragraph", "content": inline_from_wiki(item, media_id)}]}));
                i += 1;
            }
            let kind = if marker == "* " {
                "bulletList"
            } else {
                "orderedList"
            };
            content.push(json!({"type": kind, "content": items}));
        } else {
            para.push(line);
            i += 1;
        }
    }
    flush(&mut para, &mut content);
    json!({"type": "doc", "version": 1, "content": content})
}

fn heading(line: &str) -> Option<(u64, &str)> {
    let b = line.as_bytes();
    if b.len() >= 4 && b[0] == b'h' && (b'1'..=b'6').contains(&b[1]) && b[2] == b'.' && b[3] == b' '
    {
        return Some((u64::from(b[1] - b'0'), &line[4..]));
    }
    None
}

/// A paragraph, except that a paragraph made of one image becomes a `mediaSingle`.
fn paragraph_or_media(text: &str, media_id: &dyn Fn(&str) -> Option<String>) -> Vec<Value> {
    let t = text.trim();
    if t.starts_with('!')
        && t.ends_with('!')
        && t.len() > 2
        && !t[1..t.len() - 1].contains('!')
        && let Some(m) = media_node(&t[1..t.len() - 1], media_id)
    {
        {
            return vec![
                json!({"type": "mediaSingle", "attrs": {"layout": "center"}, "content": [m]}),
            ];
        }
    }
    vec![json!({"type": "paragraph", "content": inline_from_wiki(text, media_id)})]
}

fn media_node(inner: &str, media_id: &dyn Fn(&str) -> Option<String>) -> Option<Value> {
    let (name, params) = inner.split_once('|').unwrap_or((inner, ""));
    let id = media_id(name)?;
    let mut attrs = json!({"id": id, "type": "file", "collection": "", "alt": name});
    for p in params.split(',') {
        if let Some((k, v)) = p.split_once('=')
            && let (Some(o), Ok(n)) = (attrs.as_object_mut(), v.trim().parse::<u64>())
            && (k.trim() == "width" || k.trim() == "height")
        {
            o.insert(k.trim().to_owned(), json!(n));
        }
    }
    if attrs.get("width").is_none()
        && let Some(o) = attrs.as_object_mut()
    {
        o.insert("width".into(), json!(200));
        o.insert("height".into(), json!(183));
    }
    Some(json!({"type": "media", "attrs": attrs}))
}

fn inline_from_wiki(text: &str, media_id: &dyn Fn(&str) -> Option<String>) -> Vec<Value> {
    let mut out = Vec::new();
    for (li, line) in text.split('\n').enumerate() {
        if li > 0 {
            out.push(json!({"type": "hardBreak"}));
        }
        let mut rest = line;
        let mut plain = String::new();
        while !rest.is_empty() {
            let mut handled = false;
            for (open, close, mark) in
                [("{{", "}}", "code"), ("*", "*", "strong"), ("_", "_", "em")]
            {
                if let Some(after) = rest.strip_prefix(open)
                    && let Some(end) = after.find(close)
                    && end > 0
                {
                    push_text(&mut out, &mut plain);
                    out.push(
                        json!({"type": "text", "text": &after[..end], "marks": [{"type": mark}]}),
                    );
                    rest = &after[end + close.len()..];
                    handled = true;
                    break;
                }
            }
            if handled {
                continue;
            }
            if let Some(after) = rest.strip_prefix("[~accountid:")
                && let Some(end) = after.find(']')
            {
                push_text(&mut out, &mut plain);
                out.push(json!({"type": "mention", "attrs": {"id": &after[..end]}}));
                rest = &after[end + 1..];
                continue;
            }
            if let Some(after) = rest.strip_prefix('[')
                && let Some(end) = after.find(']')
                && let Some((label, href)) = after[..end].split_once('|')
            {
                push_text(&mut out, &mut plain);
                out.push(json!({"type": "text", "text": label, "marks": [{"type": "link", "attrs": {"href": href}}]}));
                rest = &after[end + 1..];
                continue;
            }
            if let Some(after) = rest.strip_prefix('!')
                && let Some(end) = after.find('!')
                && let Some(m) = media_node(&after[..end], media_id)
            {
                push_text(&mut out, &mut plain);
                out.push(json!({"type": "mediaInline", "attrs": m["attrs"].clone()}));
                rest = &after[end + 1..];
                continue;
            }
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                plain.push(c);
            }
            rest = chars.as_str();
        }
        push_text(&mut out, &mut plain);
    }
    out
}

fn push_text(out: &mut Vec<Value>, plain: &mut String) {
    if !plain.is_empty() {
        out.push(json!({"type": "text", "text": std::mem::take(plain)}));
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// HTML for `renderedFields`; images point at `/rest/api/3/attachment/content/{id}` as Jira's
/// rendered HTML does (sync-semantics.md §2).
pub(crate) fn to_html(doc: &Value, attachment_of: &dyn Fn(&str) -> Option<u64>) -> String {
    children(doc)
        .iter()
        .map(|b| block_html(b, attachment_of))
        .collect()
}

fn block_html(b: &Value, att: &dyn Fn(&str) -> Option<u64>) -> String {
    match node_type(b) {
        "paragraph" => format!("<p>{}</p>", inline_html(children(b), att)),
        "heading" => {
            let l = b
                .get("attrs")
                .and_then(|a| a.get("level"))
                .and_then(Value::as_u64)
                .unwrap_or(1);
            format!("<h{l}>{}</h{l}>", inline_html(children(b), att))
        }
        "bulletList" | "orderedList" => {
            let tag = if node_type(b) == "bulletList" {
                "ul"
            } else {
                "ol"
            };
            let items: String = children(b)
                .iter()
                .map(|li| {
                    format!(
                        "<li>{}</li>",
                        children(li)
                            .iter()
                            .map(|p| inline_html(children(p), att))
                            .collect::<String>()
                    )
                })
                .collect();
            format!("<{tag}>{items}</{tag}>")
        }
        "codeBlock" => format!("<pre><code>{}</code></pre>", esc(&to_plain(b))),
        "rule" => "<hr />".into(),
        "mediaSingle" | "mediaGroup" => children(b).iter().map(|m| media_html(m, att)).collect(),
        _ => format!("<p>{}</p>", esc(&to_plain(b))),
    }
}

fn media_html(m: &Value, att: &dyn Fn(&str) -> Option<u64>) -> String {
    let attrs = m.get("attrs");
    let id = attrs
        .and_then(|a| a.get("id"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let alt = attrs
        .and_then(|a| a.get("alt"))
        .and_then(Value::as_str)
        .unwrap_or("");
    match att(id) {
        Some(aid) => format!(
            "<p><span class=\"image-wrap\"><img src=\"/rest/api/3/attachment/content/{aid}\" alt=\"{}\" /></span></p>",
            esc(alt)
        ),
        None => String::new(),
    }
}

fn inline_html(nodes: &[Value], att: &dyn Fn(&str) -> Option<u64>) -> String {
    let mut s = String::new();
    for n in nodes {
        match node_type(n) {
            "text" => {
                let mut t = esc(n.get("text").and_then(Value::as_str).unwrap_or(""));
                for m in n
                    .get("marks")
                    .and_then(Value::as_array)
                    .map_or(&[][..], Vec::as_slice)
                {
                    t = match node_type(m) {
                        "strong" => format!("<b>{t}</b>"),
                        "em" => format!("<em>{t}</em>"),
                        "code" => format!("<tt>{t}</tt>"),
                        "link" => {
                            let href = m
                                .get("attrs")
                                .and_then(|a| a.get("href"))
                                .and_then(Value::as_str)
                                .unwrap_or("");
                            format!("<a href=\"{}\">{t}</a>", esc(href))
                        }
                        _ => t,
                    };
                }
                s.push_str(&t);
            }
            "hardBreak" => s.push_str("<br/>"),
            "media" | "mediaInline" => s.push_str(&media_html(n, att)),
            _ => s.push_str(&esc(&to_plain(n))),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn plain_round_trips_through_wiki() {
        let doc = from_plain("Hello world\nsecond line\n\nNext paragraph");
        let wiki = to_wiki(&doc, &none);
        assert_eq!(wiki, "Hello world\nsecond line\n\nNext paragraph");
        assert_eq!(from_wiki(&wiki, &none), doc);
    }

    #[test]
    fn marks_lists_and_headings() {
        let wiki =
            "h2. Title\n\nSome *bold* and _em_ and {{code}} [link|https://x.test]\n\n* one\n* two";
        let doc = from_wiki(wiki, &none);
        assert_eq!(to_wiki(&doc, &none), wiki);
    }

    #[test]
    fn images_map_to_media_by_file_name() {
        let id_of = |n: &str| (n == "moon.png").then(|| "uuid-1".to_owned());
        let name_of = |id: &str| (id == "uuid-1").then(|| "moon.png".to_owned());
        let doc = from_wiki("Before\n\n!moon.png|width=10,height=20!", &id_of);
        assert_eq!(
            media_ids(&doc).into_iter().collect::<Vec<_>>(),
            vec!["uuid-1"]
        );
        assert_eq!(doc["content"][1]["type"], "mediaSingle");
        assert_eq!(
            to_wiki(&doc, &name_of),
            "Before\n\n!moon.png|width=10,height=20!"
        );
        let html = to_html(&doc, &|id: &str| (id == "uuid-1").then_some(10042));
        assert!(
            html.contains("/rest/api/3/attachment/content/10042"),
            "{html}"
        );
    }

    #[test]
    fn doc_validation() {
        assert!(is_doc(&from_plain("x")));
        assert!(!is_doc(&json!("x")));
        assert!(!is_doc(&json!({"type": "doc"})));
    }
}
