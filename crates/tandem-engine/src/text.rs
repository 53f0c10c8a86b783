//! Rich text between the vendors' formats and the domain's [`RichText`].
//!
//! The domain keeps rich text as normalised paragraphs of lines (`tandem_core::RichText`);
//! this module reads ADF (Jira Cloud), wiki markup (Jira Data Center), HTML (Azure DevOps)
//! and Markdown into it, and writes it back in the format the target side takes. Writing and
//! reading back is exact (`read(write(x)) == x`, tested), so a value tandem wrote never reads
//! as a change. Formatting beyond paragraphs and line breaks is not carried by this reader;
//! `tandem-richtext` (one document model for all four formats) replaces it here.

use serde_json::{Value, json};
use tandem_connector::{RichText as VendorText, TextFormat};
use tandem_core::RichText;

/// Reads a vendor value into the domain's form.
#[must_use]
pub fn read(text: &VendorText) -> RichText {
    match text.format {
        TextFormat::Adf => match serde_json::from_str::<Value>(&text.text) {
            Ok(doc) => RichText::from_plain(&adf_text(&doc)),
            // Not JSON: keep what arrived as text rather than lose it.
            Err(_) => RichText::from_plain(&text.text),
        },
        TextFormat::Html => RichText::from_plain(&html_text(&text.text)),
        TextFormat::JiraWiki | TextFormat::Markdown | TextFormat::Plain => {
            RichText::from_plain(&text.text)
        }
    }
}

/// Writes the domain's form in `format`.
#[must_use]
pub fn write(text: &RichText, format: TextFormat) -> VendorText {
    let paragraphs: Vec<String> = text
        .plain_text()
        .split("\n\n")
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    let out = match format {
        TextFormat::Adf => {
            let content: Vec<Value> = paragraphs
                .iter()
                .map(|p| {
                    let mut inline = Vec::new();
                    for (i, line) in p.split('\n').enumerate() {
                        if i > 0 {
                            inline.push(json!({ "type": "hardBreak" }));
                        }
                        inline.push(json!({ "type": "text", "text": line }));
                    }
                    json!({ "type": "paragraph", "content": inline })
                })
                .collect();
            json!({ "type": "doc", "version": 1, "content": content }).to_string()
        }
        TextFormat::Html => paragraphs
            .iter()
            .map(|p| {
                let lines: Vec<String> = p.split('\n').map(escape_html).collect();
                format!("<p>{}</p>", lines.join("<br>"))
            })
            .collect::<String>(),
        // Wiki markup and Markdown: paragraphs are blank-line separated, and a single
        // newline is a line break in Jira wiki; Markdown needs two trailing spaces for that,
        // which `from_plain` drops again on reading.
        TextFormat::Markdown => paragraphs
            .iter()
            .map(|p| p.split('\n').collect::<Vec<_>>().join("  \n"))
            .collect::<Vec<_>>()
            .join("\n\n"),
        TextFormat::JiraWiki | TextFormat::Plain => paragraphs.join("\n\n"),
    };
    VendorText::new(format, out)
}

/// The text of an ADF node tree: one paragraph per block, `hardBreak` as a line break.
fn adf_text(doc: &Value) -> String {
    let mut paragraphs: Vec<String> = Vec::new();
    blocks(doc, &mut paragraphs);
    paragraphs.join("\n\n")
}

fn blocks(node: &Value, out: &mut Vec<String>) {
    let kind = node.get("type").and_then(Value::as_str).unwrap_or_default();
    let children = node.get("content").and_then(Value::as_array);
    let is_textblock = matches!(kind, "paragraph" | "heading" | "codeBlock");
    if is_textblock {
        let mut s = String::new();
        for c in children.into_iter().flatten() {
            inline(c, &mut s);
        }
        out.push(s);
        return;
    }
    for c in children.into_iter().flatten() {
        let ckind = c.get("type").and_then(Value::as_str).unwrap_or_default();
        if matches!(
            ckind,
            "text" | "hardBreak" | "mention" | "emoji" | "inlineCard"
        ) {
            // Inline content directly under a container: treat the container as one block.
            let mut s = String::new();
            for c in children.into_iter().flatten() {
                inline(c, &mut s);
            }
            out.push(s);
            return;
        }
        blocks(c, out);
    }
}

