//! Integration tests of nbu-metrics: the incremental window against the from-scratch
//! aggregation, and the rendered exposition against the Go exporter's names and labels.

// Fixture helpers outside `#[test]` functions panic on bad fixtures on purpose: that is a test
// failure, not a runtime path.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod anchor;
mod fixtures;
mod snapshots;
mod window_equivalence;
