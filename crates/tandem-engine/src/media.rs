//! The media guard (issue 10): no rich-text write drops an image the other side did not
//! really delete.
//!
//! Jira Cloud deletes, for good, the attachments whose `media` nodes an edit of a description
//! or comment leaves out (research sync-semantics.md §2, "Data-loss trap"). Azure DevOps keeps
//! the attachment but loses the inline `<img>` that showed it. Neither system can show the
//! other's files: a Jira media id means nothing in Azure DevOps (tandem writes it there as a
//! placeholder `<img src="" data-media-id>`), and Jira cannot fetch an Azure DevOps attachment
//! URL (it needs the organisation's credentials, sync-semantics.md §7). So the absence of such
//! an image from the other side's value says nothing about what a person meant.
//!
//! The rule, per image of the value about to be replaced (the target's current value):
//! - it stays unless the other side *really deleted* it: the image is one the other side can
//!   show ([`shown_on`]), it was in the other side's last synced value (its baseline), and it
//!   is gone from that side's value now;
//! - an image kept this way goes back next to an unchanged neighbour, or into a marked block
//!   at the end ([`tandem_richtext::CARRIED_MEDIA_TITLE`]), via
//!   [`tandem_richtext::carry_over_media`].
//!
//! Pure: the engine calls [`guard`] on every planned rich-text write to a linked item.

use tandem_core::Side;
use tandem_richtext::{CarriedMedia, Document, Media, MediaRef, carry_over_media};

/// Whether `side` can show the image `m` refers to, so that its absence there can be a
/// person's deletion.
#[must_use]
pub fn shown_on(side: Side, m: &MediaRef) -> bool {
    match m {
        // Jira's own files: a Media Services id (Cloud) or an attachment by file name (wiki).
        MediaRef::JiraMedia { .. } | MediaRef::File { .. } => side == Side::Jira,
        // An Azure DevOps attachment needs the organisation's credentials to fetch.
        MediaRef::Url { .. } if m.ado_attachment_id().is_some() => side == Side::Ado,
        // Any other URL shows the same everywhere.
        MediaRef::Url { .. } => true,
    }
}

/// Whether the other side (`other`) really deleted `m`: it can show it, its last synced value
/// had it, and its value now does not.
#[must_use]
pub fn really_removed(
    m: &Media,
    other: Side,
    other_baseline: Option<&Document>,
    other_now: Option<&Document>,
) -> bool {
    let key = m.source.key();
    shown_on(other, &m.source)
        && other_baseline.is_some_and(|b| b.media_keys().contains(&key))
        && !other_now.is_some_and(|n| n.media_keys().contains(&key))
}

/// Guards one write to `target`: `current` is the value it holds now, `next` the value about
/// to be written (`None` clears the field), `other_baseline` and `other_now` the other side's
/// last synced and present values of the same field. Returns `None` when `next` already
/// keeps every image it must; otherwise the value to write instead, with what was put back.
#[must_use]
pub fn guard(
    target: Side,
    current: &Document,
    next: Option<&Document>,
    other_baseline: Option<&Document>,
    other_now: Option<&Document>,
) -> Option<CarriedMedia> {
    if current.media().is_empty() {
        return None;
    }
    let empty = Document::default();
    let carried = carry_over_media(current, next.unwrap_or(&empty), |m| {
        really_removed(m, target.other(), other_baseline, other_now)
    });
    carried.carried_any().then_some(carried)
}

