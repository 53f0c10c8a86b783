//! Faults a simulator half injects into its API responses: latency with jitter, 5xx errors,
//! dropped connections, hangs (client timeouts), an HTML login page where JSON was expected
//! (SSO or proxy interception). Declared per scenario (`[jira.faults]`, `[ado.faults]`) and
//! replaced at run time through `PUT /_sim/faults`. Never applied to `/_sim/`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::rng::Rng;

/// One half's fault settings. Every rate is a probability per request, 0.0 to 1.0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Faults {
    /// Added to every response, in milliseconds.
    pub latency_ms: u64,
    /// Up to this many more milliseconds, drawn uniformly per request.
    pub jitter_ms: u64,
    /// Share of requests answered with `error_status` instead of the real answer.
    pub error_rate: f64,
    /// The status of injected errors (500-599).
    pub error_status: u16,
    /// `Retry-After` seconds sent with injected errors, if any.
    pub error_retry_after: Option<u64>,
    /// Share of requests whose connection is closed with no response at all.
    pub drop_rate: f64,
    /// Share of requests that get no answer for `hang_ms`, then a closed connection.
    pub hang_rate: f64,
    /// How long a hanging request hangs, in milliseconds.
    pub hang_ms: u64,
    /// Answer every request with a 200 HTML sign-in page, as an SSO gateway or an
    /// intercepting proxy in front of the real server does.
    pub html_login: bool,
    /// Only requests whose path starts with one of these prefixes are affected (all if empty).
    pub paths: Vec<String>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            latency_ms: 0,
            jitter_ms: 0,
            error_rate: 0.0,
            error_status: 503,
            error_retry_after: None,
            drop_rate: 0.0,
            hang_rate: 0.0,
            hang_ms: 120_000,
            html_login: false,
            paths: Vec::new(),
        }
    }
}

/// What the fault layer does with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultAction {
    /// Serve normally (after `delay`, possibly zero).
    Pass,
    /// Answer with this 5xx status.
    Error(u16, Option<u64>),
    /// Close the connection without answering.
    Drop,
    /// Wait this long, then close the connection.
    Hang(Duration),
    /// Answer with the HTML sign-in page.
    HtmlLogin,
}

impl Faults {
    /// Checks ranges; the error names the offending key (relative to the faults table).
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        for (key, rate) in [
            ("error_rate", self.error_rate),
            ("drop_rate", self.drop_rate),
            ("hang_rate", self.hang_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err((key, format!("must be between 0.0 and 1.0, got {rate}")));
            }
        }
        if !(500..=599).contains(&self.error_status) {
            return Err((
                "error_status",
                format!("must be a 5xx status, got {}", self.error_status),
            ));
        }
        Ok(())
    }

    /// Whether any fault is switched on.
    pub fn is_active(&self) -> bool {
        self.latency_ms > 0
            || self.jitter_ms > 0
            || self.error_rate > 0.0
            || self.drop_rate > 0.0
            || self.hang_rate > 0.0
            || self.html_login
    }

    fn applies_to(&self, path: &str) -> bool {
        self.paths.is_empty() || self.paths.iter().any(|p| path.starts_with(p.as_str()))
    }

    /// Decides the fate of one request: the added delay and the action.
    pub fn decide(&self, path: &str, rng: &Rng) -> (Duration, FaultAction) {
        if !self.is_active() || !self.applies_to(path) {
            return (Duration::ZERO, FaultAction::Pass);
        }
        let jitter = if self.jitter_ms > 0 {
            rng.below(self.jitter_ms + 1)
        } else {
            0
        };
        let delay = Duration::from_millis(self.latency_ms + jitter);
        let action = if self.html_login {
            FaultAction::HtmlLogin
        } else if rng.chance(self.drop_rate) {
            FaultAction::Drop
        } else if rng.chance(self.hang_rate) {
            FaultAction::Hang(Duration::from_millis(self.hang_ms))
        } else if rng.chance(self.error_rate) {
            FaultAction::Error(self.error_status, self.error_retry_after)
        } else {
            FaultAction::Pass
        };
        (delay, action)
    }
}

/// The page an SSO gateway or intercepting proxy serves instead of the API's JSON.
pub const HTML_LOGIN_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in - Contoso Single Sign-On</title></head>
<body>
<h1>Contoso Single Sign-On</h1>
<p>Your session has expired or you are not signed in. Sign in to continue to the requested page.</p>
<form method="post" action="/adfs/ls/">
<label>Email <input type="email" name="UserName"></label>
<label>Password <input type="password" name="Password"></label>
<button type="submit">Sign in</button>
</form>
</body>
</html>
"#;

/// The body of an injected 5xx, as a load balancer in front of the server would send it.
pub fn error_page(status: u16) -> String {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Server Error");
    format!(
        "<html><head><title>{status} {reason}</title></head><body><h1>{status} {reason}</h1><p>The server is temporarily unable to service your request. Please try again later.</p></body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_faults_pass_everything() {
        let rng = Rng::new(1);
        let f = Faults::default();
        assert_eq!(f.decide("/x", &rng), (Duration::ZERO, FaultAction::Pass));
    }

    #[test]
    fn rates_are_roughly_respected() {
        let rng = Rng::new(7);
        let f = Faults {
            error_rate: 0.25,
            ..Faults::default()
        };
        let errors = (0..4000)
            .filter(|_| matches!(f.decide("/x", &rng).1, FaultAction::Error(503, None)))
            .count();
        assert!((800..1200).contains(&errors), "{errors}");
    }

    #[test]
    fn path_filter_limits_faults() {
        let rng = Rng::new(1);
        let f = Faults {
            drop_rate: 1.0,
            paths: vec!["/rest/api/3/search".into()],
            ..Faults::default()
        };
        assert_eq!(f.decide("/rest/api/3/myself", &rng).1, FaultAction::Pass);
        assert_eq!(
            f.decide("/rest/api/3/search/jql", &rng).1,
            FaultAction::Drop
        );
    }

    #[test]
    fn validation_names_the_key() {
        let f = Faults {
            hang_rate: 2.0,
            ..Faults::default()
        };
        assert_eq!(f.validate().unwrap_err().0, "hang_rate");
        let f = Faults {
            error_status: 404,
            ..Faults::default()
        };
        assert_eq!(f.validate().unwrap_err().0, "error_status");
    }
}
