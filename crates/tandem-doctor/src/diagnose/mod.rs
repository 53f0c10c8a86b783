//! The decision: pure functions from [`Evidence`] to findings. No I/O, no clock (the day is
//! part of the evidence), so every rule is tested with case tables.
//!
//! Each side is walked in the article's order (network, TLS, mode, authentication, identity,
//! token records, project, permissions, JSM role, screens, write probe). A failure that makes
//! later checks meaningless stops the walk for that side and says which checks were skipped:
//! permissions of the wrong account, or of no account at all, answer nothing.

mod ado;
mod jira;
mod text;

pub(crate) use ado::ado_identity_matches;
pub(crate) use jira::{IdentityCheck, check_identity, mode_conflict};

use tandem_config::{Side as ConfigSide, TokenRecord, TokenWarning};
use tandem_connector::error::{ConnectorError, ErrorKind, NetworkProblem, TlsProblem};

use crate::code::{Code, Severity};
use crate::evidence::{Evidence, NetworkPath, SetupError};
use crate::finding::{Finding, FindingEvidence, RecordFacts, Side};

/// Every finding for one profile, Jira side first, each side in the article's order.
pub fn diagnose(evidence: &Evidence) -> Vec<Finding> {
    let mut out = Vec::new();
    jira::diagnose(evidence, &mut out);
    ado::diagnose(evidence, &mut out);
    out
}

/// A finding for a setup problem (nothing was sent).
fn setup_finding(side: Side, e: &SetupError) -> Finding {
    match e {
        SetupError::SecretUnreadable { reference, reason } => Finding::new(
            Code::ConfigSecretUnreadable,
            Severity::Error,
            Some(side),
            format!(
                "The {} token cannot be read from {reference}: {reason}",
                side.label()
            ),
        )
        .fix([
            format!(
                "Make {reference} hold the token (a file: only the token, mode 0600; an env: \
                 variable set for the tandem process), or point `token` in [profile.{}] at \
                 where it is.",
                side_key(side)
            ),
            "Run `tandem doctor` again.".to_owned(),
        ]),
        SetupError::Connection { reason } => Finding::new(
            Code::ConfigConnection,
            Severity::Error,
            Some(side),
            format!(
                "The {} connection settings are unusable: {reason}",
                side.label()
            ),
        )
        .fix([
            format!(
                "Fix `ca_bundle` or `proxy` in [profile.{}] (a PEM file that exists; an \
                 http:// or https:// proxy URL).",
                side_key(side)
            ),
            "Run `tandem doctor` again.".to_owned(),
        ]),
    }
}

fn side_key(side: Side) -> &'static str {
    match side {
        Side::Jira => "jira",
        Side::Ado => "ado",
    }
}

