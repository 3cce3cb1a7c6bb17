//! Where a connection stands in each match it follows: the last sequence number it has, and for a
//! match being resumed, the live updates held back until the missed ones are replayed.

use std::sync::Arc;

use crate::domain::{MatchId, Seq};
use crate::followers::Followers;
use crate::protocol::{self, Encoded};
use crate::snapshots::Snapshot;

/// Live updates held for one match while its replay runs; beyond this the resume is not recovered.
const REPLAY_BUFFER: usize = 1024;

pub(super) struct Cursors {
    /// This node's count of followers per match: every cursor counts itself in and out.
    followers: Arc<Followers>,
    /// Whether this connection counts as watching what it follows (not a `*` subscriber).
    watching: bool,
    /// Followed matches with the last sequence number this client has.
    at: Vec<(MatchId, Seq)>,
    replays: Vec<Replay>,
    /// Matches a `*` or competition subscriber unsubscribed from: neither brings them back.
    declined: Vec<MatchId>,
    /// Numbers resumes, so a late replay cannot finish a newer resume of the same match.
    replays_started: u32,
}

/// A resume in progress: live updates of the match wait here until the missed ones are replayed.
struct Replay {
    match_id: MatchId,
    token: u32,
    held: Vec<(Seq, Encoded)>,
    overflowed: bool,
}

/// What to do with an update offered to a connection.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// The client has it already, does not follow the match, or declined it.
    Skip,
    /// Held back behind a replay in progress.
    Held,
    /// Send it: it is the next one the client needs.
    Send,
    /// A `*` or competition client meets this match for the first time: it needs a snapshot, not
    /// a delta.
    Introduce,
}

/// How a replay ended: recovered with this many missed updates, or not recovered.
pub(super) struct Replayed {
    pub recovered: bool,
    pub count: usize,
    /// Everything to send, in order: the resume answer, the missed and then the held updates.
    pub messages: Vec<Encoded>,
}

impl Cursors {
    pub(super) fn new(followers: Arc<Followers>, watching: bool) -> Self {
        Self {
            followers,
            watching,
            at: Vec::new(),
            replays: Vec::new(),
            declined: Vec::new(),
            replays_started: 0,
        }
    }

    fn push(&mut self, id: MatchId, seq: Seq) {
        self.followers.add(id, self.watching);
        self.at.push((id, seq));
    }

    /// Whether this connection counts as watching what it follows.
    pub(super) fn watching(&self) -> bool {
        self.watching
    }

    pub(super) fn follows(&self, id: MatchId) -> bool {
        self.at.iter().any(|(m, _)| *m == id)
    }

    /// Followed matches, not counting those a `*` subscription brought.
    pub(super) fn len(&self) -> usize {
        self.at.len()
    }

