//! Jira wiki markup (Jira Data Center, REST API v2).

mod read;
mod write;

pub(crate) use read::read;
pub(crate) use write::write;