/// The finding for a failure below the product's API (network, proxy, TLS, an HTML page,
/// 5xx, throttling), or `None` when the product itself answered.
fn transport_finding(
    side: Side,
    url: &str,
    e: &ConnectorError,
    path: &NetworkPath,
) -> Option<Finding> {
    let mut ev = FindingEvidence::from_error(e);
    ev.url = Some(url.to_owned());
    ev.proxy.clone_from(&path.proxy);
    let product = side.label();
    let f = match e.kind() {
        ErrorKind::Network { problem, reason } => {
            let what = match problem {
                NetworkProblem::Dns => "the host name does not resolve",
                NetworkProblem::Refused => "the connection is refused",
                NetworkProblem::ConnectTimeout => "connecting times out",
                NetworkProblem::Timeout => "the request times out",
                NetworkProblem::Reset => "the connection is closed mid-request",
                NetworkProblem::Other => "the network fails",
            };
            // The transport's reason (a long error chain) is evidence, not the summary.
            ev.messages.push(reason.clone());
            Finding::new(
                Code::NetUnreachable,
                Severity::Error,
                Some(side),
                format!("{product} cannot be reached at {url}: {what}"),
            )
            .fix([
                format!("Check the URL in [profile.{}]: {url}.", side_key(side)),
                format!(
                    "From this machine, open {url} in a browser or with curl; if it only works \
                     through a proxy, set `proxy` in [profile.{}] (or HTTPS_PROXY).",
                    side_key(side)
                ),
                "Check firewalls between this machine and the server, then run `tandem doctor` \
                 again."
                    .to_owned(),
            ])
        }
        ErrorKind::Proxy { proxy, reason } => Finding::new(
            Code::NetProxy,
            Severity::Error,
            Some(side),
            format!("The proxy {proxy} fails requests to {product}: {reason}"),
        )
        .fix([
            "Check the proxy URL and its credentials (`proxy` in the profile, or HTTPS_PROXY)."
                .to_owned(),
            format!("If {url} should be reached directly, add its host to NO_PROXY.",),
            "Run `tandem doctor` again.".to_owned(),
        ]),
        ErrorKind::Tls {
            problem,
            issuer,
            subject,
            reason,
        } => {
            let issuer = issuer.clone().or_else(|| {
                path.peer_certificate
                    .as_ref()
                    .and_then(|c| c.issuer.clone())
            });
            ev.issuer.clone_from(&issuer);
            ev.subject = subject.clone().or_else(|| {
                path.peer_certificate
                    .as_ref()
                    .and_then(|c| c.subject.clone())
            });
            match problem {
                TlsProblem::UntrustedIssuer => {
                    let by = issuer
                        .as_deref()
                        .map_or_else(|| "an unknown issuer".to_owned(), |i| format!("\"{i}\""));
                    let interception = if issuer.as_deref().is_some_and(looks_like_interception) {
                        "this is a TLS-inspecting proxy intercepting the connection"
                    } else {
                        "not a public CA: a TLS-inspecting proxy is probably intercepting the \
                         connection (or the server uses a private CA)"
                    };
                    Finding::new(
                        Code::NetTlsUntrusted,
                        Severity::Error,
                        Some(side),
                        format!(
                            "The certificate of {url} is issued by {by}, which this machine \
                             does not trust: {interception}"
                        ),
                    )
                    .fix([
                        format!(
                            "Ask your network team whether HTTPS to {product} is inspected, and \
                             for the issuing CA's certificate ({by}) as a PEM file."
                        ),
                        format!(
                            "Save it next to the config and set ca_bundle = \"<that file>\" in \
                             [profile.{}]: tandem then trusts it besides the system's roots \
                             (the article's \"corporate proxies or SSL interception\").",
                            side_key(side)
                        ),
                        "Run `tandem doctor` again.".to_owned(),
                    ])
                }
                other => {
                    let what = match other {
                        TlsProblem::Expired => "has expired or is not yet valid",
                        TlsProblem::WrongHost => "is issued for another host name",
                        _ => "could not be verified",
                    };
                    Finding::new(
                        Code::NetTlsInvalid,
                        Severity::Error,
                        Some(side),
                        format!("The certificate of {url} {what} ({reason})"),
                    )
                    .fix([
                        "Check this machine's clock, and that the URL's host name is the one \
                         the certificate names."
                            .to_owned(),
                        "Ask the server's administrators to renew or fix the certificate, then \
                         run `tandem doctor` again."
                            .to_owned(),
                    ])
                }
            }
        }
        ErrorKind::HtmlInsteadOfJson { title } => {
            let page = title.as_deref().map_or_else(
                || "an HTML page".to_owned(),
                |t| format!("an HTML page (\"{t}\")"),
            );
            Finding::new(
                Code::NetHtmlInsteadOfJson,
                Severity::Error,
                Some(side),
                format!(
                    "{url} answers the REST API with {page} instead of JSON: a single sign-on \
                     gateway, a proxy or a login form stands in front of {product}"
                ),
            )
            .fix([
                format!(
                    "Open {url} from this machine in a private browser window: a sign-in or \
                     block page there is what tandem gets."
                ),
                format!(
                    "Ask the SSO or proxy administrators to let {product}'s REST paths through \
                     for API tokens, or set `url` to the address that serves the API directly."
                ),
                "If a proxy is in the path, check `proxy` / HTTPS_PROXY, then run `tandem \
                 doctor` again."
                    .to_owned(),
            ])
        }
        ErrorKind::Server { status } => Finding::new(
            Code::NetServerError,
            Severity::Error,
            Some(side),
            format!("{product} fails with HTTP {status} at {url}"),
        )
        .fix([
            "Nothing to change in tandem: retry later, and check the product's status page or \
             ask its administrators."
                .to_owned(),
        ]),
        ErrorKind::RateLimited { retry_after, limit } => {
            let wait = retry_after.map_or_else(String::new, |d| {
                format!(", asking to wait {} s", d.as_secs())
            });
            let which = limit
                .as_deref()
                .map_or_else(String::new, |l| format!(" ({l})"));
            Finding::new(
                Code::NetRateLimited,
                Severity::Error,
                Some(side),
                format!("{product} throttles the requests{which}{wait}"),
            )
            .fix([
                "Run `tandem doctor` again later; if other tools share this account, spread \
                 their load or use a dedicated integration account (the article's advice)."
                    .to_owned(),
            ])
        }
        ErrorKind::UnexpectedResponse { detail } => Finding::new(
            Code::NetUnexpectedResponse,
            Severity::Error,
            Some(side),
            format!("Something other than {product}'s REST API answers at {url}: {detail}"),
        )
        .fix([
            format!(
                "Check `url` in [profile.{}]: the site's base URL (no /rest/ path), not a \
                 browser page or another service.",
                side_key(side)
            ),
            "Run `tandem doctor` again.".to_owned(),
        ]),
        ErrorKind::Config { detail } => Finding::new(
            Code::ConfigConnection,
            Severity::Error,
            Some(side),
            format!("The {product} connection settings are unusable: {detail}"),
        )
        .fix([format!(
            "Fix the setting in [profile.{}], then run `tandem doctor` again.",
            side_key(side)
        )]),
        _ => return None,
    };
    Some(f.evidence(ev))
}

