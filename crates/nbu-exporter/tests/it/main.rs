//! End-to-end tests: the real `nbu-exporter` binary against `nbu-sim` on loopback, checked with
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed expectation in a test is a test failure"
)]
//! `promtool` and scraped by a real Prometheus.

mod harness;

mod cli;
mod commands;
mod compat;
mod defaults;
mod e2e;
mod faults;
mod matrix;
mod reload;
