//! Turns the configured sites into running pollers, and applies a new configuration by restarting
//! only the sites whose settings changed.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use nbu_api::{ApiVersion, Client, RateLimit, RetryPolicy, SharedLimit, WaitMeter};
use nbu_collector::{
    AlertsCollector, CatalogCollector, Collector, JobsCollector, JobsSettings, MalwareCollector,
    Publisher, ScheduledCollector, SitePoller, SiteSpec, SloCollector, StorageCollector,
    TapeCollector,
};
use tracing::info;

use crate::config::{CollectionConfig, CollectorsConfig, Config, SiteAuth, SiteConfig};

/// The pollers of every configured site.
pub(crate) struct Sites {
    publisher: Arc<Publisher>,
    running: BTreeMap<String, (Shape, SitePoller)>,
}

impl Sites {
    pub(crate) fn new(publisher: Arc<Publisher>) -> Self {
        Self {
            publisher,
            running: BTreeMap::new(),
        }
    }

    /// Starts, restarts or stops pollers so that they match `config`, and says how many sites it
    /// started or stopped. Sites whose settings did not change keep their client, poller and job
    /// window. Every new client is built before anything changes, so a configuration that cannot
    /// be applied leaves the running one intact.
    pub(crate) async fn apply(&mut self, config: &Config) -> Result<usize, String> {
        let mut wanted = BTreeMap::new();
        let mut new_specs = BTreeMap::new();
        for site in &config.sites {
            let shape = Shape::of(site, config);
            let unchanged = self
                .running
                .get(&site.site)
                .is_some_and(|(running, _)| *running == shape);
            if !unchanged {
                new_specs.insert(site.site.clone(), site_spec(site, config)?);
            }
            wanted.insert(site.site.clone(), shape);
        }
        let stale: Vec<String> = self
            .running
            .iter()
            .filter(|(name, (shape, _))| wanted.get(*name) != Some(shape))
            .map(|(name, _)| name.clone())
            .collect();
        let mut changes = 0;
        for name in stale {
            if let Some((_, poller)) = self.running.remove(&name) {
                poller.shutdown().await;
            }
            if !wanted.contains_key(&name) {
                info!(site = %name, "site removed from the configuration");
                self.publisher.remove_site(&name);
                changes += 1;
            }
        }
        for (name, spec) in new_specs {
            let Some(shape) = wanted.remove(&name) else {
                continue;
            };
            info!(site = %name, "starting site");
            let poller = SitePoller::spawn(spec, Arc::clone(&self.publisher));
            self.running.insert(name, (shape, poller));
            changes += 1;
        }
        Ok(changes)
    }

    pub(crate) async fn shutdown(self) {
        for (_, (_, poller)) in self.running {
            poller.shutdown().await;
        }
    }
}

/// Everything that shapes a site's poller; a site restarts on reload only when this changes
/// (secrets included: a rotated API key restarts the site, and so does a `caFile` whose content
/// changed under the same path).
#[derive(PartialEq)]
struct Shape {
    site: SiteConfig,
    collection: CollectionConfig,
    collectors: CollectorsConfig,
    window: Duration,
    ca_digest: Option<u64>,
}

impl Shape {
    fn of(site: &SiteConfig, config: &Config) -> Self {
        Self {
            site: site.clone(),
            collection: config.collection.clone(),
            collectors: config.collectors.clone(),
            window: config.job_window(),
            ca_digest: site.ca_file.as_deref().and_then(crate::watch::file_digest),
        }
    }
}

/// The client for one site, with every setting from its configuration.
pub(crate) fn client_for(site: &SiteConfig) -> Result<Client, String> {
    let retry = RetryPolicy::default()
        .max_attempts(site.max_retries.saturating_add(1))
        .max_total_delay(site.retry_budget);
    let mut builder = Client::builder(&site.base_url)
        .timeout(site.request_timeout)
        .connect_timeout(site.connect_timeout)
        .insecure_skip_verify(site.insecure_skip_verify)
        .rate_limit(RateLimit::new(site.rate_limit_per_second, site.rate_burst))
        .max_body_bytes(site.max_response_bytes)
        .retry(retry);
    builder = match &site.auth {
        SiteAuth::ApiKey(key) => builder.api_key(key.clone()),
        SiteAuth::Login {
            user,
            password,
            domain,
            domain_type,
        } => {
            let builder = builder.login(user.clone(), password.clone());
            match (domain, domain_type) {
                (Some(domain), Some(kind)) => builder.login_domain(domain.clone(), kind.clone()),
                (Some(domain), None) => builder.login_domain(domain.clone(), "vx"),
                _ => builder,
            }
        }
    };
    if let Some(version) = &site.api_version {
        let version: ApiVersion = version
            .parse()
            .map_err(|e| format!("site `{}`: apiVersion: {e}", site.site))?;
        builder = builder.version(version);
    }
    if let Some(ca) = &site.ca_file {
        builder = builder.ca_bundle_file(ca.clone());
    }
    builder
        .build()
        .map_err(|e| format!("site `{}`: {e}", site.site))
}

