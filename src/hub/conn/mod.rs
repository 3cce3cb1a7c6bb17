//! One subscriber connection on its worker, WebSocket or SSE: where it stands in each match
//! (`cursors`), what waits to be written (`outbox`), whether it is alive and how it ends
//! (`liveness`), and how its bytes travel (`wire`). Small on purpose: an idle connection owns no
//! buffer and no timer. Every change goes through the methods here.

mod audience;
mod cursors;
mod liveness;
mod outbox;
mod sweep;
mod wire;

use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use actix_http::ws::CloseCode;
use bytes::Bytes;
use tokio::time::Instant;

pub(super) use liveness::{Due, Phase};
pub(super) use outbox::Offer;
pub use wire::Kind;
pub(super) use wire::Wire;
pub use wire::{Message, Read};

use super::{Limits, MessageBounds, Permit};
use crate::domain::{MatchId, Seq};
use crate::followers::Followers;
use crate::protocol::Encoded;
use crate::snapshots::{Snapshot, Snapshots};
use cursors::{Cursors, Step};
use liveness::Liveness;
use outbox::{Next, Outbox};

pub(super) struct Conn {
    /// Unique on its worker, unlike the slab key, which is reused.
    id: u64,
    wire: Wire,
    cursors: Cursors,
    outbox: Outbox,
    liveness: Liveness,
    waker: Option<Waker>,
    _permit: Permit,
}

/// How a finished resume went, for the metrics.
pub(super) struct ResumeOutcome {
    pub recovered: bool,
    pub replayed: usize,
}

impl Conn {
    /// A new connection; `watching` when what it follows counts as watched (not a `*`
    /// subscriber, which is a board of every match).
    pub(super) fn new(
        id: u64,
        wire: Wire,
        permit: Permit,
        followers: Arc<Followers>,
        watching: bool,
    ) -> Self {
        Self {
            id,
            wire,
            cursors: Cursors::new(followers, watching),
            outbox: Outbox::default(),
            liveness: Liveness::for_connection(id),
            waker: None,
            _permit: permit,
        }
    }

    pub(super) fn id(&self) -> u64 {
        self.id
    }

    pub(super) fn kind(&self) -> Kind {
        self.wire.kind()
    }

    pub(super) fn phase(&self) -> Phase {
        self.liveness.phase()
    }

    pub(super) fn is_open(&self) -> bool {
        self.liveness.is_open()
    }

