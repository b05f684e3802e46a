//! The simulator accepts every sort key and filter field the specs list for `/admin/jobs` (the
//! lists come from the committed compact schemas, per release), and each one actually sorts or
//! filters the served jobs.

use nbu_sim::Release;
use serde_json::Value;

use crate::conformance::compact_endpoint;
use crate::support::{Api, small};

fn listed(release: Release) -> Value {
    compact_endpoint(release, "admin", "get", "/admin/jobs").expect("admin documents /admin/jobs")
}

fn attributes(page: &Value) -> Vec<Value> {
    page["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|job| job["attributes"].clone())
        .collect()
}

/// `a` may come before `b` in ascending order (absent values last).
fn in_order(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(Value::Number(a)), Some(Value::Number(b))) => {
            a.as_f64().unwrap_or_default() <= b.as_f64().unwrap_or_default()
        }
        (Some(Value::String(a)), Some(Value::String(b))) => a <= b,
        (Some(_), None) | (None, None) => true,
        (None, Some(_)) => false,
        _ => true,
    }
}

async fn sorts(release: Release) {
    let sim = small(release).spawn().await.expect("sim starts");
    let api = Api::new(&sim);
    let keys: Vec<String> = listed(release)["sortable"]
        .as_array()
        .expect("sortable list")
        .iter()
        .filter_map(|k| k.as_str().map(str::to_owned))
        .collect();
    assert!(keys.iter().any(|k| k == "endTime"), "{keys:?}");
    let mut varied = 0;
    for key in &keys {
        for descending in [false, true] {
            let sort = if descending {
                format!("-{key}")
            } else {
                key.clone()
            };
            let first = api
                .get_query("/admin/jobs", &[("sort", &sort), ("page[limit]", "100")])
                .await;
            assert_eq!(first.status, 200, "{release} sort={sort}: {}", first.text);
            let mut jobs = attributes(&first.json());
            let next = first.json()["meta"]["pagination"]["next"]
                .as_str()
                .expect("600 jobs make more than one page")
                .to_owned();
            let second = api
                .get_query(
                    "/admin/jobs",
                    &[
                        ("sort", &sort),
                        ("page[limit]", "100"),
                        ("page[after]", &next),
                    ],
                )
                .await;
            assert_eq!(
                second.status, 200,
                "{release} sort={sort} page 2: {}",
                second.text
            );
            jobs.extend(attributes(&second.json()));
            assert_eq!(jobs.len(), 200, "{release} sort={sort}");
            for pair in jobs.windows(2) {
                let (a, b) = (pair[0].get(key.as_str()), pair[1].get(key.as_str()));
                let ok = if descending {
                    match (a, b) {
                        (None, _) => true,
                        (Some(_), None) => false,
                        _ => in_order(b, a),
                    }
                } else {
                    in_order(a, b)
                };
                assert!(ok, "{release} sort={sort}: {a:?} then {b:?}");
            }
            if jobs.first().and_then(|j| j.get(key.as_str()))
                != jobs.last().and_then(|j| j.get(key.as_str()))
            {
                varied += 1;
            }
        }
    }
    // Many keys vary across 200 jobs (others are constant in the simulated estate): the orders
    // checked above are real ones, not the default order left in place.
    assert!(varied >= 40, "{release}: only {varied} orders varied");
    sim.shutdown().await;
}

/// A filter literal for a served value, when its JSON type fits the spec's schema column.
fn literal(kind: &str, value: &Value) -> Option<String> {
    match (kind, value) {
        ("integer" | "big integer", Value::Number(n)) if n.is_i64() => Some(n.to_string()),
        ("float", Value::Number(n)) => Some(format!("{:.1}", n.as_f64()?)),
        ("date-time", Value::String(text)) => Some(text.clone()),
        ("string" | "duration", Value::String(text)) if !text.is_empty() => {
            Some(format!("'{}'", text.replace('\'', "''")))
        }
        _ => None,
    }
}