/// The part of a site's rate limit that every collector but jobs draws on together: half of
/// it (at least 1/s), so that the jobs collector keeps the other half whatever storage and the
/// opt-in collectors ask for, and they keep theirs whatever a long job load asks for.
pub(crate) fn background_share(site: &SiteConfig) -> RateLimit {
    RateLimit::new(
        (site.rate_limit_per_second / 2).max(1),
        (site.rate_burst / 2).max(1),
    )
}

/// How long a run of storage or an opt-in collector may take: they run on the long storage
/// interval, and a run may use most of it.
pub(crate) fn slow_timeout(collection: &CollectionConfig) -> Duration {
    collection
        .timeout
        .max(collection.storage_interval.saturating_mul(5) / 6)
}

/// `client` with a fresh wait meter, and the meter, so that a collector's waits for the rate
/// limiter are its own.
fn metered(client: &Client) -> (Client, WaitMeter) {
    let meter = WaitMeter::new();
    (client.with_wait_meter(&meter), meter)
}

pub(crate) fn site_spec(site: &SiteConfig, config: &Config) -> Result<SiteSpec, String> {
    let client = client_for(site)?;
    let share = SharedLimit::new(background_share(site))
        .map_err(|e| format!("site `{}`: rateLimit: {e}", site.site))?;
    let collection = config.collection.clone();
    let mut jobs = JobsSettings::with_window(config.job_window());
    jobs.slices = site.job_slices;
    jobs.overlap = collection.overlap.try_into().unwrap_or(jobs.overlap);
    jobs.full_resync_every = collection
        .full_resync_interval
        .try_into()
        .unwrap_or(jobs.full_resync_every);
    let per_client = &config.collectors.per_client;
    jobs.client_allowlist = per_client.enabled.then(|| per_client.allowlist.clone());
    let opt_in = config.collectors.clone();
    let slow_timeout = slow_timeout(&collection);
    let factory = move |client: Client| {
        // Only the jobs collector passes the site limit alone; the others share a part of it.
        let background = client.with_extra_limit(&share);
        let (jobs_client, jobs_meter) = metered(&client);
        let (storage_client, storage_meter) = metered(&background);
        let mut collectors = vec![
            ScheduledCollector::new(
                Arc::new(JobsCollector::new(jobs_client, jobs.clone())),
                collection.jobs_interval,
                collection.timeout,
            )
            .with_wait_meter(jobs_meter),
            ScheduledCollector::new(
                Arc::new(StorageCollector::new(storage_client)),
                collection.storage_interval,
                slow_timeout,
            )
            .with_wait_meter(storage_meter),
        ];
        // Opt-in data changes slowly: the storage interval suits it.
        collectors.extend(opt_in_collectors(&opt_in, &background).into_iter().map(
            |(collector, meter)| {
                ScheduledCollector::new(collector, collection.storage_interval, slow_timeout)
                    .with_wait_meter(meter)
            },
        ));
        collectors
    };
    Ok(SiteSpec {
        site: site.site.clone(),
        client,
        collectors: Arc::new(factory),
        // With the default 60 s jobs interval and request timeout, a server that goes away or
        // hangs turns `nbu_up` to 0 within one interval plus one request timeout even while
        // every collector run is cut off by the collection timeout.
        ping_interval: config.collection.jobs_interval.max(Duration::from_secs(10)),
        ping_timeout: site.request_timeout,
    })
}

/// Builds one opt-in collector for a site's client.
type MakeCollector = fn(Client) -> Arc<dyn Collector>;

/// The opt-in collectors that `enabled` switches on, in the `collectors` section's order, each
/// with its own wait meter on `client`.
fn opt_in_collectors(
    enabled: &CollectorsConfig,
    client: &Client,
) -> Vec<(Arc<dyn Collector>, WaitMeter)> {
    let toggles: [(bool, MakeCollector); 5] = [
        (enabled.alerts, |client| {
            Arc::new(AlertsCollector::new(client))
        }),
        (enabled.malware, |client| {
            Arc::new(MalwareCollector::new(client))
        }),
        (enabled.catalog, |client| {
            Arc::new(CatalogCollector::new(client))
        }),
        (enabled.slo, |client| Arc::new(SloCollector::new(client))),
        (enabled.tape, |client| Arc::new(TapeCollector::new(client))),
    ];
    toggles
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, make)| {
            let (client, meter) = metered(client);
            (make(client), meter)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_enabled_toggle_adds_its_collector() {
        let client = Client::builder("http://127.0.0.1:9/netbackup")
            .api_key("unit-test-key")
            .build()
            .unwrap();
        let names = |enabled: &CollectorsConfig| -> Vec<&'static str> {
            opt_in_collectors(enabled, &client)
                .iter()
                .map(|(c, _)| c.name())
                .collect()
        };
        assert!(
            names(&CollectorsConfig::default()).is_empty(),
            "all off by default"
        );
        let some = CollectorsConfig {
            malware: true,
            tape: true,
            ..CollectorsConfig::default()
        };
        assert_eq!(names(&some), ["malware", "tape"]);
        let all = CollectorsConfig {
            alerts: true,
            malware: true,
            catalog: true,
            slo: true,
            tape: true,
            ..CollectorsConfig::default()
        };
        assert_eq!(names(&all), ["alerts", "malware", "catalog", "slo", "tape"]);
    }
}
