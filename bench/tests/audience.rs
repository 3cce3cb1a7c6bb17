//! The bandwidth run's audience accounting (issue 25): each WebSocket subscriber counts the audience
//! messages (`watching`) apart from the updates, under churn (subscribers leaving, newcomers
//! joining), with counting on and, for the side-by-side run, off (a one-hour interval).

#[allow(dead_code)]
mod helpers;

use std::time::Duration;

use scorecast_bench::bandwidth::churn;
use scorecast_bench::bandwidth::model::BandwidthReport;
use scorecast_bench::{run_bandwidth, BandwidthConfig, ServerConfig};

const SUBSCRIBERS: usize = 300;
const DURATION: Duration = Duration::from_secs(12);
/// 12 of the 300 leave, and 12 newcomers join, within the 12 s.
const CHURN_PER_MIN: f64 = 20.0;
const SEED: u64 = 5;

async fn run(watching_interval_secs: u64) -> BandwidthReport {
    let server = ServerConfig {
        spawn_server: Some(helpers::scorecast_binary()),
        server_args: vec![format!("--watching-interval-secs={watching_interval_secs}")],
        ..Default::default()
    };
    let mut cfg = BandwidthConfig::new(server, 0, SUBSCRIBERS, DURATION);
    cfg.mean_event_interval = Duration::from_secs(2);
    cfg.seed = SEED;
    cfg.churn_per_min = CHURN_PER_MIN;
    run_bandwidth(cfg).await.expect("the run completes")
}

/// The longest stretch of the schedule during which fewer than `SUBSCRIBERS` are present: with
/// 300 shown as 300 and 299 as 290, the count told changes then, at any tick within it.
fn longest_dip() -> Duration {
    let slots = churn::schedule(SUBSCRIBERS, CHURN_PER_MIN, DURATION, SEED);
    let mut moves: Vec<(Duration, i64)> = slots
        .iter()
        .flat_map(|s| [s.leave_at.map(|at| (at, -1)), s.join_at.map(|at| (at, 1))])
        .flatten()
        .collect();
    moves.sort_unstable();
    let (mut present, mut since, mut longest) = (0, None, Duration::ZERO);
    for (at, change) in moves {
        present += change;
        match (present < 0, since) {
            (true, None) => since = Some(at),
            (false, Some(start)) => {
                longest = longest.max(at - start);
                since = None;
            }
            _ => {}
        }
    }
    if let Some(start) = since {
        longest = longest.max(DURATION - start);
    }
    longest
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audience_messages_are_counted_apart_from_updates_and_only_while_counting_is_on() {
    assert!(longest_dip() >= Duration::from_millis(1_500), "seed {SEED}: no dip to count");
    let on = run(1).await;

    assert!(on.passed, "problems: {:?}", on.problems);
    let ws = on.groups.iter().find(|g| g.method == "websocket").expect("the subscribers");
    let moves = churn::total(SUBSCRIBERS, CHURN_PER_MIN, DURATION) as usize;
    assert_eq!(moves, 12);
    assert_eq!((ws.users, ws.connected), (SUBSCRIBERS + moves, SUBSCRIBERS + moves));
    assert_eq!((ws.left, ws.joined_late), (moves as u64, moves as u64));
    assert!(
        ws.mean_users > (SUBSCRIBERS - moves) as f64
            && ws.mean_users < (SUBSCRIBERS + moves) as f64
    );
    assert_eq!((ws.lost, ws.duplicated), (0, 0));
    assert!(ws.updates_received > 0);
    // Every message read is an update or an audience message; every byte read, a frame of one of
    // them or a control frame.
    assert_eq!(ws.updates.messages, ws.updates_received);
    assert_eq!(ws.app_received, ws.audience.bytes + ws.updates.bytes + ws.control_bytes);
    // Everyone there the whole time was told when the count dipped below 300.
    let stayers = SUBSCRIBERS - moves;
    assert!(ws.told >= stayers, "{} of {stayers} told", ws.told);
    // `{"m":1,"s":7,"sc":[0,0],"k":"watching","w":290}` and its 2-byte header, 67 bytes at most.
    let per_message = ws.audience.bytes as f64 / ws.audience.messages as f64;
    assert!((40.0..=69.0).contains(&per_message), "{per_message} bytes per audience message");
    let share = on.audience.as_ref().expect("an audience share");
    assert!(share.of_messages > 0.0 && share.of_messages < 1.0);
    assert!(share.of_payload > 0.0 && share.of_payload < share.of_messages);
    assert!(on.server_cpu_s.is_some_and(|s| s > 0.0), "the spawned server's CPU");
    let md = scorecast_bench::bandwidth::markdown::render(&on);
    assert!(
        md.contains("## Audience messages") && md.contains("| audience (`watching`) |"),
        "{md}"
    );

    let off = run(3_600).await;
    assert!(off.passed, "problems: {:?}", off.problems);
    let ws_off = off.groups.iter().find(|g| g.method == "websocket").unwrap();
    assert_eq!(ws_off.audience.messages, 0, "no count told within an hour's interval");
    assert_eq!(ws_off.app_received, ws_off.updates.bytes + ws_off.control_bytes);
    assert_eq!(off.events.seqs, on.events.seqs, "the same events, seeded");
}
