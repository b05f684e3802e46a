//! Every property the compact response schemas document for a served endpoint appears at least once
//! across a small simulated estate, or is in the endpoint's commented list of fields the simulator
//! cannot meaningfully produce. Per release: the documented set grows with the API version.

use std::collections::{BTreeMap, BTreeSet};

use nbu_sim::Release;
use serde_json::Value;

use crate::conformance::compact_endpoint;
use crate::support::{Api, small};

/// Where an endpoint's records sit in its body.
#[derive(Clone, Copy)]
enum Shape {
    /// `data[].attributes`.
    Data,
    /// `data[]` items without attributes (`/storage/robots-device-hosts`).
    Items,
    /// `hosts[]` (`/config/hosts`).
    Hosts,
    /// The body itself (`/security/serverinfo`).
    Document,
}

struct Case {
    area: &'static str,
    path: &'static str,
    limit: &'static str,
    shape: Shape,
    /// Documented fields the simulator does not produce, each with its reason in [`not_served`].
    skip: &'static [&'static str],
}

/// The documented fields an endpoint does not serve. Each group says why: a monitoring client
/// reads none of them from a plain estate (they belong to features the simulator does not model).
fn not_served(path: &str) -> &'static [&'static str] {
    match path {
        "/storage/storage-units" => &[
            // Free-form capability names (the spec lists no vocabulary) and a basic-disk staging
            // schedule: the simulated basic-disk units do not stage.
            "capabilities",
            "diskStagingSchedule",
            // NDMP filers are not simulated.
            "ndmpHost",
        ],
        "/storage/drives" => &[
            // ACS robot coordinates and drive number: the simulated library is a TLD robot.
            "acs",
            "lsm",
            "panel",
            "drive",
            // Set by an operator's cleaning or comment commands, empty on a fresh library.
            "cleaningComment",
            // Clustered media servers, NDMP filers and virtual machine hosts are not simulated.
            "clusterServer",
            "ndmpHost",
            "vmHost",
            // A pending mount request and active TapeAlert flags: transient states the estate
            // does not model.
            "requestId",
            "tapeAlert1",
            "tapeAlert2",
            // The header of an unlabelled or foreign tape, read only on such a mount.
            "volumeHeader",
        ],
        "/storage/tape-media" => &[
            // Vault (off-site rotation) is not simulated.
            "dateVaulted",
            "returnDate",
            "sessionId",
            "vaultContainerId",
            "vaultName",
            "vaultSlot",
            // Cleaning tapes, media sharing groups and per-medium retention overrides are not
            // part of the simulated library.
            "cleaningsRemaining",
            "serverGroup",
            "retentionPeriod",
        ],
        "/malware/latest-scan-results" => &[
            // Instant-access scans and provider-generated (cloud workload) assets are not simulated.
            "iaCreateJobId",
            "iaDisplayName",
            "providerGeneratedId",
            // Scanner-specific texts whose vocabulary the spec does not give.
            "malwareInfo",
            "result",
            "scanContext",
        ],
        "/catalog/images" => &[
            // Snapshot images are not simulated.
            "snapshotTime",
        ],
        "/catalog/slp-images" => &[
            // Images imported from a replica: the simulated site does not receive replications.
            "importFromReplicaTime",
        ],
        "/servicecatalog/slos" => &[
            // The full policy definition an SLO generates: thousands of nested policy settings the
            // simulator does not model.
            "policyDefinition",
        ],
        "/config/media-servers" => &[
            // Clustered media servers are not simulated.
            "activeNode",
            "clusterName",
            // The spec gives no vocabulary for the Fibre Transport state.
            "fiberTransportState",
        ],
        "/config/hosts" => &[
            // Decommissioned hosts and externally issued certificates are not simulated.
            "decommissionedDateTime",
            "externalCertificateFingerprintSha1",
            "externalCertificateFingerprintSha256",
        ],
        "/licensing/capacity" => &[
            // The per-client and per-policy breakdown of the capacity report.
            "clientDetails",
        ],
        _ => &[],
    }
}

fn cases() -> Vec<Case> {
    let case = |area, path, limit, shape| Case {
        area,
        path,
        limit,
        shape,
        skip: not_served(path),
    };
    vec![
        case("admin", "/admin/jobs", "100", Shape::Data),
        case("storage", "/storage/storage-units", "500", Shape::Data),
        case("storage", "/storage/disk-pools", "500", Shape::Data),
        case("storage", "/storage/drives", "100", Shape::Data),
        case("storage", "/storage/tape-media", "100", Shape::Data),
        case("storage", "/storage/tape-volume-pools", "100", Shape::Data),
        case("storage", "/storage/robots-device-hosts", "", Shape::Items),
        case("manage", "/manage/alerts", "500", Shape::Data),
        case(
            "malware",
            "/malware/latest-scan-results",
            "100",
            Shape::Data,
        ),
        case("catalog", "/catalog/images", "100", Shape::Data),
        case("catalog", "/catalog/slp-images", "1000", Shape::Data),
        case("servicecatalog", "/servicecatalog/slos", "100", Shape::Data),
        case("config", "/config/media-servers", "500", Shape::Data),
        case("config_hosts", "/config/hosts", "", Shape::Hosts),
        case("licensing", "/licensing/capacity", "100", Shape::Data),
        case("security", "/security/serverinfo", "", Shape::Document),
    ]
}

