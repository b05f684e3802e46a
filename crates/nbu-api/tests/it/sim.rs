//! End to end against the NetBackup simulator: real paging, negotiation and login.

use std::collections::BTreeSet;

use futures_util::TryStreamExt;
use nbu_api::{ApiVersion, Client, JobsQuery};
use nbu_sim::{Release, Server};

use crate::support::pages;

#[tokio::test]
async fn walks_every_simulated_job_once_in_pages_of_100() {
    let sim = Server::builder()
        .api_key("k")
        .jobs(250)
        .spawn()
        .await
        .unwrap();
    let client = Client::builder(sim.base_url())
        .api_key("k")
        .version(ApiVersion::V14_0)
        .build()
        .unwrap();
    let walked = pages(client.jobs(&JobsQuery::new())).await.unwrap();
    let sizes: Vec<usize> = walked.iter().map(|p| p.len()).collect();
    assert_eq!(sizes, [100, 100, 50]);
    let ids: BTreeSet<i64> = walked
        .iter()
        .flat_map(|p| p.items.iter().filter_map(|job| job.job_id))
        .collect();
    assert_eq!(ids.len(), 250);
    assert_eq!(client.requests_sent(), 3);

    let units: Vec<_> = client.storage_units().try_collect().await.unwrap();
    assert!(!units.is_empty());
}

#[tokio::test]
async fn negotiates_each_release_to_its_api_version() {
    for (release, expected, probes) in [
        (Release::V10_5, ApiVersion::V12_0, 3),
        (Release::V11_2, ApiVersion::V14_0, 1),
    ] {
        let sim = Server::builder()
            .api_key("k")
            .release(release)
            .jobs(5)
            .spawn()
            .await
            .unwrap();
        let client = Client::builder(sim.base_url())
            .api_key("k")
            .build()
            .unwrap();
        assert_eq!(client.negotiate().await.unwrap(), expected, "{release}");
        assert_eq!(client.requests_sent(), probes, "{release}");
        let info = client.server_info().await.unwrap();
        assert_eq!(info.nbu_version.as_deref(), Some(release.as_str()));
    }
}

#[tokio::test]
async fn logs_in_with_user_and_password() {
    let sim = Server::builder()
        .credentials("monitor", "secret")
        .jobs(3)
        .spawn()
        .await
        .unwrap();
    let client = Client::builder(sim.base_url())
        .login("monitor", "secret")
        .build()
        .unwrap();
    let walked = pages(client.jobs(&JobsQuery::new())).await.unwrap();
    assert_eq!(walked.iter().map(|p| p.len()).sum::<usize>(), 3);

    let wrong = Client::builder(sim.base_url())
        .login("monitor", "wrong")
        .build()
        .unwrap();
    let error = wrong.negotiate().await.unwrap_err();
    assert!(error.is_unauthorized(), "{error:?}");
}

/// The simulator is a hyper server, which stamps every response with a `Date` header: the
/// clock a collector would use as its watermark.
#[tokio::test]
async fn pages_carry_the_simulator_clock() {
    let sim = Server::builder().api_key("k").spawn().await.unwrap();
    let client = Client::builder(sim.base_url())
        .api_key("k")
        .version(ApiVersion::V14_0)
        .build()
        .unwrap();
    let walked = pages(client.jobs(&JobsQuery::new())).await.unwrap();
    let now = jiff::Timestamp::now();
    assert!(!walked.is_empty());
    for page in walked {
        let server_time = page.server_time.unwrap();
        let skew = now.duration_since(server_time).abs();
        assert!(
            skew <= jiff::SignedDuration::from_secs(5),
            "server time {server_time} is {skew:?} away from now {now}"
        );
    }
}

/// Dropping a client releases everything it held: its pooled connections close (the simulator's
/// task for each ends) and no background task of its own stays behind, however often a client is
/// rebuilt (as the exporter does on every configuration reload).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_client_leaves_no_tasks_or_connections_behind() {
    let sim = Server::builder()
        .api_key("k")
        .jobs(50)
        .spawn()
        .await
        .unwrap();
    let runtime = tokio::runtime::Handle::current();
    let alive = || runtime.metrics().num_alive_tasks();
    let baseline = alive();
    for _ in 0..20 {
        let client = Client::builder(sim.base_url())
            .api_key("k")
            .build()
            .unwrap();
        client.negotiate().await.unwrap();
        let walked = pages(client.jobs(&JobsQuery::new())).await.unwrap();
        assert_eq!(walked.len(), 1);
        assert!(alive() > baseline, "a live client holds a connection");
        drop(client);
    }
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while alive() > baseline && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        alive(),
        baseline,
        "tasks still alive after 20 clients were dropped"
    );
}
