//! Names from the vendor specs (enums of `admin.yaml` and friends) and the realistic mixes the
//! generator draws from. Keeping them in one place makes the compact job record's `u8`/`u16` codes
//! readable: a code is an index into one of these tables.

/// Job states, indexed by `Job::state`.
pub(crate) const STATES: &[&str] = &[
    "QUEUED",
    "ACTIVE",
    "REQUEUED",
    "DONE",
    "SUSPENDED",
    "INCOMPLETE",
];
pub(crate) const STATE_QUEUED: u8 = 0;
pub(crate) const STATE_ACTIVE: u8 = 1;
pub(crate) const STATE_DONE: u8 = 3;
pub(crate) const STATE_INCOMPLETE: u8 = 5;

/// Every job type the spec lists (valid filter values).
pub(crate) const ALL_JOB_TYPES: &[&str] = &[
    "BACKUP",
    "ARCHIVE",
    "RESTORE",
    "VERIFY",
    "DUPLICATE",
    "IMPORT",
    "DBBACKUP",
    "VAULT",
    "LABEL",
    "ERASE",
    "TPREQ",
    "TPCLEAN",
    "TPFORMAT",
    "VMPHYSINV",
    "DQTS",
    "DBRECOVER",
    "MCONTENTS",
    "IMAGEDELETE",
    "GENERIC",
    "REPLICATE",
    "REPLICA_IMPORT",
    "SNAPDUPE",
    "SNAPREPLICATE",
    "SNAPIMPORT",
    "APP_STATE_CAPTURE",
    "INDEXING",
    "INDEXCLEANUP",
    "SNAPSHOT",
    "SNAPINDEX",
    "ACTIVATE_IR",
    "DEACTIVATE_IR",
    "REACTIVATE_IR",
    "STOP_IR",
    "INSTANT_RECOVERY",
    "RMAN_CATALOG",
    "LOCKVM",
    "DEPLOYMENT",
    "INSTANT_ACCESS",
    "CLOUD_SNAPSHOT_REPLICATE",
    "PREPARING_FOR_BACKUP",
    "INSTANT_SYNC",
    "TRIAL_BACKUP",
    "MULTIPLE_STORAGE_METADATA",
];

/// The job types the generator produces, indexed by `Job::job_type`.
pub(crate) const JOB_TYPES: &[&str] = &[
    "BACKUP",
    "SNAPSHOT",
    "DUPLICATE",
    "REPLICATE",
    "IMAGEDELETE",
    "RESTORE",
    "VERIFY",
    "DBBACKUP",
    "INDEXING",
];
pub(crate) const JT_BACKUP: u8 = 0;
pub(crate) const JT_SNAPSHOT: u8 = 1;
pub(crate) const JT_DUPLICATE: u8 = 2;
pub(crate) const JT_REPLICATE: u8 = 3;
pub(crate) const JT_IMAGEDELETE: u8 = 4;
pub(crate) const JT_RESTORE: u8 = 5;
pub(crate) const JT_VERIFY: u8 = 6;
pub(crate) const JT_DBBACKUP: u8 = 7;
pub(crate) const JT_INDEXING: u8 = 8;

/// Every policy type the spec lists (valid filter values; the union over releases).
pub(crate) const ALL_POLICY_TYPES: &[&str] = &[
    "STANDARD",
    "PROXY",
    "NONSTANDARD",
    "APOLLO_WBAK",
    "OBACKUP",
    "ANY",
    "INFORMIX",
    "SYBASE",
    "SHAREPOINT",
    "WINDOWS",
    "NETWARE",
    "BACKTRACK",
    "AUSPEX_FASTBACK",
    "WINDOWS_NT",
    "OS2",
    "SQL_SERVER",
    "EXCHANGE",
    "SAP",
    "DB2",
    "NDMP",
    "FLASHBACKUP",
    "SPLITMIRROR",
    "AFS",
    "DFS",
    "DATASTORE",
    "LOTUS_NOTES",
    "NCR_TERADATA",
    "VAX_VMS",
    "HP3000_MPE",
    "FBU_WINDOWS",
    "VAULT",
    "BE_SQL_SERVER",
    "BE_EXCHANGE",
    "MAC",
    "DS",
    "NBU_CATALOG",
    "GENERIC",
    "CMS_DB",
    "PUREDISK_EXPORT",
    "ENTERPRISE_VAULT",
    "VMWARE",
    "HYPERV",
    "NBU_SEARCHSERVER",
    "HYPERSCALE",
    "BIGDATA",
    "CLOUD",
    "DEPLOYMENT",
    "HYPERVISOR",
    "UNIVERSAL_SHARE",
    "NAS_DATA_PROTECTION",
    "KUBERNETES",
    "MSDP_OBJECT_STORE",
    "EPIC_LARGE_FILE",
    "NUTANIX_AHV",
    "KVM",
    "OLVM_RHV",
];

