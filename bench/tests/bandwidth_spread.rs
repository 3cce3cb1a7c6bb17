//! The bandwidth run spread over several nodes and client processes (issue 25's measurement at
//! 100,000 subscribers, here at a small scale): two nodes on one Postgres and one nats-server, the
//! subscribers in two worker processes of the bench, churn on, counting on. The accounting must be
//! a one-node run's: every update delivered, audience frames counted apart, the count followers
//! are told the cluster's (summed over NATS), the CPU of every node summed.

#[allow(dead_code)]
mod helpers;

use std::path::PathBuf;
use std::time::Duration;

use scorecast_bench::bandwidth::{churn, watching};
use scorecast_bench::{run_spread, BandwidthConfig, Placement, ServerConfig, Spread};

const NODES: usize = 2;
const SUBSCRIBERS: usize = 300;
const DURATION: Duration = Duration::from_secs(30);
/// 30 of the 300 leave, and 30 newcomers join, within the 30 s.
const CHURN_PER_MIN: f64 = 20.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_over_two_nodes_and_two_client_processes_accounts_for_every_subscriber_and_node() {
    if !helpers::cluster_tools_installed("bandwidth over nodes").await {
        return;
    }
    let server = ServerConfig {
        spawn_server: Some(helpers::scorecast_binary()),
        // A short interval: the count is told several times within the run.
        server_args: vec!["--watching-interval-secs=2".into()],
        ..Default::default()
    };
    let mut cfg = BandwidthConfig::new(server, 0, SUBSCRIBERS, DURATION);
    cfg.mean_event_interval = Duration::from_secs(2);
    cfg.seed = 3;
    cfg.churn_per_min = CHURN_PER_MIN;
    let spread = Spread {
        nodes: NODES,
        client_processes: Some(2),
        per_process: 1_000,
        workers: Placement::Processes { exe: PathBuf::from(env!("CARGO_BIN_EXE_scorecast-bench")) },
    };
    let r = run_spread(cfg, spread).await.expect("the run completes");

    assert!(r.passed, "problems: {:?}", r.problems);
    assert_eq!((r.setup.placement.nodes, r.setup.placement.client_processes), (NODES, 2));
    let ws = r.groups.iter().find(|g| g.method == "websocket").expect("the subscribers");
    let moves = churn::total(SUBSCRIBERS, CHURN_PER_MIN, DURATION) as usize;
    assert_eq!(moves, 30);
    assert_eq!((ws.users, ws.connected), (SUBSCRIBERS + moves, SUBSCRIBERS + moves));
    assert_eq!((ws.left, ws.joined_late), (moves as u64, moves as u64));
    // Every update delivered, on whichever node the subscriber followed it.
    assert!(r.events.accepted > 5, "{} events", r.events.accepted);
    assert_eq!((ws.lost, ws.duplicated), (0, 0));
    assert!(ws.updates_expected >= SUBSCRIBERS as u64 * r.events.accepted as u64 / 2);
    assert_eq!(ws.updates_received, ws.updates_expected);
    // Audience frames counted apart from the updates, every byte read one or the other (or a
    // control frame).
    assert_eq!(ws.updates.messages, ws.updates_received);
    assert!(ws.audience.messages > 0, "no count told within the run");
    assert_eq!(ws.app_received, ws.audience.bytes + ws.updates.bytes + ws.control_bytes);
    let share = r.audience.as_ref().expect("an audience share");
    assert!(share.of_messages > 0.0 && share.of_messages < 1.0);

    // The count told is the cluster's, not one node's share (about half of it here).
    let told = r.watching.as_ref().expect("a count was told");
    assert_eq!(told.cluster, SUBSCRIBERS as u64, "as many leave as join");
    assert!(told.passed && told.agreeing == told.told, "{told:?}");
    assert!(told.told >= (SUBSCRIBERS - moves) as u64, "{told:?}");
    let step = watching::step(told.cluster);
    assert_eq!(told.tolerance, step + told.cluster / 50);
    assert!(told.told_min > told.cluster / NODES as u64 + told.tolerance, "{told:?}");
    assert!(told.told_max <= told.cluster + told.tolerance, "{told:?}");

    // The CPU of every node, summed.
    assert_eq!(r.server_cpu_by_node_s.len(), NODES);
    assert!(r.server_cpu_by_node_s.iter().all(|s| *s > 0.0), "{:?}", r.server_cpu_by_node_s);
    let sum: f64 = r.server_cpu_by_node_s.iter().sum();
    assert_eq!(r.server_cpu_s, Some(sum));

    let md = scorecast_bench::bandwidth::markdown::render(&r);
    assert!(md.contains("2 scorecast node(s)") && md.contains("150 subscribers per node"), "{md}");
    assert!(md.contains("the cluster's count"), "{md}");
    helpers::round_trips(&r);
}
