//! Loading whole files: the Go exporter's layouts, layering, and every kind of problem report.

use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::ExposeSecret;

use super::sources::Vars;
use super::*;

const PARIS_KEY: &str = "A1b2C3d4-paris-api-key-secret";
const LYON_KEY: &str = "Z9y8X7w6-lyon-api-key-secret";

/// A config that loads, for tests that add one thing to it.
const MINIMAL: &str =
    "nbuservers:\n  - site: paris\n    host: nbu-paris.example.com\n    apiKey: k\n";

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/config")
        .join(name)
}

/// Loads `yaml` from a fresh directory (no `.env`) with exactly `vars` as the environment.
fn load_yaml(
    yaml: &str,
    vars: &[(&str, &str)],
    overrides: &Overrides,
) -> Result<Config, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yaml");
    std::fs::write(&path, yaml).unwrap();
    load_with_vars(&path, overrides, Vars::from_pairs(vars.iter().copied()))
}

fn ok(yaml: &str) -> Config {
    match load_yaml(yaml, &[], &Overrides::default()) {
        Ok(config) => config,
        Err(error) => panic!("expected a valid configuration, got:\n{error}"),
    }
}

fn problems(yaml: &str, vars: &[(&str, &str)]) -> Vec<Problem> {
    match load_yaml(yaml, vars, &Overrides::default()) {
        Err(ConfigError::Invalid { problems, .. }) => problems,
        other => panic!("expected problems, got {other:?}"),
    }
}

fn api_key(site: &SiteConfig) -> &str {
    match &site.auth {
        SiteAuth::ApiKey(key) => key.expose_secret(),
        SiteAuth::Login { .. } => panic!("expected an API key"),
    }
}

#[test]
fn go_single_server_file_loads_unchanged() {
    let config = load_with_vars(
        &data("go-single.yaml"),
        &Overrides::default(),
        Vars::default(),
    )
    .unwrap();

    assert_eq!(config.server.host, "localhost");
    assert_eq!(config.server.port, 2112);
    assert_eq!(config.server.uri, "/metrics");
    assert_eq!(config.server.scraping_interval, Duration::from_secs(3600));
    assert_eq!(config.server.log_name, "log/nbu-exporter.log");
    assert_eq!(config.sites.len(), 1);
    let site = &config.sites[0];
    assert_eq!(
        site.site, "nbu-paris.example.com",
        "a single nbuserver's site defaults to its host"
    );
    assert_eq!(
        site.base_url,
        "https://nbu-paris.example.com:1556/netbackup"
    );
    assert_eq!(site.api_version.as_deref(), Some("13.0"));
    assert_eq!(api_key(site), PARIS_KEY);
    assert!(
        site.insecure_skip_verify,
        "insecureSkipVerify: ${{NBU1_SKIP_CERTIFICATE}} is true in .env"
    );
    assert!(!config.telemetry.enabled);
    assert_eq!(config.telemetry.sampling_rate, 0.1);
    assert_eq!(
        config.collection.jobs_interval,
        Duration::from_secs(60),
        "absent collectionInterval"
    );
    assert_eq!(config.job_window(), Duration::from_secs(3600));
    assert_eq!(config.collectors, CollectorsConfig::default());
    assert_eq!(config.warnings.len(), 1, "{:?}", config.warnings);
    assert!(config.warnings[0].contains("nbuserver.insecureSkipVerify"));
}

