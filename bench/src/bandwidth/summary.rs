//! From what the clients and the server measured to the report: each group's clients summed and
//! checked (every poll answered, every update delivered once), the ratios between the groups, the
//! audience messages' share and whether followers were told the cluster's count. The same for a
//! run on one node with its clients here and for one spread over nodes and client processes.

use crate::common::meta::Meta;
use crate::common::percentiles::ratio;
use crate::common::scorecast::Scorecast;

use super::clients::Outcome;
use super::model::{
    AudienceShare, BandwidthReport, Events, Group, Placement, Setup, SnapshotSizes,
};
use super::watching::WatchingCheck;
use super::BandwidthConfig;

/// What a run measured beside its clients' outcomes.
pub(crate) struct Measured {
    pub match_id: i64,
    pub placement: Placement,
    /// Snapshot sizes at the start and the end (`mean_polled_body_bytes` is filled here).
    pub snapshot: SnapshotSizes,
    pub events: Events,
    /// Each node's CPU seconds over the steady phase (empty: not known).
    pub server_cpu_by_node_s: Vec<f64>,
}

/// The report of a run whose clients' outcomes are `outcomes`: plain pollers, conditional
/// pollers, WebSocket subscribers.
pub(crate) fn report(
    server: &Scorecast,
    cfg: &BandwidthConfig,
    measured: Measured,
    outcomes: Vec<Vec<Outcome>>,
) -> BandwidthReport {
    let Measured { match_id, placement, mut snapshot, events, server_cpu_by_node_s } = measured;
    let server_cpu_s =
        (!server_cpu_by_node_s.is_empty()).then(|| server_cpu_by_node_s.iter().sum());
    let duration_s = cfg.duration.as_secs_f64();
    let mut problems = Vec::new();
    let names = ["polling", "polling + If-None-Match", "websocket"];
    let groups: Vec<Group> = outcomes
        .iter()
        .zip(names)
        .map(|(outs, name)| summarize(name, outs, &events, duration_s, &mut problems))
        .collect();
    let plain_200: u64 = outcomes[0].iter().map(|o| o.ok_200).sum();
    let plain_body: u64 = outcomes[0].iter().map(|o| o.body_bytes_200).sum();
    snapshot.mean_polled_body_bytes = (plain_200 > 0).then(|| plain_body as f64 / plain_200 as f64);
    if events.accepted != events.posted {
        problems.push(format!(
            "{} of {} events were refused",
            events.posted - events.accepted,
            events.posted
        ));
    }
    let watching = WatchingCheck::of(&outcomes[2]);
    if let Some(w) = watching.as_ref().filter(|w| !w.passed) {
        problems.push(format!(
            "{} of {} subscribers were last told a count of {} to {}, not the cluster's {} (± {})",
            w.told - w.agreeing,
            w.told,
            w.told_min,
            w.told_max,
            w.cluster,
            w.tolerance
        ));
    }
    let down = |g: &Group| Some(g.at_1m_users.down_mb_s);
    let wire = |g: &Group| Some(g.at_1m_users.wire_total_mb_s);
    let (plain, conditional, ws) = (&groups[0], &groups[1], &groups[2]);
    let live = |g: &Group| g.users > 0;
    let audience = AudienceShare::of(ws, duration_s);
    BandwidthReport {
        meta: Meta::start("bandwidth"),
        setup: Setup {
            server: server.url.to_string(),
            match_id,
            pollers: cfg.pollers,
            subscribers: cfg.subscribers,
            duration_s,
            speedup: cfg.speedup,
            poll_interval_s: cfg.poll_interval.as_secs_f64(),
            mean_event_interval_s: cfg.mean_event_interval.as_secs_f64(),
            seed: cfg.seed,
            churn_per_min: cfg.churn_per_min,
            placement,
        },
        snapshot,
        ratio_poll_to_ws: ratio(down(plain).filter(|_| live(plain)), down(ws).filter(|_| live(ws))),
        ratio_conditional_poll_to_ws: ratio(
            down(conditional).filter(|_| live(conditional)),
            down(ws).filter(|_| live(ws)),
        ),
        ratio_poll_to_ws_wire: ratio(
            wire(plain).filter(|_| live(plain)),
            wire(ws).filter(|_| live(ws)),
        ),
        ratio_conditional_poll_to_ws_wire: ratio(
            wire(conditional).filter(|_| live(conditional)),
            wire(ws).filter(|_| live(ws)),
        ),
        audience,
        watching,
        server_cpu_s,
        server_cpu_by_node_s,
        passed: problems.is_empty(),
        problems,
        events,
        groups,
    }
}

/// Sums one group's clients and checks them: every poll answered, every update delivered once.
fn summarize(
    method: &str,
    outcomes: &[Outcome],
    events: &Events,
    duration_s: f64,
    problems: &mut Vec<String>,
) -> Group {
    let mut g = Group { method: method.into(), users: outcomes.len(), ..Default::default() };
    for o in outcomes {
        g.connected += usize::from(o.connected);
        g.join.add(&o.join);
        g.steady.add(&o.steady);
        g.app_sent += o.app_sent;
        g.app_received += o.app_received;
        g.requests += o.requests;
        g.ok_200 += o.ok_200;
        g.not_modified_304 += o.not_modified_304;
        g.failed += o.failed;
        g.pings_answered += o.pings;
        g.reconnects += o.reconnects;
        g.audience.sum(&o.audience);
        g.updates.sum(&o.updates);
        g.control_bytes += o.control_bytes;
        g.told += usize::from(o.audience.messages > 0);
        g.left += u64::from(o.left);
        g.joined_late += u64::from(o.joined_late);
        g.late_join.add(&o.late_join);
        g.mean_users += o.subscribed;
        if method == "websocket" && o.connected {
            let mut seen = std::collections::BTreeSet::new();
            for s in &o.seqs {
                if !seen.insert(*s) {
                    g.duplicated += 1;
                }
            }
            // Every update after its snapshot; one that left, every one up to the last it read
            // (those committed as it left may rightly never reach it).
            let from = o.from_seq.unwrap_or(i64::MIN);
            let last = if o.left { seen.last().copied().unwrap_or(from) } else { i64::MAX };
            let expected: Vec<i64> =
                events.seqs.iter().copied().filter(|s| *s > from && *s <= last).collect();
            let received = expected.iter().filter(|s| seen.contains(s)).count() as u64;
            g.updates_expected += expected.len() as u64;
            g.updates_received += received;
            g.lost += expected.len() as u64 - received;
        }
    }
    let errors: Vec<&str> = outcomes.iter().filter_map(|o| o.error.as_deref()).collect();
    if g.connected < g.users {
        problems.push(format!(
            "{method}: {} of {} clients failed to connect",
            g.users - g.connected,
            g.users
        ));
    }
    if g.failed > 0 || g.lost > 0 || g.duplicated > 0 || g.reconnects > 0 {
        problems.push(format!(
            "{method}: {} failed polls, {} connections closed by the server, {} lost and {} \
             duplicated updates (first error: {:?})",
            g.failed,
            g.reconnects,
            g.lost,
            g.duplicated,
            errors.first()
        ));
    }
    g.compute_rates(duration_s);
    g
}
