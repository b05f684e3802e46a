//! Typed keys of the job families: one struct per label set, never a joined string.

/// `nbu_jobs_count`, `nbu_jobs_bytes` and the completed-job counters: `{action, policy_type, status}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobKey {
    /// The job type (`jobType`), e.g. `BACKUP`.
    pub action: String,
    /// The policy type (`policyType`), e.g. `VMWARE`.
    pub policy_type: String,
    /// The status code in decimal, or [`crate::UNKNOWN`].
    pub status: String,
}

impl JobKey {
    /// The labels in exposition order.
    pub fn labels(&self) -> Vec<(&'static str, String)> {
        vec![
            ("action", self.action.clone()),
            ("policy_type", self.policy_type.clone()),
            ("status", self.status.clone()),
        ]
    }
}

/// `nbu_status_count`: `{action, status}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatusKey {
    /// The job type.
    pub action: String,
    /// The status code in decimal, or [`crate::UNKNOWN`].
    pub status: String,
}

impl StatusKey {
    /// The labels in exposition order.
    pub fn labels(&self) -> Vec<(&'static str, String)> {
        vec![
            ("action", self.action.clone()),
            ("status", self.status.clone()),
        ]
    }
}

/// `nbu_jobs_state_count`: `{action, state}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StateKey {
    /// The job type.
    pub action: String,
    /// The job state as NetBackup spells it (`ACTIVE`, `QUEUED`, `DONE`, …).
    pub state: String,
}

impl StateKey {
    /// The labels in exposition order.
    pub fn labels(&self) -> Vec<(&'static str, String)> {
        vec![
            ("action", self.action.clone()),
            ("state", self.state.clone()),
        ]
    }
}

/// `nbu_jobs_queued_count`: `{action, reason}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QueueKey {
    /// The job type.
    pub action: String,
    /// The queue reason (`jobQueueReason`), or [`crate::UNKNOWN`].
    pub reason: String,
}

impl QueueKey {
    /// The labels in exposition order.
    pub fn labels(&self) -> Vec<(&'static str, String)> {
        vec![
            ("action", self.action.clone()),
            ("reason", self.reason.clone()),
        ]
    }
}

/// `nbu_jobs_files_count`, `nbu_jobs_dedup_ratio`, `nbu_job_duration_seconds`:
/// `{action, policy_type}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PolicyKey {
    /// The job type.
    pub action: String,
    /// The policy type.
    pub policy_type: String,
}

impl PolicyKey {
    /// The labels in exposition order.
    pub fn labels(&self) -> Vec<(&'static str, String)> {
        vec![
            ("action", self.action.clone()),
            ("policy_type", self.policy_type.clone()),
        ]
    }
}

/// `nbu_client_jobs_count`: `{client, action, status}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientJobKey {
    /// The client name (`clientName`).
    pub client: String,
    /// The job type.
    pub action: String,
    /// The status code in decimal, or [`crate::UNKNOWN`].
    pub status: String,
}

impl ClientJobKey {
    /// The labels in exposition order.
    pub fn labels(&self) -> Vec<(&'static str, String)> {
        vec![
            ("client", self.client.clone()),
            ("action", self.action.clone()),
            ("status", self.status.clone()),
        ]
    }
}

/// `nbu_client_last_job_success_seconds`: `{client, policy, action}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientPolicyKey {
    /// The client name.
    pub client: String,
    /// The policy name (`policyName`).
    pub policy: String,
    /// The job type.
    pub action: String,
}

impl ClientPolicyKey {
    /// The labels in exposition order.
    pub fn labels(&self) -> Vec<(&'static str, String)> {
        vec![
            ("client", self.client.clone()),
            ("policy", self.policy.clone()),
            ("action", self.action.clone()),
        ]
    }
}
