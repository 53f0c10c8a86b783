//! The Azure DevOps simulator over real HTTP: every behaviour a client can observe.

mod auth;
mod comments;
mod hooks;
mod limits;
mod metadata;
mod scenarios;
mod support;
mod versions;
mod wiql;
mod workitems;

pub(crate) use support::*;
