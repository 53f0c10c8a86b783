//! Where the configuration and the state live, decided from an explicit snapshot of the
//! environment so that no code path (and no test) reads or mutates the process-wide one.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};

/// Environment variable naming the config file (overridden by `--config`).
pub const CONFIG_ENV: &str = "TANDEM_CONFIG";
/// Environment variable naming the state directory (overrides `state_dir` in the config).
pub const STATE_DIR_ENV: &str = "TANDEM_STATE_DIR";
/// The config file's name in the working directory and under `$XDG_CONFIG_HOME/tandem/`.
pub const CONFIG_FILE_NAME: &str = "tandem.toml";

/// A snapshot of environment variables. Its `Debug` names how many variables it holds and
/// nothing else, because the environment is where tokens usually live.
#[derive(Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, OsString>,
}

impl Env {
    /// Every variable of the current process whose name is valid Unicode.
    pub fn from_process() -> Self {
        Self {
            vars: std::env::vars_os()
                .filter_map(|(key, value)| key.into_string().ok().map(|key| (key, value)))
                .collect(),
        }
    }

    /// No variables at all (for tests and for callers that want full control).
    pub fn empty() -> Self {
        Self::default()
    }

    /// This snapshot plus one variable.
    #[must_use]
    pub fn with(mut self, name: &str, value: impl Into<OsString>) -> Self {
        self.vars.insert(name.to_owned(), value.into());
        self
    }

    /// The variable's value; an empty value counts as unset, as most shells treat it.
    pub fn get(&self, name: &str) -> Option<&OsStr> {
        self.vars
            .get(name)
            .map(OsString::as_os_str)
            .filter(|value| !value.is_empty())
    }

    fn path(&self, name: &str) -> Option<PathBuf> {
        self.get(name).map(PathBuf::from)
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Env {{ {} variables }}", self.vars.len())
    }
}

/// Where a value was taken from, so messages can say which knob to turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag.
    Flag,
    /// An environment variable.
    EnvVar(&'static str),
    /// The config file.
    ConfigFile,
    /// A built-in default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag => f.write_str("--config"),
            Origin::EnvVar(name) => write!(f, "${name}"),
            Origin::ConfigFile => f.write_str("the config file"),
            Origin::Default => f.write_str("the default location"),
        }
    }
}

/// A path and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The path.
    pub path: PathBuf,
    /// What chose it.
    pub origin: Origin,
}

/// Why no config file could be found.
#[derive(Debug, thiserror::Error)]
pub enum LocateError {
    /// A path given explicitly does not exist.
    #[error(
        "config file {path} (from {origin}) does not exist; check the path, or run `tandem init --config {path}` to create it"
    )]
    Missing {
        /// The path that was given.
        path: PathBuf,
        /// Who gave it.
        origin: Origin,
    },
    /// None of the default places holds a config file.
    #[error(
        "no config file found (looked for {}); run `tandem init` to create one, or pass --config PATH",
        .searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" and ")
    )]
    NotFound {
        /// Every place that was looked at, in order.
        searched: Vec<PathBuf>,
    },
}

/// The config file to read: `--config`, then `$TANDEM_CONFIG`, then `./tandem.toml`, then
/// `$XDG_CONFIG_HOME/tandem/tandem.toml` (`~/.config/tandem/tandem.toml` when unset).
/// `cwd` is the directory `./tandem.toml` is looked for in.
pub fn locate_config(flag: Option<&Path>, env: &Env, cwd: &Path) -> Result<Located, LocateError> {
    let explicit = flag
        .map(|path| (path.to_path_buf(), Origin::Flag))
        .or_else(|| {
            env.path(CONFIG_ENV)
                .map(|path| (path, Origin::EnvVar(CONFIG_ENV)))
        });
    if let Some((path, origin)) = explicit {
        return if path.is_file() {
            Ok(Located { path, origin })
        } else {
            Err(LocateError::Missing { path, origin })
        };
    }
    let mut searched = vec![cwd.join(CONFIG_FILE_NAME)];
    searched.extend(xdg_config_file(env));
    searched
        .iter()
        .find(|path| path.is_file())
        .map(|path| Located {
            path: path.clone(),
            origin: Origin::Default,
        })
        .ok_or(LocateError::NotFound { searched })
}

/// Where `tandem init` writes a new config: `--config`, then `$TANDEM_CONFIG`, then
/// `./tandem.toml`.
pub fn config_path_for_writing(flag: Option<&Path>, env: &Env, cwd: &Path) -> Located {
    if let Some(path) = flag {
        return Located {
            path: path.to_path_buf(),
            origin: Origin::Flag,
        };
    }
    if let Some(path) = env.path(CONFIG_ENV) {
        return Located {
            path,
            origin: Origin::EnvVar(CONFIG_ENV),
        };
    }
    Located {
        path: cwd.join(CONFIG_FILE_NAME),
        origin: Origin::Default,
    }
}

