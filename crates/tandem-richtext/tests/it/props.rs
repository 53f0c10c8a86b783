//! Property tests. For generated documents:
//! - normalisation is idempotent;
//! - for every format X, X -> model -> X -> model: the second trip is the identity (fixed
//!   point), whatever the document holds;
//! - for documents within what X can express, model -> X -> model keeps everything.

use proptest::prelude::*;
use tandem_richtext::{
    Block, Cell, Document, Format, Inline, List, ListItem, ListKind, Marks, Media, MediaRef,
    Mention, Panel, PanelKind, Row, Script, Table, UserRef, parse, render,
};

/// What a format can express; the generator stays inside it.
#[derive(Debug, Clone, Copy)]
struct Caps {
    format: Option<Format>,
}

impl Caps {
    fn all() -> Caps {
        Caps { format: None }
    }
    fn only(format: Format) -> Caps {
        Caps {
            format: Some(format),
        }
    }
    fn is(&self, f: Format) -> bool {
        self.format == Some(f)
    }
    fn any(&self) -> bool {
        self.format.is_none()
    }
}

fn word() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,6}"
}

fn words() -> impl Strategy<Value = String> {
    prop::collection::vec(word(), 1..4).prop_map(|w| w.join(" "))
}

fn marks(caps: Caps) -> impl Strategy<Value = Marks> {
    (
        any::<[bool; 5]>(),
        prop::option::of(prop_oneof![Just(Script::Sub), Just(Script::Sup)]),
        prop::option::of(prop_oneof![
            Just("#ff0000".to_string()),
            Just("#00875a".to_string())
        ]),
        prop::option::of(prop_oneof![
            Just("https://example.com/a".to_string()),
            Just("https://example.com/b?x=1&y=2".to_string()),
        ]),
    )
        .prop_map(
            move |([strong, em, underline, strike, code], script, color, link)| {
                if code {
                    return Marks {
                        code: true,
                        link,
                        ..Marks::default()
                    };
                }
                Marks {
                    strong,
                    em,
                    underline,
                    strike,
                    code: false,
                    script,
                    color: if caps.is(Format::Adf)
                        || caps.any()
                        || caps.is(Format::Html)
                        || caps.is(Format::Wiki)
                        || caps.is(Format::Markdown)
                    {
                        color
                    } else {
                        None
                    },
                    link,
                }
            },
        )
}

fn mention(caps: Caps) -> BoxedStrategy<Inline> {
    let id = "[a-f0-9]{8}";
    match caps.format {
        Some(Format::Adf) => (id, word())
            .prop_map(|(id, name)| {
                Inline::Mention(Mention {
                    user: UserRef::JiraAccountId(format!("557058:{id}")),
                    display: Some(name),
                })
            })
            .boxed(),
        Some(Format::Wiki) => prop_oneof![
            id.prop_map(|id| UserRef::JiraAccountId(format!("557058:{id}"))),
            "[a-z]{3,8}".prop_map(UserRef::JiraUsername),
        ]
        .prop_map(|user| {
            Inline::Mention(Mention {
                user,
                display: None,
            })
        })
        .boxed(),
        Some(Format::Html) => (id, word())
            .prop_map(|(id, name)| {
                Inline::Mention(Mention {
                    user: UserRef::AdoIdentity(format!("{id}-0000-4000-8000-000000000000")),
                    display: Some(name),
                })
            })
            .boxed(),
        Some(Format::Markdown) => id
            .prop_map(|id| {
                Inline::Mention(Mention {
                    user: UserRef::AdoIdentity(format!("{id}-0000-4000-8000-000000000000")),
                    display: None,
                })
            })
            .boxed(),
        None => (id, prop::option::of(word()), 0..3u8)
            .prop_map(|(id, display, k)| {
                let user = match k {
                    0 => UserRef::JiraAccountId(id),
                    1 => UserRef::AdoIdentity(id),
                    _ => UserRef::JiraUsername(id),
                };
                Inline::Mention(Mention { user, display })
            })
            .boxed(),
    }
}

