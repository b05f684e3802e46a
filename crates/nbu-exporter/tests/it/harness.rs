//! Starting the binary, the simulator and Prometheus; reading what they serve.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

pub(crate) const API_KEY: &str = "e2e-secret-api-key-7f3a9c";

/// A free loopback port (bound, then released for the process under test to take).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

pub(crate) fn http() -> reqwest::Client {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("an HTTP client")
}

/// The body of a GET to `url`; panics when the request fails.
pub(crate) async fn get_text(url: &str) -> String {
    http()
        .get(url)
        .send()
        .await
        .expect("GET succeeds")
        .text()
        .await
        .expect("a text body")
}

/// A running exporter process; killed when dropped. Its output is kept for assertions.
pub(crate) struct Exporter {
    child: Child,
    pub(crate) port: u16,
    pub(crate) config: PathBuf,
    output: Arc<Mutex<String>>,
    _dir: tempfile::TempDir,
}

impl Exporter {
    /// Writes `yaml` (with `{port}` replaced by a free port) to a temp dir and starts the binary.
    pub(crate) fn start(yaml: &str, env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let config = dir.path().join("config.yaml");
        std::fs::write(&config, yaml.replace("{port}", &port.to_string())).expect("write config");
        Self::start_with(dir, config, port, env)
    }

    pub(crate) fn start_with(
        dir: tempfile::TempDir,
        config: PathBuf,
        port: u16,
        env: &[(&str, &str)],
    ) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_nbu-exporter"));
        command
            .arg("--config")
            .arg(&config)
            .env_remove("NBU_EXPORTER_LOG_LEVEL")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = command.spawn().expect("start nbu-exporter");
        let mut exporter = Self::adopt(child, port);
        exporter.config = config;
        exporter._dir = dir;
        exporter
    }

    /// Takes over a started exporter process whose stdout and stderr are piped.
    pub(crate) fn adopt(mut child: Child, port: u16) -> Self {
        let output = Arc::new(Mutex::new(String::new()));
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let output = Arc::clone(&output);
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut out = output.lock().unwrap();
                    out.push_str(&line);
                    out.push('\n');
                }
            });
        }
        Self {
            child,
            port,
            config: PathBuf::new(),
            output,
            _dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub(crate) fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// Waits until `/metrics` shows `predicate`, or panics with the exporter's output.
    pub(crate) async fn wait_for_metrics(
        &self,
        what: &str,
        predicate: impl Fn(&Metrics) -> bool,
    ) -> Metrics {
        let client = http();
        let deadline = Instant::now() + Duration::from_secs(40);
        loop {
            if let Ok(response) = client.get(self.url("/metrics")).send().await
                && let Ok(body) = response.text().await
            {
                let metrics = Metrics::parse(&body);
                if predicate(&metrics) {
                    return metrics;
                }
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out waiting for {what}; exporter output:\n{}",
                    self.output()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub(crate) fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Sends SIGTERM, waits for the exit, and returns the status with everything the process wrote.
    pub(crate) fn terminate_with_output(self) -> (std::process::ExitStatus, String) {
        let output = Arc::clone(&self.output);
        let status = self.terminate();
        // The reader threads see the end of the pipes shortly after the exit.
        std::thread::sleep(Duration::from_millis(200));
        let text = output.lock().unwrap().clone();
        (status, text)
    }

    /// Sends SIGTERM and waits for the exit status.
    pub(crate) fn terminate(mut self) -> std::process::ExitStatus {
        self.signal("TERM");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "exporter did not stop on SIGTERM:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One sample: label pairs in exposition order, and the value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sample {
    pub(crate) labels: Vec<(String, String)>,
    pub(crate) value: f64,
}

impl Sample {
    pub(crate) fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A parsed exposition: samples by metric name.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    pub(crate) samples: BTreeMap<String, Vec<Sample>>,
    pub(crate) text: String,
}

impl Metrics {
    pub(crate) fn parse(text: &str) -> Self {
        let mut samples: BTreeMap<String, Vec<Sample>> = BTreeMap::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let (series, value) = line.rsplit_once(' ').expect("sample line has a value");
            let value: f64 = match value {
                "+Inf" => f64::INFINITY,
                "-Inf" => f64::NEG_INFINITY,
                v => v.parse().expect("numeric value"),
            };
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => (name, parse_labels(rest.trim_end_matches('}'))),
                None => (series, Vec::new()),
            };
            samples
                .entry(name.to_owned())
                .or_default()
                .push(Sample { labels, value });
        }
        Self {
            samples,
            text: text.to_owned(),
        }
    }

    pub(crate) fn get(&self, name: &str) -> &[Sample] {
        self.samples.get(name).map_or(&[], Vec::as_slice)
    }

    /// The value of the only sample of `name` whose labels include all of `labels`.
    pub(crate) fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let mut matching = self
            .get(name)
            .iter()
            .filter(|s| labels.iter().all(|(n, v)| s.label(n) == Some(*v)));
        let first = matching.next()?;
        assert!(
            matching.next().is_none(),
            "{name}{labels:?} matches several samples"
        );
        Some(first.value)
    }
}

fn parse_labels(text: &str) -> Vec<(String, String)> {
    let mut labels = Vec::new();
    let mut rest = text;
    while let Some((name, after)) = rest.split_once("=\"") {
        let mut value = String::new();
        let mut chars = after.char_indices();
        let mut end = after.len();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, other)) => value.push(other),
                    None => {}
                },
                '"' => {
                    end = i + 1;
                    break;
                }
                c => value.push(c),
            }
        }
        labels.push((name.trim_start_matches(',').trim().to_owned(), value));
        rest = &after[end..];
    }
    labels
}

/// A config in the Go exporter's format pointing at `base` (the simulator's address).
pub(crate) fn go_config(sim: &nbu_sim::SimHandle, extra: &str) -> String {
    format!(
        "server:\n  host: 127.0.0.1\n  port: \"{{port}}\"\n  uri: /metrics\n  scrapingInterval: 1h\n  collectionInterval: 2s\n  logName: stdout\n\
nbuservers:\n  - site: alpha\n    scheme: http\n    host: 127.0.0.1\n    port: \"{port}\"\n    uri: /netbackup\n    apiKey: {key}\n\
collection:\n  jobsInterval: 2s\n  storageInterval: 2s\n{extra}",
        port = sim.addr().port(),
        key = sim.api_key(),
    )
}

/// Starts a simulator with a fixed estate (no live changes) and the test API key.
pub(crate) async fn simulator(jobs: usize) -> nbu_sim::SimHandle {
    nbu_sim::Server::builder()
        .api_key(API_KEY)
        .jobs(jobs)
        .seed(7)
        .spawn()
        .await
        .expect("simulator starts")
}

pub(crate) fn which(tool: &str) -> PathBuf {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join(tool))
        .find(|p| p.is_file());
    found.unwrap_or_else(|| {
        panic!("`{tool}` is not installed; `cargo xtask test` installs it (Debian package `prometheus`)")
    })
}

pub(crate) fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write file");
}
