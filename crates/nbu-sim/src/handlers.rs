//! The read handlers behind the routes: query parameters, filters and sorts over the small
//! collections, offset and cursor envelopes, and one method per endpoint.

use std::cmp::Ordering;

use http::StatusCode;
use serde_json::{Value, json};

use crate::estate::Estate;
use crate::filter::{self, Expr, FieldValue, Fields};
use crate::jobs::{Cursor, JobQuery, JobRef, Sort, job_filter_fields};
use crate::lists::{self, Lists, Record};
use crate::release::{ApiVersion, Release};
use crate::render::catalog::{self, ImageField, ImageRef};
use crate::render::jobs::{JobContext, write_job};
use crate::render::{self, resources};
use crate::routes::{ApiError, Endpoint, Reply};

/// Decoded query parameters.
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub(crate) fn parse(query: Option<&str>) -> Self {
        Self(
            url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .into_owned()
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn integer(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.get(name)
            .map(|text| {
                text.trim().parse::<i64>().map_err(|_| {
                    ApiError::bad_request(format!(
                        "Invalid value {text:?} for {name}: expected an integer."
                    ))
                })
            })
            .transpose()
    }

    fn limit(&self, default: usize, min: usize, max: Option<usize>) -> Result<usize, ApiError> {
        let Some(limit) = self.integer("page[limit]")? else {
            return Ok(default);
        };
        let too_big = max.is_some_and(|max| limit > max as i64);
        if limit < min as i64 || too_big {
            let range = match max {
                Some(max) => format!("between {min} and {max}"),
                None => format!("at least {min}"),
            };
            return Err(ApiError::bad_request(format!(
                "Invalid value {limit} for page[limit]: it must be {range}."
            )));
        }
        Ok(usize::try_from(limit).unwrap_or(default))
    }

    fn offset(&self) -> Result<usize, ApiError> {
        match self.integer("page[offset]")? {
            None => Ok(0),
            Some(offset) if offset >= 0 => Ok(usize::try_from(offset).unwrap_or(usize::MAX)),
            Some(offset) => Err(ApiError::bad_request(format!(
                "Invalid value {offset} for page[offset]: it must not be negative."
            ))),
        }
    }

    fn reject(&self, names: &[&str], why: &str) -> Result<(), ApiError> {
        match names.iter().find(|name| self.get(name).is_some()) {
            Some(name) => Err(ApiError::bad_request(format!(
                "The query parameter {name} is not supported here: {why}."
            ))),
            None => Ok(()),
        }
    }

    /// `base_url + path` with these parameters, `drop`ped ones removed and `set` ones replaced.
    fn href(&self, base_url: &str, path: &str, drop: &[&str], set: &[(&str, String)]) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in &self.0 {
            if !drop.contains(&key.as_str()) && !set.iter().any(|(name, _)| name == key) {
                query.append_pair(key, value);
            }
        }
        for (key, value) in set {
            query.append_pair(key, value);
        }
        let query = query.finish();
        if query.is_empty() {
            format!("{base_url}{path}")
        } else {
            format!("{base_url}{path}?{query}")
        }
    }
}

/// Parses a filter parameter against a field table.
fn typed_filter<F: Copy>(
    text: Option<&str>,
    fields: &[filter::FieldSpec<F>],
) -> Result<Option<Expr<F>>, ApiError> {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| {
            filter::parse(t)
                .and_then(|expr| expr.resolve(fields))
                .map_err(|err| ApiError::bad_request(err.0))
        })
        .transpose()
}

/// Parses a filter for the small collections, which accept any attribute (compared by the type of
/// the literal).
fn loose_filter(text: Option<&str>) -> Result<Option<Expr<String>>, ApiError> {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| filter::parse(t).map_err(|err| ApiError::bad_request(err.0)))
        .transpose()
}

/// A JSON resource seen through its attributes (or, for `/config/hosts`, its top level).
struct ValueFields<'a> {
    item: &'a Value,
    in_attributes: bool,
}

fn lookup<'a>(item: &'a Value, path: &str, in_attributes: bool) -> Option<&'a Value> {
    if path == "id" {
        return item.get("id");
    }
    let root = if in_attributes {
        item.get("attributes")?
    } else {
        item
    };
    path.split('/').try_fold(root, |value, key| value.get(key))
}

