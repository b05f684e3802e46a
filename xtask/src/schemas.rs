//! `cargo xtask schemas [--check]`: the project's compact schemas of the NetBackup responses the
//! simulator serves and the client reads, generated from the vendor OpenAPI specs.
//!
//! The vendor specs are not part of the repository (they live beside it, on the maintainers'
//! machines only), so the tests validate against these committed files, which hold facts only:
//! paths, methods, query parameter names, sortable and filterable fields (with operators and value
//! types), and every documented response reduced to the JSON Schema keywords that constrain a value.
//! Descriptions, examples, summaries and every other piece of vendor prose are dropped. See
//! docs/decisions/0007-compact-schemas.md for the format.
//!
//! The reduction mirrors the conformance tests' adaptation of the specs to JSON Schema draft 4:
//! `$ref`s inlined (references into the unpublished `common.yaml` become the error body for
//! `errorResponse`, an empty schema otherwise), `nullable: true` a `null` member of `type`, `oneOf`
//! `anyOf`, and nesting deeper than 40 levels an empty schema.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

/// The spec files the simulator's releases read, relative to the specs directory. Each becomes
/// `crates/nbu-sim/schemas/<release>/<area>.json` (nbu-sim's `Release::spec_dir` maps a simulated
/// release and an area to one of these).
pub(crate) const SPEC_FILES: &[(&str, &str)] = &[
    ("10.3", "admin"),
    ("10.3", "malware"),
    ("10.3", "storage"),
    ("10.5", "admin"),
    ("10.5", "catalog"),
    ("10.5", "malware"),
    ("10.5", "manage"),
    ("10.5", "storage"),
    ("11.0", "admin"),
    ("11.0", "catalog"),
    ("11.0", "malware"),
    ("11.0", "manage"),
    ("11.0", "servicecatalog"),
    ("11.0", "storage"),
    ("11.2", "admin"),
    ("11.2", "catalog"),
    ("11.2", "config"),
    ("11.2", "config_hosts"),
    ("11.2", "gateway"),
    ("11.2", "licensing"),
    ("11.2", "malware"),
    ("11.2", "manage"),
    ("11.2", "security"),
];

/// The operations the simulator serves and the client reads, by API area.
const OPERATIONS: &[(&str, &str, &str)] = &[
    ("admin", "get", "/admin/jobs"),
    ("admin", "get", "/admin/jobs/{jobId}"),
    ("admin", "post", "/admin/jobs-count-requests"),
    ("storage", "get", "/storage/storage-units"),
    ("storage", "get", "/storage/disk-pools"),
    ("storage", "get", "/storage/drives"),
    ("storage", "get", "/storage/tape-media"),
    ("storage", "get", "/storage/tape-volume-pools"),
    ("storage", "get", "/storage/robots-device-hosts"),
    ("manage", "get", "/manage/alerts"),
    ("malware", "get", "/malware/latest-scan-results"),
    ("catalog", "get", "/catalog/images"),
    ("catalog", "get", "/catalog/slp-images"),
    ("servicecatalog", "get", "/servicecatalog/slos"),
    ("config", "get", "/config/media-servers"),
    ("config_hosts", "get", "/config/hosts"),
    ("licensing", "get", "/licensing/capacity"),
    ("security", "get", "/security/serverinfo"),
    ("gateway", "post", "/login"),
    ("gateway", "get", "/ping"),
];

/// Schema keywords kept, by what their value holds. Everything else (description, example,
/// title, readOnly, discriminator, x-…) is dropped.
const SCHEMA_KEYS: &[&str] = &["items", "additionalProperties", "not"];
const SCHEMA_LIST_KEYS: &[&str] = &["allOf", "anyOf", "oneOf"];
const VALUE_KEYS: &[&str] = &[
    "type",
    "format",
    "enum",
    "required",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "pattern",
    "uniqueItems",
];

/// Filter operators recorded per field; the tables also list the logical operators and `tolower`,
/// `toupper`, which are not per-field facts.
const FIELD_OPERATORS: &[&str] = &[
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "contains",
    "startswith",
    "endswith",
];

const MAX_DEPTH: usize = 40;

/// Where the vendor specs are: `NBU_OPENAPI_DIR`, else `../shared/reference/openapi` beside the
/// repository; `None` when neither exists.
pub(crate) fn vendor_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("NBU_OPENAPI_DIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return dir.is_dir().then_some(dir);
    }
    let beside = crate::workspace_root().join("../shared/reference/openapi");
    beside.is_dir().then_some(beside)
}

