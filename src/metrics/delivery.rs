//! `scorecast_delivery_latency_seconds`: from an event's commit to the socket write of its update,
//! one observation per subscriber the update was written to at once, on this node.
//!
//! A worker writes one broadcast to up to a slice of sockets in a row, so it reads the clock twice
//! per slice (before and after its writes), not once per socket, and takes the writes as evenly
//! spread between the two readings. A slice of `n` writes then fills the buckets in `O(buckets)`
//! atomic additions, whatever `n` is: the histogram costs a few nanoseconds per delivery, against
//! the microseconds of the write itself.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use prometheus::core::{Collector, Desc};
use prometheus::proto::{Bucket, Histogram, Metric, MetricFamily, MetricType};

/// Under the registry's `scorecast_` prefix.
const NAME: &str = "delivery_latency_seconds";
const HELP: &str =
    "From an event's commit to the write of its update to a subscriber's socket, per \
                    update written at once (WebSocket; queued behind unread data: not counted)";

/// Shared by every worker (clones share the counts), like the prometheus crate's metrics.
#[derive(Clone)]
pub struct DeliveryLatency(Arc<Inner>);

struct Inner {
    desc: Desc,
    bounds: Vec<f64>,
    /// Deliveries at or under each bound (cumulative, as exposed).
    cumulative: Vec<AtomicU64>,
    count: AtomicU64,
    /// The sum of the latencies, in microseconds.
    sum_micros: AtomicU64,
}

impl DeliveryLatency {
    pub fn new(bounds: &[f64]) -> Self {
        Self(Arc::new(Inner {
            desc: Desc::new(NAME.into(), HELP.into(), Vec::new(), Default::default())
                .expect("valid metric"),
            bounds: bounds.to_vec(),
            cumulative: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_micros: AtomicU64::new(0),
        }))
    }

    /// `n` deliveries written one after another, the first done `first` seconds after the commit
    /// and the last `last` seconds after it, the rest evenly between.
    pub fn observe_spread(&self, n: u64, first: f64, last: f64) {
        if n == 0 {
            return;
        }
        let (first, last) = (first.max(0.0), last.max(first.max(0.0)));
        // Delivery `i` of `1..=n` at `first + (last - first) * (i - 1) / (n - 1)`.
        let step = if n > 1 { (last - first) / (n - 1) as f64 } else { 0.0 };
        let at_or_under = |bound: f64| -> u64 {
            if bound < first {
                0
            } else if step == 0.0 || bound >= last {
                n
            } else {
                (((bound - first) / step).floor() as u64 + 1).min(n)
            }
        };
        let sum = (first + last) / 2.0 * n as f64;
        let Inner { bounds, cumulative, count, sum_micros, .. } = &*self.0;
        // Largest bound first and the count before all: a scrape, reading the other way round,
        // never sees a smaller bound ahead of a larger one, or a bucket ahead of the count.
        count.fetch_add(n, Ordering::Release);
        sum_micros.fetch_add((sum * 1e6).round() as u64, Ordering::Release);
        for (bound, slot) in bounds.iter().zip(cumulative).rev() {
            let k = at_or_under(*bound);
            if k == 0 {
                break;
            }
            slot.fetch_add(k, Ordering::Release);
        }
    }
}

impl Collector for DeliveryLatency {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.0.desc]
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let Inner { bounds, cumulative, count, sum_micros, .. } = &*self.0;
        let buckets: Vec<Bucket> = bounds
            .iter()
            .zip(cumulative)
            .map(|(bound, slot)| {
                let mut bucket = Bucket::default();
                bucket.set_upper_bound(*bound);
                bucket.set_cumulative_count(slot.load(Ordering::Acquire));
                bucket
            })
            .collect();
        let mut histogram = Histogram::default();
        histogram.set_sample_sum(sum_micros.load(Ordering::Acquire) as f64 / 1e6);
        histogram.set_sample_count(count.load(Ordering::Acquire));
        histogram.set_bucket(buckets);
        let mut metric = Metric::default();
        metric.set_histogram(histogram);
        let mut family = MetricFamily::default();
        family.set_name(NAME.into());
        family.set_help(HELP.into());
        family.set_field_type(MetricType::HISTOGRAM);
        family.set_metric(vec![metric]);
        vec![family]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(latency: &DeliveryLatency) -> (Vec<u64>, u64, f64) {
        let family = &latency.collect()[0];
        let histogram = family.get_metric()[0].get_histogram();
        let buckets = histogram.get_bucket().iter().map(|b| b.cumulative_count()).collect();
        (buckets, histogram.get_sample_count(), histogram.get_sample_sum())
    }

    #[test]
    fn a_slice_of_writes_fills_the_buckets_as_evenly_spread_observations_would() {
        let latency = DeliveryLatency::new(&[0.0015, 0.0025, 0.0045, 0.008]);
        // Five writes at 1, 2, 3, 4 and 5 ms.
        latency.observe_spread(5, 0.001, 0.005);
        let (buckets, count, sum) = counts(&latency);
        assert_eq!(buckets, vec![1, 2, 4, 5]);
        assert_eq!(count, 5);
        assert!((sum - 0.015).abs() < 1e-9, "{sum}");
        // One write, and a slice all over the largest bound.
        latency.observe_spread(1, 0.002, 0.002);
        latency.observe_spread(3, 0.01, 0.02);
        let (buckets, count, _) = counts(&latency);
        assert_eq!(buckets, vec![1, 3, 5, 6]);
        assert_eq!(count, 9, "the +Inf bucket counts every delivery");
    }

    #[test]
    fn no_write_observes_nothing_and_a_clock_that_went_backwards_is_clamped() {
        let latency = DeliveryLatency::new(&[0.001]);
        latency.observe_spread(0, 0.5, 0.5);
        latency.observe_spread(2, -0.1, -0.2);
        assert_eq!(counts(&latency), (vec![2], 2, 0.0));
    }
}
