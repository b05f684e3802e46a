//! Sorts and filters of the small collections (storage, tape, alerts, malware, SLOs, media servers,
//! hosts, licensing), held to the lists the release's spec gives for each endpoint: a listed field
//! is accepted with its listed operators and value type, anything else is refused with the list.
//!
//! Most listed names are attributes of the served records. The others name a value the record
//! holds elsewhere (`alertId` is the resource id, `diskMediaId` sits in each of `diskVolumes`):
//! [`ALIASES`] maps them. A listed field the simulated estate never carries (ACS drive fields, a
//! vault) is accepted and matches only `ne`, as for any record without the field.

use std::cmp::Ordering;
use std::sync::{Mutex, OnceLock, PoisonError};

use serde_json::Value;

use crate::filter::{self, Expr, FieldSpec, FieldValue, Fields, Kind, Op};
use crate::release::Release;
use crate::routes::ApiError;
use crate::spec;

/// How a served value is read for a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coerce {
    /// As served.
    Plain,
    /// A string holding an integer (resource ids) compares as that integer.
    Int,
    /// A number holding epoch milliseconds (`/config/hosts`) compares as a date-time.
    Millis,
}

/// Where a listed field lives in a served record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Loc {
    /// Under `attributes` (resources) or from the record's top level (aliases, `/config/hosts`).
    in_attributes: bool,
    /// Keys separated by `/` or `.`; arrays on the way are looked into element by element.
    path: &'static str,
    coerce: Coerce,
}

/// Filter-only and sort-only names the spec lists that the record holds under another path
/// (from the record's top level), per endpoint path.
const ALIASES: &[(&str, &str, &str, Coerce)] = &[
    ("/manage/alerts", "alertId", "id", Coerce::Int),
    (
        "/storage/tape-volume-pools",
        "volumePoolNumber",
        "id",
        Coerce::Int,
    ),
    (
        "/storage/tape-volume-pools",
        "poolNumber",
        "id",
        Coerce::Int,
    ),
    ("/storage/tape-media", "mediaId", "id", Coerce::Plain),
    (
        "/storage/tape-media",
        "robotType",
        "attributes/robot/robotType",
        Coerce::Plain,
    ),
    (
        "/storage/tape-media",
        "robotNumber",
        "attributes/robot/robotNumber",
        Coerce::Plain,
    ),
    (
        "/storage/tape-media",
        "robotHost",
        "attributes/robot/robotHost",
        Coerce::Plain,
    ),
    ("/storage/drives", "id", "id", Coerce::Plain),
    (
        "/storage/disk-pools",
        "diskMediaId",
        "attributes/diskVolumes/diskMediaId",
        Coerce::Plain,
    ),
    // The scan host's name is the id of the scanHost relationship; the tool's name is not held
    // (the record relates the tool by id only), so `malwareTool/malwareToolName` stays absent.
    (
        "/malware/latest-scan-results",
        "scanHost/hostName",
        "relationships/scanHost/data/id",
        Coerce::Plain,
    ),
    (
        "/malware/latest-scan-results",
        "scanHost.hostName",
        "relationships/scanHost/data/id",
        Coerce::Plain,
    ),
    (
        "/malware/latest-scan-results",
        "parentScanResult/id",
        "relationships/parentScanResult/data/id",
        Coerce::Int,
    ),
    (
        "/config/media-servers",
        "storageCategory",
        "attributes/supportedStoragesInfo/storageCategory",
        Coerce::Plain,
    ),
    (
        "/config/media-servers",
        "storageProviderId",
        "attributes/supportedStoragesInfo/storageProviderId",
        Coerce::Plain,
    ),
    ("/servicecatalog/slos", "id", "id", Coerce::Plain),
    ("/licensing/capacity", "masterServer", "id", Coerce::Plain),
    (
        "/config/hosts",
        "lastUpdateTimeUTC",
        "lastUpdatedDateTime",
        Coerce::Millis,
    ),
];