    /// Remembers the task to wake when there is something to write (or the connection ends).
    pub(super) fn set_waker(&mut self, cx: &Context<'_>) {
        if !self.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            self.waker = Some(cx.waker().clone());
        }
    }

    fn wake(&self) {
        if let Some(waker) = &self.waker {
            waker.wake_by_ref();
        }
    }

    // --- what it follows ---

    pub(super) fn follows(&self, id: MatchId) -> bool {
        self.cursors.follows(id)
    }

    pub(super) fn followed(&self) -> impl Iterator<Item = MatchId> + '_ {
        self.cursors.ids()
    }

    pub(super) fn subscription_count(&self) -> usize {
        self.cursors.len()
    }

    /// Starts following a match with its current snapshot.
    pub(super) fn start(&mut self, snapshot: &Snapshot) {
        self.cursors.start(snapshot.meta.id, snapshot.live.seq);
        self.send(&snapshot.encoded);
    }

    /// Starts resuming a match after `since`; its live updates wait for `finish_replay` with the
    /// returned token.
    pub(super) fn start_replay(&mut self, id: MatchId, since: Seq) -> u32 {
        self.cursors.start_replay(id, since)
    }

    /// Stops following a match (for good, with `decline`, even under `*`); false if it did not
    /// follow it.
    pub(super) fn stop(&mut self, id: MatchId, decline: bool) -> bool {
        self.outbox.forget(id);
        self.cursors.stop(id, decline)
    }

    /// How many matches this `*` subscriber declined.
    pub(super) fn declined(&self) -> usize {
        self.cursors.declined()
    }

    /// Offers update `seq` of `match_id` at `now`; `introduce` when a `*` or competition
    /// subscription brings the match to a client that does not follow it yet.
    pub(super) fn offer(
        &mut self,
        match_id: MatchId,
        seq: Seq,
        message: &Encoded,
        limits: &Limits,
        introduce: bool,
        now: Instant,
    ) -> Offer {
        if !self.is_open() {
            return Offer::Skipped;
        }
        let offer = match self.cursors.step(match_id, seq, message, introduce) {
            Step::Skip => return Offer::Skipped,
            // Held behind a replay: nothing to write yet.
            Step::Held => return Offer::Queued,
            Step::Introduce => {
                // Its snapshot is written once what is queued before it is out.
                self.outbox.mark_stale(match_id);
                self.liveness.sent(now, true);
                Offer::Queued
            }
            Step::Send => {
                // Proof of reading is due: a ping rides along in the same write (and segment).
                let receipt = self.wire.answers_pings() && self.liveness.wants_receipt(now, limits);
                let with_ping;
                let frame = if receipt {
                    with_ping = self.wire.with_heartbeat(self.wire.frame(message));
                    &with_ping
                } else {
                    self.wire.frame(message)
                };
                let offered =
                    self.outbox.offer(&mut self.wire, match_id, frame, limits.max_pending_bytes);
                if matches!(offered, Ok(Offer::Written(_) | Offer::Queued)) {
                    if receipt {
                        self.liveness.pinged(now, true);
                    }
                    self.liveness.sent(now, true);
                }
                match offered {
                    // All of it went out (nothing was left queued).
                    Ok(Offer::Written(n)) if self.outbox.is_empty() => return Offer::Written(n),
                    Ok(offer) => offer,
                    Err(_) => {
                        self.liveness.end();
                        Offer::Skipped
                    }
                }
            }
        };
        // Something is left to write (or the connection ended): its task must run.
        self.wake();
        offer
    }

    /// Marks `match_id` for a fresh snapshot if this client's copy is older than `seq` (after
    /// broadcasts were lost on the way to this worker).
    pub(super) fn resync(&mut self, match_id: MatchId, seq: Seq) {
        // Nothing may follow a close frame (nor, over TLS, its `close_notify`).
        if self.is_open() && self.cursors.behind(match_id, seq) {
            self.outbox.mark_stale(match_id);
            self.wake();
        }
    }

    /// Ends a resume with the missed updates, or `None` when they could not be had.
    pub(super) fn finish_replay(
        &mut self,
        match_id: MatchId,
        token: u32,
        missed: Option<&[(Seq, Encoded)]>,
        snapshots: &Snapshots,
    ) -> Option<ResumeOutcome> {
        let snapshot = snapshots.get(match_id);
        let replayed = self.cursors.finish_replay(match_id, token, missed, snapshot.as_deref())?;
        for message in &replayed.messages {
            self.send(message);
        }
        Some(ResumeOutcome { recovered: replayed.recovered, replayed: replayed.count })
    }

    // --- sending and closing ---

    /// Queues a message for this client alone (snapshot, replayed update, error).
    pub(super) fn send(&mut self, message: &Encoded) {
        let frame = self.wire.frame(message).clone();
        self.queue(frame, true);
    }

    /// Queues bytes already in this transport's framing (a pong).
    pub(super) fn send_bytes(&mut self, frame: Bytes) {
        self.queue(frame, false);
    }

    /// Queues `frame`; `data` when it is something the client should read (not a pong).
    fn queue(&mut self, frame: Bytes, data: bool) {
        if self.is_open() {
            self.liveness.sent(Instant::now(), data);
            self.enqueue(&frame);
            self.wake();
        }
    }

    /// Seals `frame` for the wire (over TLS: into this connection's records) and queues it; a
    /// session that can seal no more ends the connection.
    fn enqueue(&mut self, frame: &Bytes) {
        match self.wire.seal(frame) {
            Ok(sealed) => self.outbox.push(sealed.into_owned()),
            Err(e) => {
                tracing::debug!(error = %e, "TLS session cannot seal; ending the connection");
                self.liveness.end();
            }
        }
    }

    /// Starts closing: a WebSocket gets a close frame and its socket is shut once that is
    /// written; an SSE stream ends once its queued bytes are taken.
    pub(super) fn close(&mut self, code: CloseCode, reason: &str) {
        if !self.liveness.begin_close() {
            return;
        }
        self.outbox.drop_stale();
        if let Some(frame) = self.wire.close_frame(code, reason) {
            self.enqueue(&frame);
        }
        if let Some(notify) = self.wire.close_notify() {
            self.outbox.push(notify);
        }
        self.wake();
    }

    /// The connection is over (its peer left, or the close grace passed).
    pub(super) fn end(&mut self) {
        self.liveness.end();
        self.wake();
    }

    /// The close grace passed without the close being delivered: over, and cut off at the socket
    /// (what ends a stuck SSE stream, whose body actix no longer polls).
    pub(super) fn abandon(&mut self) {
        self.wire.abort();
        self.end();
    }

    // --- the wire ---

    /// The next bytes to write: queued data first, then the snapshots of stale matches.
    pub(super) fn pop_output(&mut self, snapshots: &Snapshots) -> Option<Bytes> {
        loop {
            match self.outbox.pop()? {
                Next::Frame(frame) => return Some(frame),
                Next::Stale(id) => {
                    if let Some(snapshot) = snapshots.get(id) {
                        self.cursors.advance(id, snapshot.live.seq);
                        self.enqueue(self.wire.frame(&snapshot.encoded));
                    }
                }
                Next::Audience(message) => {
                    let frame = self.wire.frame(&message).clone();
                    self.enqueue(&frame);
                }
            }
        }
    }

    /// Writes what the socket takes, and shuts its write side once a close is out. Returns the
    /// bytes written; a failed socket ends the connection.
    pub(super) fn poll_flush(&mut self, cx: &mut Context<'_>, snapshots: &Snapshots) -> usize {
        let mut written = 0;
        loop {
            if self.outbox.is_empty() {
                if self.liveness.mark_shut() {
                    self.wire.shut_write();
                }
                return written;
            }
            match self.wire.poll_write_ready(cx) {
                Poll::Pending => return written,
                Poll::Ready(Err(_)) => {
                    self.liveness.end();
                    return written;
                }
                Poll::Ready(Ok(())) => {}
            }
            while let Some(next) = self.pop_output(snapshots) {
                match outbox::write(&mut self.outbox, &self.wire, next) {
                    Ok((n, all)) => {
                        written += n;
                        if !all {
                            break;
                        }
                    }
                    Err(_) => {
                        self.liveness.end();
                        return written;
                    }
                }
            }
        }
    }

    /// The next message from a WebSocket client, or `Gone` once the connection is over; while it
    /// closes, whatever the client sends is dropped unread (see `Wire::poll_read`).
    pub(super) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        scratch: &mut [u8],
        bounds: MessageBounds,
    ) -> Poll<Read> {
        if self.phase() == Phase::Done {
            return Poll::Ready(Read::Gone);
        }
        let read = self.wire.poll_read(cx, scratch, bounds, !self.is_open());
        if read.is_ready() {
            self.liveness.heard(Instant::now());
        }
        read
    }
}

#[cfg(test)]
mod tests;
