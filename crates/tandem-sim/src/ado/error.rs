//! Azure DevOps error responses: the VSS "WrappedException" body and the few non-JSON
//! answers (the 203 HTML sign-in page, bare 401s).
//!
//! Shape, type keys and messages: research ado-api.md §2 and §4. WIT errors carry eventId
//! 3200, framework and auth errors 3000. Where the research marks a status or type name as
//! unverified, the choice is noted beside the constructor.

use serde_json::{Value, json};

/// What the body of an error response is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorBody {
    /// `application/json` WrappedException.
    Wrapped,
    /// No body (a 401 after `X-TFS-FedAuthRedirect: Suppress`).
    Empty,
    /// The 203 HTML sign-in page Services returns to unauthenticated browsers and clients.
    SignInPage,
    /// A 302 to the sign-in URL.
    SignInRedirect,
}

/// One Azure DevOps error answer.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status} {type_key}: {message}")]
pub struct AdoError {
    pub status: u16,
    pub type_key: &'static str,
    pub type_name: &'static str,
    pub message: String,
    pub event_id: u32,
    pub error_code: i64,
    pub custom_properties: Option<Box<Value>>,
    pub body: ErrorBody,
    /// Extra response headers (`X-TFS-ServiceError`, `WWW-Authenticate`, `Retry-After`...).
    pub headers: Vec<(&'static str, String)>,
}

impl AdoError {
    fn new(
        status: u16,
        type_key: &'static str,
        type_name: &'static str,
        event_id: u32,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            type_key,
            type_name,
            message: message.into(),
            event_id,
            error_code: 0,
            custom_properties: None,
            body: ErrorBody::Wrapped,
            headers: Vec::new(),
        }
    }

