//! The helpers the engine and connectors call: media and mention listing and mapping, media
//! carry-over (issue 10), losses, and the total readers.

use tandem_richtext::{
    Block, CARRIED_MEDIA_TITLE, Document, Format, Inline, LossEffect, Media, MediaRef, Mention,
    UserRef, carry_over_media, convert, parse, render,
};

const ADF_TWO_IMAGES: &str = r#"{"type":"doc","version":1,"content":[
 {"type":"paragraph","content":[{"type":"text","text":"Intro"}]},
 {"type":"mediaSingle","attrs":{"layout":"center"},"content":[{"type":"media","attrs":{"id":"m-1","type":"file","collection":"","alt":"one.png","width":10,"height":10}}]},
 {"type":"paragraph","content":[{"type":"text","text":"Middle"}]},
 {"type":"mediaSingle","attrs":{"layout":"center"},"content":[{"type":"media","attrs":{"id":"m-2","type":"file","collection":"","alt":"two.png","width":10,"height":10}}]},
 {"type":"paragraph","content":[{"type":"text","text":"End"},{"type":"mention","attrs":{"id":"acc-1","text":"@Ann"}}]}
]}"#;

#[test]
fn media_are_listed_in_order_with_keys() {
    let doc = parse(Format::Adf, ADF_TWO_IMAGES);
    let keys: Vec<String> = doc.media().iter().map(|m| m.source.key()).collect();
    assert_eq!(keys, ["jira-media:m-1", "jira-media:m-2"]);
    assert_eq!(doc.media_keys().len(), 2);
}

#[test]
fn map_media_rewrites_references() {
    let mut doc = parse(Format::Adf, ADF_TWO_IMAGES);
    doc.map_media(|m| {
        if let MediaRef::JiraMedia { id, .. } = &m.source {
            m.source = MediaRef::Url {
                url: format!("https://dev.azure.com/o/_apis/wit/attachments/{id}?fileName=x.png"),
            };
        }
    });
    let html = render(&doc, Format::Html);
    assert!(
        html.text.contains("_apis/wit/attachments/m-1"),
        "{}",
        html.text
    );
    assert!(
        !html.losses.iter().any(|l| l.construct == "image"),
        "{:?}",
        html.losses
    );
    assert_eq!(doc.media()[0].source.ado_attachment_id(), Some("m-1"));
}

