//! `nbu_slo_count` from `/servicecatalog/slos`.

use crate::exposition::FamilySet;
use crate::names;

/// The number of service level objectives (protection plans) defined.
pub fn slo_families(slos: u64) -> FamilySet {
    let mut set = FamilySet::new();
    set.gauge(
        names::SLO_COUNT,
        "Service level objectives (protection plans) defined.",
    )
    .push(vec![], slos as f64);
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optional::test_support::value;

    #[test]
    fn slo_count_is_one_unlabelled_sample() {
        assert_eq!(value(&slo_families(12), names::SLO_COUNT, &[]), Some(12.0));
    }
}
