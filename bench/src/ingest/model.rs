//! The `ingest` result, as written to JSON. Times in milliseconds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::common::meta::Meta;
use crate::common::percentiles::Percentiles;
use crate::common::sport::SportMix;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IngestReport {
    pub meta: Meta,
    pub server: String,
    /// `sqlite (fresh file)` or the Postgres URL without credentials.
    pub database: String,
    /// Matches the load is spread over in each level, each with one WebSocket subscriber.
    pub matches: usize,
    /// The matches' sports, spread over them in turn (football before sports existed).
    #[serde(default)]
    pub sports: SportMix,
    pub levels: Vec<Level>,
    pub problems: Vec<String>,
    pub passed: bool,
}

/// One load level: `concurrency` keep-alive clients posting back to back (closed), or posting on a
/// fixed schedule of `target_rate` events per second (paced).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Level {
    /// `closed` or `paced`.
    pub mode: String,
    pub concurrency: usize,
    pub target_rate: Option<f64>,
    pub duration_s: f64,
    pub posted: u64,
    /// Answered `201`: stored durably.
    pub stored: u64,
    /// Other answers, by status (`503`: the ingest queue was full).
    pub refused: BTreeMap<u16, u64>,
    /// Transport errors (connection closed, timeout).
    pub errors: u64,
    /// Stored events per second over the level.
    pub events_per_s: f64,
    /// POST round trip: from just before sending to the `201`.
    pub post_ms: Option<Percentiles>,
    /// From just before the POST was sent to the update's arrival at the match's subscriber.
    pub delivery_ms: Option<Percentiles>,
    /// From the `201` to the update's arrival (0 when the update came first).
    pub after_ack_ms: Option<Percentiles>,
    /// Updates that reached the subscriber before their POST's answer did.
    pub delivered_before_ack: u64,
    /// Stored events whose update never reached the subscriber (within the drain time).
    pub undelivered: u64,
    /// Mean JSON payload bytes of the updates the subscribers received.
    #[serde(default)]
    pub update_bytes_mean: Option<f64>,
    /// Paced: how late the sends started against the schedule (the client falling behind).
    pub send_lag_ms: Option<Percentiles>,
    /// The server's CPU time over the level per stored event (when its pid is known).
    pub server_cpu_us_per_event: Option<f64>,
    /// This tool's own CPU time per stored event (posters and subscribers, one thread): when it
    /// nears 1 s per second, the load client is the limit, not the server.
    pub client_cpu_us_per_event: Option<f64>,
}
