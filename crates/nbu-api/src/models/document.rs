//! The JSON:API envelope shared by NetBackup's list and single-item responses.

use std::fmt;
use std::ops::Deref;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use super::lenient::{self, PageRef};

/// One JSON:API resource: identity, type and the typed `attributes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Resource<A> {
    /// `id`: the resource identifier. Sent as a string by the schemas and as an integer by some
    /// examples; either becomes text here. Empty in request bodies, where it is not written.
    #[serde(
        deserialize_with = "lenient::id_text",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub id: String,
    /// `type`: the JSON:API resource type, such as `job` or `storageUnit`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// `attributes`: the typed payload. A resource without attributes gets the all-absent value.
    #[serde(default)]
    pub attributes: A,
    /// `relationships`, kept as raw JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationships: Option<RawJson>,
    /// `links`, kept as raw JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<RawJson>,
    /// `meta`, kept as raw JSON (jobs carry `meta.page.cursor` here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<RawJson>,
}

impl<A> Resource<A> {
    /// Builds a resource from its identity and attributes, without links or meta.
    pub fn new(id: impl Into<String>, kind: impl Into<String>, attributes: A) -> Self {
        Self {
            id: id.into(),
            kind: kind.into(),
            attributes,
            relationships: None,
            links: None,
            meta: None,
        }
    }

    /// The per-item cursor at `meta.page.cursor`, which cursor-paginated lists attach to each item.
    pub fn cursor(&self) -> Option<String> {
        let meta = self.meta.as_ref()?.to_value();
        meta.get("page")?.get("cursor")?.as_str().map(str::to_owned)
    }
}

impl<A> Deref for Resource<A> {
    type Target = A;

    fn deref(&self) -> &A {
        &self.attributes
    }
}

/// A listed resource reduced to its identity and attributes.
///
/// Decoding a [`Resource`] allocates its `type` and copies its `links` and `meta` for every item.
/// A monitor reading a hundred thousand jobs uses none of them, and skipping them makes a page of
/// jobs decode about a twelfth faster. [`Client::job_summaries`](crate::Client::job_summaries)
/// yields these.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Listed<A> {
    /// `id`: the resource identifier, as text (as in [`Resource`]).
    #[serde(
        deserialize_with = "lenient::id_text",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub id: String,
    /// `attributes`: the typed payload. An item without attributes gets the all-absent value.
    #[serde(default)]
    pub attributes: A,
}

impl<A> Listed<A> {
    /// An item with identity `id` and `attributes`.
    pub fn new(id: impl Into<String>, attributes: A) -> Self {
        Self {
            id: id.into(),
            attributes,
        }
    }
}

impl<A> From<Resource<A>> for Listed<A> {
    fn from(resource: Resource<A>) -> Self {
        Self::new(resource.id, resource.attributes)
    }
}

impl<A> Deref for Listed<A> {
    type Target = A;

    fn deref(&self) -> &A {
        &self.attributes
    }
}

/// What the pagination walker needs of an item: its identity, to notice a server that ignores
/// `page[offset]` and sends the same page again.
pub(crate) trait Identified {
    /// The item's id; empty when the server sent none.
    fn id(&self) -> &str;
}

impl<A> Identified for Resource<A> {
    fn id(&self) -> &str {
        &self.id
    }
}

impl<A> Identified for Listed<A> {
    fn id(&self) -> &str {
        &self.id
    }
}

/// A JSON value kept as the server's text, parsed only when asked for.
///
/// Every listed item carries `links` and `meta` objects that few callers read; keeping their text
/// costs one copy, where a [`Value`] tree costs an allocation per key and string.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawJson(Box<RawValue>);

impl RawJson {
    /// The JSON text as received.
    pub fn text(&self) -> &str {
        self.0.get()
    }

    /// The value as a [`Value`] tree.
    pub fn to_value(&self) -> Value {
        // Text that deserialized as JSON once parses again; `Null` stands for the impossible case.
        serde_json::from_str(self.text()).unwrap_or(Value::Null)
    }

    /// The value decoded as `T`.
    ///
    /// # Errors
    ///
    /// When the JSON does not have the shape of `T`.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.text())
    }
}

