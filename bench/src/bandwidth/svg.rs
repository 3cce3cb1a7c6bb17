//! A bar chart of the bandwidth at 1,000,000 users: measured server-to-client bytes beside the
//! reference figures, on one linear scale, so the gap between polling and WebSocket is seen.

use std::fmt::Write;

use super::model::{BandwidthReport, REFERENCE_POLL_MB_S, REFERENCE_WS_MB_S};

const WIDTH: f64 = 760.0;
const LABEL: f64 = 250.0;
const BAR_AREA: f64 = WIDTH - LABEL - 90.0;
const ROW: f64 = 30.0;

pub fn render(r: &BandwidthReport) -> String {
    let mut bars: Vec<(String, f64, &str)> = Vec::new();
    for g in &r.groups {
        bars.push((format!("{} (measured)", g.method), g.at_1m_users.down_mb_s, "#3366cc"));
        match g.method.as_str() {
            "polling" => {
                bars.push(("polling, reference 1 KB / 5 s".into(), REFERENCE_POLL_MB_S, "#aaaaaa"))
            }
            "websocket" => {
                bars.push(("WebSocket, reference 50 B / 10 s".into(), REFERENCE_WS_MB_S, "#aaaaaa"))
            }
            _ => {}
        }
    }
    let max = bars.iter().map(|b| b.1).fold(1.0, f64::max);
    let height = 60.0 + ROW * bars.len() as f64;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="13">"#
    );
    let _ = writeln!(
        svg,
        r#"<text x="10" y="22" font-size="15" font-weight="bold">Server to client at 1,000,000 users, MB/s (TCP payload, HTTP headers and framing included)</text>"#
    );
    for (i, (label, value, color)) in bars.iter().enumerate() {
        let y = 40.0 + ROW * i as f64;
        let w = (value / max * BAR_AREA).max(1.0);
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text><rect x="{LABEL}" y="{y}" width="{w:.1}" height="20" fill="{color}"/><text x="{:.1}" y="{:.1}">{value:.1}</text>"#,
            LABEL - 8.0,
            y + 15.0,
            escape(label),
            LABEL + w + 6.0,
            y + 15.0,
        );
    }
    let ratio = r.ratio_poll_to_ws.map_or("—".into(), |x| format!("{x:.1}×"));
    let _ = writeln!(
        svg,
        r#"<text x="10" y="{:.1}">polling ÷ WebSocket: {ratio} measured, {:.0}× in the reference</text>"#,
        height - 8.0,
        REFERENCE_POLL_MB_S / REFERENCE_WS_MB_S
    );
    svg.push_str("</svg>\n");
    svg
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
