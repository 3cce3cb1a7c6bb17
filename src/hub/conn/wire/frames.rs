//! A WebSocket client's bytes into whole messages (RFC 6455 §5): frames within the bounds, the
//! fragments of a text message put back together with their UTF-8 checked as they come, control
//! frames between fragments passed on at once, and every breach named with the close code the RFC
//! gives it (1002 protocol error, 1007 invalid UTF-8, 1009 too big).

use actix_http::ws::{CloseCode, CloseReason, OpCode, Parser, ProtocolError};
use bytes::{Bytes, BytesMut};

use crate::hub::MessageBounds;

/// One message from the client, or a control frame.
#[derive(Debug, PartialEq, Eq)]
pub enum Message {
    /// A whole text message. A fragmented one is known to be valid UTF-8; a single frame is not
    /// checked here.
    Text(Bytes),
    /// The start of a binary message (the rest is not waited for: binary is not spoken here).
    Binary,
    Ping(Bytes),
    Pong,
    /// A close frame, with its status code and reason when it has them (both checked).
    Close(Option<CloseReason>),
}

/// A refusal: the close code and its reason.
pub type Refusal = (CloseCode, String);

/// A text message whose first fragments have arrived, but not its last.
#[derive(Debug)]
pub struct Partial {
    text: BytesMut,
    fragments: usize,
    /// How much of `text` is known to be valid UTF-8; the rest is a sequence cut by a fragment end.
    valid_up_to: usize,
}

/// The next message in `buf`, reading across fragments (kept in `partial` between calls); `None`
/// until one is complete. A frame that would take a message past `bounds.max_bytes` is refused at
/// its header, before its payload is read.
pub fn decode(
    partial: &mut Option<Box<Partial>>,
    buf: &mut BytesMut,
    bounds: MessageBounds,
) -> Result<Option<Message>, Refusal> {
    loop {
        let Some(&[first, _]) = buf.get(..2) else { return Ok(None) };
        let control = first & 0x08 != 0;
        if control && first & 0x80 == 0 {
            return Err(protocol("control frames must not be fragmented"));
        }
        let limit = match (&partial, control) {
            (Some(partial), false) => bounds.max_bytes.saturating_sub(partial.text.len()),
            _ => bounds.max_bytes,
        };
        if announced_len(buf).is_some_and(|len| len > limit as u64) {
            return Err(too_big(bounds));
        }
        let Some((fin, opcode, payload)) =
            Parser::parse(buf, true, limit).map_err(|e| refusal(&e, bounds))?
        else {
            return Ok(None);
        };
        let payload = payload.unwrap_or_default();
        let message = match opcode {
            OpCode::Ping => Message::Ping(payload.freeze()),
            OpCode::Pong => Message::Pong,
            OpCode::Close => Message::Close(close_reason(&payload)?),
            OpCode::Text | OpCode::Binary if partial.is_some() => {
                return Err(protocol("a new message began before the fragmented one ended"));
            }
            OpCode::Binary => Message::Binary,
            OpCode::Text if fin => Message::Text(payload.freeze()),
            OpCode::Text => {
                let mut started = Partial { text: payload, fragments: 1, valid_up_to: 0 };
                started.check_utf8(bounds)?;
                *partial = Some(Box::new(started));
                continue;
            }
            OpCode::Continue => {
                let Some(open) = partial.as_mut() else {
                    return Err(protocol("a continuation frame with no message to continue"));
                };
                open.text.extend_from_slice(&payload);
                open.fragments += 1;
                open.check_utf8(bounds)?;
                if !fin {
                    continue;
                }
                let done = partial.take().expect("the message being continued");
                if done.valid_up_to != done.text.len() {
                    return Err(invalid_utf8("the text message ends inside a UTF-8 sequence"));
                }
                Message::Text(done.text.freeze())
            }
            OpCode::Bad => return Err(protocol("unknown opcode")),
        };
        return Ok(Some(message));
    }
}

impl Partial {
    /// Checks what arrived since the last check; a sequence cut at the end waits for the next
    /// fragment, anything else invalid fails at once.
    fn check_utf8(&mut self, bounds: MessageBounds) -> Result<(), Refusal> {
        if self.fragments > bounds.max_fragments {
            return Err((
                CloseCode::Size,
                format!("message in more than {} fragments", bounds.max_fragments),
            ));
        }
        match std::str::from_utf8(&self.text[self.valid_up_to..]) {
            Ok(_) => self.valid_up_to = self.text.len(),
            Err(e) if e.error_len().is_none() => self.valid_up_to += e.valid_up_to(),
            Err(_) => return Err(invalid_utf8("text message is not valid UTF-8")),
        }
        Ok(())
    }
}

/// The status code and reason of a close frame's payload (RFC 6455 §5.5.1, §7.4).
fn close_reason(payload: &[u8]) -> Result<Option<CloseReason>, Refusal> {
    let (code, reason) = match payload {
        [] => return Ok(None),
        [_] => return Err(protocol("a close payload of one byte has no status code")),
        [high, low, reason @ ..] => (u16::from_be_bytes([*high, *low]), reason),
    };
    // Registered codes a peer may send (1004-1006 and 1015 never go on the wire), and the
    // ranges for libraries and applications.
    if !matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999) {
        return Err(protocol(&format!("close code {code} is not one a peer may send")));
    }
    let Ok(reason) = std::str::from_utf8(reason) else {
        return Err(invalid_utf8("the close reason is not valid UTF-8"));
    };
    let description = (!reason.is_empty()).then(|| reason.to_owned());
    Ok(Some(CloseReason { code: CloseCode::from(code), description }))
}

/// The payload length a frame header announces (RFC 6455 §5.2), once enough of it has arrived.
fn announced_len(buf: &[u8]) -> Option<u64> {
    match buf.get(1)? & 0x7F {
        126 => Some(u16::from_be_bytes(buf.get(2..4)?.try_into().ok()?).into()),
        127 => Some(u64::from_be_bytes(buf.get(2..10)?.try_into().ok()?)),
        short => Some(short.into()),
    }
}

fn refusal(err: &ProtocolError, bounds: MessageBounds) -> Refusal {
    match err {
        ProtocolError::Overflow => too_big(bounds),
        ProtocolError::UnmaskedFrame => protocol("client frames must be masked"),
        ProtocolError::InvalidOpcode(op) => protocol(&format!("unknown opcode {op:#x}")),
        ProtocolError::InvalidLength(len) => {
            protocol(&format!("a control frame of {len} bytes (at most 125)"))
        }
        ProtocolError::Io(_) => protocol("reserved bits set without an extension"),
        other => protocol(&format!("protocol error: {other}")),
    }
}

fn too_big(bounds: MessageBounds) -> Refusal {
    (CloseCode::Size, format!("message larger than {} bytes", bounds.max_bytes))
}

fn protocol(reason: &str) -> Refusal {
    (CloseCode::Protocol, reason.to_owned())
}

fn invalid_utf8(reason: &str) -> Refusal {
    (CloseCode::Invalid, reason.to_owned())
}

#[cfg(test)]
mod tests;
