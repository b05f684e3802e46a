//! nbu-metrics
