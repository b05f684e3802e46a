//! The NetBackup endpoints this crate calls, one method each.
//!
//! Listing methods return streams that send one request per page, lazily. Page sizes default
//! to each endpoint's documented maximum so that a full listing takes as few requests as
//! possible; where the spec documents none, 100 is used.

use futures_util::Stream;
use serde::de::DeserializeOwned;

use crate::client::{Call, Client};
use crate::error::Error;
use crate::filter::Filter;
use crate::models::{
    Alert, CatalogImage, DiskPool, Drive, Host, HostsDocument, Identified, Job, JobSummary,
    JobsCountResponse, LicensingCapacity, ListDocument, Listed, MalwareScanResult, MediaServer,
    Resource, RobotDeviceHost, ServerInfo, SingleDocument, Slo, SlpImage, StorageUnit, TapeMedia,
    TapeVolumePool,
};
use crate::pagination::{ListSpec, Page, Paging, walk};
use crate::query::JobsQuery;

/// A stream of pages of `A` resources.
macro_rules! pages_of {
    ($attributes:ty) => {
        impl Stream<Item = Result<Page<Resource<$attributes>>, Error>> + Send + 'static + use<>
    };
}

/// `page[limit]` maximum of `GET /admin/jobs` (admin.yaml).
const JOBS_MAX_PAGE: u32 = 100;
/// `page[limit]` maximum of storage units, disk pools (storage.yaml) and media servers
/// (config.yaml).
const STORAGE_MAX_PAGE: u32 = 500;
/// `page[limit]` maximum of drives, tape media, tape volume pools (storage.yaml), malware scan
/// results (malware.yaml) and catalog images (catalog.yaml).
const COMMON_MAX_PAGE: u32 = 100;
/// `page[limit]` maximum of `GET /catalog/slp-images` (catalog.yaml).
const SLP_IMAGES_MAX_PAGE: u32 = 1000;
/// Alerts and SLOs document no maximum: a size every NetBackup release accepts elsewhere.
const UNDOCUMENTED_PAGE: u32 = 100;

fn filter_param(filter: Option<&Filter>) -> Option<String> {
    filter.map(Filter::to_string)
}

impl Client {
    /// Streams jobs from `GET /admin/jobs` (cursor-paginated, 100 a page unless the query
    /// says otherwise), filtered and sorted as `query` asks.
    pub fn jobs(&self, query: &JobsQuery) -> pages_of!(Job) {
        self.jobs_as(query)
    }

