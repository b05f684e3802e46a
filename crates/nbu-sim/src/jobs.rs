//! The job store: one compact [`Job`] record per job, secondary indexes, and the `/admin/jobs` query
//! engine (OData filter, sort, cursor pagination).
//!
//! Records live in a `Vec` indexed by `jobId - first_id`. Job ids are handed out in start order, so
//! that vector is also the `startTime` order and answers the default `-startTime` sort, `jobId` sorts
//! and `startTime` ranges by position or binary search. A `BTreeSet<(lastUpdateTime, jobId)>` gives the
//! `lastUpdateTime` order the incremental collectors use, and per-block (64 jobs) min/max summaries of
//! `lastUpdateTime` and `endTime` let scans in id order skip whole blocks that cannot match. Together a
//! page costs O(page) for the common queries, not O(jobs).

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::ops::Bound;
use std::sync::OnceLock;

use serde_json::Value;

use crate::estate::Tables;
use crate::filter::{Expr, FieldSpec, FieldValue, Fields, Kind, Op, ops};
use crate::release::Release;
use crate::{render, spec, vocab};

/// Marks an absent `u32` reference (no client).
pub(crate) const NONE_U32: u32 = u32::MAX;
/// Marks an absent `u16` reference (no policy, no storage unit).
pub(crate) const NONE_U16: u16 = u16::MAX;

/// One job, compactly: strings are ids into [`Tables`], times are Unix seconds, small enums are
/// indices into the [`vocab`] tables. See the crate docs for the size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Job {
    /// Kilobytes transferred so far.
    pub(crate) kilobytes: u64,
    pub(crate) id: u32,
    /// The parent job id; 0 for top-level jobs (as NetBackup reports them).
    pub(crate) parent: u32,
    /// Index into `Tables::clients`, or [`NONE_U32`].
    pub(crate) client: u32,
    pub(crate) start: u32,
    /// 0 while the job has not ended.
    pub(crate) end: u32,
    pub(crate) last_update: u32,
    pub(crate) files: u32,
    /// Index into `Tables::policies`, or [`NONE_U16`].
    pub(crate) policy: u16,
    /// Index into `Tables::storage_units`, or [`NONE_U16`].
    pub(crate) storage_unit: u16,
    pub(crate) status: u16,
    /// Deduplication rate in tenths of a percent (0 when the target does not deduplicate).
    pub(crate) dedup_permille: u16,
    /// Index into [`vocab::JOB_TYPES`].
    pub(crate) job_type: u8,
    /// Index into [`vocab::SCHEDULES`], or [`vocab::NO_SCHEDULE`].
    pub(crate) schedule: u8,
    /// Index into [`vocab::STATES`].
    pub(crate) state: u8,
    pub(crate) percent: u8,
    /// The try number (`try`).
    pub(crate) attempt: u8,
    /// `jobQueueReason` code, 0 when not queued.
    pub(crate) queue_reason: u8,
    /// Index into `Tables::media_servers`.
    pub(crate) media_server: u8,
    /// Number of child jobs (`childCount`).
    pub(crate) children: u8,
}

impl Job {
    /// Whether the job has ended (DONE or INCOMPLETE); QUEUED and ACTIVE jobs are still in progress.
    pub(crate) fn is_finished(&self) -> bool {
        self.state != vocab::STATE_QUEUED && self.state != vocab::STATE_ACTIVE
    }
}

