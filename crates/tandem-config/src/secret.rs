//! Secret references (`env:NAME`, `file:PATH`, `keyring:SERVICE/ACCOUNT`) and their resolution
//! into `SecretString`s. Nothing here ever formats a secret: every `Debug` and `Display` is
//! written by hand, and errors name the reference, never the value.

use std::fmt;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

use crate::env::Env;
use crate::fsutil;

/// Where a token is kept. Parsed from the `token` value of a config side.
#[derive(Clone)]
pub enum SecretRef {
    /// `env:NAME`: an environment variable of the tandem process.
    Env {
        /// The variable's name.
        name: String,
    },
    /// `file:PATH`: a file readable by its owner only (mode 0600 or stricter). A relative
    /// path is relative to the config file's directory.
    File {
        /// The file, already made absolute where the config's location was known.
        path: PathBuf,
    },
    /// `keyring:SERVICE/ACCOUNT`: an entry of the OS keyring.
    Keyring {
        /// The keyring service (for example `tandem`).
        service: String,
        /// The keyring account (for example `web-team/jira`).
        account: String,
    },
    /// The secret itself, written into the config. Refused unless the operator passes
    /// `--allow-plaintext-secrets`.
    Plaintext(SecretString),
}

/// A `token` value that is not a valid reference. Never carries the value itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretRefError {
    /// `env:` with a missing or malformed variable name.
    #[error("`env:` must be followed by an environment variable name (letters, digits, _)")]
    BadEnvName,
    /// `file:` with no path.
    #[error("`file:` must be followed by the path of a file that holds only the token")]
    EmptyPath,
    /// `keyring:` without both parts.
    #[error(
        "`keyring:` must be followed by SERVICE/ACCOUNT, for example keyring:tandem/web-team-jira"
    )]
    BadKeyring,
}

impl SecretRef {
    /// Parses a reference. A value that starts with none of `env:`, `file:` and `keyring:` is
    /// taken as the secret itself ([`SecretRef::Plaintext`]); callers decide whether to allow it.
    pub fn parse(value: &str) -> Result<Self, SecretRefError> {
        if let Some(name) = value.strip_prefix("env:") {
            let valid = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            return if valid {
                Ok(Self::Env {
                    name: name.to_owned(),
                })
            } else {
                Err(SecretRefError::BadEnvName)
            };
        }
        if let Some(path) = value.strip_prefix("file:") {
            return if path.trim().is_empty() {
                Err(SecretRefError::EmptyPath)
            } else {
                Ok(Self::File {
                    path: PathBuf::from(path),
                })
            };
        }
        if let Some(rest) = value.strip_prefix("keyring:") {
            return match rest.split_once('/') {
                Some((service, account))
                    if !service.trim().is_empty() && !account.trim().is_empty() =>
                {
                    Ok(Self::Keyring {
                        service: service.to_owned(),
                        account: account.to_owned(),
                    })
                }
                _ => Err(SecretRefError::BadKeyring),
            };
        }
        Ok(Self::Plaintext(SecretString::from(value.to_owned())))
    }

    /// True for a secret written into the config itself.
    pub fn is_plaintext(&self) -> bool {
        matches!(self, Self::Plaintext(_))
    }

    /// The same reference with a relative `file:` path made relative to `base`.
    #[must_use]
    pub fn relative_to(self, base: &Path) -> Self {
        match self {
            Self::File { path } if path.is_relative() => Self::File {
                path: base.join(path),
            },
            other => other,
        }
    }

    /// The reference as written in a config (`env:NAME`...). For a plaintext secret this is a
    /// placeholder, never the value.
    pub fn to_config_value(&self) -> Option<String> {
        match self {
            Self::Env { name } => Some(format!("env:{name}")),
            Self::File { path } => Some(format!("file:{}", path.display())),
            Self::Keyring { service, account } => Some(format!("keyring:{service}/{account}")),
            Self::Plaintext(_) => None,
        }
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_config_value() {
            Some(value) => f.write_str(&value),
            None => f.write_str("a plaintext secret in the config file"),
        }
    }
}

impl fmt::Debug for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env { name } => f.debug_struct("Env").field("name", name).finish(),
            Self::File { path } => f.debug_struct("File").field("path", path).finish(),
            Self::Keyring { service, account } => f
                .debug_struct("Keyring")
                .field("service", service)
                .field("account", account)
                .finish(),
            Self::Plaintext(_) => f.write_str("Plaintext([REDACTED])"),
        }
    }
}

