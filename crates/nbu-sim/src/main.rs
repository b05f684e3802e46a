//! `nbu-sim`: runs the NetBackup REST API simulator until Ctrl-C. A thin wrapper over the library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use nbu_sim::{ConnectionFault, Faults, Release, Server, TlsConfig};

/// A NetBackup primary server's REST API, simulated.
#[derive(Debug, Parser)]
#[command(name = "nbu-sim", version, about)]
struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:1556")]
    listen: SocketAddr,
    /// API key clients must send in the Authorization header.
    #[arg(
        long,
        env = "NBU_SIM_API_KEY",
        default_value = "nbu-sim-api-key",
        hide_env_values = true
    )]
    api_key: String,
    /// User name POST /login accepts (with --password).
    #[arg(long, requires = "password")]
    username: Option<String>,
    /// Password POST /login accepts.
    #[arg(
        long,
        env = "NBU_SIM_PASSWORD",
        hide_env_values = true,
        requires = "username"
    )]
    password: Option<String>,
    /// NetBackup release to play: 10.3, 10.5, 11.0 or 11.2.
    #[arg(long, default_value = "11.2")]
    nbu_release: Release,
    /// Jobs in the generated history.
    #[arg(long, default_value_t = 3_000)]
    jobs: usize,
    /// Clients.
    #[arg(long, default_value_t = 200)]
    clients: usize,
    /// Storage units.
    #[arg(long, default_value_t = 8)]
    storage_units: usize,
    /// Media servers.
    #[arg(long, default_value_t = 4)]
    media_servers: usize,
    /// Tape drives.
    #[arg(long, default_value_t = 8)]
    drives: usize,
    /// Tape media.
    #[arg(long, default_value_t = 120)]
    tape_media: usize,
    /// Alerts for past failures.
    #[arg(long, default_value_t = 50)]
    alerts: usize,
    /// Malware scan results.
    #[arg(long, default_value_t = 40)]
    malware_scans: usize,
    /// Service-level objectives.
    #[arg(long, default_value_t = 4)]
    slos: usize,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// History window ending now, e.g. 24h, 90m, 7d, 3600s.
    #[arg(long, default_value = "24h", value_parser = parse_duration)]
    window: Duration,
    /// Live mode: new jobs per minute (0 = static estate).
    #[arg(long, default_value_t = 0.0)]
    jobs_per_minute: f64,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Fraction of requests answered with --error-status.
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Status of injected errors: 500, 502, 503 or 504.
    #[arg(long)]
    error_status: Option<u16>,
    /// Fraction of requests answered 429 with Retry-After.
    #[arg(long, default_value_t = 0.0)]
    too_many_requests_rate: f64,
    /// Retry-After seconds on 429/503.
    #[arg(long)]
    retry_after_secs: Option<u64>,
    /// Server-side rate limit, requests per second (over it: 429).
    #[arg(long)]
    rate_limit: Option<f64>,
    /// Fraction of successful answers with malformed JSON.
    #[arg(long, default_value_t = 0.0)]
    malformed_json_rate: f64,
    /// Fraction of successful answers cut off mid-body.
    #[arg(long, default_value_t = 0.0)]
    truncated_body_rate: f64,
    /// Fraction of requests never answered.
    #[arg(long, default_value_t = 0.0)]
    stall_rate: f64,
    /// Connection fault: close (accept, then close) or refuse (stop listening).
    #[arg(long, value_enum)]
    connection_fault: Option<ConnectionFaultArg>,
    /// Apply faults only to paths (after /netbackup) starting with this, e.g. /admin/jobs.
    #[arg(long)]
    fault_path_prefix: Option<String>,
    /// Seed of fault decisions (default: --seed).
    #[arg(long)]
    fault_seed: Option<u64>,
    /// TLS certificate chain (PEM); needs --tls-key.
    #[arg(long, requires = "tls_key", conflicts_with = "tls_self_signed")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve HTTPS with a fresh self-signed certificate for 127.0.0.1/localhost, written (PEM) here.
    #[arg(long, value_name = "CERT_OUT")]
    tls_self_signed: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ConnectionFaultArg {
    Close,
    Refuse,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 24h, 90m, 7d or 3600s"))?;
    let secs = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "unknown unit {unit:?} in {text:?}: use s, m, h or d"
            ));
        }
    };
    Ok(Duration::from_secs(number.saturating_mul(secs)))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Logs go to stderr: stdout carries only the base URL, for scripts to read.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let faults = Faults {
        latency_ms: cli.latency_ms,
        error_rate: cli.error_rate,
        error_status: cli.error_status,
        too_many_requests_rate: cli.too_many_requests_rate,
        retry_after_secs: cli.retry_after_secs,
        rate_limit_per_sec: cli.rate_limit,
        malformed_json_rate: cli.malformed_json_rate,
        truncated_body_rate: cli.truncated_body_rate,
        stall_rate: cli.stall_rate,
        connection: cli.connection_fault.map(|fault| match fault {
            ConnectionFaultArg::Close => ConnectionFault::Close,
            ConnectionFaultArg::Refuse => ConnectionFault::Refuse,
        }),
        path_prefix: cli.fault_path_prefix,
        seed: cli.fault_seed,
    };
    let mut builder = Server::builder()
        .listen(cli.listen)
        .api_key(cli.api_key)
        .release(cli.nbu_release)
        .jobs(cli.jobs)
        .clients(cli.clients)
        .storage_units(cli.storage_units)
        .media_servers(cli.media_servers)
        .drives(cli.drives)
        .tape_media(cli.tape_media)
        .alerts(cli.alerts)
        .malware_scans(cli.malware_scans)
        .slos(cli.slos)
        .seed(cli.seed)
        .window(cli.window)
        .jobs_per_minute(cli.jobs_per_minute)
        .faults(faults);
    if let (Some(user), Some(password)) = (cli.username, cli.password) {
        builder = builder.credentials(user, password);
    }
    if let (Some(cert), Some(key)) = (cli.tls_cert, cli.tls_key) {
        builder = builder.tls(TlsConfig::PemFiles { cert, key });
    } else if let Some(cert_out) = cli.tls_self_signed {
        builder = builder.tls(TlsConfig::SelfSigned {
            cert_out: Some(cert_out),
        });
    }
    let sim = match builder.spawn().await {
        Ok(sim) => sim,
        Err(err) => {
            tracing::error!(error = %err, "nbu-sim could not start");
            return std::process::ExitCode::FAILURE;
        }
    };
    #[allow(
        clippy::print_stdout,
        reason = "the base URL on stdout is the binary's interface: scripts read it"
    )]
    {
        println!("{}", sim.base_url());
    }
    if let Err(err) = tokio::signal::ctrl_c().await {
        tracing::error!(error = %err, "cannot wait for Ctrl-C; stopping");
    }
    sim.shutdown().await;
    std::process::ExitCode::SUCCESS
}