#[test]
fn go_multi_site_file_loads_unchanged() {
    let config = load_with_vars(
        &data("go-multi.yaml"),
        &Overrides::default(),
        Vars::default(),
    )
    .unwrap();

    let names: Vec<&str> = config.sites.iter().map(|site| site.site.as_str()).collect();
    assert_eq!(names, ["paris", "lyon"]);
    assert_eq!(
        config.sites[0].base_url,
        "https://nbu-paris.example.com:1556/netbackup"
    );
    assert_eq!(
        config.sites[1].base_url,
        "https://nbu-lyon.example.com:1556/netbackup"
    );
    assert_eq!(config.sites[0].api_version.as_deref(), Some("14.0"));
    assert_eq!(
        config.sites[1].api_version, None,
        "omitted apiVersion means negotiate"
    );
    assert_eq!(api_key(&config.sites[0]), PARIS_KEY);
    assert_eq!(api_key(&config.sites[1]), LYON_KEY);
    assert!(config.sites[0].insecure_skip_verify);
    assert!(!config.sites[1].insecure_skip_verify);
    assert_eq!(config.collection.jobs_interval, Duration::from_secs(300));
    assert_eq!(config.job_window(), Duration::from_secs(3600));
    assert_eq!(config.server.log_name, "stdout");
    assert!(config.telemetry.enabled);
    assert_eq!(config.telemetry.endpoint, "otel-collector.example.com:4317");
    assert_eq!(
        config.telemetry.sampling_rate, 1.0,
        "omitted samplingRate samples everything"
    );
    let collectors = &config.collectors;
    assert!(collectors.alerts && collectors.slo);
    assert!(!collectors.malware && !collectors.catalog && !collectors.tape);
    assert!(collectors.per_client.enabled);
    assert_eq!(
        collectors.per_client.allowlist,
        ["db01.example.com", "web01.example.com"]
    );
}

#[test]
fn the_process_environment_beats_the_dotenv_file() {
    let vars = Vars::from_pairs([("NBU1_HOSTNAME", "nbu-other.example.com")]);
    let config = load_with_vars(&data("go-single.yaml"), &Overrides::default(), vars).unwrap();
    assert_eq!(
        config.sites[0].base_url,
        "https://nbu-other.example.com:1556/netbackup"
    );
    assert_eq!(
        api_key(&config.sites[0]),
        PARIS_KEY,
        "the rest still comes from .env"
    );
}

#[test]
fn defaults_fill_every_optional_key() {
    let config = ok(MINIMAL);
    let server = &config.server;
    assert_eq!((server.host.as_str(), server.port), ("0.0.0.0", 9440));
    assert_eq!(server.uri, "/metrics");
    assert_eq!(server.log_name, "stdout");
    assert_eq!(server.log_level, "info");
    assert!(!server.log_json);
    assert_eq!(server.shutdown_timeout, Duration::from_secs(10));
    assert_eq!(server.scraping_interval, Duration::from_secs(3600));
    assert_eq!(
        config.collection,
        CollectionConfig {
            jobs_interval: Duration::from_secs(60),
            storage_interval: Duration::from_secs(300),
            timeout: Duration::from_secs(50),
            full_resync_interval: Duration::from_secs(3600),
            overlap: Duration::from_secs(10),
        }
    );
    let site = &config.sites[0];
    assert_eq!(
        site.base_url,
        "https://nbu-paris.example.com:1556/netbackup"
    );
    assert_eq!(site.api_version, None);
    assert!(!site.insecure_skip_verify);
    assert_eq!(site.ca_file, None);
    assert_eq!((site.rate_limit_per_second, site.rate_burst), (10, 20));
    assert_eq!(site.max_response_bytes, nbu_api::DEFAULT_MAX_BODY_BYTES);
    assert_eq!(site.request_timeout, Duration::from_secs(60));
    assert_eq!(site.connect_timeout, Duration::from_secs(10));
    assert_eq!(
        (site.max_retries, site.retry_budget, site.job_slices),
        (3, Duration::from_secs(60), 8)
    );
    assert_eq!(config.collectors, CollectorsConfig::default());
    assert!(!config.telemetry.enabled);
    assert_eq!(config.telemetry.sampling_rate, 1.0);
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
}

