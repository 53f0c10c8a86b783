//! Media and mention helpers for the engine: list references, map them to the other system,
//! and carry images over that a rewrite would otherwise drop (Jira Cloud deletes attachments
//! whose media nodes vanish from a description: research sync-semantics.md §2, issue 10).

use std::collections::BTreeSet;

use crate::model::{Block, Document, Inline, Marks, Media, Mention};
use crate::visit::{each_block, each_block_mut, each_inline, each_inline_list_mut};

/// The heading of the block that holds carried-over media no anchor could place.
pub const CARRIED_MEDIA_TITLE: &str = "Attachments kept from the previous version";

impl Document {
    /// Every image or file reference, in document order (block and inline).
    pub fn media(&self) -> Vec<&Media> {
        let mut out = Vec::new();
        collect_media(&self.blocks, &mut out);
        out
    }

    /// The keys ([`crate::MediaRef::key`]) of every media reference.
    pub fn media_keys(&self) -> BTreeSet<String> {
        self.media().iter().map(|m| m.source.key()).collect()
    }

    /// Rewrites every media reference in place (the engine swaps one system's attachment for
    /// the other's).
    pub fn map_media(&mut self, mut f: impl FnMut(&mut Media)) {
        self.normal = false;
        each_block_mut(&mut self.blocks, &mut |block| {
            if let Block::Media(m) = block {
                f(m);
            }
        });
        each_inline_list_mut(&mut self.blocks, &mut |inlines| {
            for inline in inlines.iter_mut() {
                if let Inline::Media(m) = inline {
                    f(m);
                }
            }
        });
    }

    /// Every mention, in document order.
    pub fn mentions(&self) -> Vec<&Mention> {
        let mut out = Vec::new();
        each_inline(&self.blocks, &mut |inline| {
            if let Inline::Mention(m) = inline {
                out.push(m);
            }
        });
        out
    }

    /// Maps every mention through `f`: `Some` replaces it (the other system's user), `None`
    /// turns it into plain text `@Display Name` (an unmapped user must not be notified as
    /// someone else).
    pub fn map_mentions(&mut self, mut f: impl FnMut(&Mention) -> Option<Mention>) {
        self.normal = false;
        each_inline_list_mut(&mut self.blocks, &mut |inlines| {
            for inline in inlines.iter_mut() {
                if let Inline::Mention(m) = inline {
                    *inline = match f(m) {
                        Some(mapped) => Inline::Mention(mapped),
                        None => Inline::Text {
                            text: format!("@{}", m.display.as_deref().unwrap_or(m.user.id())),
                            marks: Marks::default(),
                        },
                    };
                }
            }
        });
        self.normalize();
    }
}

fn collect_media<'a>(blocks: &'a [Block], out: &mut Vec<&'a Media>) {
    each_block(blocks, &mut |block| match block {
        Block::Media(m) => out.push(m),
        Block::Paragraph { content } | Block::Heading { content, .. } => {
            for inline in content {
                if let Inline::Media(m) = inline {
                    out.push(m);
                }
            }
        }
        _ => {}
    });
}

/// The result of [`carry_over_media`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarriedMedia {
    /// `next` with the carried media put back.
    pub document: Document,
    /// Media put back next to an unchanged neighbour.
    pub placed: Vec<Media>,
    /// Media put back in the marked block at the end ([`CARRIED_MEDIA_TITLE`]).
    pub appended: Vec<Media>,
}

impl CarriedMedia {
    /// Whether anything was carried over (the engine notes it in the item's audit entry).
    pub fn carried_any(&self) -> bool {
        !self.placed.is_empty() || !self.appended.is_empty()
    }
}

/// Puts back into `next` the media of `previous` that `next` lacks, unless `removed` says the
/// other side really deleted that image. Each missing image goes after the nearest preceding
/// top-level block of `previous` that `next` still has unchanged (or first, when it led the
/// document); images with no such anchor go to a marked block at the end. Running it again on
/// its own result changes nothing.
pub fn carry_over_media(
    previous: &Document,
    next: &Document,
    removed: impl Fn(&Media) -> bool,
) -> CarriedMedia {
    let have = next.media_keys();
    let mut blocks = next.blocks.clone();
    let mut placed = Vec::new();
    let mut appended = Vec::new();
    // Where the next insertion may go, so carried images keep their order.
    let mut floor = 0usize;
    let mut seen = BTreeSet::new();
    for (i, block) in previous.blocks.iter().enumerate() {
        let mut missing = Vec::new();
        collect_media(std::slice::from_ref(block), &mut missing);
        let missing: Vec<Media> = missing
            .into_iter()
            .filter(|m| {
                let key = m.source.key();
                !have.contains(&key) && !removed(m) && seen.insert(key)
            })
            .cloned()
            .collect();
        if missing.is_empty() {
            // An unchanged block is an anchor: later insertions go after it.
            if let Some(pos) = blocks.iter().skip(floor).position(|b| b == block) {
                floor += pos + 1;
            }
            continue;
        }
        let anchored = i == 0 || anchor_exists(previous, i, &next.blocks);
        if anchored {
            for media in missing {
                blocks.insert(floor.min(blocks.len()), Block::Media(media.clone()));
                floor += 1;
                placed.push(media);
            }
        } else {
            appended.extend(missing);
        }
    }
    if !appended.is_empty() {
        blocks.push(Block::Paragraph {
            content: vec![Inline::marked(
                CARRIED_MEDIA_TITLE,
                Marks {
                    strong: true,
                    ..Marks::default()
                },
            )],
        });
        blocks.extend(appended.iter().cloned().map(Block::Media));
    }
    let mut document = Document::new(blocks);
    document.normalize();
    CarriedMedia {
        document,
        placed,
        appended,
    }
}

/// Whether the block just before `previous.blocks[i]` is still in `next`, unchanged.
fn anchor_exists(previous: &Document, i: usize, next: &[Block]) -> bool {
    i.checked_sub(1)
        .and_then(|j| previous.blocks.get(j))
        .is_some_and(|prev| next.contains(prev))
}