    fn with_properties(mut self, props: Value) -> Self {
        self.custom_properties = Some(Box::new(props));
        self
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The JSON body (WrappedException) as the server serializes it.
    pub fn to_json(&self) -> Value {
        let mut body = serde_json::Map::new();
        body.insert("$id".into(), json!("1"));
        if let Some(props) = &self.custom_properties {
            body.insert("customProperties".into(), (**props).clone());
        }
        body.insert("innerException".into(), Value::Null);
        body.insert("message".into(), json!(self.message));
        body.insert("typeName".into(), json!(self.type_name));
        body.insert("typeKey".into(), json!(self.type_key));
        body.insert("errorCode".into(), json!(self.error_code));
        body.insert("eventId".into(), json!(self.event_id));
        Value::Object(body)
    }

    // ---- api-version (WebApiResources messages, verbatim) ----

    pub fn version_not_specified(method: &str) -> Self {
        Self::new(
            400,
            "VssVersionNotSpecifiedException",
            "Microsoft.VisualStudio.Services.WebApi.VssVersionNotSpecifiedException, Microsoft.VisualStudio.Services.WebApi",
            3000,
            format!(
                "No api-version was supplied for the \"{}\" request. The version must be supplied either as part of the Accept header (e.g. \"application/json; api-version=1.0\") or as a query parameter (e.g. \"?api-version=1.0\").",
                method.to_ascii_uppercase()
            ),
        )
    }

    pub fn invalid_api_version(raw: &str) -> Self {
        // The type key of this one is not in the research; the message is WebApiResources'.
        Self::new(
            400,
            "VssInvalidApiVersionException",
            "Microsoft.VisualStudio.Services.WebApi.VssInvalidApiVersionException, Microsoft.VisualStudio.Services.WebApi",
            3000,
            format!(
                "Invalid api version string: \"{raw}\". Api version string must be in the format: {{Major}}.{{Minor}}[-preview[.{{ResourceVersion}}]]."
            ),
        )
    }

    pub fn version_out_of_range(requested: &str, latest: impl std::fmt::Display) -> Self {
        Self::new(
            400,
            "VssVersionOutOfRangeException",
            "Microsoft.VisualStudio.Services.WebApi.VssVersionOutOfRangeException, Microsoft.VisualStudio.Services.WebApi",
            3000,
            format!(
                "The requested REST API version of {requested} is out of range for this server. The latest REST API version this server supports is {latest}."
            ),
        )
    }

    pub fn preview_not_supplied(version: &str) -> Self {
        Self::new(
            400,
            "VssInvalidPreviewVersionException",
            "Microsoft.VisualStudio.Services.WebApi.VssInvalidPreviewVersionException, Microsoft.VisualStudio.Services.WebApi",
            3000,
            format!(
                "The requested version \"{version}\" of the resource is under preview. The -preview flag must be supplied in the api-version for such requests. For example: \"{version}-preview\""
            ),
        )
    }

    // ---- authentication (ado-api.md §2) ----

    /// Unknown or missing credentials. Services answers 203 + HTML sign-in page (or a 302 to
    /// the sign-in URL) unless the client sent `X-TFS-FedAuthRedirect: Suppress`, in which case
    /// it is a bare 401.
    pub fn sign_in_required(suppress_redirect: bool, redirect_mode: bool, realm: &str) -> Self {
        let mut e = Self::new(401, "", "", 3000, "");
        e.body = if suppress_redirect {
            ErrorBody::Empty
        } else if redirect_mode {
            e.status = 302;
            ErrorBody::SignInRedirect
        } else {
            e.status = 203;
            ErrorBody::SignInPage
        };
        e.with_header("X-TFS-FedAuthRealm", realm.to_owned())
            .with_header(
                "X-TFS-FedAuthIssuer",
                "https://login.microsoftonline.com/common".to_owned(),
            )
            .with_header(
                "WWW-Authenticate",
                format!(
                    "Bearer authorization_uri=https://login.microsoftonline.com/{}, Basic realm=\"{realm}\", TFS-Federated",
                    "00000000-0000-0000-0000-000000000000"
                ),
            )
    }

    /// On-premises servers (Windows auth in IIS) answer unknown credentials with a plain 401.
    pub fn on_prem_unauthorized(realm: &str) -> Self {
        let mut e = Self::new(401, "", "", 3000, "");
        e.body = ErrorBody::Empty;
        e.with_header(
            "WWW-Authenticate",
            format!("Bearer, Basic realm=\"{realm}\", Negotiate, NTLM"),
        )
    }

    fn access_check(message: &str) -> Self {
        Self::new(
            401,
            "AccessCheckException",
            "Microsoft.VisualStudio.Services.Security.AccessCheckException, Microsoft.VisualStudio.Services.WebApi",
            3000,
            message,
        )
        .with_properties(json!({
            "Descriptor": null,
            "IdentityDisplayName": null,
            "Token": null,
            "RequestedPermissions": 0,
            "NamespaceId": "00000000-0000-0000-0000-000000000000"
        }))
        .with_header("X-TFS-ServiceError", url_encode(message))
        .with_header("X-VSS-AuthenticateError", url_encode(message))
    }

    /// Observed body and header (ado-api.md §2, S16).
    pub fn pat_expired() -> Self {
        Self::access_check("Access Denied: The Personal Access Token used has expired.")
    }

    /// The status is known (401); the exact wording is unverified (ado-api.md §11).
    pub fn pat_revoked() -> Self {
        Self::access_check("Access Denied: The Personal Access Token used has been revoked.")
    }

    /// TF400813: authenticated but not authorized for the resource (scope missing, expired
    /// bearer on a write, inactive identity).
    pub fn unauthorized_request(user_id: &str) -> Self {
        let message =
            format!("TF400813: The user '{user_id}' is not authorized to access this resource.");
        Self::new(
            401,
            "UnauthorizedRequestException",
            "Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, Microsoft.TeamFoundation.Framework.Server",
            3000,
            message.clone(),
        )
        .with_header("X-TFS-ServiceError", url_encode(&message))
    }

    /// TF400733: blocked by the rate limiter (rate-limits doc).
    pub fn rate_limited(resource: &str, retry_after_secs: u64) -> Self {
        Self::new(
            429,
            "RequestBlockedException",
            "Microsoft.TeamFoundation.Framework.Server.RequestBlockedException, Microsoft.TeamFoundation.Framework.Server",
            3000,
            format!(
                "TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource '{resource}' in namespace 'User'."
            ),
        )
        .with_header("Retry-After", retry_after_secs.to_string())
    }

    // ---- projects and work items ----

    pub fn project_not_found(name: &str) -> Self {
        Self::new(
            404,
            "ProjectDoesNotExistWithNameException",
            "Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistWithNameException, Microsoft.TeamFoundation.Core.WebApi",
            3000,
            format!(
                "TF200016: The following project does not exist: {name}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server."
            ),
        )
    }

    /// Deliberately ambiguous: missing and unreadable look the same (S18).
    pub fn work_item_not_found(id: i64) -> Self {
        Self::new(
            404,
            "WorkItemUnauthorizedAccessException",
            "Microsoft.TeamFoundation.WorkItemTracking.Server.WorkItemUnauthorizedAccessException, Microsoft.TeamFoundation.WorkItemTracking.Server",
            3200,
            format!(
                "TF401232: Work item {id} does not exist, or you do not have permissions to read it."
            ),
        )
        .wit_code(600122)
    }

    /// No "Edit work items in this node". Status 403 follows the decompiled exception map
    /// (permission denied -> 403); the research marks it unverified.
    pub fn area_write_denied() -> Self {
        Self::new(
            403,
            "WorkItemUnauthorizedAccessException",
            "Microsoft.TeamFoundation.WorkItemTracking.Server.WorkItemUnauthorizedAccessException, Microsoft.TeamFoundation.WorkItemTracking.Server",
            3200,
            "TF237111: The current user does not have permissions to save work items under the specified area path.",
        )
        .wit_code(600122)
    }

    /// Message from public reports (S28); status unverified, 403 as a permission failure.
    pub fn bypass_rules_denied() -> Self {
        Self::new(
            403,
            "WorkItemBypassRulesPermissionException",
            "Microsoft.TeamFoundation.WorkItemTracking.Server.WorkItemBypassRulesPermissionException, Microsoft.TeamFoundation.WorkItemTracking.Server",
            3200,
            "TF401322: You don't have bypass rules permission. Please contact your collection administrator to grant this permission for enabling this action.",
        )
    }

    pub fn suppress_notifications_denied() -> Self {
        Self::new(
            403,
            "UnauthorizedAccessException",
            "System.UnauthorizedAccessException, mscorlib",
            3200,
            "VS403458: You do not have permission to suppress notifications. The SUPPRESS_NOTIFICATIONS permission is required.",
        )
    }

    /// `test /rev` failed (S26, S27): 412, whole patch rejected.
    pub fn test_rev_failed(actual: i64, expected: &Value) -> Self {
        Self::new(
            412,
            "TestPatchOperationFailedException",
            "Microsoft.VisualStudio.Services.WebApi.Patch.TestPatchOperationFailedException, Microsoft.VisualStudio.Services.WebApi",
            3000,
            format!(
                "VS403351: Test Operation for path /rev failed, value {actual} was not equal to test value {}.",
                display_json(expected)
            ),
        )
    }

    pub fn test_failed(path: &str, actual: &Value, expected: &Value) -> Self {
        Self::new(
            412,
            "TestPatchOperationFailedException",
            "Microsoft.VisualStudio.Services.WebApi.Patch.TestPatchOperationFailedException, Microsoft.VisualStudio.Services.WebApi",
            3000,
            format!(
                "VS403351: Test Operation for path {path} failed, value {} was not equal to test value {}.",
                display_json(actual),
                display_json(expected)
            ),
        )
    }

    /// TF401320 with `RuleValidationErrors` (S22, S29).
    pub fn rule_validation(errors: &[RuleViolation]) -> Self {
        let first = errors.first();
        let message = first.map_or_else(String::new, RuleViolation::message);
        let list: Vec<Value> = errors
            .iter()
            .map(|e| {
                json!({
                    "fieldReferenceName": e.field_ref,
                    "fieldStatusFlags": e.flags,
                    "errorMessage": e.message(),
                    "fieldStatusCode": e.code,
                    "ruleValidationErrors": null
                })
            })
            .collect();
        Self::new(
            400,
            "RuleValidationException",
            "Microsoft.TeamFoundation.WorkItemTracking.Server.RuleValidationException, Microsoft.TeamFoundation.WorkItemTracking.Server",
            3200,
            message.clone(),
        )
        .with_properties(json!({
            "FieldReferenceName": first.map(|e| e.field_ref.clone()),
            "FieldStatusFlags": first.map(|e| e.flags),
            "ErrorMessage": message,
            "FieldStatusCode": first.map(|e| e.code),
            "RuleValidationErrors": list
        }))
        .wit_code(600171)
    }

    pub fn field_not_found(name: &str) -> Self {
        Self::new(
            400,
            "WorkItemFieldInvalidException",
            "Microsoft.TeamFoundation.WorkItemTracking.Server.WorkItemFieldInvalidException, Microsoft.TeamFoundation.WorkItemTracking.Server",
            3200,
            format!("TF51535: Cannot find field {name}."),
        )
        .wit_code(600171)
    }

    pub fn unknown_identity(value: &str, field_name: &str, field_ref: &str) -> Self {
        Self::new(
            400,
            "WorkItemFieldInvalidException",
            "Microsoft.TeamFoundation.WorkItemTracking.Server.WorkItemFieldInvalidException, Microsoft.TeamFoundation.WorkItemTracking.Server",
            3200,
            format!("The identity value '{value}' for field '{field_name}' is an unknown identity."),
        )
        .with_properties(json!({ "ReferenceName": field_ref }))
        .wit_code(600171)
    }

    pub fn invalid_tree_path(id: Option<i64>, field_ref: &str) -> Self {
        let who = id.map_or_else(|| "0".to_owned(), |i| i.to_string());
        Self::new(
            400,
            "WorkItemFieldInvalidTreeNameException",
            "Microsoft.TeamFoundation.WorkItemTracking.Server.WorkItemFieldInvalidTreeNameException, Microsoft.TeamFoundation.WorkItemTracking.Server",
            3200,
            format!("TF401347: Invalid tree name given for work item {who}, field '{field_ref}'."),
        )
        .wit_code(600171)
    }

    pub fn work_item_type_not_found(name: &str) -> Self {
        Self::new(
            404,
            "WorkItemTypeNotFoundException",
            "Microsoft.TeamFoundation.WorkItemTracking.Server.Metadata.WorkItemTypeNotFoundException, Microsoft.TeamFoundation.WorkItemTracking.Server",
            3200,
            format!("VS402323: Work item type {name} does not exist."),
        )
    }

    /// Malformed JSON patch documents and other request-shape problems.
    pub fn bad_patch(message: impl Into<String>) -> Self {
        Self::new(
            400,
            "VssPropertyValidationException",
            "Microsoft.VisualStudio.Services.Common.VssPropertyValidationException, Microsoft.VisualStudio.Services.Common",
            3000,
            message,
        )
    }

    pub fn argument(message: impl Into<String>) -> Self {
        Self::new(
            400,
            "ArgumentException",
            "System.ArgumentException, mscorlib",
            0,
            message,
        )
    }

    pub fn argument_null(param: &str) -> Self {
        Self::new(
            400,
            "ArgumentNullException",
            "System.ArgumentNullException, mscorlib",
            0,
            format!("Value cannot be null.\r\nParameter name: {param}"),
        )
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(
            404,
            "NotFoundException",
            "Microsoft.VisualStudio.Services.WebApi.NotFoundException, Microsoft.VisualStudio.Services.WebApi",
            3000,
            message,
        )
    }

    // ---- WIQL ----

    pub fn wiql_syntax(message: impl Into<String>) -> Self {
        Self::new(
            400,
            "WorkItemTrackingQuerySyntaxException",
            "Microsoft.TeamFoundation.WorkItemTracking.Server.Query.WorkItemTrackingQuerySyntaxException, Microsoft.TeamFoundation.WorkItemTracking.Server",
            3200,
            message,
        )
    }

    /// The date-precision error observed by several projects (S22).
    pub fn wiql_date_precision(clause: &str) -> Self {
        Self::new(
            400,
            "WorkItemTrackingQueryInvalidDateException",
            "Microsoft.TeamFoundation.WorkItemTracking.Server.Query.WorkItemTrackingQueryInvalidDateException, Microsoft.TeamFoundation.WorkItemTracking.Server",
            3200,
            format!(
                "You cannot supply a time with the date when running a query using date precision. The error is caused by «{clause}»."
            ),
        )
    }

    pub fn wiql_too_many(limit: usize) -> Self {
        Self::new(
            400,
            "WorkItemTrackingQueryResultSizeLimitExceededException",
            "Microsoft.TeamFoundation.WorkItemTracking.Server.Query.WorkItemTrackingQueryResultSizeLimitExceededException, Microsoft.TeamFoundation.WorkItemTracking.Server",
            3200,
            format!(
                "VS402337: The number of work items returned exceeds the size limit of {limit}. Change the query to return fewer items."
            ),
        )
    }

    pub fn too_many_ids(max: usize) -> Self {
        Self::argument(format!(
            "VS402335: The maximum number of work items that can be requested is {max}. Reduce the number of requested work items."
        ))
    }

    pub fn not_allowed_for_identity(message: impl Into<String>) -> Self {
        Self::new(
            403,
            "UnauthorizedAccessException",
            "System.UnauthorizedAccessException, mscorlib",
            3000,
            message,
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            500,
            "InternalServerErrorException",
            "Microsoft.VisualStudio.Services.Common.VssServiceException, Microsoft.VisualStudio.Services.Common",
            3000,
            message,
        )
    }

    fn wit_code(mut self, code: i64) -> Self {
        self.error_code = code;
        self
    }
}

/// One field's rule failure, as listed in `customProperties.RuleValidationErrors`.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleViolation {
    pub field_ref: String,
    pub field_name: String,
    /// e.g. "required, invalidEmpty".
    pub flags: &'static str,
    /// The words in the message: "Required, InvalidEmpty", "InvalidListValue"...
    pub code_words: &'static str,
    pub code: i64,
}

