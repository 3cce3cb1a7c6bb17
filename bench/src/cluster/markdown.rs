//! The `cluster` Markdown report: single node vs cluster per subscriber count (with the floor and
//! the ratios against the aims), every round, then the gap repair and the failover.

use std::fmt::Write;

use super::model::{ClusterReport, ClusterSize, Failover, GapRepair, MAX_CPU_RATIO, MAX_P99_RATIO};
use crate::common::markdown::{footer, ms, num, times, verdict};
use crate::compare::markdown::{round_cells, rounds_in_order, ROUND_ALIGN, ROUND_HEAD};

crate::common::results::impl_report!(ClusterReport, "cluster", render);

pub fn render(r: &ClusterReport) -> String {
    let mut md = String::new();
    let sizes: Vec<String> = r.sizes.iter().map(|s| s.subscribers.to_string()).collect();
    let _ = writeln!(
        md,
        "# Cluster: {} nodes over NATS vs one node, at {} subscribers, {} round(s)\n",
        r.nodes,
        if sizes.is_empty() { "no".into() } else { sizes.join(" and ") },
        r.rounds
    );
    verdict(&mut md, r.passed, &r.meta);
    headline(&mut md, r);
    if !r.sizes.is_empty() {
        let _ = writeln!(
            md,
            "Medians over the rounds of each deployment. Aims: the cluster's p99 at most \
             {MAX_P99_RATIO:.2}× one node's, its server CPU per delivery at most {MAX_CPU_RATIO:.1}×, \
             nothing lost or duplicated. Latency is from just before the POST to the update's \
             arrival (the durable commit in Postgres included). CPU per delivery is the servers' \
             CPU (every node's `schedstat` time summed; not nats-server's or Postgres's) over each \
             event's busy window, its POST until every client had it, ÷ deliveries. The floor is \
             the same load against the trivial broadcaster, once per size. Rounds alternate the \
             order: single first in odd rounds, the cluster first in even ones.\n"
        );
    }
    for s in &r.sizes {
        size(&mut md, s);
    }
    if let Some(g) = &r.gap_repair {
        gap(&mut md, g);
    }
    if let Some(f) = &r.failover {
        failover(&mut md, f);
    }
    md.push_str("## Run\n\n");
    let _ =
        writeln!(md, "- Fan-out load: {} events {:.0} ms apart per run.", r.events, r.interval_ms);
    let _ = writeln!(
        md,
        "- Postgres: `{}` (a throwaway cluster this run started, fsync on, `max_connections=400`); \
         nats-server: `{}`.",
        r.postgres.as_deref().unwrap_or("?"),
        r.nats.as_deref().unwrap_or("?")
    );
    if !r.server_args.is_empty() {
        let _ = writeln!(md, "- Extra server flags: `{}`.", r.server_args.join(" "));
    }
    footer(&mut md, &r.problems, None, &r.meta);
    md
}

/// What the cluster is, the single-vs-cluster table and one line per scenario (also REPORT.md's).
pub fn headline(md: &mut String, r: &ClusterReport) {
    let _ = writeln!(
        md,
        "Cluster: {} nodes sharing one Postgres and one nats-server, the subscribers spread over \
         them round-robin, the events posted on the first node (so two thirds of the deliveries \
         cross NATS). Single: {}. Every run has fresh servers and a fresh database. Binary `{}`.\n",
        r.nodes, r.single, r.binary.path
    );
    if !r.sizes.is_empty() {
        md.push_str(
            "| subscribers | floor p99 ms | single p99 ms | cluster p99 ms | p99 cluster ÷ single | single CPU µs/delivery | cluster CPU µs/delivery | CPU cluster ÷ single | lost | duplicated | verdict |\n\
             |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
        );
    }
    for s in &r.sizes {
        let (a, c) = (&s.single.median, &s.cluster.median);
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} {} | {} | {} | {} {} | {} | {} | {} |",
            s.subscribers,
            ms(s.floor.as_ref().and_then(|f| f.p99_ms)),
            ms(a.p99_ms),
            ms(c.p99_ms),
            times(s.ratio_p99, "-"),
            met(s.p99_met),
            num(a.cpu_per_delivery_us, 2),
            num(c.cpu_per_delivery_us, 2),
            times(s.ratio_cpu_per_delivery, "-"),
            met(s.cpu_met),
            s.lost,
            s.duplicated,
            if s.passed { "**PASS**" } else { "**FAIL**" },
        );
    }
    if let Some(g) = &r.gap_repair {
        let _ = writeln!(
            md,
            "\n- Gap repair: {} events posted on node 0 with NATS down; every node's snapshot had \
             the last one {} after NATS was back, every subscriber everything {} after; gap reads \
             per node {:?}; {} lost, {} duplicated.",
            g.accepted,
            secs(g.all_nodes_s),
            secs(g.subscribers_s),
            g.nodes.iter().map(|n| count(n.gap_reads)).collect::<Vec<_>>(),
            g.delivery.lost,
            g.delivery.duplicated
        );
    }
    if let Some(f) = &r.failover {
        let _ = writeln!(
            md,
            "- Failover: SIGTERM to one of {} nodes under {} subscribers; its {} clients all resumed \
             {} after SIGTERM, {} `rec:false`; replay queries {}, gap reads {}; {} lost, {} \
             duplicated.",
            f.nodes,
            f.connected,
            f.resumes.going_away,
            secs(f.all_resumed_s),
            f.resumes.not_recovered,
            count(f.replay_queries),
            count(f.gap_reads),
            f.delivery.lost,
            f.delivery.duplicated
        );
    }
    md.push('\n');
}

