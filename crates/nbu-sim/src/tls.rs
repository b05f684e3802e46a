//! Optional TLS: PEM files, or a self-signed certificate for 127.0.0.1/localhost made with rcgen.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::SimError;

/// How the simulator gets its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsConfig {
    /// Certificate chain and private key in PEM files.
    PemFiles {
        /// Certificate chain (leaf first).
        cert: PathBuf,
        /// Private key (PKCS#8, PKCS#1 or SEC1).
        key: PathBuf,
    },
    /// A fresh self-signed certificate for `127.0.0.1` and `localhost`; its PEM is written to
    /// `cert_out` when given (so clients can trust it) and is available from
    /// [`SimHandle::tls_cert_pem`](crate::SimHandle::tls_cert_pem).
    SelfSigned {
        /// Where to write the certificate PEM.
        cert_out: Option<PathBuf>,
    },
}

/// The rustls server configuration plus the certificate PEM (for self-signed certificates).
pub(crate) fn server_config(
    tls: &TlsConfig,
) -> Result<(Arc<ServerConfig>, Option<String>), SimError> {
    let (chain, key, pem) = match tls {
        TlsConfig::PemFiles { cert, key } => {
            let chain = CertificateDer::pem_file_iter(cert)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|err| {
                    SimError::Tls(format!(
                        "cannot read certificates from {}: {err}",
                        cert.display()
                    ))
                })?;
            if chain.is_empty() {
                return Err(SimError::Tls(format!(
                    "{} holds no PEM certificate",
                    cert.display()
                )));
            }
            let key_der = PrivateKeyDer::from_pem_file(key).map_err(|err| {
                SimError::Tls(format!(
                    "cannot read a private key from {}: {err}",
                    key.display()
                ))
            })?;
            (chain, key_der, None)
        }
        TlsConfig::SelfSigned { cert_out } => {
            let certified = rcgen::generate_simple_self_signed(vec![
                "127.0.0.1".to_owned(),
                "localhost".to_owned(),
            ])
            .map_err(|err| {
                SimError::Tls(format!("cannot generate a self-signed certificate: {err}"))
            })?;
            let pem = certified.cert.pem();
            if let Some(path) = cert_out {
                std::fs::write(path, &pem).map_err(|err| {
                    SimError::Tls(format!(
                        "cannot write the certificate to {}: {err}",
                        path.display()
                    ))
                })?;
            }
            let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
                certified.signing_key.serialize_der(),
            ));
            (vec![certified.cert.der().clone()], key, Some(pem))
        }
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| SimError::Tls(format!("TLS protocol setup failed: {err}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|err| {
            SimError::Tls(format!(
                "the certificate and key do not form a usable pair: {err}"
            ))
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((Arc::new(config), pem))
}
