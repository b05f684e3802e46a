//! TLS against a loopback HTTPS server with a throw-away CA: trust by bundle, refusal by
//! default, and the explicit insecure opt-in.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

use std::sync::Arc;

use nbu_api::{ApiVersion, Client, ClientBuilder, Error, RetryPolicy};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls_pki_types::PrivateKeyDer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

struct TlsServer {
    base_url: String,
    ca_pem: String,
}

/// An HTTPS server on 127.0.0.1 whose certificate is issued by a fresh CA; it answers every
/// request like `GET /ping`.
async fn start() -> TlsServer {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "nbu-api test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![leaf.der().clone()],
        PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
    )
    .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buffer = [0_u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let response = "HTTP/1.1 200 OK\r\nX-NetBackup-API-Version: 14.0\r\n\
                                Content-Length: 13\r\nConnection: close\r\n\r\n1519397648169";
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    TlsServer {
        base_url: format!("https://127.0.0.1:{port}/netbackup"),
        ca_pem: ca.pem(),
    }
}

fn builder(server: &TlsServer) -> ClientBuilder {
    Client::builder(&server.base_url)
        .version(ApiVersion::V14_0)
        .retry(RetryPolicy::none())
}

#[tokio::test]
async fn a_ca_bundle_makes_the_server_trusted() {
    let server = start().await;
    let inline = builder(&server)
        .ca_bundle_pem(server.ca_pem.clone())
        .build()
        .unwrap();
    assert_eq!(inline.ping().await.unwrap().as_deref(), Some("14.0"));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cacert.pem");
    std::fs::write(&file, &server.ca_pem).unwrap();
    let from_file = builder(&server).ca_bundle_file(&file).build().unwrap();
    assert_eq!(from_file.ping().await.unwrap().as_deref(), Some("14.0"));
}

#[tokio::test]
async fn an_unknown_ca_is_refused_by_default() {
    let server = start().await;
    let retrying = builder(&server).retry(RetryPolicy::default().max_attempts(3));
    match retrying.build() {
        // A machine without a system trust store cannot even build a verifying client.
        Err(error) => assert!(matches!(error, Error::Tls { .. }), "{error:?}"),
        Ok(client) => {
            let error = client.ping().await.unwrap_err();
            assert!(matches!(error, Error::Http { .. }), "{error:?}");
            // A refused certificate needs a configuration change: no retry, not transient.
            assert!(!error.is_transient(), "{error:?}");
            assert!(error.to_string().contains("/security/cacert"), "{error}");
            assert_eq!(client.requests_sent(), 1);
            assert!(
                error.to_string().to_lowercase().contains("certificate"),
                "{error}"
            );
        }
    }
}

#[tokio::test]
async fn insecure_skip_verify_accepts_any_certificate_only_when_asked() {
    let server = start().await;
    let insecure = builder(&server).insecure_skip_verify(true).build().unwrap();
    assert_eq!(insecure.ping().await.unwrap().as_deref(), Some("14.0"));

    let both = builder(&server)
        .insecure_skip_verify(true)
        .ca_bundle_pem(server.ca_pem.clone())
        .build()
        .unwrap_err();
    assert!(
        matches!(
            both,
            Error::InvalidConfig {
                field: "insecure_skip_verify",
                ..
            }
        ),
        "{both:?}"
    );
}

#[tokio::test]
async fn a_bundle_without_certificates_is_refused_at_build() {
    let server = start().await;
    let error = builder(&server)
        .ca_bundle_pem("not a certificate")
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("BEGIN CERTIFICATE"), "{error}");
}
