//! What a pass needs to know about its profile: the domain mapping (built by the config crate
//! from `tandem.toml`), the policy, the direction, and how the engine runs.

use std::time::Duration;

use tandem_core::{CommentSettings, ConflictPolicy, Direction, Mapping, MappingError};

/// A profile's sync settings.
#[derive(Clone, Debug)]
pub struct SyncSettings {
    /// The profile's name (the store's key).
    pub profile: String,
    /// Types, fields, users.
    pub mapping: Mapping,
    /// The profile's conflict policy (fields may override it).
    pub policy: ConflictPolicy,
    /// Which way items flow.
    pub direction: Direction,
    /// Comment flow. Comments are not synced by this version of the engine; the settings are
    /// carried for the planner.
    pub comments: CommentSettings,
    /// How the engine runs.
    pub options: EngineOptions,
}

/// Tuning of a pass.
#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// Items handled at once within a page (their writes overlap; the connectors pace them).
    pub concurrency: usize,
    /// How long after an intent was opened a missing marker is still taken as "search has
    /// not caught up" rather than "the create never happened" (Jira Cloud search is
    /// eventually consistent, research jira-api.md §7). Younger intents are left for a later
    /// pass; older ones are created again under the same marker.
    pub intent_grace: Duration,
    /// Re-plans of one item after a stale-revision answer before giving up for this pass.
    pub max_replans: u32,
    /// Retries of an item after a transient failure the connector could not absorb.
    pub item_retries: u32,
    /// The longest wait for a rate limit or backoff between item retries.
    pub max_wait: Duration,
    /// Most transitions tried to reach a Jira status that has no direct transition.
    pub max_transition_hops: usize,
    /// The media guard ([`crate::media`], issue 10): rich-text writes keep the images the
    /// other side did not really delete. Always on in use; tests turn it off only to prove
    /// that their assertions can fail without it.
    pub media_guard: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            concurrency: 4,
            intent_grace: Duration::from_secs(60),
            max_replans: 3,
            item_retries: 2,
            max_wait: Duration::from_secs(60),
            max_transition_hops: 8,
            media_guard: true,
        }
    }
}

impl SyncSettings {
    /// Settings for a profile with the given mapping and defaults elsewhere.
    #[must_use]
    pub fn new(profile: impl Into<String>, mapping: Mapping) -> SyncSettings {
        SyncSettings {
            profile: profile.into(),
            mapping,
            policy: ConflictPolicy::Manual,
            direction: Direction::Both,
            comments: CommentSettings {
                enabled: false,
                ..CommentSettings::default()
            },
            options: EngineOptions::default(),
        }
    }
}

/// A profile's mapping cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("profile {profile:?}: {}", problems.join("; "))]
pub struct SettingsError {
    /// The profile.
    pub profile: String,
    /// Every problem, each with its fix.
    pub problems: Vec<String>,
}

/// The settings of a validated profile.
///
/// # Errors
/// When the mapping contradicts itself (checked by [`Mapping::validate`]).
pub fn from_profile(p: &tandem_config::Profile) -> Result<SyncSettings, SettingsError> {
    if let Err(errors) = p.mapping.validate() {
        return Err(SettingsError {
            profile: p.name.clone(),
            problems: errors.iter().map(MappingError::to_string).collect(),
        });
    }
    let mut s = SyncSettings::new(p.name.clone(), p.mapping.clone());
    s.policy = p.conflict;
    s.direction = p.direction;
    Ok(s)
}
