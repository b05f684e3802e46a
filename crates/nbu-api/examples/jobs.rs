//! Lists the last hour of NetBackup jobs, summarised by state, then the storage units.
//!
//! By default it starts the NetBackup simulator on a free loopback port and talks to it:
//!
//! ```text
//! cargo run -p nbu-api --example jobs
//! ```
//!
//! Against a real primary server, give its URL and an API key (and, for a private CA, the PEM
//! file of `GET /security/cacert`'s `webRootCert`):
//!
//! ```text
//! NBU_URL=https://primary:1556/netbackup NBU_API_KEY=... NBU_CA_BUNDLE=cacert.pem \
//!     cargo run -p nbu-api --example jobs
//! ```
#![allow(
    clippy::print_stdout,
    reason = "an example reports to the person running it on stdout"
)]

use std::collections::BTreeMap;
use std::error::Error as StdError;

use futures_util::TryStreamExt;
use nbu_api::{Client, Filter, JobsQuery, Sort};

#[tokio::main]
async fn main() -> Result<(), Box<dyn StdError>> {
    // Kept alive until the end of `main`: dropping the handle stops the simulator.
    let mut _simulator = None;
    let client = match std::env::var("NBU_URL") {
        Ok(url) => {
            let key = std::env::var("NBU_API_KEY")
                .map_err(|_| "NBU_URL is set but NBU_API_KEY is not: give the API key too")?;
            let mut builder = Client::builder(&url).api_key(key);
            if let Ok(bundle) = std::env::var("NBU_CA_BUNDLE") {
                builder = builder.ca_bundle_file(bundle);
            }
            builder.build()?
        }
        Err(_) => {
            let simulator = nbu_sim::Server::builder()
                .api_key("example-key")
                .spawn()
                .await?;
            println!("simulator listening at {}", simulator.base_url());
            let client = Client::builder(simulator.base_url())
                .api_key(simulator.api_key())
                .build()?;
            _simulator = Some(simulator);
            client
        }
    };

    let info = client.server_info().await?;
    let version = client.negotiate().await?;
    println!(
        "NetBackup {} on {}, API version {version}",
        info.nbu_version.as_deref().unwrap_or("(unknown)"),
        info.server_name.as_deref().unwrap_or("(unnamed)"),
    );

    let since = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
    let query = JobsQuery::new()
        .filter(Filter::ge("lastUpdateTime", since))
        .sort(Sort::desc("lastUpdateTime"));
    let mut by_state: BTreeMap<String, u64> = BTreeMap::new();
    let mut pages = std::pin::pin!(client.jobs(&query));
    let mut page_count = 0_u32;
    while let Some(page) = pages.try_next().await? {
        page_count += 1;
        for job in &page.items {
            let state = job
                .state
                .as_ref()
                .map_or_else(|| "(none)".to_owned(), |state| format!("{state:?}"));
            *by_state.entry(state).or_default() += 1;
        }
    }
    println!("jobs updated in the last hour, in {page_count} pages:");
    for (state, count) in &by_state {
        println!("  {state:<12} {count}");
    }

    let units: Vec<_> = client.storage_units().try_collect::<Vec<_>>().await?;
    for unit in units.into_iter().flatten() {
        println!("storage unit {:<24} {:?}", unit.id, unit.storage_category);
    }
    println!("{} HTTP requests in all", client.requests_sent());
    Ok(())
}
