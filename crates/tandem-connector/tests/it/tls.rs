//! TLS with a private CA: untrusted fails naming the issuer; the CA bundle fixes it.

use axum::Router;
use axum::routing::get;
use tandem_connector::error::{ErrorKind, Side, TlsProblem};
use tandem_connector::http::{HttpClient, HttpSettings};
use tandem_connector::redact::Scrubber;

use crate::support::{pki, serve_tls};

fn app() -> Router {
    Router::new().route("/ok", get(|| async { "{}" }))
}

async fn get_ok(client: &HttpClient, url: &str) -> Result<u16, tandem_connector::ConnectorError> {
    let req = client.reqwest().get(url).build().unwrap();
    client
        .execute(req, &Scrubber::new())
        .await
        .map(|r| r.status.as_u16())
}

#[tokio::test]
async fn untrusted_ca_fails_naming_the_issuer() {
    let pki = pki(&["localhost"]);
    let addr = serve_tls(app(), &pki).await;
    let client = HttpClient::new(Side::Jira, &HttpSettings::default()).unwrap();
    let err = get_ok(&client, &format!("https://localhost:{}/ok", addr.port()))
        .await
        .unwrap_err();
    let ErrorKind::Tls {
        problem,
        issuer,
        subject,
        ..
    } = err.kind()
    else {
        panic!("{err}")
    };
    assert_eq!(*problem, TlsProblem::UntrustedIssuer, "{err}");
    assert_eq!(
        issuer.as_deref(),
        Some("CN=Contoso Inspection CA, O=Contoso Ltd")
    );
    assert_eq!(subject.as_deref(), Some("CN=localhost"));
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(
        text.contains("issued by CN=Contoso Inspection CA"),
        "{text}"
    );
    assert!(text.contains("CA bundle"), "{text}");
    let peer = client.peer_certificate("localhost").unwrap();
    assert!(!peer.verified);
}

#[tokio::test]
async fn ca_bundle_makes_it_trusted_and_the_issuer_is_still_recorded() {
    let pki = pki(&["localhost"]);
    let addr = serve_tls(app(), &pki).await;
    let settings = HttpSettings {
        ca_bundle_pem: Some(pki.ca_pem.clone().into_bytes()),
        ..HttpSettings::default()
    };
    let client = HttpClient::new(Side::Ado, &settings).unwrap();
    assert_eq!(
        get_ok(&client, &format!("https://localhost:{}/ok", addr.port()))
            .await
            .unwrap(),
        200
    );
    let peer = client.peer_certificate("localhost").unwrap();
    assert!(peer.verified);
    assert_eq!(
        peer.issuer.as_deref(),
        Some("CN=Contoso Inspection CA, O=Contoso Ltd")
    );
}

#[tokio::test]
async fn certificate_for_another_host() {
    let pki = pki(&["jira.example.com"]);
    let addr = serve_tls(app(), &pki).await;
    let settings = HttpSettings {
        ca_bundle_pem: Some(pki.ca_pem.clone().into_bytes()),
        ..HttpSettings::default()
    };
    let client = HttpClient::new(Side::Jira, &settings).unwrap();
    let err = get_ok(&client, &format!("https://localhost:{}/ok", addr.port()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Tls {
                problem: TlsProblem::WrongHost,
                ..
            }
        ),
        "{err}"
    );
}
