//! Every subcommand at tiny scale, in-process (clients on this process's runtime), against a
//! scorecast the library spawns from this build's binary; each checks that its result is complete
//! and adds up. The real runs are not part of `cargo test`.

mod helpers;

use std::time::Duration;

use scorecast_bench::common::results::Report;
use scorecast_bench::common::sport::Sport;
use scorecast_bench::fanout::markdown;
use scorecast_bench::fanout::tls::{run_fanout_tls, StormConfig};
use scorecast_bench::{
    run_bandwidth, run_cluster, run_compare, run_fanout, run_floor, run_ingest, run_poll,
    BandwidthConfig, ClusterConfig, FailoverConfig, FanoutConfig, FloorConfig, GapConfig,
    IngestConfig, LoadConfig, Placement, PollConfig, ServerConfig,
};
use scorecast_bench::{run_soak, SoakConfig};

fn spawned() -> ServerConfig {
    ServerConfig { spawn_server: Some(helpers::scorecast_binary()), ..Default::default() }
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_against_a_spawned_scorecast_delivers_every_goal_to_every_subscriber() {
    let mut load = LoadConfig::new(20, 2, Placement::Threads);
    load.interval = Duration::from_millis(200);
    load.settle = Duration::from_millis(100);
    load.drain_timeout = Duration::from_secs(5);

    let report = run_fanout(FanoutConfig { server: spawned(), with_floor: false, load })
        .await
        .expect("the run completes");

    let run = &report.scorecast;
    assert!(run.passed, "problems: {:?}", run.problems);
    assert_eq!(run.connect.connected, 20);
    assert_eq!((run.delivery.expected, run.delivery.delivered, run.delivery.lost), (40, 40, 0));
    assert!(run.server.is_some(), "a spawned server's memory and CPU are measured");
    // A goal's update, e.g. {"m":1,"s":3,"k":"goal","t":"h","mn":2,"sc":[2,0]}: every event's
    // size is read by the clients.
    assert!(run.per_event.iter().all(|e| e.update_bytes.is_some_and(|b| (40..=70).contains(&b))));
    assert!(run.update_bytes_mean.is_some());
    helpers::round_trips(&report);
}

/// The storm's resumed round must resume, counted by the clients: a client that keeps no ticket
/// (or a server that sends none, or refuses them) fails here, not in a benchmark report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_over_tls_delivers_everything_and_every_storm_client_resumes_its_session() {
    let mut load = LoadConfig::new(20, 2, Placement::Threads);
    load.interval = Duration::from_millis(200);
    load.settle = Duration::from_millis(100);
    load.drain_timeout = Duration::from_secs(5);
    let storm = StormConfig { clients: 20, concurrency: 5, timeout: Duration::from_secs(10) };

    let report = run_fanout_tls(FanoutConfig { server: spawned(), with_floor: false, load }, storm)
        .await
        .expect("the run completes");

    for run in [&report.plain, &report.tls] {
        assert!(run.passed, "problems: {:?}", run.problems);
        assert_eq!((run.delivery.expected, run.delivery.delivered), (40, 40));
    }
    let rounds: Vec<_> = report
        .storms
        .iter()
        .map(|s| (s.label.as_str(), s.completed, s.failed, s.resumed, s.tickets > 0))
        .collect();
    assert_eq!(
        rounds,
        [
            ("plain", 20, 0, 0, false),
            ("TLS, full handshakes", 20, 0, 0, true),
            ("TLS, resumed sessions", 20, 0, 20, true),
        ],
        "(round, done, failed, resumed, tickets received): {:?}",
        report.storms
    );
    assert_eq!(report.storms[1].tickets, 20, "the server sends one ticket per session");
    assert!(report.passed(), "{}", report.markdown());
    assert!(report.markdown().contains("(20 of 20 reconnects resumed)"));
    helpers::round_trips(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bandwidth_counts_every_poll_and_update_and_polling_costs_more() {
    let mut cfg = BandwidthConfig::new(spawned(), 5, 5, Duration::from_secs(20));
    cfg.speedup = 10.0;
    cfg.mean_event_interval = Duration::from_secs(4);
    cfg.seed = 7;

    let report = run_bandwidth(cfg).await.expect("the run completes");

    assert!(report.passed, "problems: {:?}", report.problems);
    let accepted = report.events.accepted as u64;
    assert!(accepted >= 1, "seed 7 posts events within 20 s");
    assert_eq!(report.events.seqs.len() as u64, accepted);
    let [plain, conditional, ws] = &report.groups[..] else { panic!("three groups") };
    for polling in [plain, conditional] {
        assert_eq!(polling.connected, 5);
        // Offsets 0, 1, 2, 3, 4 s; polls every 5 s for 20 s: four each.
        assert_eq!(polling.requests, 20);
        assert_eq!(polling.ok_200 + polling.not_modified_304, polling.requests);
        // Every byte the kernel received, the client read.
        assert_eq!(polling.steady.bytes_received, polling.app_received);
    }
    assert_eq!(plain.not_modified_304, 0);
    assert!(conditional.not_modified_304 > 0 && conditional.ok_200 >= 5);
    assert_eq!(ws.connected, 5);
    assert_eq!(
        (ws.updates_expected, ws.updates_received, ws.lost, ws.duplicated),
        (5 * accepted, 5 * accepted, 0, 0)
    );
    assert!(ws.steady.bytes_received > 0 && ws.steady.segs_in > 0);
    assert!(plain.per_user.down_bps > conditional.per_user.down_bps);
    assert!(conditional.per_user.down_bps > ws.per_user.down_bps);
    assert!(report.ratio_poll_to_ws.unwrap() > 1.0);
    assert!(report.snapshot.end_events > report.snapshot.start_events);
    helpers::round_trips(&report);
    assert!(scorecast_bench::bandwidth::markdown::render(&report).contains("| websocket |"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_stores_every_accepted_event_and_delivers_it_to_the_subscriber() {
    let mut cfg = IngestConfig::new(spawned());
    cfg.levels = vec![1, 4];
    cfg.level_duration = Duration::from_millis(700);
    cfg.matches = 3;
    cfg.paced_rate = Some(100.0);
    cfg.paced_duration = Duration::from_millis(500);
    cfg.paced_concurrency = 4;

    let report = run_ingest(cfg).await.expect("the run completes");

    assert!(report.passed, "problems: {:?}", report.problems);
    assert_eq!(report.levels.len(), 3);
    for level in &report.levels {
        let refused: u64 = level.refused.values().sum();
        assert_eq!(level.posted, level.stored + refused + level.errors, "{level:?}");
        assert!(level.stored > 0 && level.undelivered == 0, "{level:?}");
        let delivery = level.delivery_ms.as_ref().expect("deliveries were timed");
        assert_eq!(delivery.count, level.stored);
        assert_eq!(level.post_ms.as_ref().unwrap().count, level.stored);
    }
    assert_eq!(report.levels[2].mode, "paced");
    assert_eq!(report.levels[2].stored, 50);
    helpers::round_trips(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poll_answers_200_with_the_snapshot_and_304_with_its_etag() {
    let mut cfg = PollConfig::new(spawned());
    cfg.connections = 4;
    cfg.duration = Duration::from_millis(700);
    cfg.warmup = Duration::from_millis(200);
    cfg.events = 2;
    let nginx = std::path::Path::new(scorecast_bench::poll::nginx::DEFAULT_BINARY);
    // nginx is the optional reference; scorecast is measured either way.
    cfg.nginx = nginx.is_file().then(|| nginx.to_path_buf());

    let report = run_poll(cfg).await.expect("the run completes");

    assert!(report.passed, "problems: {:?}", report.problems);
    assert_eq!(report.snapshot_events, 3, "kickoff and two events");
    let scorecast: Vec<_> = report.cases.iter().filter(|c| c.target == "scorecast").collect();
    let [ok, not_modified] = &scorecast[..] else { panic!("two scorecast cases") };
    assert_eq!((ok.expect_status, not_modified.expect_status), (200, 304));
    for case in &report.cases {
        assert!(case.requests > 0 && case.wrong == 0 && case.errors == 0, "{case:?}");
        let latency = case.latency_ms.as_ref().unwrap();
        assert_eq!(latency.count, case.requests);
    }
    assert!(ok.response_bytes.unwrap() > report.snapshot_bytes);
    assert!(not_modified.response_bytes.unwrap() < report.snapshot_bytes);
    assert_eq!(report.ratio_200.is_some(), report.cases.len() == 4);
    helpers::round_trips(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_interleaves_both_binaries_and_judges_the_candidate_against_the_baseline() {
    let mut cfg = helpers::small_compare(50, 2, Sport::Football);
    cfg.baseline_label = Some("same build".into());

    let report = run_compare(cfg).await.expect("the comparison completes");

    assert!(report.problems.is_empty(), "problems: {:?}", report.problems);
    assert_eq!(report.baseline.label.as_deref(), Some("same build"));
    assert!(report.baseline.version.is_some() && report.baseline.path == report.candidate.path);
    let [size] = &report.sizes[..] else { panic!("one size") };
    assert_eq!(size.subscribers, 50);
    let (baseline, candidate) = (&size.baseline.rounds[..], &size.candidate.rounds[..]);
    let ([b], [c]) = (baseline, candidate) else { panic!("one round each") };
    assert_eq!((b.position, c.position), (1, 2), "the baseline runs first in round 1");
    for round in [b, c] {
        assert!(round.passed, "{round:?}");
        assert_eq!((round.connected, round.lost, round.duplicated), (50, 0, 0));
        assert!(round.p50_ms.unwrap() <= round.p99_ms.unwrap());
        assert!(round.rss_per_conn_kib.is_some() && round.cpu_per_delivery_us.is_some());
    }
    assert!(size.ratio_p99.is_some() && size.ratio_rss_per_conn.is_some());
    assert_eq!(size.passed, size.p99_met && size.cpu_met && size.rss_met);
    let json = helpers::round_trips(&report);
    assert_eq!(json["sizes"][0]["baseline"]["rounds"][0]["round"], 1);
    let text = scorecast_bench::compare::markdown::render(&report);
    assert!(text.contains("## 50 subscribers") && text.contains("| 1 | 2 | candidate | 50 |"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_can_hold_a_binary_to_the_floor_in_interleaved_rounds() {
    let mut cfg = helpers::small_compare(40, 2, Sport::Football);
    cfg.baseline = scorecast_bench::compare::Baseline::Floor;
    cfg.rounds = 2;
    // The floor runs as processes of the bench binary (as threads it would have no CPU of its own).
    let exe = std::path::PathBuf::from(env!("CARGO_BIN_EXE_scorecast-bench"));
    cfg.load.placement = scorecast_bench::Placement::Processes { exe };

    let report = run_compare(cfg).await.expect("the comparison completes");

    assert!(report.problems.is_empty(), "problems: {:?}", report.problems);
    assert_eq!(report.baseline.path, "floor");
    assert_eq!(report.aims, scorecast_bench::compare::model::Aims::FLOOR);
    let [size] = &report.sizes[..] else { panic!("one size") };
    let order: Vec<(usize, usize)> =
        size.baseline.rounds.iter().map(|r| (r.round, r.position)).collect();
    assert_eq!(order, [(1, 1), (2, 2)], "the floor runs first in odd rounds only");
    for round in size.baseline.rounds.iter().chain(&size.candidate.rounds) {
        assert!(round.passed, "{round:?}");
        assert_eq!((round.connected, round.lost, round.duplicated), (40, 0, 0));
        assert!(round.cpu_per_delivery_us.is_some(), "{round:?}");
    }
    // Memory is reported, not judged: the floor keeps nothing per connection.
    assert!(size.rss_met && size.ratio_p99.is_some() && size.ratio_cpu_per_delivery.is_some());
    let p99_met = size.ratio_p99.is_some_and(|r| r <= 1.05);
    assert_eq!(size.p99_met, p99_met);
    let text = scorecast_bench::compare::markdown::render(&report);
    assert!(text.contains("1.05× the floor's"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_delivers_across_nodes_repairs_a_nats_gap_and_resumes_after_sigterm() {
    if !helpers::cluster_tools_installed("cluster").await {
        return;
    }
    let mut load = LoadConfig::new(30, 2, Placement::Threads);
    load.interval = Duration::from_millis(200);
    load.settle = Duration::from_millis(100);
    load.drain_timeout = Duration::from_secs(5);
    let cfg = ClusterConfig {
        binary: helpers::scorecast_binary(),
        nodes: 3,
        subscribers: vec![30],
        rounds: 1,
        with_floor: false,
        // The stopped node exits soon after closing its WebSockets.
        server_args: vec!["--drain-secs=1".into()],
        load,
        run_timeout: Duration::from_secs(60),
        gap: Some(GapConfig {
            subscribers: 15,
            events: 20,
            check_secs: 1,
            timeout: Duration::from_secs(20),
        }),
        failover: Some(FailoverConfig {
            subscribers: 30,
            events: 8,
            interval: Duration::from_millis(100),
            stop_after: 3,
            jitter: Duration::from_millis(50),
            timeout: Duration::from_secs(20),
        }),
    };

    let report = run_cluster(cfg).await.expect("the cluster run completes");

    let [size] = &report.sizes[..] else { panic!("one size") };
    let ([single], [cluster]) = (&size.single.rounds[..], &size.cluster.rounds[..]) else {
        panic!("one round each")
    };
    assert_eq!((single.position, cluster.position), (1, 2), "single runs first in round 1");
    for round in [single, cluster] {
        assert!(round.passed, "{round:?}");
        assert_eq!((round.connected, round.lost, round.duplicated), (30, 0, 0));
        assert!(round.cpu_per_delivery_us.is_some(), "every node's CPU is measured");
    }
    assert!(size.ratio_p99.is_some() && size.ratio_cpu_per_delivery.is_some());

    let gap = report.gap_repair.as_ref().expect("the gap repair ran");
    assert!(gap.passed, "gap repair: {:?}", gap.problems);
    assert_eq!((gap.accepted, gap.delivery.lost, gap.delivery.duplicated), (20, 0, 0));
    assert_eq!(gap.nodes.len(), 3);
    assert!(gap.nodes.iter().all(|n| n.caught_up_s.is_some()));
    assert!(gap.nodes[1..].iter().any(|n| n.gap_reads > 0.0), "a remote node read the gap");

    let failover = report.failover.as_ref().expect("the failover ran");
    assert!(failover.passed, "failover: {:?}", failover.problems);
    let resumes = &failover.resumes;
    assert_eq!(resumes.going_away, 10, "a third of 30 clients were on the stopped node");
    assert_eq!((resumes.completed, resumes.not_recovered), (10, 0));
    assert!(failover.all_resumed_s.is_some() && failover.delivery.gapless());
    assert_eq!(failover.delivery.expected, 30 * 8);

    helpers::round_trips(&report);
    let text = scorecast_bench::cluster::markdown::render(&report);
    assert!(text.contains("## 30 subscribers") && text.contains("## SIGTERM failover"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_soak_with_churn_and_slow_readers_loses_and_doubles_nothing() {
    // A slow-consumer deadline of 2 s, so that the longer pauses below are cut and resumed.
    let mut server = spawned();
    server.server_args =
        ["--ws-slow-consumer-secs=2", "--ws-heartbeat-timeout-secs=1"].map(String::from).to_vec();
    let mut cfg = SoakConfig::new(server, Duration::from_secs(8), 40, Placement::Threads);
    cfg.matches = 2;
    cfg.event_interval = Duration::from_millis(100);
    cfg.churn_per_sec = 15.0;
    cfg.slow_pause = (Duration::from_millis(200), Duration::from_secs(4));
    cfg.reconnect_jitter = Duration::from_millis(200);
    cfg.warmup = Duration::from_secs(2);
    cfg.sample_interval = Duration::from_millis(250);
    // A few seconds of a debug build say nothing about leaks: this checks the wiring.
    cfg.memory_tolerance_pct = 1_000.0;
    cfg.drain_timeout = Duration::from_secs(15);

    let report = run_soak(cfg).await.expect("the run completes");

    assert!(report.passed, "problems: {:?}", report.problems);
    assert!(report.events.posted >= 60, "{:?}", report.events);
    let (d, churn) = (&report.deliveries, &report.churn);
    assert_eq!((d.lost(), d.counts.duplicates, d.counts.regressions), (0, 0, 0));
    assert!(d.counts.delivered >= report.events.posted, "every subscriber got updates");
    assert!(churn.leaves > 0 && churn.resumes > 0 && churn.slow_pauses > 0, "{churn:?}");
    assert!(d.counts.resumes_recovered > 0, "resumes were answered with the missed updates");
    assert_eq!(report.memory.flat, Some(true), "{:?}", report.memory.change_pct);
    assert!(report.markdown().contains("# scorecast soak"));
    helpers::round_trips(&report);
}