impl Fields<String> for ValueFields<'_> {
    fn field(&self, field: &String) -> Option<FieldValue<'_>> {
        match lookup(self.item, field, self.in_attributes)? {
            Value::String(text) => Some(FieldValue::Str(text)),
            Value::Bool(b) => Some(FieldValue::Bool(*b)),
            Value::Number(n) => n
                .as_i64()
                .map(FieldValue::Int)
                .or_else(|| n.as_f64().map(FieldValue::Float)),
            _ => None,
        }
    }
}

fn compare_values(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Number(a)), Some(Value::Number(b))) => a
            .as_f64()
            .unwrap_or_default()
            .partial_cmp(&b.as_f64().unwrap_or_default())
            .unwrap_or(Ordering::Equal),
        (Some(Value::String(a)), Some(Value::String(b))) => a.cmp(b),
        (Some(Value::Bool(a)), Some(Value::Bool(b))) => a.cmp(b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

/// Whether `item` passes the filter: against the spec's list when the endpoint has one, else on
/// any attribute (compared by the type of the literal).
fn filtered(lists: &Lists, text: Option<&str>) -> Result<impl Fn(&Value) -> bool, ApiError> {
    let text = text.filter(|t| !t.trim().is_empty());
    let (typed, loose) = match text {
        Some(text) if lists.has_filters() => (Some(lists.filter(text)?), None),
        _ => (None, loose_filter(text)?),
    };
    let in_attributes = lists.in_attributes();
    Ok(move |item: &Value| {
        typed.as_ref().is_none_or(|f| f.matches(&Record(item)))
            && loose.as_ref().is_none_or(|f| {
                f.matches(&ValueFields {
                    item,
                    in_attributes,
                })
            })
    })
}

/// Applies filter and sort to a small collection.
fn select<'v>(
    items: &'v [Value],
    params: &Params,
    default_sort: Option<&str>,
    lists: &Lists,
) -> Result<Vec<&'v Value>, ApiError> {
    let keep = filtered(lists, params.get("filter"))?;
    let mut selected: Vec<&Value> = items.iter().filter(|item| keep(item)).collect();
    let in_attributes = lists.in_attributes();
    let requested = params.get("sort");
    if let Some(sort) = requested.or(default_sort) {
        for key in sort
            .split(',')
            .rev()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            let (descending, name) = key
                .strip_prefix('-')
                .map_or((false, key), |name| (true, name));
            // The endpoint's own default order is not held to the list the clients are.
            let listed = if requested.is_some() {
                lists.sort_key(name)?
            } else {
                None
            };
            selected.sort_by(|a, b| {
                let ordering = match &listed {
                    Some(loc) => lists::compare(a, b, loc),
                    None => compare_values(
                        lookup(a, name, in_attributes),
                        lookup(b, name, in_attributes),
                    ),
                };
                if descending {
                    ordering.reverse()
                } else {
                    ordering
                }
            });
        }
    }
    Ok(selected)
}

/// The envelope an offset-paginated endpoint uses.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Envelope {
    /// `data`, `links`, `meta.pagination` with page counts (storage, alerts, malware, media servers).
    Full,
    /// `data` and `meta.pagination` without page counts (drives, licensing).
    DataMeta,
    /// `data` only (SLOs).
    DataOnly,
}

struct OffsetSpec {
    default_limit: usize,
    min_limit: usize,
    max_limit: Option<usize>,
    default_sort: Option<&'static str>,
    envelope: Envelope,
}

/// An offset-paginated envelope around already selected items.
fn offset_page(
    selected: Vec<Value>,
    total: usize,
    offset: usize,
    limit: usize,
    envelope: Envelope,
    href: impl Fn(usize) -> String,
) -> Value {
    let mut body = json!({"data": selected});
    if envelope == Envelope::DataOnly {
        return body;
    }
    let mut pagination = render::offset_pagination(total, offset, limit);
    if envelope == Envelope::DataMeta {
        if let Some(map) = pagination.as_object_mut() {
            map.remove("page");
            map.remove("pages");
        }
    } else {
        body["links"] = render::offset_links(total, offset, limit, href);
    }
    body["meta"] = json!({"pagination": pagination});
    body
}

