//! The `million` chart: on the left the delivery-time distribution of every phase (the share of
//! deliveries that arrived within a time), on the right the memory against connections while the
//! full run connected (scorecast nodes, client workers, kernel slab, tcp_mem pages, machine).

use std::fmt::Write;

use super::model::MillionReport;

const PANEL_W: f64 = 440.0;
const PANEL_H: f64 = 300.0;
const MARGIN: f64 = 60.0;
const COLORS: [&str; 5] = ["#3366cc", "#dc3912", "#ff9900", "#109618", "#990099"];

/// Reads one memory figure, in KiB, from a sample.
type SampleField = fn(&super::sampler::Sample) -> u64;

/// A line to draw: its label, colour and points in data units.
struct Line {
    label: String,
    color: &'static str,
    points: Vec<(f64, f64)>,
}

pub fn render(r: &MillionReport) -> String {
    let width = 2.0 * (PANEL_W + MARGIN) + MARGIN;
    let height = PANEL_H + 2.5 * MARGIN + 20.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        svg,
        r#"<text x="{MARGIN}" y="22" font-size="15" font-weight="bold">{} subscribers, {} nodes: delivery times and memory</text>"#,
        r.subscribers, r.nodes
    );
    panel(&mut svg, MARGIN, "share of deliveries within (ms)", "ms", "share", &latency_lines(r));
    panel(
        &mut svg,
        2.0 * MARGIN + PANEL_W,
        "memory while connecting (GiB)",
        "connections",
        "GiB",
        &memory_lines(r),
    );
    svg.push_str("</svg>\n");
    svg
}

fn latency_lines(r: &MillionReport) -> Vec<Line> {
    r.phases
        .iter()
        .filter_map(|p| Some((p, p.run.as_ref()?)))
        .filter(|(_, run)| run.latency_quantiles_ms.len() > 1)
        .enumerate()
        .map(|(i, (p, run))| {
            let n = (run.latency_quantiles_ms.len() - 1) as f64;
            Line {
                label: format!("{} {}", p.name, p.subscribers),
                color: COLORS[i % COLORS.len()],
                points: run
                    .latency_quantiles_ms
                    .iter()
                    .enumerate()
                    .map(|(q, ms)| (*ms, q as f64 / n))
                    .collect(),
            }
        })
        .collect()
}

fn memory_lines(r: &MillionReport) -> Vec<Line> {
    let label = format!("scorecast {}", r.subscribers);
    let phase: Vec<_> = r.samples.iter().filter(|s| s.phase == label).collect();
    // While connecting: up to the first sample with every connection open.
    let most = phase.iter().map(|s| s.connections).max().unwrap_or(0);
    let end = phase.iter().position(|s| s.connections == most).map_or(0, |i| i + 1);
    let connecting = &phase[..end];
    let gib = |kib: u64| kib as f64 / 1024.0 / 1024.0;
    let series: [(&str, SampleField); 5] = [
        ("scorecast nodes RSS", |s| s.server_rss_kib),
        ("client workers RSS", |s| s.client_rss_kib),
        ("kernel slab", |s| s.slab_kib),
        ("tcp_mem pages", |s| s.tcp_mem_pages * 4),
        ("machine in use", |s| s.memory_used_kib),
    ];
    series
        .iter()
        .enumerate()
        .map(|(i, (name, read))| Line {
            label: (*name).into(),
            color: COLORS[i],
            points: connecting.iter().map(|s| (s.connections as f64, gib(read(s)))).collect(),
        })
        .collect()
}

/// Axes at `left`, the lines scaled to fit, and a legend under the panel.
fn panel(svg: &mut String, left: f64, title: &str, x_unit: &str, y_unit: &str, lines: &[Line]) {
    let top = MARGIN;
    let all = lines.iter().flat_map(|l| &l.points);
    let x_max = all.clone().map(|p| p.0).fold(0.0, f64::max).max(1e-9);
    let y_max = all.map(|p| p.1).fold(0.0, f64::max).max(1e-9);
    let x = |v: f64| left + v / x_max * PANEL_W;
    let y = |v: f64| top + PANEL_H - v / y_max * PANEL_H;
    let _ =
        writeln!(svg, r#"<text x="{left}" y="{}" font-weight="bold">{title}</text>"#, top - 12.0);
    let _ = writeln!(
        svg,
        r##"<rect x="{left}" y="{top}" width="{PANEL_W}" height="{PANEL_H}" fill="none" stroke="#888"/>"##
    );
    for tick in 0..=4 {
        let f = f64::from(tick) / 4.0;
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
            x(f * x_max),
            top + PANEL_H + 16.0,
            short(f * x_max)
        );
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            left - 4.0,
            y(f * y_max) + 4.0,
            short(f * y_max)
        );
    }
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle">{x_unit}</text><text x="{}" y="{}" text-anchor="start">{y_unit}</text>"#,
        left + PANEL_W / 2.0,
        top + PANEL_H + 32.0,
        left + 4.0,
        top + 14.0
    );
    for (i, line) in lines.iter().enumerate() {
        let points: Vec<String> =
            line.points.iter().map(|(a, b)| format!("{:.1},{:.1}", x(*a), y(*b))).collect();
        let _ = writeln!(
            svg,
            r#"<polyline fill="none" stroke="{}" stroke-width="1.5" points="{}"/>"#,
            line.color,
            points.join(" ")
        );
        let legend_y = top + PANEL_H + 50.0 + 14.0 * (i / 2) as f64;
        let legend_x = left + (i % 2) as f64 * PANEL_W / 2.0;
        let _ = writeln!(
            svg,
            r#"<rect x="{legend_x}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{}">{}</text>"#,
            legend_y - 9.0,
            line.color,
            legend_x + 14.0,
            legend_y,
            line.label
        );
    }
}

/// A tick label: 1,500,000 as 1.5M, 2,500 as 2.5k, small values with two decimals.
fn short(v: f64) -> String {
    match v {
        v if v >= 1e6 => format!("{:.1}M", v / 1e6),
        v if v >= 1e4 => format!("{:.0}k", v / 1e3),
        v if v >= 1e3 => format!("{:.1}k", v / 1e3),
        v if v >= 10.0 => format!("{v:.0}"),
        v => format!("{v:.2}"),
    }
}