/// Property names a schema documents, through `allOf`/`anyOf`.
fn properties(schema: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut todo = vec![schema];
    while let Some(schema) = todo.pop() {
        if let Some(found) = schema.get("properties").and_then(Value::as_object) {
            out.extend(found.keys().cloned());
        }
        for list in ["allOf", "anyOf"] {
            todo.extend(
                schema
                    .get(list)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            );
        }
    }
    out
}

/// The records of a schema or a body, per shape.
fn record_schema(schema: &Value, shape: Shape) -> Value {
    match shape {
        Shape::Data => schema["properties"]["data"]["items"]["properties"]["attributes"].clone(),
        Shape::Items => schema["properties"]["data"]["items"].clone(),
        Shape::Hosts => schema["properties"]["hosts"]["items"].clone(),
        Shape::Document => schema.clone(),
    }
}

fn records(body: &Value, shape: Shape) -> Vec<Value> {
    match shape {
        Shape::Data => body["data"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|item| item["attributes"].clone())
            .collect(),
        Shape::Items => body["data"].as_array().cloned().unwrap_or_default(),
        Shape::Hosts => body["hosts"].as_array().cloned().unwrap_or_default(),
        Shape::Document => vec![body.clone()],
    }
}

/// The documented record fields of an endpoint, or `None` when the release does not serve it.
/// An endpoint whose spec leaves the response body undescribed (`/config/media-servers`) is held
/// to the top-level fields its sort list names.
fn documented(release: Release, case: &Case) -> Option<BTreeSet<String>> {
    let endpoint = compact_endpoint(release, case.area, "get", case.path)?;
    let schema = endpoint["responses"]["200"]["content"]
        .as_object()
        .and_then(|content| content.values().next())
        .cloned()
        .unwrap_or_default();
    let mut names = properties(&record_schema(&schema, case.shape));
    if names.is_empty() {
        names.extend(
            endpoint["sortable"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter(|name| !name.contains(['.', '/']))
                .map(str::to_owned),
        );
    }
    Some(names)
}

/// Every record of an endpoint, following `meta.pagination.next` (offsets or cursors).
async fn walk(api: &Api<'_>, case: &Case) -> Vec<Value> {
    let mut out = Vec::new();
    let mut next: Option<(&str, String)> = None;
    for _ in 0..50 {
        let mut query: Vec<(&str, &str)> = Vec::new();
        if !case.limit.is_empty() {
            query.push(("page[limit]", case.limit));
        }
        if let Some((name, value)) = &next {
            query.push((name, value));
        }
        let answer = api.get_query(case.path, &query).await;
        assert_eq!(answer.status, 200, "{}: {}", case.path, answer.text);
        let body = answer.json();
        out.extend(records(&body, case.shape));
        next = match &body["meta"]["pagination"]["next"] {
            Value::Number(offset) => Some(("page[offset]", offset.to_string())),
            Value::String(cursor) => Some(("page[after]", cursor.clone())),
            _ => None,
        };
        if next.is_none() {
            break;
        }
    }
    out
}

#[tokio::test]
async fn every_documented_field_is_served_somewhere() {
    let mut problems = Vec::new();
    // Per endpoint: the skipped names some release documents, to keep the lists free of stale names.
    let mut skip_documented: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut checked = 0;
    for release in Release::ALL {
        let sim = small(release).spawn().await.expect("sim starts");
        let api = Api::new(&sim);
        for case in cases() {
            let Some(documented) = documented(release, &case) else {
                continue;
            };
            assert!(!documented.is_empty(), "{release} {}: no fields", case.path);
            let served: BTreeSet<String> = walk(&api, &case)
                .await
                .iter()
                .filter_map(Value::as_object)
                .flat_map(|record| record.keys().cloned())
                .collect();
            let missing: Vec<&String> = documented
                .iter()
                .filter(|name| !served.contains(*name) && !case.skip.contains(&name.as_str()))
                .collect();
            if !missing.is_empty() {
                problems.push(format!("{release} {}: not served {missing:?}", case.path));
            }
            for name in case.skip {
                if served.contains(*name) {
                    problems.push(format!(
                        "{release} {}: {name} is served, take it off the list",
                        case.path
                    ));
                }
                if documented.contains(*name) {
                    skip_documented
                        .entry(case.path)
                        .or_default()
                        .insert((*name).to_owned());
                }
            }
            checked += 1;
        }
        sim.shutdown().await;
    }
    for case in cases() {
        for name in case.skip {
            let known = skip_documented
                .get(case.path)
                .is_some_and(|names| names.contains(*name));
            if !known {
                problems.push(format!(
                    "{}: {name} is documented by no release, take it off the list",
                    case.path
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // 16 endpoints on the three releases with tape inventory, 13 on 10.3.
    assert_eq!(checked, 16 * 3 + 13);
}