#[test]
fn our_keys_are_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), "-----BEGIN CERTIFICATE-----\n").unwrap();
    let path = dir.path().join("config.yaml");
    std::fs::write(
        &path,
        "server:\n  shutdownTimeout: 30s\n  logFormat: JSON\n  logLevel: info,nbu_api=debug\n\
         collection:\n  jobsInterval: 90s\n  storageInterval: 10m\n  timeout: 1m\n  fullResyncInterval: 2h\n  overlap: 5m\n\
         nbuservers:\n  - site: paris\n    host: '::1'\n    port: 8443\n    uri: /netbackup/\n    username: monitor\n\
         \x20   password: pw\n    domain: example.local\n    domainType: vx\n    caFile: ca.pem\n    rateLimit: 5\n\
         \x20   rateBurst: 7\n    requestTimeout: 500ms\n    connectTimeout: 2s\n    maxRetries: 0\n    retryBudget: 4s\n    jobSlices: 2\n\
         \x20   maxResponseMiB: 3\n",
    )
    .unwrap();
    let config = load_with_vars(&path, &Overrides::default(), Vars::default()).unwrap();
    assert_eq!(config.sites[0].max_response_bytes, 3 * 1024 * 1024);
    assert_eq!(config.server.shutdown_timeout, Duration::from_secs(30));
    assert!(config.server.log_json);
    assert_eq!(config.server.log_level, "info,nbu_api=debug");
    assert_eq!(config.collection.jobs_interval, Duration::from_secs(90));
    assert_eq!(config.collection.storage_interval, Duration::from_secs(600));
    assert_eq!(config.collection.timeout, Duration::from_secs(60));
    assert_eq!(
        config.collection.full_resync_interval,
        Duration::from_secs(7200)
    );
    assert_eq!(config.collection.overlap, Duration::from_secs(300));
    let site = &config.sites[0];
    assert_eq!(site.base_url, "https://[::1]:8443/netbackup");
    assert_eq!(
        site.ca_file.as_deref(),
        Some(dir.path().join("ca.pem").as_path())
    );
    assert_eq!((site.rate_limit_per_second, site.rate_burst), (5, 7));
    assert_eq!(site.request_timeout, Duration::from_millis(500));
    assert_eq!(site.connect_timeout, Duration::from_secs(2));
    assert_eq!(
        (site.max_retries, site.retry_budget, site.job_slices),
        (0, Duration::from_secs(4), 2)
    );
    match &site.auth {
        SiteAuth::Login {
            user,
            password,
            domain,
            domain_type,
        } => {
            assert_eq!(user, "monitor");
            assert_eq!(password.expose_secret(), "pw");
            assert_eq!(domain.as_deref(), Some("example.local"));
            assert_eq!(domain_type.as_deref(), Some("vx"));
        }
        SiteAuth::ApiKey(_) => panic!("expected a login"),
    }
}

#[test]
fn scalars_are_read_whatever_yaml_made_of_them() {
    let config = ok(
        "server:\n  port: 9441\nnbuserver:\n  host: nbu\n  port: 1557\n  apiVersion: 13.0\n  apiKey: 12345\n  insecureSkipVerify: 'yes'\n",
    );
    assert_eq!(config.server.port, 9441);
    assert_eq!(config.sites[0].base_url, "https://nbu:1557/netbackup");
    assert_eq!(config.sites[0].api_version.as_deref(), Some("13.0"));
    assert_eq!(api_key(&config.sites[0]), "12345");
    assert!(
        config
            .warnings
            .iter()
            .any(|w| w.contains("`nbuserver.apiKey` is written as a number")),
        "{:?}",
        config.warnings
    );
    assert!(config.sites[0].insecure_skip_verify);
}

#[test]
fn insecure_skip_verify_accepts_a_variable() {
    let yaml =
        "nbuserver:\n  host: nbu\n  apiKey: k\n  insecureSkipVerify: ${NBU1_SKIP_CERTIFICATE}\n";
    let off = load_yaml(
        yaml,
        &[("NBU1_SKIP_CERTIFICATE", "false")],
        &Overrides::default(),
    )
    .unwrap();
    assert!(!off.sites[0].insecure_skip_verify);
    let on = load_yaml(
        yaml,
        &[("NBU1_SKIP_CERTIFICATE", "TRUE")],
        &Overrides::default(),
    )
    .unwrap();
    assert!(on.sites[0].insecure_skip_verify);
    let bad = problems(yaml, &[("NBU1_SKIP_CERTIFICATE", "maybe")]);
    assert_eq!(bad[0].key, "nbuserver.insecureSkipVerify");
    assert!(
        bad[0].message.contains("\"maybe\" is not true or false"),
        "{}",
        bad[0]
    );
}

