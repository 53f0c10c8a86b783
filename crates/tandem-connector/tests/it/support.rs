//! Local servers for the tests: plain HTTP or HTTPS with a freshly made CA.

use std::net::SocketAddr;

use axum::Router;
use tandem_connector::error::{ErrorKind, Side};
use tandem_connector::transport::{Dialect, Exchange};

/// A dialect with no product-specific rules: the generic status rules decide.
#[derive(Debug)]
pub struct Plain;

impl Dialect for Plain {
    fn side(&self) -> Side {
        Side::Jira
    }
    fn body_messages(&self, _body: &[u8]) -> (Vec<String>, Option<String>) {
        (Vec::new(), None)
    }
    fn classify(&self, _x: &Exchange<'_>) -> Option<ErrorKind> {
        None
    }
}

/// A CA and a server certificate it signed.
pub struct Pki {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

/// Makes a CA named like a TLS-inspecting proxy and a certificate for `hosts`.
pub fn pki(hosts: &[&str]) -> Pki {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name = rcgen::DistinguishedName::new();
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Contoso Inspection CA");
    ca_params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "Contoso Ltd");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
    let mut params =
        rcgen::CertificateParams::new(hosts.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>())
            .unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, hosts[0]);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();
    Pki {
        ca_pem: ca.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// Serves `app` over HTTPS on 127.0.0.1 with the given certificate.
pub async fn serve_tls(app: Router, pki: &Pki) -> SocketAddr {
    tandem_connector::tls::install_crypto_provider();
    let config = axum_server::tls_rustls::RustlsConfig::from_pem(
        pki.cert_pem.clone().into_bytes(),
        pki.key_pem.clone().into_bytes(),
    )
    .await
    .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = axum_server::from_tcp_rustls(listener, config).unwrap();
    tokio::spawn(async move { server.serve(app.into_make_service()).await });
    addr
}

/// Serves `app` over plain HTTP on 127.0.0.1.
pub async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}
