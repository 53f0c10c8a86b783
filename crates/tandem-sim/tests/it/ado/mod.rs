//! The Azure DevOps simulator over real HTTP: every behaviour a client can observe.

mod auth;
mod support;

pub(crate) use support::*;