async fn filters(release: Release) {
    let sim = small(release).spawn().await.expect("sim starts");
    let api = Api::new(&sim);
    let sample = api.get("/admin/jobs?page[limit]=100").await;
    // Finished jobs only: a running job's elapsed time and rate move with the clock between requests.
    let sample: Vec<Value> = attributes(&sample.json())
        .into_iter()
        .filter(|job| job["state"] == "DONE")
        .collect();
    let fields = listed(release)["filterable"]
        .as_object()
        .expect("filterable list")
        .clone();
    let mut proven = 0;
    for (name, field) in &fields {
        let kind = field["type"].as_str().unwrap_or("string");
        let ops: Vec<&str> = field["operators"]
            .as_array()
            .expect("operators")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        // A served value of the field (asked back for below, after the operator probes).
        let found = sample.iter().find_map(|job| {
            Some((
                job.get(name.as_str())?,
                literal(kind, job.get(name.as_str())?)?,
            ))
        });
        // Every listed operator is accepted, whether or not a job carries the field.
        for op in &ops {
            let probe = match (*op, kind) {
                ("contains" | "startswith" | "endswith", _) => format!("{op}({name},'x')"),
                (_, "integer" | "big integer") => format!("{name} {op} 1"),
                (_, "float") => format!("{name} {op} 1.5"),
                (_, "date-time") => format!("{name} {op} 2025-01-01T00:00:00.000Z"),
                // Enumerated strings must name a real value: use a served one when there is one.
                _ => format!(
                    "{name} {op} {}",
                    found.as_ref().map_or("'x'", |(_, text)| text.as_str())
                ),
            };
            let answer = api
                .get_query("/admin/jobs", &[("filter", &probe), ("page[limit]", "1")])
                .await;
            assert_eq!(
                answer.status, 200,
                "{release} filter={probe}: {}",
                answer.text
            );
        }
        // And it filters: ask for the served value back.
        let Some((value, text)) = found else { continue };
        let filter = if ops.contains(&"eq") {
            format!("{name} eq {text}")
        } else if ops.contains(&"ge") {
            format!("{name} ge {text}")
        } else if ops.contains(&"startswith") {
            format!("startswith({name},{text})")
        } else if ops.contains(&"contains") {
            format!("contains({name},{text})")
        } else {
            continue;
        };
        let answer = api
            .get_query(
                "/admin/jobs",
                &[("filter", &filter), ("page[limit]", "100")],
            )
            .await;
        assert_eq!(
            answer.status, 200,
            "{release} filter={filter}: {}",
            answer.text
        );
        let matched = attributes(&answer.json());
        assert!(
            !matched.is_empty(),
            "{release} filter={filter} matched nothing"
        );
        for job in &matched {
            let got = job.get(name.as_str());
            let ok = match (filter.contains(" eq "), filter.contains(" ge ")) {
                (true, _) => match (got, value) {
                    (Some(Value::Number(a)), Value::Number(b)) => a.as_f64() == b.as_f64(),
                    (Some(a), b) => a == b,
                    _ => false,
                },
                (_, true) => in_order(Some(value), got),
                _ => got
                    .and_then(Value::as_str)
                    .zip(value.as_str())
                    .is_some_and(|(a, b)| a.contains(b)),
            };
            assert!(ok, "{release} filter={filter}: served {got:?}");
        }
        proven += 1;
    }
    assert!(
        proven * 2 > fields.len(),
        "{release}: only {proven} of {} filters proven",
        fields.len()
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn every_listed_job_sort_sorts() {
    for release in Release::ALL {
        sorts(release).await;
    }
}

#[tokio::test]
async fn every_listed_job_filter_is_accepted_and_filters() {
    for release in Release::ALL {
        filters(release).await;
    }
}

/// The values at a dotted path of a record, looking into every element of the arrays on the way
/// (`copies.fragments.mediaId`); per-fragment fields of catalog images are listed without the
/// `fragments.` prefix.
fn values_at(record: &Value, path: &str) -> Vec<Value> {
    fn walk(value: &Value, path: &str, out: &mut Vec<Value>) {
        if let Value::Array(items) = value {
            for item in items {
                walk(item, path, out);
            }
            return;
        }
        let (head, rest) = path
            .split_once('.')
            .map_or((path, None), |(h, r)| (h, Some(r)));
        match (value.get(head), rest) {
            (Some(found), None) => out.push(found.clone()),
            (Some(found), Some(rest)) => walk(found, rest, out),
            (None, _) => {}
        }
    }
    let mut out = Vec::new();
    walk(record, path, &mut out);
    if out.is_empty() {
        walk(&record["fragments"], path, &mut out);
    }
    out
}

/// A filter literal for a served value of a catalog field.
fn catalog_literal(kind: &str, value: &Value) -> Option<String> {
    match (kind, value) {
        ("boolean", Value::Bool(b)) => Some(b.to_string()),
        _ => literal(kind, value),
    }
}

/// Every filter field the release's catalog spec lists for an endpoint is accepted with each listed
/// operator, and the fields the simulated images carry filter on the served value.
async fn catalog_filters(release: Release, path: &str) {
    let sim = small(release).spawn().await.expect("sim starts");
    let api = Api::new(&sim);
    let listed = compact_endpoint(release, "catalog", "get", path).expect("catalog documents it");
    let fields = listed["filterable"]
        .as_object()
        .expect("filterable list")
        .clone();
    assert!(fields.len() >= 10, "{release} {path}: {fields:?}");
    let sample = attributes(&api.get_query(path, &[("page[limit]", "100")]).await.json());
    assert!(!sample.is_empty(), "{release} {path}: no images");
    let mut proven = 0;
    for (name, field) in &fields {
        let kind = field["type"].as_str().unwrap_or("string");
        let found = sample.iter().find_map(|record| {
            values_at(record, name).into_iter().find_map(|value| {
                let text = catalog_literal(kind, &value)?;
                Some((value, text))
            })
        });
        for op in field["operators"].as_array().expect("operators") {
            let op = op.as_str().expect("operator");
            let value = match (kind, &found) {
                (_, Some((_, text))) => text.clone(),
                ("integer", None) => "1".to_owned(),
                ("boolean", None) => "false".to_owned(),
                ("date-time", None) => "2025-01-01T00:00:00.000Z".to_owned(),
                (_, None) => "'x'".to_owned(),
            };
            let filter = match op {
                "contains" | "startswith" | "endswith" => format!("{op}({name},{value})"),
                _ => format!("{name} {op} {value}"),
            };
            let answer = api
                .get_query(path, &[("filter", &filter), ("page[limit]", "100")])
                .await;
            assert_eq!(
                answer.status, 200,
                "{release} {path} filter={filter}: {}",
                answer.text
            );
            let Some((value, _)) = &found else { continue };
            if op != "eq" {
                continue;
            }
            let matched = attributes(&answer.json());
            assert!(
                !matched.is_empty(),
                "{release} {path} filter={filter} matched nothing"
            );
            for record in &matched {
                assert!(
                    values_at(record, name).contains(value),
                    "{release} {path} filter={filter}: served {:?}",
                    values_at(record, name)
                );
            }
            proven += 1;
        }
    }
    // Most listed fields are carried by the simulated images, so their filters are proven to filter.
    assert!(
        proven * 3 > fields.len() * 2,
        "{release} {path}: only {proven} of {} filters proven",
        fields.len()
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn every_listed_catalog_filter_is_accepted_and_filters() {
    for release in Release::ALL {
        catalog_filters(release, "/catalog/images").await;
        catalog_filters(release, "/catalog/slp-images").await;
    }
}

/// The collections besides jobs and catalog images that the simulator serves with a `filter` or
/// `sort` parameter: path, spec area, the key holding the records, and whether the release serves
/// the path (10.3 has no tape inventory).
const COLLECTIONS: &[(&str, &str, &str)] = &[
    ("/storage/storage-units", "storage", "data"),
    ("/storage/disk-pools", "storage", "data"),
    ("/storage/drives", "storage", "data"),
    ("/storage/tape-media", "storage", "data"),
    ("/storage/tape-volume-pools", "storage", "data"),
    ("/manage/alerts", "manage", "data"),
    ("/malware/latest-scan-results", "malware", "data"),
    ("/servicecatalog/slos", "servicecatalog", "data"),
    ("/config/media-servers", "config", "data"),
    ("/config/hosts", "config_hosts", "hosts"),
    ("/licensing/capacity", "licensing", "data"),
];

/// Where a listed name that is not an attribute lives in a served record (from its top level), and
/// whether the value there is an integer written as a string (resource ids). Stated here
/// independently of the simulator's own table, from the response schemas.
const ELSEWHERE: &[(&str, &str, &str, bool)] = &[
    ("/manage/alerts", "alertId", "id", true),
    ("/storage/tape-volume-pools", "volumePoolNumber", "id", true),
    ("/storage/tape-volume-pools", "poolNumber", "id", true),
    ("/storage/tape-media", "mediaId", "id", false),
    (
        "/storage/tape-media",
        "robotType",
        "attributes/robot/robotType",
        false,
    ),
    (
        "/storage/tape-media",
        "robotNumber",
        "attributes/robot/robotNumber",
        false,
    ),
    (
        "/storage/tape-media",
        "robotHost",
        "attributes/robot/robotHost",
        false,
    ),
    ("/storage/drives", "id", "id", false),
    (
        "/storage/disk-pools",
        "diskMediaId",
        "attributes/diskVolumes/diskMediaId",
        false,
    ),
    (
        "/malware/latest-scan-results",
        "scanHost/hostName",
        "relationships/scanHost/data/id",
        false,
    ),
    (
        "/malware/latest-scan-results",
        "scanHost.hostName",
        "relationships/scanHost/data/id",
        false,
    ),
    (
        "/config/media-servers",
        "storageCategory",
        "attributes/supportedStoragesInfo/storageCategory",
        false,
    ),
    (
        "/config/media-servers",
        "storageProviderId",
        "attributes/supportedStoragesInfo/storageProviderId",
        false,
    ),
    ("/servicecatalog/slos", "id", "id", false),
    ("/licensing/capacity", "masterServer", "id", false),
    (
        "/config/hosts",
        "lastUpdateTimeUTC",
        "lastUpdatedDateTime",
        false,
    ),
];

/// Every value of a listed field in a served record (looking into arrays on the way).
fn listed_values(path: &str, record: &Value, name: &str) -> Vec<Value> {
    let (from, numeric) = ELSEWHERE
        .iter()
        .find(|(p, listed, _, _)| *p == path && *listed == name)
        .map_or_else(
            || {
                let under = if record.get("attributes").is_some() {
                    format!("attributes/{name}")
                } else {
                    name.to_owned()
                };
                (under, false)
            },
            |(_, _, to, numeric)| ((*to).to_owned(), *numeric),
        );
    values_at(record, &from.replace('/', "."))
        .into_iter()
        .map(|value| match (&value, numeric) {
            (Value::String(text), true) => text.parse::<i64>().map_or(value.clone(), Value::from),
            _ => value,
        })
        .collect()
}

/// A filter literal for a served value of a field the spec types `kind` (some tables give a
/// description instead of a type: the value's own JSON type decides then).
fn collection_literal(kind: &str, value: &Value) -> Option<String> {
    match (kind, value) {
        ("integer" | "long" | "big integer", Value::Number(n)) if n.is_i64() => Some(n.to_string()),
        ("float", Value::Number(n)) => Some(n.to_string()),
        ("date-time", Value::String(text)) => Some(text.clone()),
        ("date-time", Value::Number(n)) => {
            let ms = n.as_i64()?;
            Some(jiff::Timestamp::from_millisecond(ms).ok()?.to_string())
        }
        ("boolean", Value::Bool(b)) => Some(b.to_string()),
        ("string", Value::String(text)) if !text.is_empty() => {
            Some(format!("'{}'", text.replace('\'', "''")))
        }
        ("integer" | "long" | "big integer" | "float" | "date-time" | "boolean" | "string", _) => {
            None
        }
        (_, Value::Number(n)) => Some(n.to_string()),
        (_, Value::Bool(b)) => Some(b.to_string()),
        (_, Value::String(text)) if !text.is_empty() => {
            Some(format!("'{}'", text.replace('\'', "''")))
        }
        _ => None,
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => a == b,
    }
}

fn records(answer: &crate::support::Answer, key: &str) -> Vec<Value> {
    answer.json()[key].as_array().cloned().unwrap_or_default()
}

/// One collection of one release: every listed sort key sorts both ways, every listed filter field
/// is accepted with each listed operator, and an `eq` (else `ge`, `contains`) on a served value
/// returns only records carrying it. Returns (orders that varied, filters proven, fields listed).
async fn collection_lists(
    api: &Api<'_>,
    release: Release,
    path: &str,
    area: &str,
    key: &str,
) -> (usize, usize, usize) {
    let Some(listed) = compact_endpoint(release, area, "get", path) else {
        return (0, 0, 0);
    };
    let all = api.get_query(path, &[("page[limit]", "100")]).await;
    assert_eq!(all.status, 200, "{release} {path}: {}", all.text);
    let sample = records(&all, key);
    assert!(!sample.is_empty(), "{release} {path}: nothing served");

    let sorts: Vec<&str> = listed["sortable"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut varied = 0;
    for name in &sorts {
        for descending in [false, true] {
            let sort = if descending {
                format!("-{name}")
            } else {
                (*name).to_owned()
            };
            let answer = api
                .get_query(path, &[("sort", &sort), ("page[limit]", "100")])
                .await;
            assert_eq!(
                answer.status, 200,
                "{release} {path} sort={sort}: {}",
                answer.text
            );
            let served: Vec<Option<Value>> = records(&answer, key)
                .iter()
                .map(|record| listed_values(path, record, name).into_iter().next())
                .collect();
            let scalar = served
                .iter()
                .flatten()
                .all(|v| v.is_number() || v.is_string())
                && (served.iter().flatten().all(Value::is_number)
                    || served.iter().flatten().all(Value::is_string));
            if !scalar {
                continue;
            }
            for pair in served.windows(2) {
                let (a, b) = (pair[0].as_ref(), pair[1].as_ref());
                let ok = if descending {
                    match (a, b) {
                        (None, _) => true,
                        (Some(_), None) => false,
                        _ => in_order(b, a),
                    }
                } else {
                    in_order(a, b)
                };
                assert!(ok, "{release} {path} sort={sort}: {a:?} then {b:?}");
            }
            if served.first() != served.last() {
                varied += 1;
            }
        }
    }
    if !sorts.is_empty() {
        let refused = api.get_query(path, &[("sort", "notListedAnywhere")]).await;
        assert!(
            refused.error_message(400).contains(sorts[0]),
            "{release} {path}: an unlisted sort key is refused with the list"
        );
    }

    let fields = listed["filterable"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut proven = 0;
    let mut filterable = 0;
    for (name, field) in &fields {
        let kind = field["type"].as_str().unwrap_or("string");
        let ops: Vec<&str> = field["operators"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if ops.is_empty() {
            // A row introducing a sub-table (`diskVolumes`), not a field.
            continue;
        }
        filterable += 1;
        let found = sample.iter().find_map(|record| {
            listed_values(path, record, name)
                .into_iter()
                .find_map(|value| {
                    let text = collection_literal(kind, &value)?;
                    Some((value, text))
                })
        });
        for op in &ops {
            let value = match (kind, &found) {
                (_, Some((_, text))) => text.clone(),
                ("integer" | "long" | "big integer", None) => "1".to_owned(),
                ("float", None) => "1.5".to_owned(),
                ("boolean", None) => "true".to_owned(),
                ("date-time", None) => "2025-01-01T00:00:00.000Z".to_owned(),
                (_, None) => "'x'".to_owned(),
            };
            let filter = match *op {
                "contains" | "startswith" | "endswith" if value.starts_with('\'') => {
                    format!("{op}({name},{value})")
                }
                "contains" | "startswith" | "endswith" => format!("{op}({name},'x')"),
                _ => format!("{name} {op} {value}"),
            };
            let answer = api
                .get_query(path, &[("filter", &filter), ("page[limit]", "1")])
                .await;
            assert_eq!(
                answer.status, 200,
                "{release} {path} filter={filter}: {}",
                answer.text
            );
        }
        let Some((value, text)) = found else { continue };
        let (filter, check): (String, fn(&Value, &Value) -> bool) = if ops.contains(&"eq") {
            (format!("{name} eq {text}"), same)
        } else if ops.contains(&"ge") {
            (format!("{name} ge {text}"), |got, value| {
                in_order(Some(value), Some(got))
            })
        } else if ops.contains(&"contains") && text.starts_with('\'') {
            (format!("contains({name},{text})"), |got, value| {
                got.as_str()
                    .zip(value.as_str())
                    .is_some_and(|(a, b)| a.contains(b))
            })
        } else {
            continue;
        };
        let answer = api
            .get_query(path, &[("filter", &filter), ("page[limit]", "100")])
            .await;
        assert_eq!(
            answer.status, 200,
            "{release} {path} filter={filter}: {}",
            answer.text
        );
        let matched = records(&answer, key);
        assert!(
            !matched.is_empty(),
            "{release} {path} filter={filter} matched nothing"
        );
        for record in &matched {
            let got = listed_values(path, record, name);
            assert!(
                got.iter().any(|got| check(got, &value)),
                "{release} {path} filter={filter}: served {got:?}"
            );
        }
        proven += 1;
    }
    if filterable > 0 {
        let refused = api
            .get_query(path, &[("filter", "notListedAnywhere eq 1")])
            .await;
        assert!(
            refused.error_message(400).contains("filterable fields"),
            "{release} {path}: an unlisted filter field is refused with the list"
        );
    }
    (varied, proven, filterable)
}

#[tokio::test]
async fn every_listed_collection_sort_and_filter_is_served() {
    for release in Release::ALL {
        let sim = small(release).spawn().await.expect("sim starts");
        let api = Api::new(&sim);
        let (mut varied, mut proven, mut listed) = (0, 0, 0);
        for (path, area, key) in COLLECTIONS {
            if path.contains("tape") && release == Release::V10_3 {
                continue;
            }
            let (v, p, l) = collection_lists(&api, release, path, area, key).await;
            eprintln!("{release} {path}: {v} orders varied, {p} of {l} filters proven");
            varied += v;
            proven += p;
            listed += l;
        }
        // Most listed fields are carried by the simulated records and most sort keys vary across
        // them: the checks above met real orders and real matches, not a list left unapplied.
        assert!(varied >= 60, "{release}: only {varied} orders varied");
        assert!(
            proven * 3 > listed * 2,
            "{release}: only {proven} of {listed} filters proven"
        );
        sim.shutdown().await;
    }
}

/// The jobs filter table types `dataMovement`, `transportType`, `offHostType` and
/// `applicationType` as integers with their codes; the served attributes are the enum names.
#[tokio::test]
async fn integer_coded_job_filters_match_the_served_names() {
    let sim = small(Release::V11_2).spawn().await.expect("sim starts");
    let api = Api::new(&sim);
    let every = |pages: Vec<Value>| -> Vec<Value> { pages.iter().flat_map(attributes).collect() };
    let all = every(api.walk_jobs(&[("page[limit]", "100")]).await);
    for (filter, name, served) in [
        ("dataMovement eq 0", "dataMovement", "STANDARD"),
        ("transportType eq 0", "transportType", "LAN"),
        ("offHostType eq 0", "offHostType", "STANDARD"),
        ("applicationType eq 1", "applicationType", "VMWARE"),
        ("applicationType eq 0", "applicationType", "NONE"),
    ] {
        let expected = all.iter().filter(|job| job[name] == served).count();
        assert!(expected > 0, "{name}: no job serves {served}");
        let matched = every(
            api.walk_jobs(&[("filter", filter), ("page[limit]", "100")])
                .await,
        );
        assert_eq!(matched.len(), expected, "{filter}");
        assert!(matched.iter().all(|job| job[name] == served), "{filter}");
    }
    let none = api
        .get_query(
            "/admin/jobs",
            &[("filter", "dataMovement eq 3"), ("page[limit]", "100")],
        )
        .await;
    assert_eq!(
        attributes(&none.json()).len(),
        0,
        "no simulated job is SYNTHETIC"
    );
    sim.shutdown().await;
}
