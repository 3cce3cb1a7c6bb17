//! What waits to be written to one connection: queued frames within a byte bound, and past it the
//! matches whose updates were skipped, each to be sent as its latest snapshot once the queue drains
//! (conflation: a slow reader skips to the latest state instead of growing a backlog). Last of
//! all, audience messages (`watching`): the lowest priority, never ahead of anything queued, one
//! per match and only the latest (a newer count replaces one not yet written).

use std::collections::VecDeque;
use std::io;

use bytes::Bytes;
use tokio::time::Instant;

use super::wire::Wire;
use crate::domain::MatchId;
use crate::protocol::Encoded;

#[derive(Default)]
pub(super) struct Outbox {
    queue: VecDeque<Bytes>,
    queued_bytes: usize,
    /// What is owed once the queue drains: the matches whose updates were skipped (each gets its
    /// latest snapshot), then audience messages, the latest per match. One list for both, so that
    /// an idle connection is no larger for the audience (at most two entries per followed match).
    owed: Vec<Owed>,
    /// Since when written data has waited: the slow-consumer clock.
    blocked_since: Option<Instant>,
}

/// What became of one update offered to a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::hub) enum Offer {
    /// Not for this connection (not subscribed, or already covered by a snapshot it was sent).
    Skipped,
    /// Written to the socket now; the number of bytes.
    Written(usize),
    /// Queued behind earlier data (or, for SSE, for the response body).
    Queued,
    /// The client is too far behind: it will get the match's latest snapshot instead.
    Conflated,
}

impl Outbox {
    pub(super) fn is_empty(&self) -> bool {
        self.queue.is_empty() && self.owed.is_empty()
    }

    /// Whether a match's snapshot is owed: updates then conflate, so they are not written
    /// before the snapshots of updates skipped earlier.
    fn owes_snapshots(&self) -> bool {
        self.owed.iter().any(|o| matches!(o, Owed::Stale(_)))
    }

    /// Keeps an audience message of `match_id` until everything before it is written, in place
    /// of one still waiting for the same match.
    pub(super) fn defer(&mut self, match_id: MatchId, message: &Encoded) {
        let waiting = self.owed.iter_mut().find_map(|o| match o {
            Owed::Audience(m, waiting) if *m == match_id => Some(waiting),
            _ => None,
        });
        match waiting {
            Some(waiting) => *waiting = message.clone(),
            None => self.owed.push(Owed::Audience(match_id, message.clone())),
        }
        self.blocked_since.get_or_insert_with(Instant::now);
    }

    pub(super) fn blocked_since(&self) -> Option<Instant> {
        self.blocked_since
    }

    /// Offers `frame`, an update of `match_id`: written at once when nothing waits, queued within
    /// `max_pending` bytes (counted as sealed for the wire: TLS records included), else the match
    /// is marked stale.
    pub(super) fn offer(
        &mut self,
        wire: &mut Wire,
        match_id: MatchId,
        frame: &Bytes,
        max_pending: usize,
    ) -> Result<Offer, io::Error> {
        if self.owes_snapshots() || self.queued_bytes + wire.sealed_len(frame.len()) > max_pending {
            self.mark_stale(match_id);
            return Ok(Offer::Conflated);
        }
        // Borrowed unless sealed for TLS: the shared frame's reference count is touched only
        // when queued, so worker threads do not contend on it for every socket.
        let sealed = wire.seal(frame)?;
        if !self.queue.is_empty() {
            self.push(sealed.into_owned());
            return Ok(Offer::Queued);
        }
        match wire.try_write(&sealed) {
            Ok(n) if n == sealed.len() => Ok(Offer::Written(n)),
            Ok(n) => {
                self.push(sealed.slice(n..));
                Ok(Offer::Written(n))
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.push(sealed.into_owned());
                Ok(Offer::Queued)
            }
            Err(e) => Err(e),
        }
    }

    pub(super) fn push(&mut self, frame: Bytes) {
        if self.queue.is_empty() && self.blocked_since.is_none() {
            self.blocked_since = Some(Instant::now());
        }
        self.queued_bytes += frame.len();
        self.queue.push_back(frame);
    }

    pub(super) fn mark_stale(&mut self, match_id: MatchId) {
        if !self.owed.iter().any(|o| matches!(o, Owed::Stale(m) if *m == match_id)) {
            self.owed.push(Owed::Stale(match_id));
        }
        self.blocked_since.get_or_insert_with(Instant::now);
    }

    /// No snapshot of `match_id` is due any more (the client unsubscribed).
    pub(super) fn forget(&mut self, match_id: MatchId) {
        self.owed.retain(|o| match o {
            Owed::Stale(m) | Owed::Audience(m, _) => *m != match_id,
        });
    }

    /// Forgets the skipped matches and audience messages (a closing connection gets no more).
    pub(super) fn drop_stale(&mut self) {
        self.owed.clear();
    }

    /// The next queued frame, or else the next stale match whose snapshot is due, or else the next
    /// audience message. When all are empty, gives back the queue's memory: an idle connection
    /// owns nothing.
    pub(super) fn pop(&mut self) -> Option<Next> {
        if let Some(front) = self.queue.pop_front() {
            self.queued_bytes -= front.len();
            return Some(Next::Frame(front));
        }
        // Snapshots first, in the order their matches went stale; audience messages last.
        let next = self.owed.iter().position(|o| matches!(o, Owed::Stale(_))).unwrap_or(0);
        if next < self.owed.len() {
            return Some(match self.owed.remove(next) {
                Owed::Stale(id) => Next::Stale(id),
                Owed::Audience(_, message) => Next::Audience(message),
            });
        }
        self.blocked_since = None;
        self.queue = VecDeque::new();
        self.owed = Vec::new();
        None
    }

    /// Puts back the unwritten rest of a frame.
    pub(super) fn unpop(&mut self, rest: Bytes) {
        self.queued_bytes += rest.len();
        self.queue.push_front(rest);
        self.blocked_since.get_or_insert_with(Instant::now);
    }
}

/// Something owed to a connection once its queue drains.
enum Owed {
    Stale(MatchId),
    Audience(MatchId, Encoded),
}

/// What `pop` found.
pub(super) enum Next {
    Frame(Bytes),
    Stale(MatchId),
    /// An audience message, to frame for this connection's transport.
    Audience(Encoded),
}

/// Writes `frame` to `wire`, putting back what it did not take. Returns the bytes written and
/// whether all of them went out.
pub(super) fn write(outbox: &mut Outbox, wire: &Wire, frame: Bytes) -> io::Result<(usize, bool)> {
    match wire.try_write(&frame) {
        Ok(n) if n == frame.len() => Ok((n, true)),
        Ok(n) => {
            outbox.unpop(frame.slice(n..));
            Ok((n, false))
        }
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            outbox.unpop(frame);
            Ok((0, false))
        }
        Err(e) => Err(e),
    }
}
