//! A distribution of times as every result reports it.

use serde::{Deserialize, Serialize};

use crate::histogram::Histogram;

/// Distribution of a time, in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub count: u64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

impl Percentiles {
    /// From a histogram of nanoseconds; `None` when it is empty.
    pub fn from_ns(h: &Histogram) -> Option<Self> {
        let ms = |ns: u64| ns as f64 / 1e6;
        Some(Self {
            count: h.count(),
            mean: h.mean()? / 1e6,
            p50: ms(h.quantile(0.50)?),
            p90: ms(h.quantile(0.90)?),
            p99: ms(h.quantile(0.99)?),
            max: ms(h.max()?),
        })
    }
}

/// `a / b`, when both are known and `b` is above zero.
pub fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}
