//! Integration tests of nbu-api: one binary, one module per area.

// Core: the client over HTTP (wiremock, the simulator, a loopback TLS server).
mod auth;
mod body_cap;
mod endpoints;
mod errors;
mod negotiation;
mod pagination;
mod resilience;
mod secrets;
mod sim;
mod support;
mod tls;

// Models: fixtures derived from the specs, decoded and snapshotted.
mod models;
