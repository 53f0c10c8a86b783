//! Where the state lives. The binary gathers the inputs and calls [`resolve_state_dir`];
//! the function itself reads nothing, so every precedence rule is unit-tested.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// The environment variable that overrides the configured state directory.
pub const STATE_DIR_ENV: &str = "TANDEM_STATE_DIR";

/// The inputs of [`resolve_state_dir`].
#[derive(Clone, Debug, Default)]
pub struct StateDirInputs {
    /// `TANDEM_STATE_DIR`.
    pub env_override: Option<OsString>,
    /// `state_dir` from the config file (already made absolute by the config loader).
    pub config: Option<PathBuf>,
    /// `XDG_STATE_HOME`.
    pub xdg_state_home: Option<OsString>,
    /// `HOME`.
    pub home: Option<OsString>,
}

impl StateDirInputs {
    /// Reads the three environment variables of this process; `config` comes from the
    /// caller.
    #[must_use]
    pub fn from_env(config: Option<PathBuf>) -> StateDirInputs {
        StateDirInputs {
            env_override: std::env::var_os(STATE_DIR_ENV),
            config,
            xdg_state_home: std::env::var_os("XDG_STATE_HOME"),
            home: std::env::var_os("HOME"),
        }
    }
}

/// No state directory could be chosen.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "no state directory: set `state_dir` in the config, or the TANDEM_STATE_DIR or \
     XDG_STATE_HOME environment variable (HOME is not set either)"
)]
pub struct NoStateDir;

/// Chooses the state directory: `TANDEM_STATE_DIR`, else the config's `state_dir`, else
/// `$XDG_STATE_HOME/tandem`, else `$HOME/.local/state/tandem` (the XDG Base Directory
/// default). Empty values count as unset; a relative `XDG_STATE_HOME` is ignored, as the XDG
/// specification requires. A leading `~/` is expanded with `HOME`.
///
/// # Errors
/// [`NoStateDir`] when none of the inputs gives a directory.
pub fn resolve_state_dir(inputs: &StateDirInputs) -> Result<PathBuf, NoStateDir> {
    let set = |v: &Option<OsString>| v.as_deref().filter(|s| !s.is_empty()).map(PathBuf::from);
    let home = set(&inputs.home);
    let expand = |p: PathBuf| match (p.strip_prefix("~"), &home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => p,
    };
    if let Some(p) = set(&inputs.env_override) {
        return Ok(expand(p));
    }
    if let Some(p) = inputs.config.clone().filter(|p| !p.as_os_str().is_empty()) {
        return Ok(expand(p));
    }
    if let Some(p) = set(&inputs.xdg_state_home).filter(|p| p.is_absolute()) {
        return Ok(p.join("tandem"));
    }
    home.map(|h| h.join(".local").join("state").join("tandem"))
        .ok_or(NoStateDir)
}

/// The database file inside a state directory.
#[must_use]
pub fn database_path(state_dir: &Path) -> PathBuf {
    state_dir.join(OsStr::new("tandem.db"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(env: &str, config: &str, xdg: &str, home: &str) -> StateDirInputs {
        let opt = |s: &str| (!s.is_empty()).then(|| OsString::from(s));
        StateDirInputs {
            env_override: opt(env),
            config: (!config.is_empty()).then(|| PathBuf::from(config)),
            xdg_state_home: opt(xdg),
            home: opt(home),
        }
    }

    #[test]
    fn precedence() {
        // (case, TANDEM_STATE_DIR, config state_dir, XDG_STATE_HOME, HOME, expected)
        let cases = [
            ("env wins", "/e", "/c", "/x", "/h", Some("/e")),
            ("then config", "", "/c", "/x", "/h", Some("/c")),
            ("then xdg", "", "", "/x", "/h", Some("/x/tandem")),
            (
                "relative xdg ignored",
                "",
                "",
                "x",
                "/h",
                Some("/h/.local/state/tandem"),
            ),
            (
                "then home",
                "",
                "",
                "",
                "/h",
                Some("/h/.local/state/tandem"),
            ),
            ("tilde expands", "~/s", "", "", "/h", Some("/h/s")),
            ("tilde in config", "", "~/c", "", "/h", Some("/h/c")),
            ("nothing", "", "", "", "", None),
        ];
        for (case, env, config, xdg, home, expected) in cases {
            let got = resolve_state_dir(&inputs(env, config, xdg, home)).ok();
            assert_eq!(got, expected.map(PathBuf::from), "{case}");
        }
        let err = resolve_state_dir(&StateDirInputs::default()).unwrap_err();
        assert!(err.to_string().contains("set `state_dir` in the config"));
    }
}