#[test]
fn environment_variables_beat_the_file() {
    let yaml = "server:\n  port: 9440\n  scrapingInterval: 1h\nnbuservers:\n  - site: a\n    host: a.example\n    apiKey: file-key\n  - site: b\n    host: b.example\n    apiKey: file-key\n";
    let vars = [
        ("NBU_EXPORTER_SERVER__PORT", "9500"),
        ("NBU_EXPORTER_SERVER__SCRAPING_INTERVAL", "2h"),
        ("NBU_EXPORTER_NBUSERVERS__1__APIKEY", "env-key"),
        (
            "NBU_EXPORTER_COLLECTORS__PERCLIENT__ALLOWLIST",
            "db01, web01",
        ),
    ];
    let config = load_yaml(yaml, &vars, &Overrides::default()).unwrap();
    assert_eq!(config.server.port, 9500);
    assert_eq!(config.server.scraping_interval, Duration::from_secs(7200));
    assert_eq!(api_key(&config.sites[0]), "file-key");
    assert_eq!(api_key(&config.sites[1]), "env-key");
    assert_eq!(config.sites[1].base_url, "https://b.example:1556/netbackup");
    assert_eq!(config.collectors.per_client.allowlist, ["db01", "web01"]);
}

#[test]
fn command_line_overrides_beat_the_environment() {
    let vars = [
        ("NBU_EXPORTER_SERVER__PORT", "9500"),
        ("NBU_EXPORTER_SERVER__LOGLEVEL", "warn"),
        ("NBU_EXPORTER_SERVER__HOST", "10.0.0.1"),
    ];
    let overrides = Overrides {
        listen_host: None,
        listen_port: Some(9600),
        log_level: Some("debug".into()),
        log_json: Some(true),
    };
    let config = load_yaml(MINIMAL, &vars, &overrides).unwrap();
    assert_eq!(config.server.port, 9600);
    assert_eq!(config.server.log_level, "debug");
    assert!(config.server.log_json);
    assert_eq!(
        config.server.host, "10.0.0.1",
        "the environment still beats the file"
    );
}

#[test]
fn a_problem_says_which_layer_set_the_value() {
    let vars = [("NBU_EXPORTER_SERVER__PORT", "0")];
    let found = problems(MINIMAL, &vars);
    assert_eq!(found[0].key, "server.port");
    assert!(
        found[0]
            .message
            .contains("environment variable `NBU_EXPORTER_SERVER__PORT`"),
        "{}",
        found[0]
    );
    let overrides = Overrides {
        log_level: Some("loud".into()),
        ..Overrides::default()
    };
    let Err(ConfigError::Invalid { problems, .. }) = load_yaml(MINIMAL, &[], &overrides) else {
        panic!("expected a problem");
    };
    assert!(
        problems[0].message.contains("the command line"),
        "{}",
        problems[0]
    );
}

