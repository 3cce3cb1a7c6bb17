//! Pieces every Markdown report is made of: the verdict line, table cells, the problems and the
//! `## Setup` section with the machine and run facts.

use std::fmt::Write;

use super::meta::Meta;

/// `**PASS**` or `**FAIL**`, the run's start and the tool, as the line under a report's title.
pub fn verdict(md: &mut String, passed: bool, meta: &Meta) {
    let verdict = if passed { "**PASS**" } else { "**FAIL**" };
    let _ = writeln!(md, "{verdict} — {} (UTC), `{}`.\n", meta.started_at, meta.tool);
}

/// Milliseconds for a table cell (`-` when unknown).
pub fn ms(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| if v >= 100.0 { format!("{v:.0}") } else { format!("{v:.2}") })
}

/// A number for a table cell (`-` when unknown).
pub fn num(v: Option<f64>, digits: usize) -> String {
    v.map_or("-".into(), |v| format!("{v:.digits$}"))
}

/// A ratio for a table cell, `2.00×` (`missing` when unknown).
pub fn times(v: Option<f64>, missing: &str) -> String {
    v.map_or(missing.into(), |v| format!("{v:.2}×"))
}

/// The end of a report: its problems, the server it measured (if named) and the `## Setup`.
pub fn footer(md: &mut String, problems: &[String], server: Option<&str>, meta: &Meta) {
    if !problems.is_empty() {
        md.push_str("\n## Problems\n\n");
        for p in problems {
            let _ = writeln!(md, "- {p}");
        }
    }
    if let Some(server) = server {
        let _ = writeln!(md, "\n- Server: {server}.");
    }
    md.push('\n');
    md.push_str(&meta_lines(meta));
}

/// The machine and run facts every report ends with, as a `## Setup` section.
pub fn meta_lines(meta: &Meta) -> String {
    let mut md = String::from("## Setup\n\n");
    machine_line(&mut md, meta, "Clients and servers");
    run_lines(&mut md, meta);
    md
}

/// The machine: cores, memory, open-file limit, kernel; and who shares the cores.
pub fn machine_line(md: &mut String, meta: &Meta, sharing: &str) {
    let _ = writeln!(
        md,
        "- Machine: {} cores, {} MiB memory, open-file limit {} per process, kernel {}. {sharing} \
         share the cores over loopback.",
        meta.cores,
        meta.mem_total_kib.map_or("?".into(), |k| (k / 1024).to_string()),
        meta.open_file_limit.map_or("?".into(), |n| n.to_string()),
        meta.kernel.as_deref().unwrap_or("?")
    );
}

/// The run: scorecast's version, the note, start and finish, load average.
pub fn run_lines(md: &mut String, meta: &Meta) {
    if let Some(version) = &meta.scorecast_version {
        let _ = writeln!(md, "- scorecast binary: `{version}`.");
    }
    if let Some(note) = &meta.note {
        let _ = writeln!(md, "- Note: {note}");
    }
    let _ = writeln!(md, "- Started {}, finished {}.", meta.started_at, meta.finished_at);
    let _ = writeln!(
        md,
        "- Load average (/proc/loadavg) at start: {}; at finish: {}.",
        meta.loadavg_start.as_deref().unwrap_or("?"),
        meta.loadavg_finish.as_deref().unwrap_or("?")
    );
}
