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

/// A fresh CA and a leaf it signs.
struct Pki {
    ca_pem: String,
    leaf: rcgen::Certificate,
    leaf_key: KeyPair,
}

fn pki(leaf_params: CertificateParams) -> Pki {
    pki_named(leaf_params, "nbu-api test CA")
}

fn pki_named(leaf_params: CertificateParams, ca_name: &str) -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, ca_name);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca).unwrap();
    Pki {
        ca_pem: ca.pem(),
        leaf,
        leaf_key,
    }
}

/// An HTTPS server on 127.0.0.1 whose certificate is issued by a fresh CA; it answers every
/// request like `GET /ping`.
async fn start() -> TlsServer {
    start_with(CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap()).await
}

/// Like [`start`], with a leaf certificate made from `leaf_params`.
async fn start_with(leaf_params: CertificateParams) -> TlsServer {
    let Pki {
        ca_pem,
        leaf,
        leaf_key,
    } = pki(leaf_params);
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
        ca_pem,
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

/// The error of a ping to a server presenting `leaf_params`, trusting only the server's CA
/// (or, with `other_ca`, a different CA of that name) from a file.
async fn refusal(leaf_params: CertificateParams, other_ca: Option<&str>) -> (Error, String) {
    let server = start_with(leaf_params).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ca.pem");
    let ca = match other_ca {
        Some(name) => {
            pki_named(
                CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap(),
                name,
            )
            .ca_pem
        }
        None => server.ca_pem.clone(),
    };
    std::fs::write(&file, ca).unwrap();
    let client = builder(&server)
        .retry(RetryPolicy::default().max_attempts(3))
        .ca_bundle_file(&file)
        .build()
        .unwrap();
    let error = client.ping().await.unwrap_err();
    // A refused certificate needs a configuration change: no retry, not transient.
    assert_eq!(client.requests_sent(), 1, "{error:?}");
    assert!(!error.is_transient(), "{error:?}");
    assert_eq!(error.kind(), nbu_api::ErrorKind::Tls, "{error:?}");
    (error, file.display().to_string())
}

#[tokio::test]
async fn a_certificate_from_another_ca_names_the_ca_file_and_what_to_do() {
    // Another CA altogether (unknown issuer), and a CA of the same name re-created with a new
    // key, as when NetBackup's CA is renewed (the signature does not verify).
    for other in ["another CA", "nbu-api test CA"] {
        let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
        let (error, file) = refusal(leaf, Some(other)).await;
        let shown = error.to_string();
        assert!(
            shown.contains(&format!(
                "the server's certificate is not signed by the CA in {file}: set caFile"
            )),
            "{other}: {shown}"
        );
        assert!(shown.contains("https://127.0.0.1:"), "{shown}");
    }
}

#[tokio::test]
async fn an_expired_certificate_is_called_expired() {
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    let (error, _) = refusal(params, None).await;
    let shown = error.to_string();
    assert!(
        shown.contains("TLS: the server's certificate has expired"),
        "{shown}"
    );
    assert!(shown.contains("renew it"), "{shown}");
}

#[tokio::test]
async fn a_certificate_for_another_host_names_the_host_asked_for() {
    let params = CertificateParams::new(vec!["nbu-primary.example.com".to_owned()]).unwrap();
    let (error, _) = refusal(params, None).await;
    let shown = error.to_string();
    assert!(
        shown.contains(
            "TLS: the server's certificate is not valid for the host 127.0.0.1 \
             (it names nbu-primary.example.com); use a host name the certificate names"
        ),
        "{shown}"
    );
}
