//! Connection slots: the count of subscriber connections (WebSocket and SSE) under
//! `--ws-max-connections`, and the permit each connection holds while it is open.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The count of open subscriber connections, and the gauge that shows it.
pub(super) struct Slots {
    open: AtomicUsize,
    limit: usize,
    gauge: prometheus::IntGauge,
}

impl Slots {
    pub(super) fn new(limit: usize, gauge: prometheus::IntGauge) -> Arc<Self> {
        Arc::new(Self { open: AtomicUsize::new(0), limit, gauge })
    }

    /// Reserves room for one more connection, or `None` at the limit.
    pub(super) fn take(self: &Arc<Self>) -> Option<Permit> {
        let limit = self.limit;
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < limit).then_some(n + 1))
            .ok()?;
        self.gauge.inc();
        Some(Permit { slots: self.clone() })
    }

    pub(super) fn open(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }
}

/// One admitted connection; dropping it frees the place.
pub struct Permit {
    slots: Arc<Slots>,
}

impl Permit {
    /// A permit counted nowhere, for unit tests of a single connection.
    #[cfg(test)]
    pub(crate) fn detached() -> Self {
        let gauge = prometheus::IntGauge::new("test_connections", "test").expect("valid metric");
        let slots = Slots::new(1, gauge);
        slots.take().expect("room for one")
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.slots.open.fetch_sub(1, Ordering::AcqRel);
        self.slots.gauge.dec();
    }
}
