//! The verdict and the exit code, decided in one place: the first error in the article's order
//! (network, TLS, mode, authentication, identity, token, project, permissions, JSM role,
//! screens) answers the article's question, credentials or permissions (or network, or
//! configuration), and its cause gives the exit code.

use serde::Serialize;

use crate::code::{Answer, Code, Severity};
use crate::finding::{Finding, Side};

/// The overall state of a profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every check passed.
    Ok,
    /// No error, but something to act on soon.
    Warnings,
    /// At least one error.
    Failed,
}

/// The verdict of one profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// `ok`, `warnings` or `failed`.
    pub status: Status,
    /// What to fix first: `credentials`, `permissions`, `network` or `configuration`; `null`
    /// without errors.
    pub answer: Option<Answer>,
    /// The exit code this profile alone would give: 0, 2, 3, 4 or 5.
    pub exit_code: u8,
    /// The code of the finding that decides: the first error in the article's order, else
    /// the first warning, else `null`.
    pub primary: Option<Code>,
    /// The side of that finding.
    pub side: Option<Side>,
    /// One line for people: the answer, then the primary finding's summary.
    pub headline: String,
}

/// The finding that decides: the first of the given severity in the article's order (stage
/// first, then the order found, Jira before Azure DevOps).
fn first(findings: &[Finding], severity: Severity) -> Option<&Finding> {
    findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.severity == severity)
        .min_by_key(|(i, f)| (f.code.stage(), *i))
        .map(|(_, f)| f)
}

/// Decides a profile's verdict from its findings.
pub fn verdict(findings: &[Finding]) -> Verdict {
    if let Some(f) = first(findings, Severity::Error) {
        let cause = f.code.cause();
        let answer = cause.answer();
        let lead = match answer {
            Answer::Credentials => "Credentials",
            Answer::Permissions => "Permissions",
            Answer::Network => "Network",
            Answer::Configuration => "Configuration",
        };
        return Verdict {
            status: Status::Failed,
            answer: Some(answer),
            exit_code: cause.exit_code(),
            primary: Some(f.code),
            side: f.side,
            headline: format!("{lead}: {}.", f.summary.trim_end_matches('.')),
        };
    }
    if let Some(f) = first(findings, Severity::Warning) {
        return Verdict {
            status: Status::Warnings,
            answer: None,
            exit_code: 0,
            primary: Some(f.code),
            side: f.side,
            headline: format!(
                "Working, with a warning: {}.",
                f.summary.trim_end_matches('.')
            ),
        };
    }
    Verdict {
        status: Status::Ok,
        answer: None,
        exit_code: 0,
        primary: None,
        side: None,
        headline: "Working: the credentials are the sync user's and the permissions are in \
                   place on both sides."
            .to_owned(),
    }
}

/// The exit code of a run over several profiles: the profile whose primary error comes first
/// in the article's order decides (a network failure anywhere before credentials anywhere).
pub fn overall_exit_code(verdicts: &[&Verdict]) -> u8 {
    verdicts
        .iter()
        .filter(|v| v.status == Status::Failed)
        .filter_map(|v| v.primary.map(|c| (c.stage(), v.exit_code)))
        .min_by_key(|(stage, _)| *stage)
        .map_or(0, |(_, code)| code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(code: Code, severity: Severity) -> Finding {
        Finding::new(code, severity, Some(Side::Jira), format!("{code} happened"))
    }

    #[test]
    fn the_first_cause_in_the_article_order_wins() {
        // (findings, expected primary, expected exit code)
        let cases: Vec<(Vec<Finding>, Option<Code>, u8)> = vec![
            (vec![f(Code::JiraReachable, Severity::Ok)], None, 0),
            (
                vec![
                    f(Code::JiraPermissionMissing, Severity::Error),
                    f(Code::JiraIdentityMismatch, Severity::Error),
                ],
                Some(Code::JiraIdentityMismatch),
                2,
            ),
            (
                vec![
                    f(Code::JiraRequiredFieldUnmapped, Severity::Error),
                    f(Code::JiraPermissionMissing, Severity::Error),
                ],
                Some(Code::JiraPermissionMissing),
                3,
            ),
            (
                vec![
                    f(Code::AdoIdentityMismatch, Severity::Error),
                    f(Code::NetTlsUntrusted, Severity::Error),
                ],
                Some(Code::NetTlsUntrusted),
                4,
            ),
            (
                vec![
                    f(Code::JiraUnauthenticated, Severity::Error),
                    f(Code::JiraModeMismatch, Severity::Error),
                ],
                Some(Code::JiraModeMismatch),
                5,
            ),
            (
                vec![
                    f(Code::TokenExpiring, Severity::Warning),
                    f(Code::JiraIdentity, Severity::Ok),
                ],
                Some(Code::TokenExpiring),
                0,
            ),
            (
                vec![
                    f(Code::TokenExpiring, Severity::Warning),
                    f(Code::JiraJsmNotAgent, Severity::Error),
                ],
                Some(Code::JiraJsmNotAgent),
                3,
            ),
        ];
        for (findings, primary, exit) in cases {
            let v = verdict(&findings);
            assert_eq!(v.primary, primary, "{findings:#?}");
            assert_eq!(v.exit_code, exit, "{findings:#?}");
        }
    }

    #[test]
    fn headline_answers_the_article_question_first() {
        let v = verdict(&[f(Code::JiraIdentityMismatch, Severity::Error)]);
        assert!(v.headline.starts_with("Credentials: "), "{}", v.headline);
        let v = verdict(&[f(Code::JiraJsmNotAgent, Severity::Error)]);
        assert!(v.headline.starts_with("Permissions: "), "{}", v.headline);
        assert_eq!(v.answer, Some(Answer::Permissions));
    }

    #[test]
    fn across_profiles_the_earliest_stage_decides() {
        let a = verdict(&[f(Code::JiraPermissionMissing, Severity::Error)]);
        let b = verdict(&[f(Code::NetUnreachable, Severity::Error)]);
        let ok = verdict(&[]);
        assert_eq!(overall_exit_code(&[&a, &b, &ok]), 4);
        assert_eq!(overall_exit_code(&[&a, &ok]), 3);
        assert_eq!(overall_exit_code(&[&ok]), 0);
    }
}
