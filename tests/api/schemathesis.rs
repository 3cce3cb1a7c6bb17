//! Schemathesis (an outside API fuzzer, from PyPI) against the served OpenAPI document: the real
//! binary on SQLite with an admin token, every check, the examples, coverage, fuzzing and stateful
//! (OpenAPI links) phases, a bounded number of examples; any failure fails the test. Skipped when
//! Schemathesis is not installed, unless `SCORECAST_REQUIRE_SCHEMATHESIS=1` (CI) says it must run.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::TOKEN;
use crate::process::Server;
use crate::tools::SCHEMATHESIS;

/// Cases per operation and phase: enough to reach every branch of every body schema, and a run of
/// about a minute on one core.
const MAX_EXAMPLES: &str = "100";
/// The whole run's bound (it is stopped after that): the run above takes well under it.
const MAX_SECONDS: u64 = 600;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_failure_in_the_served_api() {
    let Some(schemathesis) = SCHEMATHESIS.find() else { return };
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("scorecast.db").display());
    let server = Server::start(&database).await;
    let hooks = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api/schemathesis");
    let log = dir.path().join("schemathesis.log");
    let started = Instant::now();
    let mut child = Command::new(&schemathesis)
        .arg("run")
        .arg(format!("{}/api/v1/openapi.json", server.base))
        .args(["--checks", "all", "--phases", "examples,coverage,fuzzing,stateful"])
        .args(["--max-examples", MAX_EXAMPLES, "--workers", "1", "--request-timeout", "10"])
        .args(["--header", &format!("Authorization: Bearer {TOKEN}")])
        // The two live-update streams are not request and answer: `/sse` never ends, and `/ws`
        // answers only a WebSocket handshake. The WebSocket and SSE tests drive them.
        .args(["--exclude-path-regex", "^/(ws|sse)$"])
        .args(["--no-color", "--output-truncate", "false"])
        // Its example database stays in the temporary directory, not in the repository.
        .current_dir(dir.path())
        .env("PYTHONPATH", &hooks)
        .env("SCHEMATHESIS_HOOKS", "hooks")
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("run schemathesis");
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > Duration::from_secs(MAX_SECONDS) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let elapsed = started.elapsed();
    let said = std::fs::read_to_string(&log).unwrap_or_default();
    let status = status.unwrap_or_else(|| panic!("schemathesis ran over {MAX_SECONDS} s:\n{said}"));
    assert!(status.success(), "schemathesis failed after {elapsed:?}:\n{said}");
    // A run that tested nothing also exits 0: every phase must have run and passed.
    for phase in ["Examples", "Coverage", "Fuzzing", "Stateful"] {
        assert!(said.contains(&format!("✅ {phase}")), "{phase} did not pass:\n{said}");
    }
    assert!(!said.contains("❌"), "{said}");
    eprintln!("schemathesis passed in {elapsed:?}");
}
