//! Jira's half of error classification: how Jira says "who are you", "not allowed", "not on
//! the screen", "slow down". Facts from research jira-api.md §1-§4 and §7; the unit tests
//! replay the recorded responses quoted there.

use serde_json::Value;
use tandem_connector::error::{AuthProblem, ErrorKind, FieldProblem, Side};
use tandem_connector::transport::{Dialect, Exchange};

/// The Jira dialect.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct JiraDialect;

/// `X-Seraph-LoginReason` may be a comma list (`OUT, OK`).
fn login_reasons(x: &Exchange<'_>) -> Vec<String> {
    x.response
        .header("X-Seraph-LoginReason")
        .map(|v| {
            v.split(',')
                .map(|p| p.trim().to_ascii_uppercase())
                .collect()
        })
        .unwrap_or_default()
}

/// `CAPTCHA_CHALLENGE; login-url=https://host/login.jsp` -> the URL.
fn captcha_login_url(x: &Exchange<'_>) -> Option<String> {
    let v = x.response.header("X-Authentication-Denied-Reason")?;
    v.split(';').find_map(|p| {
        p.trim()
            .strip_prefix("login-url=")
            .map(|u| u.trim().to_owned())
    })
}

/// The per-field messages of an `ErrorCollection` body.
pub(crate) fn field_problems(body: &[u8]) -> Vec<FieldProblem> {
    let Ok(Value::Object(o)) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    match o.get("errors") {
        Some(Value::Object(errors)) => errors
            .iter()
            .map(|(k, v)| FieldProblem {
                field: k.clone(),
                message: v.as_str().map_or_else(|| v.to_string(), str::to_owned),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Jira's answer when a field cannot be set: it is said alike for "not on the screen" and
/// "no Create/Edit permission" (JRASERVER-44003, JRASERVER-67013).
pub(crate) fn is_cannot_be_set(message: &str) -> bool {
    message.contains("cannot be set") && message.contains("appropriate screen")
}

impl Dialect for JiraDialect {
    fn side(&self) -> Side {
        Side::Jira
    }

    fn body_messages(&self, body: &[u8]) -> (Vec<String>, Option<String>) {
        let mut messages = Vec::new();
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(o)) => {
                if let Some(Value::Array(a)) = o.get("errorMessages") {
                    messages.extend(a.iter().filter_map(Value::as_str).map(str::to_owned));
                }
                if let Some(Value::Object(errors)) = o.get("errors") {
                    for (k, v) in errors {
                        messages.push(format!(
                            "{k}: {}",
                            v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                        ));
                    }
                }
                // 401 `{"message","status-code"}`; gateway `{"code":401,"message":...}`;
                // Bearer on Cloud `{"error": ...}`; JSM `{"errorMessage": ...}`.
                for key in ["message", "error", "errorMessage"] {
                    if let Some(Value::String(s)) = o.get(key) {
                        messages.push(s.clone());
                    }
                }
            }
            Ok(Value::String(s)) => messages.push(s),
            _ => {
                let text = String::from_utf8_lossy(body);
                let t = text.trim();
                if let (Some(a), Some(b)) = (t.find("<message>"), t.find("</message>"))
                    && a + 9 <= b
                {
                    // XML 401 body (Accept: application/xml).
                    messages.push(t[a + 9..b].to_owned());
                } else if !t.is_empty() && !t.starts_with('<') && t.len() <= 500 {
                    // Plain-text 401 body.
                    messages.push(t.to_owned());
                }
            }
        }
        (messages, None)
    }

    fn classify(&self, x: &Exchange<'_>) -> Option<ErrorKind> {
        let status = x.response.status.as_u16();
        let reasons = login_reasons(x);
        let msgs = &x.evidence.messages;
        let said = |needle: &str| msgs.iter().any(|m| m.contains(needle));

        // CAPTCHA lock: 403 + AUTHENTICATION_DENIED (old servers even on a 200).
        if reasons.iter().any(|r| r == "AUTHENTICATION_DENIED")
            || x.response
                .header("X-Authentication-Denied-Reason")
                .is_some_and(|v| v.contains("CAPTCHA"))
        {
            return Some(ErrorKind::Unauthenticated {
                problem: AuthProblem::Captcha {
                    login_url: captcha_login_url(x),
                },
            });
        }
        // The article's "You cannot create issues in this project" (createmeta on a project
        // without Create Issues answers it with a 404; research jira-api.md §4).
        if status >= 400 && said("You cannot create issues in this project") {
            return Some(ErrorKind::PermissionDenied {
                operation: "create issues (CREATE_ISSUES is missing)".to_owned(),
                project: x.intent.project.clone(),
            });
        }
        if (200..300).contains(&status) {
            // Credentials rejected, answered as anonymous (expired/revoked token; §1.2, §2).
            if reasons.iter().any(|r| r == "AUTHENTICATED_FAILED") {
                return Some(ErrorKind::Unauthenticated {
                    problem: AuthProblem::AnonymousFallback,
                });
            }
            return None;
        }
        match status {
            401 => {
                if said("scope does not match") {
                    return Some(ErrorKind::Unauthenticated {
                        problem: AuthProblem::ScopeMismatch,
                    });
                }
                Some(ErrorKind::Unauthenticated {
                    problem: AuthProblem::Rejected,
                })
            }
            403 if said("Failed to parse Connect Session Auth Token") => {
                Some(ErrorKind::Unauthenticated {
                    problem: AuthProblem::BearerNotAccepted,
                })
            }
            400 | 422 => {
                // "The value 'X' does not exist for the field 'project'." (§4)
                if let Some(m) = msgs.iter().find(|m| m.contains("for the field 'project'")) {
                    let what = m
                        .split('\'')
                        .nth(1)
                        .map_or_else(|| "the project".to_owned(), |p| format!("project {p}"));
                    return Some(ErrorKind::NotFoundOrHidden { what });
                }
                let fields = field_problems(&x.response.body);
                if !fields.is_empty() {
                    return Some(ErrorKind::Validation { fields });
                }
                None
            }
            404 => {
                // DC has no REST API v3: a 404 on an endpoint every Cloud site has (§1.3).
                let url = &x.request.url;
                if url.contains("/rest/api/3/")
                    && (url.ends_with("/serverInfo") || url.ends_with("/myself"))
                {
                    return Some(ErrorKind::ApiVersion {
                        requested: "REST API 3".to_owned(),
                        supported: Some("2 (a Data Center / Server site)".to_owned()),
                    });
                }
                None
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use tandem_connector::error::{Evidence, RequestInfo};
    use tandem_connector::http::RawResponse;
    use tandem_connector::redact::{Scrubber, diagnostic_headers};
    use tandem_connector::transport::{Intent, generic_kind};

    /// Replays a recorded response through the dialect and the generic rules, as the
    /// transport does.
    fn classify(status: u16, headers: &[(&str, &str)], body: &str, url: &str) -> Option<ErrorKind> {
        let mut h = http::HeaderMap::new();
        for (k, v) in headers {
            h.append(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        let response = RawResponse {
            status: http::StatusCode::from_u16(status).unwrap(),
            headers: h,
            body: Bytes::from(body.to_owned()),
        };
        let (messages, code) = JiraDialect.body_messages(&response.body);
        let evidence = Evidence {
            status: Some(status),
            headers: diagnostic_headers(&response.headers, &Scrubber::new()),
            messages,
            code,
            ..Evidence::default()
        };
        let request = RequestInfo {
            method: "GET".into(),
            url: url.into(),
        };
        let intent = Intent::new("create an issue")
            .project("DEMO")
            .target("issue DEMO-7");
        let x = Exchange {
            request: &request,
            response: &response,
            evidence: &evidence,
            intent: &intent,
        };
        JiraDialect.classify(&x).or_else(|| generic_kind(&x))
    }

    const MYSELF: &str = "https://x.atlassian.net/rest/api/3/myself";

    #[test]
    fn wrong_or_expired_token_on_myself_is_rejected() {
        let k = classify(
            401,
            &[
                ("X-Seraph-LoginReason", "AUTHENTICATED_FAILED"),
                ("Content-Type", "application/json"),
            ],
            r#"{"message":"Client must be authenticated to access this resource.","status-code":401}"#,
            MYSELF,
        );
        assert_eq!(
            k,
            Some(ErrorKind::Unauthenticated {
                problem: AuthProblem::Rejected
            })
        );
    }

    #[test]
    fn expired_token_on_anonymous_endpoint_is_anonymous_fallback() {
        let k = classify(
            200,
            &[
                ("X-Seraph-LoginReason", "AUTHENTICATED_FAILED"),
                ("Content-Type", "application/json"),
            ],
            r#"{"self":"x","maxResults":50,"startAt":0,"total":0,"isLast":true,"values":[]}"#,
            "https://x.atlassian.net/rest/api/3/project/search",
        );
        assert_eq!(
            k,
            Some(ErrorKind::Unauthenticated {
                problem: AuthProblem::AnonymousFallback
            })
        );
    }

    #[test]
    fn out_ok_login_reason_is_fine() {
        let k = classify(200, &[("X-Seraph-LoginReason", "OUT, OK")], "{}", MYSELF);
        assert_eq!(k, None);
    }

    #[test]
    fn classic_token_as_bearer_on_cloud() {
        let k = classify(
            403,
            &[],
            r#"{"error": "Failed to parse Connect Session Auth Token"}"#,
            MYSELF,
        );
        assert_eq!(
            k,
            Some(ErrorKind::Unauthenticated {
                problem: AuthProblem::BearerNotAccepted
            })
        );
    }

    #[test]
    fn scoped_token_missing_scope_on_gateway() {
        let k = classify(
            401,
            &[],
            r#"{"code":401,"message":"Unauthorized; scope does not match"}"#,
            "https://api.atlassian.com/ex/jira/abc/rest/api/3/myself",
        );
        assert_eq!(
            k,
            Some(ErrorKind::Unauthenticated {
                problem: AuthProblem::ScopeMismatch
            })
        );
    }

    #[test]
    fn captcha_lock_names_the_login_url() {
        let k = classify(
            403,
            &[
                ("X-Seraph-LoginReason", "AUTHENTICATION_DENIED"),
                (
                    "X-Authentication-Denied-Reason",
                    "CAPTCHA_CHALLENGE; login-url=https://jira.example.com/login.jsp",
                ),
                ("Content-Type", "text/html;charset=UTF-8"),
            ],
            "<html><head><title>Forbidden (403)</title></head></html>",
            "https://jira.example.com/rest/api/2/myself",
        );
        assert_eq!(
            k,
            Some(ErrorKind::Unauthenticated {
                problem: AuthProblem::Captcha {
                    login_url: Some("https://jira.example.com/login.jsp".into())
                }
            })
        );
    }

    #[test]
    fn cannot_be_set_is_validation_with_fields() {
        let k = classify(
            400,
            &[],
            r#"{"errorMessages":[],"errors":{"summary":"Field 'summary' cannot be set. It is not on the appropriate screen, or unknown.","description":"Field 'description' cannot be set. It is not on the appropriate screen, or unknown."}}"#,
            "https://x.atlassian.net/rest/api/3/issue",
        );
        let Some(ErrorKind::Validation { fields }) = k else {
            panic!("{k:?}")
        };
        assert_eq!(fields.len(), 2);
        assert!(fields.iter().all(|f| is_cannot_be_set(&f.message)));
        assert_eq!(fields[0].field, "description");
    }

    #[test]
    fn invisible_project_on_create() {
        let k = classify(
            400,
            &[],
            r#"{"errorMessages":["The value 'FACILITIES' does not exist for the field 'project'."],"errors":{}}"#,
            "https://x.atlassian.net/rest/api/3/issue",
        );
        assert_eq!(
            k,
            Some(ErrorKind::NotFoundOrHidden {
                what: "project FACILITIES".into()
            })
        );
    }

    #[test]
    fn invisible_issue_is_not_found_or_hidden() {
        let k = classify(
            404,
            &[],
            r#"{"errorMessages":["Issue does not exist or you do not have permission to see it."],"errors":{}}"#,
            "https://x.atlassian.net/rest/api/3/issue/DEMO-7",
        );
        assert_eq!(
            k,
            Some(ErrorKind::NotFoundOrHidden {
                what: "issue DEMO-7".into()
            })
        );
    }

    #[test]
    fn rest_api_3_on_data_center() {
        let k = classify(
            404,
            &[("Content-Type", "text/html")],
            "<html></html>",
            "https://jira.example.com/rest/api/3/serverInfo",
        );
        assert!(matches!(k, Some(ErrorKind::ApiVersion { .. })), "{k:?}");
    }

    #[test]
    fn old_search_removed_is_api_version() {
        let k = classify(
            410,
            &[],
            r#"{"errorMessages":["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."]}"#,
            "https://x.atlassian.net/rest/api/3/search",
        );
        assert!(matches!(k, Some(ErrorKind::ApiVersion { .. })), "{k:?}");
    }

    #[test]
    fn rate_limited_with_reason() {
        let k = classify(
            429,
            &[
                ("Retry-After", "7"),
                ("RateLimit-Reason", "jira-per-issue-on-write"),
            ],
            "",
            "https://x.atlassian.net/rest/api/3/issue/10001",
        );
        assert_eq!(
            k,
            Some(ErrorKind::RateLimited {
                retry_after: Some(std::time::Duration::from_secs(7)),
                limit: Some("jira-per-issue-on-write".into())
            })
        );
    }

    #[test]
    fn login_page_instead_of_json() {
        let k = classify(
            200,
            &[("Content-Type", "text/html")],
            "<!DOCTYPE html><html><head><title>Log in - Jira</title></head></html>",
            "https://jira.example.com/rest/api/2/myself",
        );
        assert_eq!(
            k,
            Some(ErrorKind::HtmlInsteadOfJson {
                title: Some("Log in - Jira".into())
            })
        );
    }

    #[test]
    fn data_center_wrong_password_html_401() {
        let k = classify(
            401,
            &[
                ("X-Seraph-LoginReason", "AUTHENTICATED_FAILED"),
                ("Content-Type", "text/html"),
            ],
            "<html><title>Unauthorized (401)</title>Basic Authentication Failure - Reason : AUTHENTICATED_FAILED</html>",
            "https://jira.example.com/rest/api/2/myself",
        );
        assert_eq!(
            k,
            Some(ErrorKind::Unauthenticated {
                problem: AuthProblem::Rejected
            })
        );
    }

    #[test]
    fn forbidden_names_operation_and_project() {
        let k = classify(
            403,
            &[],
            r#"{"errorMessages":["You do not have permission."]}"#,
            "https://x/rest/api/3/issue",
        );
        assert_eq!(
            k,
            Some(ErrorKind::PermissionDenied {
                operation: "create an issue".into(),
                project: Some("DEMO".into())
            })
        );
    }

    #[test]
    fn cannot_create_in_this_project() {
        let k = classify(
            404,
            &[],
            r#"{"errorMessages":["You cannot create issues in this project."],"errors":{}}"#,
            "https://x.atlassian.net/rest/api/3/issue/createmeta/DEMO/issuetypes",
        );
        assert_eq!(
            k,
            Some(ErrorKind::PermissionDenied {
                operation: "create issues (CREATE_ISSUES is missing)".into(),
                project: Some("DEMO".into())
            })
        );
    }

    #[test]
    fn server_error_and_xml_401() {
        assert_eq!(
            classify(502, &[], "", MYSELF),
            Some(ErrorKind::Server { status: 502 })
        );
        let (m, _) = JiraDialect.body_messages(
            b"<status><status-code>401</status-code><message>Client must be authenticated to access this resource.</message></status>",
        );
        assert_eq!(
            m,
            vec!["Client must be authenticated to access this resource.".to_owned()]
        );
        let (m, _) =
            JiraDialect.body_messages(b"Client must be authenticated to access this resource.");
        assert_eq!(m.len(), 1);
    }
}