fn xdg_config_file(env: &Env) -> Option<PathBuf> {
    let base = env
        .path("XDG_CONFIG_HOME")
        .filter(|path| path.is_absolute())
        .or_else(|| env.path("HOME").map(|home| home.join(".config")))?;
    Some(base.join("tandem").join(CONFIG_FILE_NAME))
}

/// The state directory cannot be determined.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot tell where tandem's state directory is: neither $TANDEM_STATE_DIR, `state_dir` in the config, $XDG_STATE_HOME nor $HOME is set; set TANDEM_STATE_DIR=/path/to/state"
)]
pub struct NoStateDir;

/// The state directory: `$TANDEM_STATE_DIR`, then the config's `state_dir`, then
/// `$XDG_STATE_HOME/tandem` (`~/.local/state/tandem` when unset).
pub fn state_dir(configured: Option<&Path>, env: &Env) -> Result<Located, NoStateDir> {
    if let Some(path) = env.path(STATE_DIR_ENV) {
        return Ok(Located {
            path,
            origin: Origin::EnvVar(STATE_DIR_ENV),
        });
    }
    if let Some(path) = configured {
        return Ok(Located {
            path: path.to_path_buf(),
            origin: Origin::ConfigFile,
        });
    }
    env.path("XDG_STATE_HOME")
        .filter(|path| path.is_absolute())
        .or_else(|| {
            env.path("HOME")
                .map(|home| home.join(".local").join("state"))
        })
        .map(|base| Located {
            path: base.join("tandem"),
            origin: Origin::Default,
        })
        .ok_or(NoStateDir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_dir_precedence_is_env_then_config_then_xdg_then_home() {
        let env = Env::empty().with("HOME", "/home/u");
        assert_eq!(
            state_dir(None, &env).unwrap().path,
            PathBuf::from("/home/u/.local/state/tandem")
        );
        let env = env.with("XDG_STATE_HOME", "/xdg");
        assert_eq!(
            state_dir(None, &env).unwrap().path,
            PathBuf::from("/xdg/tandem")
        );
        let configured = PathBuf::from("/srv/tandem");
        let got = state_dir(Some(&configured), &env).unwrap();
        assert_eq!(
            (got.path, got.origin),
            (configured.clone(), Origin::ConfigFile)
        );
        let env = env.with(STATE_DIR_ENV, "/override");
        let got = state_dir(Some(&configured), &env).unwrap();
        assert_eq!(got.path, PathBuf::from("/override"));
        assert_eq!(got.origin, Origin::EnvVar(STATE_DIR_ENV));
        assert!(state_dir(None, &Env::empty()).is_err());
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let env = Env::empty().with(STATE_DIR_ENV, "").with("HOME", "/h");
        assert_eq!(
            state_dir(None, &env).unwrap().path,
            PathBuf::from("/h/.local/state/tandem")
        );
    }

    #[test]
    fn debug_never_shows_values() {
        let env = Env::empty().with("TOKEN", "s3cr3t-canary");
        assert!(!format!("{env:?}").contains("s3cr3t"));
    }

    #[test]
    fn locate_prefers_flag_then_env_then_cwd_then_xdg() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path().join("cwd");
        let xdg = dir.path().join("xdg");
        std::fs::create_dir_all(&cwd).unwrap();
        std::fs::create_dir_all(xdg.join("tandem")).unwrap();
        let env = Env::empty().with("XDG_CONFIG_HOME", xdg.as_os_str());
        assert!(matches!(
            locate_config(None, &env, &cwd),
            Err(LocateError::NotFound { searched }) if searched.len() == 2
        ));
        std::fs::write(xdg.join("tandem/tandem.toml"), "").unwrap();
        assert_eq!(
            locate_config(None, &env, &cwd).unwrap().path,
            xdg.join("tandem/tandem.toml")
        );
        std::fs::write(cwd.join("tandem.toml"), "").unwrap();
        assert_eq!(
            locate_config(None, &env, &cwd).unwrap().path,
            cwd.join("tandem.toml")
        );
        let other = dir.path().join("other.toml");
        let env = env.with(CONFIG_ENV, other.as_os_str());
        assert!(matches!(
            locate_config(None, &env, &cwd),
            Err(LocateError::Missing {
                origin: Origin::EnvVar(CONFIG_ENV),
                ..
            })
        ));
        std::fs::write(&other, "").unwrap();
        assert_eq!(locate_config(None, &env, &cwd).unwrap().path, other);
        let flag = dir.path().join("flag.toml");
        std::fs::write(&flag, "").unwrap();
        let got = locate_config(Some(&flag), &env, &cwd).unwrap();
        assert_eq!((got.path, got.origin), (flag, Origin::Flag));
    }
}
