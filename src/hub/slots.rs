//! Connection slots: the count of subscriber connections (WebSocket and SSE) under
//! `--ws-max-connections`, and the permit each connection holds while it is open.

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::per_address::{AddressPermit, AddressRefusal, PerAddress};

/// The count of open subscriber connections, and the gauge that shows it.
pub(super) struct Slots {
    open: AtomicUsize,
    limit: usize,
    gauge: prometheus::IntGauge,
    per_address: Arc<PerAddress>,
}

/// Why a connection gets no slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `--ws-max-connections` are open.
    Full,
    /// Its address is over a per-address bound.
    Address(AddressRefusal),
}

impl Slots {
    pub(super) fn new(
        limit: usize,
        gauge: prometheus::IntGauge,
        per_address: Arc<PerAddress>,
    ) -> Arc<Self> {
        Arc::new(Self { open: AtomicUsize::new(0), limit, gauge, per_address })
    }

    /// Reserves room for one more connection from `address` (when known), or says why not.
    pub(super) fn take(self: &Arc<Self>, address: Option<IpAddr>) -> Result<Permit, Refusal> {
        let address = match address {
            Some(ip) => self.per_address.take(ip).map_err(Refusal::Address)?,
            None => None,
        };
        let limit = self.limit;
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < limit).then_some(n + 1))
            .map_err(|_| Refusal::Full)?;
        self.gauge.inc();
        Ok(Permit { slots: self.clone(), _address: address })
    }

    pub(super) fn open(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }
}

/// One admitted connection; dropping it frees the place.
pub struct Permit {
    slots: Arc<Slots>,
    _address: Option<AddressPermit>,
}

impl Permit {
    /// A permit counted nowhere, for unit tests of a single connection.
    #[cfg(test)]
    pub(crate) fn detached() -> Self {
        let gauge = prometheus::IntGauge::new("test_connections", "test").expect("valid metric");
        let slots = Slots::new(1, gauge, PerAddress::new(Default::default()));
        slots.take(None).expect("room for one")
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.slots.open.fetch_sub(1, Ordering::AcqRel);
        self.slots.gauge.dec();
    }
}