#[test]
fn every_validation_problem_names_its_key() {
    const SITE: &str =
        "nbuservers:\n  - site: paris\n    host: nbu-paris.example.com\n    apiKey: k\n";
    let cases: &[(&str, &str, &str)] = &[
        (
            "server:\n  port: '99999'\n",
            "server.port",
            "99999 is not a valid port",
        ),
        (
            "server:\n  port: nine\n",
            "server.port",
            "\"nine\" is not a whole number",
        ),
        (
            "server:\n  port: 70000\n",
            "server.port",
            "70000 is not a valid port",
        ),
        (
            "server:\n  host: 'http://0.0.0.0'\n",
            "server.host",
            "URL scheme",
        ),
        ("server:\n  uri: /health\n", "server.uri", "health endpoint"),
        (
            "server:\n  uri: metrics\n",
            "server.uri",
            "must start with `/`",
        ),
        (
            "server:\n  scrapingInterval: 1x\n",
            "server.scrapingInterval",
            "unknown unit `x`",
        ),
        (
            "server:\n  scrapingInterval: 60\n",
            "server.scrapingInterval",
            "`60s`",
        ),
        (
            "server:\n  logLevel: inof\n",
            "server.logLevel",
            "\"inof\" is not a log level",
        ),
        (
            "server:\n  logLevel: 'info,nbu_api=loud'\n",
            "server.logLevel",
            "has `nbu_api=loud`",
        ),
        (
            "server:\n  logFormat: xml\n",
            "server.logFormat",
            "`text` or `json`",
        ),
        (
            "server:\n  shutdownTimeout: 0s\n",
            "server.shutdownTimeout",
            "at least 1s",
        ),
        ("server: 9440\n", "server", "must be a mapping"),
        (
            "collection:\n  jobsInterval: 30s\n  timeout: 30s\n",
            "collection.timeout",
            "shorter than the jobs interval (30s)",
        ),
        (
            "collection:\n  fullResyncInterval: 10s\n",
            "collection.fullResyncInterval",
            "shorter than the jobs interval (1m)",
        ),
        (
            "opentelemetry:\n  samplingRate: 1.5\n",
            "opentelemetry.samplingRate",
            "1.5 is not a number from 0 to 1",
        ),
        (
            "opentelemetry:\n  enabled: true\n  endpoint: collector\n",
            "opentelemetry.endpoint",
            "has no port",
        ),
        (
            "collectors:\n  alerts: true\n",
            "collectors.alerts",
            "must be a mapping",
        ),
        (
            "collectors:\n  perClient:\n    allowlist: {a: b}\n",
            "collectors.perClient.allowlist",
            "list of names",
        ),
    ];
    for (extra, key, fragment) in cases {
        let found = problems(&format!("{SITE}{extra}"), &[]);
        assert!(
            found
                .iter()
                .any(|p| p.key == *key && p.message.contains(fragment)),
            "for {extra:?} expected `{key}` with {fragment:?}, got {found:#?}"
        );
    }
}

#[test]
fn every_site_problem_names_its_key() {
    let site = |body: &str| {
        format!(
            "nbuservers:\n  - site: paris\n    host: nbu-paris.example.com\n    apiKey: k\n  - {body}\n"
        )
    };
    let cases: &[(String, &str, &str)] = &[
        (
            site("site: lyon\n    host: nbu-lyon\n    apiKey: k\n    port: abc"),
            "nbuservers[1].port",
            "\"abc\" is not a whole number",
        ),
        (
            site("site: lyon\n    host: https://nbu-lyon\n    apiKey: k"),
            "nbuservers[1].host",
            "`scheme`",
        ),
        (
            site("site: lyon\n    host: nbu-lyon:1556\n    apiKey: k"),
            "nbuservers[1].host",
            "`port`",
        ),
        (
            site("site: lyon\n    apiKey: k"),
            "nbuservers[1].host",
            "is missing",
        ),
        (
            site("host: nbu-lyon\n    apiKey: k"),
            "nbuservers[1].site",
            "is missing",
        ),
        (
            site("site: paris\n    host: nbu-lyon\n    apiKey: k"),
            "nbuservers[1].site",
            "already the site of `nbuservers[0]`",
        ),
        (
            site("site: lyon\n    host: nbu-lyon\n    apiKey: k\n    scheme: ftp"),
            "nbuservers[1].scheme",
            "\"ftp\" is not supported",
        ),
        (
            site("site: lyon\n    host: nbu-lyon\n    apiKey: k\n    uri: netbackup"),
            "nbuservers[1].uri",
            "must start with `/`",
        ),
        (
            site("site: lyon\n    host: nbu-lyon\n    apiKey: k\n    apiVersion: '3.0'"),
            "nbuservers[1].apiVersion",
            "use one of 14.0, 13.0, 12.0, 10.0",
        ),
        (
            site("site: lyon\n    host: nbu-lyon\n    apiKey: k\n    apiVersion: 11.0"),
            "nbuservers[1].apiVersion",
            "\"11.0\" is not a supported",
        ),
        (
            site("site: lyon\n    host: nbu-lyon"),
            "nbuservers[1].apiKey",
            "is missing",
        ),
        (
            site("site: lyon\n    host: nbu-lyon\n    apiKey: ''"),
            "nbuservers[1].apiKey",
            "is empty",
        ),
        (
            site("site: lyon\n    host: nbu-lyon\n    username: u"),
            "nbuservers[1].password",
            "is missing",
        ),
        (
            site("site: lyon\n    host: nbu-lyon\n    password: p"),
            "nbuservers[1].username",
            "is missing",
        ),
        (
            site("site: lyon\n    host: nbu-lyon\n    apiKey: k\n    caFile: missing.pem"),
            "nbuservers[1].caFile",
            "not a readable file",
        ),
        (
            site("site: lyon\n    host: nbu-lyon\n    apiKey: k\n    rateLimit: 0"),
            "nbuservers[1].rateLimit",
            "from 1 to 10000",
        ),
        (
            site("site: lyon\n    host: nbu-lyon\n    apiKey: k\n    jobSlices: 65"),
            "nbuservers[1].jobSlices",
            "from 1 to 64",
        ),
        (
            site("site: lyon\n    host: nbu-lyon\n    apiKey: k\n    requestTimeout: fast"),
            "nbuservers[1].requestTimeout",
            "not a duration",
        ),
        (
            site("site: lyon\n    host: ${NBU2_HOSTNAME}\n    apiKey: k"),
            "nbuservers[1].host",
            "`NBU2_HOSTNAME`, which is not set",
        ),
        (site("just-a-string"), "nbuservers[1]", "must be a mapping"),
    ];
    for (yaml, key, fragment) in cases {
        let found = problems(yaml, &[]);
        assert!(
            found
                .iter()
                .any(|p| p.key == *key && p.message.contains(fragment)),
            "expected `{key}` with {fragment:?}, got {found:#?}"
        );
    }
}