/// A workload the generator builds policies for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Workload {
    /// The jobs' `policyType` (present in every release's enum).
    pub(crate) policy_type: &'static str,
    /// Prefix of generated client names.
    pub(crate) client_prefix: &'static str,
    /// Policy name stem.
    pub(crate) policy_stem: &'static str,
    /// Alert `subCategory` (manage.yaml's vocabulary differs from the jobs').
    pub(crate) alert_category: &'static str,
    /// Typical full-backup size, in GiB.
    pub(crate) full_gib: u32,
    /// Files per GiB (0 for block-level workloads that report few files).
    pub(crate) files_per_gib: u32,
    /// Whether the backup runs as a parent job with snapshot and backup children.
    pub(crate) parent_child: bool,
    /// Schedules this workload's policies use (indices into [`SCHEDULES`]).
    pub(crate) schedules: &'static [u8],
    /// Relative share of policies.
    pub(crate) weight: u32,
}

/// Workloads, indexed by `Policy::workload`.
pub(crate) const WORKLOADS: &[Workload] = &[
    Workload {
        policy_type: "VMWARE",
        client_prefix: "vm-app",
        policy_stem: "VMW",
        alert_category: "VMWARE",
        full_gib: 80,
        files_per_gib: 0,
        parent_child: true,
        schedules: &[0, 1],
        weight: 30,
    },
    Workload {
        policy_type: "STANDARD",
        client_prefix: "lnx",
        policy_stem: "UNIX_FS",
        alert_category: "STANDARD",
        full_gib: 40,
        files_per_gib: 9000,
        parent_child: false,
        schedules: &[0, 1, 2],
        weight: 20,
    },
    Workload {
        policy_type: "WINDOWS_NT",
        client_prefix: "win",
        policy_stem: "WIN_FS",
        alert_category: "MS-WINDOWS",
        full_gib: 60,
        files_per_gib: 12000,
        parent_child: false,
        schedules: &[0, 1],
        weight: 15,
    },
    Workload {
        policy_type: "SQL_SERVER",
        client_prefix: "sql",
        policy_stem: "MSSQL",
        alert_category: "MS-SQL-SERVER",
        full_gib: 120,
        files_per_gib: 2,
        parent_child: false,
        schedules: &[0, 2, 3],
        weight: 10,
    },
    Workload {
        policy_type: "OBACKUP",
        client_prefix: "ora",
        policy_stem: "ORACLE",
        alert_category: "ORACLE",
        full_gib: 200,
        files_per_gib: 3,
        parent_child: false,
        schedules: &[0, 2, 4],
        weight: 8,
    },
    Workload {
        policy_type: "HYPERV",
        client_prefix: "hv",
        policy_stem: "HYPERV",
        alert_category: "HYPER-V",
        full_gib: 70,
        files_per_gib: 0,
        parent_child: true,
        schedules: &[0, 1],
        weight: 5,
    },
    Workload {
        policy_type: "NDMP",
        client_prefix: "nas",
        policy_stem: "NDMP",
        alert_category: "NDMP",
        full_gib: 400,
        files_per_gib: 15000,
        parent_child: false,
        schedules: &[0, 1],
        weight: 4,
    },
    Workload {
        policy_type: "SAP",
        client_prefix: "sap",
        policy_stem: "SAP",
        alert_category: "SAP",
        full_gib: 250,
        files_per_gib: 1,
        parent_child: false,
        schedules: &[0, 4],
        weight: 3,
    },
    Workload {
        policy_type: "EXCHANGE",
        client_prefix: "exch",
        policy_stem: "EXCHANGE",
        alert_category: "MS-EXCHANGE-SERVER",
        full_gib: 150,
        files_per_gib: 50,
        parent_child: false,
        schedules: &[0, 1],
        weight: 3,
    },
];

