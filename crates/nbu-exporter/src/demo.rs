//! `nbu-exporter demo`: the exporter on an in-process NetBackup simulator with live data.
//!
//! The demo writes a configuration file in the Go exporter's format and loads it through the same
//! path as a real deployment, so what it shows is what an operator gets.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Duration;

use crate::cli::{Common, load_or_report};

pub(crate) async fn demo(common: &Common, jobs: usize, jobs_per_minute: f64) -> ExitCode {
    let simulator = nbu_sim::Server::builder()
        .jobs(jobs)
        .jobs_per_minute(jobs_per_minute)
        .window(Duration::from_secs(6 * 3600))
        .spawn()
        .await;
    let simulator = match simulator {
        Ok(simulator) => simulator,
        Err(error) => {
            eprintln!("nbu-exporter demo: cannot start the simulator: {error}");
            return ExitCode::from(1);
        }
    };
    let directory = std::env::temp_dir().join(format!("nbu-exporter-demo-{}", std::process::id()));
    let config_path = directory.join("config.yaml");
    let port = common.port.unwrap_or(9440);
    let host = common
        .listen_host
        .clone()
        .unwrap_or_else(|| "127.0.0.1".to_owned());
    let yaml = format!(
        "# Written by `nbu-exporter demo`: a Go-exporter-style configuration for the simulator.\n\
server:\n  host: \"{host}\"\n  port: \"{port}\"\n  uri: /metrics\n  scrapingInterval: 1h\n  collectionInterval: 15s\n  logName: stdout\n\
nbuservers:\n  - site: demo\n    scheme: http\n    host: \"{sim_host}\"\n    port: \"{sim_port}\"\n    uri: /netbackup\n    apiKey: ${{NBU_DEMO_APIKEY}}\n\
collection:\n  jobsInterval: 15s\n  storageInterval: 60s\n\
collectors:\n  alerts: {{ enabled: true }}\n  malware: {{ enabled: true }}\n  catalog: {{ enabled: true }}\n  \
slo: {{ enabled: true }}\n  tape: {{ enabled: true }}\n  perClient:\n    enabled: true\n    allowlist: [{clients}]\n",
        sim_host = simulator.addr().ip(),
        sim_port = simulator.addr().port(),
        clients = busiest_clients(&simulator, 2).join(", "),
    );
    if let Err(error) =
        std::fs::create_dir_all(&directory).and_then(|()| std::fs::write(&config_path, yaml))
    {
        eprintln!(
            "nbu-exporter demo: cannot write {}: {error}",
            config_path.display()
        );
        return ExitCode::from(1);
    }
    // The key lives in the environment, as it should in production, not in the file.
    let env_path = directory.join(".env");
    if let Err(error) = std::fs::write(
        &env_path,
        format!("NBU_DEMO_APIKEY={}\n", simulator.api_key()),
    ) {
        eprintln!(
            "nbu-exporter demo: cannot write {}: {error}",
            env_path.display()
        );
        return ExitCode::from(1);
    }
    let mut common = common.clone();
    common.config = config_path.clone();
    let Some(config) = load_or_report(&common) else {
        return ExitCode::from(2);
    };
    let base_url = simulator.base_url();
    let code = crate::run::serve_config(&common, config, |bound| {
        announce(&format!(
            "\nnbu-exporter demo is running on a simulated NetBackup primary server ({base_url}).\n\
             \n  metrics:  http://{bound}/metrics\n  health:   http://{bound}/health\n  overview: http://{bound}/\n\
             \nconfiguration used: {}\nstop with Ctrl-C\n",
            config_path.display()
        ));
    })
    .await;
    simulator.shutdown().await;
    let _ = std::fs::remove_dir_all(&directory);
    code
}

/// The `count` clients with the most backup jobs in the simulated history, quoted for YAML: the
/// per-client series of the demo then have data to show.
fn busiest_clients(simulator: &nbu_sim::SimHandle, count: usize) -> Vec<String> {
    let mut backups: BTreeMap<String, usize> = BTreeMap::new();
    for job in simulator
        .jobs()
        .into_iter()
        .filter(|job| job.job_type == "BACKUP")
    {
        *backups.entry(job.client_name).or_default() += 1;
    }
    let mut ranked: Vec<(String, usize)> = backups.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked
        .into_iter()
        .take(count)
        .map(|(client, _)| format!("\"{client}\""))
        .collect()
}

#[allow(clippy::print_stdout, reason = "the demo tells its user where to look")]
fn announce(text: &str) {
    println!("{text}");
}
