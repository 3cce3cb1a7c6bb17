//! The library runs in-process, clients on threads: how another crate's tests can call it.

use std::time::Duration;

use scorecast_bench::report::markdown;
use scorecast_bench::{run_floor, FloorConfig, LoadConfig, Placement};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_floor_delivers_every_update_once_to_every_subscriber() {
    let mut load = LoadConfig::new(60, 3, Placement::Threads);
    load.interval = Duration::from_millis(100);
    load.settle = Duration::from_millis(100);
    load.drain_timeout = Duration::from_secs(5);

    let report = run_floor(FloorConfig { load }).await.expect("the run completes");

    let run = &report.floor;
    assert!(run.passed, "problems: {:?}", run.problems);
    assert_eq!(run.connect.connected, 60);
    assert_eq!((run.delivery.expected, run.delivery.delivered), (180, 180));
    assert_eq!(
        run.per_event.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [Some(2), Some(3), Some(4)]
    );
    let latency = run.latency_ms.as_ref().expect("latencies were measured");
    assert!(latency.p50 > 0.0 && latency.p50 <= latency.p99 && latency.p99 <= latency.max);
    assert!(markdown::floor(&report).contains("| floor | 60 | 3 |"));
}
