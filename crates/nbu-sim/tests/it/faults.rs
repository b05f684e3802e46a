//! Fault injection, at runtime and through the control endpoint.

use std::time::{Duration, Instant};

use nbu_sim::{ConnectionFault, Faults, Release};
use serde_json::json;

use crate::support::{Api, small};

#[tokio::test]
async fn errors_and_throttling_target_a_path_prefix() {
    let sim = small(Release::V11_2).spawn().await.expect("sim starts");
    let api = Api::new(&sim);
    let faults = Faults {
        error_rate: 1.0,
        error_status: Some(503),
        retry_after_secs: Some(7),
        path_prefix: Some("/admin/jobs".into()),
        ..Faults::default()
    };
    sim.set_faults(faults.clone()).await.expect("valid faults");
    assert_eq!(sim.faults(), faults);
    let answer = api.get("/admin/jobs").await;
    answer.error_message(503);
    assert_eq!(answer.header("retry-after"), Some("7"));
    assert_eq!(
        api.get("/storage/disk-pools").await.status,
        200,
        "other paths are untouched"
    );

    sim.set_faults(Faults {
        too_many_requests_rate: 1.0,
        retry_after_secs: Some(3),
        ..Faults::default()
    })
    .await
    .expect("valid");
    let answer = api.get("/storage/disk-pools").await;
    answer.error_message(429);
    assert_eq!(answer.header("retry-after"), Some("3"));

    sim.set_faults(Faults {
        error_rate: 1.0,
        error_status: Some(500),
        ..Faults::default()
    })
    .await
    .expect("valid");
    let answer = api.get("/storage/disk-pools").await;
    answer.error_message(500);
    assert_eq!(answer.header("retry-after"), None);
    let stats = sim.stats();
    assert_eq!(stats.responses("GET /storage/disk-pools", 500), 1);
    assert_eq!(stats.responses("GET /admin/jobs", 503), 1);

    sim.clear_faults().await;
    assert_eq!(api.get("/admin/jobs").await.status, 200);
    assert!(
        sim.set_faults(Faults {
            error_rate: 2.0,
            ..Faults::default()
        })
        .await
        .is_err()
    );
}

#[tokio::test]
async fn the_server_side_rate_limit_answers_429() {
    let sim = small(Release::V11_2)
        .faults(Faults {
            rate_limit_per_sec: Some(3.0),
            ..Faults::default()
        })
        .spawn()
        .await
        .expect("sim starts");
    let api = Api::new(&sim);
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(api.get("/storage/disk-pools").await.status);
    }
    // A burst of a second's worth passes, then the bucket runs dry (8 quick requests take far less
    // than the second needed to refill it).
    assert_eq!(statuses[..3], [200, 200, 200], "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
}

#[tokio::test]
async fn fault_decisions_are_seeded() {
    let run = || async {
        let sim = small(Release::V11_2)
            .faults(Faults {
                error_rate: 0.5,
                seed: Some(99),
                ..Faults::default()
            })
            .spawn()
            .await
            .expect("sim starts");
        let api = Api::new(&sim);
        let mut statuses = Vec::new();
        for _ in 0..24 {
            statuses.push(api.get("/storage/drives").await.status);
        }
        statuses
    };
    let first = run().await;
    assert_eq!(first, run().await);
    assert!(first.contains(&200) && first.contains(&503), "{first:?}");
}

#[tokio::test]
async fn malformed_and_truncated_bodies_break_clients() {
    let sim = small(Release::V11_2)
        .faults(Faults {
            malformed_json_rate: 1.0,
            ..Faults::default()
        })
        .spawn()
        .await
        .expect("sim starts");
    let api = Api::new(&sim);
    let answer = api.get("/admin/jobs").await;
    assert_eq!(answer.status, 200);
    assert!(
        serde_json::from_str::<serde_json::Value>(&answer.text).is_err(),
        "body should not parse"
    );

    sim.set_faults(Faults {
        truncated_body_rate: 1.0,
        ..Faults::default()
    })
    .await
    .expect("valid");
    let response = api
        .http
        .get(api.url("/admin/jobs"))
        .header("Authorization", sim.api_key())
        .header("Accept", crate::support::accept("14.0"))
        .send()
        .await
        .expect("headers arrive");
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.is_err(), "the body must end early");
    // Error answers are not broken further.
    sim.set_faults(Faults {
        truncated_body_rate: 1.0,
        ..Faults::default()
    })
    .await
    .expect("valid");
    assert_eq!(api.get("/admin/jobs?page[limit]=500").await.status, 400);
}