/// A short list of carried images for the audit trail: file names where known, else keys.
#[must_use]
pub fn describe(c: &CarriedMedia) -> String {
    let name = |m: &Media| {
        m.alt
            .clone()
            .filter(|a| !a.trim().is_empty())
            .unwrap_or_else(|| m.source.key())
    };
    let mut parts = Vec::new();
    if !c.placed.is_empty() {
        parts.push(format!(
            "{} in place",
            c.placed.iter().map(name).collect::<Vec<_>>().join(", ")
        ));
    }
    if !c.appended.is_empty() {
        parts.push(format!(
            "{} in the block \"{}\"",
            c.appended.iter().map(name).collect::<Vec<_>>().join(", "),
            tandem_richtext::CARRIED_MEDIA_TITLE
        ));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;
    use tandem_richtext::{Block, Format, Inline};

    use super::*;

    fn jira_media(id: &str) -> Media {
        Media {
            source: MediaRef::JiraMedia {
                id: id.into(),
                collection: String::new(),
            },
            alt: Some(format!("{id}.png")),
            width: Some(100),
            height: Some(100),
        }
    }

    fn url_media(url: &str) -> Media {
        Media {
            source: MediaRef::Url { url: url.into() },
            alt: None,
            width: None,
            height: None,
        }
    }

    fn para(t: &str) -> Block {
        Block::Paragraph {
            content: vec![Inline::text(t)],
        }
    }

    fn doc(blocks: Vec<Block>) -> Document {
        let mut d = Document::new(blocks);
        d.normalize();
        d
    }

    /// What Azure DevOps holds once tandem wrote `d` there (HTML), read back.
    fn through_html(d: &Document) -> Document {
        let r = tandem_richtext::render(d, Format::Html);
        tandem_richtext::parse(Format::Html, &r.text)
    }

    #[test]
    fn an_ado_rewrite_keeps_jira_images_it_cannot_show() {
        let current = doc(vec![
            para("two pictures"),
            Block::Media(jira_media("a")),
            Block::Media(jira_media("b")),
        ]);
        let ado_base = through_html(&current);
        // The placeholders went to Azure DevOps and were read back as the same media.
        assert_eq!(ado_base.media_keys(), current.media_keys());
        let ado_now = doc(vec![para("edited in Azure DevOps")]);
        let c = guard(
            Side::Jira,
            &current,
            Some(&ado_now),
            Some(&ado_base),
            Some(&ado_now),
        )
        .expect("carried");
        assert_eq!(c.document.media_keys(), current.media_keys());
        assert_eq!(c.appended.len(), 2);
        assert_eq!(
            describe(&c),
            "a.png, b.png in the block \"Attachments kept from the previous version\""
        );
        // A field cleared in Azure DevOps keeps the images too.
        let c = guard(Side::Jira, &current, None, Some(&ado_base), None).expect("carried");
        assert_eq!(c.document.media_keys(), current.media_keys());
        // The other way: an image deleted in Jira leaves Azure DevOps with it (its
        // placeholder) too, since Jira shows its own files.
        let jira_now = doc(vec![para("two pictures"), Block::Media(jira_media("a"))]);
        assert!(
            guard(
                Side::Ado,
                &ado_base,
                Some(&through_html(&jira_now)),
                Some(&current),
                Some(&jira_now)
            )
            .is_none()
        );
    }

    #[test]
    fn an_image_both_sides_show_is_deleted_when_the_other_side_deleted_it() {
        let url = "https://example.com/diagram.png";
        let current = doc(vec![para("x"), Block::Media(url_media(url))]);
        let base = current.clone();
        let now = doc(vec![para("x")]);
        assert!(guard(Side::Jira, &current, Some(&now), Some(&base), Some(&now)).is_none());
        // ... but not when the other side never had it (nothing to delete there).
        let c = guard(Side::Jira, &current, Some(&now), Some(&now), Some(&now)).expect("kept");
        assert_eq!(c.placed.len(), 1);
    }

    #[test]
    fn ado_attachment_images_survive_a_jira_edit_and_go_when_ado_deletes_them() {
        let att = "https://dev.azure.com/org/_apis/wit/attachments/6f1d?fileName=a.png";
        let current = doc(vec![para("spec"), Block::Media(url_media(att))]);
        let jira_base = current.clone();
        let jira_now = doc(vec![para("spec, edited in Jira")]);
        let c = guard(
            Side::Ado,
            &current,
            Some(&jira_now),
            Some(&jira_base),
            Some(&jira_now),
        )
        .expect("kept");
        assert_eq!(c.document.media_keys(), current.media_keys());
        // Writing to Jira: Azure DevOps shows its own attachments, so its deletion counts.
        assert!(
            guard(
                Side::Jira,
                &current,
                Some(&jira_now),
                Some(&current),
                Some(&jira_now)
            )
            .is_none()
        );
    }

    #[test]
    fn guarding_its_own_result_changes_nothing() {
        let current = doc(vec![para("p"), Block::Media(jira_media("a"))]);
        let next = doc(vec![para("q")]);
        let c = guard(Side::Jira, &current, Some(&next), None, Some(&next)).expect("carried");
        assert!(
            guard(
                Side::Jira,
                &c.document,
                Some(&c.document),
                None,
                Some(&next)
            )
            .is_none()
        );
    }

    // --- property: the written Jira value keeps every image the edit did not remove --------

    #[derive(Clone, Debug)]
    enum Piece {
        Text(String),
        Jira(u8),
        Url(u8),
    }

    fn piece() -> impl Strategy<Value = Piece> {
        prop_oneof![
            "[a-z]{1,8}( [a-z]{1,8}){0,3}".prop_map(Piece::Text),
            (0u8..6).prop_map(Piece::Jira),
            (0u8..4).prop_map(Piece::Url),
        ]
    }

    fn build(pieces: &[Piece]) -> Document {
        doc(pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => para(t),
                Piece::Jira(i) => Block::Media(jira_media(&format!("m{i}"))),
                Piece::Url(i) => Block::Media(url_media(&format!("https://img.example/{i}.png"))),
            })
            .collect())
    }

    /// An edit in Azure DevOps, as operations on the blocks it holds.
    #[derive(Clone, Debug)]
    enum EditOp {
        /// Remove the block at (index mod len).
        Delete(usize),
        /// Replace the block at (index mod len) with text.
        Rewrite(usize, String),
        /// Insert text or an image at (index mod len + 1).
        Insert(usize, Piece),
        /// Replace everything.
        ReplaceAll(Vec<Piece>),
    }

    fn edit_op() -> impl Strategy<Value = EditOp> {
        prop_oneof![
            4 => any::<usize>().prop_map(EditOp::Delete),
            2 => (any::<usize>(), "[a-z]{1,8}").prop_map(|(i, t)| EditOp::Rewrite(i, t)),
            2 => (any::<usize>(), piece()).prop_map(|(i, p)| EditOp::Insert(i, p)),
            1 => proptest::collection::vec(piece(), 0..4).prop_map(EditOp::ReplaceAll),
        ]
    }

    fn apply(d: &Document, ops: &[EditOp]) -> Document {
        let mut blocks = d.blocks().to_vec();
        for op in ops {
            let n = blocks.len().max(1);
            match op {
                EditOp::Delete(i) if !blocks.is_empty() => {
                    blocks.remove(i % n);
                }
                EditOp::Rewrite(i, t) if !blocks.is_empty() => blocks[i % n] = para(t),
                EditOp::Insert(i, p) => {
                    let at = (i % n + 1).min(blocks.len());
                    blocks.insert(at, build(std::slice::from_ref(p)).into_blocks().remove(0));
                }
                EditOp::ReplaceAll(pieces) => blocks = build(pieces).into_blocks(),
                _ => {}
            }
        }
        doc(blocks)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// For any edit in Azure DevOps of a synced description, the value written to Jira
        /// holds every media id of Jira's current value, except images the edit removed that
        /// Azure DevOps can show (external URLs); Jira's own files are never among those. The
        /// edit itself arrives: its images and blocks are all in the written value.
        #[test]
        fn written_jira_media_are_a_superset_unless_the_edit_removed_them(
            jira in proptest::collection::vec(piece(), 0..8),
            edit in proptest::collection::vec(edit_op(), 0..6),
        ) {
            let current = build(&jira);
            // What Azure DevOps holds after the last pass, and after the person's edit.
            let ado_base = through_html(&current);
            let ado_now = through_html(&apply(&ado_base, &edit));
            let written = guard(Side::Jira, &current, Some(&ado_now), Some(&ado_base), Some(&ado_now))
                .map_or_else(|| ado_now.clone(), |c| c.document);
            let removed_by_edit: BTreeSet<String> = ado_base
                .media()
                .iter()
                .filter(|m| matches!(m.source, MediaRef::Url { .. }))
                .map(|m| m.source.key())
                .filter(|k| !ado_now.media_keys().contains(k))
                .collect();
            let have = written.media_keys();
            for k in current.media_keys() {
                prop_assert!(
                    have.contains(&k) || removed_by_edit.contains(&k),
                    "{k} lost; written {:?}", written
                );
                if k.starts_with("jira-media:") {
                    prop_assert!(have.contains(&k), "a Jira file was dropped: {k}");
                }
            }
            prop_assert!(have.is_superset(&ado_now.media_keys()));
            // The edit's blocks arrive, in order.
            let mut rest = written.blocks().iter();
            for b in ado_now.blocks() {
                prop_assert!(rest.any(|w| w == b), "block {:?} of the edit missing", b);
            }
            // The written value needs nothing more put back: guarding it again is a no-op.
            prop_assert!(guard(Side::Jira, &current, Some(&written), Some(&ado_base), Some(&ado_now)).is_none());
        }
    }
}