fn inline(node: &Value, out: &mut String) {
    match node.get("type").and_then(Value::as_str).unwrap_or_default() {
        "text" => out.push_str(node.get("text").and_then(Value::as_str).unwrap_or_default()),
        "hardBreak" => out.push('\n'),
        "mention" | "emoji" => {
            let attrs = node.get("attrs");
            let t = attrs
                .and_then(|a| a.get("text").or_else(|| a.get("shortName")))
                .and_then(Value::as_str)
                .unwrap_or_default();
            out.push_str(t);
        }
        "inlineCard" => {
            let url = node
                .get("attrs")
                .and_then(|a| a.get("url"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            out.push_str(url);
        }
        _ => {
            for c in node
                .get("content")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                inline(c, out);
            }
        }
    }
}

/// The text of an HTML fragment: block ends become paragraph breaks, `<br>` a line break,
/// tags are dropped and the common entities decoded.
fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..start]));
        let after = &rest[start..];
        let Some(end) = after.find('>') else {
            out.push_str(&decode_entities(after));
            rest = "";
            break;
        };
        let tag = after[1..end].trim().to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        match name.as_str() {
            "br" => out.push('\n'),
            "p" | "div" | "li" | "ul" | "ol" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
            // Every block boundary is a paragraph break (runs of them collapse later).
            | "pre" | "blockquote" | "table" | "tr"
                if !out.is_empty() =>
            {
                out.push_str("\n\n");
            }
            _ => {}
        }
        rest = &after[end + 1..];
    }
    out.push_str(&decode_entities(rest));
    out
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let semi = after.find(';').filter(|&j| j <= 10);
        let decoded = semi.and_then(|j| {
            let name = &after[1..j];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some(' '),
                n if n.starts_with("#x") || n.starts_with("#X") => u32::from_str_radix(&n[2..], 16)
                    .ok()
                    .and_then(char::from_u32),
                n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, j))
        });
        match decoded {
            Some((c, j)) => {
                out.push(c);
                rest = &after[j + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn reads_adf_html_and_wiki() {
        let adf = VendorText::new(
            TextFormat::Adf,
            r#"{"type":"doc","version":1,"content":[
                {"type":"paragraph","content":[{"type":"text","text":"Steps "},{"type":"text","text":"here","marks":[{"type":"strong"}]}]},
                {"type":"bulletList","content":[{"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":"one"}]}]}]},
                {"type":"paragraph","content":[{"type":"text","text":"a"},{"type":"hardBreak"},{"type":"text","text":"b"}]}]}"#,
        );
        assert_eq!(read(&adf).plain_text(), "Steps here\n\none\n\na\nb");
        let html = VendorText::new(
            TextFormat::Html,
            "<div><p>Tom &amp; Jerry</p><ul><li>one</li><li>two</li></ul>a<br/>b</div>",
        );
        assert_eq!(
            read(&html).plain_text(),
            "Tom & Jerry\n\none\n\ntwo\n\na\nb"
        );
        let not_json = VendorText::new(TextFormat::Adf, "plain words");
        assert_eq!(read(&not_json).plain_text(), "plain words");
    }

    proptest! {
        /// Whatever tandem writes reads back as the same value, in every format, so its own
        /// writes never look like edits.
        #[test]
        fn writing_then_reading_is_exact(s in "[a-z&<>\" ]{0,12}(\n{1,3}[a-z&<>; ]{0,12}){0,4}") {
            let v = RichText::from_plain(&s);
            for f in [TextFormat::Adf, TextFormat::Html, TextFormat::JiraWiki, TextFormat::Markdown] {
                prop_assert_eq!(read(&write(&v, f)), v.clone(), "{:?}", f);
            }
        }
    }
}
