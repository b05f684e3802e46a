//! Every served response validates against the response schema of the matching vendor spec.
//!
//! The specs are loaded at test time from `shared/reference/openapi` (beside the repository) with
//! serde_norway and adapted to JSON Schema draft 4 here, in test code:
//! - `$ref`s are inlined. References into `./common.yaml`, which the vendor did not publish, become
//!   the error-response schema (for `errorResponse`) or an empty schema (anything else, e.g. the SLP
//!   images' cursor pagination block);
//! - OpenAPI 3.0 `nullable: true` becomes a `null` member of `type`;
//! - `oneOf` becomes `anyOf`: storage.yaml gives storage-unit attributes two alternatives that both
//!   accept any object (one lists `maxConcurrentDrives`, the other `maxConcurrentJobs`, neither is
//!   required), so `oneOf` could never hold;
//! - the YAML 1.1 quirk (`ON`/`OFF`/`YES`/`NO` enum values read as booleans) does not arise because
//!   serde_norway reads YAML 1.2; `yaml_enums_stay_strings` guards that.
//!
//! Responses with a status the spec does not document for the path (401 on `/admin/jobs`, 404 of an
//! endpoint a release lacks, 406, …) are validated against the release's documented error body.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use nbu_sim::Release;
use serde_json::{Value, json};

use crate::support::{Answer, Api, accept, small};

fn spec_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/openapi"
    ))
}

fn load(file: &str) -> Arc<Value> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Value>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(doc) = cache.lock().expect("cache").get(file) {
        return Arc::clone(doc);
    }
    let path = spec_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    let doc: Value =
        serde_norway::from_str(&text).unwrap_or_else(|err| panic!("{file} is not YAML: {err}"));
    let doc = Arc::new(doc);
    cache
        .lock()
        .expect("cache")
        .insert(file.to_owned(), Arc::clone(&doc));
    doc
}

/// The spec file holding an API area for a release (see the crate docs for the choices).
fn spec_file(release: Release, area: &str) -> String {
    let dir = match (release, area) {
        (_, "config" | "config_hosts" | "gateway" | "licensing" | "security") => "11.2",
        (_, "servicecatalog") => "11.0",
        (Release::V11_2, "storage") => "11.0",
        (Release::V10_3, "catalog" | "manage") => "10.5",
        (release, _) => release.as_str(),
    };
    format!("{dir}/{area}.yaml")
}

fn error_schema(release: Release) -> Value {
    let admin = spec_file(release, "admin");
    let (schema, _) = documented(&admin, "/admin/jobs", "get", "400")
        .expect("admin.yaml documents the 400 body of /admin/jobs");
    schema
}

