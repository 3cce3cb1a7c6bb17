//! What waits to be written to one connection: queued frames within a byte bound, and past it the
//! matches whose updates were skipped, each to be sent as its latest snapshot once the queue drains
//! (conflation: a slow reader skips to the latest state instead of growing a backlog). Last of
//! all, audience messages (`watching`): the lowest priority, never ahead of anything queued, one
//! per match and only the latest (a newer count replaces one not yet written). An audience message
//! offered while nothing waits may also ride: it is held until the next update, which carries it
//! in the same write, or until its time to ride is up, when it goes alone.

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
    /// latest snapshot), then audience messages, the latest per match, and the audience messages
    /// riding (held for the next update). One list for all, so that an idle connection is no
    /// larger for the audience (at most two entries per followed match).
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
    /// Nothing to write: no queued frame, no snapshot or audience message owed (riding ones wait
    /// for an update or their time, not for the socket).
    pub(super) fn is_empty(&self) -> bool {
        self.queue.is_empty() && self.owed.iter().all(Owed::is_riding)
    }

    /// Whether a match's snapshot is owed: updates then conflate, so they are not written
    /// before the snapshots of updates skipped earlier.
    fn owes_snapshots(&self) -> bool {
        self.owed.iter().any(|o| matches!(o, Owed::Stale(_)))
    }

    /// Keeps an audience message of `match_id` until everything before it is written, in place
    /// of one still waiting for the same match.
    pub(super) fn defer(&mut self, match_id: MatchId, message: &Encoded) {
        let same = self.owed.iter().position(|o| o.audience_of(match_id));
        if let Some(i) = same {
            // A riding one no longer waits for an update: the queue carries it now.
            self.owed.remove(i);
        }
        self.owed.push(Owed::Audience(match_id, message.clone()));
        self.blocked_since.get_or_insert_with(Instant::now);
    }

    /// Holds an audience message of `match_id` for the next update to carry, until `until`, in
    /// place of one riding or waiting for the same match (keeping the earlier time). Nothing is
    /// written, so the slow-consumer clock does not start.
    pub(super) fn ride(&mut self, match_id: MatchId, message: &Encoded, until: Instant) {
        let same = self.owed.iter_mut().find(|o| o.audience_of(match_id));
        match same {
            Some(Owed::Audience(_, waiting) | Owed::Riding(_, waiting, _)) => {
                *waiting = message.clone()
            }
            _ => self.owed.push(Owed::Riding(match_id, message.clone(), until)),
        }
    }

    /// When the first riding audience message must go alone.
    pub(super) fn riding_until(&self) -> Option<Instant> {
        self.owed.iter().filter_map(Owed::riding_until).min()
    }

    /// The riding audience messages, for an update written now to carry (in `out`, which is
    /// left empty unless nothing but them is owed: behind a queue or an owed snapshot, the update
    /// is not written now).
    pub(super) fn take_riders(&mut self, out: &mut Vec<(MatchId, Encoded)>) {
        if self.queue.is_empty() && self.owed.iter().all(Owed::is_riding) {
            out.extend(self.owed.drain(..).filter_map(|o| match o {
                Owed::Riding(id, message, _) => Some((id, message)),
                _ => None,
            }));
        }
    }

    /// Lets the riding messages whose time is up by `now` go alone, as audience messages owed
    /// once the queue drains; whether any did.
    pub(super) fn release_riders(&mut self, now: Instant) -> bool {
        let mut released = false;
        for owed in &mut self.owed {
            if let Owed::Riding(id, message, until) = owed {
                if *until <= now {
                    *owed = Owed::Audience(*id, message.clone());
                    released = true;
                }
            }
        }
        if released {
            self.blocked_since.get_or_insert(now);
        }
        released
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
            Owed::Stale(m) | Owed::Audience(m, _) | Owed::Riding(m, ..) => *m != match_id,
        });
    }

    /// Forgets the skipped matches and audience messages (a closing connection gets no more).
    pub(super) fn drop_stale(&mut self) {
        self.owed.clear();
    }

    /// The next queued frame, or else the next stale match whose snapshot is due, or else the next
    /// audience message (not a riding one). When all are empty, gives back the queue's memory: an
    /// idle connection owns nothing.
    pub(super) fn pop(&mut self) -> Option<Next> {
        if let Some(front) = self.queue.pop_front() {
            self.queued_bytes -= front.len();
            return Some(Next::Frame(front));
        }
        // Snapshots first, in the order their matches went stale; audience messages last.
        let stale = self.owed.iter().position(|o| matches!(o, Owed::Stale(_)));
        let next = stale.or_else(|| self.owed.iter().position(|o| !o.is_riding()));
        if let Some(next) = next {
            return Some(match self.owed.remove(next) {
                Owed::Stale(id) => Next::Stale(id),
                Owed::Audience(_, message) | Owed::Riding(_, message, _) => Next::Audience(message),
            });
        }
        self.blocked_since = None;
        self.queue = VecDeque::new();
        if self.owed.is_empty() {
            self.owed = Vec::new();
        }
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
    /// An audience message held for the next update to carry, until the instant given.
    Riding(MatchId, Encoded, Instant),
}

impl Owed {
    fn is_riding(&self) -> bool {
        matches!(self, Self::Riding(..))
    }

    fn riding_until(&self) -> Option<Instant> {
        match self {
            Self::Riding(_, _, until) => Some(*until),
            _ => None,
        }
    }

    fn audience_of(&self, match_id: MatchId) -> bool {
        matches!(self, Self::Audience(m, _) | Self::Riding(m, ..) if *m == match_id)
    }
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
