//! The Azure DevOps simulator over real HTTP: every behaviour a client can observe.

mod auth;
mod support;
mod versions;
mod workitems;

pub(crate) use support::*;
