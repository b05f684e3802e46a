//! Models: every fixture decodes, keeps every field it carries, and snapshots to the reviewed
//! typed value; plus the lenient-decoding rules that matter most.

use std::collections::BTreeSet;
use std::path::PathBuf;

use jiff::{SignedDuration, Timestamp};
use nbu_api::models::{
    Alert, AlertSeverity, AnomalyStatus, CatalogImage, DiskPool, Drive, DriveStatus, ErrorBody,
    HostsDocument, Job, JobState, JobSummary, JobsCountRequest, JobsCountResponse,
    LicensingCapacity, ListDocument, Listed, LoginRequest, LoginResponse, MalwareScanOutcome,
    MalwareScanResult, MediaServer, PageRef, RawJson, Resource, RobotDeviceHost, ServerInfo,
    SingleDocument, Slo, SlpImage, SlpImageState, StorageCategory, StorageUnit, TapeMedia,
    TapeVolumePool, VolumePoolType, parse_duration,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

type List<A> = ListDocument<Resource<A>>;

fn fixture_text(version: &str, name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures", version]
        .iter()
        .collect::<PathBuf>()
        .join(format!("{name}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn decode<T: DeserializeOwned>(version: &str, name: &str) -> T {
    serde_json::from_str(&fixture_text(version, name))
        .unwrap_or_else(|e| panic!("decoding {version}/{name}.json: {e}"))
}

/// Drops `null`s so snapshots and key sets show only what is present.
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// Every object key path (`data[].attributes.jobId`), array positions folded together.
fn key_paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                out.insert(path.clone());
                key_paths(child, &path, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                key_paths(item, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

/// Decodes a fixture as `T`, checks that no field of the fixture was lost (a misspelt or
/// forgotten field shows up here), and snapshots the typed value.
fn check<T: DeserializeOwned + Serialize>(version: &str, name: &str) {
    // 10.0 names the impacted-file count differently; the model keeps the newer name.
    let raw_text =
        fixture_text(version, name).replace("\"noOfFilesImpacted\"", "\"numberOfFilesImpacted\"");
    let raw: Value = serde_json::from_str(&raw_text)
        .unwrap_or_else(|e| panic!("{version}/{name}.json is not JSON: {e}"));
    let typed: T = decode(version, name);
    let typed = serde_json::to_value(&typed)
        .unwrap_or_else(|e| panic!("{version}/{name}.json: re-serializing: {e}"));
    let typed = without_nulls(typed);

    let (mut sent, mut kept) = (BTreeSet::new(), BTreeSet::new());
    key_paths(&raw, "", &mut sent);
    key_paths(&typed, "", &mut kept);
    let lost: Vec<_> = sent.difference(&kept).collect();
    assert!(
        lost.is_empty(),
        "{version}/{name}.json: fields lost in decoding: {lost:?}"
    );

    insta::with_settings!({ snapshot_suffix => version, omit_expression => true }, {
        insta::assert_json_snapshot!(name, typed);
    });
}

macro_rules! fixture_tests {
    ($($test:ident: $ty:ty = $version:literal / $name:literal;)+) => {
        $(
            #[test]
            fn $test() {
                check::<$ty>($version, $name);
            }
        )+
    };
}

fixture_tests! {
    jobs_v10: List<Job> = "10.0" / "jobs";
    jobs_v12: List<Job> = "12.0" / "jobs";
    jobs_v13: List<Job> = "13.0" / "jobs";
    jobs_v14: List<Job> = "14.0" / "jobs";
    jobs_schema_v10: List<Job> = "10.0" / "jobs-schema";
    jobs_schema_v12: List<Job> = "12.0" / "jobs-schema";
    jobs_schema_v13: List<Job> = "13.0" / "jobs-schema";
    jobs_schema_v14: List<Job> = "14.0" / "jobs-schema";
    job_v10: SingleDocument<Resource<Job>> = "10.0" / "job";
    job_v14: SingleDocument<Resource<Job>> = "14.0" / "job";
    jobs_count_v10: JobsCountResponse = "10.0" / "jobs-count";
    jobs_count_v12: JobsCountResponse = "12.0" / "jobs-count";
    jobs_count_v13: JobsCountResponse = "13.0" / "jobs-count";
    jobs_count_v14: JobsCountResponse = "14.0" / "jobs-count";
    storage_units_v10: List<StorageUnit> = "10.0" / "storage-units";
    storage_units_v12: List<StorageUnit> = "12.0" / "storage-units";
    storage_units_v13: List<StorageUnit> = "13.0" / "storage-units";
    disk_pools_v10: List<DiskPool> = "10.0" / "disk-pools";
    disk_pools_v12: List<DiskPool> = "12.0" / "disk-pools";
    disk_pools_v13: List<DiskPool> = "13.0" / "disk-pools";
    drives_v10: List<Drive> = "10.0" / "drives";
    drives_v12: List<Drive> = "12.0" / "drives";
    drives_v13: List<Drive> = "13.0" / "drives";
    tape_media_v12: List<TapeMedia> = "12.0" / "tape-media";
    tape_media_v13: List<TapeMedia> = "13.0" / "tape-media";
    tape_volume_pools_v12: List<TapeVolumePool> = "12.0" / "tape-volume-pools";
    tape_volume_pools_v13: List<TapeVolumePool> = "13.0" / "tape-volume-pools";
    robots_device_hosts_v12: List<RobotDeviceHost> = "12.0" / "robots-device-hosts";
    robots_device_hosts_v13: List<RobotDeviceHost> = "13.0" / "robots-device-hosts";
    alerts_v12: List<Alert> = "12.0" / "alerts";
    alerts_v13: List<Alert> = "13.0" / "alerts";
    alerts_v14: List<Alert> = "14.0" / "alerts";
    malware_v10: List<MalwareScanResult> = "10.0" / "malware-latest-scan-results";
    malware_v12: List<MalwareScanResult> = "12.0" / "malware-latest-scan-results";
    malware_v13: List<MalwareScanResult> = "13.0" / "malware-latest-scan-results";
    malware_v14: List<MalwareScanResult> = "14.0" / "malware-latest-scan-results";
    catalog_images_v12: List<CatalogImage> = "12.0" / "catalog-images";
    catalog_images_v13: List<CatalogImage> = "13.0" / "catalog-images";
    catalog_images_v14: List<CatalogImage> = "14.0" / "catalog-images";
    catalog_images_count_v12: List<CatalogImage> = "12.0" / "catalog-images-count";
    catalog_images_count_v13: List<CatalogImage> = "13.0" / "catalog-images-count";
    catalog_images_count_v14: List<CatalogImage> = "14.0" / "catalog-images-count";
    slp_images_v12: List<SlpImage> = "12.0" / "slp-images";
    slp_images_v13: List<SlpImage> = "13.0" / "slp-images";
    slp_images_v14: List<SlpImage> = "14.0" / "slp-images";
    slos_v13: List<Slo> = "13.0" / "slos";
    media_servers_v14: List<MediaServer> = "14.0" / "media-servers";
    hosts_v14: HostsDocument = "14.0" / "hosts";
    licensing_capacity_v14: List<LicensingCapacity> = "14.0" / "licensing-capacity";
    serverinfo_v14: ServerInfo = "14.0" / "serverinfo";
    login_v14: LoginResponse = "14.0" / "login";
    error_v10: ErrorBody = "10.0" / "error";
    error_v14: ErrorBody = "14.0" / "error";
}

#[test]
fn a_missing_capacity_is_absent_not_zero() {
    let units: List<StorageUnit> = decode("13.0", "storage-units");
    let [msdp, cloud, tape] = units.data.as_slice() else {
        panic!("three units expected")
    };
    assert_eq!(msdp.free_capacity_bytes, Some(4_398_046_511_104));
    assert_eq!(cloud.storage_category, Some(StorageCategory::Cloud));
    assert_eq!(cloud.free_capacity_bytes, None);
    assert_eq!(cloud.total_capacity_bytes, None);
    assert_eq!(cloud.used_capacity_bytes, None);
    assert_eq!(tape.max_concurrent_jobs, None);
    assert_eq!(tape.max_concurrent_drives, Some(2));

    let bare: StorageUnit = serde_json::from_value(json!({ "name": "x" })).unwrap();
    let mut expected = StorageUnit::default();
    expected.name = Some("x".into());
    assert_eq!(bare, expected);
}

#[test]
fn unknown_enum_values_are_kept_verbatim() {
    let drives: List<Drive> = decode("13.0", "drives");
    assert_eq!(drives.data[0].drive_status, Some(DriveStatus::Up));
    assert_eq!(
        drives.data[1].drive_status,
        Some(DriveStatus::Other("DRIVE_STATUS_FAILED_SOMEHOW".into()))
    );
    let pools: List<TapeVolumePool> = decode("12.0", "tape-volume-pools");
    assert_eq!(
        pools.data[2].pool_type,
        Some(VolumePoolType::Other("VAULT_MEDIA_POOL".into()))
    );
    let images: List<CatalogImage> = decode("14.0", "catalog-images");
    assert_eq!(
        images.data[1].anomaly_status,
        Some(AnomalyStatus::Other("SUSPICIOUS_NEW_VALUE".into()))
    );

    let state: JobState = serde_json::from_value(json!("PAUSED_BY_MOON")).unwrap();
    assert_eq!(state, JobState::Other("PAUSED_BY_MOON".into()));
    assert_eq!(state.as_str(), "PAUSED_BY_MOON");
    assert_eq!(
        serde_json::to_value(&state).unwrap(),
        json!("PAUSED_BY_MOON")
    );
    // Case does not matter; the documented spelling comes back.
    let active: JobState = serde_json::from_value(json!("active")).unwrap();
    assert_eq!(
        (active.clone(), active.to_string()),
        (JobState::Active, "ACTIVE".to_owned())
    );
    // A number where text is expected is still kept, not a failure.
    let odd: AlertSeverity = serde_json::from_value(json!(3)).unwrap();
    assert_eq!(odd, AlertSeverity::Other("3".into()));
    let slp: SlpImageState = serde_json::from_value(json!("NOT_STARTED|INACTIVE")).unwrap();
    assert_eq!(slp, SlpImageState::NotStartedInactive);
}

#[test]
fn unknown_fields_are_ignored() {
    let plain = json!({ "jobId": 7, "state": "DONE" });
    let mut noisy = plain.clone();
    noisy["brandNewField"] = json!({ "nested": [1, 2, 3] });
    noisy["anotherOne"] = json!("text");
    let plain: Job = serde_json::from_value(plain).unwrap();
    let noisy: Job = serde_json::from_value(noisy).unwrap();
    assert_eq!(plain, noisy);
    assert_eq!(noisy.job_id, Some(7));
}

#[test]
fn files_impacted_has_one_field_across_versions() {
    let old: List<MalwareScanResult> = decode("10.0", "malware-latest-scan-results");
    let new: List<MalwareScanResult> = decode("12.0", "malware-latest-scan-results");
    assert!(fixture_text("10.0", "malware-latest-scan-results").contains("\"noOfFilesImpacted\""));
    assert!(
        fixture_text("12.0", "malware-latest-scan-results").contains("\"numberOfFilesImpacted\"")
    );
    assert_eq!(old.data[0].number_of_files_impacted, Some(3));
    assert_eq!(new.data[0].number_of_files_impacted, Some(3));
    assert_eq!(new.data[1].number_of_files_impacted, None);
    assert_eq!(new.data[0].scan_result, Some(MalwareScanOutcome::Impacted));
}

#[test]
fn ids_decode_from_integers_and_strings() {
    let example: List<Job> = decode("14.0", "jobs");
    assert!(fixture_text("14.0", "jobs").contains("\"id\": 1,"));
    assert_eq!(example.data[0].id, "1");
    assert_eq!(example.data[0].kind, "job");
    let schema: List<Job> = decode("14.0", "jobs-schema");
    assert_eq!(schema.data[0].id, "5012");
    // Resource derefs to its attributes.
    assert_eq!(schema.data[0].job_id, Some(5012));
}

#[test]
fn durations_parse_leniently() {
    let jobs: List<Job> = decode("14.0", "jobs-schema");
    assert_eq!(
        jobs.data[0].elapsed_time,
        Some(SignedDuration::from_secs(3723))
    );
    assert_eq!(
        jobs.data[1].elapsed_time,
        Some(SignedDuration::from_secs(26 * 3600 + 30 * 60))
    );
    let example: List<Job> = decode("10.0", "jobs");
    assert_eq!(
        example.data[0].elapsed_time,
        Some(SignedDuration::from_secs(5 * 60 + 46))
    );

    // Months have no fixed length, so `P1M` cannot become a duration.
    for garbage in ["", "soon", "5 parsecs", "P1M", "PT"] {
        assert_eq!(parse_duration(garbage), None, "{garbage:?}");
    }
    let job: Job = serde_json::from_value(json!({ "elapsedTime": "soon", "jobId": 1 })).unwrap();
    assert_eq!((job.elapsed_time, job.job_id), (None, Some(1)));
    let drives: List<Drive> = decode("13.0", "drives");
    assert_eq!(
        drives.data[0].mount_time,
        Some(SignedDuration::from_secs(45))
    );
    assert_eq!(drives.data[1].mount_time, None);
}

#[test]
fn timestamps_accept_the_shapes_the_specs_use() {
    let ts = |v: Value| {
        serde_json::from_value::<Job>(json!({ "startTime": v }))
            .unwrap()
            .start_time
    };
    let expected: Timestamp = "2018-06-25T19:00:32Z".parse().unwrap();
    assert_eq!(ts(json!("2018-06-25 19:00:32+00:00")), Some(expected));
    assert_eq!(ts(json!("2018-06-25T19:00:32.000Z")), Some(expected));
    assert_eq!(ts(json!("2018-06-25T21:00:32+02:00")), Some(expected));
    // The specs call these UTC timestamps: no offset means UTC.
    assert_eq!(ts(json!("2018-06-25T19:00:32")), Some(expected));
    assert_eq!(ts(json!("yesterday")), None);
    assert_eq!(ts(json!(12)), None);
    assert_eq!(ts(Value::Null), None);
}

#[test]
fn numbers_are_lenient_and_sentinels_are_absent() {
    let job: Job = serde_json::from_value(json!({
        "jobQueueReason": -99,
        "numberOfFiles": -1,
        "kilobytesTransferred": "2048",
        "dedupRatio": "87.5",
        "status": 1.0,
        "percentComplete": [1],
    }))
    .unwrap();
    assert_eq!(job.job_queue_reason, Some(-99));
    assert_eq!(job.number_of_files, None);
    assert_eq!(job.kilobytes_transferred, Some(2048));
    assert_eq!(job.dedup_ratio, Some(87.5));
    assert_eq!(job.status, Some(1));
    assert_eq!(job.percent_complete, None);
}

#[test]
fn spec_example_names_for_the_cancellable_flag_are_kept() {
    let example: List<Job> = decode("14.0", "jobs");
    let first = &example.data[0];
    assert_eq!(
        (first.killable, first.cancellable, first.done),
        (Some(1), None, Some(1))
    );
    assert_eq!(first.is_cancellable(), Some(true));
    assert_eq!(first.schedule_type.as_deref(), Some("FULL"));
    let schema: List<Job> = decode("14.0", "jobs-schema");
    assert_eq!(schema.data[1].is_cancellable(), Some(false));
    assert_eq!(Job::default().is_cancellable(), None);
}

#[test]
fn pagination_reads_both_styles() {
    let cursor: List<Job> = decode("14.0", "jobs");
    let meta = cursor.pagination().unwrap();
    assert_eq!(meta.next, Some(PageRef::Cursor("2".into())));
    assert_eq!(
        (meta.limit, meta.range_truncated, meta.count),
        (Some(2), Some(false), None)
    );
    assert_eq!(
        cursor.link_href("next"),
        Some("/admin/jobs?page[limit]=2&page[after]=2")
    );
    assert_eq!(cursor.data[1].cursor(), Some("2".to_owned()));

    let offset: List<StorageUnit> = decode("13.0", "storage-units");
    let meta = offset.pagination().unwrap();
    assert_eq!(meta.next, Some(PageRef::Offset(3)));
    assert_eq!(
        (meta.count, meta.pages, meta.last.clone()),
        (Some(8), Some(3), Some(PageRef::Offset(6)))
    );
    assert_eq!(meta.prev, None);

    let tape: List<TapeMedia> = decode("13.0", "tape-media");
    assert_eq!(
        tape.link_href("next"),
        Some("/storage/tape-media?page[limit]=2&page[after]=Q0xOMDAx")
    );

    let slos: List<Slo> = decode("13.0", "slos");
    assert_eq!((slos.pagination(), slos.links.as_ref()), (None, None));
    assert_eq!(slos.data.len(), 2);

    let count: List<CatalogImage> = decode("14.0", "catalog-images-count");
    assert_eq!(count.pagination().and_then(|p| p.count), Some(1342));

    let odd: List<Job> = serde_json::from_value(json!({
        "data": [],
        "meta": { "pagination": { "next": "", "prev": -1, "limit": "10" } }
    }))
    .unwrap();
    let meta = odd.pagination().unwrap();
    assert_eq!(
        (meta.next.clone(), meta.prev.clone(), meta.limit),
        (None, None, Some(10))
    );
    let empty: List<Job> = serde_json::from_value(json!({})).unwrap();
    assert!(empty.data.is_empty());
}

#[test]
fn job_summaries_decode_as_the_full_model_does() {
    for version in ["10.0", "12.0", "13.0", "14.0"] {
        for name in ["jobs", "jobs-schema"] {
            let full: List<Job> = decode(version, name);
            let summaries: ListDocument<Listed<JobSummary>> = decode(version, name);
            assert!(!summaries.data.is_empty(), "{version}/{name} has jobs");
            let expected: Vec<Listed<JobSummary>> = full
                .data
                .iter()
                .map(|job| Listed::new(job.id.clone(), JobSummary::from(job.attributes.clone())))
                .collect();
            assert_eq!(summaries.data, expected, "{version}/{name}");
        }
    }
    // Integer ids (as some spec examples send them) become text, as in `Resource`.
    let listed: Listed<JobSummary> = serde_json::from_value(json!({
        "id": 42, "type": "job", "links": {"self": {"href": "x"}}, "attributes": {"jobId": 42}
    }))
    .unwrap();
    assert_eq!((listed.id.as_str(), listed.job_id), ("42", Some(42)));
}

#[test]
fn resource_links_and_meta_keep_the_servers_json() {
    let page: List<Job> = decode("14.0", "jobs");
    let links = page.data[0].links.as_ref().expect("jobs carry links");
    let parsed: Value = links.parse().unwrap();
    assert_eq!(links.to_value(), parsed);
    assert!(parsed["self"]["href"].is_string(), "{}", links.text());
    // Equality is by value, not by spelling.
    let spaced: RawJson = serde_json::from_str(r#"{ "a" : [1, 2] }"#).unwrap();
    assert_eq!(spaced, RawJson::from(&json!({"a": [1, 2]})));
    assert_ne!(spaced, RawJson::from(&json!({"a": [2, 1]})));
    // Re-serialized as received.
    let round_trip = serde_json::to_value(&page.data[0]).unwrap();
    assert_eq!(round_trip["links"], parsed);
}

#[test]
fn error_bodies_of_any_shape_decode() {
    let body: ErrorBody = decode("14.0", "error");
    assert_eq!(body.error_code, Some(8000));
    assert!(
        body.to_string()
            .starts_with("error 8000: User does not have permission")
    );

    let odd: ErrorBody = serde_json::from_value(json!({
        "errorCode": "9018", "errorMessage": 42, "errorDetails": "one detail", "attributeErrors": [1]
    }))
    .unwrap();
    assert_eq!(odd.error_code, Some(9018));
    assert_eq!(odd.error_message.as_deref(), Some("42"));
    assert_eq!(odd.error_details, Some(vec![json!("one detail")]));
    assert_eq!(odd.attribute_errors, Some(json!([1])));

    let empty: ErrorBody = serde_json::from_value(json!({})).unwrap();
    assert_eq!(empty, ErrorBody::default());
    assert_eq!(empty.to_string(), "no error details");
}

#[test]
fn login_secrets_never_show_in_debug() {
    let request = LoginRequest::new("admin", SecretString::from("hunter2-password"))
        .with_domain("example", "unixpwd");
    let shown = format!("{request:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(
        shown.contains("admin") && shown.contains("REDACTED"),
        "{shown}"
    );
    // The body sent to the server must carry the password, under the spec's names.
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({ "userName": "admin", "password": "hunter2-password",
                "domainName": "example", "domainType": "unixpwd" })
    );

    let response: LoginResponse = decode("14.0", "login");
    assert_eq!(
        response.token.expose_secret(),
        "eyJhbGciOiJSUzI1NiJ9.fixture-token.c2lnbmF0dXJl"
    );
    let shown = format!("{response:?}");
    assert!(!shown.contains("fixture-token"), "{shown}");
    assert_eq!(
        response.validity_duration(),
        Some(std::time::Duration::from_secs(86_400))
    );
}

#[test]
fn jobs_count_request_matches_the_spec_body() {
    let request = JobsCountRequest::new(Some("jobType eq 'BACKUP'".into()));
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({ "data": { "type": "jobCount", "attributes": { "filter": "jobType eq 'BACKUP'" } } })
    );
    let everything = serde_json::to_value(JobsCountRequest::new(None)).unwrap();
    assert_eq!(
        everything,
        json!({ "data": { "type": "jobCount", "attributes": {} } })
    );

    let response: JobsCountResponse = decode("14.0", "jobs-count");
    assert_eq!(response.count(), Some(42));
    assert_eq!(JobsCountResponse::default().count(), None);
}

#[test]
fn plain_json_endpoints_decode() {
    let hosts: HostsDocument = decode("14.0", "hosts");
    assert_eq!(hosts.hosts.len(), 2);
    assert_eq!(hosts.hosts[0].decommissioned_date_time, None);
    assert_eq!(hosts.hosts[1].decommissioned_date_time, Some(3));
    let none: HostsDocument = serde_json::from_value(json!({})).unwrap();
    assert!(none.hosts.is_empty());

    let info: ServerInfo = decode("14.0", "serverinfo");
    assert_eq!(info.nbu_version.as_deref(), Some("11.2"));

    let capacity: List<LicensingCapacity> = decode("14.0", "licensing-capacity");
    assert_eq!(capacity.data[0].master_consumption_mb, Some(5_242_880.5));
}

#[test]
fn text_collections_are_lenient() {
    let alert: Alert = serde_json::from_value(json!({
        "tags": [1, null, "JOB", { "x": 1 }, true],
        "params": { "jobId": 4, "clientName": "c1", "nested": { "x": 1 }, "none": null }
    }))
    .unwrap();
    assert_eq!(
        alert.tags,
        Some(vec!["1".into(), "JOB".into(), "true".into()])
    );
    let params = alert.params.unwrap();
    assert_eq!(params.len(), 2);
    assert_eq!(
        (params["jobId"].as_str(), params["clientName"].as_str()),
        ("4", "c1")
    );

    let lone: Alert = serde_json::from_value(json!({ "tags": "JOB", "params": "odd" })).unwrap();
    assert_eq!((lone.tags, lone.params), (Some(vec!["JOB".into()]), None));
    let severity: Alert = serde_json::from_value(json!({ "severity": "warning" })).unwrap();
    assert_eq!(severity.severity, Some(AlertSeverity::Warning));
}

/// The simulator serves these types: what they write must read back the same.
#[test]
fn typed_values_round_trip_through_json() {
    fn round_trip<T>(version: &str, name: &str)
    where
        T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
    {
        let typed: T = decode(version, name);
        let again: T = serde_json::from_value(serde_json::to_value(&typed).unwrap()).unwrap();
        assert_eq!(typed, again, "{version}/{name}.json");
    }
    round_trip::<List<Job>>("14.0", "jobs-schema");
    round_trip::<List<Job>>("10.0", "jobs");
    round_trip::<List<StorageUnit>>("13.0", "storage-units");
    round_trip::<List<Drive>>("13.0", "drives");
    round_trip::<List<CatalogImage>>("14.0", "catalog-images");
    round_trip::<List<MalwareScanResult>>("10.0", "malware-latest-scan-results");
    round_trip::<HostsDocument>("14.0", "hosts");
}

#[test]
fn bodies_decode_from_bytes_and_refuse_bad_utf8_with_a_position() {
    let page: List<JobSummary> =
        nbu_api::models::from_json(fixture_text("14.0", "jobs").as_bytes()).unwrap();
    assert!(!page.data.is_empty());
    let mut bad =
        br#"{"data": [{"id": "1", "type": "job", "attributes": {"clientName": "x"#.to_vec();
    bad.push(0xff);
    bad.extend_from_slice(br#""}}]}"#);
    let error = nbu_api::models::from_json::<List<JobSummary>>(&bad).unwrap_err();
    assert!(error.column() > 0, "{error}");
}
