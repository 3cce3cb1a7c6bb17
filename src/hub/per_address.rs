//! Per client address: a cap on open subscriber connections and a connect rate (a token bucket),
//! so that one client cannot take every slot. Both are off (0) by default: behind a load balancer
//! every client shares its address unless the balancer is a trusted proxy.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use tokio::time::Instant;

/// Addresses remembered before idle ones (no open connection, a full bucket) are forgotten.
const PRUNE_AT: usize = 4096;

/// Bounds per client address; 0 turns a bound off.
#[derive(Debug, Clone, Copy, Default)]
pub struct AddressLimits {
    /// Most open subscriber connections from one address.
    pub max_connections: usize,
    /// New subscriber connections per second from one address (also the burst allowed).
    pub connects_per_sec: u32,
}

/// Why an address may not connect now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressRefusal {
    TooManyOpen,
    TooFast,
}

pub(super) struct PerAddress {
    limits: AddressLimits,
    seen: Mutex<HashMap<IpAddr, Entry>>,
}

struct Entry {
    open: usize,
    tokens: f64,
    refilled: Instant,
}

/// An admitted connection's share of its address's count; dropping it frees it.
pub(super) struct AddressPermit {
    owner: Arc<PerAddress>,
    address: IpAddr,
}

impl PerAddress {
    pub(super) fn new(limits: AddressLimits) -> Arc<Self> {
        Arc::new(Self { limits, seen: Mutex::new(HashMap::new()) })
    }

    fn enabled(&self) -> bool {
        self.limits.max_connections > 0 || self.limits.connects_per_sec > 0
    }

    /// Counts one more connection from `address`, or says why not.
    pub(super) fn take(
        self: &Arc<Self>,
        address: IpAddr,
    ) -> Result<Option<AddressPermit>, AddressRefusal> {
        if !self.enabled() {
            return Ok(None);
        }
        let now = Instant::now();
        let rate = f64::from(self.limits.connects_per_sec);
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= PRUNE_AT {
            seen.retain(|_, e| e.open > 0 || (rate > 0.0 && refill(e, now, rate) < rate));
        }
        let entry = seen.entry(address).or_insert(Entry { open: 0, tokens: rate, refilled: now });
        if self.limits.max_connections > 0 && entry.open >= self.limits.max_connections {
            return Err(AddressRefusal::TooManyOpen);
        }
        if rate > 0.0 {
            if refill(entry, now, rate) < 1.0 {
                return Err(AddressRefusal::TooFast);
            }
            entry.tokens -= 1.0;
        }
        entry.open += 1;
        Ok(Some(AddressPermit { owner: self.clone(), address }))
    }
}

/// Adds the tokens earned since the last refill (at most one second's worth); returns the total.
fn refill(entry: &mut Entry, now: Instant, rate: f64) -> f64 {
    let earned = now.duration_since(entry.refilled).as_secs_f64() * rate;
    entry.tokens = (entry.tokens + earned).min(rate);
    entry.refilled = now;
    entry.tokens
}

impl Drop for AddressPermit {
    fn drop(&mut self) {
        let mut seen = self.owner.seen.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = seen.get_mut(&self.address) {
            entry.open = entry.open.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    #[tokio::test(start_paused = true)]
    async fn one_address_is_capped_and_others_are_not() {
        let limits = PerAddress::new(AddressLimits { max_connections: 2, connects_per_sec: 0 });
        let first = limits.take(ip(2)).unwrap();
        let _second = limits.take(ip(2)).unwrap();
        assert_eq!(limits.take(ip(2)).err(), Some(AddressRefusal::TooManyOpen));
        assert!(limits.take(ip(3)).is_ok(), "another address has its own count");
        drop(first);
        assert!(limits.take(ip(2)).is_ok(), "a closed connection frees its place");
    }

    #[tokio::test(start_paused = true)]
    async fn connects_beyond_the_rate_wait_for_the_bucket_to_refill() {
        let limits = PerAddress::new(AddressLimits { max_connections: 0, connects_per_sec: 2 });
        let _a = limits.take(ip(2)).unwrap();
        let _b = limits.take(ip(2)).unwrap();
        assert_eq!(limits.take(ip(2)).err(), Some(AddressRefusal::TooFast));
        tokio::time::advance(Duration::from_millis(500)).await;
        assert!(limits.take(ip(2)).is_ok(), "one token back after half a second at 2/s");
        assert_eq!(limits.take(ip(2)).err(), Some(AddressRefusal::TooFast));
    }

    #[tokio::test]
    async fn without_limits_nothing_is_counted() {
        let limits = PerAddress::new(AddressLimits::default());
        assert!(limits.take(ip(2)).unwrap().is_none());
    }
}