/// Issuer names of the common TLS-inspecting products and the words such CAs carry.
fn looks_like_interception(issuer: &str) -> bool {
    let i = issuer.to_ascii_lowercase();
    [
        "inspection",
        "intercept",
        "proxy",
        "firewall",
        "zscaler",
        "fortinet",
        "fortigate",
        "palo alto",
        "netskope",
        "forcepoint",
        "blue coat",
        "bluecoat",
        "sophos",
        "mitm",
        "umbrella",
    ]
    .iter()
    .any(|w| i.contains(w))
}

/// A warning about many 429s that did not stop the probes.
fn throttled_finding(side: Side, path: &NetworkPath) -> Option<Finding> {
    (path.throttled > 0).then(|| {
        Finding::new(
            Code::NetRateLimited,
            Severity::Warning,
            Some(side),
            format!(
                "{} throttled {} of doctor's requests (429); tandem waited as asked",
                side.label(),
                path.throttled
            ),
        )
        .evidence(FindingEvidence {
            throttled: Some(path.throttled),
            ..FindingEvidence::default()
        })
        .fix([
            "Expect the sync to be paced on this site; if other tools share the account, give \
             tandem a dedicated integration account."
                .to_owned(),
        ])
    })
}

pub(crate) fn record_facts(r: &TokenRecord) -> RecordFacts {
    RecordFacts {
        account: r.account.clone(),
        created_by: r.created_by.clone(),
        location: r.location.clone(),
        created: r.created.to_string(),
        expires: r.expires.map(|d| d.to_string()),
        rotation_due: r.rotation_due().map(|d| d.to_string()),
    }
}

/// The recorded expiry of a token that has passed, for the "recorded expiry passed" wording.
fn recorded_expiry_passed(ev: &Evidence, record: Option<&TokenRecord>) -> Option<String> {
    let r = record?;
    r.warnings(ev.today, ev.token_warning_days)
        .into_iter()
        .find(TokenWarning::is_expired)
        .map(|w| w.to_string())
}

/// Token-record findings for one side: `token.expiring`, `token.rotation-due`,
/// `token.unrecorded`, or `token.recorded` when all is well. `auth_failed` drops the expiry
/// warning when the authentication finding already says it.
fn token_findings(
    ev: &Evidence,
    side: Side,
    record: Option<&TokenRecord>,
    auth_failed: bool,
    out: &mut Vec<Finding>,
) {
    let config_side = match side {
        Side::Jira => ConfigSide::Jira,
        Side::Ado => ConfigSide::Ado,
    };
    let record_cmd = format!(
        "tandem token record --profile {} --side {} --created-by <you> --expires <YYYY-MM-DD>",
        ev.profile,
        config_side.as_str()
    );
    let Some(r) = record else {
        out.push(
            Finding::new(
                Code::TokenUnrecorded,
                Severity::Info,
                Some(side),
                format!(
                    "No record of when the {} token was made, by whom, or when it expires: \
                     tandem cannot warn before it lapses",
                    side.label()
                ),
            )
            .fix([format!(
                "Record it (the article: \"Store when and where the token was generated and by \
                 whom\"): {record_cmd}"
            )]),
        );
        return;
    };
    let facts = record_facts(r);
    let warnings = r.warnings(ev.today, ev.token_warning_days);
    let mut any = false;
    for w in warnings {
        let code = match w {
            TokenWarning::Expired { .. } if auth_failed => continue,
            TokenWarning::Expired { .. } | TokenWarning::ExpiresSoon { .. } => Code::TokenExpiring,
            TokenWarning::RotationDue { .. } | TokenWarning::RotationOverdue { .. } => {
                Code::TokenRotationDue
            }
        };
        any = true;
        let summary = match w {
            TokenWarning::Expired { .. } => format!(
                "The {} token's record says it {w}, yet it is still accepted: the record is \
                 out of date or the token will stop any moment",
                side.label()
            ),
            _ => format!("The {} token {w} (token record)", side.label()),
        };
        out.push(
            Finding::new(code, Severity::Warning, Some(side), summary)
                .evidence(FindingEvidence {
                    token_record: Some(facts.clone()),
                    ..FindingEvidence::default()
                })
                .fix([
                    format!(
                        "Sign in as {} and create a new token there ({}).",
                        r.account,
                        text::token_page_hint(side)
                    ),
                    format!(
                        "Store it where the profile's `token` points, then record it: \
                         {record_cmd} (the article: \"Rotate on a predictable schedule\")."
                    ),
                ]),
        );
    }
    if !any && !auth_failed {
        let expiry = facts
            .expires
            .as_deref()
            .map_or_else(|| "no expiry".to_owned(), |e| format!("expires {e}"));
        out.push(
            Finding::new(
                Code::TokenRecorded,
                Severity::Ok,
                Some(side),
                format!(
                    "token recorded: made {} by {} for {}, {expiry}",
                    facts.created, facts.created_by, facts.account
                ),
            )
            .evidence(FindingEvidence {
                token_record: Some(facts),
                ..FindingEvidence::default()
            }),
        );
    }
}

#[cfg(test)]
pub(crate) mod tests;
