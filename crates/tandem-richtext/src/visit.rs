//! Walking the tree: the one place that knows which nodes hold blocks and which hold inlines.

use crate::model::{Block, Cell, Inline};

impl Block {
    /// The block lists directly inside this block (list items, quote, panel, table cells).
    pub fn child_blocks(&self) -> Vec<&Vec<Block>> {
        match self {
            Block::List(list) => list.items.iter().map(|i| &i.blocks).collect(),
            Block::Quote { blocks } => vec![blocks],
            Block::Panel(panel) => vec![&panel.blocks],
            Block::Table(table) => table
                .rows
                .iter()
                .flat_map(|r| r.cells.iter().map(|c| &c.blocks))
                .collect(),
            _ => Vec::new(),
        }
    }

    pub fn child_blocks_mut(&mut self) -> Vec<&mut Vec<Block>> {
        match self {
            Block::List(list) => list.items.iter_mut().map(|i| &mut i.blocks).collect(),
            Block::Quote { blocks } => vec![blocks],
            Block::Panel(panel) => vec![&mut panel.blocks],
            Block::Table(table) => table
                .rows
                .iter_mut()
                .flat_map(|r| r.cells.iter_mut().map(|c| &mut c.blocks))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The inline content of a paragraph or heading.
    pub fn inlines(&self) -> Option<&Vec<Inline>> {
        match self {
            Block::Paragraph { content } | Block::Heading { content, .. } => Some(content),
            _ => None,
        }
    }

    pub fn inlines_mut(&mut self) -> Option<&mut Vec<Inline>> {
        match self {
            Block::Paragraph { content } | Block::Heading { content, .. } => Some(content),
            _ => None,
        }
    }
}

/// Calls `f` on every block, parents before children.
pub(crate) fn each_block<'a>(blocks: &'a [Block], f: &mut impl FnMut(&'a Block)) {
    for block in blocks {
        f(block);
        for child in block.child_blocks() {
            each_block(child, f);
        }
    }
}

/// Calls `f` on every block, parents before children.
pub(crate) fn each_block_mut(blocks: &mut [Block], f: &mut impl FnMut(&mut Block)) {
    for block in blocks.iter_mut() {
        f(block);
        for child in block.child_blocks_mut() {
            each_block_mut(child, f);
        }
    }
}

/// Calls `f` on every inline node in the tree.
pub(crate) fn each_inline<'a>(blocks: &'a [Block], f: &mut impl FnMut(&'a Inline)) {
    each_block(blocks, &mut |block| {
        if let Some(inlines) = block.inlines() {
            inlines.iter().for_each(&mut *f);
        }
    });
}

/// Calls `f` on every inline list in the tree.
pub(crate) fn each_inline_list_mut(blocks: &mut [Block], f: &mut impl FnMut(&mut Vec<Inline>)) {
    each_block_mut(blocks, &mut |block| {
        if let Some(inlines) = block.inlines_mut() {
            f(inlines);
        }
    });
}

/// The plain text of some inlines (for titles, alt text and opaque fallbacks).
pub(crate) fn plain_text(inlines: &[Inline]) -> String {
    let mut out = String::new();
    for inline in inlines {
        match inline {
            Inline::Text { text, .. } => out.push_str(text),
            Inline::HardBreak => out.push('\n'),
            Inline::Mention(m) => {
                out.push('@');
                out.push_str(m.display.as_deref().unwrap_or(m.user.id()));
            }
            Inline::Emoji { shortname, text } => out.push_str(text.as_deref().unwrap_or(shortname)),
            Inline::Status { text, .. } => out.push_str(text),
            Inline::Date { timestamp_ms } => out.push_str(&crate::text::format_date(*timestamp_ms)),
            Inline::Media(m) => out.push_str(m.alt.as_deref().unwrap_or("")),
            Inline::Card { url } => out.push_str(url),
            Inline::Opaque(o) => out.push_str(&o.text),
        }
    }
    out
}

/// The plain text of blocks, one line per paragraph.
pub(crate) fn blocks_plain_text(blocks: &[Block]) -> String {
    let mut lines = Vec::new();
    each_block(blocks, &mut |block| match block {
        Block::Paragraph { content } | Block::Heading { content, .. } => {
            lines.push(plain_text(content));
        }
        Block::CodeBlock { text, .. } => lines.push(text.clone()),
        Block::Opaque(o) => lines.push(o.text.clone()),
        _ => {}
    });
    lines.join("\n")
}

/// The grid positions of a table that earlier cells' row and column spans cover: what the
/// writers of formats without merged cells (Markdown, wiki markup) fill with empty cells.
#[derive(Debug, Default)]
pub(crate) struct Covered(Vec<Vec<bool>>);

impl Covered {
    /// Whether a merged cell above or to the left covers row `r`, column `col`.
    pub(crate) fn at(&self, r: usize, col: usize) -> bool {
        self.0.get(r).and_then(|row| row.get(col)).copied() == Some(true)
    }

    /// Records the positions `cell`, placed at row `r`, column `col`, covers beyond its own;
    /// returns its (rows, columns), each at least 1.
    pub(crate) fn cover(&mut self, r: usize, col: usize, cell: &Cell) -> (usize, usize) {
        let span = usize::try_from(cell.colspan.max(1)).unwrap_or(1);
        let rows = usize::try_from(cell.rowspan.max(1)).unwrap_or(1);
        for dr in 0..rows {
            for dc in 0..span {
                if dr == 0 && dc == 0 {
                    continue;
                }
                let rr = r + dr;
                if self.0.len() <= rr {
                    self.0.resize(rr + 1, Vec::new());
                }
                if self.0[rr].len() <= col + dc {
                    self.0[rr].resize(col + dc + 1, false);
                }
                self.0[rr][col + dc] = true;
            }
        }
        (rows, span)
    }
}
