//! Optional TLS with the simulator's own certificate authority, named like the interception
//! CA of a corporate proxy ("Contoso Corporate SSL Inspection CA" by default), so a client that
//! trusts only public CAs fails exactly as it does behind such a proxy. The CA certificate is
//! written to a file ([`crate::ServerHandle::ca_pem_path`]) and served at `GET /_sim/ca.pem` so
//! a client can be configured to trust it. rustls with the ring provider only.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use serde::{Deserialize, Serialize};

/// TLS settings of one half (`[jira.tls]`, `[ado.tls]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsSettings {
    /// Serve HTTPS instead of HTTP.
    pub enabled: bool,
    /// Common name of the issuing CA.
    pub ca_name: String,
    /// Organisation of the issuing CA.
    pub ca_organization: String,
    /// Extra DNS names for the server certificate (`localhost`, `127.0.0.1` and the listen
    /// host are always included).
    pub extra_names: Vec<String>,
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            enabled: false,
            ca_name: "Contoso Corporate SSL Inspection CA".into(),
            ca_organization: "Contoso Ltd".into(),
            extra_names: Vec::new(),
        }
    }
}

/// Why TLS material could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Certificate generation failed.
    #[error("cannot generate the simulator's TLS certificates: {0}")]
    Generate(#[from] rcgen::Error),
    /// rustls refused the configuration.
    #[error("cannot build the TLS server configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

/// A CA and a server certificate it signed, ready to serve.
#[derive(Clone)]
pub struct TlsMaterial {
    /// The CA certificate, PEM.
    pub ca_pem: String,
    /// The rustls server configuration (ring provider).
    pub server_config: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for TlsMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsMaterial").finish_non_exhaustive()
    }
}

impl TlsMaterial {
    /// Makes a fresh CA and a server certificate for `host` (plus localhost and 127.0.0.1).
    pub fn generate(settings: &TlsSettings, host: &str) -> Result<TlsMaterial, TlsError> {
        let ca_key = KeyPair::generate()?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, settings.ca_name.as_str());
        dn.push(DnType::OrganizationName, settings.ca_organization.as_str());
        ca_params.distinguished_name = dn;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        for n in std::iter::once(host.to_owned()).chain(settings.extra_names.iter().cloned()) {
            if !n.is_empty() && !names.contains(&n) {
                names.push(n);
            }
        }
        let leaf_key = KeyPair::generate()?;
        let mut leaf_params = CertificateParams::new(names)?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, host);
        leaf_params.distinguished_name = dn;
        let leaf = leaf_params.signed_by(&leaf_key, &issuer)?;

        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(vec![leaf.der().clone(), ca_cert.der().clone()], key)?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(TlsMaterial {
            ca_pem: ca_cert.pem(),
            server_config: Arc::new(config),
        })
    }
}