/// Where the compact schemas are committed.
pub(crate) fn output_dir() -> PathBuf {
    crate::workspace_root().join("crates/nbu-sim/schemas")
}

/// Generates every compact schema file from the specs in `spec_dir`: relative path → file text.
pub(crate) fn generate(spec_dir: &Path) -> Result<BTreeMap<String, String>, String> {
    let mut files = BTreeMap::new();
    for (release, area) in SPEC_FILES {
        let source = format!("{release}/{area}.yaml");
        let path = spec_dir.join(&source);
        let text = std::fs::read_to_string(&path)
            .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        let doc: Value = serde_norway::from_str(&text)
            .map_err(|err| format!("{} is not YAML: {err}", path.display()))?;
        let mut endpoints = Map::new();
        for (op_area, method, op_path) in OPERATIONS {
            if op_area != area {
                continue;
            }
            if let Some(endpoint) = endpoint(&doc, op_path, method) {
                endpoints.insert(format!("{} {op_path}", method.to_uppercase()), endpoint);
            }
        }
        let file = json!({"source": source, "endpoints": endpoints});
        let mut out = serde_json::to_string_pretty(&canonical(&file))
            .map_err(|err| format!("cannot serialise {source}: {err}"))?;
        out.push('\n');
        files.insert(format!("{release}/{area}.json"), out);
    }
    Ok(files)
}

/// `cargo xtask schemas [--check]`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let check = args.iter().any(|a| a == "--check");
    if let Some(other) = args.iter().find(|a| *a != "--check") {
        return Err(format!(
            "unknown argument {other:?}; usage: cargo xtask schemas [--check]"
        ));
    }
    let Some(spec_dir) = vendor_dir() else {
        return Err(
            "no vendor OpenAPI specs found: set NBU_OPENAPI_DIR to the directory holding <release>/<area>.yaml \
             (or place them in ../shared/reference/openapi beside the repository)"
                .to_owned(),
        );
    };
    let files = generate(&spec_dir)?;
    let out = output_dir();
    let mut stale = Vec::new();
    for (name, text) in &files {
        let path = out.join(name);
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() == Some(text.as_str()) {
            continue;
        }
        if check {
            stale.push(name.clone());
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|err| format!("cannot create {}: {err}", parent.display()))?;
        }
        std::fs::write(&path, text)
            .map_err(|err| format!("cannot write {}: {err}", path.display()))?;
        println!("wrote {}", path.display());
    }
    if !stale.is_empty() {
        return Err(format!(
            "compact schemas differ from the specs in {}: {}; run `cargo xtask schemas`",
            spec_dir.display(),
            stale.join(", ")
        ));
    }
    println!(
        "compact schemas {} ({} files, from {})",
        if check { "up to date" } else { "written" },
        files.len(),
        spec_dir.display()
    );
    Ok(())
}

/// One operation's facts, or `None` when the spec does not document it.
fn endpoint(doc: &Value, path: &str, method: &str) -> Option<Value> {
    let item = doc.get("paths")?.get(path)?;
    let operation = item.get(method)?;
    let mut parameters: Vec<Value> = Vec::new();
    for list in [item.get("parameters"), operation.get("parameters")]
        .into_iter()
        .flatten()
    {
        for parameter in list.as_array().into_iter().flatten() {
            parameters.push(resolve(doc, parameter).clone());
        }
    }
    let mut query: Vec<String> = Vec::new();
    let mut out = Map::new();
    for parameter in &parameters {
        let Some(name) = parameter.get("name").and_then(Value::as_str) else {
            continue;
        };
        if parameter.get("in").and_then(Value::as_str) != Some("query") {
            continue;
        }
        if !query.iter().any(|q| q == name) {
            query.push(name.to_owned());
        }
        let description = parameter
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match name {
            "filter" => {
                let fields = filter_fields(description);
                if !fields.is_empty() {
                    out.insert("filterable".into(), Value::Object(fields));
                }
            }
            "sort" => {
                let fields = sort_fields(description);
                if !fields.is_empty() {
                    out.insert("sortable".into(), json!(fields));
                }
            }
            _ => {}
        }
    }
    query.sort();
    out.insert("query".into(), json!(query));
    let mut responses = Map::new();
    for (status, response) in operation
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        // Shared responses in the unpublished common.yaml cannot be resolved: the tests treat the
        // status as undocumented and expect the release's error body, so it is left out here too.
        let response = match response.get("$ref").and_then(Value::as_str) {
            Some(reference) => match reference.strip_prefix('#') {
                Some(pointer) => match doc.pointer(pointer) {
                    Some(found) => found,
                    None => continue,
                },
                None => continue,
            },
            None => response,
        };
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            continue;
        };
        let mut media_types = Map::new();
        for (media_type, media) in content {
            if let Some(schema) = media.get("schema") {
                media_types.insert(media_type.clone(), reduce(schema, doc, 0));
            }
        }
        if !media_types.is_empty() {
            responses.insert(status.clone(), json!({"content": media_types}));
        }
    }
    out.insert("responses".into(), Value::Object(responses));
    Some(Value::Object(out))
}

