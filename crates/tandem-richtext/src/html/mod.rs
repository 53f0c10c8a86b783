//! HTML as Azure DevOps stores it in rich-text fields and comments.

mod read;
mod write;

pub(crate) use read::{read, read_blocks};
pub use write::ALLOWED_TAGS;
pub(crate) use write::write;

/// URL schemes tandem writes into links and images: the web ones, mail, and relative or
/// fragment references. Never `javascript:`, `data:` (except images), `vbscript:` or others.
pub(crate) fn safe_url(url: &str) -> bool {
    let lower: String = url
        .trim()
        .chars()
        .filter(|c| !c.is_ascii_control() && !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    match lower.split_once(':') {
        // No scheme (relative) when the colon comes after a path, query or fragment character.
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => {
            matches!(scheme, "http" | "https" | "mailto" | "ftp")
                || (scheme == "data"
                    && lower.starts_with("data:image/")
                    && !lower.starts_with("data:image/svg"))
        }
        _ => true,
    }
}
