//! The corpus in `tests/corpus/`: realistic samples from each system, each converted to every
//! format (insta snapshots), and each conversion checked for a fixed point.

use std::path::PathBuf;

use tandem_richtext::{Document, Format, HTML_ALLOWED_TAGS, parse, render};

pub(crate) struct Sample {
    pub name: String,
    pub format: Format,
    pub text: String,
}

pub(crate) fn corpus() -> Vec<Sample> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut samples: Vec<Sample> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?.to_string();
            let format = if name.ends_with(".adf.json") {
                Format::Adf
            } else if name.ends_with(".wiki") {
                Format::Wiki
            } else if name.ends_with(".html") {
                Format::Html
            } else if name.ends_with(".md") {
                Format::Markdown
            } else {
                return None;
            };
            let text = std::fs::read_to_string(&path).ok()?;
            Some(Sample { name, format, text })
        })
        .collect();
    samples.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(
        samples.len() >= 10,
        "corpus went missing: {}",
        samples.len()
    );
    samples
}

fn pretty(format: Format, text: &str) -> String {
    if format == Format::Adf {
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        serde_json::to_string_pretty(&v).unwrap()
    } else {
        text.to_string()
    }
}

#[test]
fn corpus_conversions_match_snapshots() {
    for sample in corpus() {
        let doc = parse(sample.format, &sample.text);
        let mut report = String::new();
        for target in Format::ALL {
            let out = render(&doc, target);
            report.push_str(&format!("===== {} -> {target}\n", sample.format));
            report.push_str(&pretty(target, &out.text));
            report.push('\n');
            for loss in &out.losses {
                report.push_str(&format!("lost: {loss}\n"));
            }
        }
        insta::assert_snapshot!(sample.name.replace('.', "_"), report);
    }
}

/// X -> model -> X -> model: the second trip changes nothing, in every format.
#[test]
fn corpus_round_trips_reach_a_fixed_point() {
    for sample in corpus() {
        let doc = parse(sample.format, &sample.text);
        assert!(doc.is_normalized(), "{}: parse is not normal", sample.name);
        for target in Format::ALL {
            let first = render(&doc, target);
            let d1 = parse(target, &first.text);
            let second = render(&d1, target);
            let d2 = parse(target, &second.text);
            assert_eq!(
                d1, d2,
                "{} via {target}: second trip changed the model",
                sample.name
            );
            assert_eq!(
                second.text,
                render(&d2, target).text,
                "{} via {target}: text not stable",
                sample.name
            );
        }
    }
}

/// A -> B -> A twice reaches a fixed point for every pair of formats.
#[test]
fn corpus_cross_format_trips_reach_a_fixed_point() {
    for sample in corpus() {
        let a = sample.format;
        let doc = parse(a, &sample.text);
        for b in Format::ALL {
            let trip = |d: &Document| -> Document {
                let in_b = parse(b, &render(d, b).text);
                parse(a, &render(&in_b, a).text)
            };
            let once = trip(&doc);
            let twice = trip(&once);
            assert_eq!(
                once, twice,
                "{}: {a} -> {b} -> {a} is not a fixed point",
                sample.name
            );
        }
    }
}

#[test]
fn html_output_is_allowlisted_and_script_free() {
    for sample in corpus() {
        let html = render(&parse(sample.format, &sample.text), Format::Html).text;
        let parsed = scraper::Html::parse_fragment(&html);
        for node in parsed.root_element().descendants() {
            if let Some(el) = node.value().as_element() {
                let name = el.name();
                assert!(
                    name == "html" || HTML_ALLOWED_TAGS.contains(&name),
                    "{}: tag <{name}> is not allowlisted",
                    sample.name
                );
                for (attr, value) in el.attrs() {
                    assert!(
                        !attr.starts_with("on"),
                        "{}: event handler {attr}",
                        sample.name
                    );
                    assert!(
                        !value.to_ascii_lowercase().contains("javascript:"),
                        "{}: script URL in {attr}",
                        sample.name
                    );
                }
            }
        }
        assert!(
            !html.to_ascii_lowercase().contains("<script"),
            "{}",
            sample.name
        );
    }
}

#[test]
fn hostile_html_keeps_text_and_drops_script() {
    let sample = corpus()
        .into_iter()
        .find(|s| s.name == "ado-hostile.html")
        .unwrap();
    let doc = parse(Format::Html, &sample.text);
    let md = render(&doc, Format::Markdown).text;
    assert!(md.contains("world"), "{md}");
    assert!(md.contains("click me"), "{md}");
    assert!(!md.contains("alert"), "script text leaked: {md}");
    assert!(!md.contains("javascript"), "script URL leaked: {md}");
}
