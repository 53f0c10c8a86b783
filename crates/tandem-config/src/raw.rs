//! The file as written: every key optional and spanned, so that validation can report every
//! missing or inconsistent value at its line instead of stopping at the first one. Unknown
//! keys and wrong types are rejected by serde here, with the position toml reports.
//! No `Debug` on purpose: `token` may hold a plaintext secret at this stage.

use serde::Deserialize;
use toml::Spanned;

pub(crate) type S<T> = Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    pub(crate) state_dir: Option<S<String>>,
    pub(crate) tokens: Option<S<RawTokens>>,
    #[serde(default)]
    pub(crate) profile: Vec<S<RawProfile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTokens {
    pub(crate) warn_days: Option<S<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProfile {
    pub(crate) name: Option<S<String>>,
    pub(crate) direction: Option<S<String>>,
    pub(crate) conflict: Option<S<String>>,
    pub(crate) user_match: Option<S<Vec<S<String>>>>,
    pub(crate) unmapped_users: Option<S<String>>,
    pub(crate) jira: Option<S<RawJira>>,
    pub(crate) ado: Option<S<RawAdo>>,
    #[serde(default)]
    pub(crate) field: Vec<S<RawField>>,
    #[serde(default, rename = "type")]
    pub(crate) types: Vec<S<RawPair>>,
    #[serde(default)]
    pub(crate) state: Vec<S<RawStatePair>>,
    #[serde(default)]
    pub(crate) priority: Vec<S<RawPriority>>,
    #[serde(default)]
    pub(crate) user: Vec<S<RawPair>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawJira {
    pub(crate) url: Option<S<String>>,
    pub(crate) mode: Option<S<String>>,
    pub(crate) auth: Option<S<String>>,
    pub(crate) user: Option<S<String>>,
    pub(crate) login: Option<S<String>>,
    pub(crate) token: Option<S<String>>,
    pub(crate) project: Option<S<String>>,
    pub(crate) projects: Option<S<Vec<S<String>>>>,
    pub(crate) jql: Option<S<String>>,
    pub(crate) gateway_url: Option<S<String>>,
    pub(crate) api_gateway: Option<S<String>>,
    pub(crate) ca_bundle: Option<S<String>>,
    pub(crate) proxy: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAdo {
    pub(crate) url: Option<S<String>>,
    pub(crate) project: Option<S<String>>,
    pub(crate) area_path: Option<S<String>>,
    pub(crate) wiql: Option<S<String>>,
    pub(crate) auth: Option<S<String>>,
    pub(crate) user: Option<S<String>>,
    pub(crate) token: Option<S<String>>,
    pub(crate) ca_bundle: Option<S<String>>,
    pub(crate) proxy: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawField {
    pub(crate) name: Option<S<String>>,
    pub(crate) jira: Option<S<String>>,
    pub(crate) ado: Option<S<String>>,
    pub(crate) direction: Option<S<String>>,
    pub(crate) conflict: Option<S<String>>,
    pub(crate) convert: Option<S<String>>,
    pub(crate) jira_per_ado: Option<S<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPair {
    pub(crate) jira: Option<S<String>>,
    pub(crate) ado: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStatePair {
    pub(crate) jira: Option<S<String>>,
    pub(crate) ado: Option<S<String>>,
    pub(crate) jira_type: Option<S<String>>,
    pub(crate) ado_type: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPriority {
    pub(crate) jira: Option<S<String>>,
    pub(crate) ado: Option<S<i64>>,
}