impl From<&Value> for RawJson {
    fn from(value: &Value) -> Self {
        // A `Value` always serializes; the fallback keeps this infallible.
        let raw =
            serde_json::value::to_raw_value(value).unwrap_or_else(|_| RawValue::NULL.to_owned());
        Self(raw)
    }
}

impl PartialEq for RawJson {
    /// Equal JSON values, whatever the spacing or key order of their text.
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text() || self.to_value() == other.to_value()
    }
}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

/// A JSON:API list response: `data[]` plus optional `meta` and `links`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListDocument<T> {
    /// `data`: the items of this page; a response without `data` has none.
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    /// `meta`: pagination details, absent on endpoints that do not paginate (SLOs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<ListMeta>,
    /// `links`, kept as raw JSON (tape endpoints nest page links under `links.pagination`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Value>,
    /// `included`: related resources asked for with `include` (malware tools), as raw JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub included: Option<Vec<Value>>,
}

impl<T> ListDocument<T> {
    /// A document holding `data` and nothing else.
    pub fn new(data: Vec<T>) -> Self {
        Self {
            data,
            meta: None,
            links: None,
            included: None,
        }
    }

    /// Sets `meta.pagination`.
    pub fn with_pagination(mut self, pagination: PaginationMeta) -> Self {
        self.meta = Some(ListMeta {
            pagination: Some(pagination),
        });
        self
    }

    /// Sets `links`.
    pub fn with_links(mut self, links: Value) -> Self {
        self.links = Some(links);
        self
    }

    /// `meta.pagination`, when the server sent one.
    pub fn pagination(&self) -> Option<&PaginationMeta> {
        self.meta.as_ref()?.pagination.as_ref()
    }

    /// The `href` of a page link, looked up under `links.pagination.<rel>` first (tape media,
    /// tape volume pools) and then `links.<rel>` (jobs); `rel` is `next`, `prev`, `first`, `last`
    /// or `self`.
    pub fn link_href(&self, rel: &str) -> Option<&str> {
        let links = self.links.as_ref()?;
        let nested = links.get("pagination").and_then(|p| p.get(rel));
        nested.or_else(|| links.get(rel))?.get("href")?.as_str()
    }
}

/// `meta` of a list response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListMeta {
    /// `pagination`: page position, in cursor or offset style.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<PaginationMeta>,
}

/// `meta.pagination` in either style NetBackup uses.
///
/// Cursor style (jobs, tape media, SLP images): `limit`, `next`, `prev`, `rangeTruncated`.
/// Offset style (storage, alerts, catalog images, malware): `count`, `pages`, `page`, `offset`,
/// `limit`, `first`, `last`, `next`, `prev`. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PaginationMeta {
    /// `limit`: records per page.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub limit: Option<u64>,
    /// `count`: total records matching the request (offset style).
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<u64>,
    /// `pages`: total number of pages (offset style).
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub pages: Option<u64>,
    /// `page`: the current page number (offset style).
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub page: Option<u64>,
    /// `offset`: the offset of this page's first record (offset style).
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub offset: Option<u64>,
    /// `first`: the offset of the first page (offset style).
    #[serde(
        default,
        deserialize_with = "lenient::opt_page_ref",
        skip_serializing_if = "Option::is_none"
    )]
    pub first: Option<PageRef>,
    /// `last`: the offset of the last page (offset style).
    #[serde(
        default,
        deserialize_with = "lenient::opt_page_ref",
        skip_serializing_if = "Option::is_none"
    )]
    pub last: Option<PageRef>,
    /// `next`: cursor or offset of the next page; absent on the last page.
    #[serde(
        default,
        deserialize_with = "lenient::opt_page_ref",
        skip_serializing_if = "Option::is_none"
    )]
    pub next: Option<PageRef>,
    /// `prev`: cursor or offset of the previous page; absent on the first page.
    #[serde(
        default,
        deserialize_with = "lenient::opt_page_ref",
        skip_serializing_if = "Option::is_none"
    )]
    pub prev: Option<PageRef>,
    /// `rangeTruncated`: a range request (both `page[before]` and `page[after]`) was cut short.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_truncated: Option<bool>,
}

/// A JSON:API single-item response: `{ "data": … }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SingleDocument<T> {
    /// `data`: the one item.
    pub data: T,
}

impl<T> SingleDocument<T> {
    /// A document holding `data`.
    pub fn new(data: T) -> Self {
        Self { data }
    }
}
