//! Turns the configured sites into running pollers, and applies a new configuration by restarting
//! only the sites whose settings changed.

use std::collections::BTreeMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use nbu_api::{ApiVersion, Client, RateLimit, RetryPolicy};
use nbu_collector::{
    JobsCollector, JobsSettings, Publisher, ScheduledCollector, SitePoller, SiteSpec, StorageCollector,
};
use secrecy::ExposeSecret as _;
use tracing::info;

use crate::config::{Config, SiteAuth, SiteConfig};

/// The pollers of every configured site.
pub(crate) struct Sites {
    publisher: Arc<Publisher>,
    running: BTreeMap<String, (u64, SitePoller)>,
}

impl Sites {
    pub(crate) fn new(publisher: Arc<Publisher>) -> Self {
        Self {
            publisher,
            running: BTreeMap::new(),
        }
    }

    /// Starts, restarts or stops pollers so that they match `config`. Every client is built before
    /// anything changes, so a configuration that cannot be applied leaves the running one intact.
    pub(crate) async fn apply(&mut self, config: &Config) -> Result<(), String> {
        let mut wanted = BTreeMap::new();
        for site in &config.sites {
            let spec = site_spec(site, config)?;
            wanted.insert(site.site.clone(), (fingerprint(site, config), spec));
        }
        let stale: Vec<String> = self
            .running
            .iter()
            .filter(|(name, (print, _))| wanted.get(*name).is_none_or(|(p, _)| p != print))
            .map(|(name, _)| name.clone())
            .collect();
        for name in stale {
            if let Some((_, poller)) = self.running.remove(&name) {
                poller.shutdown().await;
            }
            if !wanted.contains_key(&name) {
                info!(site = %name, "site removed from the configuration");
                self.publisher.remove_site(&name);
            }
        }
        for (name, (print, spec)) in wanted {
            if self.running.contains_key(&name) {
                continue;
            }
            info!(site = %name, "starting site");
            let poller = SitePoller::spawn(spec, Arc::clone(&self.publisher));
            self.running.insert(name, (print, poller));
        }
        Ok(())
    }

    pub(crate) async fn shutdown(self) {
        for (_, (_, poller)) in self.running {
            poller.shutdown().await;
        }
    }
}

/// A hash of everything that shapes a site's poller, secrets included (the hash reveals nothing),
/// so that a rotated API key restarts the site.
fn fingerprint(site: &SiteConfig, config: &Config) -> u64 {
    let mut hasher = DefaultHasher::new();
    format!("{site:?}").hash(&mut hasher);
    match &site.auth {
        SiteAuth::ApiKey(key) => key.expose_secret().hash(&mut hasher),
        SiteAuth::Login { password, .. } => password.expose_secret().hash(&mut hasher),
    }
    format!("{:?}{:?}", config.collection, config.collectors).hash(&mut hasher);
    config.server.scraping_interval.hash(&mut hasher);
    hasher.finish()
}

/// The client for one site, with every setting from its configuration.
pub(crate) fn client_for(site: &SiteConfig) -> Result<Client, String> {
    let mut builder = Client::builder(&site.base_url)
        .request_timeout(site.request_timeout)
        .connect_timeout(site.connect_timeout)
        .danger_accept_invalid_certs(site.insecure_skip_verify)
        .rate_limit(RateLimit::new(site.rate_limit_per_second, site.rate_burst))
        .retry(RetryPolicy::default().max_retries(site.max_retries));
    builder = match &site.auth {
        SiteAuth::ApiKey(key) => builder.api_key(key.expose_secret()),
        SiteAuth::Login {
            user,
            password,
            domain,
            domain_type,
        } => builder.login(user, password.expose_secret(), domain.as_deref(), domain_type.as_deref()),
    };
    if let Some(version) = &site.api_version {
        let version: ApiVersion = version
            .parse()
            .map_err(|e| format!("nbuservers[{}].apiVersion: {e}", site.site))?;
        builder = builder.api_version(version);
    }
    if let Some(ca) = &site.ca_file {
        builder = builder.ca_bundle(ca);
    }
    builder
        .build()
        .map_err(|e| format!("site `{}`: {e}", site.site))
}

pub(crate) fn site_spec(site: &SiteConfig, config: &Config) -> Result<SiteSpec, String> {
    let client = client_for(site)?;
    let collection = config.collection.clone();
    let mut jobs = JobsSettings::with_window(config.job_window());
    jobs.slices = site.job_slices;
    jobs.overlap = collection.overlap.try_into().unwrap_or(jobs.overlap);
    jobs.full_resync_every = collection
        .full_resync_interval
        .try_into()
        .unwrap_or(jobs.full_resync_every);
    let factory = move |client: Client| {
        vec![
            ScheduledCollector {
                collector: Arc::new(JobsCollector::new(client.clone(), jobs.clone())),
                interval: collection.jobs_interval,
            },
            ScheduledCollector {
                collector: Arc::new(StorageCollector::new(client)),
                interval: collection.storage_interval,
            },
        ]
    };
    Ok(SiteSpec {
        site: site.site.clone(),
        client,
        collectors: Arc::new(factory),
        timeout: config.collection.timeout,
        ping_interval: config.collection.jobs_interval.max(Duration::from_secs(10)),
    })
}
