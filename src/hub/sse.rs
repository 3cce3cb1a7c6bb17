//! The body of a Server-Sent Events response: it takes its connection's queued messages as fast as
//! actix writes them. A client that reads slowly leaves them queued, where the same bounds as for
//! WebSockets apply (conflation, then the slow-consumer deadline).

use std::cell::RefCell;
use std::convert::Infallible;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;

use super::conn::Phase;
use super::worker::WorkerState;

pub struct SseBody {
    state: Rc<RefCell<WorkerState>>,
    key: usize,
    id: u64,
}

impl SseBody {
    pub(super) fn new(state: Rc<RefCell<WorkerState>>, key: usize, id: u64) -> Self {
        Self { state, key, id }
    }
}

impl Stream for SseBody {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut state = self.state.borrow_mut();
        let state = &mut *state;
        let Some(conn) = state.conns.get_mut(self.key).filter(|c| c.id == self.id) else {
            return Poll::Ready(None);
        };
        if conn.phase == Phase::Done {
            return Poll::Ready(None);
        }
        if !conn.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            conn.waker = Some(cx.waker().clone());
        }
        match conn.pop_output(&state.hub.snapshots) {
            Some(chunk) => {
                state.written.sse.0 += 1;
                state.written.sse.1 += chunk.len() as u64;
                Poll::Ready(Some(Ok(chunk)))
            }
            None if conn.phase != Phase::Open => {
                conn.phase = Phase::Done;
                Poll::Ready(None)
            }
            None => Poll::Pending,
        }
    }
}

impl Drop for SseBody {
    fn drop(&mut self) {
        if let Ok(mut state) = self.state.try_borrow_mut() {
            if state.conns.get(self.key).is_some_and(|c| c.id == self.id) {
                state.remove(self.key);
            }
        }
    }
}