impl PartialEq for SecretRef {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Env { name: a }, Self::Env { name: b }) => a == b,
            (Self::File { path: a }, Self::File { path: b }) => a == b,
            (
                Self::Keyring {
                    service: s1,
                    account: a1,
                },
                Self::Keyring {
                    service: s2,
                    account: a2,
                },
            ) => s1 == s2 && a1 == a2,
            (Self::Plaintext(a), Self::Plaintext(b)) => a.expose_secret() == b.expose_secret(),
            _ => false,
        }
    }
}

/// Why the OS keyring could not give or take a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    /// There is no keyring to talk to (a build without the feature, or a headless Linux host
    /// without a Secret Service).
    #[error("no OS keyring is available: {reason}")]
    Unavailable {
        /// Why, in words an operator can act on.
        reason: String,
    },
    /// The keyring has no such entry.
    #[error("the keyring has no such entry")]
    NotFound,
    /// The keyring refused or failed.
    #[error("the keyring failed: {0}")]
    Failed(String),
}

/// The OS keyring as tandem uses it. The binary provides the real one (behind its `keyring`
/// cargo feature); tests provide an in-memory one.
pub trait Keyring: Send + Sync {
    /// Reads the secret stored under `service`/`account`.
    fn get(&self, service: &str, account: &str) -> Result<SecretString, KeyringError>;
    /// Stores `secret` under `service`/`account`, replacing any previous one.
    fn set(&self, service: &str, account: &str, secret: &SecretString) -> Result<(), KeyringError>;
}

/// A keyring that is not there, with the reason to tell the operator.
#[derive(Debug, Clone)]
pub struct NoKeyring {
    reason: String,
}

impl NoKeyring {
    /// A missing keyring, explained by `reason`.
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

impl Keyring for NoKeyring {
    fn get(&self, _: &str, _: &str) -> Result<SecretString, KeyringError> {
        Err(KeyringError::Unavailable {
            reason: self.reason.clone(),
        })
    }
    fn set(&self, _: &str, _: &str, _: &SecretString) -> Result<(), KeyringError> {
        Err(KeyringError::Unavailable {
            reason: self.reason.clone(),
        })
    }
}

/// A secret could not be read or stored. Each variant says how to fix it; none holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// `env:NAME` names an unset or empty variable.
    #[error(
        "environment variable {name} is not set or empty; set it in the environment tandem runs in (for a service: its unit or container environment), or point `token` at file: or keyring:"
    )]
    EnvUnset {
        /// The variable.
        name: String,
    },
    /// The variable holds bytes that are not UTF-8.
    #[error("environment variable {name} is not valid UTF-8; tokens are text, re-export it")]
    EnvNotUtf8 {
        /// The variable.
        name: String,
    },
    /// `file:PATH` cannot be read.
    #[error(
        "cannot read token file {path}: {source}; check the path, and that tandem's user owns the file"
    )]
    FileUnreadable {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `file:PATH` is readable or writable by group or others.
    #[error(
        "token file {path} is accessible by group or others (mode {mode:04o}); anyone on this host could use the token. Run `chmod 600 {path}`"
    )]
    FileTooOpen {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The token file holds nothing but whitespace.
    #[error("token file {path} is empty; paste the token into it (and nothing else)")]
    FileEmpty {
        /// The file.
        path: PathBuf,
    },
    /// The token file is not UTF-8 text.
    #[error("token file {path} is not UTF-8 text; it must hold only the token")]
    FileNotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// The keyring cannot give the secret.
    #[error("keyring entry {service}/{account}: {source}; {fix}")]
    Keyring {
        /// The keyring service.
        service: String,
        /// The keyring account.
        account: String,
        /// What the keyring said.
        source: KeyringError,
        /// How to fix it.
        fix: &'static str,
    },
    /// A new secret cannot be written to this kind of reference.
    #[error(
        "tandem cannot store a token in {reference}; store it in a file (file:PATH) or the OS keyring (keyring:SERVICE/ACCOUNT) instead"
    )]
    NotWritable {
        /// The reference, as written in the config.
        reference: String,
    },
    /// Writing a token file failed.
    #[error("cannot write token file {path}: {source}")]
    FileWrite {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

fn keyring_fix(error: &KeyringError) -> &'static str {
    match error {
        KeyringError::Unavailable { .. } => {
            "use env:NAME or file:PATH instead (a headless Linux host or a container usually has no Secret Service)"
        }
        KeyringError::NotFound => {
            "store the token there first (`tandem token rotate` or `tandem init` can do it), or check the service and account names"
        }
        KeyringError::Failed(_) => "unlock the keyring, or use env:NAME or file:PATH instead",
    }
}

