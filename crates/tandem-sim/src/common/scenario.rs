//! Scenario files: one TOML file per simulated world.
//!
//! A file has top-level `description` (text) and one table per simulator half (`[jira]`,
//! `[ado]`). The loader reads the file once, checks its syntax and top-level keys, and hands
//! each half its own table ([`Scenario::half`]); the half deserializes it into its own types
//! (serde, `deny_unknown_fields`). Every error names the file, line and column, the key and the
//! problem ([`ScenarioError`]).
//!
//! Two rules keep scenario files short and every world complete:
//! - a half the file does not declare is served from the built-in `demo` scenario;
//! - a half table may say `extends = "NAME"` (a built-in name, or a path relative to the file):
//!   its keys are merged over that scenario's same half, tables key by key, everything else
//!   (arrays included) replaced whole.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_scenarios.rs"));
}

/// The names of the simulator halves a scenario file may declare, one table each.
pub const HALVES: &[&str] = &["jira", "ado"];

/// Top-level keys besides the halves.
const TOP_LEVEL: &[&str] = &["description"];

/// The scenario a missing half falls back to.
pub const DEFAULT_SCENARIO: &str = "demo";

/// Where a scenario came from: a built-in name or a file on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Embedded in the binary (`scenarios/NAME.toml` in the repository).
    Builtin(String),
    /// A file given by path.
    File(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Builtin(name) => write!(f, "scenarios/{name}.toml (built-in)"),
            Origin::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// A bad scenario: which file, where, which key, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioError {
    /// The file (or built-in name) the problem is in.
    pub file: String,
    /// 1-based line and column, when the problem has a place in the file.
    pub line: Option<usize>,
    /// 1-based column.
    pub column: Option<usize>,
    /// Dotted key path, e.g. `jira.users.sync-bot.account_type`.
    pub key: Option<String>,
    /// What is wrong, and where possible how to fix it.
    pub problem: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let (Some(line), Some(col)) = (self.line, self.column) {
            write!(f, ":{line}:{col}")?;
        }
        write!(f, ": ")?;
        if let Some(key) = &self.key {
            write!(f, "key `{key}`: ")?;
        }
        write!(f, "{}", self.problem)
    }
}

/// One source text of a half (the scenario's own file, then the files it extends), kept to
/// find the line of a key when the half's deserialization fails.
#[derive(Debug, Clone)]
struct Source {
    label: String,
    text: Arc<str>,
}

#[derive(Debug, Clone)]
struct HalfTable {
    /// The merged table, `extends` removed.
    value: toml::Table,
    /// Most specific first.
    sources: Vec<Source>,
}

/// A loaded scenario file.
#[derive(Debug, Clone)]
pub struct Scenario {
    name: String,
    origin: Origin,
    description: String,
    halves: BTreeMap<String, HalfTable>,
}

