//! From a validated profile and a resolved token to the connectors' own configurations: the
//! one place that knows how `tandem.toml`'s settings map onto `tandem-jira` and `tandem-ado`
//! (the doctor and the engine build their connectors here too).

use secrecy::SecretString;
use tandem_config::{AdoAuth, JiraAuth, JiraMode, Profile, Transport};
use tandem_connector::http::{HttpSettings, ProxySetting};
use tandem_jira::{Flavor, JiraConfig};
use url::Url;

/// A profile setting the connectors cannot use as it is.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnectError {
    /// The CA bundle cannot be read.
    #[error("cannot read the CA bundle {path}: {source}; check `ca_bundle` in the profile")]
    CaBundle {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The scoped-token gateway URL does not end with `/ex/jira/<cloudId>`.
    #[error("gateway_url {0} does not end with /ex/jira/<cloudId>")]
    Gateway(String),
}

/// HTTP settings of one side: its extra CA bundle, and its proxy (or the proxy environment
/// variables when the profile names none).
pub(crate) fn http_settings(transport: &Transport) -> Result<HttpSettings, ConnectError> {
    let ca_bundle_pem = match &transport.ca_bundle {
        Some(path) => Some(
            std::fs::read(path).map_err(|source| ConnectError::CaBundle {
                path: path.clone(),
                source,
            })?,
        ),
        None => None,
    };
    let proxy = match &transport.proxy {
        Some(url) => ProxySetting::Url {
            url: SecretString::from(url.as_str().to_owned()),
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

/// The flavour the profile says, if it says (mode, or a Cloud-only credential kind).
pub(crate) fn known_flavor(profile: &Profile) -> Option<Flavor> {
    match profile.jira.known_mode() {
        JiraMode::Cloud => Some(Flavor::Cloud),
        JiraMode::DataCenter => Some(Flavor::DataCenter),
        JiraMode::Auto => None,
    }
}

/// Splits `https://api.atlassian.com/ex/jira/{cloudId}` into the gateway base and the cloudId.
fn gateway_parts(gateway_url: &Url) -> Result<(Url, String), ConnectError> {
    let (prefix, id) = gateway_url
        .path()
        .rsplit_once("/ex/jira/")
        .filter(|(_, id)| !id.is_empty() && !id.contains('/'))
        .ok_or_else(|| ConnectError::Gateway(gateway_url.to_string()))?;
    let mut base = gateway_url.clone();
    base.set_path(if prefix.is_empty() { "/" } else { prefix });
    Ok((base, id.to_owned()))
}

/// The Jira connector configuration for one of the profile's projects.
pub(crate) fn jira_config(
    profile: &Profile,
    project: &str,
    flavor: Flavor,
    secret: SecretString,
) -> Result<JiraConfig, ConnectError> {
    let side = &profile.jira;
    // The account name sent with the token: `login` when the config says the credentials are
    // another account's (doctor then reports it), else the sync user.
    let user = side.login().to_owned();
    let auth = match side.auth {
        JiraAuth::CloudApiToken => tandem_jira::JiraAuth::CloudToken {
            email: user,
            token: secret,
        },
        JiraAuth::CloudScopedToken => {
            let (gateway, cloud_id) = match &side.gateway_url {
                Some(url) => {
                    let (base, id) = gateway_parts(url)?;
                    (base, Some(id))
                }
                None => (
                    Url::parse(tandem_jira::config::DEFAULT_GATEWAY)
                        .map_err(|e| ConnectError::Gateway(e.to_string()))?,
                    None,
                ),
            };
            tandem_jira::JiraAuth::ScopedToken {
                email: user,
                token: secret,
                gateway,
                cloud_id,
            }
        }
        JiraAuth::DcPassword => tandem_jira::JiraAuth::Password {
            user,
            password: secret,
        },
        JiraAuth::DcPat => tandem_jira::JiraAuth::Pat { token: secret },
    };
    let mut config = JiraConfig::new(side.url.clone(), flavor, auth, project);
    config.jql_filter = side.jql.clone();
    config.http = http_settings(&side.transport)?;
    Ok(config)
}

/// The Azure DevOps connector configuration of the profile.
pub(crate) fn ado_config(
    profile: &Profile,
    secret: SecretString,
) -> Result<tandem_ado::AdoConfig, ConnectError> {
    let side = &profile.ado;
    let auth = match side.auth {
        AdoAuth::Pat => tandem_ado::AdoAuth::Pat(secret),
        AdoAuth::Bearer => tandem_ado::AdoAuth::Bearer(secret),
    };
    let mut config = tandem_ado::AdoConfig::new(side.url.clone(), side.project.clone(), auth);
    config.area_path = side.area_path.clone();
    config.wiql_filter = side.wiql.clone();
    config.http = http_settings(&side.transport)?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gateway_url_splits_into_base_and_cloud_id() {
        let url = Url::parse("https://api.atlassian.com/ex/jira/1111-2222").unwrap();
        let (base, id) = gateway_parts(&url).unwrap();
        assert_eq!(
            (base.as_str(), id.as_str()),
            ("https://api.atlassian.com/", "1111-2222")
        );
        let url = Url::parse("http://127.0.0.1:4000/proxy/ex/jira/abc").unwrap();
        let (base, id) = gateway_parts(&url).unwrap();
        assert_eq!(
            (base.as_str(), id.as_str()),
            ("http://127.0.0.1:4000/proxy", "abc")
        );
        assert!(gateway_parts(&Url::parse("https://api.atlassian.com/").unwrap()).is_err());
    }
}
