//! HTTPS with a self-signed certificate or PEM files.

use std::path::PathBuf;

use nbu_sim::{Release, TlsConfig};

use crate::support::{accept, small};

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("nbu-sim-it-{}-{name}", std::process::id()))
}

fn trusting(pem: &str) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cert = reqwest::Certificate::from_pem(pem.as_bytes()).expect("PEM certificate");
    reqwest::Client::builder()
        .tls_certs_only([cert])
        .build()
        .expect("client builds")
}

#[tokio::test]
async fn self_signed_certificates_are_written_for_clients_to_trust() {
    let cert_out = scratch("self-signed.pem");
    let sim = small(Release::V11_2)
        .tls(TlsConfig::SelfSigned {
            cert_out: Some(cert_out.clone()),
        })
        .spawn()
        .await
        .expect("sim starts");
    assert!(
        sim.base_url().starts_with("https://127.0.0.1:"),
        "{}",
        sim.base_url()
    );
    let pem = std::fs::read_to_string(&cert_out).expect("certificate written");
    assert_eq!(Some(pem.as_str()), sim.tls_cert_pem());
    let response = trusting(&pem)
        .get(format!("{}/admin/jobs", sim.base_url()))
        .header("Authorization", sim.api_key())
        .header("Accept", accept("14.0"))
        .send()
        .await
        .expect("TLS request succeeds");
    assert_eq!(response.status(), 200);
    // A client that does not trust the certificate fails.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let untrusting = reqwest::Client::builder().build().expect("client builds");
    assert!(
        untrusting
            .get(format!("{}/ping", sim.base_url()))
            .send()
            .await
            .is_err()
    );
    let _ = std::fs::remove_file(cert_out);
}

#[tokio::test]
async fn pem_files_are_served_and_bad_ones_are_reported() {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let (cert, key) = (scratch("cert.pem"), scratch("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).expect("write cert");
    std::fs::write(&key, certified.signing_key.serialize_pem()).expect("write key");
    let sim = small(Release::V11_2)
        .tls(TlsConfig::PemFiles {
            cert: cert.clone(),
            key: key.clone(),
        })
        .spawn()
        .await
        .expect("sim starts");
    let url = format!("https://localhost:{}/netbackup/ping", sim.addr().port());
    let response = trusting(&certified.cert.pem())
        .get(url)
        .send()
        .await
        .expect("TLS request succeeds");
    assert_eq!(response.status(), 200);
    sim.shutdown().await;

    let missing = small(Release::V11_2)
        .tls(TlsConfig::PemFiles {
            cert: scratch("absent.pem"),
            key: key.clone(),
        })
        .spawn()
        .await;
    let message = missing.expect_err("missing file").to_string();
    assert!(message.contains("absent.pem"), "{message}");
    let _ = std::fs::remove_file(cert);
    let _ = std::fs::remove_file(key);
}
