//! Autobahn|Testsuite, the conformance suite WebSocket servers are measured with: its fuzzing
//! client runs cases 1-7 and 9 (framing, pings, reserved bits, opcodes, fragmentation, UTF-8,
//! closing, limits) against `/ws`, and every case must conform by the rules in `judge.rs`.
//!
//! The suite is Python 2 code; `.ci/run` installs it from PyPI into a virtualenv and ports it to
//! Python 3 with `tests/autobahn/port.py`. The test runs `wstest` from
//! `$SCORECAST_AUTOBAHN_WSTEST` (or PATH) and is skipped when there is none, unless
//! `SCORECAST_REQUIRE_AUTOBAHN=1`.
//!
//! The server runs on its defaults (`--ws-max-frame-bytes 4096`, `--ws-max-fragments 64`) except
//! `--ws-max-malformed` (`MALFORMED`): each text message the suite expects echoed is not a client
//! message, so scorecast answers it with a `bad_message` error, and the limits cases send 1,000 of
//! them on one connection.

mod judge;

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::{spawn_app_with, Backend};
use crate::tools::Tool;

/// Malformed messages tolerated per connection in this run: above the 1,000 of a limits case.
const MALFORMED: u32 = 10_000;
/// Cases 1-7 and 9 of autobahntestsuite 25.10.1.
const CASES: usize = 300;
/// The whole run takes about 90 s here; a hung suite fails the test instead of CI.
const RUN_TIMEOUT: Duration = Duration::from_secs(600);
/// The suite's `wstest`, from the venv `.ci/run` makes.
const WSTEST: Tool = Tool {
    name: "wstest",
    env: "SCORECAST_AUTOBAHN_WSTEST",
    require: "SCORECAST_REQUIRE_AUTOBAHN",
    install: "see tests/autobahn/port.py and .ci/run",
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autobahn_cases_1_to_7_and_9_find_no_deviation() {
    let Some(wstest) = WSTEST.find() else { return };
    let app = spawn_app_with(Backend::Sqlite, |s| s.ws_max_malformed = MALFORMED).await.unwrap();
    let max_message = 4096;
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    let spec = json!({
        "outdir": reports,
        "servers": [{"agent": "scorecast", "url": format!("ws://127.0.0.1:{}/ws", app.port)}],
        "cases": ["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "9.*"],
        "exclude-cases": [],
        "exclude-agent-cases": {},
    });
    let spec_file = dir.path().join("spec.json");
    std::fs::write(&spec_file, spec.to_string()).unwrap();
    let log = std::fs::File::create(dir.path().join("wstest.log")).unwrap();
    let mut run = std::process::Command::new(&wstest)
        .args(["-m", "fuzzingclient", "-s"])
        .arg(&spec_file)
        .current_dir(dir.path())
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("start wstest");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = run.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > RUN_TIMEOUT {
            let _ = run.kill();
            let _ = run.wait();
            panic!("the suite did not finish within {RUN_TIMEOUT:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    eprintln!("Autobahn cases 1-7 and 9 ran in {:.1} s", started.elapsed().as_secs_f64());
    let said = std::fs::read_to_string(dir.path().join("wstest.log")).unwrap();
    assert!(status.success(), "wstest failed:\n{said}");
    assert!(!said.contains("Traceback"), "the ported suite raised:\n{said}");

    let index: Value = read_json(&reports.join("index.json"));
    let cases = index["scorecast"].as_object().expect("the agent's cases");
    assert_eq!(cases.len(), CASES, "every case ran");
    let mut deviations = Vec::new();
    for (id, summary) in cases {
        let report = read_json(&reports.join(summary["reportfile"].as_str().unwrap()));
        if let Err(why) = judge::judge(&report, max_message) {
            deviations.push(format!("{id}: {why}"));
        }
    }
    assert!(deviations.is_empty(), "{} deviations:\n{}", deviations.len(), deviations.join("\n"));
}

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}