/// An opaque cursor over positions in a small list (or job ids, for SLP images).
fn encode_index_cursor(tag: u8, position: u32) -> String {
    let check = position
        .to_be_bytes()
        .iter()
        .fold(tag ^ 0xA5, |acc, b| acc.rotate_left(1) ^ b);
    format!("{tag:02x}{position:08x}{check:02x}")
}

fn decode_index_cursor(tag: u8, text: &str) -> Result<u32, ApiError> {
    let invalid = || {
        ApiError::bad_request(format!(
            "Invalid cursor {text:?}: pass back a next/prev value from meta.pagination unchanged."
        ))
    };
    if text.len() != 12 || !text.is_ascii() {
        return Err(invalid());
    }
    let byte = |at: usize| {
        text.get(at..at + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
    };
    let position = text
        .get(2..10)
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .ok_or_else(invalid)?;
    if byte(0) != Some(tag) || encode_index_cursor(tag, position) != text.to_ascii_lowercase() {
        return Err(invalid());
    }
    Ok(position)
}

/// Everything a read handler needs.
pub(crate) struct Ctx<'a> {
    pub(crate) estate: &'a Estate,
    pub(crate) params: &'a Params,
    pub(crate) version: ApiVersion,
    /// The release played: its specs decide the sortable and filterable fields.
    pub(crate) release: Release,
    pub(crate) now: u32,
    pub(crate) base_url: &'a str,
}