/// Fields `/admin/jobs` filters and sorts read. The typed ones are read straight from the record;
/// every other field the spec lists is [`JobField::Attr`], read from the served attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobField {
    /// A served attribute by name.
    Attr(&'static str),
    /// A served enum attribute the spec filters by its integer code ([`CODES`]).
    Coded(&'static str),
    JobId,
    ParentJobId,
    ClientName,
    StartTime,
    EndTime,
    LastUpdateTime,
    State,
    Status,
    JobType,
    PolicyName,
    PolicyType,
    ScheduleName,
    DestinationStorageUnitName,
    DestinationMediaServerName,
    KilobytesTransferred,
    NumberOfFiles,
    PercentComplete,
    Try,
    DedupRatio,
}

/// The integer codes of the enum attributes admin.yaml types `integer` in the jobs filter table,
/// as its descriptions of those filter fields give them ("0(LAN), 1(FIBRE_TRANSPORT),
/// -99(UNKNOWN_TYPE)"). The served names follow the Job schema's enums, which spell a few values
/// differently from the filter table (`FAT`, `UNRECOGNIZED_VALUE`): both spellings are listed.
pub(crate) const CODES: &[(&str, &[(&str, i64)])] = &[
    (
        "applicationType",
        &[
            ("NONE", 0),
            ("VMWARE", 1),
            ("HYPERV", 2),
            ("VXVI", 3),
            ("HYPERSCALE", 4),
            ("RHV", 5),
            ("AHV", 6),
        ],
    ),
    (
        "dataMovement",
        &[
            ("STANDARD", 0),
            ("INSTANTRECOVERYDISK", 1),
            ("INSTANTRECOVERYDISKANDTAPE", 2),
            ("SYNTHETIC", 3),
            ("DISKSTAGING", 4),
            ("SNAPSHOT", 5),
            ("UNKNOWN_TYPE", -99),
        ],
    ),
    (
        "offHostType",
        &[
            ("STANDARD", 0),
            ("ATLCLIENT", 1),
            ("TPC", 2),
            ("MEDIASERVER", 3),
            ("NAS", 4),
            ("NDMP", 5),
            ("UNKNOWN_TYPE", -99),
            ("UNRECOGNIZED_VALUE", -99),
        ],
    ),
    (
        "transportType",
        &[
            ("LAN", 0),
            ("FIBRE_TRANSPORT", 1),
            ("FAT", 1),
            ("UNKNOWN_TYPE", -99),
        ],
    ),
];

/// The integer code of a served enum value of `name`.
pub(crate) fn code(name: &str, value: &str) -> Option<i64> {
    CODES
        .iter()
        .find(|(field, _)| *field == name)?
        .1
        .iter()
        .find(|(served, _)| *served == value)
        .map(|(_, code)| *code)
}

/// The typed part of the filter table for jobs, with the operators admin.yaml documents per field.
pub(crate) const JOB_FILTER_FIELDS: &[FieldSpec<JobField>] = &[
    FieldSpec {
        name: "jobId",
        field: JobField::JobId,
        kind: Kind::Int,
        ops: ops::ALL_CMP,
    },
    FieldSpec {
        name: "parentJobId",
        field: JobField::ParentJobId,
        kind: Kind::Int,
        ops: ops::ALL_CMP,
    },
    FieldSpec {
        name: "clientName",
        field: JobField::ClientName,
        kind: Kind::Str,
        ops: ops::EQ_NE_FUNCS,
    },
    FieldSpec {
        name: "startTime",
        field: JobField::StartTime,
        kind: Kind::Time,
        ops: ops::ALL_CMP,
    },
    FieldSpec {
        name: "endTime",
        field: JobField::EndTime,
        kind: Kind::Time,
        ops: ops::ALL_CMP,
    },
    FieldSpec {
        name: "lastUpdateTime",
        field: JobField::LastUpdateTime,
        kind: Kind::Time,
        ops: ops::ALL_CMP,
    },
    FieldSpec {
        name: "state",
        field: JobField::State,
        kind: Kind::Enum(vocab::STATES),
        ops: ops::EQ_NE,
    },
    FieldSpec {
        name: "status",
        field: JobField::Status,
        kind: Kind::Int,
        ops: ops::ALL_CMP,
    },
    FieldSpec {
        name: "jobType",
        field: JobField::JobType,
        kind: Kind::Enum(vocab::ALL_JOB_TYPES),
        ops: ops::EQ_NE,
    },
    FieldSpec {
        name: "policyName",
        field: JobField::PolicyName,
        kind: Kind::Str,
        ops: ops::STR_FUNCS,
    },
    FieldSpec {
        name: "policyType",
        field: JobField::PolicyType,
        kind: Kind::Enum(vocab::ALL_POLICY_TYPES),
        ops: ops::EQ_NE,
    },
    FieldSpec {
        name: "scheduleName",
        field: JobField::ScheduleName,
        kind: Kind::Str,
        ops: ops::EQ_NE_FUNCS,
    },
    FieldSpec {
        name: "destinationStorageUnitName",
        field: JobField::DestinationStorageUnitName,
        kind: Kind::Str,
        ops: ops::EQ,
    },
    FieldSpec {
        name: "destinationMediaServerName",
        field: JobField::DestinationMediaServerName,
        kind: Kind::Str,
        ops: ops::EQ_NE_FUNCS,
    },
    FieldSpec {
        name: "kilobytesTransferred",
        field: JobField::KilobytesTransferred,
        kind: Kind::Int,
        ops: ops::ALL_CMP,
    },
    FieldSpec {
        name: "numberOfFiles",
        field: JobField::NumberOfFiles,
        kind: Kind::Int,
        ops: ops::ALL_CMP,
    },
    FieldSpec {
        name: "percentComplete",
        field: JobField::PercentComplete,
        kind: Kind::Int,
        ops: ops::ALL_CMP,
    },
    FieldSpec {
        name: "try",
        field: JobField::Try,
        kind: Kind::Int,
        ops: ops::ALL_CMP,
    },
    FieldSpec {
        name: "dedupRatio",
        field: JobField::DedupRatio,
        kind: Kind::Float,
        ops: ops::ALL_CMP,
    },
];

/// A job together with the tables its ids point into.
#[derive(Clone, Copy)]
pub(crate) struct JobRef<'a> {
    pub(crate) job: &'a Job,
    pub(crate) tables: &'a Tables,
}