/// The spec file area an endpoint path is documented in.
fn area(path: &str) -> Option<&'static str> {
    Some(match path.split('/').nth(1)? {
        "storage" => "storage",
        "manage" => "manage",
        "malware" => "malware",
        "servicecatalog" => "servicecatalog",
        "licensing" => "licensing",
        "config" if path == "/config/hosts" => "config_hosts",
        "config" => "config",
        _ => return None,
    })
}

/// The sort keys and filter fields one endpoint accepts for a release.
pub(crate) struct Lists {
    path: &'static str,
    in_attributes: bool,
    sortable: Vec<&'static str>,
    filterable: Vec<FieldSpec<Loc>>,
}

impl Lists {
    /// The lists of `path` (`/storage/drives`) as the release's spec gives them. `in_attributes`
    /// says whether the records are resources (`attributes`) or plain objects (`/config/hosts`).
    pub(crate) fn of(release: Release, path: &'static str, in_attributes: bool) -> Self {
        let key = format!("GET {path}");
        let (sortable, listed) = match area(path) {
            Some(area) => (
                spec::sortable(release, area, &key),
                spec::filterable(release, area, &key),
            ),
            None => (Vec::new(), Vec::new()),
        };
        let mut lists = Self {
            path,
            in_attributes,
            sortable,
            filterable: Vec::new(),
        };
        lists.filterable = listed
            .into_iter()
            // A table row without operators describes a sub-table ("diskVolumes: supported
            // diskVolumes filter mentioned below"), not a field one can filter on.
            .filter(|listed| !listed.ops.is_empty())
            .map(|listed| {
                let kind = match listed.kind {
                    "integer" | "long" | "big integer" => Kind::Int,
                    "float" | "double" | "number" => Kind::Float,
                    "date-time" => Kind::Time,
                    "boolean" => Kind::Bool,
                    "string" => Kind::Str,
                    _ => Kind::Any,
                };
                let mut loc = lists.loc(listed.name);
                if loc.coerce == Coerce::Plain {
                    loc.coerce = match kind {
                        Kind::Int => Coerce::Int,
                        Kind::Time => Coerce::Millis,
                        _ => Coerce::Plain,
                    };
                }
                let ops = interned(&listed.ops);
                FieldSpec {
                    name: listed.name,
                    field: loc,
                    kind,
                    ops,
                }
            })
            .collect();
        lists
    }

    fn loc(&self, name: &'static str) -> Loc {
        match ALIASES
            .iter()
            .find(|(path, listed, _, _)| *path == self.path && *listed == name)
        {
            Some((_, _, to, coerce)) => Loc {
                in_attributes: false,
                path: to,
                coerce: *coerce,
            },
            None => Loc {
                in_attributes: self.in_attributes,
                path: name,
                coerce: Coerce::Plain,
            },
        }
    }

    /// Whether the records are resources with `attributes`.
    pub(crate) fn in_attributes(&self) -> bool {
        self.in_attributes
    }

    /// Whether the spec lists filter fields for the endpoint (else any attribute is accepted).
    pub(crate) fn has_filters(&self) -> bool {
        !self.filterable.is_empty()
    }

    /// Parses a filter against the listed fields.
    pub(crate) fn filter(&self, text: &str) -> Result<Expr<Loc>, ApiError> {
        filter::parse(text)
            .and_then(|expr| expr.resolve(&self.filterable))
            .map_err(|err| ApiError::bad_request(err.0))
    }

    /// Where a sort key's values are read. `Ok(None)` when the spec lists no sort keys for the
    /// endpoint: the caller keeps sorting on any attribute, as before the lists were read.
    pub(crate) fn sort_key(&self, name: &str) -> Result<Option<Loc>, ApiError> {
        if self.sortable.is_empty() {
            return Ok(None);
        }
        match self.sortable.iter().find(|listed| **listed == name) {
            Some(listed) => Ok(Some(self.loc(listed))),
            None => Err(ApiError::bad_request(format!(
                "invalid sort {name:?}: {} sorts on one of {} (prefix '-' for descending)",
                self.path,
                self.sortable.join(", ")
            ))),
        }
    }
}

