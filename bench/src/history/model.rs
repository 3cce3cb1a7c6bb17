//! The `history` result, as written to JSON, and the aims of issue 28 it is judged against. Times
//! in milliseconds unless a name says otherwise; memory in KiB, or MiB where named.

use serde::{Deserialize, Serialize};

use crate::common::meta::Meta;
use crate::common::percentiles::Percentiles;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HistoryReport {
    pub meta: Meta,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// The database, without credentials.
    pub database: String,
    /// Finished matches seeded (the history), and matches in play or kicking off today.
    pub matches: u64,
    pub hot: u64,
    pub seed: SeedFigures,
    /// A node on the migrated, empty database, and one on the seeded database, measured alike.
    pub empty_node: NodeFigures,
    pub node: NodeFigures,
    /// The seeded node's RSS minus the empty node's, in MiB.
    pub rss_beyond_empty_mib: Option<f64>,
    /// Matches the seeded node held after start, by `scorecast_matches_held{residence}`.
    pub held_hot: Option<f64>,
    pub held_cold: Option<f64>,
    /// The seeded node's RSS and cold matches held after every request series.
    pub rss_after_requests_kib: Option<u64>,
    pub held_cold_after_requests: Option<f64>,
    pub check: CheckFigures,
    /// GETs of single matches and lists, one series each.
    pub requests: Vec<RequestSeries>,
    pub cluster: Option<ClusterFigures>,
    /// Every figure with the aim beside it.
    pub aims: Vec<Aim>,
    pub problems: Vec<String>,
    pub passed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedFigures {
    /// Writing every match and event (not through the API).
    pub seconds: f64,
    pub matches_per_s: f64,
    /// Rows in `matches` and `events` afterwards.
    pub match_rows: i64,
    pub event_rows: i64,
    /// Postgres only: `ANALYZE` after the load (what autovacuum does on its own soon after).
    pub analyze_s: Option<f64>,
}

/// One node's start, measured the same way for the empty and the seeded database.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeFigures {
    /// From starting the process to its first `200` from `/readyz` (polled every 20 ms).
    pub ready_s: f64,
    /// `VmRSS` and `RssAnon` after the settle time past ready.
    pub rss_kib: Option<u64>,
    pub rss_anon_kib: Option<u64>,
}

/// The cluster check's query, as a node runs it, timed from this tool.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckFigures {
    /// How the figures were taken (the query's text, and why from here).
    pub how: String,
    pub query: String,
    /// The place in the change sequence the query reads after: the highest so far, where an
    /// idle node's mark stands.
    pub mark: i64,
    pub runs: u64,
    /// Rows the query returned, most over the runs (0 when nothing changed).
    pub rows_max: u64,
    pub time_ms: Option<Percentiles>,
    /// For comparison, the check before the hot set: every match's `id, seq, revision`.
    pub full_read_query: String,
    pub full_read_rows: u64,
    pub full_read_ms: Option<Percentiles>,
}

/// Sequential GETs over one keep-alive connection, each timed to the end of its body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestSeries {
    pub name: String,
    /// One of the paths asked for, as an example.
    pub example: String,
    pub requests: u64,
    /// Answers other than `200`, and requests that failed.
    pub errors: u64,
    /// The series stopped at its time limit before its count.
    pub timed_out: bool,
    pub latency_ms: Option<Percentiles>,
}

/// K nodes on the seeded Postgres database and one nats-server, idle, over a fixed window.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClusterFigures {
    pub nodes: usize,
    /// `--nats-check-secs` of every node.
    pub check_secs: u64,
    pub window_s: f64,
    /// Where the rows read from Postgres come from.
    pub source: String,
    /// Rows of `matches` Postgres read for every query of every node over the window, and per
    /// second (the checks and the hot sweeps).
    pub postgres_rows: i64,
    pub postgres_rows_per_s: f64,
    /// What the check before the hot set read: every match, on every node, every check.
    pub old_check_rows_per_s: f64,
    /// The nodes' own counts over the window (`scorecast_cluster_checks_total{outcome="ok"}`,
    /// `scorecast_cluster_check_rows_total`), summed over nodes.
    pub checks: f64,
    pub check_rows: f64,
    pub rows_per_check_per_node: Option<f64>,
    pub ready_s_max: f64,
    pub rss_kib_max: Option<u64>,
}

/// A figure beside the aim for it; `met` is `None` for a figure the issue gives no
/// number for (it is reported, not judged).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Aim {
    pub figure: String,
    pub value: Option<f64>,
    pub unit: String,
    /// The figure before the hot set (100,000 matches), when it gives one.
    pub before: String,
    pub aim: String,
    pub met: Option<bool>,
}

impl Aim {
    /// A figure judged by `limit` (`value < limit`, or `value == 0` for a limit of 0); a figure
    /// that was not measured misses its aim.
    pub fn below(figure: &str, value: Option<f64>, unit: &str, before: &str, limit: f64) -> Self {
        let (aim, met) = if limit == 0.0 {
            ("0".to_owned(), value.is_some_and(|v| v == 0.0))
        } else {
            (format!("< {limit} {unit}"), value.is_some_and(|v| v < limit))
        };
        let (figure, unit, before) = (figure.into(), unit.into(), before.into());
        Self { figure, value, unit, before, aim, met: Some(met) }
    }

    /// A figure reported beside what the issue says of it, without a number to judge by.
    pub fn shown(figure: &str, value: Option<f64>, unit: &str, before: &str, aim: &str) -> Self {
        Self {
            figure: figure.into(),
            value,
            unit: unit.into(),
            before: before.into(),
            aim: aim.into(),
            met: None,
        }
    }
}