fn media(caps: Caps) -> BoxedStrategy<Media> {
    let size = (prop::option::of(1..2000u32), prop::option::of(1..2000u32));
    match caps.format {
        Some(Format::Adf) => ("[a-f0-9]{12}", word(), size)
            .prop_map(|(id, alt, (width, height))| Media {
                source: MediaRef::JiraMedia {
                    id,
                    collection: String::new(),
                },
                alt: Some(format!("{alt}.png")),
                width,
                height,
            })
            .boxed(),
        Some(Format::Wiki) => (word(), size)
            .prop_map(|(name, (width, height))| Media {
                source: MediaRef::File {
                    name: format!("{name}.png"),
                },
                alt: None,
                width,
                height,
            })
            .boxed(),
        Some(Format::Html) => (word(), word(), size)
            .prop_map(|(id, alt, (width, height))| Media {
                source: MediaRef::Url {
                    url: format!(
                        "https://dev.azure.com/o/_apis/wit/attachments/{id}?fileName={alt}.png"
                    ),
                },
                alt: Some(alt),
                width,
                height,
            })
            .boxed(),
        Some(Format::Markdown) => (word(), word())
            .prop_map(|(id, alt)| Media {
                source: MediaRef::Url {
                    url: format!(
                        "https://dev.azure.com/o/_apis/wit/attachments/{id}?fileName={alt}.png"
                    ),
                },
                alt: Some(alt),
                width: None,
                height: None,
            })
            .boxed(),
        None => (word(), prop::option::of(word()), size, 0..3u8)
            .prop_map(|(id, alt, (width, height), k)| Media {
                source: match k {
                    0 => MediaRef::JiraMedia {
                        id,
                        collection: String::new(),
                    },
                    1 => MediaRef::File { name: id },
                    _ => MediaRef::Url {
                        url: format!("https://x.example/{id}"),
                    },
                },
                alt,
                width,
                height,
            })
            .boxed(),
    }
}

fn inline(caps: Caps) -> BoxedStrategy<Inline> {
    let text = (words(), marks(caps)).prop_map(|(t, m)| Inline::marked(t, m));
    let space = Just(Inline::text(" "));
    let mut options: Vec<(u32, BoxedStrategy<Inline>)> = vec![
        (8, text.boxed()),
        (3, space.boxed()),
        (1, Just(Inline::HardBreak).boxed()),
        (1, mention(caps)),
    ];
    if caps.any() || caps.is(Format::Adf) || caps.is(Format::Html) {
        options.push((
            1,
            prop_oneof![Just(":smile:"), Just(":thumbsup:")]
                .prop_map(|s| Inline::Emoji {
                    shortname: s.to_string(),
                    text: None,
                })
                .boxed(),
        ));
        options.push((
            1,
            (word(), prop_oneof![Just("green"), Just("neutral")])
                .prop_map(|(t, c)| Inline::Status {
                    text: t,
                    color: c.to_string(),
                })
                .boxed(),
        ));
        options.push((
            1,
            (0..4_000_000_000_000i64)
                .prop_map(|ms| Inline::Date { timestamp_ms: ms })
                .boxed(),
        ));
        options.push((
            1,
            word()
                .prop_map(|w| Inline::Card {
                    url: format!("https://example.com/{w}"),
                })
                .boxed(),
        ));
    }
    if caps.is(Format::Wiki) || caps.any() {
        options.push((1, media(caps).prop_map(Inline::Media).boxed()));
    }
    prop::strategy::Union::new_weighted(options).boxed()
}

fn inlines(caps: Caps) -> impl Strategy<Value = Vec<Inline>> {
    prop::collection::vec(inline(caps), 1..6)
}

fn paragraph(caps: Caps) -> BoxedStrategy<Block> {
    inlines(caps)
        .prop_map(|content| Block::Paragraph { content })
        .boxed()
}