    pub(super) fn ids(&self) -> impl Iterator<Item = MatchId> + '_ {
        self.at.iter().map(|(m, _)| *m)
    }

    /// Starts following `id` as of `seq` (the snapshot the client was just sent).
    pub(super) fn start(&mut self, id: MatchId, seq: Seq) {
        self.declined.retain(|m| *m != id);
        self.push(id, seq);
    }

    /// Starts resuming `id` after `since`: its live updates are held until `finish_replay` with
    /// the returned token.
    pub(super) fn start_replay(&mut self, id: MatchId, since: Seq) -> u32 {
        self.declined.retain(|m| *m != id);
        self.push(id, since);
        self.replays_started = self.replays_started.wrapping_add(1);
        let token = self.replays_started;
        self.replays.push(Replay { match_id: id, token, held: Vec::new(), overflowed: false });
        token
    }

    /// Matches declined under `*`.
    pub(super) fn declined(&self) -> usize {
        self.declined.len()
    }

    /// Stops following `id`; with `decline`, a `*` subscription will not bring it back (the
    /// caller bounds how many are declined). Returns false if it was not followed.
    pub(super) fn stop(&mut self, id: MatchId, decline: bool) -> bool {
        if decline && !self.declined.contains(&id) {
            self.declined.push(id);
        }
        let before = self.at.len();
        self.at.retain(|(m, _)| *m != id);
        for _ in self.at.len()..before {
            self.followers.remove(id, self.watching);
        }
        self.replays.retain(|r| r.match_id != id);
        self.release_idle_replays();
        self.at.len() < before
    }

    /// Decides about update `seq` of `id`; on `Send` and `Introduce` the cursor moves (to `seq`,
    /// or for a new match to 0 until its snapshot is written).
    pub(super) fn step(
        &mut self,
        id: MatchId,
        seq: Seq,
        message: &Encoded,
        introduce: bool,
    ) -> Step {
        match self.at.iter_mut().find(|(m, _)| *m == id) {
            Some((_, last)) if seq <= *last => Step::Skip,
            Some((_, last)) => {
                if let Some(replay) = self.replays.iter_mut().find(|r| r.match_id == id) {
                    if replay.held.len() < REPLAY_BUFFER {
                        replay.held.push((seq, message.clone()));
                    } else {
                        replay.overflowed = true;
                    }
                    return Step::Held;
                }
                *last = seq;
                Step::Send
            }
            None if introduce && !self.declined.contains(&id) => {
                self.push(id, Seq::ZERO);
                Step::Introduce
            }
            None => Step::Skip,
        }
    }

    /// Whether this client's copy of `id` is older than `seq`.
    pub(super) fn behind(&self, id: MatchId, seq: Seq) -> bool {
        self.at.iter().any(|(m, last)| *m == id && *last < seq)
    }

    /// Records that the client was sent the state of `id` as of `seq`.
    pub(super) fn advance(&mut self, id: MatchId, seq: Seq) {
        if let Some((_, last)) = self.at.iter_mut().find(|(m, _)| *m == id) {
            *last = (*last).max(seq);
        }
    }

    /// Ends the resume of `id` numbered `token`: the missed updates (or, if they could not be had, `snapshot` marked
    /// as not recovered), then the live updates that arrived meanwhile.
    pub(super) fn finish_replay(
        &mut self,
        id: MatchId,
        token: u32,
        missed: Option<&[(Seq, Encoded)]>,
        snapshot: Option<&Snapshot>,
    ) -> Option<Replayed> {
        let position = self.replays.iter().position(|r| r.match_id == id && r.token == token)?;
        let replay = self.replays.swap_remove(position);
        self.release_idle_replays();
        let cursor = self.at.iter_mut().find(|(m, _)| *m == id)?;
        let mut last = cursor.1;
        let mut messages = Vec::new();
        let (recovered, count) = match missed.filter(|_| !replay.overflowed) {
            Some(events) => {
                let missed: Vec<&(Seq, Encoded)> =
                    events.iter().filter(|(s, _)| *s > last).collect();
                messages.push(protocol::resumed(id, last, missed.len()));
                for (seq, message) in &missed {
                    messages.push(message.clone());
                    last = *seq;
                }
                (true, missed.len())
            }
            None => {
                let snapshot = snapshot?;
                messages.push(protocol::snapshot(&snapshot.meta, &snapshot.live, Some(false)));
                last = snapshot.live.seq;
                (false, 0)
            }
        };
        for (seq, message) in replay.held {
            if seq > last {
                messages.push(message);
                last = seq;
            }
        }
        cursor.1 = last;
        Some(Replayed { recovered, count, messages })
    }

    /// Frees the resume list once no resume runs: a connection that resumed once would otherwise
    /// keep its capacity (four slots, 160 bytes) for life, so that after a restart, when every
    /// client resumes, each connection would cost that much more than a fresh one.
    fn release_idle_replays(&mut self) {
        if self.replays.is_empty() {
            self.replays = Vec::new();
        }
    }
}

impl Drop for Cursors {
    fn drop(&mut self) {
        for (id, _) in &self.at {
            self.followers.remove(*id, self.watching);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_replay_cannot_finish_a_newer_resume_of_the_same_match() {
        let id = MatchId::try_from(3).unwrap();
        let seq = |s| Seq::try_from(s).unwrap();
        let mut cursors = Cursors::new(Default::default(), true);
        let first = cursors.start_replay(id, seq(1));
        assert!(cursors.stop(id, false));
        let second = cursors.start_replay(id, seq(5));
        assert!(cursors.finish_replay(id, first, Some(&[]), None).is_none(), "stale token");
        let done = cursors.finish_replay(id, second, Some(&[]), None).expect("current token");
        assert!(done.recovered);
        assert!(!cursors.behind(id, seq(5)), "resumed from 5");
    }

    #[test]
    fn a_finished_or_stopped_resume_gives_its_memory_back() {
        let seq = |s| Seq::try_from(s).unwrap();
        let (one, two) = (MatchId::try_from(1).unwrap(), MatchId::try_from(2).unwrap());
        let mut cursors = Cursors::new(Default::default(), true);
        let token = cursors.start_replay(one, seq(1));
        cursors.start_replay(two, seq(1));
        cursors.finish_replay(one, token, Some(&[]), None).expect("current token");
        assert!(cursors.replays.capacity() > 0, "the resume of match 2 still runs");
        assert!(cursors.stop(two, false));
        assert_eq!(cursors.replays.capacity(), 0, "no resume runs: nothing kept");
    }
}
