//! Redaction: what of a request or response may appear in an error, a log line or a report.
//!
//! Two layers. Headers are captured through an allow-list ([`DIAGNOSTIC_HEADERS`]) so
//! credentials and cookies never get in; and every text that does get in (bodies, messages,
//! library error strings) passes through a [`Scrubber`] that knows the connector's own secrets
//! and removes them however they are spelled (raw, Basic-encoded, URL-encoded).

use base64::Engine as _;
use http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};

/// Response headers worth keeping as evidence. Everything else is dropped.
pub const DIAGNOSTIC_HEADERS: &[&str] = &[
    // Jira (research jira-api.md §1.1, §7).
    "X-Seraph-LoginReason",
    "X-Authentication-Denied-Reason",
    "X-AUSERNAME",
    "X-AACCOUNTID",
    "WWW-Authenticate",
    "Retry-After",
    "RateLimit-Reason",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-RateLimit-NearLimit",
    "X-RateLimit-FillRate",
    "X-RateLimit-Interval-Seconds",
    "X-ArequestId",
    // Azure DevOps (research ado-api.md §2, §5).
    "X-TFS-ServiceError",
    "X-VSS-AuthenticateError",
    "X-TFS-FedAuthRealm",
    "X-TFS-FedAuthIssuer",
    "X-RateLimit-Resource",
    "X-RateLimit-Delay",
    "ActivityId",
    "X-TFS-Session",
    "X-VSS-E2EID",
    "X-MSEdge-Ref",
    "Location",
    "Server",
    "Via",
    "Proxy-Authenticate",
];

/// Headers whose values are never shown, whatever the context.
pub const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-vss-userdata",
];

/// The allow-listed headers of a response, values decoded where the product URL-encodes them,
/// each scrubbed and clipped.
pub fn diagnostic_headers(headers: &HeaderMap, scrubber: &Scrubber) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for name in DIAGNOSTIC_HEADERS {
        for value in headers.get_all(*name) {
            let raw = String::from_utf8_lossy(value.as_bytes()).into_owned();
            // Azure DevOps URL-encodes X-TFS-ServiceError (research ado-api.md §2).
            let text = if name.eq_ignore_ascii_case("X-TFS-ServiceError") {
                percent_decode(&raw)
            } else {
                raw
            };
            out.push(((*name).to_owned(), clip(&scrubber.scrub(&text), 300)));
        }
    }
    out
}

/// All headers with sensitive values replaced, for debug logging of a request or response.
pub fn redacted_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            let value = if SENSITIVE_HEADERS.contains(&k.as_str()) {
                "[redacted]".to_owned()
            } else {
                String::from_utf8_lossy(v.as_bytes()).into_owned()
            };
            (k.as_str().to_owned(), value)
        })
        .collect()
}

/// `scheme://host[:port]/path` of a URL: no user info, query or fragment.
pub fn url_without_query(url: &url::Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// A URL with its password (if any) replaced, for showing a proxy setting.
pub fn url_without_password(url: &url::Url) -> String {
    let mut u = url.clone();
    if u.password().is_some() {
        let _ = u.set_password(Some("redacted"));
    }
    u.to_string()
}

/// At most `max` characters of `s`, with an ellipsis when cut.
pub fn clip(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push('…');
    out
}

/// Decodes `%XX` escapes (and `+` as space), leaving malformed escapes as they are.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Removes known secrets from text. Built by each connector from its credentials; holds the
/// secrets in `SecretString` and never prints them.
#[derive(Clone, Default)]
pub struct Scrubber {
    needles: Vec<SecretString>,
}

impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scrubber({} secrets)", self.needles.len())
    }
}

impl Scrubber {
    /// A scrubber for nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a secret, together with the spellings it may take on the wire: Basic-encoded with
    /// any of the given user names, and URL-encoded.
    pub fn add(&mut self, secret: &SecretString, basic_users: &[&str]) {
        let raw = secret.expose_secret();
        if raw.len() < 4 {
            // Too short to scrub without mangling ordinary text; such a secret is refused by
            // config validation anyway.
            return;
        }
        self.needles.push(SecretString::from(raw.to_owned()));
        for user in basic_users {
            let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{raw}"));
            self.needles.push(SecretString::from(encoded));
        }
        let url_encoded: String = url::form_urlencoded::byte_serialize(raw.as_bytes()).collect();
        if url_encoded != raw {
            self.needles.push(SecretString::from(url_encoded));
        }
    }

    /// `text` with every known secret replaced by `[redacted]`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for n in &self.needles {
            let n = n.expose_secret();
            if out.contains(n) {
                out = out.replace(n, "[redacted]");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubber_catches_raw_basic_and_urlencoded_forms() {
        let mut s = Scrubber::new();
        s.add(
            &SecretString::from("canary+tok/en=1".to_owned()),
            &["", "bot@example.com"],
        );
        let basic = base64::engine::general_purpose::STANDARD.encode(":canary+tok/en=1");
        let text = format!("a canary+tok/en=1 b {basic} c canary%2Btok%2Fen%3D1");
        let out = s.scrub(&text);
        assert!(!out.contains("canary"), "{out}");
        assert!(!out.contains(&basic), "{out}");
        assert_eq!(out.matches("[redacted]").count(), 3);
        assert_eq!(format!("{s:?}"), "Scrubber(4 secrets)");
    }

    #[test]
    fn headers_are_allow_listed_and_decoded() {
        let mut h = HeaderMap::new();
        h.insert("authorization", "Basic c2VjcmV0".parse().unwrap());
        h.insert("set-cookie", "JSESSIONID=abc".parse().unwrap());
        h.insert(
            "x-tfs-serviceerror",
            "Access%20Denied%3A%20expired".parse().unwrap(),
        );
        let out = diagnostic_headers(&h, &Scrubber::new());
        assert_eq!(
            out,
            vec![(
                "X-TFS-ServiceError".to_owned(),
                "Access Denied: expired".to_owned()
            )]
        );
        let all = redacted_headers(&h);
        assert!(
            all.iter()
                .any(|(k, v)| k == "authorization" && v == "[redacted]")
        );
        assert!(
            all.iter()
                .any(|(k, v)| k == "set-cookie" && v == "[redacted]")
        );
    }

    #[test]
    fn urls_lose_query_and_credentials() {
        let u = url::Url::parse("https://u:p@h.example/a/b?jql=x#f").unwrap();
        assert_eq!(url_without_query(&u), "https://h.example/a/b");
        assert_eq!(
            url_without_password(&u),
            "https://u:redacted@h.example/a/b?jql=x#f"
        );
    }

    #[test]
    fn percent_decode_is_lenient() {
        assert_eq!(percent_decode("a%20b%ZZ%"), "a b%ZZ%");
    }
}
