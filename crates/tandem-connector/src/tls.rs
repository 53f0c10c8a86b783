//! TLS: the rustls configuration every client uses, and a verifier that records who issued the
//! server's certificate.
//!
//! Verification itself is delegated to `rustls-platform-verifier` (the platform's trust store
//! plus the configured extra CA bundle). The wrapper only watches: for each handshake it
//! notes the certificate's subject and issuer and whether verification passed, so that a
//! failure can say "the certificate was issued by CN=Contoso Inspection CA" — the tell-tale
//! of a TLS-intercepting proxy — and `tandem doctor` can show the issuer of a healthy
//! connection too.

use std::collections::HashMap;
use std::sync::{Arc, Once};

use parking_lot::Mutex;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use serde::Serialize;

use crate::error::TlsProblem;

/// Installs the ring crypto provider as the process default, once. Safe to call from every
/// constructor and test helper: later calls, and a provider installed elsewhere, are fine
/// (research dependencies.md §4.3: a client built without a provider panics).
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // An error only means another provider is already installed, which is what we want.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// What a TLS handshake showed of the server's certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerCertificate {
    /// The server name the client asked for.
    pub server_name: String,
    /// Subject of the end-entity certificate, e.g. `CN=jira.example.com`.
    pub subject: Option<String>,
    /// Issuer of the end-entity certificate, e.g. `CN=Contoso Inspection CA, O=Contoso`.
    pub issuer: Option<String>,
    /// Issuer of the last certificate the server sent (the top of the chain it presented).
    pub chain_top_issuer: Option<String>,
    /// Whether verification passed.
    pub verified: bool,
    /// Why verification failed, when it did.
    pub problem: Option<TlsProblem>,
    /// The TLS library's reason, when verification failed.
    pub reason: Option<String>,
}

/// The certificates seen per server name, most recent handshake wins.
#[derive(Debug, Default)]
pub struct PeerLog {
    seen: Mutex<HashMap<String, PeerCertificate>>,
}

impl PeerLog {
    /// The last certificate seen for `host`.
    pub fn get(&self, host: &str) -> Option<PeerCertificate> {
        self.seen.lock().get(host).cloned()
    }

    fn record(&self, cert: PeerCertificate) {
        self.seen.lock().insert(cert.server_name.clone(), cert);
    }
}

/// A verifier that delegates to another and records what it saw.
#[derive(Debug)]
pub(crate) struct RecordingVerifier {
    inner: Arc<dyn ServerCertVerifier>,
    log: Arc<PeerLog>,
}

impl RecordingVerifier {
    pub(crate) fn new(inner: Arc<dyn ServerCertVerifier>, log: Arc<PeerLog>) -> Self {
        Self { inner, log }
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        let (subject, issuer) = names_of(end_entity);
        let chain_top_issuer = intermediates
            .last()
            .and_then(|c| names_of(c).1)
            .or(issuer.clone());
        let (problem, reason) = match &result {
            Ok(_) => (None, None),
            Err(e) => (Some(classify(e)), Some(e.to_string())),
        };
        self.log.record(PeerCertificate {
            server_name: server_name_text(server_name),
            subject,
            issuer,
            chain_top_issuer,
            verified: result.is_ok(),
            problem,
            reason,
        });
        result
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

fn server_name_text(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(d) => d.as_ref().to_owned(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        _ => format!("{name:?}"),
    }
}

fn classify(e: &rustls::Error) -> TlsProblem {
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                TlsProblem::UntrustedIssuer
            }
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. } => TlsProblem::Expired,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                TlsProblem::WrongHost
            }
            // The platform verifier reports some causes as free text.
            CertificateError::Other(o) => {
                let t = o.to_string().to_ascii_lowercase();
                if t.contains("issuer") || t.contains("untrusted") || t.contains("self-signed") {
                    TlsProblem::UntrustedIssuer
                } else {
                    TlsProblem::Other
                }
            }
            _ => TlsProblem::Other,
        },
        _ => TlsProblem::Other,
    }
}

/// Subject and issuer of a DER certificate as `CN=..., O=...` text.
pub fn names_of(cert: &CertificateDer<'_>) -> (Option<String>, Option<String>) {
    match webpki::EndEntityCert::try_from(cert) {
        Ok(parsed) => (
            distinguished_name(parsed.subject()),
            distinguished_name(parsed.issuer()),
        ),
        Err(_) => (None, None),
    }
}

/// Renders the contents of an X.501 `Name` (a SEQUENCE OF RelativeDistinguishedName, without
/// the outer tag) as `CN=..., OU=..., O=..., C=...` in certificate order, keeping the
/// attributes people recognise. Returns `None` when nothing readable is in it.
pub fn distinguished_name(der: &[u8]) -> Option<String> {
    let mut parts = Vec::new();
    let mut rest = der;
    while let Some((tag, set, after)) = tlv(rest) {
        rest = after;
        if tag != 0x31 {
            continue;
        }
        let mut attrs = set;
        while let Some((atag, atv, after)) = tlv(attrs) {
            attrs = after;
            if atag != 0x30 {
                continue;
            }
            let Some((0x06, oid, value_tlv)) = tlv(atv) else {
                continue;
            };
            let Some((vtag, value, _)) = tlv(value_tlv) else {
                continue;
            };
            let label = match oid {
                [0x55, 0x04, 0x03] => "CN",
                [0x55, 0x04, 0x0a] => "O",
                [0x55, 0x04, 0x0b] => "OU",
                [0x55, 0x04, 0x06] => "C",
                [0x55, 0x04, 0x07] => "L",
                [0x55, 0x04, 0x08] => "ST",
                _ => continue,
            };
            let text = match vtag {
                // UTF8String, PrintableString, IA5String, TeletexString (read as Latin-1-ish).
                0x0c | 0x13 | 0x16 | 0x14 => String::from_utf8_lossy(value).into_owned(),
                // BMPString: UTF-16BE.
                0x1e => {
                    let units: Vec<u16> = value
                        .chunks(2)
                        .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                        .collect();
                    String::from_utf16_lossy(&units)
                }
                _ => continue,
            };
            parts.push(format!("{label}={text}"));
        }
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(", "))
    }
}

/// One DER tag-length-value: (tag, contents, rest). Supports definite lengths up to 4 bytes.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_from_a_generated_certificate() {
        let mut params =
            rcgen::CertificateParams::new(vec!["jira.example.com".to_owned()]).unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "jira.example.com");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name = rcgen::DistinguishedName::new();
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Contoso Inspection CA");
        ca_params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "Contoso Ltd");
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &issuer).unwrap();
        let (subject, iss) = names_of(cert.der());
        assert_eq!(subject.as_deref(), Some("CN=jira.example.com"));
        assert_eq!(
            iss.as_deref(),
            Some("CN=Contoso Inspection CA, O=Contoso Ltd")
        );
        let (ca_subject, _) = names_of(ca.der());
        assert_eq!(
            ca_subject.as_deref(),
            Some("CN=Contoso Inspection CA, O=Contoso Ltd")
        );
    }

    #[test]
    fn garbage_is_not_a_name() {
        assert_eq!(distinguished_name(&[0x31, 0x05, 0x01]), None);
        assert_eq!(distinguished_name(&[]), None);
        assert_eq!(names_of(&CertificateDer::from(vec![1, 2, 3])), (None, None));
    }
}