impl Ctx<'_> {
    pub(crate) fn dispatch(
        &self,
        endpoint: Endpoint,
        param: Option<&str>,
        body: &[u8],
    ) -> Result<Reply, ApiError> {
        let resources = &self.estate.resources;
        let standard = |max| OffsetSpec {
            default_limit: 10,
            min_limit: 1,
            max_limit: max,
            default_sort: None,
            envelope: Envelope::Full,
        };
        match endpoint {
            Endpoint::Jobs => self.jobs(),
            Endpoint::Job => self.job(param.unwrap_or_default()),
            Endpoint::JobsCount => self.jobs_count(body),
            Endpoint::StorageUnits => self.offset(
                "/storage/storage-units",
                &resources.storage_units,
                standard(Some(500)),
            ),
            Endpoint::DiskPools => self.offset(
                "/storage/disk-pools",
                &resources.disk_pools,
                standard(Some(500)),
            ),
            Endpoint::Drives => self.offset(
                "/storage/drives",
                &resources.drives,
                OffsetSpec {
                    default_limit: 10,
                    min_limit: 0,
                    max_limit: Some(100),
                    default_sort: None,
                    envelope: Envelope::DataMeta,
                },
            ),
            Endpoint::Alerts => self.offset(
                "/manage/alerts",
                &resources.alerts,
                OffsetSpec {
                    min_limit: 0,
                    ..standard(None)
                },
            ),
            Endpoint::MalwareScans => {
                let items: Vec<Value> = resources
                    .malware
                    .iter()
                    .map(|item| resources::malware_for_version(item.clone(), self.version))
                    .collect();
                let spec = OffsetSpec {
                    min_limit: 0,
                    default_sort: Some("-dateOfScan"),
                    ..standard(Some(100))
                };
                self.offset("/malware/latest-scan-results", &items, spec)
            }
            Endpoint::Slos => self.offset(
                "/servicecatalog/slos",
                &resources.slos,
                OffsetSpec {
                    default_limit: 10,
                    min_limit: 0,
                    max_limit: None,
                    default_sort: Some("-name"),
                    envelope: Envelope::DataOnly,
                },
            ),
            Endpoint::MediaServers => self.offset(
                "/config/media-servers",
                &resources::media_servers(&self.estate.tables),
                standard(Some(500)),
            ),
            Endpoint::LicensingCapacity => {
                let item = json!({
                    "type": "capacityLicensing",
                    "id": self.estate.tables.primary,
                    "attributes": {"masterConsumptionMB": resources.capacity_mb},
                });
                let spec = OffsetSpec {
                    default_limit: 10,
                    min_limit: 0,
                    max_limit: None,
                    default_sort: None,
                    envelope: Envelope::DataMeta,
                };
                self.offset("/licensing/capacity", &[item], spec)
            }
            Endpoint::TapeMedia => {
                self.cursor_list("/storage/tape-media", &resources.tape_media, 0x71)
            }
            Endpoint::TapeVolumePools => {
                self.cursor_list("/storage/tape-volume-pools", &resources.volume_pools, 0x72)
            }
            Endpoint::RobotsDeviceHosts => Ok(Reply::json(
                self.version,
                &json!({"data": resources.device_hosts}),
            )),
            Endpoint::Hosts => {
                let hosts = resources::hosts(&self.estate.tables, self.now);
                let lists = Lists::of(self.release, "/config/hosts", false);
                let selected = select(&hosts, self.params, None, &lists)?;
                Ok(Reply::json(self.version, &json!({"hosts": selected})))
            }
            Endpoint::ServerInfo => Ok(Reply::json(
                self.version,
                &resources::server_info(&self.estate.tables),
            )),
            Endpoint::CatalogImages => self.catalog_images(),
            Endpoint::SlpImages => self.slp_images(),
            Endpoint::Ping | Endpoint::Login => Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "routing error",
            )),
        }
    }

    fn offset(
        &self,
        path: &'static str,
        items: &[Value],
        spec: OffsetSpec,
    ) -> Result<Reply, ApiError> {
        self.params.reject(
            &["page[after]", "page[before]"],
            "this collection is paginated with page[offset] and page[limit]",
        )?;
        let limit = self
            .params
            .limit(spec.default_limit, spec.min_limit, spec.max_limit)?;
        let offset = self.params.offset()?;
        let lists = Lists::of(self.release, path, true);
        let selected = select(items, self.params, spec.default_sort, &lists)?;
        let total = selected.len();
        let page: Vec<Value> = selected
            .into_iter()
            .skip(offset)
            .take(limit)
            .cloned()
            .collect();
        let href = |offset: usize| {
            self.params.href(
                self.base_url,
                path,
                &[],
                &[
                    ("page[offset]", offset.to_string()),
                    ("page[limit]", limit.to_string()),
                ],
            )
        };
        Ok(Reply::json(
            self.version,
            &offset_page(page, total, offset, limit, spec.envelope, href),
        ))
    }

    /// Cursor pagination over a small list (tape media, tape volume pools): `links.pagination`.
    fn cursor_list(&self, path: &'static str, items: &[Value], tag: u8) -> Result<Reply, ApiError> {
        self.params.reject(
            &["page[offset]"],
            "this collection is paginated with page[after], page[before] and page[limit]",
        )?;
        let limit = self.params.limit(10, 0, Some(100))?;
        let lists = Lists::of(self.release, path, true);
        // Cursors are ranks in the filtered, sorted order: the links repeat filter and sort, so a
        // rank means the same record from page to page.
        let selected = select(items, self.params, None, &lists)?;
        let positions: Vec<u32> = (0..selected.len())
            .map(|rank| u32::try_from(rank).unwrap_or(u32::MAX))
            .collect();
        let after = self
            .params
            .get("page[after]")
            .map(|c| decode_index_cursor(tag, c))
            .transpose()?;
        let before = self
            .params
            .get("page[before]")
            .map(|c| decode_index_cursor(tag, c))
            .transpose()?;
        let page = cursor_window(&positions, after, before, limit);
        let data: Vec<&Value> = page
            .items
            .iter()
            .filter_map(|p| selected.get(*p as usize).copied())
            .collect();
        let mut meta = json!({"limit": limit, "rangeTruncated": page.range_truncated});
        let link = |set: &[(&str, String)]| json!({"href": self.params.href(self.base_url, path, &["page[after]", "page[before]"], set)});
        let mut links = json!({"self": {"href": self.params.href(self.base_url, path, &[], &[])}, "first": link(&[])});
        if let Some(next) = page.next {
            let cursor = encode_index_cursor(tag, next);
            links["next"] = link(&[("page[after]", cursor.clone())]);
            meta["next"] = json!(cursor);
        }
        if let Some(prev) = page.prev {
            let cursor = encode_index_cursor(tag, prev);
            links["prev"] = link(&[("page[before]", cursor.clone())]);
            meta["prev"] = json!(cursor);
        }
        Ok(Reply::json(
            self.version,
            &json!({"data": data, "meta": {"pagination": meta}, "links": {"pagination": links}}),
        ))
    }

    fn jobs(&self) -> Result<Reply, ApiError> {
        self.params.reject(
            &["page[offset]"],
            "/admin/jobs uses cursor pagination (page[after], page[before], page[limit])",
        )?;
        let limit = self.params.limit(10, 0, Some(100))?;
        let sort = self
            .params
            .get("sort")
            .map(|text| Sort::parse(text, self.release))
            .transpose()
            .map_err(ApiError::bad_request)?
            .unwrap_or(Sort::DEFAULT);
        let filter = typed_filter(self.params.get("filter"), job_filter_fields(self.release))?;
        let cursor = |name: &str| {
            self.params
                .get(name)
                .map(|text| Cursor::decode(text, sort.key).map_err(ApiError::bad_request))
                .transpose()
        };
        let query = JobQuery {
            filter: filter.as_ref(),
            sort,
            after: cursor("page[after]")?,
            before: cursor("page[before]")?,
            limit,
            now: self.now,
        };
        let page = self.estate.jobs.query(&self.estate.tables, &query);
        let ctx = JobContext {
            base_url: self.base_url,
            now: self.now,
            primary: &self.estate.tables.primary,
        };
        let mut out = String::with_capacity(512 + page.ids.len() * 1_800);
        out.push_str("{\"data\":[");
        for (i, (id, cursor)) in page.ids.iter().zip(&page.cursors).enumerate() {
            if i > 0 {
                out.push(',');
            }
            if let Some(job) = self.estate.jobs.get(u64::from(*id)) {
                write_job(
                    &mut out,
                    JobRef {
                        job,
                        tables: &self.estate.tables,
                    },
                    Some(&cursor.encode()),
                    &ctx,
                );
            }
        }
        out.push_str("],");
        let mut pagination = json!({"limit": limit, "rangeTruncated": page.range_truncated});
        let paging = ["page[after]", "page[before]"];
        let mut links = json!({
            "self": {"href": self.params.href(self.base_url, "/admin/jobs", &[], &[])},
            "first": {"href": self.params.href(self.base_url, "/admin/jobs", &paging, &[])},
        });
        if let Some(next) = page.next {
            pagination["next"] = json!(next.encode());
            links["next"] = json!({"href": self.params.href(self.base_url, "/admin/jobs", &paging, &[("page[after]", next.encode())])});
        }
        if let Some(prev) = page.prev {
            pagination["prev"] = json!(prev.encode());
            links["prev"] = json!({"href": self.params.href(self.base_url, "/admin/jobs", &paging, &[("page[before]", prev.encode())])});
        }
        out.push_str("\"meta\":");
        out.push_str(&json!({"pagination": pagination}).to_string());
        out.push_str(",\"links\":");
        out.push_str(&links.to_string());
        out.push('}');
        Ok(Reply::json_text(self.version, out))
    }

    fn job(&self, id: &str) -> Result<Reply, ApiError> {
        let id: u64 = id.parse().map_err(|_| {
            ApiError::bad_request(format!("Invalid jobId {id:?}: expected an integer."))
        })?;
        let job = self.estate.jobs.get(id).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!("The job with jobId {id} was not found."),
            )
        })?;
        let ctx = JobContext {
            base_url: self.base_url,
            now: self.now,
            primary: &self.estate.tables.primary,
        };
        let mut out = String::from("{\"data\":");
        write_job(
            &mut out,
            JobRef {
                job,
                tables: &self.estate.tables,
            },
            None,
            &ctx,
        );
        out.push('}');
        Ok(Reply::json_text(self.version, out))
    }

    fn jobs_count(&self, body: &[u8]) -> Result<Reply, ApiError> {
        let request: Value = serde_json::from_slice(body).map_err(|err| {
            ApiError::bad_request(format!(
                "The jobs count request body is not valid JSON: {err}"
            ))
        })?;
        let data = request
            .get("data")
            .ok_or_else(|| ApiError::bad_request("The jobs count request needs a data object."))?;
        if data.get("type").and_then(Value::as_str) != Some("jobCount") {
            return Err(ApiError::bad_request("data.type must be \"jobCount\"."));
        }
        let filter_text = data
            .pointer("/attributes/filter")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let filter = typed_filter(Some(filter_text), job_filter_fields(self.release))?;
        let count = self
            .estate
            .jobs
            .count(&self.estate.tables, filter.as_ref(), self.now);
        let body = json!({"data": {"type": "jobCount", "id": "0", "attributes": {"count": count, "filter": filter_text}}});
        Ok(Reply::json(self.version, &body))
    }

    /// The backup-time window of a catalog query: the filter's bounds, defaulting to the last 24 hours.
    fn image_window(
        &self,
        filter: Option<&Expr<ImageField>>,
        default_last_24h: bool,
    ) -> (u32, u32) {
        let bounds = filter.map_or(filter::Bounds::NONE, |f| f.bounds(&ImageField::BackupTime));
        let secs =
            |ms: i64| u32::try_from(ms.div_euclid(1000).clamp(0, i64::from(u32::MAX))).unwrap_or(0);
        let lo = bounds.lo.map_or(
            if default_last_24h {
                self.now.saturating_sub(86_400)
            } else {
                0
            },
            |ms| secs(ms + 999),
        );
        let hi = bounds
            .hi
            .map_or(if default_last_24h { self.now } else { u32::MAX }, secs);
        (lo, hi)
    }

    fn catalog_images(&self) -> Result<Reply, ApiError> {
        self.params.reject(
            &["page[after]", "page[before]"],
            "/catalog/images is paginated with page[offset] and page[limit]",
        )?;
        let limit = self.params.limit(10, 1, Some(100))?;
        let offset = self.params.offset()?;
        let fields = catalog::image_fields(self.release, self.version);
        let filter = typed_filter(self.params.get("filter"), &fields)?;
        let (lo, hi) = self.image_window(filter.as_ref(), true);
        let tables = &self.estate.tables;
        let jobs = self.estate.jobs.jobs();
        let mut total = 0;
        let mut page = Vec::new();
        for idx in self.estate.jobs.start_range(lo, hi).rev() {
            let Some(job) = jobs.get(idx) else { continue };
            if !catalog::is_image(job) {
                continue;
            }
            let image = ImageRef {
                job: JobRef { job, tables },
                now: self.now,
            };
            if filter
                .as_ref()
                .is_some_and(|f| !catalog::image_matches(f, &image))
            {
                continue;
            }
            if total >= offset && page.len() < limit {
                page.push(catalog::image_value(&image, self.base_url, self.version));
            }
            total += 1;
        }
        let mut pagination = render::offset_pagination(total, offset, limit);
        if let Some(map) = pagination.as_object_mut() {
            map.remove("page");
            map.remove("pages");
        }
        Ok(Reply::json(
            self.version,
            &json!({"data": page, "meta": {"pagination": pagination}}),
        ))
    }

    fn slp_images(&self) -> Result<Reply, ApiError> {
        const TAG: u8 = 0x73;
        self.params.reject(
            &["page[offset]"],
            "/catalog/slp-images uses cursor pagination (page[after], page[before], page[limit])",
        )?;
        let limit = self.params.limit(100, 0, Some(1_000))?;
        let filter = typed_filter(
            self.params.get("filter"),
            &catalog::slp_image_fields(self.release),
        )?;
        let (lo, hi) = self.image_window(filter.as_ref(), false);
        let after = self
            .params
            .get("page[after]")
            .map(|c| decode_index_cursor(TAG, c))
            .transpose()?;
        let before = self
            .params
            .get("page[before]")
            .map(|c| decode_index_cursor(TAG, c))
            .transpose()?;
        let tables = &self.estate.tables;
        let store = &self.estate.jobs;
        // Newest first: walk job ids downwards. Positions are job ids, so cursors survive live changes.
        let matches = |job: &crate::jobs::Job| {
            catalog::is_slp_image(job, tables)
                && filter.as_ref().is_none_or(|f| {
                    catalog::image_matches(
                        f,
                        &ImageRef {
                            job: JobRef { job, tables },
                            now: self.now,
                        },
                    )
                })
        };
        let range = store.start_range(lo, hi);
        let jobs = store.jobs();
        let newest_first = || {
            range
                .clone()
                .rev()
                .filter_map(|idx| jobs.get(idx))
                .filter(|job| matches(job))
                .map(|job| job.id)
        };
        let mut ids: Vec<u32>;
        let mut range_truncated = false;
        let (more_after, more_before);
        if let (Some(before), None) = (before, after) {
            ids = newest_first().filter(|id| *id > before).collect::<Vec<_>>();
            let start = ids.len().saturating_sub(limit);
            more_before = start > 0;
            ids.drain(..start);
            more_after = ids
                .last()
                .is_some_and(|last| newest_first().any(|id| id < *last));
        } else {
            ids = newest_first()
                .filter(|id| after.is_none_or(|a| *id < a))
                .take_while(|id| before.is_none_or(|b| *id > b))
                .take(limit + 1)
                .collect();
            let overflow = ids.len() > limit;
            ids.truncate(limit);
            range_truncated = overflow && before.is_some();
            more_after = overflow;
            more_before = after.is_some()
                && ids
                    .first()
                    .is_some_and(|first| newest_first().any(|id| id > *first));
        }
        let data: Vec<Value> = ids
            .iter()
            .filter_map(|id| store.get(u64::from(*id)))
            .map(|job| {
                catalog::slp_image_value(&ImageRef {
                    job: JobRef { job, tables },
                    now: self.now,
                })
            })
            .collect();
        let mut pagination = json!({"limit": limit, "rangeTruncated": range_truncated});
        let paging = ["page[after]", "page[before]"];
        let path = "/catalog/slp-images";
        let mut links = json!({
            "self": {"href": self.params.href(self.base_url, path, &[], &[])},
            "first": {"href": self.params.href(self.base_url, path, &paging, &[])},
        });
        if let (true, Some(last)) = (more_after, ids.last()) {
            let cursor = encode_index_cursor(TAG, *last);
            links["next"] = json!({"href": self.params.href(self.base_url, path, &paging, &[("page[after]", cursor.clone())])});
            pagination["next"] = json!(cursor);
        }
        if let (true, Some(first)) = (more_before, ids.first()) {
            let cursor = encode_index_cursor(TAG, *first);
            links["prev"] = json!({"href": self.params.href(self.base_url, path, &paging, &[("page[before]", cursor.clone())])});
            pagination["prev"] = json!(cursor);
        }
        Ok(Reply::json(
            self.version,
            &json!({"data": data, "meta": {"pagination": pagination}, "links": links}),
        ))
    }
}

