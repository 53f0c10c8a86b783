//! Token records: when, where and by whom each token was made, when it expires and when it is
//! due for rotation (the source article's best practice: "Store when and where the token was
//! generated and by whom. Rotate on a predictable schedule."). They live in
//! `<state_dir>/tokens.json`, written atomically with mode 0600. A record never holds the
//! token, nor anything derived from it.

use std::fmt;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::fsutil;
use crate::model::{Config, Side};

/// File name of the token records inside the state directory.
pub const TOKEN_FILE_NAME: &str = "tokens.json";
const FORMAT_VERSION: u32 = 1;

/// What is known about one token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// The profile using the token.
    pub profile: String,
    /// Which side it authenticates to.
    pub side: Side,
    /// Who created it (a person, or `tandem init`).
    pub created_by: String,
    /// The account it belongs to: the intended sync user.
    pub account: String,
    /// Where it was created: a URL (Atlassian account security page, ADO PAT page) or a note.
    #[serde(rename = "where")]
    pub location: String,
    /// The day it was created.
    pub created: Date,
    /// The day it stops working, if it has an expiry.
    pub expires: Option<Date>,
    /// Rotate every this many days, if there is a schedule.
    pub rotate_every_days: Option<u32>,
    /// When this record was written.
    pub recorded_at: Timestamp,
    /// When a newer token replaced this one (None while it is the current token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_at: Option<Timestamp>,
}

impl TokenRecord {
    /// Days from `today` until expiry: negative once expired, None without an expiry.
    pub fn days_left(&self, today: Date) -> Option<i64> {
        self.expires.map(|expires| days_between(today, expires))
    }

    /// The day the token is due for rotation, if there is a schedule.
    pub fn rotation_due(&self) -> Option<Date> {
        let days = self.rotate_every_days?;
        self.created
            .checked_add(jiff::Span::new().days(i64::from(days)))
            .ok()
    }

    /// Days from `today` until rotation is due: negative once overdue.
    pub fn days_to_rotation(&self, today: Date) -> Option<i64> {
        self.rotation_due().map(|due| days_between(today, due))
    }

    /// Warnings for this token on `today`, given a window of `window_days`.
    pub fn warnings(&self, today: Date, window_days: u32) -> Vec<TokenWarning> {
        let window = i64::from(window_days);
        let mut warnings = Vec::new();
        if let (Some(days), Some(on)) = (self.days_left(today), self.expires) {
            if days < 0 {
                warnings.push(TokenWarning::Expired {
                    on,
                    days_ago: -days,
                });
            } else if days <= window {
                warnings.push(TokenWarning::ExpiresSoon {
                    on,
                    days_left: days,
                });
            }
        }
        if let (Some(days), Some(on)) = (self.days_to_rotation(today), self.rotation_due()) {
            // An expired token needs replacing anyway; one warning says it.
            let expired = warnings
                .iter()
                .any(|w| matches!(w, TokenWarning::Expired { .. }));
            if days < 0 && !expired {
                warnings.push(TokenWarning::RotationOverdue {
                    on,
                    days_overdue: -days,
                });
            } else if (0..=window).contains(&days) && !expired {
                warnings.push(TokenWarning::RotationDue {
                    on,
                    days_left: days,
                });
            }
        }
        warnings
    }
}

fn days_between(from: Date, to: Date) -> i64 {
    // `until` in days is exact for civil dates and cannot fail within jiff's range.
    from.until((jiff::Unit::Day, to))
        .map(|span| i64::from(span.get_days()))
        .unwrap_or_default()
}

/// Something to act on about a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenWarning {
    /// The token's expiry date has passed.
    Expired {
        /// The expiry date.
        on: Date,
        /// How long ago.
        days_ago: i64,
    },
    /// The token expires within the warning window.
    ExpiresSoon {
        /// The expiry date.
        on: Date,
        /// Days until then (0 = today).
        days_left: i64,
    },
    /// The rotation date has passed.
    RotationOverdue {
        /// The date rotation was due.
        on: Date,
        /// How long ago.
        days_overdue: i64,
    },
    /// Rotation is due within the warning window.
    RotationDue {
        /// The date rotation is due.
        on: Date,
        /// Days until then.
        days_left: i64,
    },
}

impl TokenWarning {
    /// True if the token no longer works.
    pub fn is_expired(&self) -> bool {
        matches!(self, TokenWarning::Expired { .. })
    }
}