fn size(md: &mut String, s: &ClusterSize) {
    let _ = writeln!(md, "## {} subscribers\n", s.subscribers);
    let _ = writeln!(
        md,
        "| round | order | deployment | started (UTC) | load avg | {ROUND_HEAD}\n|---:|---:|---|---|---|{ROUND_ALIGN}"
    );
    let sides = [
        ("floor", s.floor.as_slice()),
        ("single", &s.single.rounds[..]),
        ("cluster", &s.cluster.rounds[..]),
    ];
    for (deployment, r) in rounds_in_order(&sides) {
        let _ = writeln!(
            md,
            "| {} | {} | {deployment} | {} | {} | {}",
            r.round,
            r.position,
            r.started_at.get(11..19).unwrap_or(&r.started_at),
            r.loadavg_start.as_deref().and_then(|l| l.split(' ').next()).unwrap_or("?"),
            round_cells(r),
        );
    }
    let _ = writeln!(
        md,
        "\n- p99 ÷ floor: single {}, cluster {}. Round 0 is the floor.\n",
        times(s.single_p99_to_floor, "-"),
        times(s.cluster_p99_to_floor, "-")
    );
}

fn gap(md: &mut String, g: &GapRepair) {
    md.push_str("## Gap repair after a NATS outage\n\n");
    let _ = writeln!(
        md,
        "{} subscribers ({} connected) spread over the nodes; nats-server killed (SIGKILL), {} \
         events posted one after the other on node 0 ({} accepted, seq {} → {}, {:.1} s with NATS \
         down), nats-server started again on the same port. Nodes run with `--nats-check-secs {}` \
         (the default).\n",
        g.subscribers,
        g.connected,
        g.events,
        g.accepted,
        g.first_seq,
        g.last_seq,
        g.outage_posting_s,
        g.check_secs
    );
    let _ = writeln!(
        md,
        "- Every node's snapshot at seq {}: **{}** after NATS was back; every subscriber had every \
         update: **{}** after.",
        g.last_seq,
        secs(g.all_nodes_s),
        secs(g.subscribers_s)
    );
    delivery_line(md, &g.delivery);
    md.push_str(
        "\n| node | posting | snapshot seq when NATS came back | caught up after restart | gap reads | events read | counters that moved |\n\
         |---:|---|---:|---:|---:|---:|---|\n",
    );
    for n in &g.nodes {
        let moved: Vec<String> = n.metrics.iter().map(|(k, v)| format!("`{k}` +{v}")).collect();
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} |",
            n.node,
            if n.posting { "yes" } else { "no" },
            n.seq_at_restart.map_or("-".into(), |s| s.to_string()),
            secs(n.caught_up_s),
            count(n.gap_reads),
            count(n.gap_events),
            moved.join(", ")
        );
    }
    md.push_str(
        "\nA node that was already at the last seq when NATS came back shows 0 s: its periodic \
         check had repaired it from the database during the outage.\n\n",
    );
}

fn failover(md: &mut String, f: &Failover) {
    md.push_str("## SIGTERM failover\n\n");
    let _ = writeln!(
        md,
        "{} subscribers ({} connected) over {} nodes; {} events posted on node {} every {:.0} ms; \
         SIGTERM to node {} {:.2} s after the first post. Its clients, closed with 1001, wait a \
         random 0–{} ms and reconnect to one of the other nodes with `since=<match>:<last seq>`.\n",
        f.subscribers,
        f.connected,
        f.nodes,
        f.accepted,
        f.posting_node,
        f.interval_ms,
        f.stopped_node,
        f.sigterm_at_s,
        f.jitter_ms
    );
    let r = &f.resumes;
    let _ = writeln!(
        md,
        "- All {} closed clients resumed gapless: **{}** after SIGTERM (per client, close to last \
         replayed update: p50 {} ms, p99 {} ms, max {} ms). The node exited {} after SIGTERM.",
        r.going_away,
        secs(f.all_resumed_s),
        ms(f.resume_ms.as_ref().map(|p| p.p50)),
        ms(f.resume_ms.as_ref().map(|p| p.p99)),
        ms(f.resume_ms.as_ref().map(|p| p.max)),
        secs(f.stop_s)
    );
    let _ = writeln!(
        md,
        "- Resumes: {} `rec:true` markers, {} completed, **{} `rec:false`**, {} reconnect \
         failures, {} clients that found no node, {} unexpected markers.",
        r.recovered,
        r.completed,
        r.not_recovered,
        r.reconnect_failures,
        r.abandoned,
        r.unexpected_markers
    );
    let _ = writeln!(
        md,
        "- Database reads on the surviving nodes: `scorecast_replay_queries_total` +{}, \
         `scorecast_gap_reads_total` +{}; `scorecast_resumes_total` recovered +{}, not_recovered +{}.",
        count(f.replay_queries),
        count(f.gap_reads),
        count(f.resumes_recovered),
        count(f.resumes_not_recovered)
    );
    delivery_line(md, &f.delivery);
    md.push('\n');
}

fn delivery_line(md: &mut String, d: &super::model::Delivery) {
    let _ = writeln!(
        md,
        "- Delivery: {} of {} expected updates, {} lost, {} duplicated, {} gaps, {} snapshots in \
         place of updates, {} unexpected; {} connections closed for good.",
        d.delivered,
        d.expected,
        d.lost,
        d.duplicated,
        d.gaps,
        d.resync_snapshots,
        d.unexpected,
        d.closed
    );
}

/// A counter's change, as a whole number (results written before sums were folded from +0.0
/// hold -0.0 for "nothing").
fn count(v: f64) -> u64 {
    v.max(0.0).round() as u64
}

fn secs(v: Option<f64>) -> String {
    v.map_or("not reached".into(), |s| format!("{s:.2} s"))
}

fn met(ok: bool) -> &'static str {
    if ok {
        "✓"
    } else {
        "✗"
    }
}
