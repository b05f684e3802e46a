//! Typed models of NetBackup REST API responses.
//!
//! Every attribute struct is lenient in the same ways: fields the server leaves out are `None`
//! (never zero), unknown fields are ignored, values outside a documented vocabulary are kept as
//! `Other(text)`, and numbers, timestamps and durations that cannot be read are `None` rather
//! than a failure of the whole page. Field docs give the JSON name.

mod document;
mod error_body;
mod jobs;
pub(crate) mod lenient;
mod storage;

pub use document::{ListDocument, ListMeta, PaginationMeta, Resource, SingleDocument};
pub use error_body::ErrorBody;
pub use jobs::{Job, JobState};
pub use lenient::{PageRef, parse_duration};
pub use storage::{StorageCategory, StorageUnit};
