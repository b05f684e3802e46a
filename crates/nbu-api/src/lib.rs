//! nbu-api: a typed, paginated, rate-limited client for the Veritas NetBackup REST API.
//!
//! This crate is the only part of the workspace that speaks HTTP to NetBackup. It must not
//! depend on Prometheus, on the exporter's configuration, or on any other crate of this workspace.
//!
//! What it does for a caller:
//! - **Connection**: one pooled HTTP client (rustls with the ring provider) shared by every
//!   clone; the base URL (`https://<primary>:1556/netbackup`) is checked when the client is
//!   built; TLS verification uses the system trust store, or only a given CA bundle, and is
//!   skipped only on explicit request.
//! - **Authentication**: an API key sent as is in `Authorization`, or a user name and password
//!   exchanged at `POST /login` for a token that is renewed before it expires. Secrets never
//!   appear in `Debug` output, errors or traces.
//! - **Versions**: API 14.0, 13.0, 12.0 and 10.0, either configured or negotiated by probing
//!   from the newest (see [`Client::negotiate`]), and again on request after a NetBackup upgrade
//!   ([`Client::renegotiate`]).
//! - **Listing**: every list endpoint is a [`Stream`](futures_util::Stream) of [`Page`]s, one
//!   HTTP request per page, whatever paging style the endpoint uses. A server that repeats a
//!   cursor or a page, or never stops, ends the stream with an error instead of looping.
//!   Jobs come as the complete model ([`Client::jobs`]) or as the attributes monitoring reads
//!   ([`Client::job_summaries`]), which decodes a large listing several times faster.
//! - **Filters**: a typed OData builder, [`Filter`] and [`Sort`].
//! - **Resilience**: a client-side [`RateLimit`], with a [`SharedLimit`] that reserves part of
//!   it for one caller against the others (see [`Client::with_extra_limit`]) and a
//!   [`WaitMeter`] that shows who waits for it; retries with exponential backoff and
//!   jitter on connection failures, timeouts, 429, 500, 502, 503 and 504, honouring
//!   `Retry-After`, within a per-call [`RetryPolicy`]. Every failure is an [`Error`] naming the
//!   method, URL, API version, HTTP status and NetBackup error code, sorted by
//!   [`Error::kind`]; text the server sent is kept only with the client's secrets masked and
//!   cut to 512 characters. A response body larger than
//!   [`ClientBuilder::max_body_bytes`] (8 MiB by default) fails while it streams.
//! - **Observability**: a `tracing` span per HTTP request (`nbu_request`, with endpoint,
//!   version, page, attempt, status and duration) at debug level.
//!
//! # Example
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use nbu_api::{Client, Filter, JobsQuery, Sort};
//!
//! # async fn run() -> Result<(), nbu_api::Error> {
//! let client = Client::builder("https://primary.example.com:1556/netbackup")
//!     .api_key(std::env::var("NBU_API_KEY").unwrap_or_default())
//!     .ca_bundle_file("/etc/nbu-exporter/cacert.pem")
//!     .build()?;
//!
//! let version = client.negotiate().await?;
//! println!("talking API {version} to NetBackup {:?}", client.server_info().await?.nbu_version);
//!
//! let since = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
//! let query = JobsQuery::new()
//!     .filter(Filter::ge("lastUpdateTime", since))
//!     .sort(Sort::desc("lastUpdateTime"));
//! let mut pages = std::pin::pin!(client.jobs(&query));
//! while let Some(page) = pages.try_next().await? {
//!     for job in &page.items {
//!         println!("job {} {:?} status {:?}", job.id, job.state, job.status);
//!     }
//! }
//! println!("{} HTTP requests", client.requests_sent());
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod auth;
mod client;
mod endpoints;
mod error;
mod filter;
mod limit;
pub mod models;
mod pagination;
mod query;
mod redact;
mod retry;
mod tls;
mod version;

pub use client::{Client, ClientBuilder, DEFAULT_MAX_BODY_BYTES, RateLimit};
pub use error::{DecodeError, Error, ErrorKind};
pub use filter::{Filter, FilterValue, Sort};
pub use limit::{SharedLimit, WaitMeter};
pub use pagination::Page;
pub use query::JobsQuery;
pub use retry::RetryPolicy;
pub use version::{ApiVersion, ParseApiVersionError};
