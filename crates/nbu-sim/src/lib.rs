//! `nbu-sim`: a NetBackup primary server's REST API, simulated — a real HTTP(S) server that a client
//! written only from the vendor OpenAPI specs works against unchanged. It powers the demo, the
//! integration and end-to-end tests, and the benchmarks.
//!
//! **Architecture invariant:** nbu-sim depends on no workspace crate (in particular not on `nbu-api`).
//! It renders JSON from its own reading of the vendor OpenAPI specs, so that the client is checked
//! against an independent implementation; its own tests validate every response against the
//! project's compact schemas of those specs (`crates/nbu-sim/schemas`, from `cargo xtask schemas`)
//! and, where the vendor specs are at hand, against the specs themselves.
//!
//! # Use
//!
//! ```no_run
//! # async fn demo() -> Result<(), nbu_sim::SimError> {
//! use nbu_sim::{Faults, Release, Server};
//! let sim = Server::builder().release(Release::V11_2).jobs(10_000).seed(7).spawn().await?;
//! // GET {base_url}/admin/jobs with `Authorization: <api key>` and
//! // `Accept: application/vnd.netbackup+json;version=14.0`.
//! println!("{} {}", sim.base_url(), sim.api_key());
//! sim.set_faults(Faults { error_rate: 0.1, ..Faults::default() }).await?;
//! let changed = sim.apply_changes(25); // live changes, deterministic
//! assert!(sim.stats().requests("GET /admin/jobs") == 0 && changed > 0);
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! The `nbu-sim` binary wraps this library (`nbu-sim --help`).
//!
//! # What it serves (below `/netbackup`)
//!
//! `GET /admin/jobs` (cursor pagination, `page[limit]` ≤ 100, OData filter, `sort` on every key
//! the release's spec lists, default `-startTime`), `GET /admin/jobs/{jobId}`,
//! `POST /admin/jobs-count-requests`; `GET /storage/storage-units`, `/storage/disk-pools` (offset, ≤ 500),
//! `/storage/drives` (offset, ≤ 100), `/storage/tape-media`, `/storage/tape-volume-pools` (cursor,
//! ≤ 100), `/storage/robots-device-hosts`; `GET /manage/alerts`, `/malware/latest-scan-results`,
//! `/catalog/images` (offset ≤ 100, `backupTime` defaults to the last 24 h), `/catalog/slp-images`
//! (cursor, default 100, ≤ 1000), `/servicecatalog/slos`, `/config/media-servers`, `/config/hosts`,
//! `/licensing/capacity`, `/security/serverinfo`, `/ping`; `POST /login`.
//!
//! Filters and sorts: every endpoint checks fields, operators and value types against the tables the
//! release's spec gives for it (unknown field, wrong operator, quoted date-time → 400 naming the
//! problem and the list); listed names the record holds elsewhere are mapped (`alertId` is the
//! resource id, `diskMediaId` one of `diskVolumes`), and the job fields the spec filters by integer
//! code (`dataMovement eq 0`) match the served enum names. An endpoint whose spec lists no sort keys
//! sorts on any attribute. Functions `contains/startswith/endswith`, `and/or/not`,
//! parentheses; `any()` lambdas are not supported.
//!
//! # Releases and API versions (decisions)
//!
//! [`Release`] picks the NetBackup release: 10.3 (API 10.0), 10.5 (12.0), 11.0 (13.0) or 11.2 (14.0,
//! the default). NetBackup changes the API version only on breaking changes and keeps older versions
//! working, so a release accepts its own version and every older version the simulator knows (of
//! 10.0, 12.0, 13.0, 14.0): 11.2 accepts all four, 10.3 only 10.0. Anything else in `Accept` — another
//! version, no version, no `Accept` at all, `application/json` — is answered 406 with a NetBackup
//! error body. `POST` bodies must be `Content-Type: application/vnd.netbackup+json;version=<accepted>`
//! (415 otherwise); their answer uses the `Accept` version, or the body's when `Accept` is absent.
//! `/ping` needs neither auth nor `Accept`, answers `text/vnd.netbackup+plain` with the server time in
//! milliseconds, and sets `X-NetBackup-API-Version` to the release's version. The jobs count
//! endpoint also accepts 6.0, the version 10.3's admin.yaml documents for it.
//!
//! Shapes follow the *requested* version: API 10.0 names the malware count `noOfFilesImpacted`
//! (12.0+: `numberOfFilesImpacted`); catalog images gain `malwareStatus`/`fileHashSearchResult` and the
//! `malwareStatus` filter with 13.0. Endpoints a release lacks answer as it would: tape media, tape
//! volume pools and robot device hosts are 404 on 10.3. 10.3 published no catalog or alerts spec; the
//! simulator serves them there in the 10.5 shape. Endpoints without a spec in a folder (config, hosts,
//! licensing, security, gateway: only 11.2 has them; storage and SLOs: 11.2 uses 11.0's) use the
//! nearest spec's shape in every release.
//!
//! Checks run in this order: unknown path → 404, wrong method → 405, version → 406, auth → 401,
//! parameters → 400. Error bodies are `{errorCode, errorMessage}`, with `errorCode` equal to the HTTP
//! status (the specs do not document NetBackup's codes for these).
//!
//! # Authentication
//!
//! `Authorization: <api key>` (as is, no `Bearer`), or a token from `POST /login` with the configured
//! [`ServerBuilder::credentials`]. `/ping`, `/login` and `/security/serverinfo` need none.
//!
//! # Estate and live mode
//!
//! A seeded generator (SplitMix64, no `rand`) builds clients, policies (VMware, file system, SQL
//! Server, Oracle, …), storage units of every category (cloud units without capacity fields, tape),
//! disk pools, tape drives/media/pools, alerts, malware results, SLOs, media servers and hosts, and N
//! jobs over a window ending now: backups (some as parent jobs with snapshot/backup children),
//! duplications, replications, image cleanups, restores…; mostly status 0, some 1, and the usual
//! failures (2, 13, 41, 50, 58, 84, 96, 150, 156, 191, 196, 800, 2074, 4207); QUEUED, ACTIVE, DONE and
//! a few INCOMPLETE jobs. Same seed (and same [`ServerBuilder::now`]), same estate.
//!
//! Live mode ([`ServerBuilder::jobs_per_minute`]) starts jobs at that rate and lets queued and running
//! jobs advance and finish, moving their `lastUpdateTime`. [`SimHandle::apply_changes`] (or
//! `POST /_sim/changes {"count": n}`) applies n changes at once, deterministically.
//!
//! # Faults and introspection
//!
//! [`Faults`] (builder, [`SimHandle::set_faults`], or `POST|GET|DELETE /_sim/faults` as camelCase JSON):
//! latency, 500/502/503/504 rates (503 with `Retry-After`), 429 rate with `Retry-After`, a server-side
//! rate limit (token bucket → 429), malformed JSON, truncated bodies, stalled requests, closed or
//! refused connections, optionally only below a path prefix (new connections are closed or refused
//! whatever the prefix); decisions are seeded. Connection-fault changes are in effect when
//! `set_faults` returns.
//! [`SimHandle::stats`] (or `GET|DELETE /_sim/stats`) counts requests per endpoint and status.
//! `/_sim/*` needs no auth and is not counted.
//!
//! # Scale and speed
//!
//! Each job is a compact 56-byte record (`size_of::<Job>()`, asserted by a unit test): strings are
//! interned ids, times are `u32` Unix seconds, enums are `u8` codes; JSON is rendered on demand. A
//! `BTreeSet<(lastUpdateTime, jobId)>` (about 8 bytes per job plus B-tree overhead) and per-64-job
//! min/max summaries keep pages O(page) for the collectors' queries (unfiltered, `lastUpdateTime ge X
//! [and lt Y]` sorted by `lastUpdateTime` or the default `-startTime`, `endTime gt X`): a cursor is a
//! position in the sort order, not an offset. Measured once on the 2-core development machine
//! (release build, 1,000,000 jobs, 5,000 clients): generating the estate takes about 0.5 s and the
//! process holds about 90 MB; a 100-job page of `/admin/jobs` (≈ 200 KB of JSON) takes about 0.7 ms
//! as a full HTTP round trip, rendering included, whether unfiltered, `lastUpdateTime ge now-2h`
//! sorted by `lastUpdateTime` or by the default `-startTime`; `apply_changes(10_000)` takes about
//! 7 ms. Filters on other fields (and `/catalog/images`, which counts its matches) scan, using the
//! indexes only to narrow the range.

