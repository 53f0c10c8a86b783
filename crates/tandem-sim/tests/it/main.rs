//! tandem-sim over real HTTP: the shared machinery, the Jira half and the Azure DevOps half.

// Test helpers outside #[test] functions may unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ado;
mod common;
mod jira_auth;
mod jira_issues;
mod jira_more;
mod util;