/// A parameter or response object behind a local `$ref` (itself when there is none).
fn resolve<'d>(doc: &'d Value, value: &'d Value) -> &'d Value {
    value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|pointer| doc.pointer(pointer))
        .unwrap_or(value)
}

/// Table rows (`|a|b|c|`) of a Markdown description, as trimmed cells; header and rule rows skipped.
fn table_rows(description: &str) -> Vec<Vec<String>> {
    description
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with('|'))
        .map(|line| {
            line.trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|cells| {
            cells.first().is_some_and(|first| {
                !first.is_empty() && first != "Name" && !first.starts_with("---")
            })
        })
        .collect()
}

/// Field names (attribute paths with `/` as OData writes them) are single words.
fn is_field_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-'))
}

/// `name → {operators, type}` from a filter parameter's table.
fn filter_fields(description: &str) -> Map<String, Value> {
    let mut fields = Map::new();
    for cells in table_rows(description) {
        let (Some(name), Some(ops)) = (cells.first(), cells.get(1)) else {
            continue;
        };
        if cells.len() < 3 || !is_field_name(name) {
            continue;
        }
        let operators: Vec<&str> = ops
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|op| FIELD_OPERATORS.contains(op))
            .collect();
        let kind = cells
            .last()
            .map(|kind| kind.trim().to_ascii_lowercase())
            .unwrap_or_default();
        fields.insert(name.clone(), json!({"operators": operators, "type": kind}));
    }
    fields
}

/// Field names from a sort parameter's one-column table.
fn sort_fields(description: &str) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    for cells in table_rows(description) {
        if let Some(name) = cells.first()
            && is_field_name(name)
            && !fields.contains(name)
        {
            fields.push(name.clone());
        }
    }
    fields
}

fn error_body_schema() -> Value {
    json!({
        "type": "object",
        "required": ["errorCode", "errorMessage"],
        "properties": {"errorCode": {"type": "integer"}, "errorMessage": {"type": "string"}},
    })
}

/// A schema reduced to the keywords that constrain a value, `$ref`s inlined.
fn reduce(value: &Value, doc: &Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return json!({});
    }
    let Value::Object(map) = value else {
        return value.clone();
    };
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        return match reference.strip_prefix('#') {
            Some(pointer) => reduce(doc.pointer(pointer).unwrap_or(&json!({})), doc, depth + 1),
            None if reference.ends_with("/schemas/errorResponse") => error_body_schema(),
            None => json!({}),
        };
    }
    let mut out = Map::new();
    for (key, item) in map {
        let key = key.as_str();
        if key == "properties" {
            // The nesting counts as in the tests' adaptation: the properties object is one level.
            let mut properties = Map::new();
            if depth + 1 > MAX_DEPTH {
                out.insert("properties".into(), json!({}));
                continue;
            }
            for (name, schema) in item.as_object().into_iter().flatten() {
                properties.insert(name.clone(), reduce(schema, doc, depth + 2));
            }
            out.insert("properties".into(), Value::Object(properties));
        } else if SCHEMA_KEYS.contains(&key) {
            out.insert(key.to_owned(), reduce(item, doc, depth + 1));
        } else if SCHEMA_LIST_KEYS.contains(&key) {
            let key = if key == "oneOf" { "anyOf" } else { key };
            let list = if depth + 1 > MAX_DEPTH {
                json!({})
            } else {
                Value::Array(
                    item.as_array()
                        .into_iter()
                        .flatten()
                        .map(|schema| reduce(schema, doc, depth + 2))
                        .collect(),
                )
            };
            out.insert(key.to_owned(), list);
        } else if VALUE_KEYS.contains(&key) {
            out.insert(key.to_owned(), plain(item, depth + 1));
        }
    }
    if depth < MAX_DEPTH
        && map.get("nullable") == Some(&Value::Bool(true))
        && let Some(kind) = out.get("type").cloned()
    {
        out.insert("type".into(), json!([kind, "null"]));
    }
    Value::Object(out)
}

