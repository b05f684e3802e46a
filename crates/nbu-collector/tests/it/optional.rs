//! The opt-in collectors against the simulator: the anchor's family names and labels, values equal
//! to what the simulator served (read here with a plain HTTP client, independently of nbu-api),
//! and every page read — request counts taken from the simulator's own counters.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Once;

use jiff::{SignedDuration, Timestamp};
use nbu_api::Client;
use nbu_collector::{
    AlertsCollector, CatalogCollector, CollectContext, Collected, Collector, JobsCollector,
    JobsSettings, MalwareCollector, SloCollector, TapeCollector,
};
use nbu_metrics::FamilySet;
use nbu_sim::{Release, SimHandle};
use serde_json::Value;

fn simulator() -> nbu_sim::ServerBuilder {
    nbu_sim::Server::builder()
        .api_key("optional-collectors-key")
        .seed(5)
}

/// A client speaking the simulated release's own API version, configured so that no negotiation
/// probe mixes into the request counts.
fn client(sim: &SimHandle) -> Client {
    let version: nbu_api::ApiVersion = sim.api_version().to_string().parse().unwrap();
    Client::builder(sim.base_url())
        .api_key(sim.api_key())
        .version(version)
        .build()
        .unwrap()
}

async fn run(collector: &dyn Collector, sim: &SimHandle) -> Collected {
    collector
        .collect(&CollectContext::new(sim.now()))
        .await
        .unwrap()
}

fn http() -> reqwest::Client {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::new()
}

/// One answer of the simulator's API, as JSON.
async fn get(sim: &SimHandle, path: &str, params: &[(&str, String)]) -> Value {
    let url = url::Url::parse_with_params(&format!("{}{path}", sim.base_url()), params).unwrap();
    let response = http()
        .get(url.as_str())
        .header("Authorization", sim.api_key())
        .header(
            "Accept",
            format!(
                "application/vnd.netbackup+json;version={}",
                sim.api_version()
            ),
        )
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "GET {path}: {}",
        response.status()
    );
    serde_json::from_str(&response.text().await.unwrap()).unwrap()
}

/// Every item of an offset-paginated listing, read until a short page.
async fn served_offset(sim: &SimHandle, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    loop {
        let params = [
            ("page[offset]", items.len().to_string()),
            ("page[limit]", "100".to_owned()),
        ];
        let page = get(sim, path, &params).await;
        let data = page["data"].as_array().cloned().unwrap_or_default();
        let last = data.len() < 100;
        items.extend(data);
        if last {
            return items;
        }
    }
}

/// Every item of a cursor-paginated listing.
async fn served_cursor(sim: &SimHandle, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut params = vec![("page[limit]", "100".to_owned())];
    loop {
        let page = get(sim, path, &params).await;
        items.extend(page["data"].as_array().cloned().unwrap_or_default());
        match page["meta"]["pagination"]["next"].as_str() {
            Some(next) => {
                params = vec![
                    ("page[limit]", "100".to_owned()),
                    ("page[after]", next.to_owned()),
                ]
            }
            None => return items,
        }
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "UNKNOWN".to_owned(),
        other => other.to_string(),
    }
}

/// How many rows have each combination of values.
fn tally(rows: impl IntoIterator<Item = Vec<String>>) -> BTreeMap<Vec<String>, f64> {
    let mut counts = BTreeMap::new();
    for row in rows {
        *counts.entry(row).or_default() += 1.0;
    }
    counts
}

/// The samples of family `name` by label values, after checking that it has some and that every
/// sample carries exactly `labels`, in that order (no `site`: the exposition adds it).
fn samples(set: &FamilySet, name: &str, labels: &[&str]) -> BTreeMap<Vec<String>, f64> {
    let family = set.get(name).unwrap_or_else(|| panic!("{name} is missing"));
    let mut out = BTreeMap::new();
    for sample in family.samples() {
        let names: Vec<&str> = sample.labels().iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, labels, "labels of {name}");
        let values: Vec<String> = sample.labels().iter().map(|(_, v)| v.clone()).collect();
        let previous = out.insert(values, sample.number().unwrap());
        assert!(previous.is_none(), "{name} repeats a series");
    }
    assert!(!out.is_empty(), "{name} has samples");
    out
}

fn names(set: &FamilySet) -> BTreeSet<&str> {
    set.iter().map(|family| family.name()).collect()
}

fn sum(items: &[Value], field: impl Fn(&Value) -> Option<u64>) -> f64 {
    items.iter().filter_map(field).sum::<u64>() as f64
}

