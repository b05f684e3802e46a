//! The command line: each command offers the flags it uses, and a busy port is reported once.

use std::process::Command;

fn exporter() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nbu-exporter"))
}

fn help(command: &str) -> String {
    let output = exporter().args([command, "--help"]).output().unwrap();
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn each_command_lists_only_the_flags_it_uses() {
    let demo = help("demo");
    assert!(!demo.contains("--config"), "demo writes its own:\n{demo}");
    assert!(demo.contains("--port"), "{demo}");
    for command in ["once", "check"] {
        let text = help(command);
        assert!(text.contains("--config"), "{text}");
        assert!(
            !text.contains("--port"),
            "{command} serves nothing:\n{text}"
        );
        assert!(!text.contains("--listen-host"), "{text}");
    }
    let run = help("run");
    assert!(run.contains("--config") && run.contains("--port"), "{run}");

    // Given before the command name, an unused flag is refused rather than ignored.
    let output = exporter()
        .args(["--port", "9999", "check"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--port"));
}

#[test]
fn a_busy_port_is_reported_once_with_the_way_out() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = exporter()
        .args(["demo", "--jobs", "20", "--port", &port])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(text.matches("cannot listen").count(), 1, "{text}");
    assert!(text.contains("--port <other>"), "{text}");
}
