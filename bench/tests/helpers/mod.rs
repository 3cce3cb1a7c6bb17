//! Finding the scorecast binary the smoke tests spawn, and checking that a result's JSON reads
//! back.

use std::path::PathBuf;

/// The `scorecast` binary of this build: next to the test executable's `deps/` folder (where
/// `cargo test --workspace --all-targets` puts it), else under `CARGO_TARGET_DIR` or the
/// workspace's `target/`. Panics when there is none: these tests must not pass without a server.
pub fn scorecast_binary() -> PathBuf {
    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        // <target>/<profile>/deps/smoke-<hash> -> <target>/<profile>/scorecast
        if let Some(profile_dir) = exe.parent().and_then(|deps| deps.parent()) {
            candidates.push(profile_dir.join("scorecast"));
        }
    }
    for dir in
        [std::env::var("CARGO_TARGET_DIR").ok(), option_env!("CARGO_TARGET_DIR").map(Into::into)]
            .into_iter()
            .flatten()
    {
        candidates.push(PathBuf::from(dir).join("debug/scorecast"));
    }
    candidates
        .push(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/debug/scorecast")));
    candidates.iter().find(|p| p.is_file()).cloned().unwrap_or_else(|| {
        panic!(
            "the scorecast binary is missing (looked at {candidates:?}); build it first with \
             `cargo build -p scorecast`, or run `cargo test --workspace --all-targets`, which does"
        )
    })
}

/// Whether a run can start its own Postgres and nats-server here. A missing one skips the `test`
/// (named in the message), unless `SCORECAST_REQUIRE_NATS` / `SCORECAST_REQUIRE_POSTGRES` is set
/// (as in CI).
pub async fn cluster_tools_installed(test: &str) -> bool {
    use scorecast_bench::cluster::infra;
    for (installed, what, required) in [
        (infra::nats_installed().await, "nats-server", "SCORECAST_REQUIRE_NATS"),
        (infra::postgres_installed(), "Postgres (initdb)", "SCORECAST_REQUIRE_POSTGRES"),
    ] {
        if !installed {
            assert!(std::env::var(required).is_err(), "{required} is set but {what} is missing");
            eprintln!("{what} is not installed: the {test} smoke test is skipped");
            return false;
        }
    }
    true
}

/// JSON written and read back is the same document: nothing in the result fails to serialize.
#[allow(dead_code)] // Not every test file that declares `helpers` checks a JSON result.
pub fn round_trips<T: serde::Serialize + serde::de::DeserializeOwned>(
    report: &T,
) -> serde_json::Value {
    let json = serde_json::to_value(report).expect("the result serializes");
    let back: T = serde_json::from_value(json.clone()).expect("the result reads back");
    assert_eq!(serde_json::to_value(&back).unwrap(), json);
    json
}

/// A one-round `compare` of one size that takes seconds: `subscribers` over `workers` client
/// threads, the scorecast binary of this build on both sides, `candidate_sport` against football.
#[allow(dead_code)] // Only the test files that run `compare` call it.
pub fn small_compare(
    subscribers: usize,
    workers: usize,
    candidate_sport: scorecast_bench::common::sport::Sport,
) -> scorecast_bench::CompareConfig {
    use std::time::Duration;
    let mut load =
        scorecast_bench::LoadConfig::new(subscribers, workers, scorecast_bench::Placement::Threads);
    load.interval = Duration::from_millis(200);
    load.settle = Duration::from_millis(100);
    load.drain_timeout = Duration::from_secs(5);
    let binary = scorecast_binary();
    scorecast_bench::CompareConfig {
        baseline: scorecast_bench::compare::Baseline::Binary(binary.clone()),
        candidate: binary,
        baseline_sport: scorecast_bench::common::sport::Sport::Football,
        candidate_sport,
        baseline_label: None,
        candidate_label: None,
        subscribers: vec![subscribers],
        rounds: 1,
        server_args: Vec::new(),
        load,
        run_timeout: Duration::from_secs(60),
    }
}