#[test]
fn the_server_list_itself_is_checked() {
    let both = problems(
        "nbuserver:\n  host: a\n  apiKey: k\nnbuservers:\n  - site: b\n    host: b\n    apiKey: k\n",
        &[],
    );
    assert_eq!(both.len(), 1, "{both:#?}");
    assert_eq!(both[0].key, "nbuserver");
    assert!(both[0].message.contains("together with `nbuservers`"));

    let neither = problems("server:\n  port: 9440\n", &[]);
    assert_eq!(neither[0].key, "nbuservers");
    assert!(
        neither[0]
            .message
            .contains("no NetBackup server is configured")
    );

    let empty = problems("nbuservers: []\n", &[]);
    assert!(empty[0].message.contains("empty list"), "{empty:#?}");

    let mapping = problems("nbuservers:\n  host: a\n  apiKey: k\n", &[]);
    assert!(
        mapping[0].message.contains("must be a list"),
        "{mapping:#?}"
    );
}

#[test]
fn several_problems_are_all_listed() {
    let yaml = "server:\n  port: 0\n  scrapingInterval: 1x\nnbuservers:\n  - site: a\n    host: a.example\n  - site: a\n    host: b.example\n    apiKey: k\n    apiVersion: '9.0'\nopentelemetry:\n  samplingRate: -1\n";
    let error = load_yaml(yaml, &[], &Overrides::default()).unwrap_err();
    let ConfigError::Invalid { problems, .. } = &error else {
        panic!("expected problems, got {error:?}");
    };
    let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "server.port",
            "server.scrapingInterval",
            "nbuservers[0].apiKey",
            "nbuservers[1].apiVersion",
            "nbuservers[1].site",
            "opentelemetry.samplingRate",
        ]
    );
    let text = error.to_string();
    assert!(text.starts_with("the configuration file "), "{text}");
    assert!(text.contains("has 6 problems:"), "{text}");
    assert_eq!(
        text.lines().count(),
        7,
        "a header and one line per problem:\n{text}"
    );
    assert!(
        text.contains("\n  - `server.port`: 0 is not a valid port"),
        "{text}"
    );
}

