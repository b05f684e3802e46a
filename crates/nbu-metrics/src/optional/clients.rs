//! `nbu_client_last_successful_backup_timestamp_seconds{client}` from one `/admin/jobs` query
//! per allowlisted client (latest backup with status 0).

use jiff::Timestamp;

use crate::exposition::FamilySet;
use crate::names;

/// The answer for one allowlisted client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientBackupRow {
    /// The client name.
    pub client: String,
    /// `endTime` of its latest successful backup; absent when it has none on record.
    pub last_success_end: Option<Timestamp>,
}

/// One sample per client with a known successful backup, in Unix seconds.
pub fn client_backup_families(clients: &[ClientBackupRow]) -> FamilySet {
    let mut set = FamilySet::new();
    let family = set.gauge(
        names::CLIENT_LAST_SUCCESSFUL_BACKUP,
        "End of the latest successful backup of each allowlisted client, in Unix seconds.",
    );
    for row in clients {
        if let Some(end) = row.last_success_end {
            family.push(vec![("client", row.client.clone())], end.as_second() as f64);
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optional::test_support::{samples, value};

    #[test]
    fn clients_without_a_success_have_no_sample() {
        let set = client_backup_families(&[
            ClientBackupRow {
                client: "db01".into(),
                last_success_end: Some(Timestamp::from_second(1_700_000_000).unwrap()),
            },
            ClientBackupRow {
                client: "new".into(),
                last_success_end: None,
            },
        ]);
        let name = names::CLIENT_LAST_SUCCESSFUL_BACKUP;
        assert_eq!(
            value(&set, name, &[("client", "db01")]),
            Some(1_700_000_000.0)
        );
        assert_eq!(samples(&set, name), 1);
    }
}
