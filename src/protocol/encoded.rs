//! A message encoded once for both transports, its bytes shared by every recipient.

use bytes::{Bytes, BytesMut};
use serde::Serialize;

use super::frames::text_frame;
use crate::domain::{MatchId, Seq};

/// One message, ready to write on either transport.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// A complete, unmasked WebSocket text frame.
    pub ws: Bytes,
    /// A complete SSE event: `id: <match>:<seq>` (when the message has both) and `data: <json>`.
    pub sse: Bytes,
}

impl Encoded {
    fn new(json: &[u8], id: Option<(MatchId, Seq)>) -> Self {
        let mut sse = BytesMut::with_capacity(json.len() + 32);
        if let Some((m, s)) = id {
            sse.extend_from_slice(format!("id: {m}:{s}\n").as_bytes());
        }
        sse.extend_from_slice(b"data: ");
        sse.extend_from_slice(json);
        sse.extend_from_slice(b"\n\n");
        Self { ws: text_frame(json), sse: sse.freeze() }
    }

    pub(super) fn of<T: Serialize>(message: &T, id: Option<(MatchId, Seq)>) -> Self {
        Self::new(&serde_json::to_vec(message).expect("messages always serialize"), id)
    }

    /// An update that another node encoded, from its JSON: framed for both transports here, not
    /// serialized again.
    pub fn framed_update(json: &[u8], match_id: MatchId, seq: Seq) -> Self {
        Self::new(json, Some((match_id, seq)))
    }

    /// The message's JSON, without framing (what `framed_update` takes).
    pub fn json(&self) -> &[u8] {
        // A server's frame is unmasked: two header bytes, then 2 or 8 more for longer payloads.
        let offset = match self.ws.get(1).map(|b| b & 0x7f) {
            Some(126) => 4,
            Some(127) => 10,
            _ => 2,
        };
        self.ws.get(offset..).unwrap_or_default()
    }
}
