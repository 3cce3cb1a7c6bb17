//! A worker's share of the audience news: each match's message to the connections of this worker
//! that watch it (by id or by competition; not `*` subscribers), in slices like updates. Audience
//! news has the lowest priority: it is told one slice at a time, and only while no update waits,
//! so a goal never waits behind a whole fan-out of watching counts.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::Arc;

use tokio::time::Instant;

use super::{Key, WorkerState, DELIVERY_SLICE};
use crate::hub::audience::{Item, News};
use crate::hub::conn::{Kind, Offer};

/// Audience news received and not yet told in full: where each one stands.
#[derive(Default)]
pub(super) struct Pending {
    news: VecDeque<Progress>,
}

struct Progress {
    news: Arc<News>,
    /// The item being told, and its watchers on this worker (read when its telling began).
    item: usize,
    watchers: Vec<Key>,
    told: usize,
}

impl Pending {
    pub(super) fn push(&mut self, news: Arc<News>) {
        self.news.push_back(Progress { news, item: 0, watchers: Vec::new(), told: 0 });
    }

    pub(super) fn is_empty(&self) -> bool {
        self.news.is_empty()
    }

    /// Tells the next slice of the oldest news; `false` when nothing was left to tell.
    pub(super) fn tell_slice(&mut self, state: &Rc<RefCell<WorkerState>>) -> bool {
        let Some(progress) = self.news.front_mut() else { return false };
        loop {
            let Some(item) = progress.news.items.get(progress.item) else {
                self.news.pop_front();
                return true;
            };
            if progress.told == 0 && progress.watchers.is_empty() {
                let s = state.borrow();
                s.index.watchers(item.match_id, &item.competition, &mut progress.watchers);
            }
            if progress.told < progress.watchers.len() {
                let end = (progress.told + DELIVERY_SLICE).min(progress.watchers.len());
                state.borrow_mut().offer_audience(&progress.watchers[progress.told..end], item);
                progress.told = end;
                return true;
            }
            progress.item += 1;
            progress.told = 0;
            progress.watchers.clear();
        }
    }
}

impl WorkerState {
    fn offer_audience(&mut self, watchers: &[Key], item: &Item) {
        let now = Instant::now();
        let limits = &self.hub.settings.limits;
        for &key in watchers {
            let Some(conn) = self.conns.get_mut(key) else { continue };
            let offer = conn.offer_audience(item.match_id, item.seq, &item.message, now);
            if offer != Offer::Skipped {
                self.wheel.arm(key, conn.next_due(limits));
            }
            match (offer, conn.kind()) {
                (Offer::Written(n), Kind::WebSocket) => {
                    self.written.ws.0 += 1;
                    self.written.ws.1 += n as u64;
                }
                (Offer::Queued, Kind::WebSocket) => self.written.ws.0 += 1,
                // SSE messages are counted when the response body takes them.
                _ => {}
            }
        }
    }
}
