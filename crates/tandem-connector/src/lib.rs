//! The port between tandem's sync engine and the two products it syncs.
//!
//! - [`Connector`]: what the engine (and `tandem doctor`, through each connector's probes)
//!   asks of Jira or Azure DevOps, with side-neutral item shapes ([`connector`]).
//! - [`ConnectorError`]: a typed cause with its evidence, `is_retryable()` and a message that
//!   says what to do ([`error`]).
//! - [`http::HttpClient`]: the one HTTP client builder (rustls + ring, platform roots plus an
//!   extra CA bundle, proxy, timeouts, no redirects, gzip, `User-Agent: tandem/VERSION`,
//!   TLS issuer recording), and [`transport::Transport`]: pacing on rate-limit headers,
//!   classification and safe retries, shared by both connectors.
//!
//! This crate must never depend on the engine, the store, or a concrete connector; the
//! connectors depend on it.

pub mod connector;
pub mod error;
pub mod http;
pub mod pacing;
pub mod redact;
pub mod time;
pub mod tls;
pub mod transport;

pub use connector::{
    Attachment, ChangeFeed, Comment, Connector, FieldChanges, Identity, ItemId, ItemLink,
    LinkDirection, LinkTarget, Marker, NewItem, NewLink, Person, RemoteItem, Revision, RichText,
    State, StateCategory, TextFormat, Transition, Written,
};
pub use error::{
    AuthProblem, ConnectorError, ErrorKind, Evidence, FieldProblem, NetworkProblem, RequestInfo,
    Side, TlsProblem,
};