/// Turns references into secrets, reading the environment snapshot, files and the keyring.
pub struct SecretResolver<'a> {
    env: &'a Env,
    keyring: &'a dyn Keyring,
}

impl fmt::Debug for SecretResolver<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretResolver")
            .field("env", self.env)
            .finish_non_exhaustive()
    }
}

impl<'a> SecretResolver<'a> {
    /// A resolver reading `env` and `keyring`.
    pub fn new(env: &'a Env, keyring: &'a dyn Keyring) -> Self {
        Self { env, keyring }
    }

    /// The secret a reference points at.
    pub fn resolve(&self, reference: &SecretRef) -> Result<SecretString, SecretError> {
        match reference {
            SecretRef::Env { name } => {
                let value = self
                    .env
                    .get(name)
                    .ok_or_else(|| SecretError::EnvUnset { name: name.clone() })?;
                let value = value
                    .to_str()
                    .ok_or_else(|| SecretError::EnvNotUtf8 { name: name.clone() })?;
                let trimmed = value.trim();
                if trimmed.is_empty() {
                    return Err(SecretError::EnvUnset { name: name.clone() });
                }
                Ok(SecretString::from(trimmed.to_owned()))
            }
            SecretRef::File { path } => read_secret_file(path),
            SecretRef::Keyring { service, account } => {
                self.keyring
                    .get(service, account)
                    .map_err(|source| SecretError::Keyring {
                        service: service.clone(),
                        account: account.clone(),
                        fix: keyring_fix(&source),
                        source,
                    })
            }
            SecretRef::Plaintext(secret) => Ok(secret.clone()),
        }
    }

    /// Stores `secret` where `reference` points (a file, written atomically with mode 0600, or
    /// a keyring entry). Environment variables and plaintext cannot be written.
    pub fn store(&self, reference: &SecretRef, secret: &SecretString) -> Result<(), SecretError> {
        match reference {
            SecretRef::File { path } => {
                let mut bytes = secret.expose_secret().as_bytes().to_vec();
                bytes.push(b'\n');
                let result = fsutil::write_atomic(path, &bytes, fsutil::PRIVATE_FILE_MODE);
                // Best effort: do not leave a copy of the secret in freed memory we own.
                bytes.iter_mut().for_each(|byte| *byte = 0);
                result.map_err(|source| SecretError::FileWrite {
                    path: path.clone(),
                    source,
                })
            }
            SecretRef::Keyring { service, account } => self
                .keyring
                .set(service, account, secret)
                .map_err(|source| SecretError::Keyring {
                    service: service.clone(),
                    account: account.clone(),
                    fix: keyring_fix(&source),
                    source,
                }),
            SecretRef::Env { .. } | SecretRef::Plaintext(_) => Err(SecretError::NotWritable {
                reference: reference.to_string(),
            }),
        }
    }
}

