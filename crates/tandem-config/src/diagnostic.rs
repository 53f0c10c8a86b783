//! A problem found in a config file, pinned to its file, line, column and key, with the fix.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The config cannot be used.
    Error,
    /// The config works, but probably not as intended.
    Warning,
}

/// One problem in a config file. Never contains a secret: messages name keys and
/// references, not values of `token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The config file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// Dotted key path, e.g. `profile[0].jira.mode` (empty for a syntax error).
    pub key: String,
    /// What is wrong.
    pub problem: String,
    /// What to do about it.
    pub fix: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{label}: {}:{}:{}: ",
            self.file.display(),
            self.line,
            self.column
        )?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        write!(f, "{}\n  fix: {}", self.problem, self.fix)
    }
}

/// The config file is not usable. Lists every error found (and the warnings alongside).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors {
    /// The errors, in file order.
    pub errors: Vec<Diagnostic>,
    /// Warnings found before validation stopped.
    pub warnings: Vec<Diagnostic>,
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.errors.len();
        write!(
            f,
            "{count} error{} in the config",
            if count == 1 { "" } else { "s" }
        )?;
        for diagnostic in &self.errors {
            write!(f, "\n{diagnostic}")?;
        }
        Ok(())
    }
}

/// Maps byte offsets of a source text to 1-based line and column numbers.
pub(crate) struct SourceMap<'a> {
    text: &'a str,
    file: &'a Path,
}

impl<'a> SourceMap<'a> {
    pub(crate) fn new(text: &'a str, file: &'a Path) -> Self {
        Self { text, file }
    }

    pub(crate) fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        // Back up to a char boundary so slicing cannot panic on odd spans.
        let offset = (0..=offset)
            .rev()
            .find(|&o| self.text.is_char_boundary(o))
            .unwrap_or(0);
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }

    pub(crate) fn diagnostic(
        &self,
        severity: Severity,
        span: Range<usize>,
        key: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Diagnostic {
        let (line, column) = self.line_column(span.start);
        Diagnostic {
            severity,
            file: self.file.to_path_buf(),
            line,
            column,
            key: key.into(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let text = "a = 1\nbé = 2\n";
        let map = SourceMap::new(text, Path::new("t.toml"));
        assert_eq!(map.line_column(0), (1, 1));
        assert_eq!(map.line_column(6), (2, 1));
        let offset = text.find("= 2").unwrap();
        assert_eq!(map.line_column(offset), (2, 4));
        assert_eq!(map.line_column(10_000), (3, 1));
    }
}
