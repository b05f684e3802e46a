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