impl Scenario {
    /// Names of the built-in scenarios, sorted.
    pub fn builtin_names() -> impl Iterator<Item = &'static str> {
        builtin::BUILTIN.iter().map(|(name, _)| *name)
    }

    /// The text of a built-in scenario file.
    pub fn builtin_text(name: &str) -> Option<&'static str> {
        builtin::BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, text)| *text)
    }

    /// Loads a built-in scenario by name.
    pub fn builtin(name: &str) -> Result<Scenario, ScenarioError> {
        let text = Self::builtin_text(name).ok_or_else(|| ScenarioError {
            file: name.to_owned(),
            line: None,
            column: None,
            key: None,
            problem: format!(
                "no built-in scenario of that name; built-in scenarios: {}",
                Self::builtin_names().collect::<Vec<_>>().join(", ")
            ),
        })?;
        Self::parse(Origin::Builtin(name.to_owned()), text, &mut Vec::new())
    }

    /// `NAME` of a built-in scenario, or a path to a scenario file (anything with a `/` or a
    /// `.toml` suffix is taken as a path).
    pub fn resolve(name_or_path: &str) -> Result<Scenario, ScenarioError> {
        if name_or_path.contains('/') || name_or_path.ends_with(".toml") {
            Self::from_path(Path::new(name_or_path))
        } else {
            Self::builtin(name_or_path)
        }
    }

    /// Loads a scenario file from disk.
    pub fn from_path(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
            file: path.display().to_string(),
            line: None,
            column: None,
            key: None,
            problem: format!("cannot read the scenario file: {e}"),
        })?;
        Self::parse(Origin::File(path.to_owned()), &text, &mut Vec::new())
    }

    /// Parses scenario text; `origin` names it in errors and resolves relative `extends`.
    pub fn from_text(origin: Origin, text: &str) -> Result<Scenario, ScenarioError> {
        Self::parse(origin, text, &mut Vec::new())
    }

    fn parse(
        origin: Origin,
        text: &str,
        chain: &mut Vec<String>,
    ) -> Result<Scenario, ScenarioError> {
        let label = origin.to_string();
        if chain.contains(&label) {
            return Err(ScenarioError {
                file: label,
                line: None,
                column: None,
                key: Some("extends".into()),
                problem: format!("`extends` forms a cycle: {}", chain.join(" -> ")),
            });
        }
        chain.push(label.clone());
        let text: Arc<str> = Arc::from(text);
        // Syntax first, with the parser's own span.
        let spanned = toml::de::DeTable::parse(&text).map_err(|e| toml_error(&label, &text, &e))?;
        for (key, value) in spanned.get_ref().iter() {
            let k: &str = key.get_ref();
            if !HALVES.contains(&k) && !TOP_LEVEL.contains(&k) {
                return Err(at_span(
                    &label,
                    &text,
                    key.span(),
                    Some(k.to_owned()),
                    format!(
                        "unknown top-level key; expected one of: {}",
                        TOP_LEVEL
                            .iter()
                            .chain(HALVES)
                            .copied()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            if HALVES.contains(&k) && !value.get_ref().is_table() {
                return Err(at_span(
                    &label,
                    &text,
                    value.span(),
                    Some(k.to_owned()),
                    format!("must be a table (`[{k}]`)"),
                ));
            }
        }
        let mut table: toml::Table =
            toml::from_str(&text).map_err(|e| toml_error(&label, &text, &e))?;
        let description = match table.remove("description") {
            None => String::new(),
            Some(toml::Value::String(s)) => s,
            Some(_) => {
                return Err(locate(
                    &label,
                    &text,
                    &["description".to_owned()],
                    "must be a string".into(),
                ));
            }
        };
        let mut halves = BTreeMap::new();
        for half in HALVES {
            let Some(toml::Value::Table(mut value)) = table.remove(*half) else {
                continue;
            };
            let mut sources = vec![Source {
                label: label.clone(),
                text: text.clone(),
            }];
            if let Some(ext) = value.remove("extends") {
                let toml::Value::String(base_name) = ext else {
                    return Err(locate(
                        &label,
                        &text,
                        &[(*half).to_owned(), "extends".into()],
                        "must be a scenario name or a path (a string)".into(),
                    ));
                };
                let base = Self::load_base(&origin, &base_name, chain).map_err(|mut e| {
                    if e.line.is_none() {
                        let place = locate(
                            &label,
                            &text,
                            &[(*half).to_owned(), "extends".into()],
                            String::new(),
                        );
                        e.problem = format!("{} (extended from {place})", e.problem);
                    }
                    e
                })?;
                let base_half = base.half_table(half).map_err(|e| ScenarioError {
                    problem: format!("{} (needed by `{half}.extends`)", e.problem),
                    ..e
                })?;
                let mut merged = base_half.value.clone();
                merge(&mut merged, value);
                value = merged;
                sources.extend(base_half.sources.iter().cloned());
            }
            halves.insert((*half).to_owned(), HalfTable { value, sources });
        }
        chain.pop();
        let name = match &origin {
            Origin::Builtin(n) => n.clone(),
            Origin::File(p) => p
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("scenario")
                .to_owned(),
        };
        Ok(Scenario {
            name,
            origin,
            description,
            halves,
        })
    }

    fn load_base(
        origin: &Origin,
        base: &str,
        chain: &mut Vec<String>,
    ) -> Result<Scenario, ScenarioError> {
        let as_path = base.contains('/') || base.ends_with(".toml");
        if !as_path {
            let text = Self::builtin_text(base).ok_or_else(|| ScenarioError {
                file: origin.to_string(),
                line: None,
                column: None,
                key: Some("extends".into()),
                problem: format!(
                    "no built-in scenario `{base}`; built-in scenarios: {}",
                    Self::builtin_names().collect::<Vec<_>>().join(", ")
                ),
            })?;
            return Self::parse(Origin::Builtin(base.to_owned()), text, chain);
        }
        let path = match origin {
            Origin::File(p) => p.parent().unwrap_or(Path::new(".")).join(base),
            Origin::Builtin(_) => PathBuf::from(base),
        };
        let text = std::fs::read_to_string(&path).map_err(|e| ScenarioError {
            file: path.display().to_string(),
            line: None,
            column: None,
            key: None,
            problem: format!("cannot read the extended scenario file: {e}"),
        })?;
        Self::parse(Origin::File(path), &text, chain)
    }

    /// The scenario's name (built-in name, or the file's stem).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the scenario came from.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The file's `description`, empty if none.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Whether the file itself declares this half (otherwise it is served from `demo`).
    pub fn declares(&self, half: &str) -> bool {
        self.halves.contains_key(half)
    }

    fn half_table(&self, half: &str) -> Result<std::borrow::Cow<'_, HalfTable>, ScenarioError> {
        if let Some(t) = self.halves.get(half) {
            return Ok(std::borrow::Cow::Borrowed(t));
        }
        if self.name == DEFAULT_SCENARIO && matches!(self.origin, Origin::Builtin(_)) {
            return Err(ScenarioError {
                file: self.origin.to_string(),
                line: None,
                column: None,
                key: Some(half.to_owned()),
                problem: format!(
                    "the built-in `{DEFAULT_SCENARIO}` scenario has no [{half}] table"
                ),
            });
        }
        let demo = Scenario::builtin(DEFAULT_SCENARIO)?;
        let t = demo.half_table(half)?.into_owned();
        Ok(std::borrow::Cow::Owned(t))
    }

    /// Deserializes this scenario's table for one half (`"jira"`, `"ado"`) into the half's own
    /// type, falling back to the `demo` scenario's table when the file omits the half. Errors
    /// name the file, line, key and problem.
    pub fn half<T: DeserializeOwned>(&self, half: &str) -> Result<T, ScenarioError> {
        let table = self.half_table(half)?;
        let value = toml::Value::Table(table.value.clone());
        serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
            let mut path = vec![half.to_owned()];
            for seg in e.path().iter() {
                match seg {
                    serde_path_to_error::Segment::Seq { index } => path.push(format!("[{index}]")),
                    serde_path_to_error::Segment::Map { key } => path.push(key.clone()),
                    serde_path_to_error::Segment::Enum { variant } => path.push(variant.clone()),
                    serde_path_to_error::Segment::Unknown => {}
                }
            }
            let problem = e.inner().message().trim().to_owned();
            // An unknown field is reported at its parent: point at the field itself.
            if let Some(field) = unknown_field(&problem)
                && path.last() != Some(&field)
            {
                path.push(field);
            }
            table.locate_in_sources(&path, problem)
        })
    }

    /// An error about a value the half found invalid after deserializing it (e.g. a reference
    /// to an undeclared user). `path` is relative to the half's table, e.g.
    /// `["tokens", "abc", "owner"]`.
    pub fn error_at(&self, half: &str, path: &[&str], problem: impl Into<String>) -> ScenarioError {
        let mut full = vec![half.to_owned()];
        full.extend(path.iter().map(|s| (*s).to_owned()));
        match self.half_table(half) {
            Ok(t) => t.locate_in_sources(&full, problem.into()),
            Err(e) => e,
        }
    }
}

