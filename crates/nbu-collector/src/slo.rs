//! Service level objectives (`GET /servicecatalog/slos`), opt-in.

use async_trait::async_trait;
use nbu_api::Client;
use nbu_metrics::optional::slo_families;

use crate::listing::read_all;
use crate::{CollectContext, CollectError, Collected, Collector};

/// Counts the SLOs (protection plans) into `nbu_slo_count`.
#[derive(Debug, Clone)]
pub struct SloCollector {
    client: Client,
}

impl SloCollector {
    /// An SLO collector reading through `client`.
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl Collector for SloCollector {
    fn name(&self) -> &'static str {
        "slo"
    }

    fn enabled_by_default(&self) -> bool {
        false
    }

    async fn collect(&self, ctx: &CollectContext) -> Result<Collected, CollectError> {
        let slos = read_all(
            &ctx.progress,
            "/servicecatalog/slos",
            self.client.slos(),
            |_| None::<()>,
        )
        .await?;
        Ok(Collected::new(
            slo_families(slos.items),
            slos.requests,
            slos.items,
        ))
    }
}