/// A simple block that every container in every format can hold.
fn leaf_block(caps: Caps) -> BoxedStrategy<Block> {
    let mut options: Vec<(u32, BoxedStrategy<Block>)> = vec![(6, paragraph(caps))];
    {
        options.push((
            1,
            (
                prop::option::of(prop_oneof![Just("rust"), Just("sql")]),
                "[a-z =();{}\n]{1,30}",
            )
                .prop_map(|(l, t)| Block::CodeBlock {
                    language: l.map(str::to_string),
                    text: t,
                })
                .boxed(),
        ));
    }
    prop::strategy::Union::new_weighted(options).boxed()
}

fn list(caps: Caps, depth: u32) -> BoxedStrategy<Block> {
    let kinds = if caps.is(Format::Wiki) {
        prop_oneof![
            Just(ListKind::Bullet),
            Just(ListKind::Ordered { start: 1 }),
            Just(ListKind::Task)
        ]
        .boxed()
    } else {
        prop_oneof![
            Just(ListKind::Bullet),
            (1..5u32).prop_map(|start| ListKind::Ordered { start }),
            Just(ListKind::Task)
        ]
        .boxed()
    };
    let nested = if depth > 0 {
        prop::option::of(list(caps, depth - 1)).boxed()
    } else {
        Just(None).boxed()
    };
    (
        kinds,
        prop::collection::vec((paragraph_for_list(caps), nested, any::<bool>()), 1..4),
    )
        .prop_map(|(kind, items)| {
            let items = items
                .into_iter()
                .map(|(para, nested, checked)| {
                    let mut blocks = vec![para];
                    // Task lists nest only task lists in ADF.
                    if let Some(Block::List(sub)) = nested
                        && (kind != ListKind::Task || sub.kind == ListKind::Task)
                    {
                        blocks.push(Block::List(sub));
                    }
                    ListItem {
                        checked: (kind == ListKind::Task).then_some(checked),
                        blocks,
                    }
                })
                .collect();
            Block::List(List { kind, items })
        })
        .boxed()
}

/// Wiki and Markdown list items are one line: no hard breaks in them.
fn paragraph_for_list(caps: Caps) -> BoxedStrategy<Block> {
    inlines(caps)
        .prop_map(move |mut content| {
            if caps.is(Format::Wiki) {
                content.retain(|i| *i != Inline::HardBreak);
            }
            Block::Paragraph { content }
        })
        .boxed()
}

fn table(caps: Caps) -> BoxedStrategy<Block> {
    let cols = 1..4usize;
    (cols, 1..4usize, any::<bool>())
        .prop_flat_map(move |(cols, rows, merge)| {
            prop::collection::vec(
                prop::collection::vec(inlines(caps), cols..=cols),
                rows..=rows,
            )
            .prop_map(move |grid| {
                let rows = grid
                    .into_iter()
                    .enumerate()
                    .map(|(r, cells)| Row {
                        cells: cells
                            .into_iter()
                            .map(|content| Cell {
                                // Markdown and wiki: headers exactly in the first row.
                                header: r == 0,
                                colspan: 1,
                                rowspan: 1,
                                blocks: vec![Block::Paragraph { content }],
                            })
                            .collect(),
                    })
                    .collect::<Vec<_>>();
                let mut table = Table { rows };
                // ADF and HTML merge cells: join the first two cells of the last row.
                if merge
                    && (caps.is(Format::Adf) || caps.is(Format::Html) || caps.any())
                    && let Some(last) = table.rows.last_mut()
                    && last.cells.len() >= 2
                {
                    last.cells.pop();
                    last.cells[0].colspan = 2;
                }
                Block::Table(table)
            })
        })
        .boxed()
}

