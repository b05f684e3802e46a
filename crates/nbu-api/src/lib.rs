//! nbu-api: a typed, paginated, rate-limited client for the Veritas NetBackup REST API.
//!
//! This crate is the only part of the workspace that speaks HTTP to NetBackup. It must not
//! depend on Prometheus, on the exporter's configuration, or on any other crate of this workspace.
#![deny(missing_docs)]

pub mod models;