impl fmt::Display for TokenWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenWarning::Expired { on, days_ago } => {
                write!(
                    f,
                    "expired on {on} ({days_ago} day{} ago)",
                    plural(*days_ago)
                )
            }
            TokenWarning::ExpiresSoon { on, days_left: 0 } => write!(f, "expires today ({on})"),
            TokenWarning::ExpiresSoon { on, days_left } => {
                write!(
                    f,
                    "expires on {on}, in {days_left} day{}",
                    plural(*days_left)
                )
            }
            TokenWarning::RotationOverdue { on, days_overdue } => write!(
                f,
                "rotation was due on {on} ({days_overdue} day{} ago)",
                plural(*days_overdue)
            ),
            TokenWarning::RotationDue { on, days_left } => {
                write!(
                    f,
                    "rotation is due on {on}, in {days_left} day{}",
                    plural(*days_left)
                )
            }
        }
    }
}

fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A warning with the token it concerns, and the command that fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenAlert {
    /// The profile.
    pub profile: String,
    /// The side.
    pub side: Side,
    /// What is wrong.
    pub warning: TokenWarning,
}

impl TokenAlert {
    /// What to run about it.
    pub fn fix(&self) -> String {
        format!(
            "create a new token while signed in as the sync user, then run `tandem token rotate --profile {} --side {}`",
            self.profile,
            self.side.as_str()
        )
    }
}

impl fmt::Display for TokenAlert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "profile {} {} token {}",
            self.profile,
            self.side.as_str(),
            self.warning
        )
    }
}

/// The token records file cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum TokenBookError {
    /// Reading failed.
    #[error("cannot read token records {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error(
        "token records {path} are damaged ({message}); fix the JSON by hand, or move the file aside and record the tokens again with `tandem token record`"
    )]
    Parse {
        /// The file.
        path: PathBuf,
        /// What serde said.
        message: String,
    },
    /// Writing failed.
    #[error(
        "cannot write token records {path}: {source}; check that the state directory is writable"
    )]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

#[derive(Serialize, Deserialize)]
struct TokenFile {
    version: u32,
    tokens: Vec<TokenRecord>,
}

/// All token records, current and replaced, as kept in the state directory.
#[derive(Debug, Clone)]
pub struct TokenBook {
    path: PathBuf,
    records: Vec<TokenRecord>,
}

