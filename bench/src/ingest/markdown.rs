//! The `ingest` Markdown report.

use std::fmt::Write;

use super::model::IngestReport;
use crate::common::markdown::{footer, ms, num, verdict};

crate::common::results::impl_report!(IngestReport, "ingest", render);

pub fn render(r: &IngestReport) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Ingest: durable events per second, {}\n", r.database);
    let _ = writeln!(md, "Sports: {}.\n", r.sports);
    verdict(&mut md, r.passed, &r.meta);
    table(&mut md, r);
    let _ = writeln!(
        md,
        "\nEach level creates {} fresh live matches (their sports in turn) with one WebSocket \
         subscriber each and spreads its posts over them, each its sport's scoring event (football \
         and ice hockey `goal`, basketball `points`, tennis and volleyball `point`; the sides \
         alternate within a match, so a tennis game stays at deuce and no match ends), one \
         keep-alive connection per client, written by hand. With no more clients than matches, \
         each match has one client of its own. Closed: every client posts its next event as soon as the previous one is answered. \
         Paced: event j is due at j ÷ rate; a free client sends it at that time (send lag: how late). \
         POST: from just before the request is written to the `201` (stored durably). Delivery: from \
         the same moment to the update's arrival at the subscriber, on one clock (CLOCK_MONOTONIC). \
         After 201: from the answer to the update (0 when the update came first).\n",
        r.matches
    );
    md.push_str("| mode | clients | posted | refused | errors | delivered before 201 | send lag p99 ms | server CPU µs/event | client CPU µs/event | update bytes |\n|---|---:|---:|---|---:|---:|---:|---:|---:|---:|\n");
    for l in &r.levels {
        let refused: Vec<String> = l.refused.iter().map(|(s, n)| format!("{n}×{s}")).collect();
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            l.mode,
            l.concurrency,
            l.posted,
            if refused.is_empty() { "0".into() } else { refused.join(", ") },
            l.errors,
            l.delivered_before_ack,
            ms(l.send_lag_ms.as_ref().map(|p| p.p99)),
            num(l.server_cpu_us_per_event, 1),
            num(l.client_cpu_us_per_event, 1),
            num(l.update_bytes_mean, 1),
        );
    }
    footer(&mut md, &r.problems, Some(&r.server), &r.meta);
    md
}

/// One row per level (also used by the summary report).
pub fn table(md: &mut String, r: &IngestReport) {
    md.push_str("| database | mode | clients | stored | events/s | POST p50 ms | POST p99 ms | delivery p50 ms | delivery p99 ms | after 201 p99 ms | undelivered |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    let db = if r.database.starts_with("postgres") { "postgres" } else { "sqlite" };
    for l in &r.levels {
        let mode = match l.target_rate {
            Some(rate) => format!("paced {rate:.0}/s"),
            None => l.mode.clone(),
        };
        let _ = writeln!(
            md,
            "| {db} | {mode} | {} | {} | {:.0} | {} | {} | {} | {} | {} | {} |",
            l.concurrency,
            l.stored,
            l.events_per_s,
            ms(l.post_ms.as_ref().map(|p| p.p50)),
            ms(l.post_ms.as_ref().map(|p| p.p99)),
            ms(l.delivery_ms.as_ref().map(|p| p.p50)),
            ms(l.delivery_ms.as_ref().map(|p| p.p99)),
            ms(l.after_ack_ms.as_ref().map(|p| p.p99)),
            l.undelivered,
        );
    }
}