impl<'a> JobRef<'a> {
    pub(crate) fn client_name(&self) -> &'a str {
        self.tables
            .clients
            .get(self.job.client as usize)
            .map_or("", String::as_str)
    }

    pub(crate) fn policy_name(&self) -> &'a str {
        self.tables
            .policies
            .get(usize::from(self.job.policy))
            .map_or("", |p| p.name.as_str())
    }

    pub(crate) fn policy_type(&self) -> &'static str {
        // NetBackup reports policy type 0 (STANDARD) for jobs that run outside a policy.
        self.tables
            .policies
            .get(usize::from(self.job.policy))
            .map_or("STANDARD", |p| p.workload.policy_type)
    }

    pub(crate) fn schedule(&self) -> Option<&'static vocab::Schedule> {
        vocab::SCHEDULES.get(usize::from(self.job.schedule))
    }

    pub(crate) fn storage_unit_name(&self) -> &'a str {
        self.tables
            .storage_units
            .get(usize::from(self.job.storage_unit))
            .map_or("", |s| s.name.as_str())
    }

    pub(crate) fn media_server_name(&self) -> &'a str {
        self.tables
            .media_servers
            .get(usize::from(self.job.media_server))
            .map_or("", String::as_str)
    }

    pub(crate) fn job_type(&self) -> &'static str {
        vocab::JOB_TYPES
            .get(usize::from(self.job.job_type))
            .copied()
            .unwrap_or("GENERIC")
    }

    pub(crate) fn state(&self) -> &'static str {
        vocab::STATES
            .get(usize::from(self.job.state))
            .copied()
            .unwrap_or("DONE")
    }

    pub(crate) fn dedup_ratio(&self) -> f64 {
        f64::from(self.job.dedup_permille) / 10.0
    }
}

impl Fields<JobField> for JobRef<'_> {
    fn field(&self, field: &JobField) -> Option<FieldValue<'_>> {
        let job = self.job;
        let time = |secs: u32| FieldValue::Time(i64::from(secs) * 1000);
        Some(match field {
            JobField::Attr(_) | JobField::Coded(_) => return None,
            JobField::JobId => FieldValue::Int(i64::from(job.id)),
            JobField::ParentJobId => FieldValue::Int(i64::from(job.parent)),
            JobField::ClientName => FieldValue::Str(self.client_name()),
            JobField::StartTime => time(job.start),
            JobField::EndTime if job.end == 0 => return None,
            JobField::EndTime => time(job.end),
            JobField::LastUpdateTime => time(job.last_update),
            JobField::State => FieldValue::Str(self.state()),
            JobField::Status => FieldValue::Int(i64::from(job.status)),
            JobField::JobType => FieldValue::Str(self.job_type()),
            JobField::PolicyName => FieldValue::Str(self.policy_name()),
            JobField::PolicyType => FieldValue::Str(self.policy_type()),
            JobField::ScheduleName => FieldValue::Str(self.schedule().map_or("", |s| s.name)),
            JobField::DestinationStorageUnitName => FieldValue::Str(self.storage_unit_name()),
            JobField::DestinationMediaServerName => FieldValue::Str(self.media_server_name()),
            JobField::KilobytesTransferred => {
                FieldValue::Int(i64::try_from(job.kilobytes).unwrap_or(i64::MAX))
            }
            JobField::NumberOfFiles => FieldValue::Int(i64::from(job.files)),
            JobField::PercentComplete => FieldValue::Int(i64::from(job.percent)),
            JobField::Try => FieldValue::Int(i64::from(job.attempt)),
            JobField::DedupRatio => FieldValue::Float(self.dedup_ratio()),
        })
    }
}

/// The filter table for a release: every field its admin.yaml lists for `/admin/jobs`, with the
/// listed operators (typed fields keep their value checks), plus the typed fields an older spec
/// does not list, which stay accepted.
pub(crate) fn job_filter_fields(release: Release) -> &'static [FieldSpec<JobField>] {
    static TABLES: [OnceLock<Vec<FieldSpec<JobField>>>; 4] = [
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
    ];
    let slot = Release::ALL
        .iter()
        .position(|r| *r == release)
        .and_then(|i| TABLES.get(i));
    let Some(slot) = slot else {
        return JOB_FILTER_FIELDS;
    };
    slot.get_or_init(|| {
        let mut table: Vec<FieldSpec<JobField>> =
            spec::filterable(release, "admin", "GET /admin/jobs")
                .into_iter()
                .map(|listed| {
                    // Built once per release and kept for the process: the leak is bounded.
                    let ops: &'static [Op] = Box::leak(listed.ops.into_boxed_slice());
                    match JOB_FILTER_FIELDS.iter().find(|t| t.name == listed.name) {
                        Some(typed) => FieldSpec {
                            ops: if ops.is_empty() { typed.ops } else { ops },
                            ..*typed
                        },
                        None => FieldSpec {
                            name: listed.name,
                            field: match listed.kind {
                                "integer" if CODES.iter().any(|(n, _)| *n == listed.name) => {
                                    JobField::Coded(listed.name)
                                }
                                _ => JobField::Attr(listed.name),
                            },
                            kind: match listed.kind {
                                "integer" | "big integer" => Kind::Int,
                                "float" => Kind::Float,
                                "date-time" => Kind::Time,
                                _ => Kind::Str,
                            },
                            ops,
                        },
                    }
                })
                .collect();
        for typed in JOB_FILTER_FIELDS {
            if !table.iter().any(|t| t.name == typed.name) {
                table.push(*typed);
            }
        }
        table
    })
}

/// A job at a moment (elapsed times and transfer rates of running jobs depend on the clock).
#[derive(Clone, Copy)]
pub(crate) struct JobAt<'a> {
    pub(crate) job: JobRef<'a>,
    pub(crate) now: u32,
}