/// A keyword's value, cut off below the same depth as schemas (as the tests' adaptation does).
fn plain(value: &Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return json!({});
    }
    match value {
        Value::Array(items) => Value::Array(items.iter().map(|v| plain(v, depth + 1)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), plain(v, depth + 1)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `value` with every object's keys in sorted order, whatever serde_json's map preserves.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, Value> =
                map.iter().map(|(k, v)| (k, canonical(v))).collect();
            Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::io::Write as _;

    use super::*;

    /// Regenerating from the vendor specs gives exactly the committed files (and no others).
    #[test]
    fn committed_schemas_match_the_vendor_specs() {
        let Some(spec_dir) = vendor_dir() else {
            // Written past the test harness's capture so that a run without the specs says so.
            let _ = writeln!(
                std::io::stderr(),
                "compact schemas: no vendor specs found (NBU_OPENAPI_DIR or ../shared/reference/openapi); \
                 cannot check the committed files against them"
            );
            return;
        };
        let files = generate(&spec_dir).expect("specs read");
        let out = output_dir();
        let mut stale = Vec::new();
        for (name, text) in &files {
            if std::fs::read_to_string(out.join(name)).ok().as_deref() != Some(text.as_str()) {
                stale.push(name.clone());
            }
        }
        assert!(
            stale.is_empty(),
            "run `cargo xtask schemas`: these differ from the specs in {}: {stale:?}",
            spec_dir.display()
        );
        for release in std::fs::read_dir(&out).expect("schemas dir") {
            let release = release.expect("entry").path();
            for file in std::fs::read_dir(&release).expect("release dir") {
                let file = file.expect("entry").path();
                let name = file.strip_prefix(&out).expect("under out");
                let name = name.to_string_lossy().replace('\\', "/");
                assert!(
                    files.contains_key(&name),
                    "{name} is not generated any more"
                );
            }
        }
    }

    #[test]
    fn tables_yield_names_operators_and_types_only() {
        let filter = "Filtering is supported on the following attributes:\n\n|Name|Supported Operators|Description|Schema|\n\n|---|---|---|---|\n\n|jobId|eq ne lt gt le ge|The job identifier.|integer|\n\n|clientName|eq ne contains, startswith, endswith|The name of the client.|string|\n\n|name|eq ne and or not () contains tolower|x|String|\n";
        let fields = filter_fields(filter);
        assert_eq!(
            Value::Object(fields),
            json!({
                "jobId": {"operators": ["eq", "ne", "lt", "gt", "le", "ge"], "type": "integer"},
                "clientName": {"operators": ["eq", "ne", "contains", "startswith", "endswith"], "type": "string"},
                "name": {"operators": ["eq", "ne", "contains"], "type": "string"},
            })
        );
        let sort = "Sorting is supported on the following attributes:\n\n|Name|\n\n|---|\n\n|jobId|\n\n|endTime|\n";
        assert_eq!(sort_fields(sort), ["jobId", "endTime"]);
    }

    #[test]
    fn reduction_drops_prose_and_inlines_references() {
        let doc = json!({"components": {"schemas": {"state": {
            "type": "string", "description": "prose", "example": "DONE", "enum": ["DONE"], "nullable": true
        }}}});
        let schema = json!({
            "type": "object", "title": "t", "description": "d", "x-vendor": 1,
            "required": ["state"],
            "properties": {"state": {"$ref": "#/components/schemas/state"}, "description": {"type": "string"}},
            "oneOf": [{"type": "object"}],
        });
        assert_eq!(
            reduce(&schema, &doc, 0),
            json!({
                "type": "object",
                "required": ["state"],
                "properties": {"state": {"type": ["string", "null"], "enum": ["DONE"]}, "description": {"type": "string"}},
                "anyOf": [{"type": "object"}],
            })
        );
    }
}
