//! `nbu_alerts_count{severity, category}` from `/manage/alerts`.

use super::count_rows;
use crate::exposition::FamilySet;
use crate::names;

/// One alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRow {
    /// `severity` (`INFO`, `WARNING`, `ERROR`, …).
    pub severity: String,
    /// `category`.
    pub category: String,
}

/// Counts alerts by severity and category.
pub fn alert_families(alerts: &[AlertRow]) -> FamilySet {
    let mut set = FamilySet::new();
    count_rows(
        &mut set,
        names::ALERTS_COUNT,
        "NetBackup alerts by severity and category.",
        ["severity", "category"],
        alerts
            .iter()
            .map(|a| [a.severity.clone(), a.category.clone()]),
    );
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optional::test_support::{samples, value};

    fn alert(severity: &str, category: &str) -> AlertRow {
        AlertRow {
            severity: severity.into(),
            category: category.into(),
        }
    }

    #[test]
    fn alerts_are_counted_per_severity_and_category() {
        let set = alert_families(&[
            alert("ERROR", "JOB"),
            alert("ERROR", "JOB"),
            alert("INFO", "JOB"),
        ]);
        let name = names::ALERTS_COUNT;
        assert_eq!(
            value(&set, name, &[("severity", "ERROR"), ("category", "JOB")]),
            Some(2.0)
        );
        assert_eq!(
            value(&set, name, &[("severity", "INFO"), ("category", "JOB")]),
            Some(1.0)
        );
        assert_eq!(samples(&set, name), 2);
        assert_eq!(samples(&alert_families(&[]), name), 0);
    }
}
