//! The `poll` Markdown report.

use std::fmt::Write;

use super::model::PollReport;
use crate::common::markdown::{footer, ms, num, verdict};

crate::common::results::impl_report!(PollReport, "poll", render);

pub fn render(r: &PollReport) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Polling: the snapshot endpoint under {} keep-alive connections\n",
        r.connections
    );
    verdict(&mut md, r.passed, &r.meta);
    table(&mut md, r);
    let _ = writeln!(
        md,
        "\nThe snapshot of match {} ({} bytes of body, {} events). One load thread (a single-threaded \
         tokio runtime in this tool) drives every connection: write the request, read the whole \
         answer, repeat. Requests/s counts answers with the expected status and body length completed \
         within the measured time (after the warm-up). 304: each request carries the current ETag in \
         `If-None-Match`. nginx serves the same bytes as a static file with {} worker process(es), \
         no access log, unlimited keep-alive requests. Server CPU counts the server process (nginx: \
         master and workers).\n",
        r.match_id,
        r.snapshot_bytes,
        r.snapshot_events,
        r.nginx_workers.map_or("no".into(), |n| n.to_string()),
    );
    md.push_str("| target | status | answer bytes | wrong | broken connections | server CPU µs/request |\n|---|---:|---:|---:|---:|---:|\n");
    for c in &r.cases {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |",
            c.target,
            c.expect_status,
            c.response_bytes.map_or("—".into(), |b| b.to_string()),
            c.wrong,
            c.errors,
            num(c.server_cpu_us_per_request, 1)
        );
    }
    footer(&mut md, &r.problems, Some(&r.server), &r.meta);
    md
}

/// Requests per second and latency per case, with the ratios to nginx (also used by the summary).
pub fn table(md: &mut String, r: &PollReport) {
    md.push_str("| target | answer | connections | requests/s | p50 ms | p99 ms | max ms | scorecast ÷ nginx |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for c in &r.cases {
        let ratio = match (c.target.as_str(), c.expect_status) {
            ("scorecast", 200) => num(r.ratio_200, 2),
            ("scorecast", _) => num(r.ratio_304, 2),
            _ => String::new(),
        };
        let lat = c.latency_ms.as_ref();
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.0} | {} | {} | {} | {} |",
            c.target,
            c.expect_status,
            c.connections,
            c.requests_per_s,
            ms(lat.map(|p| p.p50)),
            ms(lat.map(|p| p.p99)),
            ms(lat.map(|p| p.max)),
            ratio
        );
    }
}
