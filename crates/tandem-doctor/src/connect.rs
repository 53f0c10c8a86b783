//! From a validated profile side and its resolved secret to a connector configuration: the
//! credential kind, the account name sent (`login`, else the sync user), the CA bundle and the
//! proxy. Usable by anything that wires connectors from `tandem.toml`.

use std::time::Duration;

use secrecy::SecretString;
use tandem_ado::config::{AdoAuth as AdoCredential, AdoConfig};
use tandem_config::{AdoAuth, JiraAuth, JiraMode, JiraSide, Transport};
use tandem_connector::http::{HttpSettings, ProxySetting};
use tandem_connector::pacing::PacingSettings;
use tandem_jira::config::{DEFAULT_GATEWAY, JiraAuth as JiraCredential};
use tandem_jira::{Flavor, JiraConfig};
use url::Url;

/// Why a connector configuration cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The CA bundle file cannot be read.
    #[error("cannot read the CA bundle {path}: {reason}")]
    CaBundle {
        /// The file.
        path: String,
        /// The I/O error.
        reason: String,
    },
}

/// The flavour the configuration implies before asking the server (`auto` follows the
/// credential kind).
pub fn configured_flavor(side: &JiraSide) -> Flavor {
    match side.mode {
        JiraMode::Cloud => Flavor::Cloud,
        JiraMode::DataCenter => Flavor::DataCenter,
        JiraMode::Auto if side.auth.is_cloud() => Flavor::Cloud,
        JiraMode::Auto => Flavor::DataCenter,
    }
}

/// The base URL of Atlassian's API gateway for this side: `api_gateway`, else the origin of
/// `gateway_url`, else `https://api.atlassian.com`.
pub fn gateway_base(side: &JiraSide) -> Url {
    if let Some(g) = &side.api_gateway {
        return g.clone();
    }
    if let Some(g) = &side.gateway_url
        && let Ok(origin) = Url::parse(&g.origin().ascii_serialization())
    {
        return origin;
    }
    // A constant that parses; the fallback is never taken.
    Url::parse(DEFAULT_GATEWAY).unwrap_or_else(|_| side.url.clone())
}

/// HTTP settings for a side: its CA bundle and proxy (else the proxy environment variables).
pub fn http_settings(transport: &Transport) -> Result<HttpSettings, ConnectError> {
    let ca_bundle_pem = match &transport.ca_bundle {
        Some(path) => Some(std::fs::read(path).map_err(|e| ConnectError::CaBundle {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?),
        None => None,
    };
    let proxy = match &transport.proxy {
        Some(url) => ProxySetting::Url {
            url: SecretString::from(url.to_string()),
            no_proxy: None,
        },
        None => ProxySetting::from_env(),
    };
    Ok(HttpSettings {
        ca_bundle_pem,
        proxy,
        ..HttpSettings::default()
    })
}

/// Pacing for a diagnosis: few retries, short waits (a diagnosis should answer quickly; a
/// persistent failure is itself the finding).
pub fn doctor_pacing() -> PacingSettings {
    PacingSettings {
        max_retries: 2,
        max_backoff: Duration::from_secs(5),
        max_retry_wait: Duration::from_secs(30),
        ..PacingSettings::default()
    }
}

/// The Jira connector configuration of a profile side, for `flavor`.
pub fn jira_config(
    side: &JiraSide,
    secret: SecretString,
    flavor: Flavor,
) -> Result<JiraConfig, ConnectError> {
    let login = side.login().to_owned();
    let auth = match side.auth {
        JiraAuth::CloudApiToken => JiraCredential::CloudToken {
            email: login,
            token: secret,
        },
        JiraAuth::CloudScopedToken => JiraCredential::ScopedToken {
            email: login,
            token: secret,
            gateway: gateway_base(side),
            cloud_id: side.cloud_id().map(str::to_owned),
        },
        JiraAuth::DcPassword => JiraCredential::Password {
            user: login,
            password: secret,
        },
        JiraAuth::DcPat => JiraCredential::Pat { token: secret },
    };
    let project = side.projects.first().cloned().unwrap_or_default();
    let mut config = JiraConfig::new(side.url.clone(), flavor, auth, project);
    config.jql_filter.clone_from(&side.jql);
    config.http = http_settings(&side.transport)?;
    Ok(config)
}

/// The Azure DevOps connector configuration of a profile side.
pub fn ado_config(
    side: &tandem_config::AdoSide,
    secret: SecretString,
) -> Result<AdoConfig, ConnectError> {
    let auth = match side.auth {
        AdoAuth::Pat => AdoCredential::Pat(secret),
        AdoAuth::Bearer => AdoCredential::Bearer(secret),
    };
    let mut config = AdoConfig::new(side.url.clone(), side.project.clone(), auth);
    config.area_path.clone_from(&side.area_path);
    config.wiql_filter.clone_from(&side.wiql);
    config.http = http_settings(&side.transport)?;
    Ok(config)
}