impl Fields<JobField> for JobAt<'_> {
    fn field(&self, field: &JobField) -> Option<FieldValue<'_>> {
        self.job.field(field)
    }

    fn with_field(
        &self,
        field: &JobField,
        test: &mut dyn FnMut(Option<FieldValue<'_>>) -> bool,
    ) -> bool {
        let name = match field {
            JobField::Attr(name) => name,
            JobField::Coded(name) => {
                return match render::jobs::attribute(self.job, self.now, name) {
                    Some(Value::String(text)) => test(code(name, &text).map(FieldValue::Int)),
                    _ => test(None),
                };
            }
            _ => return test(self.job.field(field)),
        };
        match render::jobs::attribute(self.job, self.now, name) {
            Some(Value::String(text)) => test(Some(FieldValue::Str(&text))),
            Some(Value::Number(n)) => test(
                n.as_i64()
                    .map(FieldValue::Int)
                    .or_else(|| n.as_f64().map(FieldValue::Float)),
            ),
            Some(Value::Bool(b)) => test(Some(FieldValue::Bool(b))),
            _ => test(None),
        }
    }
}

/// A job's value in a sort on any field; absent values sort after present ones.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum SortVal {
    Num(f64),
    Text(String),
    Absent,
}

impl SortVal {
    fn of(job: JobAt<'_>, name: &str) -> Self {
        let typed = JOB_FILTER_FIELDS.iter().find(|t| t.name == name);
        if let Some(typed) = typed {
            return match job.job.field(&typed.field) {
                Some(FieldValue::Int(v) | FieldValue::Time(v)) => Self::Num(v as f64),
                Some(FieldValue::Float(v)) => Self::Num(v),
                Some(FieldValue::Str(text)) => Self::Text(text.to_owned()),
                Some(FieldValue::Bool(b)) => Self::Num(f64::from(u8::from(b))),
                None => Self::Absent,
            };
        }
        match render::jobs::attribute(job.job, job.now, name) {
            Some(Value::Number(n)) => Self::Num(n.as_f64().unwrap_or_default()),
            Some(Value::String(text)) => Self::Text(text),
            Some(Value::Bool(b)) => Self::Num(f64::from(u8::from(b))),
            _ => Self::Absent,
        }
    }

    fn cmp(&self, other: &Self) -> Ordering {
        self.partial_cmp(other).unwrap_or(Ordering::Equal)
    }
}

/// A stable tag for a sort field in cursors, so that a cursor of one order is refused by another.
fn field_tag(name: &str) -> u32 {
    name.bytes().fold(0x811C_9DC5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The orders `/admin/jobs` can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortKey {
    StartTime,
    LastUpdateTime,
    JobId,
    /// Any other field the spec lists as sortable, sorted by its value (then job id).
    Field(&'static str),
}

/// A sort order (`sort=-startTime` is `{StartTime, descending: true}`, the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sort {
    pub(crate) key: SortKey,
    pub(crate) descending: bool,
}

impl Sort {
    pub(crate) const DEFAULT: Self = Self {
        key: SortKey::StartTime,
        descending: true,
    };

    /// Parses the `sort` parameter against the keys the release's spec lists.
    pub(crate) fn parse(text: &str, release: Release) -> Result<Self, String> {
        let text = text.trim();
        let (descending, name) = match text.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, text),
        };
        let key = match name {
            "startTime" => SortKey::StartTime,
            "lastUpdateTime" => SortKey::LastUpdateTime,
            "jobId" => SortKey::JobId,
            _ => {
                let listed = spec::sortable(release, "admin", "GET /admin/jobs");
                match listed.iter().find(|listed| **listed == name) {
                    Some(listed) => SortKey::Field(listed),
                    None => {
                        return Err(format!(
                            "invalid sort {text:?}: jobs sort on one of {} (prefix '-' for descending)",
                            listed.join(", ")
                        ));
                    }
                }
            }
        };
        Ok(Self { key, descending })
    }
}

/// A position in a sort order, handed to clients as an opaque string.
///
/// It names a place in the order (sort key value and job id), not a job, so it stays valid while live
/// mode changes jobs: the next page simply starts after that place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cursor {
    key: SortKey,
    time: u32,
    id: u32,
}

impl Cursor {
    fn of(job: &Job, key: SortKey) -> Self {
        let time = match key {
            SortKey::LastUpdateTime => job.last_update,
            SortKey::StartTime | SortKey::JobId => job.start,
            SortKey::Field(name) => field_tag(name),
        };
        Self {
            key,
            time,
            id: job.id,
        }
    }

    fn tag(key: SortKey) -> u8 {
        match key {
            SortKey::StartTime => 0x53,
            SortKey::LastUpdateTime => 0x55,
            SortKey::JobId => 0x4A,
            SortKey::Field(_) => 0x46,
        }
    }

