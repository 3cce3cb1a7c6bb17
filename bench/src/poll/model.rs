//! The `poll` result, as written to JSON.

use serde::{Deserialize, Serialize};

use crate::common::meta::Meta;
use crate::common::percentiles::Percentiles;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PollReport {
    pub meta: Meta,
    pub server: String,
    pub match_id: i64,
    /// The snapshot served: body bytes and the events it carries.
    pub snapshot_bytes: usize,
    pub snapshot_events: usize,
    pub connections: usize,
    pub cases: Vec<Case>,
    /// scorecast ÷ nginx requests per second, for `200` and for `304`.
    pub ratio_200: Option<f64>,
    pub ratio_304: Option<f64>,
    pub nginx_workers: Option<usize>,
    pub problems: Vec<String>,
    pub passed: bool,
}

/// One measured case: a target answering `200` (full body) or `304` (`If-None-Match`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Case {
    /// `scorecast` or `nginx`.
    pub target: String,
    pub expect_status: u16,
    pub connections: usize,
    /// Measured time (after the warm-up).
    pub duration_s: f64,
    /// Answers completed in the measured time, with the expected status and body length.
    pub requests: u64,
    pub requests_per_s: f64,
    pub latency_ms: Option<Percentiles>,
    /// Answers with another status or body length, and broken connections.
    pub wrong: u64,
    pub errors: u64,
    /// Bytes of one answer (head + body), as received.
    pub response_bytes: Option<usize>,
    /// The server's CPU time per answer over the measured time (when its pid is known).
    pub server_cpu_us_per_request: Option<f64>,
}
