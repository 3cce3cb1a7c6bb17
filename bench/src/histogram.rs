//! A small log-linear histogram of nanosecond values: exact below 256 ns, then 128 buckets per
//! power of two, so any percentile read from it is within 0.8% of the true value. Workers send
//! theirs to the coordinator, which merges them; minimum and maximum are kept exactly.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Bits of each value kept exactly: 2^8 = 256 sub-buckets, half of them used per octave above 256,
/// i.e. buckets at most 1/128 of their value wide.
const SUB_BITS: u32 = 8;
const SUB: u64 = 1 << SUB_BITS;
const HALF: u64 = SUB / 2;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Bucket index and count, for the buckets that hold anything; written as a list of pairs
    /// (JSON object keys would be strings, which serde cannot read back inside tagged enums).
    #[serde(with = "pairs")]
    buckets: BTreeMap<u32, u64>,
    count: u64,
    min: u64,
    max: u64,
    sum: u64,
}

impl Histogram {
    pub fn record(&mut self, value: u64) {
        *self.buckets.entry(index(value)).or_default() += 1;
        if self.count == 0 || value < self.min {
            self.min = value;
        }
        self.max = self.max.max(value);
        self.count += 1;
        self.sum = self.sum.saturating_add(value);
    }

    pub fn merge(&mut self, other: &Histogram) {
        if other.count == 0 {
            return;
        }
        for (bucket, n) in &other.buckets {
            *self.buckets.entry(*bucket).or_default() += n;
        }
        if self.count == 0 || other.min < self.min {
            self.min = other.min;
        }
        self.max = self.max.max(other.max);
        self.count += other.count;
        self.sum = self.sum.saturating_add(other.sum);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn max(&self) -> Option<u64> {
        (self.count > 0).then_some(self.max)
    }

    pub fn min(&self) -> Option<u64> {
        (self.count > 0).then_some(self.min)
    }

    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }

    /// The value below or at which a fraction `q` (0 to 1) of the recorded values lie: the middle of
    /// its bucket, kept within the exact minimum and maximum.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).clamp(1, self.count);
        if rank == self.count {
            return Some(self.max);
        }
        let mut seen = 0;
        for (bucket, n) in &self.buckets {
            seen += n;
            if seen >= rank {
                let (low, high) = bounds(*bucket);
                return Some((low + (high - low) / 2).clamp(self.min, self.max));
            }
        }
        Some(self.max)
    }
}

mod pairs {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(map: &BTreeMap<u32, u64>, s: S) -> Result<S::Ok, S::Error> {
        map.iter().collect::<Vec<_>>().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<u32, u64>, D::Error> {
        Ok(Vec::<(u32, u64)>::deserialize(d)?.into_iter().collect())
    }
}

fn index(value: u64) -> u32 {
    if value < SUB {
        return value as u32;
    }
    let top_bit = 63 - value.leading_zeros(); // >= SUB_BITS
    let shift = top_bit - (SUB_BITS - 1);
    let mantissa = value >> shift; // in HALF..SUB
    (SUB + u64::from(shift - 1) * HALF + (mantissa - HALF)) as u32
}

/// Lowest and highest value of a bucket.
fn bounds(index: u32) -> (u64, u64) {
    let index = u64::from(index);
    if index < SUB {
        return (index, index);
    }
    let shift = (index - SUB) / HALF + 1;
    let mantissa = (index - SUB) % HALF + HALF;
    let low = mantissa << shift;
    (low, low + (1 << shift) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_falls_inside_its_own_bucket() {
        for v in
            (0..5_000).chain([255, 256, 257, 511, 512, 1 << 20, (1 << 40) + 12345, u64::MAX / 3])
        {
            let (low, high) = bounds(index(v));
            assert!(low <= v && v <= high, "{v} not in {low}..={high}");
            assert!((high - low) as f64 <= v as f64 / 127.0 + 1.0, "bucket of {v} too wide");
        }
    }

    #[test]
    fn quantiles_are_within_one_percent() {
        let mut h = Histogram::default();
        for v in 1..=100_000u64 {
            h.record(v * 1_000);
        }
        for (q, exact) in [(0.5, 50_000_000.0), (0.9, 90_000_000.0), (0.99, 99_000_000.0)] {
            let got = h.quantile(q).unwrap() as f64;
            assert!((got - exact).abs() / exact < 0.01, "q{q}: {got} vs {exact}");
        }
        assert_eq!(h.max(), Some(100_000_000));
        assert_eq!(h.min(), Some(1_000));
        assert_eq!(h.quantile(1.0), Some(100_000_000));
    }

    #[test]
    fn merged_histograms_equal_one_fed_everything() {
        let (mut a, mut b, mut all) =
            (Histogram::default(), Histogram::default(), Histogram::default());
        for v in 0..1000u64 {
            let v = v * v * 37;
            if v % 2 == 0 {
                a.record(v)
            } else {
                b.record(v)
            }
            all.record(v);
        }
        a.merge(&b);
        assert_eq!(a, all);
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Histogram>(&json).unwrap(), all);
    }
}
