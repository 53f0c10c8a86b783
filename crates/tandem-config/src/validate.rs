//! Raw config -> validated config. Structural problems (syntax, unknown keys, wrong types) come
//! from toml/serde with their position; everything else is checked here, all at once, so one
//! run of `tandem config check` lists every problem with its line and its fix.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use url::Url;

use crate::diagnostic::{ConfigErrors, Diagnostic, Severity, SourceMap};
use tandem_core::{
    AreaMap, Converter, FieldMap, Mapping, PriorityMap, PriorityPair, StateMap, StatePair,
    TypePair, UnmappedUsers, UserMap, UserMatch, UserPair,
};

use crate::model::{
    AdoAuth, AdoDeployment, AdoSide, Config, ConflictPolicy, DEFAULT_TOKEN_WARNING_DAYS, Direction,
    JiraAuth, JiraMode, JiraSide, Keyword, Profile, Side, Transport, absolute, within,
};
use crate::raw::{RawAdo, RawConfig, RawJira, RawPair, RawPriority, RawProfile, RawStatePair, S};
use crate::secret::{SecretRef, SecretRefError};

/// Choices that change what validation accepts.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseOptions {
    /// Accept a secret written directly as a `token` value (with a warning). Off by default:
    /// a config file is copied, committed and pasted into tickets far more often than a token
    /// file is.
    pub allow_plaintext_secrets: bool,
}

/// A valid config and the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Validated {
    /// The config.
    pub config: Config,
    /// Things that work but are probably not what was meant.
    pub warnings: Vec<Diagnostic>,
}

/// Reading or validating a config file failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file cannot be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file has errors.
    #[error(transparent)]
    Invalid(#[from] ConfigErrors),
}

/// Reads and validates the config file at `path`.
pub fn load(path: &Path, options: ParseOptions) -> Result<Validated, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(parse(&text, path, options)?)
}

/// Validates config `text` read from `path` (used in messages and to resolve relative paths).
pub fn parse(text: &str, path: &Path, options: ParseOptions) -> Result<Validated, ConfigErrors> {
    let map = SourceMap::new(text, path);
    let raw: RawConfig = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(error) => {
            return Err(ConfigErrors {
                errors: vec![toml_error(&map, text, &error)],
                warnings: Vec::new(),
            });
        }
    };
    let base = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut ctx = Ctx {
        map,
        base,
        options,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let config = ctx.config(&raw, path);
    ctx.errors.sort_by_key(|d| (d.line, d.column));
    ctx.warnings.sort_by_key(|d| (d.line, d.column));
    match config {
        Some(config) if ctx.errors.is_empty() => Ok(Validated {
            config,
            warnings: ctx.warnings,
        }),
        _ => Err(ConfigErrors {
            errors: ctx.errors,
            warnings: ctx.warnings,
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// toml/serde errors

fn toml_error(map: &SourceMap<'_>, text: &str, error: &toml::de::Error) -> Diagnostic {
    let span = error.span().unwrap_or(0..0);
    let key = DeTable::parse(text)
        .ok()
        .and_then(|doc| {
            let mut path = Vec::new();
            key_path_at(doc.get_ref(), span.start, &mut path).then(|| path.join("."))
        })
        .unwrap_or_default();
    let message = error.message().trim().replace('\n', "; ");
    let (problem, fix) = explain_toml_message(&message, &key);
    map.diagnostic(Severity::Error, span, key, problem, fix)
}

/// Finds the dotted path of the deepest key or value containing `offset`.
fn key_path_at(table: &DeTable<'_>, offset: usize, path: &mut Vec<String>) -> bool {
    for (key, value) in table {
        let name = key.get_ref().to_string();
        if key.span().contains(&offset) {
            path.push(name);
            return true;
        }
        match value.get_ref() {
            DeValue::Table(inner) => {
                path.push(name);
                if key_path_at(inner, offset, path) || value.span().contains(&offset) {
                    return true;
                }
                path.pop();
            }
            DeValue::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    path.push(format!("{name}[{index}]"));
                    if let DeValue::Table(inner) = item.get_ref()
                        && key_path_at(inner, offset, path)
                    {
                        return true;
                    }
                    if item.span().contains(&offset) {
                        return true;
                    }
                    path.pop();
                }
                if value.span().contains(&offset) {
                    path.push(name);
                    return true;
                }
            }
            _ => {
                if value.span().contains(&offset) {
                    path.push(name);
                    return true;
                }
            }
        }
    }
    false
}

fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

fn explain_toml_message(message: &str, key: &str) -> (String, String) {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or_default();
        let expected = message
            .split_once("expected")
            .map(|(_, list)| backticked(list))
            .unwrap_or_default();
        let valid = expected.join(", ");
        let fix = match closest(field, &expected) {
            Some(suggestion) => {
                format!("did you mean `{suggestion}`? Keys allowed here: {valid}")
            }
            None if expected.is_empty() => "remove it: this table takes no keys".to_owned(),
            None => format!("remove it, or check its spelling. Keys allowed here: {valid}"),
        };
        return (format!("unknown key `{field}`"), fix);
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest
            .split_once(", expected ")
            .unwrap_or((rest, "another type"));
        let expected = if expected.starts_with("struct Raw") {
            "a table"
        } else if expected == "a sequence" {
            "a list"
        } else {
            expected
        };
        // Never echo the value of a token, whatever its type.
        let found = if key.ends_with("token") {
            found.split(' ').next().unwrap_or(found).to_owned()
        } else {
            found.to_owned()
        };
        let fix = if key == "profile" && expected == "a list" {
            "profiles are an array of tables: write the header with double brackets, [[profile]]"
                .to_owned()
        } else {
            match expected {
                "a string" => "write the value as a string, in quotes".to_owned(),
                "a list" => "write a list, e.g. [\"A\", \"B\"]".to_owned(),
                "a table" => {
                    "write a table: a [section] header, or { key = value } inline".to_owned()
                }
                "a boolean" => "write true or false, without quotes".to_owned(),
                "i64" => "write a whole number, without quotes".to_owned(),
                other => format!("write {other}"),
            }
        };
        let expected = if expected == "i64" {
            "a whole number"
        } else {
            expected
        };
        return (format!("expected {expected}, found {found}"), fix);
    }
    if message.contains("duplicate key") {
        return (
            message.to_owned(),
            "keep one of the two; for several profiles write one [[profile]] table each".to_owned(),
        );
    }
    if message.contains("escape") {
        return (
            message.to_owned(),
            "a backslash in a \"double-quoted\" string starts an escape: write Web\\\\Frontend, or use single quotes 'Web\\Frontend'"
                .to_owned(),
        );
    }
    (
        message.to_owned(),
        "fix the TOML syntax at this position (see https://toml.io/en/v1.0.0)".to_owned(),
    )
}

/// The keyword closest to `word`, if it is close enough to be a likely typo.
fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    let by_spelling = candidates
        .iter()
        .map(|c| (edit_distance(&word, &c.to_ascii_lowercase()), *c))
        .filter(|(distance, candidate)| *distance <= 2.max(candidate.len() / 3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate);
    // "pat" -> "dc-pat": a word that is one part of exactly one keyword.
    by_spelling.or_else(|| {
        let mut parts = candidates
            .iter()
            .filter(|c| c.split('-').any(|part| part == word));
        match (parts.next(), parts.next()) {
            (Some(only), None) => Some(*only),
            _ => None,
        }
    })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

// ---------------------------------------------------------------------------------------------
// semantic validation

/// The `convert` kinds of a field mapping (`tandem-core`'s converters).
const CONVERTERS: &[&str] = &[
    "text",
    "rich-text",
    "user",
    "state",
    "priority",
    "labels",
    "number",
    "date",
    "date-time",
    "path",
    "area-component",
];

fn parse_converter(value: &str) -> Option<&'static str> {
    CONVERTERS.iter().copied().find(|kind| *kind == value)
}

/// The converter a well-known field needs, from either side's id.
fn known_converter(field: &str) -> Option<&'static str> {
    Some(match field {
        "summary" | "System.Title" => "text",
        "description"
        | "environment"
        | "System.Description"
        | "Microsoft.VSTS.TCM.ReproSteps"
        | "Microsoft.VSTS.Common.AcceptanceCriteria"
        | "System.History" => "rich-text",
        "status" | "System.State" => "state",
        "priority" | "Microsoft.VSTS.Common.Priority" => "priority",
        "assignee" | "reporter" | "System.AssignedTo" => "user",
        "labels" | "System.Tags" => "labels",
        "duedate"
        | "Microsoft.VSTS.Scheduling.DueDate"
        | "Microsoft.VSTS.Scheduling.TargetDate"
        | "Microsoft.VSTS.Scheduling.StartDate" => "date",
        "created" | "updated" | "resolutiondate" => "date-time",
        "timeoriginalestimate"
        | "timeestimate"
        | "timespent"
        | "Microsoft.VSTS.Scheduling.StoryPoints"
        | "Microsoft.VSTS.Scheduling.Effort"
        | "Microsoft.VSTS.Scheduling.OriginalEstimate"
        | "Microsoft.VSTS.Scheduling.RemainingWork"
        | "Microsoft.VSTS.Scheduling.CompletedWork" => "number",
        "System.IterationPath" => "path",
        "components" | "System.AreaPath" => "area-component",
        _ => return None,
    })
}

