//! `cargo xtask bench`: filled in by the benchmark work.

pub(crate) fn run(_args: &[String]) -> Result<(), String> {
    Err("benchmarks are not implemented yet".to_owned())
}
