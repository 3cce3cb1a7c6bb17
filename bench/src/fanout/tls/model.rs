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
    /// Whether this round's clients hold the tickets of the round before and should resume.
    #[serde(default)]
    pub resuming: bool,
    /// Handshakes that resumed an earlier session, as each client's TLS session reports it
    /// (`handshake_kind`).
    pub resumed: usize,
    /// TLS 1.3 session tickets the clients received (what the next round can resume with).
    #[serde(default)]
    pub tickets: usize,
    pub wall_s: f64,
    pub server_cpu_ms: Option<f64>,
    pub server_cpu_per_connect_us: Option<f64>,
    /// Per client, connect to the 101.
    pub connect_ms: Option<Percentiles>,
}

impl StormRound {
    /// What is wrong with the round beyond failed reconnects: a round meant to resume that did not
    /// (then its CPU is not that of resumed sessions), or one meant for full handshakes that did.
    pub fn problem(&self) -> Option<String> {
        if self.resuming && self.resumed < self.completed {
            return Some(format!(
                "{}: only {} of {} reconnects resumed their session ({} tickets received)",
                self.label, self.resumed, self.completed, self.tickets
            ));
        }
        if !self.resuming && self.resumed > 0 {
            return Some(format!(
                "{}: {} of {} reconnects resumed a session in a round of full handshakes",
                self.label, self.resumed, self.completed
            ));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(resuming: bool, resumed: usize) -> StormRound {
        StormRound {
            label: "TLS".into(),
            clients: 10,
            completed: 10,
            failed: 0,
            first_error: None,
            resuming,
            resumed,
            tickets: 10,
            wall_s: 1.0,
            server_cpu_ms: None,
            server_cpu_per_connect_us: None,
            connect_ms: None,
        }
    }

    #[test]
    fn a_resuming_round_is_a_problem_unless_every_reconnect_resumed() {
        assert_eq!(round(true, 10).problem(), None);
        let problem = round(true, 0).problem().expect("none resumed");
        assert!(problem.contains("only 0 of 10 reconnects resumed"), "{problem}");
        assert!(round(true, 9).problem().is_some());
    }

    #[test]
    fn a_round_of_full_handshakes_is_a_problem_if_any_resumed() {
        assert_eq!(round(false, 0).problem(), None);
        assert!(round(false, 1).problem().is_some());
    }
}