    /// Streams the same jobs as [`Client::jobs`], decoding only the attributes of
    /// [`JobSummary`]: the cheaper choice for monitoring a large estate.
    /// Items come as [`Listed`]: identity and attributes, without the per-item `links` and `meta`.
    pub fn job_summaries(
        &self,
        query: &JobsQuery,
    ) -> impl Stream<Item = Result<Page<Listed<JobSummary>>, Error>> + Send + 'static + use<> {
        self.jobs_as(query)
    }

    fn jobs_as<T>(
        &self,
        query: &JobsQuery,
    ) -> impl Stream<Item = Result<Page<T>, Error>> + Send + 'static + use<T>
    where
        T: DeserializeOwned + Identified + Send + 'static,
    {
        let limit = query
            .page_limit
            .unwrap_or(JOBS_MAX_PAGE)
            .clamp(1, JOBS_MAX_PAGE);
        let spec = ListSpec::new("/admin/jobs", Paging::Cursor, limit)
            .param("filter", filter_param(query.filter.as_ref()))
            .param("sort", query.sort.as_ref().map(ToString::to_string));
        walk(self.clone(), spec)
    }

    /// One job, `GET /admin/jobs/{jobId}`.
    pub async fn job(&self, id: i64) -> Result<Resource<Job>, Error> {
        let version = self.negotiate().await?;
        let call = Call::get(format!("/admin/jobs/{id}")).version(version);
        let doc: SingleDocument<Resource<Job>> = self.json(call).await?;
        Ok(doc.data)
    }

    /// The number of jobs matching `filter` (all jobs without one), from
    /// `POST /admin/jobs-count-requests`.
    pub async fn jobs_count(&self, filter: Option<&Filter>) -> Result<u64, Error> {
        const ENDPOINT: &str = "/admin/jobs-count-requests";
        let version = self.negotiate().await?;
        let mut attributes = serde_json::Map::new();
        if let Some(filter) = filter {
            attributes.insert("filter".into(), filter.to_string().into());
        }
        let body = serde_json::json!({"data": {"type": "jobCount", "attributes": attributes}});
        let call = Call::post(ENDPOINT, body.to_string().into_bytes()).version(version);
        // The body is written out rather than serialised from `JobsCountRequest`, whose
        // resource carries an `id` the spec's request schema does not have.
        let answer: JobsCountResponse = self.json(call).await?;
        answer.count().ok_or_else(|| Error::Unexpected {
            endpoint: ENDPOINT.to_owned(),
            version: Some(version),
            reason: "no non-negative integer at data.attributes.count".into(),
        })
    }

    /// Streams storage units from `GET /storage/storage-units` (offset, 500 a page).
    pub fn storage_units(&self) -> pages_of!(StorageUnit) {
        self.list("/storage/storage-units", Paging::Offset, STORAGE_MAX_PAGE)
    }

    /// Streams disk pools from `GET /storage/disk-pools` (offset, 500 a page).
    pub fn disk_pools(&self) -> pages_of!(DiskPool) {
        self.list("/storage/disk-pools", Paging::Offset, STORAGE_MAX_PAGE)
    }

    /// Streams tape drives from `GET /storage/drives` (offset, 100 a page).
    pub fn drives(&self) -> pages_of!(Drive) {
        self.list("/storage/drives", Paging::Offset, COMMON_MAX_PAGE)
    }

    /// Streams tape media from `GET /storage/tape-media` (cursor, 100 a page; NetBackup 10.5+).
    pub fn tape_media(&self) -> pages_of!(TapeMedia) {
        self.list("/storage/tape-media", Paging::Cursor, COMMON_MAX_PAGE)
    }

    /// Streams tape volume pools from `GET /storage/tape-volume-pools` (cursor, 100 a page;
    /// NetBackup 10.5+).
    pub fn tape_volume_pools(&self) -> pages_of!(TapeVolumePool) {
        self.list(
            "/storage/tape-volume-pools",
            Paging::Cursor,
            COMMON_MAX_PAGE,
        )
    }

    /// The device hosts of `GET /storage/robots-device-hosts` (one unpaginated answer,
    /// yielded as a single page; NetBackup 10.5+).
    pub fn robots_device_hosts(&self) -> pages_of!(RobotDeviceHost) {
        self.list("/storage/robots-device-hosts", Paging::Unpaged, 0)
    }

    /// Streams alerts from `GET /manage/alerts` (offset, 100 a page), filtered by `filter`
    /// (e.g. on `severity`, `category` or `createdDateTime`).
    pub fn alerts(&self, filter: Option<Filter>) -> pages_of!(Alert) {
        let spec = ListSpec::new("/manage/alerts", Paging::Offset, UNDOCUMENTED_PAGE)
            .param("filter", filter_param(filter.as_ref()));
        walk(self.clone(), spec)
    }

    /// Streams the latest malware scan results from `GET /malware/latest-scan-results`
    /// (offset, 100 a page), filtered by `filter`.
    pub fn malware_scan_results(&self, filter: Option<Filter>) -> pages_of!(MalwareScanResult) {
        let spec = ListSpec::new(
            "/malware/latest-scan-results",
            Paging::Offset,
            COMMON_MAX_PAGE,
        )
        .param("filter", filter_param(filter.as_ref()));
        walk(self.clone(), spec)
    }

    /// Streams catalog images from `GET /catalog/images` (offset, 100 a page), filtered by
    /// `filter`. Without a `backupTime` filter the server lists the last 24 hours only.
    pub fn catalog_images(&self, filter: Option<Filter>) -> pages_of!(CatalogImage) {
        let spec = ListSpec::new("/catalog/images", Paging::Offset, COMMON_MAX_PAGE)
            .param("filter", filter_param(filter.as_ref()));
        walk(self.clone(), spec)
    }

    /// The number of catalog images matching `filter`, read from `meta.pagination.count` of a
    /// one-image page of `GET /catalog/images`.
    pub async fn catalog_images_count(&self, filter: Option<&Filter>) -> Result<u64, Error> {
        const ENDPOINT: &str = "/catalog/images";
        let version = self.negotiate().await?;
        let mut query = vec![
            ("page[offset]", "0".to_owned()),
            ("page[limit]", "1".to_owned()),
        ];
        if let Some(filter) = filter {
            query.push(("filter", filter.to_string()));
        }
        let call = Call::get(ENDPOINT).version(version).query(query);
        let doc: ListDocument<serde::de::IgnoredAny> = self.json(call).await?;
        doc.pagination()
            .and_then(|p| p.count)
            .ok_or_else(|| Error::Unexpected {
                endpoint: ENDPOINT.to_owned(),
                version: Some(version),
                reason: "the answer has no meta.pagination.count".into(),
            })
    }

    /// Streams images in storage lifecycle processing from `GET /catalog/slp-images`
    /// (cursor, 1000 a page).
    pub fn slp_images(&self) -> pages_of!(SlpImage) {
        self.list("/catalog/slp-images", Paging::Cursor, SLP_IMAGES_MAX_PAGE)
    }

    /// Streams service level objectives from `GET /servicecatalog/slos` (offset, 100 a page).
    /// The answer carries no pagination metadata, so the walk ends on a page shorter than
    /// requested.
    pub fn slos(&self) -> pages_of!(Slo) {
        self.list(
            "/servicecatalog/slos",
            Paging::OffsetNoMeta,
            UNDOCUMENTED_PAGE,
        )
    }

    /// Streams media servers from `GET /config/media-servers` (offset, 500 a page).
    pub fn media_servers(&self) -> pages_of!(MediaServer) {
        self.list("/config/media-servers", Paging::Offset, STORAGE_MAX_PAGE)
    }

    /// The hosts NetBackup knows, from `GET /config/hosts` (a plain `hosts[]` list, not
    /// JSON:API, not paginated).
    pub async fn hosts(&self) -> Result<Vec<Host>, Error> {
        let version = self.negotiate().await?;
        let doc: HostsDocument = self
            .json(Call::get("/config/hosts").version(version))
            .await?;
        Ok(doc.hosts)
    }

    /// Front-end capacity licensing, from `GET /licensing/capacity`.
    pub async fn licensing_capacity(&self) -> Result<LicensingCapacity, Error> {
        const ENDPOINT: &str = "/licensing/capacity";
        let version = self.negotiate().await?;
        let doc: ListDocument<Resource<LicensingCapacity>> =
            self.json(Call::get(ENDPOINT).version(version)).await?;
        doc.data
            .into_iter()
            .next()
            .map(|resource| resource.attributes)
            .ok_or_else(|| Error::Unexpected {
                endpoint: ENDPOINT.to_owned(),
                version: Some(version),
                reason: "the answer lists no capacity record".into(),
            })
    }

    /// The primary server's identity and NetBackup version (`nbuVersion`), from
    /// `GET /security/serverinfo`. Needs no authentication and no negotiated version.
    pub async fn server_info(&self) -> Result<ServerInfo, Error> {
        const ENDPOINT: &str = "/security/serverinfo";
        let (_, answer) = self
            .send_any_version(|version| Call::get(ENDPOINT).version(version).unauthenticated())
            .await?;
        self.decode(&answer)
    }

    /// `GET /ping` (no authentication): checks that the primary server answers, and returns
    /// its `X-NetBackup-API-Version` header (the server's current API version) when present.
    pub async fn ping(&self) -> Result<Option<String>, Error> {
        let (_, answer) = self
            .send_any_version(|version| {
                Call::get("/ping")
                    .version(version)
                    .unauthenticated()
                    .plain_text()
            })
            .await?;
        Ok(answer
            .headers
            .get("x-netbackup-api-version")
            .and_then(|value| value.to_str().ok())
            .map(|value| value.trim().to_owned()))
    }

    fn list<A>(
        &self,
        endpoint: &'static str,
        paging: Paging,
        limit: u32,
    ) -> impl Stream<Item = Result<Page<Resource<A>>, Error>> + Send + 'static + use<A>
    where
        A: DeserializeOwned + Default + Send + 'static,
    {
        walk(self.clone(), ListSpec::new(endpoint, paging, limit))
    }
}
