//! WebSocket frames and SSE lines the server writes around (or instead of) its messages.

use actix_http::ws::{CloseCode, CloseReason, OpCode, Parser};
use bytes::{Bytes, BytesMut};

/// An SSE comment line, which clients ignore: the SSE heartbeat.
pub fn sse_comment(text: &str) -> Bytes {
    Bytes::from(format!(": {text}\n\n"))
}

/// A close frame with a code and a human-readable reason (at most 123 bytes, per RFC 6455).
pub fn close_frame(code: CloseCode, reason: &str) -> Bytes {
    let mut reason = reason.to_owned();
    while reason.len() > 123 {
        reason.pop();
    }
    let mut frame = BytesMut::new();
    Parser::write_close(&mut frame, Some(CloseReason { code, description: Some(reason) }), false);
    frame.freeze()
}

/// A ping, or the pong answering a client's ping.
pub fn control_frame(op: OpCode, payload: &[u8]) -> Bytes {
    let mut frame = BytesMut::new();
    Parser::write_message(&mut frame, payload, op, true, false);
    frame.freeze()
}

pub(super) fn text_frame(payload: &[u8]) -> Bytes {
    let mut frame = BytesMut::with_capacity(payload.len() + 4);
    Parser::write_message(&mut frame, payload, OpCode::Text, true, false);
    frame.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_reasons_are_cut_to_the_protocol_limit() {
        let frame = close_frame(CloseCode::Policy, &"x".repeat(300));
        assert_eq!(frame.len(), 2 + 2 + 123);
    }
}