/// A window of positions for cursor pagination over an ascending list.
struct Window {
    items: Vec<u32>,
    next: Option<u32>,
    prev: Option<u32>,
    range_truncated: bool,
}

fn cursor_window(
    positions: &[u32],
    after: Option<u32>,
    before: Option<u32>,
    limit: usize,
) -> Window {
    let start = after.map_or(0, |a| positions.partition_point(|p| *p <= a));
    let end = before
        .map_or(positions.len(), |b| positions.partition_point(|p| *p < b))
        .max(start);
    let available = positions.get(start..end).unwrap_or_default();
    let (items, truncated_front, truncated_back) = if before.is_some() && after.is_none() {
        let from = available.len().saturating_sub(limit);
        (
            available.get(from..).unwrap_or_default().to_vec(),
            from > 0,
            false,
        )
    } else {
        (
            available.iter().take(limit).copied().collect::<Vec<_>>(),
            false,
            available.len() > limit,
        )
    };
    let next = items
        .last()
        .copied()
        .filter(|last| positions.last().is_some_and(|max| max > last));
    let prev = items.first().copied().filter(|first| {
        positions.first().is_some_and(|min| min < first) && (after.is_some() || truncated_front)
    });
    Window {
        items,
        next,
        prev,
        range_truncated: truncated_back && before.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_cursors_round_trip() {
        let text = encode_index_cursor(0x71, 1234);
        assert_eq!(decode_index_cursor(0x71, &text).ok(), Some(1234));
        assert!(decode_index_cursor(0x72, &text).is_err());
        assert!(decode_index_cursor(0x71, "nonsense").is_err());
    }

    #[test]
    fn cursor_windows_page_both_ways() {
        let positions: Vec<u32> = (0..25).collect();
        let first = cursor_window(&positions, None, None, 10);
        assert_eq!(first.items, (0..10).collect::<Vec<_>>());
        assert_eq!((first.next, first.prev), (Some(9), None));
        let last = cursor_window(&positions, Some(19), None, 10);
        assert_eq!(last.items, (20..25).collect::<Vec<_>>());
        assert_eq!((last.next, last.prev), (None, Some(20)));
        let back = cursor_window(&positions, None, Some(20), 10);
        assert_eq!(back.items, (10..20).collect::<Vec<_>>());
        assert_eq!((back.next, back.prev), (Some(19), Some(10)));
        let range = cursor_window(&positions, Some(2), Some(20), 5);
        assert!(range.range_truncated);
    }
}
