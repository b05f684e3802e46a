//! An offline estimate of the requests each site's collectors need, against its rate limit: what
//! `nbu-exporter check` warns about before a collector is found starved in production.
//!
//! The estimate is deliberately simple (requests of one steady-state run of each collector,
//! listings of one page), documented under `rateLimit` in docs/configuration.md:
//! - jobs: 2 per run (an incremental poll of a page or two). A first or periodic full load
//!   reads the whole window, unknown offline; it continues across runs when it does not fit one.
//! - storage, alerts, malware, slo: 1 each; tape: 5 (one listing per tape area).
//! - catalog: 36 (one count per malware and anomaly status combination).
//!
//! The jobs collector has the site's `rateLimit` less the background share (see
//! [`background_share`]); the others share that background share and run on `storageInterval`.
//! Each group's requests must fit within the time its runs are given.

use std::time::Duration;

use crate::config::{Config, SiteConfig};
use crate::sites::{background_share, slow_timeout};

/// Requests of one steady-state jobs run.
const JOBS_REQUESTS: u64 = 2;
/// Requests of one catalog run: six malware statuses by six anomaly statuses.
const CATALOG_REQUESTS: u64 = 36;

/// Warnings for every site whose collectors need more requests than its budget allows.
pub(crate) fn warnings(config: &Config) -> Vec<String> {
    config
        .sites
        .iter()
        .flat_map(|site| site_warnings(site, config))
        .collect()
}

fn site_warnings(site: &SiteConfig, config: &Config) -> Vec<String> {
    let mut warnings = Vec::new();
    let collection = &config.collection;
    let share = u64::from(background_share(site).per_second);
    let rate = u64::from(site.rate_limit_per_second);
    let jobs_rate = rate.saturating_sub(share);
    let name = &site.site;
    if jobs_rate == 0 {
        warnings.push(format!(
            "site `{name}`: `rateLimit: {rate}` leaves the jobs collector no share of its own: the \
             other collectors may take every request; set `rateLimit` to at least 2"
        ));
    } else if needs(JOBS_REQUESTS, jobs_rate) > collection.timeout {
        warnings.push(format!(
            "site `{name}`: the jobs collector needs about {JOBS_REQUESTS} requests a run, more \
             than its {jobs_rate}/s share of `rateLimit` allows within `collection.timeout` \
             ({}); raise `rateLimit` or `collection.timeout`",
            seconds(collection.timeout)
        ));
    }
    let collectors = &config.collectors;
    let background: Vec<(&str, u64)> = [
        (true, "storage", 1),
        (collectors.alerts, "alerts", 1),
        (collectors.malware, "malware", 1),
        (collectors.catalog, "catalog", CATALOG_REQUESTS),
        (collectors.slo, "slo", 1),
        (collectors.tape, "tape", 5),
    ]
    .into_iter()
    .filter(|(on, _, _)| *on)
    .map(|(_, name, requests)| (name, requests))
    .collect();
    let requests: u64 = background.iter().map(|(_, requests)| requests).sum();
    let allowed = slow_timeout(collection);
    let needed = needs(requests, share);
    if needed > allowed {
        let names: Vec<&str> = background.iter().map(|(name, _)| *name).collect();
        // The share is half of rateLimit: twice the rate that fits `requests` in `allowed`.
        let rate_needed = requests.div_ceil(allowed.as_secs().max(1)) * 2;
        warnings.push(format!(
            "site `{name}`: the {} collectors need about {requests} requests every \
             `storageInterval`; at their share of {share}/s (half of `rateLimit: {rate}`) that \
             takes {}, more than the {} a run of theirs may take; raise `rateLimit` to at least \
             {rate_needed} or `storageInterval` to at least {}",
            names.join(", "),
            seconds(needed),
            seconds(allowed),
            // Their runs may take 5/6 of `storageInterval`.
            seconds(needed.saturating_mul(6) / 5),
        ));
    }
    warnings
}

/// The time `requests` take at `per_second`.
fn needs(requests: u64, per_second: u64) -> Duration {
    Duration::from_secs_f64(requests as f64 / per_second.max(1) as f64)
}

fn seconds(duration: Duration) -> String {
    format!("{}s", duration.as_secs_f64().ceil())
}