#[test]
fn secrets_never_appear_in_errors_or_debug_output() {
    const KEY: &str = "sUp3r-s3cr3t-API-key";
    const PASSWORD: &str = "hunter2-password-xyz";
    let yaml = format!(
        "server:\n  port: 0\nnbuservers:\n  - site: a\n    host: a.example\n    apiKey: {KEY}\n    port: 70000\n  - site: b\n    host: b.example\n    username: u\n    password: {PASSWORD}\n  - site: c\n    host: c.example\n    apiKey: [{KEY}]\n  - site: d\n    host: d.example\n    apiKey: ${{MISSING_KEY}}\n    password: true\n"
    );
    let error = load_yaml(&yaml, &[], &Overrides::default()).unwrap_err();
    let rendered = format!("{error}\n{error:?}");
    assert!(rendered.contains("`nbuservers[0].port`"), "{rendered}");
    assert!(rendered.contains("`nbuservers[2].apiKey`"), "{rendered}");
    assert!(rendered.contains("`MISSING_KEY`"), "{rendered}");
    assert!(rendered.contains("<redacted>"), "{rendered}");
    assert!(!rendered.contains(KEY), "the API key leaked:\n{rendered}");
    assert!(
        !rendered.contains(PASSWORD),
        "the password leaked:\n{rendered}"
    );

    let valid = format!(
        "nbuservers:\n  - site: a\n    host: a.example\n    apiKey: {KEY}\n  - site: b\n    host: b.example\n    username: u\n    password: {PASSWORD}\n"
    );
    let config = ok(&valid);
    let debug = format!("{config:?}");
    assert!(!debug.contains(KEY) && !debug.contains(PASSWORD), "{debug}");
    assert!(debug.contains("REDACTED"), "{debug}");
}

#[test]
fn a_malformed_dotenv_line_is_reported_without_its_value() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "NBU1_APIKEY='leaky-secret-value\n").unwrap();
    let path = dir.path().join("config.yaml");
    std::fs::write(&path, MINIMAL).unwrap();
    let error = load_with_vars(&path, &Overrides::default(), Vars::default()).unwrap_err();
    let rendered = format!("{error}\n{error:?}");
    assert!(rendered.contains(".env"), "{rendered}");
    assert!(rendered.contains("`NBU1_APIKEY`"), "{rendered}");
    assert!(!rendered.contains("leaky-secret-value"), "{rendered}");
}

#[test]
fn unknown_keys_warn_with_a_suggestion() {
    let config = ok(&format!(
        "{MINIMAL}server:\n  scrapingIntreval: 2h\n  colour: blue\n"
    ));
    assert!(
        config
            .warnings
            .iter()
            .any(|w| w.contains("`server.scrapingIntreval`")
                && w.contains("did you mean `scrapingInterval`?")),
        "{:?}",
        config.warnings
    );
    assert!(
        config
            .warnings
            .iter()
            .any(|w| w.contains("`server.colour`") && w.contains("the keys allowed here are")),
        "{:?}",
        config.warnings
    );
    assert_eq!(
        config.server.scraping_interval,
        Duration::from_secs(3600),
        "the typo is ignored"
    );

    // A misspelt required key: the error is explained by the warning printed with it.
    let error = load_yaml(
        "nbuservers:\n  - site: a\n    host: a\n    apikey: k\n",
        &[],
        &Overrides::default(),
    )
    .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("`nbuservers[0].apiKey`: is missing"),
        "{text}"
    );
    assert!(
        text.contains(
            "warning: `nbuservers[0].apikey`: unknown key, ignored; did you mean `apiKey`?"
        ),
        "{text}"
    );
}

#[test]
fn unknown_environment_keys_warn() {
    let config = load_yaml(
        MINIMAL,
        &[("NBU_EXPORTER_SERVER__PROT", "1")],
        &Overrides::default(),
    )
    .unwrap();
    assert!(
        config.warnings.iter().any(
            |w| w.contains("`NBU_EXPORTER_SERVER__PROT`") && w.contains("did you mean `port`?")
        ),
        "{:?}",
        config.warnings
    );
}

#[test]
fn durations_use_go_syntax() {
    let config = ok(&format!(
        "{MINIMAL}    requestTimeout: 500ms\nserver:\n  scrapingInterval: 1h30m\n  collectionInterval: 90s\n"
    ));
    assert_eq!(config.server.scraping_interval, Duration::from_secs(5400));
    assert_eq!(config.collection.jobs_interval, Duration::from_secs(90));
    assert_eq!(config.sites[0].request_timeout, Duration::from_millis(500));

    let found = problems(&format!("{MINIMAL}collection:\n  overlap: 1x\n"), &[]);
    assert_eq!(found[0].key, "collection.overlap");
    assert!(
        found[0]
            .message
            .starts_with("\"1x\" has the unknown unit `x`"),
        "{}",
        found[0]
    );
}

