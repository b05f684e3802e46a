//! The simulator and the exporter as child processes, and what Linux's `/proc` says about them.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::http;

/// A child process that is killed when dropped, so that a failing scenario leaves nothing running.
pub(crate) struct Guarded {
    name: String,
    child: Child,
    log: PathBuf,
    pub(crate) started: Instant,
}

impl Guarded {
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn log(&self) -> &Path {
        &self.log
    }

    /// Fails with the log's location when the process has exited.
    pub(crate) fn ensure_running(&mut self) -> Result<(), String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Err(format!(
                "{} exited ({status}); see {}",
                self.name,
                self.log.display()
            )),
            Ok(None) => Ok(()),
            Err(e) => Err(format!("cannot check on {}: {e}", self.name)),
        }
    }

    /// CPU time (user + system) and peak resident memory so far.
    pub(crate) fn usage(&self) -> Result<Usage, String> {
        Usage::of(self.pid())
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        // The process may have exited already; then there is nothing to stop.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns `program` with `args` and `envs`, stdout and stderr into `log`.
pub(crate) fn spawn(
    name: &str,
    program: &Path,
    args: &[String],
    envs: &[(&str, &str)],
    log: &Path,
    capture_stdout: bool,
) -> Result<Guarded, String> {
    let log_file =
        File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let stderr = log_file
        .try_clone()
        .map_err(|e| format!("cannot share {}: {e}", log.display()))?;
    let stdout = if capture_stdout {
        Stdio::piped()
    } else {
        Stdio::from(log_file)
    };
    let child = Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    Ok(Guarded {
        name: name.to_owned(),
        child,
        log: log.to_owned(),
        started: Instant::now(),
    })
}

/// Reads the first line the child prints on stdout (the simulator's base URL), within `timeout`.
pub(crate) fn first_stdout_line(child: &mut Guarded, timeout: Duration) -> Result<String, String> {
    let stdout = child
        .child
        .stdout
        .take()
        .ok_or_else(|| format!("{}: stdout was not captured", child.name))?;
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        let outcome = BufReader::new(stdout).read_line(&mut line).map(|_| line);
        let _ = sender.send(outcome);
    });
    match receiver.recv_timeout(timeout) {
        Ok(Ok(line)) if !line.trim().is_empty() => Ok(line.trim().to_owned()),
        Ok(Ok(_)) => Err(format!(
            "{} printed nothing and stopped; see {}",
            child.name,
            child.log.display()
        )),
        Ok(Err(e)) => Err(format!("cannot read {}'s output: {e}", child.name)),
        Err(_) => Err(format!(
            "{} printed no address within {timeout:?}; see {}",
            child.name,
            child.log.display()
        )),
    }
}

/// A loopback port free right now. Another process may take it before the child binds it; the
/// exporter then fails to start and the scenario reports it.
pub(crate) fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| format!("cannot find a free loopback port: {e}"))
}

/// Waits until `GET path` on `addr` answers 200, while the child keeps running.
pub(crate) fn wait_http_ready(
    child: &mut Guarded,
    addr: SocketAddr,
    path: &str,
    timeout: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        child.ensure_running()?;
        if http::get(addr, path).is_ok_and(|r| r.status == 200) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "http://{addr}{path} did not answer 200 within {timeout:?}; see {}",
                child.log().display()
            ));
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// CPU and memory of a process, from `/proc/<pid>/stat` and `/proc/<pid>/status`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Usage {
    /// User plus system CPU seconds.
    pub(crate) cpu_seconds: f64,
    /// Peak resident set size (`VmHWM`), bytes.
    pub(crate) peak_rss_bytes: u64,
}

impl Usage {
    pub(crate) fn of(pid: u32) -> Result<Self, String> {
        let stat_path = format!("/proc/{pid}/stat");
        let stat = std::fs::read_to_string(&stat_path)
            .map_err(|e| format!("cannot read {stat_path} (Linux only): {e}"))?;
        // The command name may contain spaces and parentheses: fields are counted after the last ')'.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        // After the name: state is field 3 of proc(5), so utime (14) and stime (15) are at 11 and 12.
        let ticks = |index: usize| fields.get(index).and_then(|v| v.parse::<u64>().ok());
        let (Some(user), Some(system)) = (ticks(11), ticks(12)) else {
            return Err(format!("unexpected format of {stat_path}: {stat:?}"));
        };
        let status_path = format!("/proc/{pid}/status");
        let status = std::fs::read_to_string(&status_path)
            .map_err(|e| format!("cannot read {status_path}: {e}"))?;
        let peak_kib = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .ok_or_else(|| format!("no VmHWM in {status_path}"))?;
        Ok(Self {
            cpu_seconds: (user + system) as f64 / clock_ticks_per_second() as f64,
            peak_rss_bytes: peak_kib * 1024,
        })
    }
}

/// `getconf CLK_TCK`: the unit of the CPU times in `/proc/<pid>/stat`. 100 on every mainstream
/// Linux build, which is the fallback when `getconf` is missing.
pub(crate) fn clock_ticks_per_second() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .filter(|&ticks| ticks > 0)
            .unwrap_or(100)
    })
}