    /// The opaque text form: 20 hex digits with a check byte.
    pub(crate) fn encode(&self) -> String {
        let mut bytes = [0u8; 10];
        bytes[0] = Self::tag(self.key);
        bytes[1..5].copy_from_slice(&self.time.to_be_bytes());
        bytes[5..9].copy_from_slice(&self.id.to_be_bytes());
        bytes[9] = bytes[..9]
            .iter()
            .fold(0x5A, |acc, b| acc ^ b.rotate_left(3));
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Decodes a cursor for the `expected` sort; the error says what is wrong.
    pub(crate) fn decode(text: &str, expected: SortKey) -> Result<Self, String> {
        let invalid = || {
            format!(
                "invalid cursor {text:?}: pass back a next/prev value from meta.pagination unchanged"
            )
        };
        if text.len() != 20 || !text.is_ascii() {
            return Err(invalid());
        }
        let mut bytes = [0u8; 10];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = text
                .get(i * 2..i * 2 + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(invalid)?;
        }
        if bytes[9]
            != bytes[..9]
                .iter()
                .fold(0x5A, |acc, b| acc ^ b.rotate_left(3))
        {
            return Err(invalid());
        }
        let word = |at: usize| {
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let key = [
            SortKey::StartTime,
            SortKey::LastUpdateTime,
            SortKey::JobId,
            expected,
        ]
        .into_iter()
        .find(|key| Self::tag(*key) == bytes[0])
        .ok_or_else(invalid)?;
        let same_field = match key {
            SortKey::Field(name) => word(1) == field_tag(name),
            _ => true,
        };
        if key != expected || !same_field {
            return Err(format!(
                "invalid cursor {text:?}: it belongs to a different sort order than this request's"
            ));
        }
        Ok(Self {
            key,
            time: word(1),
            id: word(5),
        })
    }
}

/// A `/admin/jobs` request, already validated.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JobQuery<'a> {
    pub(crate) filter: Option<&'a Expr<JobField>>,
    pub(crate) sort: Sort,
    pub(crate) after: Option<Cursor>,
    pub(crate) before: Option<Cursor>,
    pub(crate) limit: usize,
    /// Unix seconds: the clock for values of running jobs.
    pub(crate) now: u32,
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JobPage {
    /// Job ids in response order.
    pub(crate) ids: Vec<u32>,
    pub(crate) cursors: Vec<Cursor>,
    pub(crate) next: Option<Cursor>,
    pub(crate) prev: Option<Cursor>,
    pub(crate) range_truncated: bool,
}

impl JobPage {
    /// A page whose `next` and `prev` cursors point past its last and before its first job, when
    /// there are jobs there.
    fn new(
        ids: Vec<u32>,
        cursors: Vec<Cursor>,
        more_before: bool,
        more_after: bool,
        range_truncated: bool,
    ) -> Self {
        Self {
            ids,
            next: cursors.last().copied().filter(|_| more_after),
            prev: cursors.first().copied().filter(|_| more_before),
            cursors,
            range_truncated,
        }
    }
}

const BLOCK: usize = 64;

#[derive(Debug, Clone, Copy)]
struct Block {
    upd_min: u32,
    upd_max: u32,
    /// `u32::MAX` when no job of the block has ended.
    end_min: u32,
    end_max: u32,
}

impl Block {
    const EMPTY: Self = Self {
        upd_min: u32::MAX,
        upd_max: 0,
        end_min: u32::MAX,
        end_max: 0,
    };

    fn add(&mut self, job: &Job) {
        self.upd_min = self.upd_min.min(job.last_update);
        self.upd_max = self.upd_max.max(job.last_update);
        if job.end != 0 {
            self.end_min = self.end_min.min(job.end);
            self.end_max = self.end_max.max(job.end);
        }
    }
}

/// Index-narrowing facts derived from a filter (all bounds inclusive, in seconds or ids).
#[derive(Debug, Clone, Copy)]
struct Plan {
    /// Vector positions to scan, inclusive; empty when `lo > hi`.
    idx_lo: i64,
    idx_hi: i64,
    upd: (u32, u32),
    /// `None` when the filter does not constrain `endTime`.
    end: Option<(u32, u32)>,
}

impl Plan {
    fn block_may_match(&self, block: &Block) -> bool {
        if block.upd_max < self.upd.0 || block.upd_min > self.upd.1 {
            return false;
        }
        match self.end {
            Some((lo, hi)) => {
                block.end_min != u32::MAX && block.end_max >= lo && block.end_min <= hi
            }
            None => true,
        }
    }
}

/// Converts inclusive millisecond bounds to inclusive whole-second bounds (times are whole seconds).
fn second_bounds(bounds: crate::filter::Bounds) -> (u32, u32) {
    let lo = bounds.lo.map_or(0, |ms| {
        ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) != 0)
    });
    let hi = bounds
        .hi
        .map_or(i64::from(u32::MAX), |ms| ms.div_euclid(1000));
    (clamp_u32(lo), clamp_u32(hi))
}

fn clamp_u32(v: i64) -> u32 {
    u32::try_from(v.clamp(0, i64::from(u32::MAX))).unwrap_or(u32::MAX)
}

/// All jobs of the estate plus their indexes.
#[derive(Debug)]
pub(crate) struct JobStore {
    first_id: u32,
    jobs: Vec<Job>,
    by_update: BTreeSet<(u32, u32)>,
    blocks: Vec<Block>,
    /// Ids of jobs still QUEUED or ACTIVE (live mode advances them).
    in_progress: Vec<u32>,
    max_duration: u32,
}