impl HalfTable {
    fn locate_in_sources(&self, path: &[String], problem: String) -> ScenarioError {
        // The key may come from the file itself or from a scenario it extends: report the most
        // specific file that has the deepest part of the path.
        let mut best: Option<(usize, ScenarioError)> = None;
        for src in &self.sources {
            let (depth, err) = locate_depth(&src.label, &src.text, path, problem.clone());
            if best.as_ref().is_none_or(|(d, _)| depth > *d) {
                best = Some((depth, err));
            }
        }
        match best {
            Some((_, e)) => e,
            None => ScenarioError {
                file: String::new(),
                line: None,
                column: None,
                key: Some(path.join(".")),
                problem,
            },
        }
    }
}

fn unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let end = rest.find('`')?;
    Some(rest[..end].to_owned())
}

/// Deep merge: tables key by key, everything else replaced.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn at_span(
    file: &str,
    text: &str,
    span: std::ops::Range<usize>,
    key: Option<String>,
    problem: String,
) -> ScenarioError {
    let (line, col) = line_col(text, span.start);
    ScenarioError {
        file: file.to_owned(),
        line: Some(line),
        column: Some(col),
        key,
        problem,
    }
}

fn toml_error(file: &str, text: &str, e: &toml::de::Error) -> ScenarioError {
    let problem = format!("invalid TOML: {}", e.message().trim());
    match e.span() {
        Some(span) => at_span(file, text, span, None, problem),
        None => ScenarioError {
            file: file.to_owned(),
            line: None,
            column: None,
            key: None,
            problem,
        },
    }
}

fn locate(file: &str, text: &str, path: &[String], problem: String) -> ScenarioError {
    locate_depth(file, text, path, problem).1
}

