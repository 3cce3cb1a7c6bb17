//! The `bandwidth` Markdown report: the table at 1,000,000 users beside the reference figures.

use std::fmt::Write;

use super::model::{BandwidthReport, REFERENCE_POLL_MB_S, REFERENCE_WS_MB_S};
use crate::common::markdown::{footer, num, verdict};

crate::common::results::impl_report!(BandwidthReport, "bandwidth", render);

pub fn render(r: &BandwidthReport) -> String {
    let mut md = String::new();
    let s = &r.setup;
    let _ = writeln!(
        md,
        "# Bandwidth: polling vs WebSocket, {} pollers per polling group, {} subscribers\n",
        s.pollers, s.subscribers
    );
    verdict(&mut md, r.passed, &r.meta);
    let place = &s.placement;
    if place.nodes > 1 || place.client_processes > 1 {
        let _ = writeln!(
            md,
            "{} scorecast node(s) on one Postgres and one nats-server, {} subscribers per node; \
             the subscribers held by {} client process(es). Server CPU: every node's, summed.\n",
            place.nodes,
            s.subscribers.div_ceil(place.nodes.max(1)),
            place.client_processes,
        );
    }
    table(&mut md, r);
    md.push_str("\nChart: the `.svg` of the same name.\n");
    let _ = writeln!(
        md,
        "\n{} simulated seconds (speedup {}×), polls every {} s, {} events posted ({} accepted) at one \
         per {} s on average (seed {}). Snapshot body: **{} bytes with {} event(s)** at the start, \
         **{} bytes with {} events** at the end; the plain pollers' 200s averaged {} bytes of body.\n",
        s.duration_s,
        s.speedup,
        s.poll_interval_s,
        r.events.posted,
        r.events.accepted,
        s.mean_event_interval_s,
        s.seed,
        r.snapshot.start_bytes,
        r.snapshot.start_events,
        r.snapshot.end_bytes,
        r.snapshot.end_events,
        num(r.snapshot.mean_polled_body_bytes, 0),
    );
    md.push_str("| method | clients | polls | 200 | 304 | failed | reconnects | updates expected | received | lost | duplicated | pings answered | down B/s/user (kernel) | down B/s/user (app) | up B/s/user | segments/s/user | join bytes/user |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for g in &r.groups {
        let _ = writeln!(
            md,
            "| {} | {}/{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.3} | {:.0} |",
            g.method, g.connected, g.users, g.requests, g.ok_200, g.not_modified_304, g.failed, g.reconnects,
            g.updates_expected, g.updates_received, g.lost, g.duplicated, g.pings_answered,
            g.per_user.down_bps, g.per_user.app_down_bps, g.per_user.up_bps,
            g.per_user.segments_per_s, g.per_user.join_bytes,
        );
    }
    audience(&mut md, r);
    md.push_str(
        "\nKernel bytes are `tcpi_bytes_received` (down) and `tcpi_bytes_acked` (up) of every client \
         socket from `getsockopt(TCP_INFO)`: TCP payload, so HTTP headers and WebSocket framing are \
         in them. Wire adds 52 bytes of IPv4 + TCP header (with timestamps) per segment \
         (`tcpi_segs_in + tcpi_segs_out`, bare ACKs included); no link layer. Steady phase: from \
         the moment each client was connected (WebSocket: had its first snapshot) to the end; the \
         one-time join (TCP handshake, upgrade, first snapshot) is shown per user separately. Pollers \
         connect just before their first poll. The \
         polling clients send a minimal request (`Host`, `Accept`, and `If-None-Match`); a browser \
         adds several hundred bytes of headers (User-Agent, cookies), so real polling costs more.\n",
    );
    footer(&mut md, &r.problems, None, &r.meta);
    md
}