/// The operator set equal to `listed`, kept for the process: the specs use a dozen distinct sets,
/// so interning bounds what is leaked while tables are rebuilt per request.
fn interned(listed: &[Op]) -> &'static [Op] {
    static SETS: OnceLock<Mutex<Vec<&'static [Op]>>> = OnceLock::new();
    let mut sets = SETS
        .get_or_init(|| Mutex::new(Vec::new()))
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = sets.iter().find(|set| **set == listed) {
        return found;
    }
    let set: &'static [Op] = Box::leak(listed.to_vec().into_boxed_slice());
    sets.push(set);
    set
}

/// Every value at `loc` in `item`, looking into each element of the arrays on the way.
fn values_at<'v>(item: &'v Value, loc: &Loc, out: &mut Vec<&'v Value>) {
    fn walk<'v>(value: &'v Value, keys: &[&str], out: &mut Vec<&'v Value>) {
        if let Value::Array(items) = value {
            for item in items {
                walk(item, keys, out);
            }
            return;
        }
        match keys.split_first() {
            None => out.push(value),
            Some((key, rest)) => {
                if let Some(next) = value.get(key) {
                    walk(next, rest, out);
                }
            }
        }
    }
    let root = if loc.in_attributes {
        match item.get("attributes") {
            Some(attributes) => attributes,
            None => return,
        }
    } else {
        item
    };
    let keys: Vec<&str> = loc.path.split(['/', '.']).collect();
    walk(root, &keys, out);
}

fn field_value<'v>(value: &'v Value, coerce: Coerce) -> Option<FieldValue<'v>> {
    match (value, coerce) {
        (Value::String(text), Coerce::Int) => {
            Some(text.parse().map_or(FieldValue::Str(text), FieldValue::Int))
        }
        (Value::Number(n), Coerce::Millis) => n.as_i64().map(FieldValue::Time),
        (Value::String(text), _) => Some(FieldValue::Str(text)),
        (Value::Bool(b), _) => Some(FieldValue::Bool(*b)),
        (Value::Number(n), _) => n
            .as_i64()
            .map(FieldValue::Int)
            .or_else(|| n.as_f64().map(FieldValue::Float)),
        _ => None,
    }
}

fn first<'v>(item: &'v Value, loc: &Loc) -> Option<FieldValue<'v>> {
    let mut found = Vec::new();
    values_at(item, loc, &mut found);
    found
        .into_iter()
        .find_map(|value| field_value(value, loc.coerce))
}

/// A served record seen through the listed fields.
pub(crate) struct Record<'a>(pub(crate) &'a Value);

impl Fields<Loc> for Record<'_> {
    fn field(&self, loc: &Loc) -> Option<FieldValue<'_>> {
        first(self.0, loc)
    }

    /// A field inside an array (`diskVolumes/diskMediaId`) matches when any element does.
    fn with_field(&self, loc: &Loc, test: &mut dyn FnMut(Option<FieldValue<'_>>) -> bool) -> bool {
        let mut found = Vec::new();
        values_at(self.0, loc, &mut found);
        let values: Vec<FieldValue<'_>> = found
            .into_iter()
            .filter_map(|value| field_value(value, loc.coerce))
            .collect();
        if values.is_empty() {
            return test(None);
        }
        values.into_iter().any(|value| test(Some(value)))
    }
}

/// Orders two records by the first value at `loc` (absent values last).
pub(crate) fn compare(a: &Value, b: &Value, loc: &Loc) -> Ordering {
    match (first(a, loc), first(b, loc)) {
        (Some(a), Some(b)) => order(a, b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn order(a: FieldValue<'_>, b: FieldValue<'_>) -> Ordering {
    use FieldValue::{Bool, Float, Int, Str, Time};
    let number = |v: FieldValue<'_>| match v {
        Int(v) | Time(v) => Some(v as f64),
        Float(v) => Some(v),
        Bool(v) => Some(f64::from(u8::from(v))),
        Str(_) => None,
    };
    match (a, b) {
        (Str(a), Str(b)) => a.cmp(b),
        (a, b) => match (number(a), number(b)) {
            (Some(a), Some(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
            // Numbers before strings: a mixed column still sorts the same way both directions.
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
    }
}
