//! A worker's share of the audience news: each match's message to the connections of this worker
//! that watch it (by id or by competition; not `*` subscribers), in slices like updates.

use std::cell::RefCell;
use std::rc::Rc;

use tokio::time::Instant;

use super::{Key, WorkerState, DELIVERY_SLICE};
use crate::hub::audience::{Item, News};
use crate::hub::conn::{Kind, Offer};

/// Offers each match's message of `news` to its watchers on this worker.
pub(super) async fn tell(state: &Rc<RefCell<WorkerState>>, news: &News) {
    let mut watchers = Vec::new();
    for item in &news.items {
        state.borrow().index.watchers(item.match_id, &item.competition, &mut watchers);
        for (i, slice) in watchers.chunks(DELIVERY_SLICE).enumerate() {
            if i > 0 {
                // Let this thread's other tasks (HTTP answers, client reads) run between slices.
                tokio::task::yield_now().await;
            }
            state.borrow_mut().offer_audience(slice, item);
        }
    }
}

impl WorkerState {
    fn offer_audience(&mut self, watchers: &[Key], item: &Item) {
        let now = Instant::now();
        for &key in watchers {
            let Some(conn) = self.conns.get_mut(key) else { continue };
            let offer = conn.offer_audience(item.match_id, item.seq, &item.message, now);
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
