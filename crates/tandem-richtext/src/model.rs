//! The document model every format is read into and written from.
//!
//! It covers what ADF, Jira wiki markup, Azure DevOps HTML and Markdown share. Anything a reader
//! meets that the model has no place for is kept as [`Block::Opaque`] / [`Inline::Opaque`]: the
//! raw source (written back verbatim to the same format) plus its plain text (written to any
//! other format, with a [`crate::Loss`]).

use serde::{Deserialize, Serialize};

use crate::Format;

/// A rich-text value: a description or a comment body.
///
/// Its blocks are read with [`Document::blocks`] and changed through [`Document::blocks_mut`],
/// so that the document knows when it is still in normal form (as [`crate::parse`] returns it)
/// and [`crate::render`] need not check it again.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct Document {
    pub(crate) blocks: Vec<Block>,
    /// Set by normalisation, cleared by any change to the blocks; not part of the value (equality
    /// and serde ignore it). Code in this crate that changes `blocks` directly clears it.
    #[serde(skip)]
    pub(crate) normal: bool,
}

impl PartialEq for Document {
    fn eq(&self, other: &Document) -> bool {
        self.blocks == other.blocks
    }
}

impl Eq for Document {}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("blocks", &self.blocks)
            .finish()
    }
}

/// A block-level node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Block {
    Paragraph {
        content: Vec<Inline>,
    },
    Heading {
        /// 1 to 6.
        level: u8,
        content: Vec<Inline>,
    },
    List(List),
    CodeBlock {
        language: Option<String>,
        text: String,
    },
    Quote {
        blocks: Vec<Block>,
    },
    /// A callout box: ADF `panel` / `expand`, wiki `{panel}`, a styled box in HTML.
    Panel(Panel),
    Rule,
    Table(Table),
    /// A block-level image or file (ADF `mediaSingle` / `mediaGroup`, a wiki `!image!` alone on a
    /// line, an HTML `<img>` alone in its block).
    Media(Media),
    /// A construct the model has no place for, kept from its source.
    Opaque(Opaque),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct List {
    pub kind: ListKind,
    pub items: Vec<ListItem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    Bullet,
    /// `start` is the first number (1 unless the source said otherwise).
    Ordered {
        start: u32,
    },
    /// A checklist; each item carries `checked`.
    Task,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListItem {
    /// Only meaningful in a task list: `Some(true)` done, `Some(false)` to do.
    pub checked: Option<bool>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Panel {
    pub kind: PanelKind,
    pub title: Option<String>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PanelKind {
    Info,
    Note,
    Warning,
    Success,
    Error,
    /// A collapsible section (ADF `expand`).
    Expand,
}

impl PanelKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            PanelKind::Info => "info",
            PanelKind::Note => "note",
            PanelKind::Warning => "warning",
            PanelKind::Success => "success",
            PanelKind::Error => "error",
            PanelKind::Expand => "expand",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<PanelKind> {
        Some(match name.to_ascii_lowercase().as_str() {
            "info" => PanelKind::Info,
            "note" => PanelKind::Note,
            "warning" => PanelKind::Warning,
            "success" | "tip" => PanelKind::Success,
            "error" => PanelKind::Error,
            "expand" => PanelKind::Expand,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    pub header: bool,
    /// 1 unless merged across columns.
    pub colspan: u32,
    /// 1 unless merged across rows.
    pub rowspan: u32,
    pub blocks: Vec<Block>,
}

/// An inline node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Inline {
    Text {
        text: String,
        #[serde(default, skip_serializing_if = "Marks::is_empty")]
        marks: Marks,
    },
    HardBreak,
    Mention(Mention),
    /// `shortname` is `:smile:`-style; `text` the character itself when known.
    Emoji {
        shortname: String,
        text: Option<String>,
    },
    /// A status lozenge (ADF `status`).
    Status {
        text: String,
        color: String,
    },
    /// A date (ADF `date`): milliseconds since the Unix epoch, UTC.
    Date {
        timestamp_ms: i64,
    },
    /// An image or file inside a line of text.
    Media(Media),
    /// A smart link to a URL (ADF `inlineCard`).
    Card {
        url: String,
    },
    Opaque(Opaque),
}

/// The marks on a run of text. A struct rather than a list, so that two equal sets of marks
/// compare equal whatever order a source listed them in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Marks {
    #[serde(default, skip_serializing_if = "is_false")]
    pub strong: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub em: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub underline: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub strike: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub code: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<Script>,
    /// A CSS colour as `#rrggbb` (lower case) after normalisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Marks {
    pub fn is_empty(&self) -> bool {
        *self == Marks::default()
    }

    /// The marks that survive on whitespace at the edge of a run: a link and code still mean
    /// something on a space, emphasis does not (Markdown cannot even express it).
    pub(crate) fn for_edge_whitespace(&self) -> Marks {
        Marks {
            code: self.code,
            link: self.link.clone(),
            ..Marks::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Script {
    Sub,
    Sup,
}

/// A mention of a user, carrying the source system's reference. The engine maps it to the
/// other system's reference through its user map before rendering.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Mention {
    pub user: UserRef,
    /// The display name without a leading `@`, when the source carried one.
    pub display: Option<String>,
}

/// Who a mention points at, in the terms of the system it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum UserRef {
    /// Jira Cloud `accountId` (ADF `mention.attrs.id`, wiki `[~accountid:…]`).
    JiraAccountId(String),
    /// Jira Data Center user name (wiki `[~name]`).
    JiraUsername(String),
    /// Azure DevOps identity id (a GUID, HTML `data-vss-mention="version:2.0,{id}"`, Markdown
    /// `@<id>`).
    AdoIdentity(String),
    /// An e-mail address, for users known only by it.
    Email(String),
}

impl UserRef {
    /// The identifier itself, whatever system it belongs to.
    pub fn id(&self) -> &str {
        match self {
            UserRef::JiraAccountId(id)
            | UserRef::JiraUsername(id)
            | UserRef::AdoIdentity(id)
            | UserRef::Email(id) => id,
        }
    }
}

/// A reference to an image or attached file. The engine maps it to the other system's
/// attachment (upload, then rewrite the reference) before rendering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    pub source: MediaRef,
    /// Alternative text; for Jira media usually the file name.
    pub alt: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum MediaRef {
    /// Jira Cloud Media Services file (ADF `media` with `type: file`). The id is not the
    /// attachment id (research: sync-semantics.md §2).
    JiraMedia { id: String, collection: String },
    /// An attachment named by its file name (wiki `!name.png!`, `[^name.pdf]`).
    File { name: String },
    /// An image at a URL (HTML `<img src>`, Markdown `![](url)`, ADF external media). Azure
    /// DevOps attachment URLs land here too; [`MediaRef::ado_attachment_id`] recognises them.
    Url { url: String },
}

impl MediaRef {
    /// A stable key for comparing references (media merging, de-duplication).
    pub fn key(&self) -> String {
        match self {
            MediaRef::JiraMedia { id, .. } => format!("jira-media:{id}"),
            MediaRef::File { name } => format!("file:{name}"),
            MediaRef::Url { url } => format!("url:{url}"),
        }
    }

    /// The attachment GUID when this is an Azure DevOps attachment URL
    /// (`…/_apis/wit/attachments/{id}?fileName=…`, research: sync-semantics.md §7).
    pub fn ado_attachment_id(&self) -> Option<&str> {
        let MediaRef::Url { url } = self else {
            return None;
        };
        let (_, rest) = url.split_once("/_apis/wit/attachments/")?;
        let id = rest.split(['?', '/', '#']).next()?;
        (!id.is_empty()).then_some(id)
    }
}

/// Something a reader could not model, kept so that writing back to the same format loses
/// nothing and writing to another format keeps at least the words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opaque {
    pub format: Format,
    /// The construct exactly as the source had it (for ADF: the node's JSON).
    pub raw: String,
    /// Its plain text, written when the target is another format.
    pub text: String,
}

impl Document {
    pub fn new(blocks: Vec<Block>) -> Document {
        Document {
            blocks,
            normal: false,
        }
    }

    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// The blocks, to change; the document no longer counts as normal until normalised again.
    pub fn blocks_mut(&mut self) -> &mut Vec<Block> {
        self.normal = false;
        &mut self.blocks
    }

    pub fn into_blocks(self) -> Vec<Block> {
        self.blocks
    }

    /// A document with one paragraph of plain text.
    pub fn plain(text: &str) -> Document {
        Document::new(vec![Block::Paragraph {
            content: vec![Inline::text(text)],
        }])
    }
}

impl Inline {
    pub fn text(text: impl Into<String>) -> Inline {
        Inline::Text {
            text: text.into(),
            marks: Marks::default(),
        }
    }

    pub fn marked(text: impl Into<String>, marks: Marks) -> Inline {
        Inline::Text {
            text: text.into(),
            marks,
        }
    }
}
