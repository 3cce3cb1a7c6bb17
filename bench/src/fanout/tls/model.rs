//! The `fanout --tls` results, as written to JSON.

use serde::{Deserialize, Serialize};

use crate::common::meta::Meta;
use crate::common::percentiles::{ratio, Percentiles};
use crate::fanout::model::{Ratios, RunReport};

/// What TLS may cost against plain, from the issue: per idle subscriber at most 5 KB, CPU per
/// delivery at most 1.5× plain.
pub const AIM_RSS_PER_CONN_KIB: f64 = 5.0 * 1000.0 / 1024.0;
pub const AIM_CPU_RATIO: f64 = 1.5;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TlsReport {
    pub meta: Meta,
    pub plain: RunReport,
    pub tls: RunReport,
    pub aims: TlsAims,
    pub storms: Vec<StormRound>,
}

/// TLS ÷ plain, and whether the aims are met.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TlsAims {
    pub ratios: Ratios,
    pub tls_rss_per_conn_kib: Option<f64>,
    pub plain_rss_per_conn_kib: Option<f64>,
    pub rss_within_aim: bool,
    pub cpu_within_aim: bool,
    /// Server CPU per reconnect: TLS with full handshakes, and resumed, ÷ plain.
    pub storm_full_vs_plain: Option<f64>,
    pub storm_resumed_vs_plain: Option<f64>,
}

impl TlsAims {
    pub fn of(plain: &RunReport, tls: &RunReport, storms: &[StormRound]) -> Self {
        let ratios = Ratios::of(tls, plain);
        let rss = |r: &RunReport| r.server.as_ref().map(|s| s.rss_per_conn_kib);
        let cpu = |label: &str| {
            storms
                .iter()
                .find(|s| s.label.starts_with(label))
                .and_then(|s| s.server_cpu_per_connect_us)
        };
        Self {
            tls_rss_per_conn_kib: rss(tls),
            plain_rss_per_conn_kib: rss(plain),
            rss_within_aim: rss(tls).is_some_and(|kib| kib <= AIM_RSS_PER_CONN_KIB),
            cpu_within_aim: ratios.cpu_per_delivery_busy.is_some_and(|r| r <= AIM_CPU_RATIO),
            storm_full_vs_plain: ratio(cpu("TLS, full"), cpu("plain")),
            storm_resumed_vs_plain: ratio(cpu("TLS, resumed"), cpu("plain")),
            ratios,
        }
    }
}

/// One reconnect storm against one server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StormRound {
    pub label: String,
    pub clients: usize,
    pub completed: usize,
    pub failed: usize,
    pub first_error: Option<String>,
    /// Handshakes that resumed an earlier session.
    pub resumed: usize,
    pub wall_s: f64,
    pub server_cpu_ms: Option<f64>,
    pub server_cpu_per_connect_us: Option<f64>,
    /// Per client, connect to the 101.
    pub connect_ms: Option<Percentiles>,
}
