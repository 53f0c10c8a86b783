//! tandem-richtext: one document model for the rich text of Jira and Azure DevOps, with a
//! reader and a writer for each format tandem meets: Atlassian Document Format (Jira Cloud,
//! API v3), Jira wiki markup (Jira Data Center, API v2), HTML as Azure DevOps stores it, and
//! Markdown (Azure DevOps markdown fields and comments).
//!
//! Readers are total ([`parse`] never fails or panics; what it cannot model is kept as
//! [`Opaque`] text). Writers ([`render`]) produce valid output and report what the target could
//! not express as a list of [`Loss`]es. Every parsed document is in normal form
//! ([`Document::normalize`]), so the engine compares documents from different systems with
//! `==`, and converting A -> B -> A twice reaches a fixed point.
//!
//! How the engine uses it, per rich-text field or comment:
//! 1. `parse(format, text)` (or [`parse_adf_value`] for a JSON body) on both sides, and compare
//!    documents (or their serde JSON, for baselines and hashes) with `==`: equal means unchanged.
//! 2. Before writing to the other side: [`Document::map_mentions`] through the user map,
//!    [`Document::map_media`] after uploading each attachment ([`Document::media`] lists them,
//!    [`MediaRef::key`] identifies them), and for Jira Cloud [`carry_over_media`] with the current
//!    value, so media the other side cannot show are kept (issue 10).
//! 3. `render(&doc, format)` (or [`render_adf_value`]) and log each [`Loss`] on the item.
//!
//! Pure: this crate must never depend on I/O of any kind (no network, files, clocks, tokio),
//! nor on any other tandem crate.

mod adf;
mod html;
mod loss;
mod markdown;
mod media;
mod model;
mod normalize;
mod text;
mod visit;
mod wiki;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use html::ALLOWED_TAGS as HTML_ALLOWED_TAGS;
pub use loss::{Loss, LossEffect};
pub use media::{CARRIED_MEDIA_TITLE, CarriedMedia, carry_over_media};
pub use model::{
    Block, Cell, Document, Inline, List, ListItem, ListKind, Marks, Media, MediaRef, Mention,
    Opaque, Panel, PanelKind, Row, Script, Table, UserRef,
};

/// The rich-text formats tandem reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Atlassian Document Format, as JSON (Jira Cloud REST API v3).
    Adf,
    /// Jira wiki markup (Jira Data Center and REST API v2).
    Wiki,
    /// HTML as Azure DevOps stores it in rich-text fields and comments.
    Html,
    /// CommonMark with GitHub extensions (Azure DevOps markdown fields and comments).
    Markdown,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Adf, Format::Wiki, Format::Html, Format::Markdown];

    pub fn name(self) -> &'static str {
        match self {
            Format::Adf => "adf",
            Format::Wiki => "wiki",
            Format::Html => "html",
            Format::Markdown => "markdown",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown format name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown rich-text format '{0}'; use one of: adf, wiki, html, markdown")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        match s.to_ascii_lowercase().as_str() {
            "adf" | "json" => Ok(Format::Adf),
            "wiki" | "jira" | "wikimarkup" => Ok(Format::Wiki),
            "html" => Ok(Format::Html),
            "markdown" | "md" => Ok(Format::Markdown),
            _ => Err(UnknownFormat(s.to_string())),
        }
    }
}

/// The result of writing a document: the text in the target format and what could not be
/// carried exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    pub losses: Vec<Loss>,
}

/// Reads `input` in `format` into a document in normal form. Total: any input yields a
/// document; what the reader cannot model is kept as text (ADF that is not JSON becomes one
/// paragraph of its text).
pub fn parse(format: Format, input: &str) -> Document {
    let mut doc = match format {
        Format::Adf => adf::read(input),
        Format::Wiki => wiki::read(input),
        Format::Html => html::read(input),
        Format::Markdown => markdown::read(input),
    };
    doc.normalize();
    doc
}

/// Writes `doc` in `format`. Any document renders the same as its normal form: one that is not
/// in normal form is normalised first (a copy; a parsed document already is and is written as
/// it stands).
pub fn render(doc: &Document, format: Format) -> Rendered {
    let doc = &*normal_form(doc);
    let mut losses = loss::Losses::default();
    let text = match format {
        Format::Adf => adf::write(doc, &mut losses),
        Format::Wiki => wiki::write(doc, &mut losses),
        Format::Html => html::write(doc, &mut losses),
        Format::Markdown => markdown::write(doc, &mut losses),
    };
    Rendered {
        text,
        losses: losses.into_vec(),
    }
}

/// `doc` itself when it is in normal form, else a normalised copy.
fn normal_form(doc: &Document) -> std::borrow::Cow<'_, Document> {
    if doc.normal || normalize::blocks_are_normal(&doc.blocks) {
        std::borrow::Cow::Borrowed(doc)
    } else {
        std::borrow::Cow::Owned(doc.clone().normalized())
    }
}

/// Reads `input` in `from` and writes it in `to`.
pub fn convert(from: Format, to: Format, input: &str) -> Rendered {
    render(&parse(from, input), to)
}

/// Writes `doc` as an ADF JSON value, for connectors that embed it in a request body.
pub fn render_adf_value(doc: &Document) -> (serde_json::Value, Vec<Loss>) {
    let doc = &*normal_form(doc);
    let mut losses = loss::Losses::default();
    let value = adf::write_value(doc, &mut losses);
    (value, losses.into_vec())
}

/// Reads an ADF JSON value (as found inside a Jira API response).
pub fn parse_adf_value(value: &serde_json::Value) -> Document {
    let mut doc = adf::read_value(value);
    doc.normalize();
    doc
}
