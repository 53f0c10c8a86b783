//! `tandem doctor`: the troubleshooting article as code. For both sides of a profile it
//! walks the article's decision guide (network, TLS, deployment mode, credentials, identity,
//! token records, project visibility, permissions, Jira Service Management role, screens) and
//! says in one screen what is wrong, the evidence, and the fix.
//!
//! Three parts, kept apart so the decision is testable without a network:
//!
//! - [`probe`]: asks the servers through the connectors (`tandem-jira`, `tandem-ado`; never
//!   HTTP of its own) and records every answer as [`Evidence`]. Read-only unless
//!   `--probe-write` is given.
//! - [`diagnose()`]: a pure function from [`Evidence`] to [`Finding`]s.
//! - [`verdict()`] and [`Report`]: the first error in the article's order decides the answer
//!   ("credentials or permissions?", or network, or configuration) and the exit code; the
//!   report renders as `√ / ~ / x` text or as JSON.
//!
//! Must never depend on the sync engine or the store.
//!
//! # Exit codes
//!
//! | code | meaning |
//! |---|---|
//! | 0 | no error (warnings may remain) |
//! | 2 | credentials, identity or token: wrong/expired/scoped token, another account's token, CAPTCHA |
//! | 3 | permissions or role: project not visible, a permission missing, not a JSM agent, area path permission |
//! | 4 | network, TLS or proxy: unreachable, untrusted certificate, an HTML page instead of the API |
//! | 5 | configuration or mode: config file, Cloud/Data Center mode, api-version, types, screens |
//!
//! Over several profiles, and within one, the error of the earliest stage of the article's
//! order decides ([`Stage`]): a network failure comes before credentials, credentials before
//! permissions, permissions before screens.
//!
//! # JSON (`tandem doctor --json`), schema 1
//!
//! One JSON object per profile, one per line (a single profile gives a single JSON document):
//!
//! ```json
//! {
//!   "schema": 1,
//!   "profile": "web-team",
//!   "targets": { "jira": "https://example.atlassian.net", "ado": "https://dev.azure.com/example" },
//!   "verdict": {
//!     "status": "failed",                 // "ok" | "warnings" | "failed"
//!     "answer": "credentials",            // "credentials" | "permissions" | "network" | "configuration" | null
//!     "exit_code": 2,                     // this profile's exit code
//!     "primary": "jira.identity-mismatch",// first error in the article's order, else first warning, else null
//!     "side": "jira",                     // side of the primary finding, or null
//!     "headline": "Credentials: The Jira token authenticates as ..."
//!   },
//!   "findings": [
//!     {
//!       "code": "jira.identity-mismatch", // stable, see the list below
//!       "severity": "error",              // "ok" | "info" | "warning" | "error"
//!       "side": "jira",                   // "jira" | "ado" | null (the configuration)
//!       "cause": "identity",              // network | tls | deployment-mode | credentials | identity | token | permissions | jsm-role | configuration
//!       "summary": "The Jira token authenticates as Alice Admin <alice@example.com>, not as the intended sync user sync-bot@example.com",
//!       "evidence": { "request": "GET https://.../rest/api/3/myself", "status": 200,
//!                     "authenticated_as": { "id": "...", "display_name": "Alice Admin", "email": "alice@example.com" },
//!                     "intended_user": "sync-bot@example.com", "login_sent": "alice@example.com" },
//!       "fix": ["Do not mix accounts: ...", "Sign in to Jira as sync-bot@example.com ..."]
//!     }
//!   ]
//! }
//! ```
//!
//! Passed checks are findings too (severity `ok`), so the JSON holds the whole report. Keys of
//! `evidence` (each optional): `request`, `status`, `headers`, `content_type`, `messages`,
//! `error_code`, `body_excerpt`, `authenticated_as` (`id`, `display_name`, `email`, `login`,
//! `account_type`), `intended_user`, `login_sent`, `auth`, `url`, `configured_mode`,
//! `server_deployment`, `server_version`, `api_version`, `project`, `project_type`,
//! `visible_projects`, `area_path`, `permission`, `permissions` (key -> held),
//! `application_roles`, `issue_type`, `available_types`, `field`, `field_name`, `issuer`,
//! `subject`, `proxy`, `cloud_id`, `gateway`, `token_record` (`account`, `created_by`,
//! `where`, `created`, `expires`, `rotation_due`), `created`, `throttled`. Keys are only
//! added, never renamed; a change that breaks a reader raises `schema`.
//!
//! # Finding codes
//!
//! Errors and warnings: `config.invalid`, `config.secret-unreadable`, `config.connection`,
//! `net.unreachable`, `net.proxy`, `net.html-instead-of-json`, `net.server-error`,
//! `net.rate-limited`, `net.unexpected-response`, `net.tls-untrusted`, `net.tls-invalid`,
//! `jira.mode-mismatch`, `jira.unauthenticated`, `jira.scoped-token`, `jira.captcha`,
//! `jira.identity-mismatch`, `jira.identity-unverified`, `jira.project-not-visible`,
//! `jira.permission-missing`, `jira.jsm-not-agent`, `jira.issue-type-missing`,
//! `jira.field-not-on-screen`, `jira.required-field-unmapped`, `jira.write-failed`,
//! `jira.write-not-cleaned-up`, `ado.api-version-unsupported`, `ado.unauthenticated`,
//! `ado.pat-expired`, `ado.pat-scope-missing`, `ado.identity-mismatch`,
//! `ado.project-not-visible`, `ado.area-path-missing`, `ado.area-permission-missing`,
//! `ado.work-item-type-missing`, `ado.write-rejected`, `token.expiring`, `token.rotation-due`.
//!
//! Passed checks (`ok`) and notes (`info`): `jira.reachable`, `jira.identity`,
//! `jira.permissions`, `jira.jsm-agent`, `jira.create-screen`, `jira.write-probe`, `jira.write-not-proven`,
//! `jira.checks-skipped`, `ado.reachable`, `ado.identity`, `ado.project`,
//! `ado.work-item-types`, `ado.write-probe`, `ado.write-not-proven`, `ado.checks-skipped`,
//! `token.recorded`, `token.unrecorded`.

pub mod code;
mod diagnose;
pub mod evidence;
pub mod finding;
pub mod needs;
pub mod probe;
pub mod report;
pub mod verdict;

pub use code::{Answer, Cause, Code, Severity, Stage};
pub use diagnose::diagnose;
pub use evidence::Evidence;
pub use finding::{Finding, FindingEvidence, Side};
pub use report::{Report, Targets};
pub use verdict::{Status, Verdict, overall_exit_code, verdict};

/// Probes both sides of `profile`, diagnoses what was seen and builds its report.
pub async fn examine(
    profile: &tandem_config::Profile,
    inputs: probe::Inputs,
    options: &probe::Options,
) -> Report {
    let evidence = probe::probe(profile, inputs, options).await;
    let findings = diagnose(&evidence);
    let targets = Targets {
        jira: Some(evidence.jira.site),
        ado: Some(evidence.ado.url),
    };
    Report::new(profile.name.clone(), targets, findings)
}
