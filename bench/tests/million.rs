//! The `million` run at a small scale: its phases, its top-level figures, and the side match whose
//! POSTs are timed while the goals are fanned out (issue 26). The real run is not part of
//! `cargo test`.

mod helpers;

use std::time::Duration;

use scorecast_bench::million::side::SideConfig;
use scorecast_bench::{run_million, LoadConfig, MillionConfig, Placement};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn million_scaled_down_delivers_every_goal_over_several_nodes_beside_the_floor() {
    if !helpers::cluster_tools_installed("million").await {
        return;
    }
    // The real run's shape at a small scale: client worker processes, nodes over NATS, the floor
    // in processes of its own, a paced connect, and a side match taking 1 % of the subscribers
    // (posted on ten times a second, so that the short event phase holds several POSTs).
    let exe = std::path::PathBuf::from(env!("CARGO_BIN_EXE_scorecast-bench"));
    let mut load = LoadConfig::new(2_400, 2, Placement::Processes { exe });
    load.interval = Duration::from_millis(500);
    load.settle = Duration::from_millis(1_200);
    load.drain_timeout = Duration::from_secs(10);
    load.connect_rate = Some(4_000);
    load.per_worker = 1_000;
    load.source_per_worker = true;
    let cfg = MillionConfig {
        binary: helpers::scorecast_binary(),
        per_node: 1_000,
        server_args: vec!["--drain-secs=1".into()],
        load,
        floor_subscribers: 1_200,
        side: Some(SideConfig { share: 0.01, rate: 10.0, priority: 10 }),
        ingest_priority: Some(10),
        time_limit: Duration::from_secs(150),
    };

    let report = run_million(cfg).await.expect("the run completes");

    assert!(report.passed, "problems: {:?}", report.problems);
    // 24 of the 2,400 follow the side match: the goals reach the other 2,376.
    assert_eq!((report.nodes, report.subscribers_connected), (3, 2_400));
    assert_eq!(report.side_subscribers, 24);
    assert_eq!((report.deliveries_expected, report.deliveries_received), (4_752, 4_752));
    assert_eq!((report.lost, report.duplicated, report.conflated), (0, 0, 0));
    let names: Vec<(&str, usize, usize)> =
        report.phases.iter().map(|p| (p.name.as_str(), p.subscribers, p.servers)).collect();
    assert_eq!(names, [("floor", 1_200, 1), ("scorecast", 1_200, 2), ("scorecast", 2_400, 3)]);
    let sides: Vec<Option<usize>> =
        report.phases.iter().map(|p| p.side.as_ref().map(|s| s.subscribers)).collect();
    assert_eq!(sides, [None, Some(12), Some(24)], "a side match beside every scorecast phase");
    let comparison = report.floor_comparison.as_ref().expect("the floor was compared");
    assert!(comparison.ratios.p99.is_some() && comparison.ratios.rss_per_conn.is_some());
    assert!(report.server_rss_kb_per_conn.is_some() && report.client_rss_kb_per_conn.is_some());
    assert!(report.idle_cores.is_some() && report.p99_ms.is_some());
    // Above the smaller phases' 1,200: the count is the machine's sockets less those before the
    // run, which other work on a shared machine moves by a few hundred.
    assert!(report.peak.connections >= 1_500, "the sampler saw the connections: {:?}", report.peak);
    assert!(report.peak.tcp_mem_pages > 0 && report.peak.client_rss_kib > 0);
    assert!(report.aims.iter().any(|a| a.what.starts_with("every delivery received") && a.met));

    // Every side POST answered, timed, and delivered once to each of the side's subscribers.
    let side = report.phases[2].side.as_ref().expect("the full run had its side match");
    let side_run = side.run.as_ref().expect("the side match's deliveries were tallied");
    assert!(side.posted >= 3, "POSTs all through the event phase: {}", side.posted);
    assert_eq!((side.failed, side.post_ms.len(), side.error.as_deref()), (0, side.posted, None));
    assert!(side.post_ms.iter().all(|ms| *ms > 0.0), "{:?}", side.post_ms);
    let post = side.post_latency_ms.as_ref().expect("POST latencies");
    assert_eq!(post.count, side.posted as u64);
    assert!(post.p50 <= post.p99 && post.p99 <= post.max, "{post:?}");
    assert_eq!((report.post_p99_ms, report.side_posts), (Some(post.p99), side.posted));
    assert_eq!(side.post_histogram.iter().map(|b| b.posts).sum::<usize>(), side.posted);
    let seqs: Vec<Option<i64>> = side_run.per_event.iter().map(|e| e.seq).collect();
    let expected_seqs: Vec<Option<i64>> =
        (1..=side.posted as i64).map(|i| Some(side_run.first_seq + i)).collect();
    assert_eq!(seqs, expected_seqs, "every POST accepted, in one sequence");
    let d = &side_run.delivery;
    assert_eq!((d.expected, d.delivered), (24 * side.posted as u64, 24 * side.posted as u64));
    assert_eq!((d.lost, d.duplicated, report.side_lost, report.side_duplicated), (0, 0, 0, 0));
    assert_ne!(side_run.match_id, report.phases[2].run.as_ref().unwrap().match_id);

    // Every event went to the ingest node, which no subscriber reached: the fan-out nodes
    // committed none and it sent no WebSocket message.
    let ingests: Vec<_> = report.phases.iter().map(|p| p.ingest.as_ref()).collect();
    assert!(ingests[0].is_none(), "the floor has no ingest node");
    for ingest in &ingests[1..] {
        let ingest = ingest.expect("an ingest node beside each scorecast phase");
        assert_eq!(ingest.priority, 10);
        assert!(ingest.ingest_node_events >= 5.0, "goals and side events: {ingest:?}");
        assert_eq!((ingest.fanout_node_events, ingest.ingest_node_ws_messages), (0.0, 0.0));
    }
    let full = ingests[2].expect("the full run's ingest node");
    assert!(full.ingest_node_events >= (2 + side.posted) as f64, "{full:?} {}", side.posted);

    // CPU per delivery counts the side's deliveries beside the goals'.
    let goals_only = report.cpu_per_delivery_us.expect("CPU per goal delivery");
    let all = report.cpu_us_per_delivery.expect("CPU per delivery");
    let share = 4_752.0 / (4_752.0 + d.delivered as f64);
    assert!((all - goals_only * share).abs() < 1e-6 * goals_only, "{all} vs {goals_only}");

    let json = helpers::round_trips(&report);
    for key in [
        "subscribers_connected",
        "deliveries_expected",
        "deliveries_received",
        "lost",
        "duplicated",
        "nodes",
        "p50_ms",
        "p99_ms",
        "server_rss_kb_per_conn",
    ] {
        assert!(json.get(key).is_some(), "{key} is at the top level");
    }
    // Issue 26's keys, at the top level, for the full-size phase.
    assert_eq!(json["floor_subscribers"], 1_200);
    for key in ["floor_p99_ms", "post_p99_ms"] {
        assert!(json[key].as_f64().is_some_and(|ms| ms > 0.0), "{key}: {}", json[key]);
    }
    // CPU is read in clock ticks (10 ms): a tiny run's idle pause may have cost none.
    for key in ["floor_cpu_us_per_delivery", "cpu_us_per_delivery", "idle_cores"] {
        assert!(json[key].as_f64().is_some_and(|v| v >= 0.0), "{key}: {}", json[key]);
    }
    let goals = json["goal_p99_ms"].as_array().expect("goal_p99_ms is a list");
    assert_eq!(goals.len(), 2, "one per goal");
    assert!(goals.iter().all(|p| p.as_f64().is_some_and(|ms| ms > 0.0)), "{goals:?}");
    assert_eq!(json["floor_p99_ms"].as_f64(), report.phases[0].p99());

    // Issue 26's aims, each judged as the figures say (the ratios at the floor's 1,200).
    let (floor, beside) = (&report.phases[0], &report.phases[1]);
    let ratio = |a: Option<f64>, b: Option<f64>| a.zip(b.filter(|b| *b > 0.0)).map(|(a, b)| a / b);
    let cpu = ratio(beside.cpu_us_per_delivery(), floor.cpu_us_per_delivery());
    let p99 = ratio(beside.p99(), floor.p99()).expect("both phases' p99");
    let g: Vec<f64> = report.goal_p99_ms.iter().map(|p| p.expect("each goal's p99")).collect();
    let spread = g[0].max(g[1]) / ((g[0] + g[1]) / 2.0);
    for (what, met) in [
        ("CPU per delivery, scorecast ÷ floor", cpu.is_some_and(|r| r <= 1.2)),
        ("p99 of all deliveries, scorecast ÷ floor", p99 <= 1.25),
        ("p99 of each goal ÷ the median goal's", spread <= 1.25),
        ("POST p99 on the side match", post.p99 <= 500.0),
        ("idle CPU with everyone connected", report.idle_cores.is_some_and(|c| c <= 0.1)),
    ] {
        let aim = report.aims.iter().find(|a| a.what.starts_with(what));
        let aim = aim.unwrap_or_else(|| panic!("an aim for {what}: {:?}", report.aims));
        assert_eq!(aim.met, met, "{aim:?}");
        if !what.starts_with("CPU") || cpu.is_some() {
            assert_ne!(aim.measured, "not measured", "{aim:?}");
        }
    }

    let text = scorecast_bench::million::markdown::render(&report);
    assert!(text.contains("## Aims") && text.contains("| scorecast | 2,400 | 3 |"), "{text}");
    assert!(text.contains("## The side match's POSTs during the fan-out"), "{text}");
    assert!(text.contains("Events were posted to an ingest node"), "{text}");
    assert!(text.contains("| `floor_subscribers` |") && text.contains("| 1,200 |"), "{text}");
    let svg = scorecast_bench::million::svg::render(&report);
    assert!(svg.starts_with("<svg") && svg.matches("<polyline").count() >= 3);
}
