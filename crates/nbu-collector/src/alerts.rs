//! Alerts (`GET /manage/alerts`), opt-in.

use async_trait::async_trait;
use nbu_api::Client;
use nbu_metrics::optional::alert_families;

use crate::listing::read_all;
use crate::map::alert_row;
use crate::{CollectContext, CollectError, Collected, Collector};

/// Collects every alert into `nbu_alerts_count{severity, category}`.
#[derive(Debug, Clone)]
pub struct AlertsCollector {
    client: Client,
}

impl AlertsCollector {
    /// An alerts collector reading through `client`.
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl Collector for AlertsCollector {
    fn name(&self) -> &'static str {
        "alerts"
    }

    fn enabled_by_default(&self) -> bool {
        false
    }

    async fn collect(&self, ctx: &CollectContext) -> Result<Collected, CollectError> {
        let alerts = read_all(
            &ctx.progress,
            "/manage/alerts",
            self.client.alerts(None),
            |alert| Some(alert_row(alert)),
        )
        .await?;
        let families = alert_families(&alerts.rows);
        Ok(Collected::new(families, alerts.requests, alerts.items))
    }
}
