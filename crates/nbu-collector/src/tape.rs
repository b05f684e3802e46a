//! Tape drives, tape media, volume pools, robot device hosts and disk pool volumes, opt-in.
//!
//! The five listings are read concurrently. Tape media, volume pools and robot device hosts
//! arrived with NetBackup 10.5: an endpoint the server does not have (404, or 406 for an API
//! version it does not serve there) leaves only its own families out instead of failing the rest.

use async_trait::async_trait;
use futures_util::StreamExt as _;
use futures_util::future::try_join5;
use nbu_api::{Client, Page};
use nbu_metrics::FamilySet;
use nbu_metrics::optional::{
    disk_pool_volume_families, robot_device_host_families, tape_drive_families,
    tape_media_families, tape_pool_families,
};
use tracing::debug;

use crate::listing::read_all;
use crate::map::{disk_pool_volume_rows, tape_drive_row, tape_media_row, tape_pool_row};
use crate::{CollectContext, CollectError, Collected, Collector, Progress};

/// Collects the tape families and `nbu_disk_pool_volume_count`.
#[derive(Debug, Clone)]
pub struct TapeCollector {
    client: Client,
}

impl TapeCollector {
    /// A tape collector reading through `client`.
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

/// The families of one listing and what reading it cost.
struct Part {
    families: FamilySet,
    requests: u64,
    items: u64,
}

/// Reads one listing into families; a part without families when this NetBackup does not have
/// the endpoint (the refused request still counts).
async fn part<T, R, I>(
    progress: &Progress,
    endpoint: &'static str,
    pages: impl futures_util::Stream<Item = Result<Page<T>, nbu_api::Error>>,
    map: impl FnMut(&T) -> I,
    families: impl FnOnce(&[R], u64) -> FamilySet,
) -> Result<Part, nbu_api::Error>
where
    I: IntoIterator<Item = R>,
{
    // Only a refusal of the first page means "this NetBackup has no such endpoint"; a 404 later
    // (an expired cursor) is a failure, or the listing would be silently cut short.
    let mut pages = std::pin::pin!(pages.peekable());
    let refused = match progress.wait(endpoint, true, pages.as_mut().peek()).await {
        Some(Err(error)) if matches!(error.status(), Some(404 | 406)) => {
            debug!(endpoint, %error, "endpoint not available on this NetBackup; its families are left out");
            true
        }
        _ => false,
    };
    if refused {
        progress.request_failed();
        return Ok(Part {
            families: FamilySet::new(),
            requests: 1,
            items: 0,
        });
    }
    // The first page, peeked already, is counted as `read_all` takes it.
    let listing = read_all(progress, endpoint, pages, map).await?;
    Ok(Part {
        families: families(&listing.rows, listing.items),
        requests: listing.requests,
        items: listing.items,
    })
}

#[async_trait]
impl Collector for TapeCollector {
    fn name(&self) -> &'static str {
        "tape"
    }

    fn enabled_by_default(&self) -> bool {
        false
    }

    async fn collect(&self, ctx: &CollectContext) -> Result<Collected, CollectError> {
        let client = &self.client;
        let progress = &ctx.progress;
        let parts = try_join5(
            part(
                progress,
                "/storage/drives",
                client.drives(),
                |drive| Some(tape_drive_row(drive)),
                |rows, _| tape_drive_families(rows),
            ),
            part(
                progress,
                "/storage/tape-media",
                client.tape_media(),
                |medium| Some(tape_media_row(medium)),
                |rows, _| tape_media_families(rows),
            ),
            part(
                progress,
                "/storage/tape-volume-pools",
                client.tape_volume_pools(),
                |pool| Some(tape_pool_row(pool)),
                |rows, _| tape_pool_families(rows),
            ),
            part(
                progress,
                "/storage/robots-device-hosts",
                client.robots_device_hosts(),
                |_| None::<()>,
                |_, hosts| robot_device_host_families(hosts),
            ),
            part(
                progress,
                "/storage/disk-pools",
                client.disk_pools(),
                disk_pool_volume_rows,
                |rows, _| disk_pool_volume_families(rows),
            ),
        )
        .await?;
        let (drives, media, pools, hosts, disk_pools) = parts;
        let mut collected = Collected::default();
        for part in [drives, media, pools, hosts, disk_pools] {
            collected.families.merge(part.families);
            collected.api_requests += part.requests;
            collected.items += part.items;
        }
        Ok(collected)
    }
}
