//! The body of a Server-Sent Events response: it takes its connection's queued messages as fast as
//! actix writes them. A client that reads slowly leaves them queued, where the same bounds as for
//! WebSockets apply (conflation, then the slow-consumer deadline).

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;

use crate::hub::ConnHandle;

pub struct SseBody {
    conn: ConnHandle,
}

impl SseBody {
    pub fn new(conn: ConnHandle) -> Self {
        Self { conn }
    }
}

impl Stream for SseBody {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.conn.poll_chunk(cx).map(|chunk| chunk.map(Ok))
    }
}
