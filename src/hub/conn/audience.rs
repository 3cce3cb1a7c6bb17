//! A connection's audience messages (`watching`): the lowest priority of all it is sent.

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
    /// is not told (it is not counted either).
    pub(in crate::hub) fn offer_audience(
        &mut self,
        match_id: MatchId,
        seq: Seq,
        message: &Encoded,
        now: Instant,
    ) -> Offer {
        let follows = self.cursors.watching() && self.cursors.follows(match_id);
        if !self.is_open() || !follows || self.cursors.behind(match_id, seq) {
            return Offer::Skipped;
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
}