/// The converter for a pair of fields when at least one is well known and they agree; the two
/// guesses when they disagree.
fn infer_converter(
    jira: &str,
    ado: &str,
) -> Result<&'static str, Option<(&'static str, &'static str)>> {
    match (known_converter(jira), known_converter(ado)) {
        (Some(a), Some(b)) if a == b => Ok(a),
        (Some(a), Some(b)) => Err(Some((a, b))),
        (Some(kind), None) | (None, Some(kind)) => Ok(kind),
        (None, None) => Err(None),
    }
}

/// Jira's five default priorities onto Azure DevOps's four (research/sync-semantics.md §9),
/// as `tandem-core`'s standard mapping has them.
fn default_priorities() -> Vec<PriorityPair> {
    [
        ("Highest", 1),
        ("High", 2),
        ("Medium", 3),
        ("Low", 4),
        ("Lowest", 4),
    ]
    .into_iter()
    .map(|(jira, ado)| PriorityPair {
        jira: jira.to_owned(),
        ado,
    })
    .collect()
}

struct Ctx<'a> {
    map: SourceMap<'a>,
    base: PathBuf,
    options: ParseOptions,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

/// A loopback address: the built-in simulator, or a tunnel. No TLS or host-name advice applies.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn is_email(value: &str) -> bool {
    match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.chars().any(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

fn line_of<T>(ctx: &Ctx<'_>, value: &S<T>) -> usize {
    ctx.map.line_column(value.span().start).0
}

impl Ctx<'_> {
    fn error(
        &mut self,
        span: Range<usize>,
        key: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) {
        let d = self
            .map
            .diagnostic(Severity::Error, span, key, problem, fix);
        self.errors.push(d);
    }

    fn warn(
        &mut self,
        span: Range<usize>,
        key: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) {
        let d = self
            .map
            .diagnostic(Severity::Warning, span, key, problem, fix);
        self.warnings.push(d);
    }

    /// A required key: reports it missing (at the table) and returns None.
    fn required<'v, T>(
        &mut self,
        value: &'v Option<S<T>>,
        table: Range<usize>,
        key: &str,
        fix: &str,
    ) -> Option<&'v S<T>> {
        if value.is_none() {
            let name = key.rsplit('.').next().unwrap_or(key);
            self.error(table, key, format!("missing key `{name}`"), fix);
        }
        value.as_ref()
    }

    /// A non-empty string, trimmed.
    fn text(&mut self, value: &S<String>, key: &str, fix: &str) -> Option<String> {
        let trimmed = value.get_ref().trim();
        if trimmed.is_empty() {
            self.error(value.span(), key, "must not be empty", fix);
            None
        } else {
            Some(trimmed.to_owned())
        }
    }

    fn keyword<E: Copy>(
        &mut self,
        value: &S<String>,
        key: &str,
        parse: fn(&str) -> Option<E>,
        keywords: &[&str],
    ) -> Option<E> {
        let written = value.get_ref().trim();
        let parsed = parse(written);
        if parsed.is_none() {
            let fix = match closest(written, keywords) {
                Some(suggestion) => format!("did you mean \"{suggestion}\"?"),
                None => format!("write one of: {}", keywords.join(", ")),
            };
            self.error(
                value.span(),
                key,
                format!(
                    "unknown value \"{written}\"; expected one of {}",
                    keywords.join(", ")
                ),
                fix,
            );
        }
        parsed
    }

    fn url(&mut self, value: &S<String>, key: &str, example: &str) -> Option<Url> {
        let written = value.get_ref().trim();
        let url = match Url::parse(written) {
            Ok(url) => url,
            Err(error) => {
                self.error(
                    value.span(),
                    key,
                    format!("\"{written}\" is not a URL ({error})"),
                    format!("write the full address, e.g. \"{example}\""),
                );
                return None;
            }
        };
        if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
            self.error(
                value.span(),
                key,
                format!("\"{written}\" is not an http(s) address"),
                format!("write the full address, e.g. \"{example}\""),
            );
            return None;
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            self.error(
                value.span(),
                key,
                "the URL carries a query, fragment or user name",
                format!("give only the base address, e.g. \"{example}\" (credentials go in `user` and `token`)"),
            );
            return None;
        }
        let mut url = url;
        let trimmed = url.path().trim_end_matches('/').to_owned();
        url.set_path(&trimmed);
        Some(url)
    }

    fn path_value(&self, value: &S<String>) -> PathBuf {
        absolute(&self.base, Path::new(value.get_ref().trim()))
    }

    fn config(&mut self, raw: &RawConfig, path: &Path) -> Option<Config> {
        let state_dir = raw.state_dir.as_ref().and_then(|value| {
            let written = value.get_ref().trim();
            if written.starts_with('~') {
                self.error(
                    value.span(),
                    "state_dir",
                    "tandem does not expand `~`",
                    "write the full path, e.g. \"/home/sync/.local/state/tandem\", or leave state_dir out for the default",
                );
                None
            } else {
                self.text(value, "state_dir", "give a directory, or leave state_dir out")
                    .map(|_| self.path_value(value))
            }
        });
        let mut token_warning_days = DEFAULT_TOKEN_WARNING_DAYS;
        if let Some(days) = raw
            .tokens
            .as_ref()
            .and_then(|t| t.get_ref().warn_days.as_ref())
        {
            match u32::try_from(*days.get_ref()) {
                Ok(value) if value <= 365 => token_warning_days = value,
                _ => self.error(
                    days.span(),
                    "tokens.warn_days",
                    format!(
                        "{} is not a number of days between 0 and 365",
                        days.get_ref()
                    ),
                    format!("write e.g. warn_days = {DEFAULT_TOKEN_WARNING_DAYS}"),
                ),
            }
        }
        if raw.profile.is_empty() {
            self.error(
                0..0,
                "profile",
                "the config defines no profile",
                "add a [[profile]] table with its [profile.jira] and [profile.ado] sides (see tandem.example.toml), or run `tandem init`",
            );
        }
        let mut profiles = Vec::new();
        let mut names: BTreeMap<String, usize> = BTreeMap::new();
        for (index, raw_profile) in raw.profile.iter().enumerate() {
            let key = format!("profile[{index}]");
            if let Some(name) = &raw_profile.get_ref().name {
                let lower = name.get_ref().trim().to_ascii_lowercase();
                if let Some(line) = names.get(&lower) {
                    self.error(
                        name.span(),
                        format!("{key}.name"),
                        format!(
                            "profile name \"{}\" is already used on line {line}",
                            name.get_ref().trim()
                        ),
                        "give every profile its own name",
                    );
                } else {
                    names.insert(lower, line_of(self, name));
                }
            }
            if let Some(profile) = self.profile(raw_profile, &key) {
                profiles.push((raw_profile, profile));
            }
        }
        self.overlapping_profiles(&profiles);
        Some(Config {
            source: path.to_path_buf(),
            state_dir,
            token_warning_days,
            profiles: profiles.into_iter().map(|(_, p)| p).collect(),
        })
    }

    fn overlapping_profiles(&mut self, profiles: &[(&S<RawProfile>, Profile)]) {
        for (i, (_, a)) in profiles.iter().enumerate() {
            for (raw_b, b) in &profiles[i + 1..] {
                let same_ado = a.ado.url == b.ado.url
                    && a.ado.project.eq_ignore_ascii_case(&b.ado.project)
                    && a.ado.area_path == b.ado.area_path;
                let shared_project = a.jira.url == b.jira.url
                    && a.jira.projects.iter().any(|p| b.jira.projects.contains(p));
                if same_ado
                    && shared_project
                    && a.jira.jql == b.jira.jql
                    && a.ado.wiql == b.ado.wiql
                {
                    let span = raw_b
                        .get_ref()
                        .name
                        .as_ref()
                        .map_or_else(|| raw_b.span(), |n| n.span());
                    self.warn(
                        span,
                        "profile",
                        format!(
                            "profiles \"{}\" and \"{}\" sync the same Jira project and Azure DevOps project with the same filters; their writes would chase each other",
                            a.name, b.name
                        ),
                        "merge them into one profile, or give each a `jql`/`wiql`/`area_path` that selects different items",
                    );
                }
            }
        }
    }

    fn profile(&mut self, raw: &S<RawProfile>, key: &str) -> Option<Profile> {
        let profile_errors_before = self.errors.len();
        let span = raw.span();
        let r = raw.get_ref();
        let name = self
            .required(&r.name, span.clone(), &format!("{key}.name"), "add name = \"web-team\" (letters, digits, -, _ or .)")
            .and_then(|name| {
                let written = name.get_ref().trim();
                let valid = written
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                    && written.len() <= 64
                    && written
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
                if valid {
                    Some(written.to_owned())
                } else {
                    self.error(
                        name.span(),
                        format!("{key}.name"),
                        format!("\"{written}\" is not a valid profile name"),
                        "use up to 64 letters, digits, -, _ or . (it names token records and keyring entries), e.g. \"web-team\"",
                    );
                    None
                }
            });
        let direction = r.direction.as_ref().map_or(Some(Direction::Both), |value| {
            self.keyword(
                value,
                &format!("{key}.direction"),
                Direction::parse,
                Direction::KEYWORDS,
            )
        });
        let conflict = r
            .conflict
            .as_ref()
            .map_or(Some(ConflictPolicy::Manual), |value| {
                self.keyword(
                    value,
                    &format!("{key}.conflict"),
                    ConflictPolicy::parse,
                    ConflictPolicy::KEYWORDS,
                )
            });
        if let (Some(direction), Some(value)) = (direction, &r.conflict)
            && direction != Direction::Both
        {
            self.warn(
                value.span(),
                format!("{key}.conflict"),
                format!("a conflict policy has no effect when direction = \"{direction}\": only one side is ever written"),
                "remove `conflict`, or set direction = \"both\"",
            );
        }
        let jira = self
            .required(
                &r.jira,
                span.clone(),
                &format!("{key}.jira"),
                "add a [profile.jira] table after this [[profile]] (see tandem.example.toml)",
            )
            .and_then(|jira| self.jira(jira, &format!("{key}.jira")));
        let ado = self
            .required(
                &r.ado,
                span.clone(),
                &format!("{key}.ado"),
                "add a [profile.ado] table after this [[profile]] (see tandem.example.toml)",
            )
            .and_then(|ado| self.ado(ado, &format!("{key}.ado")));
        let area_root = ado
            .as_ref()
            .map(|a| a.area_path.clone().unwrap_or_else(|| a.project.clone()));
        let mapping = direction.and_then(|direction| {
            self.mapping(
                profile_errors_before,
                r,
                span,
                key,
                direction,
                area_root.as_deref(),
            )
        });
        Some(Profile {
            name: name?,
            direction: direction?,
            conflict: conflict?,
            jira: jira?,
            ado: ado?,
            mapping: mapping?,
        })
    }

    fn token(&mut self, value: &S<String>, key: &str, side: Side) -> Option<SecretRef> {
        let example = match side {
            Side::Jira => "env:TANDEM_JIRA_TOKEN",
            Side::Ado => "env:TANDEM_ADO_TOKEN",
        };
        match SecretRef::parse(value.get_ref().trim()) {
            Ok(SecretRef::Plaintext(secret)) => {
                // Say nothing about the value: not its length, not its first characters.
                let looks_like_scheme =
                    value.get_ref().split_once(':').is_some_and(|(scheme, _)| {
                        !scheme.is_empty()
                            && scheme.len() <= 10
                            && scheme.chars().all(|c| c.is_ascii_alphabetic())
                    });
                if self.options.allow_plaintext_secrets {
                    self.warn(
                        value.span(),
                        key,
                        "the token is written in the config file itself (accepted because of --allow-plaintext-secrets); anyone who can read this file can use it",
                        format!("move it out: e.g. token = \"{example}\", \"file:/etc/tandem/{}.token\" (chmod 600) or \"keyring:tandem/PROFILE-{}\"", side.as_str(), side.as_str()),
                    );
                    Some(SecretRef::Plaintext(secret))
                } else {
                    let problem = if looks_like_scheme {
                        "this is neither a secret reference (env:, file:, keyring:) nor allowed as a plaintext secret"
                    } else {
                        "a plaintext secret in the config file is refused: config files get copied, committed and pasted into tickets"
                    };
                    self.error(
                        value.span(),
                        key,
                        problem,
                        format!("put the token in an environment variable, a file only you can read, or the OS keyring, and reference it: token = \"{example}\", \"file:/etc/tandem/{}.token\" or \"keyring:tandem/PROFILE-{}\" (or pass --allow-plaintext-secrets, not recommended)", side.as_str(), side.as_str()),
                    );
                    None
                }
            }
            Ok(reference) => Some(reference.relative_to(&self.base)),
            Err(error) => {
                let fix = match error {
                    SecretRefError::BadEnvName => format!("e.g. token = \"{example}\""),
                    SecretRefError::EmptyPath => {
                        format!("e.g. token = \"file:/etc/tandem/{}.token\"", side.as_str())
                    }
                    SecretRefError::BadKeyring => {
                        format!("e.g. token = \"keyring:tandem/PROFILE-{}\"", side.as_str())
                    }
                };
                self.error(value.span(), key, error.to_string(), fix);
                None
            }
        }
    }

    fn transport(
        &mut self,
        ca: Option<&S<String>>,
        proxy: Option<&S<String>>,
        key: &str,
    ) -> Option<Transport> {
        let mut ok = true;
        let ca_bundle = ca.and_then(|value| {
            let path = self.path_value(value);
            if path.is_file() {
                Some(path)
            } else {
                let problem = if path.exists() {
                    format!("{} is not a file", path.display())
                } else {
                    format!("{} does not exist", path.display())
                };
                self.error(
                    value.span(),
                    format!("{key}.ca_bundle"),
                    problem,
                    "give the path of a PEM file holding your organisation's CA certificate(s) (relative paths start at the config file's directory)",
                );
                ok = false;
                None
            }
        });
        let proxy = proxy.and_then(|value| {
            let url = self.url(
                value,
                &format!("{key}.proxy"),
                "http://proxy.example.com:3128",
            );
            if url.is_none() {
                ok = false;
            }
            url
        });
        ok.then_some(Transport { ca_bundle, proxy })
    }

    fn jira(&mut self, raw: &S<RawJira>, key: &str) -> Option<JiraSide> {
        let span = raw.span();
        let r = raw.get_ref();
        let url_value = self.required(
            &r.url,
            span.clone(),
            &format!("{key}.url"),
            "add url = \"https://example.atlassian.net\" (Cloud) or your Data Center base URL",
        );
        let url = url_value.and_then(|v| self.jira_url(v, &format!("{key}.url")));
        let host = url
            .as_ref()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .unwrap_or_default();
        let cloud_host = host.ends_with(".atlassian.net");

        let mode = match &r.mode {
            Some(value) => self.keyword(
                value,
                &format!("{key}.mode"),
                JiraMode::parse,
                JiraMode::KEYWORDS,
            ),
            // Without a usable URL there is nothing to infer the mode from; the URL's own
            // error says what to fix.
            None if url.is_none() => None,
            None if cloud_host => Some(JiraMode::Cloud),
            None => Some(JiraMode::Auto),
        };
        if let (Some(JiraMode::DataCenter), Some(value)) = (mode, &r.mode)
            && cloud_host
        {
            self.error(
                value.span(),
                format!("{key}.mode"),
                format!("{host} is a Jira Cloud site, but mode = \"datacenter\""),
                "set mode = \"cloud\" (or \"auto\")",
            );
        }
        if let (Some(JiraMode::Cloud), Some(v)) = (mode, url_value)
            && !cloud_host
            && !host.is_empty()
            && !url.as_ref().is_some_and(is_loopback)
        {
            self.warn(
                v.span(),
                format!("{key}.url"),
                format!("mode = \"cloud\" but {host} is not an atlassian.net address"),
                "fine for a Cloud custom domain; for Jira Data Center or Server set mode = \"datacenter\"",
            );
        }

        let auth = match (&r.auth, mode) {
            (Some(value), _) => self.keyword(
                value,
                &format!("{key}.auth"),
                JiraAuth::parse,
                JiraAuth::KEYWORDS,
            ),
            (None, Some(JiraMode::Cloud)) => Some(JiraAuth::CloudApiToken),
            (None, Some(JiraMode::DataCenter)) => Some(JiraAuth::DcPat),
            (None, Some(JiraMode::Auto)) => {
                self.error(
                    span.clone(),
                    format!("{key}.auth"),
                    "missing key `auth`: with mode = \"auto\" tandem cannot tell which kind of credential the token is",
                    "add auth = \"cloud-api-token\" (Jira Cloud), \"cloud-scoped-token\", \"dc-pat\" (Data Center personal access token) or \"dc-password\"",
                );
                None
            }
            (None, None) => None,
        };
        let auth_span = r.auth.as_ref().map_or_else(|| span.clone(), |a| a.span());
        let errors_before_auth = self.errors.len();
        if let (Some(mode), Some(auth)) = (mode, auth) {
            let mode_line = r.mode.as_ref().map(|m| line_of(self, m));
            let on_line = mode_line
                .map(|l| format!(" (line {l})"))
                .unwrap_or_default();
            if mode == JiraMode::DataCenter && auth.is_cloud() {
                self.error(
                    auth_span.clone(),
                    format!("{key}.auth"),
                    format!("mode = \"datacenter\"{on_line} cannot use auth = \"{auth}\": Atlassian API tokens only exist on Jira Cloud"),
                    "on Data Center use auth = \"dc-pat\" (a personal access token, Jira 8.14+) or \"dc-password\"; if this is Jira Cloud, set mode = \"cloud\"",
                );
            }
            if mode == JiraMode::Cloud && !auth.is_cloud() {
                self.error(
                    auth_span.clone(),
                    format!("{key}.auth"),
                    format!("mode = \"cloud\"{on_line} cannot use auth = \"{auth}\": Jira Cloud refuses passwords and has no personal access tokens"),
                    "on Jira Cloud use auth = \"cloud-api-token\" with the sync user's email and an API token made while signed in as that user; if this is Data Center, set mode = \"datacenter\"",
                );
            }
            if auth == JiraAuth::DcPassword && mode != JiraMode::Cloud {
                self.warn(
                    auth_span.clone(),
                    format!("{key}.auth"),
                    "password sign-in triggers Jira's CAPTCHA after a few failures, which blocks the REST API until someone signs in through a browser",
                    "prefer a personal access token (Jira 8.14+): auth = \"dc-pat\"",
                );
            }
        }

        // When mode and auth disagree, which one is wrong is unknown: checks that depend on
        // them would only repeat the same mistake in other words.
        let consistent = self.errors.len() == errors_before_auth;

        // Scoped tokens work only through the API gateway; at the site URL they get 401.
        // (research/jira-api.md §1.2 and §8; Atlassian declined to change this, JAC CLOUD-12617.)
        let gateway_url = r.gateway_url.as_ref().and_then(|value| {
            let gateway = self.url(value, &format!("{key}.gateway_url"), "https://api.atlassian.com/ex/jira/<cloudId>")?;
            let id = gateway.path().strip_prefix("/ex/jira/").unwrap_or_default();
            if id.is_empty() || id.contains('/') {
                self.error(
                    value.span(),
                    format!("{key}.gateway_url"),
                    "the gateway URL must be https://api.atlassian.com/ex/jira/<cloudId>",
                    format!("find your cloudId at {}/_edge/tenant_info", url.as_ref().map_or("https://<site>.atlassian.net".to_owned(), |u| u.as_str().trim_end_matches('/').to_owned())),
                );
                return None;
            }
            let gateway_host = gateway.host_str().unwrap_or_default().to_ascii_lowercase();
            if gateway_host.ends_with(".atlassian.net") {
                self.error(
                    value.span(),
                    format!("{key}.gateway_url"),
                    format!("{gateway_host} is a Jira site, not Atlassian's API gateway; a scoped token sent there is refused with 401"),
                    format!("write gateway_url = \"https://api.atlassian.com/ex/jira/{id}\""),
                );
                return None;
            }
            if gateway_host != "api.atlassian.com" {
                self.warn(
                    value.span(),
                    format!("{key}.gateway_url"),
                    format!("{} is not Atlassian's API gateway (api.atlassian.com)", gateway.host_str().unwrap_or_default()),
                    "fine for a simulator or a forwarding proxy; for Jira Cloud write https://api.atlassian.com/ex/jira/<cloudId>",
                );
            }
            if auth.is_some_and(|a| a != JiraAuth::CloudScopedToken) {
                self.error(
                    value.span(),
                    format!("{key}.gateway_url"),
                    "gateway_url is only used with scoped tokens; a classic API token is sent to the site URL",
                    "remove gateway_url, or set auth = \"cloud-scoped-token\" if the token has scopes",
                );
            }
            Some(gateway)
        });
        if consistent && auth == Some(JiraAuth::CloudScopedToken) && r.gateway_url.is_none() {
            let site = url
                .as_ref()
                .map_or("https://<site>.atlassian.net".to_owned(), |u| {
                    u.as_str().trim_end_matches('/').to_owned()
                });
            self.error(
                auth_span,
                format!("{key}.auth"),
                "a scoped API token only works through Atlassian's API gateway; sent to the site URL it is refused with 401",
                format!("add gateway_url = \"https://api.atlassian.com/ex/jira/<cloudId>\" (your cloudId is at {site}/_edge/tenant_info), or create a classic token without scopes and set auth = \"cloud-api-token\""),
            );
        }

        let is_cloud = mode == Some(JiraMode::Cloud) || auth.is_some_and(JiraAuth::is_cloud);
        if let (Some(u), Some(v)) = (&url, url_value)
            && u.scheme() == "http"
            && !is_loopback(u)
        {
            if is_cloud {
                self.error(
                    v.span(),
                    format!("{key}.url"),
                    "Jira Cloud is only served over https",
                    format!("write \"https://{host}\""),
                );
            } else {
                self.warn(
                    v.span(),
                    format!("{key}.url"),
                    "with http:// the token travels unencrypted",
                    "use https:// if the server offers it",
                );
            }
        }

        let user = self
            .required(&r.user, span.clone(), &format!("{key}.user"), "add user = \"<the intended sync user>\": the account the token must belong to (email on Cloud, username on Data Center)")
            .and_then(|value| {
                let user = self.text(value, &format!("{key}.user"), "name the intended sync user")?;
                if consistent && is_cloud && !is_email(&user) {
                    self.error(
                        value.span(),
                        format!("{key}.user"),
                        format!("Jira Cloud signs the API in with the account's email address, and \"{user}\" is not one"),
                        "set user to the sync user's email address (the account the API token was created under), e.g. \"sync-bot@example.com\"",
                    );
                    return None;
                }
                Some(user)
            });
        // `login` exists to describe credentials as they are: an account name other than the
        // sync user's is the article's first root cause, and doctor names it.
        let login = r.login.as_ref().and_then(|value| {
            let login = self.text(value, &format!("{key}.login"), "remove `login` to send the sync user's name")?;
            if auth == Some(JiraAuth::DcPat) {
                self.error(
                    value.span(),
                    format!("{key}.login"),
                    "a personal access token is sent as Bearer, without an account name",
                    "remove `login`",
                );
                return None;
            }
            if consistent && is_cloud && !is_email(&login) {
                self.error(
                    value.span(),
                    format!("{key}.login"),
                    format!("Jira Cloud signs the API in with an email address, and \"{login}\" is not one"),
                    "write the email of the account the token was created under, or remove `login`",
                );
                return None;
            }
            if user.as_deref().is_some_and(|u| !u.eq_ignore_ascii_case(&login)) {
                self.warn(
                    value.span(),
                    format!("{key}.login"),
                    format!("the credentials are {login}'s, not the sync user's: tandem would work as {login}"),
                    "create a token while signed in as the sync user, then remove `login` (`tandem doctor` shows who the token is)",
                );
            }
            Some(login)
        });
        let api_gateway = r.api_gateway.as_ref().and_then(|value| {
            let gateway = self.url(
                value,
                &format!("{key}.api_gateway"),
                "https://api.atlassian.com",
            )?;
            if !gateway.path().trim_matches('/').is_empty() {
                self.error(
                    value.span(),
                    format!("{key}.api_gateway"),
                    "api_gateway is the gateway's address alone, without a path",
                    format!("write \"{}\"", gateway.origin().ascii_serialization()),
                );
                return None;
            }
            Some(gateway)
        });
        let token = self
            .required(
                &r.token,
                span.clone(),
                &format!("{key}.token"),
                "add token = \"env:TANDEM_JIRA_TOKEN\" (or file:PATH, keyring:SERVICE/ACCOUNT)",
            )
            .and_then(|value| self.token(value, &format!("{key}.token"), Side::Jira));
        let projects = self.jira_projects(r, span, key);
        let jql = r.jql.as_ref().and_then(|value| {
            let jql = self.text(value, &format!("{key}.jql"), "write a JQL condition, or remove `jql`")?;
            if jql.to_ascii_lowercase().contains("order by") {
                self.error(
                    value.span(),
                    format!("{key}.jql"),
                    "the JQL filter contains ORDER BY",
                    "remove the ORDER BY clause: tandem ANDs this condition into its own query and sets the order itself",
                );
                return None;
            }
            Some(jql)
        });
        let transport = self.transport(r.ca_bundle.as_ref(), r.proxy.as_ref(), key);
        let gateway_ok = r.gateway_url.is_none() || gateway_url.is_some();
        if !gateway_ok
            || (r.login.is_some() && login.is_none())
            || (r.api_gateway.is_some() && api_gateway.is_none())
        {
            return None;
        }
        Some(JiraSide {
            url: url?,
            mode: mode?,
            auth: auth?,
            user: user?,
            login,
            token: token?,
            projects: projects?,
            jql: if r.jql.is_some() { Some(jql?) } else { None },
            gateway_url,
            api_gateway,
            transport: transport?,
        })
    }

    fn jira_url(&mut self, value: &S<String>, key: &str) -> Option<Url> {
        let url = self.url(value, key, "https://example.atlassian.net")?;
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        if host == "api.atlassian.com" {
            self.error(
                value.span(),
                key,
                "api.atlassian.com is Atlassian's API gateway, not a Jira site",
                "put the site (https://<site>.atlassian.net) in url, and the gateway address in gateway_url (only for scoped tokens)",
            );
            return None;
        }
        if url.path().contains("/rest/") || url.path().ends_with("/rest") {
            let base = url.path().split("/rest").next().unwrap_or_default();
            self.error(
                value.span(),
                key,
                "this is a REST API address; tandem needs the base URL",
                format!(
                    "write \"{}://{}{}\"",
                    url.scheme(),
                    url.host_str().unwrap_or_default(),
                    base
                ),
            );
            return None;
        }
        if host.ends_with(".atlassian.net") && !url.path().is_empty() && url.path() != "/" {
            self.error(
                value.span(),
                key,
                "a Jira Cloud site URL has no path; this looks copied from the browser",
                format!("write \"https://{host}\""),
            );
            return None;
        }
        Some(url)
    }

    fn jira_projects(
        &mut self,
        r: &RawJira,
        table: Range<usize>,
        key: &str,
    ) -> Option<Vec<String>> {
        let mut written: Vec<&S<String>> = Vec::new();
        match (&r.project, &r.projects) {
            (Some(one), Some(many)) => {
                self.error(
                    many.span(),
                    format!("{key}.projects"),
                    format!("both `project` (line {}) and `projects` are set", line_of(self, one)),
                    "keep one: project = \"WEB\" for one project, projects = [\"WEB\", \"API\"] for several",
                );
                return None;
            }
            (Some(one), None) => written.push(one),
            (None, Some(many)) => {
                if many.get_ref().is_empty() {
                    self.error(
                        many.span(),
                        format!("{key}.projects"),
                        "the list of projects is empty",
                        "name at least one project key, e.g. projects = [\"WEB\"]",
                    );
                    return None;
                }
                written.extend(many.get_ref().iter());
            }
            (None, None) => {
                self.error(
                    table,
                    format!("{key}.project"),
                    "missing key `project`",
                    "add project = \"WEB\" (the project key), or projects = [\"WEB\", \"API\"]",
                );
                return None;
            }
        }
        let mut projects: Vec<String> = Vec::new();
        let mut ok = true;
        let list_key = if r.projects.is_some() {
            format!("{key}.projects")
        } else {
            format!("{key}.project")
        };
        for value in written {
            let project = value.get_ref().trim();
            let valid_key = project
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_uppercase())
                && project
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if !valid_key {
                let fix = if project.chars().any(char::is_whitespace) || project.is_empty() {
                    "use the project key (the prefix of issue keys, e.g. WEB for WEB-123), not the project's name".to_owned()
                } else {
                    format!(
                        "project keys are upper case letters, digits and _: write \"{}\"",
                        project.to_ascii_uppercase()
                    )
                };
                self.error(
                    value.span(),
                    list_key.clone(),
                    format!("\"{project}\" is not a Jira project key"),
                    fix,
                );
                ok = false;
            } else if projects.iter().any(|p| p == project) {
                self.error(
                    value.span(),
                    list_key.clone(),
                    format!("project {project} is listed twice"),
                    "list each project once",
                );
                ok = false;
            } else {
                projects.push(project.to_owned());
            }
        }
        ok.then_some(projects)
    }

    fn ado(&mut self, raw: &S<RawAdo>, key: &str) -> Option<AdoSide> {
        let span = raw.span();
        let r = raw.get_ref();
        let url_value = self.required(&r.url, span.clone(), &format!("{key}.url"), "add url = \"https://dev.azure.com/<organisation>\" (Services) or \"https://<host>/tfs/<collection>\" (Server)");
        let located = url_value.and_then(|value| self.ado_url(value, &format!("{key}.url")));
        let project = self
            .required(&r.project, span.clone(), &format!("{key}.project"), "add project = \"<project name>\"")
            .and_then(|value| {
                let project = self.text(value, &format!("{key}.project"), "name the Azure DevOps project")?;
                if project.contains(['/', '\\']) {
                    self.error(
                        value.span(),
                        format!("{key}.project"),
                        "the project name contains a path separator",
                        "put only the project's name here; a sub-area goes in area_path, e.g. area_path = 'Web\\Frontend'",
                    );
                    return None;
                }
                Some(project)
            });
        let area_path = r.area_path.as_ref().and_then(|value| {
            let area = self.text(value, &format!("{key}.area_path"), "write an area path, or remove `area_path`")?;
            if area.contains('/') {
                self.error(
                    value.span(),
                    format!("{key}.area_path"),
                    "area paths are separated by backslashes, not slashes",
                    format!("write area_path = '{}' (single quotes keep the backslash as is)", area.replace('/', "\\")),
                );
                return None;
            }
            if let Some(project) = &project {
                let root = area.split('\\').next().unwrap_or_default();
                if !root.eq_ignore_ascii_case(project) {
                    self.error(
                        value.span(),
                        format!("{key}.area_path"),
                        format!("area path \"{area}\" does not start with the project name \"{project}\""),
                        format!("area paths start at the project: write area_path = '{project}\\{area}' if that is the area you mean"),
                    );
                    return None;
                }
            }
            Some(area)
        });
        let wiql = r.wiql.as_ref().and_then(|value| {
            let wiql = self.text(value, &format!("{key}.wiql"), "write a WIQL condition, or remove `wiql`")?;
            let lower = wiql.to_ascii_lowercase();
            if lower.trim_start().starts_with("select") || lower.contains("order by") {
                self.error(
                    value.span(),
                    format!("{key}.wiql"),
                    "`wiql` must be a condition, not a whole query",
                    "keep only the condition, e.g. wiql = \"[System.Tags] CONTAINS 'sync'\": tandem ANDs it into its own SELECT",
                );
                return None;
            }
            Some(wiql)
        });
        let auth = r.auth.as_ref().map_or(Some(AdoAuth::Pat), |value| {
            self.keyword(
                value,
                &format!("{key}.auth"),
                AdoAuth::parse,
                AdoAuth::KEYWORDS,
            )
        });
        if let (Some(AdoAuth::Bearer), Some(value)) = (auth, &r.auth) {
            self.warn(
                value.span(),
                format!("{key}.auth"),
                "Entra ID access tokens expire after about an hour",
                "point `token` at a file your token helper refreshes (tandem rereads it before each pass), or use auth = \"pat\"",
            );
        }
        let deployment = located.as_ref().map(|(_, deployment, _)| *deployment);
        let user = self
            .required(&r.user, span.clone(), &format!("{key}.user"), "add user = \"<the intended sync identity>\": the identity the token must belong to")
            .and_then(|value| {
                let user = self.text(value, &format!("{key}.user"), "name the intended sync identity")?;
                if deployment == Some(AdoDeployment::Services) && auth == Some(AdoAuth::Pat) && !is_email(&user) {
                    self.error(
                        value.span(),
                        format!("{key}.user"),
                        format!("on Azure DevOps Services an identity is its sign-in address, and \"{user}\" is not one"),
                        "set user to the e-mail/UPN the sync account signs in with, e.g. \"sync-bot@example.com\"",
                    );
                    return None;
                }
                Some(user)
            });
        let token = self
            .required(
                &r.token,
                span,
                &format!("{key}.token"),
                "add token = \"env:TANDEM_ADO_TOKEN\" (or file:PATH, keyring:SERVICE/ACCOUNT)",
            )
            .and_then(|value| self.token(value, &format!("{key}.token"), Side::Ado));
        let transport = self.transport(r.ca_bundle.as_ref(), r.proxy.as_ref(), key);
        let (url, deployment, organization) = located?;
        Some(AdoSide {
            url,
            deployment,
            organization,
            project: project?,
            area_path: if r.area_path.is_some() {
                Some(area_path?)
            } else {
                None
            },
            wiql: if r.wiql.is_some() { Some(wiql?) } else { None },
            auth: auth?,
            user: user?,
            token: token?,
            transport: transport?,
        })
    }

    /// Finds the organisation or collection in an Azure DevOps URL (research/ado-api.md §1).
    fn ado_url(&mut self, value: &S<String>, key: &str) -> Option<(Url, AdoDeployment, String)> {
        let url = self.url(value, key, "https://dev.azure.com/example")?;
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let segments: Vec<String> = url
            .path_segments()
            .map(|s| s.filter(|s| !s.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default();
        if segments.iter().any(|s| s.eq_ignore_ascii_case("_apis")) {
            self.error(
                value.span(),
                key,
                "this is a REST API address; tandem needs the organisation URL",
                "write \"https://dev.azure.com/<organisation>\"",
            );
            return None;
        }
        if host.ends_with("vssps.dev.azure.com") || host == "app.vssps.visualstudio.com" {
            self.error(
                value.span(),
                key,
                format!("{host} is Azure DevOps's identity service, not an organisation"),
                "write \"https://dev.azure.com/<organisation>\"",
            );
            return None;
        }
        let (deployment, organization) = if host == "dev.azure.com" {
            match segments.as_slice() {
                [] => {
                    self.error(
                        value.span(),
                        key,
                        "the URL has no organisation",
                        "write \"https://dev.azure.com/<organisation>\" (the first path segment of your Azure DevOps address)",
                    );
                    return None;
                }
                [org] => (AdoDeployment::Services, org.clone()),
                [org, rest @ ..] => {
                    self.error(
                        value.span(),
                        key,
                        format!("the URL goes past the organisation (\"{}\")", rest.join("/")),
                        format!("write url = \"https://dev.azure.com/{org}\" and put the project's name in `project`"),
                    );
                    return None;
                }
            }
        } else if let Some(org) = host.strip_suffix(".visualstudio.com") {
            let legacy_collection = matches!(segments.as_slice(), [only] if only.eq_ignore_ascii_case("DefaultCollection"));
            if !segments.is_empty() && !legacy_collection {
                self.error(
                    value.span(),
                    key,
                    format!(
                        "the URL goes past the organisation (\"{}\")",
                        segments.join("/")
                    ),
                    format!(
                        "write url = \"https://{host}\" and put the project's name in `project`"
                    ),
                );
                return None;
            }
            (AdoDeployment::Services, org.to_owned())
        } else {
            match segments.last() {
                Some(collection) if !collection.eq_ignore_ascii_case("tfs") => {
                    (AdoDeployment::Server, collection.clone())
                }
                _ => {
                    self.error(
                        value.span(),
                        key,
                        "an Azure DevOps Server URL must end with the collection",
                        format!(
                            "write e.g. \"{}://{}/tfs/DefaultCollection\"",
                            url.scheme(),
                            url.host_str().unwrap_or(&host)
                        ),
                    );
                    return None;
                }
            }
        };
        if deployment == AdoDeployment::Services && url.scheme() != "https" {
            self.error(
                value.span(),
                key,
                "Azure DevOps Services is only served over https",
                "write the URL with https://",
            );
            return None;
        }
        if deployment == AdoDeployment::Server && url.scheme() == "http" && !is_loopback(&url) {
            self.warn(
                value.span(),
                key,
                "with http:// the token travels unencrypted",
                "use https:// if the server offers it",
            );
        }
        Some((url, deployment, organization))
    }

    #[allow(clippy::too_many_arguments)]
    /// The profile's mapping in `tandem-core`'s model (types, fields with their converters,
    /// states, priorities, users), each problem reported at its line.
    fn mapping(
        &mut self,
        profile_errors_before: usize,
        r: &RawProfile,
        span: Range<usize>,
        key: &str,
        direction: Direction,
        area_root: Option<&str>,
    ) -> Option<Mapping> {
        let errors_before = self.errors.len();
        let states = self.state_pairs(&r.state, key);
        let priorities = self.priority_pairs(&r.priority, key);
        let fields = self.fields(r, key, direction, &states, &priorities, area_root);
        let types = self
            .pairs(
                &r.types,
                &format!("{key}.type"),
                "issue type",
                "work item type",
            )
            .into_iter()
            .map(|(jira, ado)| TypePair {
                jira,
                ado,
                default: false,
            })
            .collect::<Vec<_>>();
        let user_pairs = self
            .pairs(
                &r.user,
                &format!("{key}.user"),
                "user (accountId or user name)",
                "identity (e-mail/UPN)",
            )
            .into_iter()
            .map(|(jira, ado)| UserPair {
                jira,
                ado,
                default: false,
            })
            .collect();
        let match_by = match &r.user_match {
            None => UserMap::default().match_by,
            Some(list) => list
                .get_ref()
                .iter()
                .filter_map(|rule| {
                    let parsed = match rule.get_ref().trim() {
                        "email" => Some(UserMatch::Email),
                        "display-name" => Some(UserMatch::DisplayName),
                        _ => None,
                    };
                    if parsed.is_none() {
                        self.error(
                            rule.span(),
                            format!("{key}.user_match"),
                            format!(
                                "unknown rule \"{}\"; expected email or display-name",
                                rule.get_ref().trim()
                            ),
                            "write user_match = [\"email\"] or [\"email\", \"display-name\"]",
                        );
                    }
                    parsed
                })
                .collect(),
        };
        let unmapped = match &r.unmapped_users {
            None => UnmappedUsers::default(),
            Some(v) => self
                .keyword(
                    v,
                    &format!("{key}.unmapped_users"),
                    |s| match s {
                        "skip" => Some(UnmappedUsers::Skip),
                        "sync-user" => Some(UnmappedUsers::SyncUser),
                        "error" => Some(UnmappedUsers::Error),
                        _ => None,
                    },
                    &["skip", "sync-user", "error"],
                )
                .unwrap_or_default(),
        };
        let clean = self.errors.len() == profile_errors_before;
        if clean && r.field.is_empty() {
            self.warn(
                span.clone(),
                key,
                "the profile maps no fields, so only links between items would be kept",
                "add [[profile.field]] tables, e.g. jira = \"summary\", ado = \"System.Title\"",
            );
        }
        if clean && types.is_empty() {
            self.warn(
                span.clone(),
                key,
                "the profile has no type map, so tandem cannot tell which type to create on the other side",
                "add [[profile.type]] tables, e.g. jira = \"Bug\", ado = \"Bug\"",
            );
        }
        let mapping = Mapping {
            types,
            fields,
            users: UserMap {
                pairs: user_pairs,
                match_by,
                unmapped,
                ..UserMap::default()
            },
        };
        if self.errors.len() != errors_before {
            return None;
        }
        // The checks above report every problem at its line; this is the core's own rule
        // book, so a rule added there can never be skipped here.
        if let Err(problems) = mapping.validate() {
            for problem in problems {
                self.error(
                    span.clone(),
                    key,
                    problem.to_string(),
                    "change the field mappings of this profile",
                );
            }
            return None;
        }
        Some(mapping)
    }

    #[allow(clippy::too_many_arguments)]
    fn fields(
        &mut self,
        r: &RawProfile,
        key: &str,
        profile_direction: Direction,
        states: &[StatePair],
        priorities: &[PriorityPair],
        area_root: Option<&str>,
    ) -> Vec<FieldMap> {
        let mut fields: Vec<FieldMap> = Vec::new();
        let mut seen_jira: BTreeMap<String, usize> = BTreeMap::new();
        let mut seen_ado: BTreeMap<String, usize> = BTreeMap::new();
        let mut seen_names: BTreeMap<String, usize> = BTreeMap::new();
        let mut state_field: Option<usize> = None;
        let mut priority_field = false;
        for (index, entry) in r.field.iter().enumerate() {
            let key = format!("{key}.field[{index}]");
            let span = entry.span();
            let f = entry.get_ref();
            let jira = self
                .required(
                    &f.jira,
                    span.clone(),
                    &format!("{key}.jira"),
                    "add jira = \"<Jira field id>\", e.g. \"summary\" or \"customfield_10016\"",
                )
                .and_then(|value| self.jira_field(value, &format!("{key}.jira")));
            let ado = self
                .required(
                    &f.ado,
                    span.clone(),
                    &format!("{key}.ado"),
                    "add ado = \"<Azure DevOps reference name>\", e.g. \"System.Title\"",
                )
                .and_then(|value| self.ado_field(value, &format!("{key}.ado")));
            let direction = match &f.direction {
                None => Some(profile_direction),
                Some(value) => {
                    let direction = self.keyword(
                        value,
                        &format!("{key}.direction"),
                        Direction::parse,
                        Direction::KEYWORDS,
                    );
                    match direction {
                        Some(d) if !within(d, profile_direction) => {
                            self.error(
                                value.span(),
                                format!("{key}.direction"),
                                format!("the field flows \"{}\" but the profile only flows \"{}\"", d.as_str(), profile_direction.as_str()),
                                "a field can narrow the profile's direction, not widen it: remove `direction` here, or set the profile's direction = \"both\"",
                            );
                            None
                        }
                        other => other,
                    }
                }
            };
            // A field's own conflict policy overrides the profile's (e.g. "jira-wins" for
            // the title while everything else waits for a person).
            let conflict = f.conflict.as_ref().and_then(|value| {
                let policy = self.keyword(
                    value,
                    &format!("{key}.conflict"),
                    ConflictPolicy::parse,
                    ConflictPolicy::KEYWORDS,
                );
                if let Some(d) = direction
                    && d != Direction::Both
                {
                    self.warn(
                        value.span(),
                        format!("{key}.conflict"),
                        format!("a conflict policy has no effect when the field flows \"{d}\": only one side is ever written"),
                        "remove `conflict` here, or let the field flow both ways",
                    );
                }
                policy
            });
            let name = f.name.as_ref().and_then(|value| {
                self.text(
                    value,
                    &format!("{key}.name"),
                    "name the mapping, or remove `name`",
                )
            });
            let (Some(jira), Some(ado)) = (jira, ado) else {
                continue;
            };
            let kind = match &f.convert {
                Some(value) => self.keyword(
                    value,
                    &format!("{key}.convert"),
                    parse_converter,
                    CONVERTERS,
                ),
                None => match infer_converter(&jira, &ado) {
                    Ok(kind) => Some(kind),
                    Err(guesses) => {
                        let problem = match guesses {
                            Some((a, b)) => format!(
                                "{jira} looks like a {a} field and {ado} like a {b} field, so tandem cannot tell how to convert between them"
                            ),
                            None => format!("tandem cannot tell how to convert {jira} to {ado}"),
                        };
                        self.error(
                            span.clone(),
                            key.clone(),
                            problem,
                            format!("add convert = \"...\", one of: {}", CONVERTERS.join(", ")),
                        );
                        None
                    }
                },
            };
            if f.jira_per_ado.is_some() && kind != Some("number") {
                if let Some(value) = &f.jira_per_ado {
                    self.error(
                        value.span(),
                        format!("{key}.jira_per_ado"),
                        "jira_per_ado only applies to convert = \"number\"",
                        "remove it, or set convert = \"number\"",
                    );
                }
                continue;
            }
            let (Some(direction), Some(kind)) = (direction, kind) else {
                continue;
            };

            // Each field is written by one mapping only: Azure DevOps refuses an update that
            // sets a field twice (VS403691), and in Jira the two values would overwrite each
            // other.
            let jira_line = f.jira.as_ref().map_or(0, |v| line_of(self, v));
            let ado_line = f.ado.as_ref().map_or(0, |v| line_of(self, v));
            if let Some(line) = seen_jira.get(&jira) {
                let at = f.jira.as_ref().map_or(span.clone(), |v| v.span());
                self.error(
                    at,
                    format!("{key}.jira"),
                    format!("{jira} is already mapped on line {line}"),
                    "map each Jira field once (a field can flow one way with `direction`)",
                );
                continue;
            }
            if let Some(line) = seen_ado.get(&ado.to_ascii_lowercase()) {
                let at = f.ado.as_ref().map_or(span.clone(), |v| v.span());
                self.error(at, format!("{key}.ado"), format!("{ado} is already mapped on line {line}; Azure DevOps rejects an update that sets one field twice (VS403691)"), "map each Azure DevOps field once");
                continue;
            }
            let mapping_name = name.clone().unwrap_or_else(|| jira.clone());
            if let Some(line) = seen_names.get(&mapping_name) {
                let at = f.name.as_ref().map_or(span.clone(), |v| v.span());
                self.error(
                    at,
                    format!("{key}.name"),
                    format!(
                        "the name \"{mapping_name}\" is already used by the mapping on line {line}"
                    ),
                    "give each field mapping its own `name`",
                );
                continue;
            }
            seen_jira.insert(jira.clone(), jira_line);
            seen_ado.insert(ado.to_ascii_lowercase(), ado_line);
            seen_names.insert(mapping_name, self.map.line_column(span.start).0);

            let convert = match kind {
                "text" => Converter::Text,
                "rich-text" => Converter::RichText,
                "user" => Converter::User,
                "labels" => Converter::Labels {
                    replacement: "_".to_owned(),
                },
                "date" => Converter::Date,
                "date-time" => Converter::DateTime,
                "path" => Converter::Path,
                "area-component" => Converter::AreaComponent(AreaMap {
                    root: area_root.unwrap_or_default().to_owned(),
                    pairs: Vec::new(),
                }),
                "number" => {
                    let scale = f.jira_per_ado.as_ref().and_then(|value| {
                        let scale = *value.get_ref();
                        if scale.is_finite() && scale > 0.0 {
                            Some(scale)
                        } else {
                            self.error(value.span(), format!("{key}.jira_per_ado"), format!("{scale} is not a positive number"), "write how many Jira units make one Azure DevOps unit, e.g. 3600 for seconds to hours");
                            None
                        }
                    });
                    Converter::Number {
                        jira_per_ado: scale,
                    }
                }
                "priority" => {
                    priority_field = true;
                    Converter::Priority(PriorityMap {
                        pairs: if priorities.is_empty() {
                            default_priorities()
                        } else {
                            priorities.to_vec()
                        },
                    })
                }
                // "state"
                _ => {
                    if let Some(line) = state_field {
                        self.error(span.clone(), key.clone(), format!("the state is already mapped on line {line}: a work item has one state"), "keep one field mapping with convert = \"state\"");
                        continue;
                    }
                    state_field = Some(self.map.line_column(span.start).0);
                    if states.is_empty() {
                        self.warn(span.clone(), key.clone(), "the state field has no [[profile.state]] pairs, so no state change can be carried", "add [[profile.state]] tables, e.g. jira = \"In Progress\", ado = \"Active\"");
                    }
                    Converter::State(StateMap {
                        pairs: states.to_vec(),
                        categories: Vec::new(),
                    })
                }
            };
            fields.push(FieldMap {
                name,
                jira,
                ado,
                direction,
                conflict,
                convert,
            });
        }
        if state_field.is_none()
            && let Some(first) = r.state.first()
        {
            self.error(
                first.span(),
                format!("{key}.state[0]"),
                "state pairs are listed but no field mapping carries the state",
                "add [[profile.field]] with jira = \"status\", ado = \"System.State\"",
            );
        }
        if !priority_field && let Some(first) = r.priority.first() {
            self.error(first.span(), format!("{key}.priority[0]"), "priority pairs are listed but no field mapping carries the priority", "add [[profile.field]] with jira = \"priority\", ado = \"Microsoft.VSTS.Common.Priority\"");
        }
        fields
    }

    fn state_pairs(&mut self, raw: &[S<RawStatePair>], key: &str) -> Vec<StatePair> {
        let mut pairs: Vec<(StatePair, usize)> = Vec::new();
        for (index, entry) in raw.iter().enumerate() {
            let key = format!("{key}.state[{index}]");
            let span = entry.span();
            let p = entry.get_ref();
            let jira = self
                .required(
                    &p.jira,
                    span.clone(),
                    &format!("{key}.jira"),
                    "add jira = \"<Jira status>\"",
                )
                .and_then(|v| self.text(v, &format!("{key}.jira"), "name the Jira status"));
            let ado = self
                .required(
                    &p.ado,
                    span.clone(),
                    &format!("{key}.ado"),
                    "add ado = \"<Azure DevOps state>\"",
                )
                .and_then(|v| self.text(v, &format!("{key}.ado"), "name the Azure DevOps state"));
            let jira_type = p.jira_type.as_ref().and_then(|v| {
                self.text(
                    v,
                    &format!("{key}.jira_type"),
                    "name a Jira issue type, or remove jira_type",
                )
            });
            let ado_type = p.ado_type.as_ref().and_then(|v| {
                self.text(
                    v,
                    &format!("{key}.ado_type"),
                    "name an Azure DevOps work item type, or remove ado_type",
                )
            });
            let (Some(jira), Some(ado)) = (jira, ado) else {
                continue;
            };
            let pair = StatePair {
                jira,
                ado,
                jira_type,
                ado_type,
                default: false,
            };
            if let Some((_, line)) = pairs.iter().find(|(seen, _)| *seen == pair) {
                self.error(
                    span,
                    key,
                    format!(
                        "\"{}\" = \"{}\" is already mapped on line {line}",
                        pair.jira, pair.ado
                    ),
                    "remove the duplicate",
                );
                continue;
            }
            let line = self.map.line_column(span.start).0;
            pairs.push((pair, line));
        }
        pairs.into_iter().map(|(pair, _)| pair).collect()
    }

    fn priority_pairs(&mut self, raw: &[S<RawPriority>], key: &str) -> Vec<PriorityPair> {
        let mut pairs = Vec::new();
        for (index, entry) in raw.iter().enumerate() {
            let key = format!("{key}.priority[{index}]");
            let span = entry.span();
            let p = entry.get_ref();
            let jira = self
                .required(
                    &p.jira,
                    span.clone(),
                    &format!("{key}.jira"),
                    "add jira = \"<Jira priority name>\"",
                )
                .and_then(|v| self.text(v, &format!("{key}.jira"), "name the Jira priority"));
            let ado = self
                .required(
                    &p.ado,
                    span,
                    &format!("{key}.ado"),
                    "add ado = 1, 2, 3 or 4",
                )
                .and_then(|v| {
                    let value = *v.get_ref();
                    if (1..=4).contains(&value) {
                        Some(value)
                    } else {
                        self.error(
                            v.span(),
                            format!("{key}.ado"),
                            format!("{value} is not an Azure DevOps priority"),
                            "Azure DevOps priorities are 1 (highest) to 4 (lowest)",
                        );
                        None
                    }
                });
            if let (Some(jira), Some(ado)) = (jira, ado) {
                pairs.push(PriorityPair { jira, ado });
            }
        }
        pairs
    }
    fn jira_field(&mut self, value: &S<String>, key: &str) -> Option<String> {
        let field = self.text(value, key, "write the Jira field id, e.g. \"summary\"")?;
        let valid = field
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            self.error(
                value.span(),
                key,
                format!("\"{field}\" looks like a field's display name, not its id"),
                "use the field id, e.g. \"summary\", \"priority\" or \"customfield_10016\" (GET /rest/api/2/field lists every field with its id)",
            );
            return None;
        }
        Some(field)
    }

    fn ado_field(&mut self, value: &S<String>, key: &str) -> Option<String> {
        let field = self.text(
            value,
            key,
            "write the Azure DevOps reference name, e.g. \"System.Title\"",
        )?;
        let parts: Vec<&str> = field.split('.').collect();
        let valid = parts.len() >= 2
            && parts.iter().all(|part| {
                part.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                    && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
        if !valid {
            self.error(
                value.span(),
                key,
                format!("\"{field}\" looks like a field's display name, not its reference name"),
                "use the reference name, e.g. \"System.Title\" or \"Microsoft.VSTS.Scheduling.StoryPoints\" (GET {org}/_apis/wit/fields lists them)",
            );
            return None;
        }
        Some(field)
    }

    /// Value pairs (types, users): both values present, no exact duplicate. When several pairs
    /// share a value, the first listed is used for that value (`tandem-core`'s rule).
    fn pairs(
        &mut self,
        raw: &[S<RawPair>],
        key: &str,
        jira_noun: &str,
        ado_noun: &str,
    ) -> Vec<(String, String)> {
        let mut seen: Vec<(String, String, usize)> = Vec::new();
        for (index, entry) in raw.iter().enumerate() {
            let key = format!("{key}[{index}]");
            let span = entry.span();
            let p = entry.get_ref();
            let jira = self
                .required(
                    &p.jira,
                    span.clone(),
                    &format!("{key}.jira"),
                    &format!("add jira = \"<Jira {jira_noun}>\""),
                )
                .and_then(|v| {
                    self.text(
                        v,
                        &format!("{key}.jira"),
                        &format!("name the Jira {jira_noun}"),
                    )
                });
            let ado = self
                .required(
                    &p.ado,
                    span.clone(),
                    &format!("{key}.ado"),
                    &format!("add ado = \"<Azure DevOps {ado_noun}>\""),
                )
                .and_then(|v| {
                    self.text(
                        v,
                        &format!("{key}.ado"),
                        &format!("name the Azure DevOps {ado_noun}"),
                    )
                });
            let (Some(jira), Some(ado)) = (jira, ado) else {
                continue;
            };
            if let Some((_, _, line)) = seen.iter().find(|(j, a, _)| *j == jira && *a == ado) {
                self.error(
                    span,
                    key,
                    format!("\"{jira}\" = \"{ado}\" is already mapped on line {line}"),
                    "remove the duplicate",
                );
                continue;
            }
            let line = self.map.line_column(span.start).0;
            seen.push((jira, ado, line));
        }
        seen.into_iter().map(|(jira, ado, _)| (jira, ado)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keywords_only() {
        assert_eq!(
            closest("datacentre", JiraMode::KEYWORDS),
            Some("datacenter")
        );
        assert_eq!(
            closest("area_pth", &["url", "area_path", "wiql"]),
            Some("area_path")
        );
        assert_eq!(closest("banana", JiraMode::KEYWORDS), None);
    }

    #[test]
    fn edit_distance_is_levenshtein() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
