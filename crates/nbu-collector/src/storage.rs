//! Storage units and disk pools, re-read on the storage interval (they change slowly).

use async_trait::async_trait;
use futures_util::TryStreamExt;
use nbu_api::Client;
use nbu_metrics::{FamilySet, aggregate_storage};

use crate::map::storage_observation;
use crate::{CollectContext, CollectError, Collected, Collector};

/// Collects `GET /storage/storage-units` into the storage families.
#[derive(Debug, Clone)]
pub struct StorageCollector {
    client: Client,
}

impl StorageCollector {
    /// A storage collector reading through `client`.
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl Collector for StorageCollector {
    fn name(&self) -> &'static str {
        "storage"
    }

    fn enabled_by_default(&self) -> bool {
        true
    }

    async fn collect(&self, ctx: &CollectContext) -> Result<Collected, CollectError> {
        let mut pages = std::pin::pin!(self.client.storage_units());
        let (mut requests, mut units) = (0_u64, Vec::new());
        while let Some(page) = ctx
            .progress
            .page("/storage/storage-units", pages.try_next())
            .await?
        {
            requests += 1;
            units.extend(page.items.iter().filter_map(storage_observation));
        }
        let items = units.len() as u64;
        Ok(Collected::new(
            FamilySet::from(&aggregate_storage(&units)),
            requests,
            items,
        ))
    }
}