#[tokio::test(flavor = "multi_thread")]
async fn opt_in_collectors_are_named_and_off_by_default() {
    let sim = simulator().jobs(10).spawn().await.unwrap();
    let client = client(&sim);
    let collectors: Vec<Box<dyn Collector>> = vec![
        Box::new(AlertsCollector::new(client.clone())),
        Box::new(MalwareCollector::new(client.clone())),
        Box::new(CatalogCollector::new(client.clone())),
        Box::new(SloCollector::new(client.clone())),
        Box::new(TapeCollector::new(client)),
    ];
    let names: Vec<&str> = collectors.iter().map(|c| c.name()).collect();
    assert_eq!(names, ["alerts", "malware", "catalog", "slo", "tape"]);
    assert!(collectors.iter().all(|c| !c.enabled_by_default()));
}

#[tokio::test(flavor = "multi_thread")]
async fn alerts_are_read_to_the_last_page() {
    let sim = simulator().jobs(3000).alerts(250).spawn().await.unwrap();
    let collected = run(&AlertsCollector::new(client(&sim)), &sim).await;
    let requests = sim.stats().requests("GET /manage/alerts");

    let alerts = served_offset(&sim, "/manage/alerts").await;
    assert_eq!(alerts.len(), 250, "the simulator generated 250 alerts");
    assert_eq!(collected.items, 250);
    // 100 alerts a page: 250 alerts take three pages, not the Go exporter's one.
    assert_eq!((requests, collected.api_requests), (3, 3));
    let expected = tally(alerts.iter().map(|a| {
        vec![
            text(&a["attributes"]["severity"]),
            text(&a["attributes"]["category"]),
        ]
    }));
    assert_eq!(
        names(&collected.families),
        BTreeSet::from(["nbu_alerts_count"])
    );
    assert_eq!(
        samples(
            &collected.families,
            "nbu_alerts_count",
            &["severity", "category"]
        ),
        expected
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn malware_results_are_summed_in_every_release() {
    for release in [Release::V10_3, Release::V11_2] {
        let sim = simulator()
            .release(release)
            .malware_scans(130)
            .spawn()
            .await
            .unwrap();
        let collected = run(&MalwareCollector::new(client(&sim)), &sim).await;
        let requests = sim.stats().requests("GET /malware/latest-scan-results");

        let scans = served_offset(&sim, "/malware/latest-scan-results").await;
        assert_eq!(scans.len(), 130);
        assert_eq!(
            (requests, collected.api_requests, collected.items),
            (2, 2, 130),
            "{release}"
        );
        let set = &collected.families;
        let scanned = sum(&scans, |s| s["attributes"]["numberOfFilesScanned"].as_u64());
        // API 10.0 names the impacted-files count `noOfFilesImpacted`.
        let infected = sum(&scans, |s| {
            let attributes = &s["attributes"];
            attributes["numberOfFilesImpacted"]
                .as_u64()
                .or(attributes["noOfFilesImpacted"].as_u64())
        });
        assert!(
            scanned > 0.0 && infected > 0.0,
            "the estate has scanned and infected files"
        );
        assert_eq!(
            samples(set, "nbu_malware_files_scanned", &[]),
            BTreeMap::from([(vec![], scanned)])
        );
        assert_eq!(
            samples(set, "nbu_malware_files_infected", &[]),
            BTreeMap::from([(vec![], infected)]),
            "{release}"
        );
        let by_state = tally(
            scans
                .iter()
                .map(|s| vec![text(&s["attributes"]["scanState"])]),
        );
        assert_eq!(
            samples(set, "nbu_malware_scan_count", &["status"]),
            by_state
        );
    }
}

/// Images the simulator lists without a `backupTime` filter (the last 24 hours), by
/// (malware status, anomaly status).
async fn served_images(sim: &SimHandle) -> BTreeMap<Vec<String>, f64> {
    let images = served_offset(sim, "/catalog/images").await;
    assert!(
        images.len() > 100,
        "the catalog spans several pages ({} images)",
        images.len()
    );
    tally(images.iter().map(|i| {
        vec![
            text(&i["attributes"]["malwareStatus"]),
            text(&i["attributes"]["anomalyStatus"]),
        ]
    }))
}

#[tokio::test(flavor = "multi_thread")]
async fn catalog_counts_cost_one_request_per_status_combination() {
    // A short history: every image lies well inside the API's default 24-hour window.
    let window = std::time::Duration::from_secs(2 * 3600);
    let sim = simulator().jobs(2000).window(window).spawn().await.unwrap();
    let collected = run(&CatalogCollector::new(client(&sim)), &sim).await;
    let requests = sim.stats().requests("GET /catalog/images");
    let counts = samples(
        &collected.families,
        "nbu_catalog_images_count",
        &["malware_status", "anomaly_status"],
    );
    // 6 malware statuses × 6 anomaly statuses (catalog.yaml), one count-only query each.
    assert_eq!(counts.len(), 36);
    assert_eq!((requests, collected.api_requests), (36, 36));

    let served = served_images(&sim).await;
    for (combination, images) in &counts {
        assert_eq!(
            *images,
            served.get(combination).copied().unwrap_or(0.0),
            "{combination:?}"
        );
    }
    let total: f64 = served.values().sum();
    assert_eq!(
        counts.values().sum::<f64>(),
        total,
        "every served image is counted once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn catalog_counts_per_anomaly_status_where_malware_status_is_not_filterable() {
    let window = std::time::Duration::from_secs(2 * 3600);
    let sim = simulator()
        .release(Release::V10_5)
        .jobs(2000)
        .window(window)
        .spawn()
        .await
        .unwrap();
    let collected = run(&CatalogCollector::new(client(&sim)), &sim).await;
    let requests = sim.stats().requests("GET /catalog/images");
    let counts = samples(
        &collected.families,
        "nbu_catalog_images_count",
        &["malware_status", "anomaly_status"],
    );
    assert_eq!((counts.len() as u64, requests), (6, 6));

    let mut served: BTreeMap<Vec<String>, f64> = BTreeMap::new();
    for (combination, images) in served_images(&sim).await {
        *served
            .entry(vec!["UNKNOWN".to_owned(), combination[1].clone()])
            .or_default() += images;
    }
    for (combination, images) in &counts {
        assert_eq!(
            *images,
            served.get(combination).copied().unwrap_or(0.0),
            "{combination:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn slos_are_counted_across_pages() {
    let sim = simulator().slos(130).spawn().await.unwrap();
    let collected = run(&SloCollector::new(client(&sim)), &sim).await;
    let requests = sim.stats().requests("GET /servicecatalog/slos");
    assert_eq!(served_offset(&sim, "/servicecatalog/slos").await.len(), 130);
    // No pagination metadata: the walk ends on the short second page.
    assert_eq!((requests, collected.api_requests), (2, 2));
    let counts = samples(&collected.families, "nbu_slo_count", &[]);
    assert_eq!(counts, BTreeMap::from([(vec![], 130.0)]));
    assert_eq!(
        names(&collected.families),
        BTreeSet::from(["nbu_slo_count"])
    );
}

const TAPE_ENDPOINTS: [&str; 5] = [
    "GET /storage/drives",
    "GET /storage/tape-media",
    "GET /storage/tape-volume-pools",
    "GET /storage/robots-device-hosts",
    "GET /storage/disk-pools",
];

/// The drive and disk pool families, checked against what the simulator served.
async fn assert_drives_and_disk_pools(sim: &SimHandle, set: &FamilySet, drives: usize) {
    let served = served_offset(sim, "/storage/drives").await;
    assert_eq!(served.len(), drives);
    let attributes = |d: &Value| d["attributes"].clone();
    let by_kind = tally(served.iter().map(attributes).map(|a| {
        vec![
            text(&a["driveType"]),
            text(&a["robotType"]),
            text(&a["driveStatus"]),
        ]
    }));
    assert_eq!(
        samples(
            set,
            "nbu_tape_drives_count",
            &["drive_type", "robot_type", "status"]
        ),
        by_kind
    );
    let info: BTreeMap<Vec<String>, f64> = served
        .iter()
        .map(|d| {
            let a = attributes(d);
            let row = vec![
                text(&d["id"]),
                text(&a["devicePaths"][0]["deviceHost"]),
                text(&a["driveType"]),
                text(&a["robotNumber"]),
                text(&a["driveStatus"]),
            ];
            (row, 1.0)
        })
        .collect();
    assert_eq!(info.len(), drives, "one info series per drive");
    let labels = [
        "drive_name",
        "media_server",
        "drive_type",
        "robot_number",
        "status",
    ];
    assert_eq!(samples(set, "nbu_tape_drive_info", &labels), info);

    let pools = served_offset(sim, "/storage/disk-pools").await;
    let volumes = tally(pools.iter().flat_map(|pool| {
        let a = &pool["attributes"];
        let (name, category) = (text(&a["name"]), text(&a["storageCategory"]));
        a["diskVolumes"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(move |v| vec![name.clone(), category.clone(), text(&v["state"])])
    }));
    let labels = ["pool_name", "storage_category", "state"];
    assert_eq!(samples(set, "nbu_disk_pool_volume_count", &labels), volumes);
}

#[tokio::test(flavor = "multi_thread")]
async fn tape_reads_five_listings_to_the_end() {
    let sim = simulator()
        .drives(130)
        .tape_media(250)
        .spawn()
        .await
        .unwrap();
    let collected = run(&TapeCollector::new(client(&sim)), &sim).await;
    let stats = sim.stats();
    let requests: Vec<u64> = TAPE_ENDPOINTS.iter().map(|e| stats.requests(e)).collect();
    // Drives: offset pages of 100; tape media and pools: cursor pages of 100; hosts: one answer.
    assert_eq!(requests, [2, 3, 1, 1, 1]);
    assert_eq!(collected.api_requests, requests.iter().sum::<u64>());
    assert_eq!(
        names(&collected.families),
        BTreeSet::from([
            "nbu_tape_drives_count",
            "nbu_tape_drive_info",
            "nbu_tape_media_count",
            "nbu_tape_robot_device_hosts",
            "nbu_tape_pool_partially_full",
            "nbu_disk_pool_volume_count",
        ])
    );
    let set = &collected.families;
    assert_drives_and_disk_pools(&sim, set, 130).await;

    let media = served_cursor(&sim, "/storage/tape-media").await;
    assert_eq!(media.len(), 250);
    let by_pool = tally(media.iter().map(|m| {
        let a = &m["attributes"];
        vec![
            text(&a["volumePool"]),
            text(&a["mediaType"]),
            text(&a["robot"]["robotType"]),
        ]
    }));
    assert_eq!(
        samples(
            set,
            "nbu_tape_media_count",
            &["pool", "media_type", "robot_type"]
        ),
        by_pool
    );

    let pools: BTreeMap<Vec<String>, f64> = served_cursor(&sim, "/storage/tape-volume-pools")
        .await
        .iter()
        .map(|p| {
            let a = &p["attributes"];
            (
                vec![text(&a["volumePoolName"]), text(&a["poolType"])],
                a["partiallyFullMedia"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        samples(
            set,
            "nbu_tape_pool_partially_full",
            &["pool_name", "pool_type"]
        ),
        pools
    );

    let hosts = get(&sim, "/storage/robots-device-hosts", &[]).await["data"]
        .as_array()
        .unwrap()
        .len();
    assert!(hosts > 0);
    assert_eq!(
        samples(set, "nbu_tape_robot_device_hosts", &[]),
        BTreeMap::from([(vec![], hosts as f64)])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tape_on_a_release_without_the_inventory_endpoints_keeps_the_others() {
    let sim = simulator()
        .release(Release::V10_3)
        .drives(12)
        .spawn()
        .await
        .unwrap();
    let collected = run(&TapeCollector::new(client(&sim)), &sim).await;
    assert_eq!(
        names(&collected.families),
        BTreeSet::from([
            "nbu_tape_drives_count",
            "nbu_tape_drive_info",
            "nbu_disk_pool_volume_count"
        ]),
        "only the families of endpoints NetBackup 10.3 has"
    );
    let stats = sim.stats();
    let pages = stats.requests("GET /storage/drives") + stats.requests("GET /storage/disk-pools");
    // The three refused requests count too: they were sent.
    assert_eq!(collected.api_requests, pages + 3);
    assert_drives_and_disk_pools(&sim, &collected.families, 12).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn per_client_families_follow_the_allowlist() {
    // A history longer than the window: the latest successful backup may lie before the window.
    let sim = simulator()
        .jobs(3000)
        .window(std::time::Duration::from_secs(12 * 3600))
        .spawn()
        .await
        .unwrap();
    let truth = sim.jobs();
    let successful_backup =
        |j: &&nbu_sim::JobInfo| j.job_type == "BACKUP" && j.state == "DONE" && j.status == 0;
    let now = sim.now();
    let window = SignedDuration::from_hours(1);
    let from = now.checked_sub(window).unwrap();
    // Two clients: one whose latest successful backup lies inside the window, one whose latest
    // lies before it (only the per-client query can know that one); and one NetBackup does not know.
    let mut latest: BTreeMap<&str, Timestamp> = BTreeMap::new();
    for job in truth.iter().filter(successful_backup) {
        let end = job.end_time.unwrap();
        let entry = latest.entry(job.client_name.as_str()).or_insert(end);
        *entry = (*entry).max(end);
    }
    let inside = latest
        .iter()
        .find(|(_, end)| **end > from)
        .map(|(c, _)| (*c).to_owned())
        .unwrap();
    let before = latest
        .iter()
        .find(|(_, end)| **end < from)
        .map(|(c, _)| (*c).to_owned())
        .unwrap();
    let chosen = vec![inside, before];
    let mut allowlist = chosen.clone();
    allowlist.push("not-a-client.example".to_owned());

    let mut settings = JobsSettings::with_window(std::time::Duration::from_secs(3600));
    settings.client_allowlist = Some(allowlist);
    let collector = JobsCollector::new(client(&sim), settings);
    sim.reset_stats();
    let first = collector.collect(&CollectContext::new(now)).await.unwrap();
    let stats = sim.stats();
    assert_eq!(
        stats.requests("GET /admin/jobs") + stats.requests("POST /admin/jobs-count-requests"),
        first.api_requests,
        "the client queries are counted"
    );
    let plain = JobsCollector::new(
        client(&sim),
        JobsSettings::with_window(std::time::Duration::from_secs(3600)),
    );
    let without = plain.collect(&CollectContext::new(now)).await.unwrap();
    assert_eq!(
        first.api_requests,
        without.api_requests + 3,
        "one query per allowlisted client"
    );
    let set = &first.families;

    let allowed = |j: &&nbu_sim::JobInfo| chosen.contains(&j.client_name);
    let ended_in_window = |j: &&nbu_sim::JobInfo| j.end_time.is_some_and(|end| end > from);
    let expected_jobs = tally(
        truth
            .iter()
            .filter(allowed)
            .filter(ended_in_window)
            .map(|j| {
                vec![
                    j.client_name.clone(),
                    j.job_type.to_owned(),
                    j.status.to_string(),
                ]
            }),
    );
    assert_eq!(
        samples(
            set,
            "nbu_client_jobs_count",
            &["client", "action", "status"]
        ),
        expected_jobs
    );

    let mut last_job_success: BTreeMap<Vec<String>, f64> = BTreeMap::new();
    for job in truth
        .iter()
        .filter(allowed)
        .filter(|j| j.state == "DONE" && j.status == 0)
    {
        // The window knows the jobs the full load read: updated at or after its start.
        if job.last_update_time < from {
            continue;
        }
        let end = job.end_time.unwrap().as_second() as f64;
        let key = vec![
            job.client_name.clone(),
            job.policy_name.clone(),
            job.job_type.to_owned(),
        ];
        let latest = last_job_success.entry(key).or_insert(end);
        *latest = latest.max(end);
    }
    let labels = ["client", "policy", "action"];
    assert_eq!(
        samples(set, "nbu_client_last_job_success_seconds", &labels),
        last_job_success
    );

    let mut last_backup: BTreeMap<Vec<String>, f64> = BTreeMap::new();
    for job in truth.iter().filter(allowed).filter(successful_backup) {
        let end = job.end_time.unwrap().as_second() as f64;
        let latest = last_backup
            .entry(vec![job.client_name.clone()])
            .or_insert(end);
        *latest = latest.max(end);
    }
    assert_eq!(last_backup.len(), 2);
    let name = "nbu_client_last_successful_backup_timestamp_seconds";
    assert_eq!(
        samples(set, name, &["client"]),
        last_backup,
        "the unknown client has no sample"
    );

    // An incremental run reads only what changed: no per-client query again.
    sim.reset_stats();
    let later = Timestamp::from_second(now.as_second() + 1).unwrap();
    let second = collector
        .collect(&CollectContext::new(later))
        .await
        .unwrap();
    assert_eq!(
        second.api_requests, 1,
        "one page of changes, no per-client queries"
    );
    assert_eq!(samples(&second.families, name, &["client"]), last_backup);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_an_allowlist_the_jobs_collector_has_no_client_families() {
    let sim = simulator().jobs(300).spawn().await.unwrap();
    let collected = run(
        &JobsCollector::new(client(&sim), JobsSettings::default()),
        &sim,
    )
    .await;
    assert!(collected.families.get("nbu_jobs_count").is_some());
    assert!(
        names(&collected.families)
            .iter()
            .all(|name| !name.starts_with("nbu_client_")),
        "per-client families are opt-in"
    );
}
