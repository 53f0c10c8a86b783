//! The Azure DevOps half of the simulator: Services and Server flavours with PATs, scopes,
//! area-path permissions, WIQL, JSON-patch writes with revision history, comments,
//! attachments, service hooks and the TSTU rate limit.
//!
//! The world model and the request logic are plain Rust (this module's children); the HTTP
//! layer maps requests onto them.

pub mod auth;
pub mod comments;
pub mod error;
pub mod identity;
pub mod process;
pub mod render;
pub mod seed;
pub mod spec;
pub mod time;
pub mod tree;
pub mod tstu;
pub mod version;
pub mod wiql;
pub mod workitem;
pub mod world;
pub mod write;
