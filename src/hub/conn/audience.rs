//! A connection's audience messages (`watching`): the lowest priority of all it is sent.

use std::time::Duration;

use tokio::time::Instant;

use super::{Conn, Offer};
use crate::domain::{MatchId, Seq};
use crate::protocol::Encoded;

impl Conn {
    /// Offers an audience message (`watching`) about `match_id` as of its update `seq`: written
    /// at once when nothing waits, else kept (the latest per match) until everything queued
    /// before it is written. Skipped when the connection does not follow the match, or its copy
    /// is older than `seq` (a resume in progress, a match just brought): a message ahead of the
    /// client's state would look like an update to clients that do not know it. A `*` subscriber
    /// is not told (it is not counted either). With a nonzero `ride`, one offered while nothing
    /// waits is held for up to that long for the next update to carry in the same write (no
    /// write, segment or acknowledgement of its own), then goes alone.
    pub(in crate::hub) fn offer_audience(
        &mut self,
        match_id: MatchId,
        seq: Seq,
        message: &Encoded,
        ride: Duration,
        now: Instant,
    ) -> Offer {
        let follows = self.cursors.watching() && self.cursors.follows(match_id);
        if !self.is_open() || !follows || self.cursors.behind(match_id, seq) {
            return Offer::Skipped;
        }
        if !ride.is_zero() && self.outbox.is_empty() {
            self.outbox.ride(match_id, message, now + ride);
            return Offer::Queued;
        }
        if !self.outbox.is_empty() {
            self.outbox.defer(match_id, message);
            self.wake();
            return Offer::Queued;
        }
        let frame = self.wire.frame(message);
        // Nothing waits, so nothing conflates: the bound on pending bytes does not apply.
        let offered = self.outbox.offer(&mut self.wire, match_id, frame, usize::MAX);
        match offered {
            Ok(offer) => {
                // A count the next one replaces asks for no proof of reading (docs/protocol.md,
                // "Stopped readers"): it only puts off the silence heartbeat.
                self.liveness.sent(now, false);
                if !self.outbox.is_empty() {
                    self.wake();
                }
                offer
            }
            Err(_) => {
                self.liveness.end();
                self.wake();
                Offer::Skipped
            }
        }
    }

    /// Lets the audience messages whose time to ride is up by `now` go alone.
    pub(in crate::hub) fn release_riders(&mut self, now: Instant) {
        if self.is_open() && self.outbox.release_riders(now) {
            self.wake();
        }
    }
}