impl JobStore {
    pub(crate) fn new(first_id: u32) -> Self {
        Self {
            first_id,
            jobs: Vec::new(),
            by_update: BTreeSet::new(),
            blocks: Vec::new(),
            in_progress: Vec::new(),
            max_duration: 0,
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.jobs.len()
    }

    /// The id the next pushed job must carry.
    pub(crate) fn next_id(&self) -> u32 {
        self.first_id
            .saturating_add(u32::try_from(self.jobs.len()).unwrap_or(u32::MAX))
    }

    /// The latest start time so far (new jobs may not start earlier: ids follow start order).
    pub(crate) fn last_start(&self) -> u32 {
        self.jobs.last().map_or(0, |job| job.start)
    }

    pub(crate) fn jobs(&self) -> &[Job] {
        &self.jobs
    }

    pub(crate) fn in_progress(&self) -> &[u32] {
        &self.in_progress
    }

    fn index_of(&self, id: u32) -> Option<usize> {
        let idx = usize::try_from(id.checked_sub(self.first_id)?).ok()?;
        (idx < self.jobs.len()).then_some(idx)
    }

    pub(crate) fn get(&self, id: u64) -> Option<&Job> {
        let id = u32::try_from(id).ok()?;
        self.index_of(id).and_then(|idx| self.jobs.get(idx))
    }

    /// Appends a job. Its id must be [`Self::next_id`] and it may not start before the previous job;
    /// the generator and live mode guarantee both, so a violation is a simulator bug.
    pub(crate) fn push(&mut self, mut job: Job) {
        debug_assert_eq!(job.id, self.next_id(), "job ids are dense");
        job.id = self.next_id();
        job.start = job.start.max(self.last_start());
        job.last_update = job.last_update.max(job.start);
        if job.end != 0 {
            job.end = job.end.max(job.start);
            self.max_duration = self.max_duration.max(job.end - job.start);
        }
        let idx = self.jobs.len();
        if idx.is_multiple_of(BLOCK) {
            self.blocks.push(Block::EMPTY);
        }
        if let Some(block) = self.blocks.last_mut() {
            block.add(&job);
        }
        self.by_update.insert((job.last_update, job.id));
        if !job.is_finished() {
            self.in_progress.push(job.id);
        }
        self.jobs.push(job);
    }

    /// Changes one job through `change`, keeping every index in step. Returns false for unknown ids.
    pub(crate) fn update(&mut self, id: u32, change: impl FnOnce(&mut Job)) -> bool {
        let Some(idx) = self.index_of(id) else {
            return false;
        };
        let Some(job) = self.jobs.get_mut(idx) else {
            return false;
        };
        let before = *job;
        change(job);
        // Identity and start order are fixed; times never run backwards past the start.
        job.id = before.id;
        job.start = before.start;
        job.last_update = job.last_update.max(job.start);
        if job.end != 0 {
            job.end = job.end.max(job.start);
        }
        let after = *job;
        if after.end != 0 {
            self.max_duration = self.max_duration.max(after.end - after.start);
        }
        if before.last_update != after.last_update {
            self.by_update.remove(&(before.last_update, id));
            self.by_update.insert((after.last_update, id));
        }
        if before.is_finished() != after.is_finished() {
            if after.is_finished() {
                if let Some(pos) = self.in_progress.iter().position(|other| *other == id) {
                    self.in_progress.swap_remove(pos);
                }
            } else {
                self.in_progress.push(id);
            }
        }
        let block_start = idx / BLOCK * BLOCK;
        let mut block = Block::EMPTY;
        for job in self.jobs.iter().skip(block_start).take(BLOCK) {
            block.add(job);
        }
        if let Some(slot) = self.blocks.get_mut(idx / BLOCK) {
            *slot = block;
        }
        true
    }

    /// The vector positions whose start time lies in `lo..=hi` seconds.
    pub(crate) fn start_range(&self, lo: u32, hi: u32) -> std::ops::Range<usize> {
        let from = self.jobs.partition_point(|job| job.start < lo);
        let to = self.jobs.partition_point(|job| job.start <= hi);
        from..to.max(from)
    }

    fn plan(&self, filter: Option<&Expr<JobField>>) -> Plan {
        let all = Plan {
            idx_lo: 0,
            idx_hi: self.jobs.len() as i64 - 1,
            upd: (0, u32::MAX),
            end: None,
        };
        let Some(filter) = filter else { return all };
        let ids = filter.bounds(&JobField::JobId);
        let start = second_bounds(filter.bounds(&JobField::StartTime));
        let upd = second_bounds(filter.bounds(&JobField::LastUpdateTime));
        let end = filter
            .requires(&JobField::EndTime)
            .then(|| second_bounds(filter.bounds(&JobField::EndTime)));
        // Every job satisfies start <= lastUpdateTime, start <= endTime and
        // endTime - start <= max_duration, so those bounds narrow the start range too.
        let mut start_lo = start.0;
        let mut start_hi = start.1.min(upd.1);
        if let Some((end_lo, end_hi)) = end {
            start_hi = start_hi.min(end_hi);
            start_lo = start_lo.max(end_lo.saturating_sub(self.max_duration));
        }
        let by_start = self.start_range(start_lo, start_hi);
        let first = i64::from(self.first_id);
        let idx_lo = (by_start.start as i64).max(ids.lo.map_or(0, |lo| lo - first));
        let idx_hi = (by_start.end as i64 - 1).min(ids.hi.map_or(i64::MAX, |hi| hi - first));
        Plan {
            idx_lo,
            idx_hi,
            upd,
            end,
        }
    }

    /// Positions (vector indices) in `sort` order, moving `forward` through that order, strictly after
    /// `from` when given.
    fn scan<'s>(
        &'s self,
        plan: Plan,
        sort: Sort,
        forward: bool,
        from: Option<Cursor>,
    ) -> Box<dyn Iterator<Item = usize> + 's> {
        let ascending = forward != sort.descending;
        match sort.key {
            // Field sorts are served by `query_by_value`; an id scan is their candidate order.
            SortKey::StartTime | SortKey::JobId | SortKey::Field(_) => {
                let (mut lo, mut hi) = (plan.idx_lo, plan.idx_hi);
                if let Some(cursor) = from {
                    let pos = i64::from(cursor.id) - i64::from(self.first_id);
                    if ascending {
                        lo = lo.max(pos + 1);
                    } else {
                        hi = hi.min(pos - 1);
                    }
                }
                Box::new(IdScan {
                    store: self,
                    plan,
                    next: if ascending { lo } else { hi },
                    lo,
                    hi,
                    step: if ascending { 1 } else { -1 },
                })
            }
            SortKey::LastUpdateTime => {
                let mut lower = Bound::Included((plan.upd.0, 0));
                let mut upper = Bound::Included((plan.upd.1, u32::MAX));
                if let Some(cursor) = from {
                    let pos = (cursor.time, cursor.id);
                    if ascending {
                        if pos >= (plan.upd.0, 0) {
                            lower = Bound::Excluded(pos);
                        }
                    } else if pos <= (plan.upd.1, u32::MAX) {
                        upper = Bound::Excluded(pos);
                    }
                }
                let valid = match (lower, upper) {
                    (Bound::Included(a), Bound::Included(b)) => a <= b,
                    (
                        Bound::Included(a) | Bound::Excluded(a),
                        Bound::Included(b) | Bound::Excluded(b),
                    ) => a < b,
                    _ => true,
                };
                if !valid {
                    return Box::new(std::iter::empty());
                }
                let range = self.by_update.range((lower, upper));
                let first = self.first_id;
                let to_idx = move |&(_, id): &(u32, u32)| usize::try_from(id - first).ok();
                if ascending {
                    Box::new(range.filter_map(to_idx))
                } else {
                    Box::new(range.rev().filter_map(to_idx))
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn matching<'s>(
        &'s self,
        tables: &'s Tables,
        filter: Option<&'s Expr<JobField>>,
        plan: Plan,
        sort: Sort,
        forward: bool,
        from: Option<Cursor>,
        now: u32,
    ) -> impl Iterator<Item = &'s Job> + 's {
        self.scan(plan, sort, forward, from)
            .filter_map(|idx| self.jobs.get(idx))
            .filter(move |job| {
                filter.is_none_or(|f| {
                    f.matches(&JobAt {
                        job: JobRef { job, tables },
                        now,
                    })
                })
            })
    }

    /// A query sorted on a field without an index: every matching job is read and ordered by
    /// (value, job id). A cursor names a job; the page continues from that job's place in the order.
    fn query_by_value(&self, tables: &Tables, query: &JobQuery<'_>, name: &str) -> JobPage {
        let plan = self.plan(query.filter);
        let sort = query.sort;
        let now = query.now;
        let value = |job: &Job| {
            SortVal::of(
                JobAt {
                    job: JobRef { job, tables },
                    now,
                },
                name,
            )
        };
        let order = |a: &(SortVal, u32), b: &(SortVal, u32)| {
            let ordering = a.0.cmp(&b.0).then(a.1.cmp(&b.1));
            if sort.descending {
                ordering.reverse()
            } else {
                ordering
            }
        };
        let mut rows: Vec<(SortVal, u32)> = self
            .matching(tables, query.filter, plan, sort, true, None, now)
            .map(|job| (value(job), job.id))
            .collect();
        rows.sort_by(order);
        let place = |cursor: &Cursor| {
            let id = cursor.id;
            let at = self.get(u64::from(id)).map_or(SortVal::Absent, &value);
            (at, id)
        };
        let start = query.after.map_or(0, |after| {
            let at = place(&after);
            rows.partition_point(|row| order(row, &at) != Ordering::Greater)
        });
        let end = query
            .before
            .map_or(rows.len(), |before| {
                let at = place(&before);
                rows.partition_point(|row| order(row, &at) == Ordering::Less)
            })
            .max(start);
        let available = rows.get(start..end).unwrap_or_default();
        let (from, to, range_truncated, more_after, more_before);
        if query.before.is_some() && query.after.is_none() {
            from = end - available.len().min(query.limit);
            to = end;
            range_truncated = false;
            more_before = from > 0;
            more_after = to < rows.len();
        } else {
            from = start;
            to = start + available.len().min(query.limit);
            let overflow = available.len() > query.limit;
            range_truncated = overflow && query.before.is_some();
            more_after = overflow;
            more_before = query.after.is_some() && start > 0;
        }
        let ids: Vec<u32> = rows
            .get(from..to)
            .unwrap_or_default()
            .iter()
            .map(|row| row.1)
            .collect();
        let cursors: Vec<Cursor> = ids
            .iter()
            .filter_map(|id| self.get(u64::from(*id)))
            .map(|job| Cursor::of(job, sort.key))
            .collect();
        JobPage::new(ids, cursors, more_before, more_after, range_truncated)
    }

    /// Runs a jobs query.
    pub(crate) fn query(&self, tables: &Tables, query: &JobQuery<'_>) -> JobPage {
        if let SortKey::Field(name) = query.sort.key {
            return self.query_by_value(tables, query, name);
        }
        let now = query.now;
        let plan = self.plan(query.filter);
        let sort = query.sort;
        let key = sort.key;
        let limit = query.limit;
        let mut page: Vec<&Job>;
        let mut range_truncated = false;
        let more_after;
        let more_before;
        if let (Some(before), None) = (query.before, query.after) {
            page = self
                .matching(tables, query.filter, plan, sort, false, Some(before), now)
                .take(limit + 1)
                .collect();
            more_before = page.len() > limit;
            page.truncate(limit);
            page.reverse();
            more_after = page.last().is_some_and(|last| {
                self.matching(
                    tables,
                    query.filter,
                    plan,
                    sort,
                    true,
                    Some(Cursor::of(last, key)),
                    now,
                )
                .next()
                .is_some()
            });
        } else {
            let stop = query.before;
            let in_range = |job: &&Job| stop.is_none_or(|stop| precedes(job, &stop, sort));
            page = self
                .matching(tables, query.filter, plan, sort, true, query.after, now)
                .take_while(in_range)
                .take(limit + 1)
                .collect();
            let overflow = page.len() > limit;
            page.truncate(limit);
            range_truncated = overflow && query.before.is_some();
            more_after = overflow;
            more_before = query.after.is_some()
                && page.first().is_some_and(|first| {
                    self.matching(
                        tables,
                        query.filter,
                        plan,
                        sort,
                        false,
                        Some(Cursor::of(first, key)),
                        now,
                    )
                    .next()
                    .is_some()
                });
        }
        let cursors: Vec<Cursor> = page.iter().map(|job| Cursor::of(job, key)).collect();
        let ids = page.iter().map(|job| job.id).collect();
        JobPage::new(ids, cursors, more_before, more_after, range_truncated)
    }

    /// How many jobs match `filter` at `now`.
    pub(crate) fn count(&self, tables: &Tables, filter: Option<&Expr<JobField>>, now: u32) -> u64 {
        let plan = self.plan(filter);
        let sort = Sort {
            key: SortKey::JobId,
            descending: false,
        };
        self.matching(tables, filter, plan, sort, true, None, now)
            .count() as u64
    }
}

/// Whether `job` comes strictly before `stop` in `sort` order.
fn precedes(job: &Job, stop: &Cursor, sort: Sort) -> bool {
    let (mine, theirs) = match sort.key {
        SortKey::LastUpdateTime => ((job.last_update, job.id), (stop.time, stop.id)),
        SortKey::StartTime | SortKey::JobId | SortKey::Field(_) => ((0, job.id), (0, stop.id)),
    };
    if sort.descending {
        mine > theirs
    } else {
        mine < theirs
    }
}

struct IdScan<'s> {
    store: &'s JobStore,
    plan: Plan,
    next: i64,
    lo: i64,
    hi: i64,
    step: i64,
}

impl Iterator for IdScan<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        loop {
            if self.next < self.lo || self.next > self.hi {
                return None;
            }
            let idx = usize::try_from(self.next).ok()?;
            let block = idx / BLOCK;
            if self
                .store
                .blocks
                .get(block)
                .is_some_and(|b| !self.plan.block_may_match(b))
            {
                // Jump to the first position of the next block in scan direction.
                self.next = if self.step > 0 {
                    ((block + 1) * BLOCK) as i64
                } else {
                    (block * BLOCK) as i64 - 1
                };
                continue;
            }
            self.next += self.step;
            return Some(idx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_record_stays_compact() {
        // The crate docs quote this figure; 1,000,000 jobs take about 56 MB plus indexes.
        assert!(
            std::mem::size_of::<Job>() <= 56,
            "Job is {} bytes",
            std::mem::size_of::<Job>()
        );
    }

    #[test]
    fn cursors_round_trip_and_reject_tampering() {
        let cursor = Cursor {
            key: SortKey::LastUpdateTime,
            time: 1_700_000_000,
            id: 123_456,
        };
        let text = cursor.encode();
        assert_eq!(Cursor::decode(&text, SortKey::LastUpdateTime), Ok(cursor));
        assert!(Cursor::decode(&text, SortKey::StartTime).is_err());
        let mut tampered = text.clone().into_bytes();
        tampered[12] = if tampered[12] == b'0' { b'1' } else { b'0' };
        assert!(
            Cursor::decode(
                &String::from_utf8(tampered).expect("ascii"),
                SortKey::LastUpdateTime
            )
            .is_err()
        );
        for bad in ["", "zz", "0123456789abcdef0123", "ünïcödé-ünïcödé"] {
            assert!(
                Cursor::decode(bad, SortKey::LastUpdateTime).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn second_bounds_are_never_tighter_than_the_millisecond_ones() {
        use crate::filter::Bounds;
        assert_eq!(
            second_bounds(Bounds {
                lo: Some(1_000),
                hi: Some(2_999)
            }),
            (1, 2)
        );
        assert_eq!(
            second_bounds(Bounds {
                lo: Some(1_001),
                hi: Some(2_000)
            }),
            (2, 2)
        );
        assert_eq!(second_bounds(Bounds::NONE), (0, u32::MAX));
    }
}
