//! Catalog images by malware and anomaly status, opt-in: one count-only query per combination of
//! the statuses `GET /catalog/images` filters on, never a walk of the images themselves.

use async_trait::async_trait;
use futures_util::{StreamExt, TryStreamExt, stream};
use nbu_api::{ApiVersion, Client, Filter};
use nbu_metrics::UNKNOWN;
use nbu_metrics::optional::{CatalogImageCount, catalog_families};

use crate::{CollectContext, CollectError, Collected, Collector};

/// The `anomalyStatus` values the images filter accepts (catalog.yaml, API 12.0 on).
const ANOMALY_STATUSES: [&str; 6] = [
    "NOT_PROCESSED",
    "ANOMALOUS",
    "NOT_ANOMALOUS",
    "NOT_REVIEWED",
    "FALSE_POSITIVE",
    "IGNORED",
];

/// The `malwareStatus` values the images filter accepts (catalog.yaml, API 13.0 on).
const MALWARE_STATUSES: [&str; 6] = [
    "NOT_SCANNED",
    "INFECTION_DETECTED_BY_MALWARE_SCAN",
    "CLEAN",
    "NOT_SUPPORTED",
    "UNKNOWN_TYPE",
    "INFECTION_DETECTED_BY_FILE_HASH_SEARCH",
];

/// Count queries in flight at once: enough to hide latency, few enough to stay polite.
const CONCURRENT_QUERIES: usize = 4;

/// Counts catalog images into `nbu_catalog_images_count{malware_status, anomaly_status}`.
///
/// The counts cover the images the API lists without a `backupTime` filter: those backed up in
/// the last 24 hours. Before API 13.0 the API cannot filter on `malwareStatus`; the counts are
/// then per anomaly status only, with `malware_status="UNKNOWN"`.
#[derive(Debug, Clone)]
pub struct CatalogCollector {
    client: Client,
}

impl CatalogCollector {
    /// A catalog collector reading through `client`.
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

/// One status combination to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Combination {
    /// `None` when the API cannot filter on the malware status.
    malware: Option<&'static str>,
    anomaly: &'static str,
}

/// The combinations to count under `version`.
fn combinations(version: ApiVersion) -> Vec<Combination> {
    let malware: Vec<Option<&'static str>> = if version >= ApiVersion::V13_0 {
        MALWARE_STATUSES.into_iter().map(Some).collect()
    } else {
        vec![None]
    };
    malware
        .into_iter()
        .flat_map(|malware| {
            ANOMALY_STATUSES
                .into_iter()
                .map(move |anomaly| Combination { malware, anomaly })
        })
        .collect()
}

#[async_trait]
impl Collector for CatalogCollector {
    fn name(&self) -> &'static str {
        "catalog"
    }

    fn enabled_by_default(&self) -> bool {
        false
    }

    async fn collect(&self, ctx: &CollectContext) -> Result<Collected, CollectError> {
        let version = self.client.negotiate().await?;
        let progress = &ctx.progress;
        let counts: Vec<CatalogImageCount> = stream::iter(combinations(version))
            .map(|Combination { malware, anomaly }| async move {
                let mut filter = Filter::eq("anomalyStatus", anomaly);
                if let Some(malware) = malware {
                    filter = Filter::eq("malwareStatus", malware).and(filter);
                }
                let images = progress
                    .call(
                        "/catalog/images",
                        self.client.catalog_images_count(Some(&filter)),
                    )
                    .await?;
                // Each count is one item of this collector.
                progress.items_read(1);
                Ok::<_, nbu_api::Error>(CatalogImageCount {
                    malware_status: malware.unwrap_or(UNKNOWN).to_owned(),
                    anomaly_status: anomaly.to_owned(),
                    images: Some(images),
                })
            })
            .buffered(CONCURRENT_QUERIES)
            .try_collect()
            .await?;
        let requests = counts.len() as u64;
        Ok(Collected::new(
            catalog_families(&counts),
            requests,
            requests,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_combination_once_and_malware_only_where_the_api_filters_on_it() {
        let full = combinations(ApiVersion::V14_0);
        assert_eq!(full.len(), MALWARE_STATUSES.len() * ANOMALY_STATUSES.len());
        let distinct: std::collections::BTreeSet<_> = full.iter().collect();
        assert_eq!(distinct.len(), full.len());
        assert_eq!(combinations(ApiVersion::V13_0), full);
        let older = combinations(ApiVersion::V12_0);
        assert_eq!(older.len(), ANOMALY_STATUSES.len());
        assert!(older.iter().all(|c| c.malware.is_none()));
    }
}
