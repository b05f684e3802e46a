//! The rustls configuration handed to reqwest.
//!
//! The client builds its own `rustls::ClientConfig` with the ring provider rather than relying
//! on a process-wide default provider, so that a library never races its host application for
//! that global.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::error::Error;

/// Which certificates a server must present.
#[derive(Debug, Clone, Default)]
pub(crate) enum Trust {
    /// The operating system's trust store (via rustls-platform-verifier).
    #[default]
    System,
    /// Only the CAs of this PEM bundle, e.g. NetBackup's own CA (`/security/cacert`).
    Bundle(Vec<CertificateDer<'static>>),
    /// Anything: certificates are not checked. Explicit opt-in only.
    InsecureSkipVerify,
    /// Plain-HTTP base URL: TLS is never used, so no trust store is loaded.
    Unused,
}

fn tls_error(reason: String, source: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Tls {
        reason,
        source: Some(Box::new(source)),
    }
}

/// Reads every certificate of a PEM bundle file.
pub(crate) fn read_ca_bundle(path: &Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let pem = std::fs::read(path)
        .map_err(|e| tls_error(format!("cannot read CA bundle {}: {e}", path.display()), e))?;
    parse_ca_bundle(&pem, &path.display().to_string())
}

/// Parses every certificate of PEM text; `origin` names it in errors.
pub(crate) fn parse_ca_bundle(
    pem: &[u8],
    origin: &str,
) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls_error(format!("CA bundle {origin} is not valid PEM: {e}"), e))?;
    if certs.is_empty() {
        return Err(Error::Tls {
            reason: format!(
                "CA bundle {origin} holds no `BEGIN CERTIFICATE` block; \
                 give a PEM file such as the webRootCert of GET /security/cacert"
            ),
            source: None,
        });
    }
    Ok(certs)
}

/// Builds the rustls configuration for `trust`, with ring as the crypto provider.
pub(crate) fn client_config(trust: &Trust) -> Result<ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("the ring provider supports no TLS version".into(), e))?;
    let mut config = match trust {
        Trust::System => {
            let verifier = rustls_platform_verifier::Verifier::new(provider).map_err(|e| {
                tls_error("cannot load the system's trusted certificates".into(), e)
            })?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth()
        }
        Trust::Bundle(certs) => {
            let mut roots = RootCertStore::empty();
            for cert in certs {
                roots.add(cert.clone()).map_err(|e| {
                    tls_error(
                        "the CA bundle holds a certificate that is not a usable trust anchor"
                            .into(),
                        e,
                    )
                })?;
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        Trust::InsecureSkipVerify => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth(),
        Trust::Unused => builder
            .with_root_certificates(RootCertStore::empty())
            .with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Accepts any server certificate but still checks handshake signatures, so the session is
/// at least bound to the key the server presented.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_garbage_bundles_are_refused_with_the_origin_named() {
        let err = parse_ca_bundle(b"", "/etc/nbu/ca.pem")
            .err()
            .map(|e| e.to_string());
        let text = err.unwrap_or_default();
        assert!(text.contains("/etc/nbu/ca.pem"), "{text}");
        assert!(text.contains("BEGIN CERTIFICATE"), "{text}");

        let broken = b"-----BEGIN CERTIFICATE-----\n!!!notbase64!!!\n-----END CERTIFICATE-----\n";
        let text = parse_ca_bundle(broken, "x.pem")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            text.contains("x.pem") && text.contains("not valid PEM"),
            "{text}"
        );
    }

    #[test]
    fn missing_file_is_named() {
        let text = read_ca_bundle(Path::new("/nonexistent/nbu-ca.pem"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(text.contains("/nonexistent/nbu-ca.pem"), "{text}");
    }

    #[test]
    fn configs_build_for_every_trust_mode_without_a_global_provider() {
        for trust in [Trust::Unused, Trust::InsecureSkipVerify] {
            let config = client_config(&trust);
            assert!(config.is_ok(), "{trust:?}: {:?}", config.err());
        }
    }
}
