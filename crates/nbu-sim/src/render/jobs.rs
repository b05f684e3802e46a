//! `/admin/jobs` resources, written straight to JSON text (admin.yaml `getJobsResponse` shape).

use std::fmt::Write as _;

use super::{ObjWriter, iso_duration, write_json_str};
use crate::jobs::JobRef;
use crate::vocab;

/// What every job rendering needs besides the job.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JobContext<'a> {
    /// `https://host:port/netbackup`.
    pub(crate) base_url: &'a str,
    /// Unix seconds: the clock for elapsed times of running jobs.
    pub(crate) now: u32,
    /// The primary server's name (`controlHost`).
    pub(crate) primary: &'a str,
}

/// Appends the JSON:API resource of one job; `cursor` adds `meta.page.cursor` (list responses).
pub(crate) fn write_job(
    out: &mut String,
    job: JobRef<'_>,
    cursor: Option<&str>,
    ctx: &JobContext<'_>,
) {
    let record = job.job;
    let id = record.id;
    let mut resource = ObjWriter::begin(out);
    resource.str("type", "job");
    {
        let out = resource.key("id");
        let _ = write!(out, "\"{id}\"");
    }
    {
        let out = resource.key("links");
        let base = ctx.base_url;
        let _ = write!(
            out,
            r#"{{"self":{{"href":"{base}/admin/jobs/{id}"}},"file-lists":{{"href":"{base}/admin/jobs/{id}/file-lists"}},"try-logs":{{"href":"{base}/admin/jobs/{id}/try-logs"}}}}"#
        );
    }
    if let Some(cursor) = cursor {
        let out = resource.key("meta");
        out.push_str(r#"{"page":{"cursor":"#);
        write_json_str(out, cursor);
        out.push_str("}}");
    }
    let out = resource.key("attributes");
    write_attributes(out, job, ctx);
    resource.end();
}

/// One served attribute of a job, as the client reads it (`None` when the job does not carry it):
/// what sorts and filters on fields without a typed accessor compare.
pub(crate) fn attribute(job: JobRef<'_>, now: u32, name: &str) -> Option<serde_json::Value> {
    let mut out = String::with_capacity(2_048);
    let ctx = JobContext {
        base_url: "",
        now,
        primary: &job.tables.primary,
    };
    write_attributes(&mut out, job, &ctx);
    let mut attributes: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&out).ok()?;
    attributes.remove(name)
}

