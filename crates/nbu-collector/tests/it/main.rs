//! Integration tests of nbu-collector against the simulator on loopback.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed expectation in a test is a test failure"
)]

mod degradation;
mod fairness;
mod incremental;
mod optional;
mod upgrade;
