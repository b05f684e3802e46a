//! Integration tests: a real simulator on 127.0.0.1, a real HTTP client.

// Test helpers outside `#[test]` functions are still test code: a failed expectation should panic
// with its message.
#![allow(
    clippy::expect_used,
    reason = "test code: panicking with a message is the failure report"
)]

mod conformance;
mod faults;
mod jobs;
mod protocol;
mod spec_fields;
mod spec_lists;
mod support;
mod tls;
