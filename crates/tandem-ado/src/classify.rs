//! Azure DevOps' half of error classification. Its errors are "WrappedException" bodies
//! (`message`, `typeKey`, `customProperties`) whose `typeKey` and `TF`/`VS` number say more
//! than the status (research ado-api.md §4: "match on typeKey first, then the TF/VS prefix;
//! status codes are not unique"). The unit tests replay the responses quoted there.

use serde_json::Value;
use tandem_connector::error::{AuthProblem, ErrorKind, FieldProblem, Side};
use tandem_connector::transport::{Dialect, Exchange};

/// The Azure DevOps dialect.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AdoDialect;

/// The first `TF123456` / `VS123456` code in a message.
pub(crate) fn tf_code(message: &str) -> Option<String> {
    let bytes = message.as_bytes();
    for (i, w) in bytes.windows(2).enumerate() {
        if (w == b"TF" || w == b"VS") && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let digits: String = message[i + 2..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if digits.len() >= 3 {
                return Some(format!("{}{digits}", &message[i..i + 2]));
            }
        }
    }
    None
}

/// "The latest REST API version this server supports is 6.0." -> `6.0`.
fn supported_version(message: &str) -> Option<String> {
    let idx = message.find("supports is ")?;
    let rest = &message[idx + "supports is ".len()..];
    let v: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let v = v.trim_end_matches('.').to_owned();
    (!v.is_empty()).then_some(v)
}

/// "The requested REST API version of 7.1 is out of range" -> `7.1`.
fn requested_version(message: &str) -> Option<String> {
    let idx = message
        .find("version of ")
        .map(|i| i + "version of ".len())
        .or_else(|| {
            message
                .find("requested version \"")
                .map(|i| i + "requested version \"".len())
        })?;
    let v: String = message[idx..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
        .collect();
    (!v.is_empty()).then_some(v)
}

fn body_json(body: &[u8]) -> Option<serde_json::Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) => Some(o),
        _ => None,
    }
}

/// `customProperties.RuleValidationErrors[]` of a TF401320, or the field named in a
/// TF51535 / unknown-identity / invalid-tree message.
fn rule_errors(body: &[u8], message: &str) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    if let Some(o) = body_json(body)
        && let Some(cp) = o.get("customProperties")
    {
        if let Some(Value::Array(list)) = cp.get("RuleValidationErrors") {
            for e in list {
                let field = e
                    .get("fieldReferenceName")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let msg = e
                    .get("errorMessage")
                    .and_then(Value::as_str)
                    .unwrap_or(message);
                out.push(FieldProblem {
                    field: field.to_owned(),
                    message: msg.to_owned(),
                });
            }
        } else if let Some(Value::String(field)) = cp.get("ReferenceName") {
            out.push(FieldProblem {
                field: field.clone(),
                message: message.to_owned(),
            });
        }
    }
    if out.is_empty() && !message.is_empty() {
        // "TF401320: Rule Error for field Title. ...", "TF51535: Cannot find field X."
        let field = message
            .split("for field ")
            .nth(1)
            .or_else(|| message.split("Cannot find field ").nth(1))
            .or_else(|| message.split("field '").nth(1))
            .map(|r| {
                let end = [r.find(". "), r.find('\'')]
                    .into_iter()
                    .flatten()
                    .min()
                    .unwrap_or(r.len());
                r[..end].trim().trim_end_matches('.').to_owned()
            })
            .unwrap_or_default();
        out.push(FieldProblem {
            field,
            message: message.to_owned(),
        });
    }
    out
}

impl Dialect for AdoDialect {
    fn side(&self) -> Side {
        Side::Ado
    }

    fn body_messages(&self, body: &[u8]) -> (Vec<String>, Option<String>) {
        let Some(o) = body_json(body) else {
            return (Vec::new(), None);
        };
        let message = o.get("message").and_then(Value::as_str).map(str::to_owned);
        let type_key = o.get("typeKey").and_then(Value::as_str).map(str::to_owned);
        let code = message.as_deref().and_then(tf_code).or(type_key.clone());
        let mut messages: Vec<String> = message.into_iter().collect();
        if let (Some(tk), Some(c)) = (&type_key, &code)
            && tk != c
        {
            messages.push(format!("typeKey: {tk}"));
        }
        (messages, code)
    }