/// The catalog backup policy's workload (one policy, protecting the primary server).
pub(crate) const CATALOG_WORKLOAD: Workload = Workload {
    policy_type: "NBU_CATALOG",
    client_prefix: "",
    policy_stem: "CATALOG",
    alert_category: "NBU-CATALOG",
    full_gib: 5,
    files_per_gib: 20000,
    parent_child: false,
    schedules: &[0, 1],
    weight: 0,
};

/// A policy schedule: name and the jobs' `scheduleType`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Schedule {
    pub(crate) name: &'static str,
    pub(crate) schedule_type: &'static str,
    /// The catalog's `scheduleType` vocabulary (catalog.yaml).
    pub(crate) catalog_type: &'static str,
    /// Size of a run relative to a full backup, in percent.
    pub(crate) size_pct: u32,
    /// Relative frequency of runs.
    pub(crate) weight: u32,
}

/// Schedules, indexed by `Job::schedule`.
pub(crate) const SCHEDULES: &[Schedule] = &[
    Schedule {
        name: "Full_Weekly",
        schedule_type: "FULL_BACKUP",
        catalog_type: "FULL",
        size_pct: 100,
        weight: 2,
    },
    Schedule {
        name: "Incr_Daily",
        schedule_type: "DIFFERENTIAL_INCREMENTAL_BACKUP",
        catalog_type: "DIFFERENTIAL_INCREMENTAL",
        size_pct: 8,
        weight: 10,
    },
    Schedule {
        name: "Cinc_Daily",
        schedule_type: "CUMULATIVE_INCREMENTAL_BACKUP",
        catalog_type: "CUMULATIVE_INCREMENTAL",
        size_pct: 15,
        weight: 6,
    },
    Schedule {
        name: "TLog_Hourly",
        schedule_type: "TRANSACTION_LOG_BACKUP",
        catalog_type: "DIFFERENTIAL_INCREMENTAL",
        size_pct: 2,
        weight: 12,
    },
    Schedule {
        name: "ArchLog_4h",
        schedule_type: "ARCHIVE_REDO_LOG_BACKUP",
        catalog_type: "DIFFERENTIAL_INCREMENTAL",
        size_pct: 3,
        weight: 8,
    },
];
pub(crate) const NO_SCHEDULE: u8 = u8::MAX;

/// Final status codes of finished jobs and their relative frequencies: mostly 0, some 1 (partially
/// successful), then the usual suspects (50 client process aborted, 96 no media, 150 termination
/// requested, 196 window closed, 2074 disk volume down, …).
pub(crate) const STATUS_MIX: &[(u16, u32)] = &[
    (0, 8200),
    (1, 800),
    (2, 60),
    (13, 40),
    (41, 40),
    (50, 90),
    (58, 70),
    (84, 25),
    (96, 110),
    (150, 90),
    (156, 50),
    (191, 60),
    (196, 200),
    (800, 30),
    (2074, 45),
    (4207, 25),
];

/// Why a queued job waits (`jobQueueReason` codes from the spec) and the resource it waits for.
pub(crate) const QUEUE_REASONS: &[(u8, &str)] = &[
    (5, "MAX_STORAGE_UNIT_JOBS"),
    (2, "DRIVES_IN_USE"),
    (1, "MEDIA_IN_USE"),
    (15, "STORAGEUNIT_JOB_COUNTS_THROTTLED"),
    (30, "DISK_VOLUME_STREAM_LIMIT"),
];

/// Storage unit categories the generator mixes, in the order units are created.
pub(crate) const STORAGE_CATEGORY_CYCLE: &[&str] = &[
    "MSDP",
    "CLOUD",
    "TAPE",
    "ADVANCED_DISK",
    "MSDP",
    "OPEN_STORAGE",
    "BASIC_DISK",
    "CLOUD",
    "MSDP",
    "TAPE",
];