#[test]
fn the_default_timeout_stays_below_a_short_interval() {
    let config = ok(&format!("{MINIMAL}collection:\n  jobsInterval: 30s\n"));
    assert_eq!(config.collection.timeout, Duration::from_secs(25));
    assert_eq!(
        config.collection.full_resync_interval,
        Duration::from_secs(3600)
    );
}

#[test]
fn jobs_interval_beats_the_go_collection_interval() {
    let config = ok(&format!(
        "{MINIMAL}server:\n  collectionInterval: 5m\ncollection:\n  jobsInterval: 1m\n"
    ));
    assert_eq!(config.collection.jobs_interval, Duration::from_secs(60));
    assert!(
        config
            .warnings
            .iter()
            .any(|w| w.contains("collection.jobsInterval")),
        "{:?}",
        config.warnings
    );
    assert_eq!(config.job_window(), Duration::from_secs(3600));
    let short = ok(&format!(
        "{MINIMAL}server:\n  scrapingInterval: 1m\n  collectionInterval: 5m\n"
    ));
    assert_eq!(
        short.job_window(),
        Duration::from_secs(300),
        "the window never leaves gaps between polls"
    );
}

#[test]
fn the_old_misspelling_of_scraping_interval_still_works() {
    let config = ok(&format!("{MINIMAL}server:\n  scrappingInterval: 2h\n"));
    assert_eq!(config.server.scraping_interval, Duration::from_secs(7200));
    assert!(
        config
            .warnings
            .iter()
            .any(|w| w.contains("rename it to `scrapingInterval`")),
        "{:?}",
        config.warnings
    );
}

#[test]
fn reloading_the_same_file_gives_an_equal_config() {
    let first = ok(MINIMAL);
    assert_eq!(first, ok(MINIMAL));
    let rotated = ok(&MINIMAL.replace("apiKey: k", "apiKey: k2"));
    assert_ne!(first, rotated, "a rotated API key is a change");
}

#[test]
fn unreadable_and_unparsable_files_fail_clearly() {
    let missing = load(
        Path::new("/nonexistent/nbu/config.yaml"),
        &Overrides::default(),
    )
    .unwrap_err();
    assert!(matches!(missing, ConfigError::Read { .. }));
    assert!(missing.to_string().contains("/nonexistent/nbu/config.yaml"));

    let error = load_yaml("server:\n  port: [1\n", &[], &Overrides::default()).unwrap_err();
    assert!(matches!(error, ConfigError::Syntax { .. }), "{error:?}");
    assert!(error.to_string().contains("line"), "{error}");
}

#[test]
fn flow_style_collector_sections_are_read() {
    let config = ok(&format!(
        "{MINIMAL}collectors:\n  alerts:  {{ enabled: true }}\n  tape:    {{ enabled: false }}\n  perClient:\n    enabled: false\n    allowlist: []\n"
    ));
    assert!(config.collectors.alerts);
    assert!(!config.collectors.tape && !config.collectors.per_client.enabled);
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
}

#[test]
fn an_api_key_an_http_header_cannot_carry_is_refused_without_showing_it() {
    // As `run` sends it: the key goes into the Authorization header, which refuses these.
    for (key, expected) in [
        ("line-one-secret\nline-two", "control character"),
        ("tab\u{7f}secret", "control character"),
        ("clé-secrète", "non-ASCII"),
    ] {
        let found = problems(
            "nbuservers:\n  - site: paris\n    host: nbu\n    apiKey: ${NBU_KEY}\n",
            &[("NBU_KEY", key)],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].key, "nbuservers[0].apiKey");
        assert!(found[0].message.contains(expected), "{}", found[0].message);
        assert!(!found[0].message.contains("secret"), "the key is not shown");
    }
    let multi_line = problems(
        "nbuservers:\n  - site: paris\n    host: nbu\n    apiKey: |\n      the-key\n",
        &[],
    );
    assert_eq!(multi_line[0].key, "nbuservers[0].apiKey", "{multi_line:?}");
}
