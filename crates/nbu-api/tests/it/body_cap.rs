//! The response-body cap: a body over `max_body_bytes` fails the request while it streams,
//! without retries, and without reading much beyond the cap.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use nbu_api::{ApiVersion, Client, Error, ErrorKind, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{KEY, builder, pages};

const MIB: u64 = 1024 * 1024;

/// A server on 127.0.0.1 that answers every request with a chunked body that never ends,
/// counting the body bytes it managed to write; `done` is set when the client hung up.
struct Endless {
    base_url: String,
    written: Arc<AtomicU64>,
    done: Arc<tokio::sync::Notify>,
}

async fn endless() -> Endless {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let written = Arc::new(AtomicU64::new(0));
    let done = Arc::new(tokio::sync::Notify::new());
    let (count, finished) = (Arc::clone(&written), Arc::clone(&done));
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let mut request = Vec::new();
            let mut buffer = [0_u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match tcp.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => request.extend_from_slice(&buffer[..n]),
                }
            }
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                        Transfer-Encoding: chunked\r\n\r\n";
            if tcp.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let data = vec![b' '; 64 * 1024];
            let chunk = [
                format!("{:x}\r\n", data.len()).into_bytes(),
                data,
                b"\r\n".to_vec(),
            ]
            .concat();
            while tcp.write_all(&chunk).await.is_ok() {
                count.fetch_add(64 * 1024, Ordering::Relaxed);
            }
            finished.notify_one();
        }
    });
    Endless {
        base_url: format!("http://127.0.0.1:{port}/netbackup"),
        written,
        done,
    }
}

#[tokio::test]
async fn an_endless_body_fails_at_the_cap_without_retries() {
    let server = endless().await;
    let limit = 2 * MIB;
    let client = Client::builder(&server.base_url)
        .api_key(KEY)
        .version(ApiVersion::V14_0)
        .retry(
            RetryPolicy::default()
                .max_attempts(4)
                .delays(Duration::from_millis(1), Duration::from_millis(5)),
        )
        .without_rate_limit()
        .max_body_bytes(limit)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let error = tokio::time::timeout(Duration::from_secs(30), pages(client.storage_units()))
        .await
        .expect("the request must end at the cap, not run on")
        .unwrap_err();
    match &error {
        Error::BodyTooLarge {
            limit: reported,
            declared,
            received,
            endpoint,
            ..
        } => {
            assert_eq!(*reported, limit);
            assert_eq!(*declared, None);
            assert_eq!(endpoint, "/storage/storage-units");
            // Reading stopped with the first chunk past the cap.
            assert!(*received > limit && *received <= limit + MIB, "{received}");
        }
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
    assert_eq!(error.kind(), ErrorKind::BodyTooLarge);
    assert!(!error.is_transient());
    assert_eq!(client.requests_sent(), 1);
    assert_eq!(
        error.to_string(),
        format!(
            "GET {}/storage/storage-units (API 14.0): the response body exceeds the limit of \
             2,097,152 bytes set by max_body_bytes (the exporter's maxResponseMiB); raise it if an answer this large is expected",
            server.base_url
        )
    );
    // The client hung up: the server's writes fail soon after, having sent no more than the
    // cap plus what the sockets' buffers hold.
    tokio::time::timeout(Duration::from_secs(10), server.done.notified())
        .await
        .expect("the client must close the connection");
    let written = server.written.load(Ordering::Relaxed);
    assert!(written < limit + 32 * MIB, "{written} bytes written");
}

#[tokio::test]
async fn a_declared_length_over_the_cap_is_refused_before_reading() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/netbackup/storage/disk-pools"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(vec![b' '; 4096], "application/json"))
        .mount(&server)
        .await;
    let client = builder(&server).max_body_bytes(1024).build().unwrap();
    let error = pages(client.disk_pools()).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::BodyTooLarge {
                limit: 1024,
                declared: Some(4096),
                received: 0,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains(
            "the response body of 4,096 bytes (Content-Length) exceeds the limit of 1,024 bytes \
             set by max_body_bytes"
        ),
        "{error}"
    );
    assert_eq!(client.requests_sent(), 1);
}

#[tokio::test]
async fn bodies_up_to_the_cap_are_read_and_tiny_caps_are_refused() {
    let server = MockServer::start().await;
    let page = serde_json::json!({"data": [], "meta": {"pagination": {"count": 0}}});
    let size = page.to_string().len() as u64;
    Mock::given(method("GET"))
        .and(path("/netbackup/storage/disk-pools"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page))
        .mount(&server)
        .await;
    let client = builder(&server)
        .max_body_bytes(1024.max(size))
        .build()
        .unwrap();
    assert!(pages(client.disk_pools()).await.is_ok());
    let tiny = builder(&server).max_body_bytes(10).build().unwrap_err();
    assert!(
        matches!(
            tiny,
            Error::InvalidConfig {
                field: "max_body_bytes",
                ..
            }
        ),
        "{tiny:?}"
    );
    assert_eq!(nbu_api::DEFAULT_MAX_BODY_BYTES, 8 * MIB);
}