fn write_attributes(out: &mut String, job: JobRef<'_>, ctx: &JobContext<'_>) {
    let record = job.job;
    let running = !record.is_finished();
    let queued = record.state == vocab::STATE_QUEUED;
    let client = job.client_name();
    let schedule = job.schedule();
    let is_backup = matches!(record.job_type, vocab::JT_BACKUP | vocab::JT_DBBACKUP);
    let is_copy = matches!(record.job_type, vocab::JT_DUPLICATE | vocab::JT_REPLICATE);
    let elapsed = if record.end != 0 {
        record.end - record.start
    } else {
        ctx.now.saturating_sub(record.start)
    };
    let short_client = client.split('.').next().unwrap_or(client);
    let vm_workload = matches!(job.policy_type(), "VMWARE" | "HYPERV");

    let mut a = ObjWriter::begin(out);
    a.int("jobId", i64::from(record.id));
    a.int("parentJobId", i64::from(record.parent));
    a.str("jobType", job.job_type());
    a.str(
        "jobSubType",
        if is_backup && schedule.is_some() {
            "SCHEDULED"
        } else {
            "IMMEDIATE"
        },
    );
    a.str("policyType", job.policy_type());
    a.str("policyName", job.policy_name());
    if let Some(schedule) = schedule {
        a.str("scheduleType", schedule.schedule_type);
    }
    a.str("scheduleName", schedule.map_or("", |s| s.name));
    a.str("clientName", client);
    a.str("controlHost", ctx.primary);
    a.str("jobOwner", "root");
    a.str("jobGroup", "root");
    if is_backup && record.is_finished() && record.status <= 1 && record.children == 0 {
        let out = a.key("backupId");
        out.push('"');
        out.push_str(client);
        let _ = write!(out, "_{}\"", record.start);
    } else {
        a.str("backupId", "");
    }
    a.str("sourceMediaId", "");
    a.str(
        "sourceStorageUnitName",
        if is_copy { job.storage_unit_name() } else { "" },
    );
    a.str(
        "sourceMediaServerName",
        if is_copy { job.media_server_name() } else { "" },
    );
    a.str("destinationMediaId", "");
    a.str("destinationStorageUnitName", job.storage_unit_name());
    a.str("destinationMediaServerName", job.media_server_name());
    a.str("dataMovement", "STANDARD");
    a.str(
        "applicationType",
        match job.policy_type() {
            "VMWARE" => "VMWARE",
            "HYPERV" => "HYPERV",
            _ => "NONE",
        },
    );
    a.str("offHostType", "STANDARD");
    // Data-in-transit encryption is off unless configured; the simulated estate does not configure it.
    a.str("dteMode", "OFF");
    a.int("streamNumber", 0);
    a.int("copyNumber", if is_copy { 2 } else { 1 });
    a.int("priority", 0);
    a.int("retentionLevel", i64::from(record.id % 3));
    a.int("compression", 0);
    a.int("status", i64::from(record.status));
    a.str("state", job.state());
    a.int("numberOfFiles", i64::from(record.files));
    a.int("estimatedFiles", i64::from(record.files));
    a.int(
        "kilobytesTransferred",
        i64::try_from(record.kilobytes).unwrap_or(i64::MAX),
    );
    a.int("kilobytesToTransfer", 0);
    a.int(
        "kilobytesDataTransferred",
        i64::try_from(record.kilobytes).unwrap_or(i64::MAX),
    );
    a.int(
        "transferRate",
        i64::try_from(record.kilobytes / u64::from(elapsed.max(1))).unwrap_or(0),
    );
    a.int("percentComplete", i64::from(record.percent));
    a.int(
        "restartable",
        i64::from(record.is_finished() && record.status >= 2),
    );
    a.int("suspendable", i64::from(running && !queued));
    a.int(
        "resumable",
        i64::from(record.state == vocab::STATE_INCOMPLETE),
    );
    a.int("cancellable", i64::from(running));
    a.int(
        "frozenImage",
        i64::from(record.job_type == vocab::JT_SNAPSHOT),
    );
    a.str("transportType", "LAN");
    if running && !queued && is_backup {
        let out = a.key("currentFile");
        let _ = write!(
            out,
            "\"/data/{short_client}/part{:04}.dat\"",
            record.id % 10_000
        );
    }
    a.int(
        "currentOperation",
        match (running, queued, record.job_type) {
            (true, true, _) => 32,
            (true, false, vocab::JT_RESTORE) => 10,
            (true, false, vocab::JT_SNAPSHOT) => 22,
            (true, false, _) => 3,
            _ => 0,
        },
    );
    a.int("jobQueueReason", i64::from(record.queue_reason));
    a.str(
        "jobQueueResource",
        if queued { job.storage_unit_name() } else { "" },
    );
    a.str("robotName", "");
    a.str("vaultName", "");
    a.str("profileName", "");
    a.int("sessionId", 0);
    a.int("numberOfTapeToEject", 0);
    a.int("submissionType", 0);
    a.str("dumpHost", "");
    a.str("instanceDatabaseName", "");
    a.str("auditUserName", "");
    a.str("auditDomainName", "");
    a.int("auditDomainType", 0);
    if record.job_type == vocab::JT_RESTORE {
        let out = a.key("restoreBackupIDs");
        out.push('"');
        out.push_str(client);
        let _ = write!(out, "_{}\"", record.start.saturating_sub(86_400));
    } else {
        a.str("restoreBackupIDs", "");
    }
    a.time("startTime", record.start);
    if record.end != 0 {
        a.time("endTime", record.end);
    }
    a.time("activeTryStartTime", record.start);
    a.time("lastUpdateTime", record.last_update);
    a.int("try", i64::from(record.attempt));
    a.int("mainProcessId", 0);
    a.int(
        "activeProcessId",
        if running && !queued {
            4_000 + i64::from(record.id % 60_000)
        } else {
            0
        },
    );
    a.str("assetID", "");
    a.str(
        "assetDisplayableName",
        if vm_workload { short_client } else { "" },
    );
    a.str(
        "workloadDisplayName",
        if vm_workload { short_client } else { "" },
    );
    {
        let out = a.key("elapsedTime");
        write_json_str(out, &iso_duration(elapsed));
    }
    {
        let out = a.key("activeElapsedTime");
        write_json_str(out, &iso_duration(elapsed));
    }
    a.int("childCount", i64::from(record.children));
    {
        let out = a.key("jobPath");
        if record.parent != 0 {
            let _ = write!(out, "\"{}.{}\"", record.parent, record.id);
        } else {
            let _ = write!(out, "\"{}\"", record.id);
        }
    }
    if record.dedup_permille > 0 {
        a.float("dedupRatio", job.dedup_ratio());
        // The space ratios come with deduplicating storage too. One decimal place, like dedupRatio,
        // so that a client can filter on a value it read back.
        a.float("dedupSpaceRatio", job.dedup_ratio());
        a.float(
            "compressionSpaceRatio",
            f64::from((record.dedup_permille / 7) % 400) / 10.0,
        );
        if is_backup {
            a.float(
                "acceleratorOptimization",
                f64::from(record.id.wrapping_mul(37) % 1_000) / 10.0,
            );
        }
    }
    a.end();
}
