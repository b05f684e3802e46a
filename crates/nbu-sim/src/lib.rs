//! nbu-sim
