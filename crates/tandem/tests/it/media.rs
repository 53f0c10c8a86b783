//! No silent data loss (issue 10): Jira Cloud deletes the attachments whose images vanish from
//! a description, so tandem never writes a description that drops an image the other side
//! did not really delete. Each scenario runs twice: with the media guard (the product) and
//! with it switched off (`TANDEM_TEST_MEDIA_GUARD=off`), which must lose the images, so the
//! first run's assertions demonstrably can fail.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::sandbox::run;
use crate::world::{World, start};

fn media_single(id: &str, name: &str) -> Value {
    json!({"type": "mediaSingle", "attrs": {"layout": "center"}, "content": [
        {"type": "media", "attrs": {"id": id, "type": "file", "collection": "", "alt": name, "width": 320, "height": 200}}
    ]})
}

fn paragraph(text: &str) -> Value {
    json!({"type": "paragraph", "content": [{"type": "text", "text": text}]})
}

/// Every `media` node's id (or external URL) in an ADF value.
fn adf_media(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(o) => {
            if o.get("type") == Some(&json!("media")) {
                let attrs = &o["attrs"];
                if let Some(id) = attrs["id"].as_str().or_else(|| attrs["url"].as_str()) {
                    out.insert(id.to_owned());
                }
            }
            for v in o.values() {
                adf_media(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| adf_media(v, out)),
        _ => {}
    }
}

/// `tandem sync --once --json`, with the media guard on or off.
fn sync(w: &World, guard: bool) -> Value {
    let mut c = w.tandem(&["sync", "--once", "--json"]);
    if !guard {
        c.env("TANDEM_TEST_MEDIA_GUARD", "off");
    }
    let r = run(&mut c);
    assert_eq!(r.code, Some(0), "{}", r.all());
    let v: Value = serde_json::from_str(r.stdout.trim()).unwrap();
    let report = v["reports"][0].clone();
    assert_eq!(report["outcome"], "completed", "{report:#}");
    report
}

/// What the Jira issue holds after the scenario.
struct JiraAfter {
    attachments: Vec<String>,
    media: BTreeSet<String>,
    description: String,
    /// Files the changelog says were removed.
    removed: Vec<String>,
    /// `jira.attachments_deleted_with_media` in the simulator's stats.
    deleted_with_media: u64,
    audit: String,
    /// Writes of a further pass, on (Jira, Azure DevOps).
    then: (u64, u64),
    expected_media: BTreeSet<String>,
}

/// A Jira issue with two inline images is synced to Azure DevOps; its description is
/// rewritten there; one more pass.
fn jira_images_then_ado_edit(guard: bool) -> JiraAfter {
    let w = start("", &[]);
    let key = w.jira_create("Bug", "Checkout crashes on save", json!({}));
    let (_, one) = w.jira_attach(&key, "one.png", b"\x89PNG first screenshot");
    let (_, two) = w.jira_attach(&key, "two.png", b"\x89PNG second screenshot");
    w.jira_edit(
        &key,
        json!({"description": {"type": "doc", "version": 1, "content": [
            paragraph("Steps to reproduce, with two screenshots:"),
            media_single(&one, "one.png"),
            paragraph("and after saving:"),
            media_single(&two, "two.png"),
        ]}}),
    );
    sync(&w, guard);
    let ado = w.ado_of(&key);
    // Azure DevOps cannot show Jira's files: tandem wrote placeholders there.
    let html = w.ado_item(&ado)["fields"]["System.Description"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        html.contains(&format!("data-media-id=\"{one}\"")) && html.contains("Steps to reproduce"),
        "{html}"
    );
    // A person rewrites the description in Azure DevOps (the placeholders do not survive).
    w.ado_edit(
        &ado,
        &[(
            "System.Description",
            json!("<div>Edited in Azure DevOps: it crashes only with a saved card.</div>"),
        )],
    );
    w.reset_stats();
    let report = sync(&w, guard);
    assert_eq!(report["counts"]["updated"], 1, "{report:#}");
    let (jira_stats, _) = w.stats();
    let (s, issue) = w.jira_call(
        "GET",
        &format!("/rest/api/3/issue/{key}?fields=attachment,description"),
        None,
    );
    assert_eq!(s, 200, "{issue}");
    let mut media = BTreeSet::new();
    adf_media(&issue["fields"]["description"], &mut media);
    let (_, changelog) = w.jira_call("GET", &format!("/rest/api/3/issue/{key}/changelog"), None);
    let mut removed: Vec<String> = changelog["values"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["items"].as_array().unwrap().clone())
        .filter(|i| i["field"] == "Attachment" && i["to"].is_null())
        .map(|i| i["fromString"].as_str().unwrap().to_owned())
        .collect();
    removed.sort();
    let audit = run(&mut w.tandem(&["audit", &key])).stdout;
    w.reset_stats();
    sync(&w, guard);
    JiraAfter {
        attachments: issue["fields"]["attachment"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["filename"].as_str().unwrap().to_owned())
            .collect(),
        media,
        description: issue["fields"]["description"].to_string(),
        removed,
        deleted_with_media: jira_stats
            .counters
            .get("jira.attachments_deleted_with_media")
            .copied()
            .unwrap_or(0),
        audit,
        then: w.mutating(),
        expected_media: BTreeSet::from([one, two]),
    }
}

#[test]
fn media_an_ado_edit_keeps_both_jira_attachments_and_images() {
    let j = jira_images_then_ado_edit(true);
    assert_eq!(j.attachments, ["one.png", "two.png"], "{}", j.description);
    assert_eq!(j.media, j.expected_media, "{}", j.description);
    assert!(
        j.description.contains("Edited in Azure DevOps"),
        "the edit arrived: {}",
        j.description
    );
    assert!(
        j.description
            .contains("Attachments kept from the previous version"),
        "{}",
        j.description
    );
    assert!(j.removed.is_empty(), "{:?}", j.removed);
    assert_eq!(j.deleted_with_media, 0);
    assert!(
        j.audit.contains("images kept") && j.audit.contains("one.png, two.png"),
        "{}",
        j.audit
    );
    assert_eq!(j.then, (0, 0), "the next pass writes nothing");
}

/// The same scenario with the guard off loses both files: the assertions above can fail.
#[test]
fn media_without_the_guard_the_same_edit_deletes_the_jira_attachments() {
    let j = jira_images_then_ado_edit(false);
    assert!(j.attachments.is_empty(), "{:?}", j.attachments);
    assert!(j.media.is_empty(), "{}", j.description);
    assert!(j.description.contains("Edited in Azure DevOps"));
    assert_eq!(j.removed, ["one.png", "two.png"]);
    assert_eq!(j.deleted_with_media, 2);
}

/// What the Azure DevOps item holds after the scenario.
struct AdoAfter {
    description: String,
    image_url: String,
    attachments: usize,
}

/// An Azure DevOps item whose description shows one of its attachments is synced to Jira;
/// the description is rewritten in Jira (Jira cannot fetch the image); one more pass.
fn ado_image_then_jira_edit(guard: bool) -> AdoAfter {
    let w = start("", &[]);
    let id = w.ado_create("Bug", &[("System.Title", json!("Export drops the logo"))]);
    let url = w.ado_attach(&id, "logo.png", b"\x89PNG logo");
    w.ado_edit(
        &id,
        &[(
            "System.Description",
            json!(format!(
                "<div>The exported PDF lacks the logo:</div><div><img src=\"{url}\" alt=\"logo.png\"></div>"
            )),
        )],
    );
    sync(&w, guard);
    let key = w.jira_of(&id);
    w.jira_edit(
        &key,
        json!({"description": {"type": "doc", "version": 1, "content": [
            paragraph("Edited in Jira: only PDFs exported from the web app."),
        ]}}),
    );
    sync(&w, guard);
    let item = w.ado_item(&id);
    AdoAfter {
        description: item["fields"]["System.Description"]
            .as_str()
            .unwrap()
            .to_owned(),
        image_url: url,
        attachments: item["relations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["rel"] == "AttachedFile")
            .count(),
    }
}

#[test]
fn media_a_jira_edit_keeps_the_ado_image_of_an_attachment() {
    let a = ado_image_then_jira_edit(true);
    assert!(
        a.description.contains("Edited in Jira"),
        "{}",
        a.description
    );
    assert!(
        a.description.contains(&a.image_url.replace('&', "&amp;"))
            || a.description.contains(&a.image_url),
        "{}",
        a.description
    );
    assert_eq!(a.attachments, 1);
}

#[test]
fn media_without_the_guard_a_jira_edit_drops_the_ado_image() {
    let a = ado_image_then_jira_edit(false);
    assert!(
        a.description.contains("Edited in Jira"),
        "{}",
        a.description
    );
    assert!(!a.description.contains("<img"), "{}", a.description);
}