fn inline(value: &Value, doc: &Value, depth: usize) -> Value {
    if depth > 40 {
        return json!({});
    }
    match value {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                return match reference.strip_prefix('#') {
                    Some(pointer) => {
                        inline(doc.pointer(pointer).unwrap_or(&json!({})), doc, depth + 1)
                    }
                    None if reference.ends_with("/schemas/errorResponse") => json!({
                        "type": "object",
                        "required": ["errorCode", "errorMessage"],
                        "properties": {"errorCode": {"type": "integer"}, "errorMessage": {"type": "string"}},
                    }),
                    None => json!({}),
                };
            }
            let mut out = serde_json::Map::new();
            for (key, item) in map {
                if matches!(key.as_str(), "example" | "examples") {
                    continue;
                }
                let key = if key == "oneOf" {
                    "anyOf".to_owned()
                } else {
                    key.clone()
                };
                out.insert(key, inline(item, doc, depth + 1));
            }
            if out.remove("nullable") == Some(Value::Bool(true))
                && let Some(kind) = out.get("type").cloned()
            {
                out.insert("type".into(), json!([kind, "null"]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| inline(item, doc, depth + 1))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The documented schema and content type of a response, if the spec has one.
fn documented(file: &str, path: &str, method: &str, status: &str) -> Option<(Value, String)> {
    let doc = load(file);
    let mut response = doc
        .get("paths")?
        .get(path)?
        .get(method)?
        .get("responses")?
        .get(status)?;
    if let Some(reference) = response.get("$ref").and_then(Value::as_str) {
        // Shared responses live in the unpublished common.yaml: all are error bodies.
        response = doc.pointer(reference.strip_prefix('#')?)?;
    }
    let (content_type, media) = response.get("content")?.as_object()?.iter().next()?;
    Some((inline(media.get("schema")?, &doc, 0), content_type.clone()))
}

type Validators = HashMap<String, Arc<jsonschema::Validator>>;

fn validator(key: &str, schema: &Value) -> Arc<jsonschema::Validator> {
    static CACHE: OnceLock<Mutex<Validators>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().expect("cache").get(key) {
        return Arc::clone(found);
    }
    let built = jsonschema::draft4::options()
        .should_validate_formats(true)
        .should_ignore_unknown_formats(true)
        .build(schema)
        .unwrap_or_else(|err| panic!("schema for {key} does not compile: {err}"));
    let built = Arc::new(built);
    cache
        .lock()
        .expect("cache")
        .insert(key.to_owned(), Arc::clone(&built));
    built
}

/// Validates a body against the spec; returns the problems (empty when valid).
fn problems(
    release: Release,
    area: &str,
    path: &str,
    method: &str,
    status: u16,
    body: &Value,
) -> Vec<String> {
    let file = spec_file(release, area);
    let status_text = status.to_string();
    let (key, schema) = match documented(&file, path, method, &status_text) {
        Some((schema, _)) => (format!("{file} {method} {path} {status}"), schema),
        None => {
            assert!(
                status >= 400,
                "{file} does not document {method} {path} {status}"
            );
            (
                format!("{} error body", spec_file(release, "admin")),
                error_schema(release),
            )
        }
    };
    validator(&key, &schema)
        .iter_errors(body)
        .map(|err| format!("{}: {err}", err.instance_path()))
        .take(10)
        .collect()
}

fn check(release: Release, area: &str, path: &str, method: &str, answer: &Answer) {
    let body = answer.json();
    let found = problems(release, area, path, method, answer.status, &body);
    assert!(
        found.is_empty(),
        "NetBackup {release} {method} {path} → {} does not match the spec:\n{}\nbody: {:.2000}",
        answer.status,
        found.join("\n"),
        answer.text
    );
    // Only the release's own spec names the version it answers with (11.2 borrows 11.0's storage spec).
    let own_spec = spec_file(release, area).starts_with(release.as_str());
    if own_spec
        && (200..300).contains(&answer.status)
        && let Some((_, content_type)) = documented(
            &spec_file(release, area),
            path,
            method,
            &answer.status.to_string(),
        )
    {
        assert_eq!(
            answer.header("content-type"),
            Some(content_type.as_str()),
            "{method} {path}"
        );
    }
}

fn data_len(answer: &Answer) -> usize {
    answer.json()["data"].as_array().map_or(0, Vec::len)
}

#[test]
fn yaml_enums_stay_strings() {
    let doc = load("11.2/catalog.yaml");
    let text = doc.to_string();
    assert!(
        text.contains(r#"["ON","OFF"]"#),
        "ON/OFF must load as strings"
    );
    assert!(
        text.contains(r#"["NO","YES"]"#),
        "NO/YES must load as strings"
    );
}

#[test]
fn the_schemas_are_strict_enough_to_catch_mistakes() {
    let release = Release::V11_2;
    let job = json!({"data": [{"type": "job", "id": "1", "attributes": {"jobId": "1", "state": "DONE"}}]});
    assert!(
        !problems(release, "admin", "/admin/jobs", "get", 200, &job).is_empty(),
        "string jobId accepted"
    );
    let job = json!({"data": [{"type": "job", "id": "1", "attributes": {"jobId": 1, "state": "RUNNING"}}]});
    assert!(
        !problems(release, "admin", "/admin/jobs", "get", 200, &job).is_empty(),
        "unknown state accepted"
    );
    let units = json!({"data": [{"type": "storageUnit", "id": "x", "links": {}, "relationships": {}, "attributes": {"name": "x"}}], "links": {}, "meta": {}});
    assert!(
        !problems(
            release,
            "storage",
            "/storage/storage-units",
            "get",
            200,
            &units
        )
        .is_empty(),
        "missing required attributes accepted"
    );
    assert!(
        !problems(
            release,
            "admin",
            "/admin/jobs",
            "get",
            401,
            &json!({"errorMessage": "x"})
        )
        .is_empty(),
        "error body without errorCode accepted"
    );
}

/// Requests every endpoint of one release (a couple of pages, error bodies too) and validates it all.
async fn conforms(release: Release) {
    let sim = small(release)
        .credentials("admin", "secret")
        .spawn()
        .await
        .expect("sim starts");
    let api = Api::new(&sim);
    let has_tape = release != Release::V10_3;

    // Jobs: two pages, a filtered page, one job, a count.
    let first = api.get("/admin/jobs?page[limit]=25").await;
    check(release, "admin", "/admin/jobs", "get", &first);
    assert_eq!(data_len(&first), 25);
    let next = first.json()["meta"]["pagination"]["next"]
        .as_str()
        .expect("next cursor")
        .to_owned();
    let second = api
        .get_query(
            "/admin/jobs",
            &[("page[limit]", "25"), ("page[after]", &next)],
        )
        .await;
    check(release, "admin", "/admin/jobs", "get", &second);
    let filtered = api
        .get_query(
            "/admin/jobs",
            &[
                (
                    "filter",
                    "lastUpdateTime ge 2025-10-09T00:00:00.000Z and state eq 'DONE'",
                ),
                ("sort", "lastUpdateTime"),
                ("page[limit]", "100"),
            ],
        )
        .await;
    check(release, "admin", "/admin/jobs", "get", &filtered);
    assert!(data_len(&filtered) > 0);
    let id = first.json()["data"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let one = api.get(&format!("/admin/jobs/{id}")).await;
    check(release, "admin", "/admin/jobs/{jobId}", "get", &one);
    // 10.3's spec documents the count endpoint with version 6.0; a client written from it sends that.
    let count_version = if release == Release::V10_3 {
        "6.0"
    } else {
        api.version.as_str()
    };
    let count_body =
        json!({"data": {"type": "jobCount", "attributes": {"filter": "state eq 'ACTIVE'"}}});
    let count = api
        .send(
            api.http
                .post(api.url("/admin/jobs-count-requests"))
                .header("Authorization", sim.api_key())
                .header("Accept", accept(count_version))
                .header("Content-Type", accept(count_version))
                .body(count_body.to_string()),
        )
        .await;
    check(
        release,
        "admin",
        "/admin/jobs-count-requests",
        "post",
        &count,
    );

    // Offset collections: first page and the next one.
    let offset_cases = [
        ("storage", "/storage/storage-units", 3),
        ("storage", "/storage/disk-pools", 2),
        ("storage", "/storage/drives", 3),
        ("manage", "/manage/alerts", 10),
        ("malware", "/malware/latest-scan-results", 10),
        ("catalog", "/catalog/images", 10),
        ("servicecatalog", "/servicecatalog/slos", 2),
        ("config", "/config/media-servers", 2),
        ("licensing", "/licensing/capacity", 1),
    ];
    for (area, path, limit) in offset_cases {
        let limit = limit.to_string();
        let page = api.get_query(path, &[("page[limit]", &limit)]).await;
        check(release, area, path, "get", &page);
        assert!(data_len(&page) > 0, "{path} is empty");
        if let Some(offset) = page.json()["meta"]["pagination"]["next"].as_u64() {
            let offset = offset.to_string();
            let page = api
                .get_query(path, &[("page[limit]", &limit), ("page[offset]", &offset)])
                .await;
            check(release, area, path, "get", &page);
        }
    }

    // Cursor collections.
    let mut cursor_cases = vec![("catalog", "/catalog/slp-images", 5)];
    if has_tape {
        cursor_cases.extend([
            ("storage", "/storage/tape-media", 20),
            ("storage", "/storage/tape-volume-pools", 3),
        ]);
    }
    for (area, path, limit) in cursor_cases {
        let limit = limit.to_string();
        let page = api.get_query(path, &[("page[limit]", &limit)]).await;
        check(release, area, path, "get", &page);
        assert!(data_len(&page) > 0, "{path} is empty");
        let next = page.json()["meta"]["pagination"]["next"]
            .as_str()
            .expect("next cursor")
            .to_owned();
        let page = api
            .get_query(path, &[("page[limit]", &limit), ("page[after]", &next)])
            .await;
        check(release, area, path, "get", &page);
    }

    // Single documents.
    let mut singles = vec![
        ("config_hosts", "/config/hosts"),
        ("security", "/security/serverinfo"),
    ];
    if has_tape {
        singles.push(("storage", "/storage/robots-device-hosts"));
    }
    for (area, path) in singles {
        let answer = api.get(path).await;
        check(release, area, path, "get", &answer);
    }
    assert!(
        api.get("/config/hosts").await.json()["hosts"]
            .as_array()
            .is_some_and(|h| h.len() > 60)
    );

    // Login.
    let login =
        json!({"userName": "admin", "password": "secret", "domainName": "", "domainType": "vx"});
    let answer = api.post("/login", &login).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    check(release, "gateway", "/login", "post", &answer);
    let wrong = api
        .post("/login", &json!({"userName": "admin", "password": "nope"}))
        .await;
    check(release, "gateway", "/login", "post", &wrong);

    // Error bodies.
    let no_auth = api
        .send(
            api.http
                .get(api.url("/admin/jobs"))
                .header("Accept", accept(&api.version)),
        )
        .await;
    assert_eq!(no_auth.status, 401);
    check(release, "admin", "/admin/jobs", "get", &no_auth);
    let bad_version = api
        .send(
            api.http
                .get(api.url("/admin/jobs"))
                .header("Accept", accept("99.0"))
                .header("Authorization", sim.api_key()),
        )
        .await;
    assert_eq!(bad_version.status, 406);
    check(release, "admin", "/admin/jobs", "get", &bad_version);
    let too_many = api.get("/admin/jobs?page[limit]=101").await;
    assert_eq!(too_many.status, 400);
    check(release, "admin", "/admin/jobs", "get", &too_many);
    let missing = api.get("/admin/jobs/4000000000").await;
    assert_eq!(missing.status, 404);
    check(release, "admin", "/admin/jobs/{jobId}", "get", &missing);
    let too_big = api.get("/storage/storage-units?page[limit]=501").await;
    assert_eq!(too_big.status, 400);
    check(
        release,
        "storage",
        "/storage/storage-units",
        "get",
        &too_big,
    );
    if !has_tape {
        let absent = api.get("/storage/tape-media").await;
        assert_eq!(absent.status, 404);
        check(release, "storage", "/storage/tape-media", "get", &absent);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn release_10_3_conforms() {
    conforms(Release::V10_3).await;
}

#[tokio::test]
async fn release_10_5_conforms() {
    conforms(Release::V10_5).await;
}

#[tokio::test]
async fn release_11_0_conforms() {
    conforms(Release::V11_0).await;
}

#[tokio::test]
async fn release_11_2_conforms() {
    conforms(Release::V11_2).await;
}
