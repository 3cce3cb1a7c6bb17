//! The `corrections` result, as written to JSON. Times in milliseconds.

use serde::{Deserialize, Serialize};

use crate::common::meta::Meta;
use crate::common::percentiles::Percentiles;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CorrectionsReport {
    pub meta: Meta,
    pub server: String,
    pub database: String,
    /// Events of the long match the corrections refold.
    pub events: usize,
    pub corrections: usize,
    /// Other matches posting meanwhile, each at `others_rate` events per second.
    pub others: usize,
    pub others_rate: f64,
    /// Seconds the long match took to fill.
    pub fill_s: f64,
    pub corrections_per_s: f64,
    /// A correction's POST, from just before sending to the `201`.
    pub correction_ms: Option<Percentiles>,
    /// The other matches' POSTs with no correction running, and while corrections ran.
    pub others_alone_ms: Option<Percentiles>,
    pub others_during_ms: Option<Percentiles>,
    /// How much the corrections added to the other POSTs' p99.
    pub delay_p99_ms: Option<f64>,
    pub aim_correction_p99_ms: f64,
    pub aim_delay_ms: f64,
    pub problems: Vec<String>,
    pub passed: bool,
}