fn block(caps: Caps) -> BoxedStrategy<Block> {
    let mut options: Vec<(u32, BoxedStrategy<Block>)> = vec![
        (6, paragraph(caps)),
        (
            2,
            (1..=6u8, inlines(caps))
                .prop_map(|(level, mut content)| {
                    content.retain(|i| *i != Inline::HardBreak);
                    Block::Heading { level, content }
                })
                .boxed(),
        ),
        (2, list(caps, 2)),
        (1, leaf_block(caps)),
        (1, Just(Block::Rule).boxed()),
        (1, table(caps)),
        (1, media(caps).prop_map(Block::Media).boxed()),
        (
            1,
            prop::collection::vec(paragraph(caps), 1..3)
                .prop_map(|blocks| Block::Quote { blocks })
                .boxed(),
        ),
    ];
    if !caps.is(Format::Markdown) {
        let kinds = if caps.is(Format::Wiki) {
            prop_oneof![
                Just(PanelKind::Info),
                Just(PanelKind::Warning),
                Just(PanelKind::Error)
            ]
            .boxed()
        } else {
            prop_oneof![
                Just(PanelKind::Info),
                Just(PanelKind::Warning),
                Just(PanelKind::Expand)
            ]
            .boxed()
        };
        let titled = !caps.is(Format::Adf);
        options.push((
            1,
            (
                kinds,
                prop::option::of(words()),
                prop::collection::vec(paragraph(caps), 1..3),
            )
                .prop_map(move |(kind, title, blocks)| {
                    // ADF titles only expands.
                    let title = if titled || kind == PanelKind::Expand {
                        title
                    } else {
                        None
                    };
                    Block::Panel(Panel {
                        kind,
                        title,
                        blocks,
                    })
                })
                .boxed(),
        ));
    }
    prop::strategy::Union::new_weighted(options).boxed()
}

fn document(caps: Caps) -> impl Strategy<Value = Document> {
    prop::collection::vec(block(caps), 0..6).prop_map(Document::new)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn normalize_is_idempotent(doc in document(Caps::all())) {
        let once = doc.normalized();
        // A new document from the same blocks: `once` knows it is normal and would skip.
        prop_assert_eq!(Document::new(once.blocks().to_vec()).normalized(), once);
    }

    #[test]
    fn every_format_reaches_a_fixed_point(doc in document(Caps::all())) {
        for format in Format::ALL {
            let d1 = parse(format, &render(&doc, format).text);
            let d2 = parse(format, &render(&d1, format).text);
            prop_assert_eq!(&d1, &d2, "{} second round trip changed the model", format);
        }
    }

    /// A value read from system A, converted A -> B -> A twice: the second trip changes
    /// nothing (the engine's values always come from a system, so the start is A's text).
    #[test]
    fn cross_format_trips_reach_a_fixed_point(doc in document(Caps::all())) {
        for a in Format::ALL {
            let doc = parse(a, &render(&doc, a).text);
            for b in Format::ALL {
                let trip = |d: &Document| {
                    let in_b = parse(b, &render(d, b).text);
                    parse(a, &render(&in_b, a).text)
                };
                let once = trip(&doc);
                prop_assert_eq!(&trip(&once), &once, "{} -> {} -> {}", a, b, a);
            }
        }
    }

    #[test]
    fn adf_keeps_what_adf_expresses(doc in document(Caps::only(Format::Adf))) {
        let out = render(&doc, Format::Adf);
        prop_assert_eq!(parse(Format::Adf, &out.text), doc.normalized(), "{}", out.text);
    }

    #[test]
    fn html_keeps_what_html_expresses(doc in document(Caps::only(Format::Html))) {
        let out = render(&doc, Format::Html);
        prop_assert_eq!(parse(Format::Html, &out.text), doc.normalized(), "{}", out.text);
    }

    #[test]
    fn markdown_keeps_what_markdown_expresses(doc in document(Caps::only(Format::Markdown))) {
        let out = render(&doc, Format::Markdown);
        prop_assert_eq!(parse(Format::Markdown, &out.text), doc.normalized(), "{}", out.text);
    }

    #[test]
    fn wiki_keeps_what_wiki_expresses(doc in document(Caps::only(Format::Wiki))) {
        let out = render(&doc, Format::Wiki);
        prop_assert_eq!(parse(Format::Wiki, &out.text), doc.normalized(), "{}", out.text);
    }

    #[test]
    fn readers_are_total(s in "\\PC{0,200}") {
        for format in Format::ALL {
            let doc = parse(format, &s);
            prop_assert!(doc.is_normalized());
            let _ = render(&doc, format);
        }
    }
}
