//! tandem's configuration: the `tandem.toml` model (profiles with a Jira side, an Azure DevOps
//! side, direction, conflict policy and mappings), its validation with errors that name the
//! file, line, key and fix, secret references (`env:`, `file:`, `keyring:`) resolved into
//! `secrecy::SecretString`, where the config and the state live, and the token records kept in
//! the state directory.
//!
//! Loading is `raw -> validated`: [`load`]/[`parse`] return a [`Config`] in which every value
//! has been checked, or every problem found. Secrets are not read while loading; callers
//! resolve a profile's token with a [`SecretResolver`] when they need it.
//!
//! Must never depend on: a connector, the store, the engine, an async runtime or HTTP. The
//! OS keyring is reached through the [`Keyring`] trait, implemented by the binary.

pub mod demo;
pub mod diagnostic;
pub mod edit;
pub mod env;
pub mod fsutil;
pub mod model;
mod raw;
pub mod secret;
pub mod tokens;
pub mod validate;

pub use diagnostic::{ConfigErrors, Diagnostic, Severity};
pub use env::{Env, Located, Origin, locate_config, state_dir};
pub use model::{
    AdoAuth, AdoDeployment, AdoSide, Config, ConflictPolicy, DEFAULT_TOKEN_WARNING_DAYS, Direction,
    JiraAuth, JiraMode, JiraSide, Keyword, Mapping, Profile, Side, Transport, within, writes_to,
};
pub use secret::{Keyring, KeyringError, NoKeyring, SecretError, SecretRef, SecretResolver};
pub use tokens::{TokenAlert, TokenBook, TokenBookError, TokenRecord, TokenWarning};
pub use validate::{LoadError, ParseOptions, Validated, load, parse};

/// The example config shipped at the repository root, every key documented.
pub const EXAMPLE_CONFIG: &str = include_str!("../../../tandem.example.toml");