#[test]
fn mentions_map_or_fall_back_to_text() {
    let mut doc = parse(Format::Adf, ADF_TWO_IMAGES);
    assert_eq!(
        doc.mentions()[0].user,
        UserRef::JiraAccountId("acc-1".into())
    );
    doc.map_mentions(|m| {
        (m.user == UserRef::JiraAccountId("acc-1".into())).then(|| Mention {
            user: UserRef::AdoIdentity("guid-1".into()),
            display: m.display.clone(),
        })
    });
    let html = render(&doc, Format::Html).text;
    assert!(
        html.contains(r#"data-vss-mention="version:2.0,guid-1">@Ann</a>"#),
        "{html}"
    );

    let mut unmapped = parse(Format::Adf, ADF_TWO_IMAGES);
    unmapped.map_mentions(|_| None);
    assert!(unmapped.mentions().is_empty());
    assert!(render(&unmapped, Format::Html).text.contains("End@Ann"));
}

#[test]
fn carry_over_puts_dropped_images_back_next_to_their_neighbours() {
    let previous = parse(Format::Adf, ADF_TWO_IMAGES);
    // The other side rewrote the text and lost both images (HTML without them).
    let next = parse(Format::Html, "<p>Intro</p><p>Middle</p><p>End, edited</p>");
    let carried = carry_over_media(&previous, &next, |_| false);
    assert!(carried.carried_any());
    assert_eq!(carried.placed.len(), 2);
    assert!(carried.appended.is_empty());
    let kinds: Vec<&str> = carried
        .document
        .blocks()
        .iter()
        .map(|b| match b {
            Block::Media(_) => "media",
            _ => "text",
        })
        .collect();
    assert_eq!(kinds, ["text", "media", "text", "media", "text"]);
    assert_eq!(carried.document.media_keys(), previous.media_keys());
    // Idempotent: nothing more to carry.
    let again = carry_over_media(&previous, &carried.document, |_| false);
    assert!(!again.carried_any());
    assert_eq!(again.document, carried.document);
}

#[test]
fn carry_over_appends_unanchored_images_in_a_marked_block() {
    let previous = parse(Format::Adf, ADF_TWO_IMAGES);
    let next = Document::plain("Everything rewritten");
    let carried = carry_over_media(&previous, &next, |_| false);
    assert_eq!(carried.placed.len(), 0);
    assert_eq!(carried.appended.len(), 2);
    let text = render(&carried.document, Format::Markdown).text;
    assert!(text.contains(CARRIED_MEDIA_TITLE), "{text}");
    assert_eq!(carried.document.media_keys(), previous.media_keys());
}

#[test]
fn carry_over_respects_real_deletions() {
    let previous = parse(Format::Adf, ADF_TWO_IMAGES);
    let next = Document::plain("Intro");
    let carried = carry_over_media(&previous, &next, |m: &Media| {
        m.source
            == MediaRef::JiraMedia {
                id: "m-2".into(),
                collection: String::new(),
            }
    });
    let keys: Vec<String> = carried.document.media_keys().into_iter().collect();
    assert_eq!(keys, ["jira-media:m-1"]);
}

#[test]
fn losses_are_counted_and_described() {
    let out = convert(
        Format::Wiki,
        Format::Markdown,
        "{panel:title=A}x{panel}\n\n{panel:title=B}y{panel}",
    );
    let panel = out.losses.iter().find(|l| l.construct == "panel").unwrap();
    assert_eq!(panel.count, 2);
    assert_eq!(panel.effect, LossEffect::Approximated);
    assert!(panel.to_string().contains("2 times"), "{panel}");
}

#[test]
fn unknown_adf_nodes_survive_adf_and_degrade_to_text_elsewhere() {
    let adf = r#"{"type":"doc","version":1,"content":[{"type":"extension","attrs":{"extensionType":"x","extensionKey":"y","text":"macro"}},{"type":"decisionList","attrs":{"localId":"d"},"content":[{"type":"decisionItem","attrs":{"localId":"i","state":"DECIDED"},"content":[{"type":"text","text":"Ship it"}]}]}]}"#;
    let doc = parse(Format::Adf, adf);
    let back = render(&doc, Format::Adf);
    assert!(back.losses.is_empty(), "{:?}", back.losses);
    assert!(
        back.text.contains(r#""type":"decisionList""#),
        "{}",
        back.text
    );
    let md = render(&doc, Format::Markdown);
    assert!(md.text.contains("Ship it"), "{}", md.text);
    assert!(
        md.losses
            .iter()
            .any(|l| l.construct == "unsupported construct")
    );
}

#[test]
fn malformed_input_is_kept_as_text() {
    assert_eq!(
        parse(Format::Adf, "not json {"),
        Document::plain("not json {")
    );
    let doc = parse(Format::Wiki, "{code}never closed\n*half bold\n[broken|");
    assert!(matches!(doc.blocks()[0], Block::CodeBlock { .. }));
    let html = parse(Format::Html, "<div><b>unclosed <i>tags");
    assert_eq!(
        html.blocks(),
        [Block::Paragraph {
            content: vec![
                Inline::marked(
                    "unclosed",
                    tandem_richtext::Marks {
                        strong: true,
                        ..Default::default()
                    }
                ),
                // The normal form keeps edge spaces out of emphasis.
                Inline::text(" "),
                Inline::marked(
                    "tags",
                    tandem_richtext::Marks {
                        strong: true,
                        em: true,
                        ..Default::default()
                    }
                ),
            ]
        }]
    );
}

#[test]
fn deep_nesting_does_not_overflow() {
    // The HTML reader bounds nesting, which keeps html5ever's tree builder linear.
    let deep_html = "<div>".repeat(50_000) + "x";
    let doc = parse(Format::Html, &deep_html);
    assert_eq!(render(&doc, Format::Markdown).text.trim(), "x");
    let deep_md = ">".repeat(50_000) + " x";
    let _ = parse(Format::Markdown, &deep_md);
    let deep_list = "- ".repeat(20_000) + "x";
    let _ = parse(Format::Markdown, &deep_list);
    let mut adf = String::new();
    for _ in 0..20_000 {
        adf.push_str(r#"{"type":"blockquote","content":["#);
    }
    let _ = parse(Format::Adf, &adf);
    let wiki = "{quote}\n".repeat(10_000);
    let _ = parse(Format::Wiki, &wiki);
    let alternating = "{quote}\n{panel}\n".repeat(10_000);
    let doc = parse(Format::Wiki, &alternating);
    for format in Format::ALL {
        let _ = render(&doc, format);
    }
    let deep_wiki_list = "*".repeat(50_000) + " x";
    let doc = parse(Format::Wiki, &deep_wiki_list);
    for format in Format::ALL {
        let _ = render(&doc, format);
    }
}

#[test]
fn script_urls_never_leave_the_model() {
    for (format, input) in [
        (
            Format::Markdown,
            "[click](javascript:alert(1)) ![x](javascript:alert(2))",
        ),
        (
            Format::Wiki,
            "[click|javascript:alert(1)] !javascript:alert(2)!",
        ),
        (
            Format::Adf,
            r#"{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"click","marks":[{"type":"link","attrs":{"href":"JavaScript:alert(1)"}}]},{"type":"inlineCard","attrs":{"url":"javascript:alert(3)"}}]}]}"#,
        ),
    ] {
        let doc = parse(format, input);
        for target in Format::ALL {
            let out = render(&doc, target).text.to_ascii_lowercase();
            assert!(!out.contains("javascript:"), "{format} -> {target}: {out}");
        }
    }
}

#[test]
fn a_document_changed_after_parsing_is_normalised_again() {
    let mut doc = parse(Format::Markdown, "a");
    doc.blocks_mut().push(Block::Paragraph {
        content: vec![Inline::text("  b  "), Inline::text(" c")],
    });
    assert!(!doc.is_normalized());
    let expected = render(&parse(Format::Markdown, "a\n\nb c"), Format::Markdown);
    assert_eq!(render(&doc, Format::Markdown), expected);
    doc.normalize();
    assert_eq!(doc, parse(Format::Markdown, "a\n\nb c"));

    // A mapped reference that is not normal (spaces around a URL) is normalised too.
    let mut doc = parse(Format::Markdown, "![x](https://a.example/x.png)");
    doc.map_media(|m| {
        m.source = MediaRef::Url {
            url: " https://b.example/y.png ".to_string(),
        }
    });
    assert!(!doc.is_normalized());
    assert_eq!(
        render(&doc, Format::Markdown).text,
        render(
            &parse(Format::Markdown, "![x](https://b.example/y.png)"),
            Format::Markdown
        )
        .text
    );
}
