//! `nbu_catalog_images_count{malware_status, anomaly_status}` from count-only `/catalog/images`
//! queries, one per combination.

use crate::exposition::FamilySet;
use crate::names;

/// The result of one count query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogImageCount {
    /// The `malwareStatus` filter value.
    pub malware_status: String,
    /// The `anomalyStatus` filter value.
    pub anomaly_status: String,
    /// `meta.pagination.count`; absent when the server did not report it.
    pub images: Option<u64>,
}

/// One sample per combination whose count is known.
pub fn catalog_families(counts: &[CatalogImageCount]) -> FamilySet {
    let mut set = FamilySet::new();
    let family = set.gauge(
        names::CATALOG_IMAGES_COUNT,
        "Catalog images by malware scan status and anomaly status.",
    );
    for count in counts {
        if let Some(images) = count.images {
            family.push(
                vec![
                    ("malware_status", count.malware_status.clone()),
                    ("anomaly_status", count.anomaly_status.clone()),
                ],
                images as f64,
            );
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optional::test_support::{samples, value};

    #[test]
    fn unknown_counts_have_no_sample() {
        let set = catalog_families(&[
            CatalogImageCount {
                malware_status: "INFECTED".into(),
                anomaly_status: "NONE".into(),
                images: Some(4),
            },
            CatalogImageCount {
                malware_status: "NOT_SCANNED".into(),
                anomaly_status: "NONE".into(),
                images: None,
            },
        ]);
        let labels = [("malware_status", "INFECTED"), ("anomaly_status", "NONE")];
        assert_eq!(value(&set, names::CATALOG_IMAGES_COUNT, &labels), Some(4.0));
        assert_eq!(samples(&set, names::CATALOG_IMAGES_COUNT), 1);
    }
}