// The catalog image object has more fields than serde_json's `json!` expands with the default limit.
#![recursion_limit = "256"]

mod body;
mod estate;
mod faults;
mod filter;
mod handlers;
mod jobs;
mod lists;
mod live;
mod prng;
mod release;
mod render;
mod routes;
mod server;
mod spec;
mod stats;
mod tls;
mod vocab;

pub use faults::{ConnectionFault, Faults, InvalidFaults};
pub use release::{ApiVersion, Release, UnknownRelease};
pub use server::{Server, ServerBuilder, SimHandle};
pub use stats::{EndpointStats, Stats};
pub use tls::TlsConfig;

/// Why a simulator could not start or be reconfigured.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// Certificates or keys could not be loaded or generated.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// A builder setting is out of range.
    #[error("invalid simulator configuration: {0}")]
    Config(String),
    /// Fault settings are out of range.
    #[error(transparent)]
    Faults(#[from] InvalidFaults),
    /// The estate generator failed (a bug).
    #[error("estate generation failed: {0}")]
    Generation(String),
}

/// One job as the simulator holds it: the ground truth tests compare API results with.
#[derive(Debug, Clone, PartialEq)]
pub struct JobInfo {
    /// `jobId`.
    pub job_id: u64,
    /// `parentJobId` (0 for top-level jobs).
    pub parent_job_id: u64,
    /// `jobType`, e.g. `BACKUP`.
    pub job_type: &'static str,
    /// `state`, e.g. `DONE`.
    pub state: &'static str,
    /// `status` (0 while running).
    pub status: u16,
    /// `clientName`.
    pub client_name: String,
    /// `policyName` (empty for jobs outside a policy).
    pub policy_name: String,
    /// `policyType`.
    pub policy_type: &'static str,
    /// `scheduleName` (empty when none).
    pub schedule_name: &'static str,
    /// `startTime`.
    pub start_time: jiff::Timestamp,
    /// `endTime`, absent while the job runs.
    pub end_time: Option<jiff::Timestamp>,
    /// `lastUpdateTime`.
    pub last_update_time: jiff::Timestamp,
    /// `kilobytesTransferred`.
    pub kilobytes_transferred: u64,
    /// `numberOfFiles`.
    pub number_of_files: u64,
    /// `dedupRatio` (absent when the target does not deduplicate).
    pub dedup_ratio: Option<f64>,
}

impl JobInfo {
    fn from_ref(job: jobs::JobRef<'_>) -> Self {
        let ts = |secs: u32| {
            jiff::Timestamp::from_second(i64::from(secs)).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        };
        let record = job.job;
        Self {
            job_id: u64::from(record.id),
            parent_job_id: u64::from(record.parent),
            job_type: job.job_type(),
            state: job.state(),
            status: record.status,
            client_name: job.client_name().to_owned(),
            policy_name: job.policy_name().to_owned(),
            policy_type: job.policy_type(),
            schedule_name: job.schedule().map_or("", |s| s.name),
            start_time: ts(record.start),
            end_time: (record.end != 0).then(|| ts(record.end)),
            last_update_time: ts(record.last_update),
            kilobytes_transferred: record.kilobytes,
            number_of_files: u64::from(record.files),
            dedup_ratio: (record.dedup_permille > 0).then(|| job.dedup_ratio()),
        }
    }
}
