//! The Markdown report of `fanout --tls`.

use std::fmt::Write;

use super::model::{TlsReport, AIM_CPU_RATIO, AIM_RSS_PER_CONN_KIB};
use crate::common::markdown::{machine_line, ms, num, run_lines, times, verdict};
use crate::common::meta::Meta;
use crate::common::results::Report;
use crate::fanout::model::RunReport;

impl Report for TlsReport {
    const NAME: &'static str = "fanout-tls";
    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }
    fn passed(&self) -> bool {
        self.plain.passed
            && self.tls.passed
            && self.storms.iter().all(|s| s.failed == 0 && s.problem().is_none())
    }
    fn markdown(&self) -> String {
        render(self)
    }
}

fn render(r: &TlsReport) -> String {
    let mut md = String::new();
    let n = r.tls.subscribers;
    let _ = writeln!(md, "# scorecast fan-out over wss:// vs plain ws://, {n} subscribers\n");
    verdict(&mut md, r.passed(), &r.meta);
    let _ = writeln!(md, "| | plain | TLS | TLS ÷ plain | aim |\n|---|---|---|---|---|");
    let lat = |x: &RunReport, f: fn(&crate::common::percentiles::Percentiles) -> f64| {
        ms(x.latency_ms.as_ref().map(f))
    };
    let server = |x: &RunReport| x.server.clone();
    let a = &r.aims;
    let _ = writeln!(
        md,
        "| delivery p50 (ms) | {} | {} | {} | |",
        lat(&r.plain, |p| p.p50),
        lat(&r.tls, |p| p.p50),
        times(a.ratios.p50, "-")
    );
    let _ = writeln!(
        md,
        "| delivery p99 (ms) | {} | {} | {} | |",
        lat(&r.plain, |p| p.p99),
        lat(&r.tls, |p| p.p99),
        times(a.ratios.p99, "-")
    );
    let _ = writeln!(
        md,
        "| server RSS per idle subscriber (KiB) | {} | {} | {} | TLS ≤ {:.2} KiB (5 KB): {} |",
        num(a.plain_rss_per_conn_kib, 2),
        num(a.tls_rss_per_conn_kib, 2),
        times(a.ratios.rss_per_conn, "-"),
        AIM_RSS_PER_CONN_KIB,
        if a.rss_within_aim { "met" } else { "**not met**" }
    );
    let busy = |x: &RunReport| server(x).and_then(|s| s.cpu_per_delivery_busy_us);
    let _ = writeln!(
        md,
        "| server CPU per delivery, busy windows (µs) | {} | {} | {} | ≤ {AIM_CPU_RATIO}×: {} |",
        num(busy(&r.plain), 3),
        num(busy(&r.tls), 3),
        times(a.ratios.cpu_per_delivery_busy, "-"),
        if a.cpu_within_aim { "met" } else { "**not met**" }
    );
    let whole = |x: &RunReport| server(x).and_then(|s| s.cpu_per_delivery_us);
    let _ = writeln!(
        md,
        "| server CPU per delivery, whole event phase (µs) | {} | {} | {} | |",
        num(whole(&r.plain), 3),
        num(whole(&r.tls), 3),
        times(a.ratios.cpu_per_delivery, "-")
    );
    for (label, x) in [("plain", &r.plain), ("TLS", &r.tls)] {
        let _ = writeln!(
            md,
            "\n- {label}: {} connected ({} failed) in {:.1} s, connect p99 {} ms; {} of {} updates \
             delivered, {} lost, {} duplicated; {} events {} ms apart.",
            x.connect.connected,
            x.connect.failed,
            x.connect.phase_s,
            ms(x.connect.time_ms.as_ref().map(|p| p.p99)),
            x.delivery.delivered,
            x.delivery.expected,
            x.delivery.lost,
            x.delivery.duplicated,
            x.events,
            x.interval_ms,
        );
        for problem in &x.problems {
            let _ = writeln!(md, "  - problem: {problem}");
        }
    }

    let _ = writeln!(md, "\n## Reconnect storm\n");
    let _ = writeln!(
        md,
        "Each client connects, upgrades (`/ws` on the match) and reads the 101, then closes; \
         the server's CPU over the whole storm, divided by the reconnects. *Resumed* and \
         *tickets* are counted by each client from its own TLS session: the handshakes that \
         resumed an earlier session, and the TLS 1.3 session tickets received (what the next \
         round resumes with).\n"
    );
    let _ = writeln!(
        md,
        "| round | clients | done | failed | resumed | tickets | wall (s) | server CPU per reconnect (µs) | connect p50 / p99 (ms) |\n|---|---|---|---|---|---|---|---|---|"
    );
    for s in &r.storms {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {:.2} | {} | {} / {} |",
            s.label,
            s.clients,
            s.completed,
            s.failed,
            s.resumed,
            s.tickets,
            s.wall_s,
            num(s.server_cpu_per_connect_us, 0),
            ms(s.connect_ms.as_ref().map(|p| p.p50)),
            ms(s.connect_ms.as_ref().map(|p| p.p99)),
        );
    }
    for s in &r.storms {
        if let Some(e) = &s.first_error {
            let _ = writeln!(md, "\n- first failure in {}: {e}", s.label);
        }
        if let Some(problem) = s.problem() {
            let _ = writeln!(md, "\n- problem: {problem}");
        }
    }
    let resumed = r.storms.iter().find(|s| s.resuming);
    let _ = writeln!(
        md,
        "\nTLS reconnect ÷ plain, server CPU: full handshakes {}, resumed {}{}.\n",
        times(a.storm_full_vs_plain, "-"),
        times(a.storm_resumed_vs_plain, "-"),
        resumed.map_or(String::new(), |s| format!(
            " ({} of {} reconnects resumed)",
            s.resumed, s.completed
        )),
    );
    let _ = writeln!(md, "## Setup\n");
    machine_line(&mut md, &r.meta, "Server and clients share the machine.");
    run_lines(&mut md, &r.meta);
    let _ = writeln!(
        md,
        "- Each side against a fresh server (SQLite), plain first, then TLS (`--tls-cert`, a \
         certificate made for the run: ECDSA P-256); the clients do full TLS handshakes during the \
         fan-out (no resumption), like a crowd of new clients."
    );
    md
}
