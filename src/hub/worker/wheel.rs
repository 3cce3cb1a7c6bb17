//! When the sweep looks at each connection: a hashed timing wheel of one-second slots (Varghese
//! and Lauck, "Hashed and hierarchical timing wheels", SOSP 1987), in which a connection waits in
//! the slot of the second its next verdict can fall due (`Conn::next_due`). The once-a-second
//! sweep takes the slots that have come, instead of walking every connection: an idle one is
//! looked at once per heartbeat interval, not sixty times a minute.
//!
//! A connection has one live entry at most: `armed` holds the slot it is in. Arming it earlier
//! adds an entry and leaves the later one behind, stale, dropped when its slot comes (it no longer
//! matches `armed`); arming it later does nothing, since looking at a connection too early is
//! harmless (nothing is due; it is armed again). Entries hold only the connection's key: a key
//! reused by a new connection is looked at once, whatever entries its old one left. (Visible to
//! the hub for `conn`'s tests, which drive it with real connection states.)

use std::time::Duration;

use tokio::time::Instant;

use crate::hub::index::Key;

/// Slots in the wheel, one a second: more than the default heartbeat interval (45 s), so an
/// idle connection waits in the slot of its ping; a later verdict waits in the last slot and is
/// armed again from there (one look a lap).
const SLOTS: u32 = 64;
/// `armed` of a key with no live entry.
const NONE: u32 = u32::MAX;
/// The resolution of the wheel: the sweep's interval.
const SLOT: Duration = Duration::from_secs(1);

pub(in crate::hub) struct Wheel {
    origin: Instant,
    /// The slot of the last sweep: every earlier slot is empty; this one is taken again by the
    /// next sweep (it holds what fell due later within that second).
    cursor: u32,
    buckets: Box<[Vec<u32>]>,
    /// Per key: the slot of its live entry, or `NONE`.
    armed: Vec<u32>,
}

impl Wheel {
    pub(in crate::hub) fn new(origin: Instant) -> Self {
        Self {
            origin,
            cursor: 0,
            buckets: (0..SLOTS).map(|_| Vec::new()).collect(),
            armed: Vec::new(),
        }
    }

    /// The slot of the second that holds `at`.
    fn slot(&self, at: Instant) -> u32 {
        let secs = at.saturating_duration_since(self.origin).as_secs() / SLOT.as_secs();
        // Far beyond the last slot of the wheel anyway: clamped when armed.
        secs.min(u64::from(NONE - 1)) as u32
    }

    /// Has the sweep look at `key` at the first tick at or after `due`, unless it already will
    /// sooner; `None` (the connection is over) changes nothing.
    pub(in crate::hub) fn arm(&mut self, key: Key, due: Option<Instant>) {
        let Some(due) = due else { return };
        let last = self.cursor.saturating_add(SLOTS - 1).min(NONE - 1);
        let slot = self.slot(due).clamp(self.cursor, last);
        if key >= self.armed.len() {
            self.armed.resize(key + 1, NONE);
        }
        let armed = &mut self.armed[key];
        if *armed != NONE && *armed <= slot {
            return;
        }
        *armed = slot;
        // Keys are slab keys, far below 2^32 (each is an open socket).
        self.buckets[(slot % SLOTS) as usize].push(key as u32);
    }

    /// `key`'s connection is gone: its entries are stale.
    pub(in crate::hub) fn forget(&mut self, key: Key) {
        if let Some(armed) = self.armed.get_mut(key) {
            *armed = NONE;
        }
    }

    /// Moves into `out` every key whose slot has come by `now`: the connections the sweep must
    /// look at. Each leaves the wheel; the sweep arms it again (`arm`) after looking at it.
    pub(in crate::hub) fn take_due(&mut self, now: Instant, out: &mut Vec<Key>) {
        let now = self.slot(now).max(self.cursor);
        // Live entries lie within one lap from the cursor: a sweep late by more than a lap
        // takes every slot once.
        let last = now.min(self.cursor.saturating_add(SLOTS - 1));
        for slot in self.cursor..=last {
            let bucket = &mut self.buckets[(slot % SLOTS) as usize];
            for key in bucket.drain(..) {
                let key = key as usize;
                if self.armed.get(key) == Some(&slot) {
                    self.armed[key] = NONE;
                    out.push(key);
                }
            }
        }
        self.cursor = now;
    }

    /// Whether the sweep looks at `key` by the first tick at or after `due` (what `arm` keeps
    /// true, checked after every sweep of a debug build: a change to a connection not followed by
    /// `WorkerState::rearm` shows there).
    #[cfg(any(test, debug_assertions))]
    pub(in crate::hub) fn holds(&self, key: Key, due: Option<Instant>) -> bool {
        let Some(due) = due else { return true };
        let armed = self.armed.get(key).copied().unwrap_or(NONE);
        armed != NONE && armed <= self.slot(due).max(self.cursor)
    }

    /// Entries in the wheel, stale ones included (for tests and the memory estimate).
    #[cfg(test)]
    pub(in crate::hub) fn entries(&self) -> usize {
        self.buckets.iter().map(Vec::len).sum()
    }
}

#[cfg(test)]
mod tests;