fn read_secret_file(path: &Path) -> Result<SecretString, SecretError> {
    let unreadable = |source| SecretError::FileUnreadable {
        path: path.to_path_buf(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(unreadable)?;
    // Refuse before reading: a token others can read must be treated as leaked, and saying
    // so early is the point (the operator fixes the mode, and should consider rotating).
    if let Some(mode) = fsutil::mode_of(&metadata)
        && mode & 0o077 != 0
    {
        return Err(SecretError::FileTooOpen {
            path: path.to_path_buf(),
            mode,
        });
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    let text = String::from_utf8(bytes).map_err(|_| SecretError::FileNotUtf8 {
        path: path.to_path_buf(),
    })?;
    let secret = SecretString::from(text.trim().to_owned());
    // `text` is dropped here; SecretString zeroizes its own copy on drop.
    drop(text);
    if secret.expose_secret().is_empty() {
        return Err(SecretError::FileEmpty {
            path: path.to_path_buf(),
        });
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "canary-7f3a9c-not-a-real-token";

    #[test]
    fn parses_each_kind_of_reference() {
        assert_eq!(
            SecretRef::parse("env:TANDEM_JIRA_TOKEN").unwrap(),
            SecretRef::Env {
                name: "TANDEM_JIRA_TOKEN".into()
            }
        );
        assert_eq!(
            SecretRef::parse("file:/etc/tandem/jira.token").unwrap(),
            SecretRef::File {
                path: "/etc/tandem/jira.token".into()
            }
        );
        assert_eq!(
            SecretRef::parse("keyring:tandem/web-team/jira").unwrap(),
            SecretRef::Keyring {
                service: "tandem".into(),
                account: "web-team/jira".into()
            }
        );
        assert!(SecretRef::parse(CANARY).unwrap().is_plaintext());
        assert_eq!(SecretRef::parse("env:"), Err(SecretRefError::BadEnvName));
        assert_eq!(SecretRef::parse("env:1X"), Err(SecretRefError::BadEnvName));
        assert_eq!(SecretRef::parse("file: "), Err(SecretRefError::EmptyPath));
        assert_eq!(
            SecretRef::parse("keyring:tandem"),
            Err(SecretRefError::BadKeyring)
        );
        assert_eq!(
            SecretRef::parse("keyring:/x"),
            Err(SecretRefError::BadKeyring)
        );
    }

    #[test]
    fn plaintext_never_shows_in_debug_or_display() {
        let reference = SecretRef::parse(CANARY).unwrap();
        assert!(!format!("{reference:?}").contains(CANARY));
        assert!(!format!("{reference}").contains(CANARY));
        assert_eq!(reference.to_config_value(), None);
    }

    #[test]
    fn resolves_env_and_trims_whitespace() {
        let env = Env::empty().with("T", format!(" {CANARY}\n"));
        let keyring = NoKeyring::new("none");
        let resolver = SecretResolver::new(&env, &keyring);
        let secret = resolver
            .resolve(&SecretRef::parse("env:T").unwrap())
            .unwrap();
        assert_eq!(secret.expose_secret(), CANARY);
        let error = resolver
            .resolve(&SecretRef::parse("env:MISSING").unwrap())
            .unwrap_err();
        assert!(error.to_string().contains("MISSING is not set"));
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_token_file_others_can_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jira.token");
        std::fs::write(&path, format!("{CANARY}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let env = Env::empty();
        let keyring = NoKeyring::new("none");
        let resolver = SecretResolver::new(&env, &keyring);
        let reference = SecretRef::File { path: path.clone() };
        let error = resolver.resolve(&reference).unwrap_err().to_string();
        assert!(
            error.contains(&format!("chmod 600 {}", path.display())),
            "{error}"
        );
        assert!(error.contains("0644"), "{error}");
        assert!(!error.contains(CANARY));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(
            resolver.resolve(&reference).unwrap().expose_secret(),
            CANARY
        );
    }

    #[test]
    fn stores_into_a_private_file_and_refuses_env() {
        let dir = tempfile::tempdir().unwrap();
        let reference = SecretRef::File {
            path: dir.path().join("secrets/ado.token"),
        };
        let env = Env::empty();
        let keyring = NoKeyring::new("none");
        let resolver = SecretResolver::new(&env, &keyring);
        resolver
            .store(&reference, &SecretString::from(CANARY.to_owned()))
            .unwrap();
        assert_eq!(
            resolver.resolve(&reference).unwrap().expose_secret(),
            CANARY
        );
        let error = resolver
            .store(
                &SecretRef::parse("env:X").unwrap(),
                &SecretString::from(CANARY.to_owned()),
            )
            .unwrap_err();
        assert!(matches!(error, SecretError::NotWritable { .. }));
    }

    #[test]
    fn a_missing_keyring_says_what_to_use_instead() {
        let env = Env::empty();
        let keyring = NoKeyring::new("this build of tandem has no keyring support");
        let resolver = SecretResolver::new(&env, &keyring);
        let error = resolver
            .resolve(&SecretRef::parse("keyring:tandem/x").unwrap())
            .unwrap_err()
            .to_string();
        assert!(error.contains("no keyring support"), "{error}");
        assert!(error.contains("use env:NAME or file:PATH"), "{error}");
    }
}
