//! Integration tests: a real simulator on 127.0.0.1, a real HTTP client.

mod conformance;
mod faults;
mod jobs;
mod protocol;
mod support;
mod tls;
