//! A finding: one observation with its verdict, evidence and fix. Serialized as an element of
//! the `findings[]` array of `tandem doctor --json` (schema in the crate docs).

use std::collections::BTreeMap;

use serde::Serialize;
use tandem_connector::Person;
use tandem_connector::error::ConnectorError;

use crate::code::{Cause, Code, Severity};

/// Which side a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Jira.
    Jira,
    /// Azure DevOps.
    Ado,
}

impl Side {
    /// `Jira` or `Azure DevOps`.
    pub fn label(self) -> &'static str {
        match self {
            Side::Jira => "Jira",
            Side::Ado => "Azure DevOps",
        }
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable code, e.g. `jira.identity-mismatch`.
    pub code: Code,
    /// `ok`, `info`, `warning` or `error`.
    pub severity: Severity,
    /// `jira`, `ado`, or `null` for the configuration as a whole.
    pub side: Option<Side>,
    /// The cause category.
    pub cause: Cause,
    /// One line: what is wrong (or what passed).
    pub summary: String,
    /// What was observed.
    pub evidence: FindingEvidence,
    /// What to do, as ordered steps (empty for passed checks).
    pub fix: Vec<String>,
}

impl Finding {
    /// A finding with the code's cause, no evidence and no fix yet.
    pub fn new(
        code: Code,
        severity: Severity,
        side: Option<Side>,
        summary: impl Into<String>,
    ) -> Self {
        Self {
            code,
            severity,
            side,
            cause: code.cause(),
            summary: summary.into(),
            evidence: FindingEvidence::default(),
            fix: Vec::new(),
        }
    }

    /// Sets the evidence.
    #[must_use]
    pub fn evidence(mut self, evidence: FindingEvidence) -> Self {
        self.evidence = evidence;
        self
    }

    /// Sets the fix steps.
    #[must_use]
    pub fn fix<I, S>(mut self, steps: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fix = steps.into_iter().map(Into::into).collect();
        self
    }
}

/// An account as the product reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Account {
    /// Jira accountId / key, Azure DevOps identity id.
    pub id: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// E-mail (Jira Cloud may hide it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Login name (Jira DC user name, Azure DevOps unique name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    /// Jira Cloud account type (`atlassian`, `customer`, `app`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_type: Option<String>,
}

impl From<&Person> for Account {
    fn from(p: &Person) -> Self {
        Self {
            id: p.id.clone(),
            display_name: p.display_name.clone(),
            email: p.email.clone(),
            login: p.login.clone(),
            account_type: None,
        }
    }
}

impl std::fmt::Display for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = self
            .email
            .as_deref()
            .or(self.login.as_deref())
            .unwrap_or(&self.id);
        match &self.display_name {
            Some(d) if d != name => write!(f, "{d} <{name}>"),
            _ => f.write_str(name),
        }
    }
}

/// What a token record says, without the token.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RecordFacts {
    /// The account it was recorded for.
    pub account: String,
    /// Who created it.
    pub created_by: String,
    /// Where it was created.
    #[serde(rename = "where")]
    pub location: String,
    /// The day it was created.
    pub created: String,
    /// The day it expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// The day rotation is due.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_due: Option<String>,
}

/// The evidence of a finding. Every key is optional; the set is documented in the crate docs
/// and only grows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FindingEvidence {
    /// The request that showed it: `GET https://host/rest/api/3/myself` (no query string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// HTTP status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Diagnostic response headers (`X-Seraph-LoginReason`, `WWW-Authenticate`...).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// `Content-Type` of the response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The product's own messages.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<String>,
    /// The product's error code (Azure DevOps `typeKey` or `TF`/`VS` number).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The start of a body that was not the product's error shape.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_excerpt: Option<String>,
    /// Who the credentials really authenticate as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticated_as: Option<Account>,
    /// The intended sync user from the configuration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intended_user: Option<String>,
    /// The account name sent with the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_sent: Option<String>,
    /// The kind of credential configured (`cloud-api-token`, `dc-pat`, `pat`...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<String>,
    /// The configured URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The configured mode (`cloud`, `datacenter`, `auto`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configured_mode: Option<String>,
    /// What the server says it is (`Cloud`, `Server`, `hosted`, `onPremises`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_deployment: Option<String>,
    /// The server's version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    /// The REST API version in use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// The project concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Its type (`software`, `service_desk`...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_type: Option<String>,
    /// The projects these credentials can see (when the wanted one is missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visible_projects: Option<Vec<String>>,
    /// The area path concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area_path: Option<String>,
    /// The permission concerned (`CREATE_ISSUES`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission: Option<String>,
    /// Permissions asked and whether they are held.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub permissions: BTreeMap<String, bool>,
    /// Application roles (licences) of the account (`jira-servicedesk` = JSM agent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_roles: Option<Vec<String>>,
    /// The issue or work item type concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_type: Option<String>,
    /// The types available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_types: Option<Vec<String>>,
    /// The field concerned (`customfield_10020`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The field's display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    /// The certificate's issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The certificate's subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The proxy used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    /// Jira Cloud's site id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_id: Option<String>,
    /// The gateway asked (scoped-token check).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// The token record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_record: Option<RecordFacts>,
    /// The key of the issue a write probe created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Requests the server throttled (429).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttled: Option<u64>,
}

impl FindingEvidence {
    /// The evidence a connector error carries: request, status, headers, messages.
    pub fn from_error(e: &ConnectorError) -> Self {
        let ev = e.evidence();
        Self {
            request: e.request().map(ToString::to_string),
            status: ev.status,
            headers: ev.headers.iter().cloned().collect(),
            content_type: ev.content_type.clone(),
            messages: ev.messages.clone(),
            error_code: ev.code.clone(),
            body_excerpt: if ev.messages.is_empty() {
                ev.body_excerpt.clone()
            } else {
                None
            },
            ..Self::default()
        }
    }

    /// The evidence of a request that succeeded.
    pub fn request(method_and_url: impl Into<String>, status: u16) -> Self {
        Self {
            request: Some(method_and_url.into()),
            status: Some(status),
            ..Self::default()
        }
    }
}