/// Finds the deepest part of `path` present in `text`; returns how deep it got and an error
/// pointing at it. Path segments like `[3]` index arrays.
fn locate_depth(
    file: &str,
    text: &str,
    path: &[String],
    problem: String,
) -> (usize, ScenarioError) {
    let key = Some(display_path(path));
    let Ok(doc) = toml::de::DeTable::parse(text) else {
        return (
            0,
            ScenarioError {
                file: file.to_owned(),
                line: None,
                column: None,
                key,
                problem,
            },
        );
    };
    let mut span: Option<std::ops::Range<usize>> = None;
    let mut depth = 0;
    let mut current: Option<&toml::de::DeValue<'_>> = None;
    let root = doc.get_ref();
    for (i, seg) in path.iter().enumerate() {
        let next = if let Some(idx) = seg.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            let Ok(idx) = idx.parse::<usize>() else { break };
            match current {
                Some(toml::de::DeValue::Array(arr)) => arr.get(idx).map(|v| (v.span(), v)),
                _ => None,
            }
        } else {
            let table = match current {
                None if i == 0 => Some(root),
                Some(toml::de::DeValue::Table(t)) => Some(t),
                _ => None,
            };
            table.and_then(|t| t.get_key_value(seg.as_str()).map(|(k, v)| (k.span(), v)))
        };
        match next {
            Some((s, v)) => {
                span = Some(s);
                depth = i + 1;
                current = Some(v.get_ref());
            }
            None => break,
        }
    }
    let err = match span {
        Some(s) => at_span(file, text, s, key, problem),
        None => ScenarioError {
            file: file.to_owned(),
            line: None,
            column: None,
            key,
            problem,
        },
    };
    (depth, err)
}

fn display_path(path: &[String]) -> String {
    let mut out = String::new();
    for seg in path {
        if seg.starts_with('[') {
            out.push_str(seg);
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Half {
        name: String,
        #[serde(default)]
        items: Vec<Item>,
        #[serde(default)]
        nested: BTreeMap<String, Item>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Item {
        #[allow(dead_code)]
        n: u32,
    }

    fn load(text: &str) -> Result<Scenario, ScenarioError> {
        Scenario::from_text(Origin::File("test.toml".into()), text)
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let e = load("description = \"x\"\n[jira\nname = 1\n").unwrap_err();
        assert_eq!(e.file, "test.toml");
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.problem.contains("invalid TOML"), "{e}");
    }

    #[test]
    fn unknown_top_level_key_is_named() {
        let e = load("description = \"x\"\n\n[jirra]\nname = \"a\"\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert_eq!(e.key.as_deref(), Some("jirra"));
        assert!(
            e.to_string().starts_with("test.toml:3:2: key `jirra`"),
            "{e}"
        );
    }

    #[test]
    fn wrong_type_points_at_the_key() {
        let s =
            load("[jira]\nname = \"a\"\n\n[[jira.items]]\nn = 1\n\n[[jira.items]]\nn = \"two\"\n")
                .unwrap();
        let e = s.half::<Half>("jira").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("jira.items[1].n"), "{e}");
        assert_eq!(e.line, Some(8), "{e}");
        assert!(e.problem.contains("invalid type"), "{e}");
    }

    #[test]
    fn unknown_field_points_at_the_field() {
        let s = load("[jira]\nname = \"a\"\n[jira.nested.x]\nn = 1\nm = 2\n").unwrap();
        let e = s.half::<Half>("jira").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("jira.nested.x.m"), "{e}");
        assert_eq!(e.line, Some(5), "{e}");
        assert!(e.problem.contains("unknown field"), "{e}");
    }

    #[test]
    fn missing_half_comes_from_demo() {
        let s = load("description = \"only ado\"\n").unwrap();
        assert!(!s.declares("jira"));
        // demo declares jira, so the table is there (its type is the Jira half's own).
        let t = s.half_table("jira").unwrap();
        assert!(t.value.contains_key("flavour"));
    }

    #[test]
    fn extends_merges_tables_and_replaces_arrays() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("base.toml"),
            "[jira]\nname = \"base\"\n[[jira.items]]\nn = 1\n[jira.nested.a]\nn = 1\n",
        )
        .unwrap();
        let path = dir.path().join("child.toml");
        std::fs::write(
            &path,
            "[jira]\nextends = \"base.toml\"\n[jira.nested.b]\nn = 2\n",
        )
        .unwrap();
        let s = Scenario::from_path(&path).unwrap();
        let h: Half = s.half("jira").unwrap();
        assert_eq!(h.name, "base");
        assert_eq!(h.items.len(), 1);
        assert_eq!(h.nested.len(), 2);
    }

    #[test]
    fn extends_cycle_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.toml");
        std::fs::write(&a, "[jira]\nextends = \"b.toml\"\n").unwrap();
        std::fs::write(dir.path().join("b.toml"), "[jira]\nextends = \"a.toml\"\n").unwrap();
        let e = Scenario::from_path(&a).unwrap_err();
        assert!(e.problem.contains("cycle"), "{e}");
    }

    #[test]
    fn every_builtin_parses() {
        for name in Scenario::builtin_names() {
            Scenario::builtin(name).unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(Scenario::builtin_names().any(|n| n == "demo"));
    }
}