impl TokenBook {
    /// Reads the records in `state_dir` (none yet if the file does not exist).
    pub fn load(state_dir: &Path) -> Result<Self, TokenBookError> {
        let path = state_dir.join(TOKEN_FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self {
                    path,
                    records: Vec::new(),
                });
            }
            Err(source) => return Err(TokenBookError::Read { path, source }),
        };
        let file: TokenFile =
            serde_json::from_str(&text).map_err(|error| TokenBookError::Parse {
                path: path.clone(),
                message: error.to_string(),
            })?;
        if file.version != FORMAT_VERSION {
            return Err(TokenBookError::Parse {
                path,
                message: format!(
                    "format version {} is not {FORMAT_VERSION}; a newer tandem wrote it",
                    file.version
                ),
            });
        }
        Ok(Self {
            path,
            records: file.tokens,
        })
    }

    /// Writes the records back, atomically, readable by the owner only.
    pub fn save(&self) -> Result<(), TokenBookError> {
        let file = TokenFile {
            version: FORMAT_VERSION,
            tokens: self.records.clone(),
        };
        let mut json =
            serde_json::to_string_pretty(&file).map_err(|error| TokenBookError::Write {
                path: self.path.clone(),
                source: std::io::Error::other(error),
            })?;
        json.push('\n');
        fsutil::write_atomic(&self.path, json.as_bytes(), fsutil::PRIVATE_FILE_MODE).map_err(
            |source| TokenBookError::Write {
                path: self.path.clone(),
                source,
            },
        )
    }

    /// The file the records live in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Adds `record` as the current token of its profile and side; the previous current one
    /// is marked replaced at `record.recorded_at`.
    pub fn record(&mut self, record: TokenRecord) {
        for previous in &mut self.records {
            if previous.profile == record.profile
                && previous.side == record.side
                && previous.replaced_at.is_none()
            {
                previous.replaced_at = Some(record.recorded_at);
            }
        }
        self.records.push(record);
    }

    /// The current record of a profile's side.
    pub fn current(&self, profile: &str, side: Side) -> Option<&TokenRecord> {
        self.records
            .iter()
            .rev()
            .find(|r| r.profile == profile && r.side == side && r.replaced_at.is_none())
    }

    /// Every current record, sorted by profile then side.
    pub fn current_records(&self) -> Vec<&TokenRecord> {
        let mut current: Vec<&TokenRecord> = self
            .records
            .iter()
            .filter(|r| r.replaced_at.is_none())
            .collect();
        current.sort_by(|a, b| (&a.profile, a.side).cmp(&(&b.profile, b.side)));
        current
    }

    /// Every record, oldest first.
    pub fn all(&self) -> &[TokenRecord] {
        &self.records
    }

    /// Warnings for every current token on `today`.
    pub fn alerts(&self, today: Date, window_days: u32) -> Vec<TokenAlert> {
        self.current_records()
            .into_iter()
            .flat_map(|record| {
                record
                    .warnings(today, window_days)
                    .into_iter()
                    .map(|warning| TokenAlert {
                        profile: record.profile.clone(),
                        side: record.side,
                        warning,
                    })
            })
            .collect()
    }

    /// The (profile, side) pairs of `config` that have no current record.
    pub fn unrecorded<'c>(&self, config: &'c Config) -> Vec<(&'c str, Side)> {
        config
            .profiles
            .iter()
            .flat_map(|p| [(p.name.as_str(), Side::Jira), (p.name.as_str(), Side::Ado)])
            .filter(|(profile, side)| self.current(profile, *side).is_none())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(
        profile: &str,
        side: Side,
        created: &str,
        expires: Option<&str>,
        rotate: Option<u32>,
    ) -> TokenRecord {
        TokenRecord {
            profile: profile.into(),
            side,
            created_by: "ops@example.com".into(),
            account: "sync-bot@example.com".into(),
            location: "https://id.atlassian.com/manage-profile/security/api-tokens".into(),
            created: created.parse().unwrap(),
            expires: expires.map(|e| e.parse().unwrap()),
            rotate_every_days: rotate,
            recorded_at: "2026-01-01T00:00:00Z".parse().unwrap(),
            replaced_at: None,
        }
    }

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn days_left_counts_calendar_days_and_goes_negative() {
        let r = record("p", Side::Jira, "2026-01-01", Some("2026-03-01"), None);
        assert_eq!(r.days_left(d("2026-02-27")), Some(2));
        assert_eq!(r.days_left(d("2026-03-01")), Some(0));
        assert_eq!(r.days_left(d("2026-03-04")), Some(-3));
        assert_eq!(
            record("p", Side::Jira, "2026-01-01", None, None).days_left(d("2026-03-04")),
            None
        );
    }

    #[test]
    fn warnings_start_inside_the_window() {
        let r = record("p", Side::Ado, "2026-01-01", Some("2026-06-30"), Some(90));
        // Rotation due 2026-04-01.
        assert_eq!(r.rotation_due(), Some(d("2026-04-01")));
        assert!(r.warnings(d("2026-03-17"), 14).is_empty());
        assert_eq!(
            r.warnings(d("2026-03-18"), 14),
            vec![TokenWarning::RotationDue {
                on: d("2026-04-01"),
                days_left: 14
            }]
        );
        assert_eq!(
            r.warnings(d("2026-04-03"), 14),
            vec![TokenWarning::RotationOverdue {
                on: d("2026-04-01"),
                days_overdue: 2
            }]
        );
        assert_eq!(
            r.warnings(d("2026-06-20"), 14),
            vec![
                TokenWarning::ExpiresSoon {
                    on: d("2026-06-30"),
                    days_left: 10
                },
                TokenWarning::RotationOverdue {
                    on: d("2026-04-01"),
                    days_overdue: 80
                },
            ]
        );
        // Once expired, only that is said.
        assert_eq!(
            r.warnings(d("2026-07-01"), 14),
            vec![TokenWarning::Expired {
                on: d("2026-06-30"),
                days_ago: 1
            }]
        );
        assert_eq!(
            TokenWarning::ExpiresSoon {
                on: d("2026-06-30"),
                days_left: 0
            }
            .to_string(),
            "expires today (2026-06-30)"
        );
    }

    #[test]
    fn recording_replaces_the_current_token_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let mut book = TokenBook::load(dir.path()).unwrap();
        assert!(book.all().is_empty());
        book.record(record(
            "web",
            Side::Jira,
            "2026-01-01",
            Some("2027-01-01"),
            Some(90),
        ));
        let mut newer = record(
            "web",
            Side::Jira,
            "2026-03-30",
            Some("2027-03-30"),
            Some(90),
        );
        newer.recorded_at = "2026-03-30T10:00:00Z".parse().unwrap();
        book.record(newer.clone());
        book.record(record("web", Side::Ado, "2026-01-01", None, None));
        book.save().unwrap();

        let loaded = TokenBook::load(dir.path()).unwrap();
        assert_eq!(loaded.all().len(), 3);
        assert_eq!(loaded.current("web", Side::Jira), Some(&newer));
        assert_eq!(loaded.all()[0].replaced_at, Some(newer.recorded_at));
        assert_eq!(loaded.current_records().len(), 2);
        #[cfg(unix)]
        {
            let meta = std::fs::metadata(loaded.path()).unwrap();
            assert_eq!(fsutil::mode_of(&meta), Some(0o600));
        }
    }

    #[test]
    fn a_damaged_file_says_how_to_recover() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(TOKEN_FILE_NAME), "{not json").unwrap();
        let error = TokenBook::load(dir.path()).unwrap_err().to_string();
        assert!(error.contains("tandem token record"), "{error}");
    }
}
