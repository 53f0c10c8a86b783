//! Rich text between the vendors' formats and the domain's [`RichText`], through
//! `tandem-richtext`'s one document model: ADF (Jira Cloud), wiki markup (Jira Data Center),
//! HTML and Markdown (Azure DevOps) are read into a document in normal form and written back
//! in the format the target side takes, with the list of what the target could not express.
//!
//! Each side keeps its own baseline, so a lossy conversion (a Jira panel that Azure DevOps
//! HTML shows as a quote) is recorded as what each side holds and never reads as an edit.

use tandem_connector::{RichText as VendorText, TextFormat};
use tandem_core::RichText;
use tandem_richtext::Format;

fn format(f: TextFormat) -> Option<Format> {
    match f {
        TextFormat::Adf => Some(Format::Adf),
        TextFormat::JiraWiki => Some(Format::Wiki),
        TextFormat::Html => Some(Format::Html),
        TextFormat::Markdown => Some(Format::Markdown),
        TextFormat::Plain => None,
    }
}

/// Reads a vendor value into the domain's form.
#[must_use]
pub fn read(text: &VendorText) -> RichText {
    match format(text.format) {
        Some(f) => RichText::new(tandem_richtext::parse(f, &text.text)),
        None => RichText::from_plain(&text.text),
    }
}

/// Writes the domain's form in `format`, with a line per construct the format could not carry
/// (for the item's audit entry).
#[must_use]
pub fn write(text: &RichText, to: TextFormat) -> (VendorText, Vec<String>) {
    match format(to) {
        Some(f) => {
            let r = tandem_richtext::render(text.document(), f);
            (
                VendorText::new(to, r.text),
                r.losses.iter().map(ToString::to_string).collect(),
            )
        }
        None => (VendorText::new(to, text.plain_text()), Vec::new()),
    }
}

/// What `text` becomes once written in `to` and read back: the value the target side will
/// hold. Used to tell whether a created item already carries its source's rich text.
#[must_use]
pub fn through(text: &RichText, to: TextFormat) -> RichText {
    read(&write(text, to).0)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn reads_adf_html_and_wiki_into_one_model() {
        let adf = VendorText::new(
            TextFormat::Adf,
            r#"{"type":"doc","version":1,"content":[
                {"type":"paragraph","content":[{"type":"text","text":"Steps "},{"type":"text","text":"here","marks":[{"type":"strong"}]}]}]}"#,
        );
        let html = VendorText::new(TextFormat::Html, "<div><p>Steps <b>here</b></p></div>");
        let wiki = VendorText::new(TextFormat::JiraWiki, "Steps *here*");
        assert_eq!(read(&adf), read(&html));
        assert_eq!(read(&adf), read(&wiki));
        assert_eq!(read(&adf).plain_text(), "Steps **here**");
    }

    proptest! {
        /// Plain paragraphs survive every format exactly, so tandem's own writes of them never
        /// look like edits.
        #[test]
        fn writing_then_reading_is_exact(s in "[a-z&<>\" ]{0,12}(\n{1,3}[a-z&<>; ]{0,12}){0,4}") {
            let v = RichText::from_plain(&s);
            for f in [TextFormat::Adf, TextFormat::Html, TextFormat::JiraWiki, TextFormat::Markdown] {
                prop_assert_eq!(through(&v, f), v.clone(), "{:?}", f);
            }
        }
    }
}