    fn classify(&self, x: &Exchange<'_>) -> Option<ErrorKind> {
        let status = x.response.status.as_u16();
        let o = body_json(&x.response.body);
        let type_key = o
            .as_ref()
            .and_then(|o| o.get("typeKey"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let message = o
            .as_ref()
            .and_then(|o| o.get("message"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let code = tf_code(message).unwrap_or_default();
        let service_error = x
            .evidence
            .header("X-TFS-ServiceError")
            .unwrap_or_default()
            .to_owned();

        // The sign-in flow instead of a 401 (no Suppress header honoured, or a proxy):
        // 203 + HTML, or a redirect to the sign-in page (research ado-api.md §2).
        if status == 203 && x.response.is_html() {
            return Some(ErrorKind::Unauthenticated {
                problem: AuthProblem::SignInRedirect,
            });
        }
        if (300..400).contains(&status) {
            let location = x
                .response
                .header("location")
                .unwrap_or_default()
                .to_ascii_lowercase();
            if x.response.header("X-TFS-FedAuthRealm").is_some()
                || location.contains("_signin")
                || location.contains("login")
            {
                return Some(ErrorKind::Unauthenticated {
                    problem: AuthProblem::SignInRedirect,
                });
            }
            return None;
        }
        if (200..300).contains(&status) {
            return None;
        }
        match status {
            401 => {
                let expired =
                    message.contains("has expired") || service_error.contains("has expired");
                let problem = if expired {
                    AuthProblem::Expired
                } else if code == "TF400813"
                    || type_key == "UnauthorizedRequestException"
                    || type_key == "InvalidAccessException"
                {
                    AuthProblem::NotAuthorizedForResource
                } else {
                    AuthProblem::Rejected
                };
                Some(ErrorKind::Unauthenticated { problem })
            }
            _ if code == "TF237111" => Some(ErrorKind::PermissionDenied {
                operation: format!("{} (Edit work items in this node)", x.intent.operation),
                project: x.intent.project.clone(),
            }),
            _ if code == "TF401322" => Some(ErrorKind::PermissionDenied {
                operation: "bypass rules on work item updates".to_owned(),
                project: x.intent.project.clone(),
            }),
            _ if type_key == "VssVersionOutOfRangeException" => Some(ErrorKind::ApiVersion {
                requested: requested_version(message).unwrap_or_default(),
                supported: supported_version(message),
            }),
            _ if type_key == "VssInvalidPreviewVersionException" => Some(ErrorKind::ApiVersion {
                requested: requested_version(message).unwrap_or_default(),
                supported: None,
            }),
            412 => Some(ErrorKind::StaleRevision {
                expected: x.intent.guard.clone().unwrap_or_default(),
                actual: None,
            }),
            400 if code == "TF401320"
                || code == "TF51535"
                || code == "TF401347"
                || code == "TF200005"
                || type_key == "RuleValidationException"
                || type_key == "WorkItemFieldInvalidException" =>
            {
                Some(ErrorKind::Validation {
                    fields: rule_errors(&x.response.body, message),
                })
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

    fn classify_full(
        status: u16,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (Option<ErrorKind>, Evidence) {
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
        let (messages, code) = AdoDialect.body_messages(&response.body);
        let evidence = Evidence {
            status: Some(status),
            headers: diagnostic_headers(&response.headers, &Scrubber::new()),
            messages,
            code,
            ..Evidence::default()
        };
        let request = RequestInfo {
            method: "PATCH".into(),
            url: "https://dev.azure.com/demo/Demo/_apis/wit/workitems/7".into(),
        };
        let intent = Intent::new("save a work item")
            .project("Demo\\Web")
            .target("work item 7")
            .guard("4");
        let x = Exchange {
            request: &request,
            response: &response,
            evidence: &evidence,
            intent: &intent,
        };
        (
            AdoDialect.classify(&x).or_else(|| generic_kind(&x)),
            evidence,
        )
    }

    fn classify(status: u16, headers: &[(&str, &str)], body: &str) -> Option<ErrorKind> {
        classify_full(status, headers, body).0
    }

    const EXPIRED: &str = r#"{"$id":"1","customProperties":{"Descriptor":null,"IdentityDisplayName":null,"Token":null,"RequestedPermissions":0,"NamespaceId":"00000000-0000-0000-0000-000000000000"},"innerException":null,"message":"Access Denied: The Personal Access Token used has expired.","typeName":"Microsoft.VisualStudio.Services.Security.AccessCheckException, Microsoft.VisualStudio.Services.WebApi","typeKey":"AccessCheckException","errorCode":0,"eventId":3000}"#;

    #[test]
    fn expired_pat() {
        let (k, ev) = classify_full(
            401,
            &[(
                "X-TFS-ServiceError",
                "Access%20Denied%3A%20The%20Personal%20Access%20Token%20used%20has%20expired.",
            )],
            EXPIRED,
        );
        assert_eq!(
            k,
            Some(ErrorKind::Unauthenticated {
                problem: AuthProblem::Expired
            })
        );
        assert_eq!(ev.code.as_deref(), Some("AccessCheckException"));
        assert_eq!(
            ev.header("X-TFS-ServiceError"),
            Some("Access Denied: The Personal Access Token used has expired.")
        );
    }

    #[test]
    fn missing_scope_is_tf400813() {
        let k = classify(
            401,
            &[],
            r#"{"$id":"1","innerException":null,"message":"TF400813: The user 'abc' is not authorized to access this resource.","typeName":"Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, Microsoft.TeamFoundation.Framework.Server","typeKey":"UnauthorizedRequestException","errorCode":0,"eventId":3000}"#,
        );
        assert_eq!(
            k,
            Some(ErrorKind::Unauthenticated {
                problem: AuthProblem::NotAuthorizedForResource
            })
        );
    }

    #[test]
    fn plain_401_is_rejected_and_203_html_is_sign_in() {
        assert_eq!(
            classify(401, &[], ""),
            Some(ErrorKind::Unauthenticated {
                problem: AuthProblem::Rejected
            })
        );
        assert_eq!(
            classify(
                203,
                &[("Content-Type", "text/html; charset=utf-8")],
                "<html><title>Azure DevOps Services | Sign In</title></html>"
            ),
            Some(ErrorKind::Unauthenticated {
                problem: AuthProblem::SignInRedirect
            })
        );
        assert_eq!(
            classify(
                302,
                &[
                    (
                        "Location",
                        "https://spsprodweu5.vssps.visualstudio.com/_signin?realm=dev.azure.com"
                    ),
                    ("X-TFS-FedAuthRealm", "https://app.vssps.visualstudio.com/")
                ],
                ""
            ),
            Some(ErrorKind::Unauthenticated {
                problem: AuthProblem::SignInRedirect
            })
        );
    }

    #[test]
    fn invisible_work_item() {
        let (k, ev) = classify_full(
            404,
            &[],
            r#"{"$id":"1","innerException":null,"message":"TF401232: Work item 7 does not exist, or you do not have permissions to read it.","typeName":"Microsoft.TeamFoundation.WorkItemTracking.Server.WorkItemUnauthorizedAccessException, Microsoft.TeamFoundation.WorkItemTracking.Server","typeKey":"WorkItemUnauthorizedAccessException","errorCode":0,"eventId":3200}"#,
        );
        assert_eq!(
            k,
            Some(ErrorKind::NotFoundOrHidden {
                what: "work item 7".into()
            })
        );
        assert_eq!(ev.code.as_deref(), Some("TF401232"));
    }

    #[test]
    fn area_path_write_denied() {
        let k = classify(
            403,
            &[],
            r#"{"message":"TF237111: The current user does not have permissions to save work items under the specified area path.","typeKey":"WorkItemPermissionException","eventId":3200}"#,
        );
        assert_eq!(
            k,
            Some(ErrorKind::PermissionDenied {
                operation: "save a work item (Edit work items in this node)".into(),
                project: Some("Demo\\Web".into())
            })
        );
    }

    #[test]
    fn stale_revision() {
        let k = classify(
            412,
            &[],
            r#"{"message":"VS403351: Test Operation for path /rev failed, value 5 was not equal to test value 4.","typeKey":"TestPatchOperationFailedException","eventId":3200}"#,
        );
        assert_eq!(
            k,
            Some(ErrorKind::StaleRevision {
                expected: "4".into(),
                actual: None
            })
        );
    }

    #[test]
    fn rule_validation_lists_fields() {
        let k = classify(
            400,
            &[],
            r#"{"customProperties":{"RuleValidationErrors":[{"fieldReferenceName":"System.Title","fieldStatusFlags":"required, hasValues, limitedToValues","errorMessage":"TF401320: Rule Error for field Title. Error code: Required, InvalidEmpty."}]},"message":"TF401320: Rule Error for field Title. Error code: Required, InvalidEmpty.","typeKey":"RuleValidationException","eventId":3200}"#,
        );
        let Some(ErrorKind::Validation { fields }) = k else {
            panic!("{k:?}")
        };
        assert_eq!(fields[0].field, "System.Title");
        let k = classify(
            400,
            &[],
            r#"{"message":"TF51535: Cannot find field Custom.Nope.","typeKey":"WorkItemFieldInvalidException"}"#,
        );
        let Some(ErrorKind::Validation { fields }) = k else {
            panic!("{k:?}")
        };
        assert_eq!(fields[0].field, "Custom.Nope");
        let k = classify(
            400,
            &[],
            r#"{"customProperties":{"ReferenceName":"Custom.ProgramManager"},"message":"The identity value 'x@y' for field 'Program Manager' is an unknown identity.","typeKey":"WorkItemFieldInvalidException","errorCode":600171,"eventId":3200}"#,
        );
        let Some(ErrorKind::Validation { fields }) = k else {
            panic!("{k:?}")
        };
        assert_eq!(fields[0].field, "Custom.ProgramManager");
    }

    #[test]
    fn api_version_out_of_range_names_supported() {
        let k = classify(
            400,
            &[],
            r#"{"$id":"1","innerException":null,"message":"The requested REST API version of 7.1 is out of range for this server. The latest REST API version this server supports is 6.0.","typeName":"Microsoft.VisualStudio.Services.WebApi.VssVersionOutOfRangeException, Microsoft.VisualStudio.Services.WebApi","typeKey":"VssVersionOutOfRangeException","errorCode":0,"eventId":3000}"#,
        );
        assert_eq!(
            k,
            Some(ErrorKind::ApiVersion {
                requested: "7.1".into(),
                supported: Some("6.0".into())
            })
        );
        let k = classify(
            400,
            &[],
            r#"{"message":"The requested version \"7.1\" of the resource is under preview. The -preview flag must be supplied in the api-version for such requests. For example: \"7.1-preview\"","typeKey":"VssInvalidPreviewVersionException"}"#,
        );
        assert_eq!(
            k,
            Some(ErrorKind::ApiVersion {
                requested: "7.1".into(),
                supported: None
            })
        );
    }

    #[test]
    fn wiql_size_limit_keeps_its_code() {
        let (k, ev) = classify_full(
            400,
            &[],
            r#"{"message":"VS402337: The number of work items returned exceeds the size limit of 20000. Change the query to return fewer work items.","typeKey":"WorkItemTrackingQueryResultSizeLimitExceededException"}"#,
        );
        assert_eq!(k, Some(ErrorKind::BadRequest));
        assert_eq!(ev.code.as_deref(), Some("VS402337"));
    }

    #[test]
    fn throttled_names_the_resource() {
        let k = classify(
            429,
            &[
                ("Retry-After", "30"),
                ("X-RateLimit-Resource", "Core"),
                ("X-RateLimit-Remaining", "0"),
            ],
            r#"{"message":"TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource 'Core' in namespace 'User'."}"#,
        );
        assert_eq!(
            k,
            Some(ErrorKind::RateLimited {
                retry_after: Some(std::time::Duration::from_secs(30)),
                limit: Some("Core".into())
            })
        );
    }

    #[test]
    fn tf_codes() {
        assert_eq!(tf_code("TF401232: x"), Some("TF401232".into()));
        assert_eq!(tf_code("see VS402337."), Some("VS402337".into()));
        assert_eq!(tf_code("NOTF12"), None);
        assert_eq!(
            supported_version("... supports is 6.0."),
            Some("6.0".into())
        );
    }
}