impl RuleViolation {
    pub fn message(&self) -> String {
        format!(
            "TF401320: Rule Error for field {}. Error code: {}.",
            self.field_name, self.code_words
        )
    }
}

fn display_json(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Percent-encoding as .NET's `Uri.EscapeDataString` does it (used in `X-TFS-ServiceError`).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The 203 sign-in page. The real one is a large Microsoft login page; clients only look at
/// the status and `text/html`, and people at the title.
pub const SIGN_IN_PAGE: &str = "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n<html lang=\"en-US\">\n<head><title>Azure DevOps Services | Sign In</title><meta http-equiv=\"X-UA-Compatible\" content=\"IE=11;&#32;IE=10;&#32;IE=9;&#32;IE=8\" /></head>\n<body>\n<div class=\"sign-in\"><h1>Sign in to Azure DevOps</h1><p>You need to sign in to continue.</p></div>\n</body>\n</html>\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_pat_body_matches_observed_shape() {
        let e = AdoError::pat_expired();
        let body = e.to_json();
        assert_eq!(body["$id"], "1");
        assert_eq!(
            body["message"],
            "Access Denied: The Personal Access Token used has expired."
        );
        assert_eq!(body["typeKey"], "AccessCheckException");
        assert_eq!(body["eventId"], 3000);
        assert_eq!(body["customProperties"]["RequestedPermissions"], 0);
        assert!(body["innerException"].is_null());
        let header = e
            .headers
            .iter()
            .find(|(k, _)| *k == "X-TFS-ServiceError")
            .unwrap();
        assert_eq!(
            header.1,
            "Access%20Denied%3A%20The%20Personal%20Access%20Token%20used%20has%20expired."
        );
    }

    #[test]
    fn rule_validation_lists_every_field() {
        let e = AdoError::rule_validation(&[RuleViolation {
            field_ref: "System.Title".into(),
            field_name: "Title".into(),
            flags: "required, invalidEmpty",
            code_words: "Required, InvalidEmpty",
            code: 0x0020_0000,
        }]);
        assert_eq!(e.status, 400);
        assert_eq!(
            e.message,
            "TF401320: Rule Error for field Title. Error code: Required, InvalidEmpty."
        );
        let body = e.to_json();
        assert_eq!(
            body["customProperties"]["RuleValidationErrors"][0]["fieldReferenceName"],
            "System.Title"
        );
    }

    #[test]
    fn sign_in_answers_depend_on_suppress_header() {
        assert_eq!(AdoError::sign_in_required(false, false, "r").status, 203);
        assert_eq!(AdoError::sign_in_required(false, true, "r").status, 302);
        let e = AdoError::sign_in_required(true, false, "r");
        assert_eq!(e.status, 401);
        assert_eq!(e.body, ErrorBody::Empty);
    }
}