/// The headline table at 1,000,000 users (also used by the summary report).
pub fn table(md: &mut String, r: &BandwidthReport) {
    md.push_str("| at 1,000,000 users | down MB/s (payload) | up MB/s (payload) | wire MB/s (both ways, TCP/IP headers) | reference MB/s |\n|---|---:|---:|---:|---:|\n");
    for g in &r.groups {
        let reference = match g.method.as_str() {
            "polling" => format!("{REFERENCE_POLL_MB_S:.0} (1 KB / 5 s)"),
            "websocket" => format!("{REFERENCE_WS_MB_S:.0} (50 B / 10 s)"),
            _ => "—".into(),
        };
        let _ = writeln!(
            md,
            "| {} | {:.2} | {:.2} | {:.2} | {} |",
            g.method,
            g.at_1m_users.down_mb_s,
            g.at_1m_users.up_mb_s,
            g.at_1m_users.wire_total_mb_s,
            reference
        );
    }
    let _ = writeln!(
        md,
        "| **polling ÷ WebSocket** | **{}×** (conditional: {}×) | | {}× (conditional: {}×) | {:.0}× |",
        num(r.ratio_poll_to_ws, 1),
        num(r.ratio_conditional_poll_to_ws, 1),
        num(r.ratio_poll_to_ws_wire, 1),
        num(r.ratio_conditional_poll_to_ws_wire, 1),
        REFERENCE_POLL_MB_S / REFERENCE_WS_MB_S,
    );
}

/// The subscribers' audience messages beside their updates, and the churn.
fn audience(md: &mut String, r: &BandwidthReport) {
    let Some(ws) = r.groups.iter().find(|g| g.method == "websocket" && g.connected > 0) else {
        return;
    };
    let _ = writeln!(
        md,
        "\n## Audience messages\n\nChurn: {}% of the subscribers leaving, and as many newcomers \
         joining, per minute: {} left and {} joined ({} bytes per join); {:.1} subscribers present \
         on average. Server CPU over the steady phase: {} s.\n",
        r.setup.churn_per_min,
        ws.left,
        ws.joined_late,
        num(
            (ws.joined_late > 0).then(|| {
                (ws.late_join.bytes_sent + ws.late_join.bytes_received) as f64
                    / ws.joined_late as f64
            }),
            0
        ),
        ws.users_for_rates(),
        num(r.server_cpu_s, 2),
    );
    md.push_str("| WebSocket subscribers' messages | messages | frame bytes | B/s/user | per user |\n|---|---:|---:|---:|---:|\n");
    let users = ws.users_for_rates();
    let duration = r.setup.duration_s;
    for (name, f) in [("updates", &ws.updates), ("audience (`watching`)", &ws.audience)] {
        let _ = writeln!(
            md,
            "| {name} | {} | {} | {:.3} | {:.2} messages |",
            f.messages,
            f.bytes,
            f.bytes as f64 / users / duration,
            f.messages as f64 / users,
        );
    }
    let percent = |share: f64| format!("{:.2} %", share * 100.0);
    let _ = writeln!(
        md,
        "\nAudience share: **{}** of the message bytes (updates and audience), **{}** of every \
         payload byte the subscribers received (kernel count: frames, pings, the newcomers' \
         joins); {} of {} subscribers were told at least once. Bytes are whole WebSocket \
         frames (header included) as each client read them; the share of the wire bytes and of \
         the server's CPU, which need the same run without audience messages beside it, is what \
         `bench/audience-share.sh` reports.",
        r.audience.as_ref().map_or("—".into(), |a| percent(a.of_messages)),
        r.audience.as_ref().map_or("—".into(), |a| percent(a.of_payload)),
        ws.told,
        ws.connected,
    );
    if let Some(w) = &r.watching {
        let _ = writeln!(
            md,
            "\nCount told: the subscribers there at the end were last told {} to {} ({} of {} \
             within ± {} of the cluster's **{}** subscribers at the end, every node's: **{}**).",
            w.told_min,
            w.told_max,
            w.agreeing,
            w.told,
            w.tolerance,
            w.cluster,
            if w.passed { "the cluster's count" } else { "NOT the cluster's count" },
        );
    }
}