#[tokio::test]
async fn stalled_requests_wait_until_the_client_gives_up() {
    let sim = small(Release::V11_2)
        .faults(Faults {
            stall_rate: 1.0,
            ..Faults::default()
        })
        .spawn()
        .await
        .expect("sim starts");
    let api = Api::new(&sim);
    let started = Instant::now();
    let result = api
        .http
        .get(api.url("/admin/jobs"))
        .header("Authorization", sim.api_key())
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(result.is_err_and(|err| err.is_timeout()));
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(sim.stats().requests("GET /admin/jobs"), 1);
    sim.clear_faults().await;
    assert_eq!(api.get("/admin/jobs").await.status, 200);
    // Shutdown releases stalled requests instead of hanging.
    sim.set_faults(Faults {
        stall_rate: 1.0,
        ..Faults::default()
    })
    .await
    .expect("valid");
    let pending = tokio::spawn(api.http.get(api.url("/ping")).send());
    tokio::task::yield_now().await;
    sim.shutdown().await;
    assert!(pending.await.expect("task joins").is_err());
}

#[tokio::test]
async fn latency_delays_answers() {
    let sim = small(Release::V11_2)
        .latency(Duration::from_millis(120))
        .spawn()
        .await
        .expect("sim starts");
    let api = Api::new(&sim);
    let started = Instant::now();
    assert_eq!(api.get("/ping").await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(120));
    sim.set_faults(Faults {
        latency_ms: 100,
        path_prefix: Some("/admin".into()),
        ..Faults::default()
    })
    .await
    .expect("valid");
    let started = Instant::now();
    assert_eq!(api.get("/admin/jobs").await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(220));
}

#[tokio::test]
async fn connections_can_be_closed_or_refused() {
    let sim = small(Release::V11_2).spawn().await.expect("sim starts");
    let api = Api::new(&sim);
    assert_eq!(api.get("/ping").await.status, 200);

    sim.set_faults(Faults {
        connection: Some(ConnectionFault::Close),
        ..Faults::default()
    })
    .await
    .expect("valid");
    let closed = api.http.get(api.url("/ping")).send().await;
    assert!(closed.is_err(), "closed connections fail the request");

    sim.set_faults(Faults {
        connection: Some(ConnectionFault::Refuse),
        ..Faults::default()
    })
    .await
    .expect("valid");
    let refused = tokio::net::TcpStream::connect(sim.addr()).await;
    assert_eq!(
        refused.expect_err("refused").kind(),
        std::io::ErrorKind::ConnectionRefused
    );

    sim.clear_faults().await;
    assert_eq!(
        crate::support::client()
            .get(api.url("/ping"))
            .send()
            .await
            .expect("listening again")
            .status(),
        200
    );
}

#[tokio::test]
async fn faults_can_be_set_over_http() {
    let sim = small(Release::V11_2).spawn().await.expect("sim starts");
    let api = Api::new(&sim);
    let url = format!("http://{}/_sim/faults", sim.addr());
    let set = api
        .send(api.http.post(&url).body(
            json!({"errorRate": 1.0, "errorStatus": 502, "pathPrefix": "/storage"}).to_string(),
        ))
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(set.json()["errorStatus"], 502);
    assert_eq!(api.get("/storage/drives").await.status, 502);
    assert_eq!(
        api.send(api.http.get(&url)).await.json()["pathPrefix"],
        "/storage"
    );
    let invalid = api
        .send(api.http.post(&url).body(r#"{"errorRate": 3}"#))
        .await;
    assert_eq!(invalid.status, 400);
    assert!(
        invalid.json()["error"]
            .as_str()
            .is_some_and(|e| e.contains("errorRate"))
    );
    let unknown = api
        .send(api.http.post(&url).body(r#"{"errorRat": 0.5}"#))
        .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(api.send(api.http.delete(&url)).await.status, 204);
    assert_eq!(api.get("/storage/drives").await.status, 200);
}
