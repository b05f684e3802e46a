//! Integration tests of nbu-api: one binary, one module per area.
