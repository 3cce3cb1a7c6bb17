//! Telling followers how many watch a match: the lowest priority of all they are sent. Each
//! interval's news is encoded once per match and goes to every worker as one item of its inbox,
//! in order with the match's updates (so a message's `s` is never ahead of what its recipients
//! were sent); a worker whose inbox is more than half full gets none (the room is the updates',
//! and a later change is told anyway). On the worker, a connection with anything waiting keeps
//! only the latest message per match, written after everything else (`conn/outbox.rs`).

use std::sync::Arc;

use super::{Delivery, Hub};
use crate::domain::{MatchId, Seq};
use crate::protocol::{self, Encoded};

/// One interval's news, for every worker.
pub(crate) struct News {
    pub(super) items: Vec<Item>,
}

pub(super) struct Item {
    pub(super) match_id: MatchId,
    /// The match's sequence number the message carries.
    pub(super) seq: Seq,
    pub(super) competition: Arc<str>,
    pub(super) message: Encoded,
}

impl Hub {
    /// Tells the followers (by id or by competition) of each match in `news` its count, with
    /// the match's current state.
    pub fn tell_watching(&self, news: &[(MatchId, u64)]) {
        if news.is_empty() {
            return;
        }
        // Under the sequencer's lock, as updates are published: the state read here is the one
        // the updates already in the inboxes lead to.
        let _sequencer = self.sequencer();
        let items: Vec<Item> = news
            .iter()
            .filter_map(|&(match_id, count)| {
                let snapshot = self.snapshots.get(match_id)?;
                Some(Item {
                    match_id,
                    seq: snapshot.live.seq,
                    competition: Arc::from(snapshot.meta.competition.as_str()),
                    message: protocol::watching(match_id, &snapshot.live, count),
                })
            })
            .collect();
        let news = Arc::new(News { items });
        let inboxes = self.inboxes.lock().unwrap_or_else(|p| p.into_inner());
        for inbox in inboxes.iter() {
            let room = inbox.queue.capacity() * 2 >= inbox.queue.max_capacity();
            if !room || inbox.queue.try_send(Delivery::Audience(news.clone())).is_err() {
                self.metrics.watching_skipped.inc();
            }
        }
    }
}
