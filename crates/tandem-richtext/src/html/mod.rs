//! HTML as Azure DevOps stores it in rich-text fields and comments.

mod dom;
mod read;
mod write;

pub(crate) use read::{read, read_blocks};
pub use write::ALLOWED_TAGS;
pub(crate) use write::write;

/// URL schemes tandem writes into links and images: the web ones, mail, and relative or
/// fragment references. Never `javascript:`, `data:` (except images), `vbscript:` or others.
///
/// The scheme is read from the URL with every control character and whitespace taken out and
/// ASCII letters lower-cased (so `Java\tScript:` is caught), without building that string.
pub(crate) fn safe_url(url: &str) -> bool {
    let mut chars = url
        .chars()
        .filter(|c| !c.is_ascii_control() && !c.is_whitespace())
        .map(|c| c.to_ascii_lowercase());
    // The longest scheme allowed is `mailto`.
    let mut scheme = [0u8; 6];
    let mut len = 0;
    let mut fits = true;
    loop {
        match chars.next() {
            // No scheme (relative) without a colon, or when the colon comes after a path, query
            // or fragment character.
            None | Some('/' | '?' | '#') => return true,
            Some(':') => break,
            Some(c) => match (u8::try_from(c), scheme.get_mut(len)) {
                (Ok(b), Some(slot)) if fits => {
                    *slot = b;
                    len += 1;
                }
                _ => fits = false,
            },
        }
    }
    if !fits {
        return false;
    }
    match &scheme[..len] {
        b"http" | b"https" | b"mailto" | b"ftp" => true,
        b"data" => chars.by_ref().take(6).eq("image/".chars()) && !chars.take(3).eq("svg".chars()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    /// The definition `safe_url` implements, written the obvious way.
    fn reference(url: &str) -> bool {
        let lower: String = url
            .trim()
            .chars()
            .filter(|c| !c.is_ascii_control() && !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        match lower.split_once(':') {
            Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => {
                matches!(scheme, "http" | "https" | "mailto" | "ftp")
                    || (scheme == "data"
                        && lower.starts_with("data:image/")
                        && !lower.starts_with("data:image/svg"))
            }
            _ => true,
        }
    }

    #[test]
    fn known_urls() {
        for (url, safe) in [
            ("https://example.com/a", true),
            ("HTTP://x", true),
            ("mailto:a@b.c", true),
            ("ftp://f", true),
            ("/relative:colon", true),
            ("?q=a:b", true),
            ("#frag:x", true),
            ("no-colon", true),
            ("", true),
            ("javascript:alert(1)", false),
            (" Java\tScript :x", false),
            ("vbscript:x", false),
            ("data:image/png;base64,AA", true),
            ("DATA: image/PNG,x", true),
            ("data:image/svg+xml,x", false),
            ("data:image/sv", true),
            ("data:text/html,x", false),
            ("data:", false),
            ("mailtox:y", false),
            ("htt\u{e9}p:x", false),
        ] {
            assert_eq!(super::safe_url(url), safe, "{url:?}");
            assert_eq!(reference(url), safe, "{url:?}");
        }
    }

    proptest! {
        #[test]
        fn agrees_with_the_definition(url in "[ \t\u{1}\u{a0}\u{e9}:/?#a-zA-Z+]{0,6}(http|https|mailto|ftp|data|javascript|image/|svg|:|/)?[ :/?#a-zA-Z\u{7f}]{0,12}") {
            prop_assert_eq!(super::safe_url(&url), reference(&url));
        }
    }
}
