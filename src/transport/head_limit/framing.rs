//! Where each request head starts and ends in the bytes a client sends on an HTTP/1 connection,
//! followed just closely enough to count the bytes of every head.
//!
//! It mirrors the decisions actix-http's decoder makes about what follows a head (a chunked body,
//! a WebSocket upgrade, a `Content-Length` body, a `CONNECT` tunnel, or the next head), in that
//! order, because a disagreement would let a client hide head bytes inside what this side takes
//! for a body. Input that actix refuses (it answers `400` and stops reading) may be followed
//! differently here: nothing after it reaches actix.

use actix_web::http::Method;

/// What [`Framing::advance`] stopped at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A head ended with the last byte consumed.
    HeadEnd,
    /// The head being read grew past the limit with the last byte consumed.
    Overflow,
}

/// The read side of one connection: which part of which request the next byte belongs to.
#[derive(Debug)]
pub struct Framing {
    limit: usize,
    state: State,
    /// The method of the head that passed the limit, when its request line got that far.
    refused_method: Option<Method>,
}

#[derive(Debug)]
enum State {
    Head(Head),
    /// A `Content-Length` body with this many bytes still to come.
    Body(u64),
    Chunked(Chunked),
    /// After a WebSocket upgrade or a `CONNECT`: the rest is not HTTP/1 requests.
    Through,
    /// A head passed the limit; nothing after it is looked at.
    Over,
}

impl Framing {
    /// A connection whose heads may each have up to `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self { limit, state: State::Head(Head::default()), refused_method: None }
    }

    /// The method of the head that passed the limit (after `Event::Overflow`), if it was read.
    pub fn refused_method(&self) -> Option<&Method> {
        self.refused_method.as_ref()
    }

    /// Follows `bytes` up to the first event and returns how many it consumed (all of them when
    /// the event is `None`).
    pub fn advance(&mut self, bytes: &[u8]) -> (usize, Option<Event>) {
        match &mut self.state {
            State::Head(head) => {
                for (i, &b) in bytes.iter().enumerate() {
                    head.len += 1;
                    if head.len > self.limit {
                        self.refused_method = head.method();
                        self.state = State::Over;
                        return (i + 1, Some(Event::Overflow));
                    }
                    if let Some(next) = head.step(b) {
                        self.state = next;
                        return (i + 1, Some(Event::HeadEnd));
                    }
                }
                (bytes.len(), None)
            }
            State::Body(left) => {
                let n = (*left).min(bytes.len() as u64);
                *left -= n;
                if *left == 0 {
                    self.state = State::Head(Head::default());
                }
                (n as usize, None)
            }
            State::Chunked(chunked) => {
                let mut i = 0;
                while i < bytes.len() {
                    match chunked.step(&bytes[i..]) {
                        (n, true) => {
                            self.state = State::Head(Head::default());
                            return (i + n, None);
                        }
                        (n, false) => i += n,
                    }
                }
                (bytes.len(), None)
            }
            State::Through => (bytes.len(), None),
            State::Over => (0, Some(Event::Overflow)),
        }
    }
}

/// Names of the headers that decide what follows a head, and the longest of them.
const CONTENT_LENGTH: &[u8] = b"content-length";
const TRANSFER_ENCODING: &[u8] = b"transfer-encoding";
const UPGRADE: &[u8] = b"upgrade";
const NAME_CAPACITY: usize = TRANSFER_ENCODING.len();
/// Room for the values compared here (`chunked`, `websocket`) and then some.
const VALUE_CAPACITY: usize = 16;

/// A head being read, one line at a time; only what decides the framing is kept.
#[derive(Debug, Default)]
struct Head {
    len: usize,
    /// Lines seen, the request line included (empty lines before it are skipped, as httparse
    /// does).
    lines: usize,
    line: Line,
    content_length: Option<u64>,
    chunked: bool,
    websocket: bool,
    connect: bool,
    /// The request line's method, once the line has ended (for the refusal's metrics and log).
    method: Option<Method>,
}

impl Head {
    /// Takes one byte of the head; at its end, returns what follows it.
    fn step(&mut self, b: u8) -> Option<State> {
        match b {
            b'\n' => {
                let line = std::mem::take(&mut self.line);
                if line.len == 0 {
                    return if self.lines == 0 { None } else { Some(self.next()) };
                }
                if self.lines == 0 {
                    self.connect = line.name() == b"CONNECT";
                    self.method = Method::from_bytes(line.name()).ok();
                } else {
                    self.header(&line);
                }
                self.lines += 1;
                None
            }
            // httparse allows a CR only before LF, and actix refuses the rest.
            b'\r' => None,
            _ => {
                self.line.push(b, self.lines == 0);
                None
            }
        }
    }

    /// The method of the request line: ended, or cut after the method (in the target).
    fn method(&self) -> Option<Method> {
        if self.lines == 0 && self.line.in_value {
            return Method::from_bytes(self.line.name()).ok();
        }
        self.method.clone()
    }

    fn header(&mut self, line: &Line) {
        let name = line.name();
        if name == CONTENT_LENGTH {
            self.content_length = line.value.number();
        } else if name == TRANSFER_ENCODING {
            self.chunked = line.value.is(b"chunked");
        } else if name == UPGRADE {
            self.websocket |= line.value.is(b"websocket");
        }
    }

    /// actix-http's order (`h1/decoder.rs`): chunked, then a WebSocket upgrade, then a length,
    /// then `CONNECT`; a length of 0 is no body.
    fn next(&self) -> State {
        if self.chunked {
            State::Chunked(Chunked::default())
        } else if self.websocket {
            State::Through
        } else if let Some(len @ 1..) = self.content_length {
            State::Body(len)
        } else if self.connect {
            State::Through
        } else {
            State::Head(Head::default())
        }
    }
}

/// One line of a head: its name (the method, on the request line), lower-cased in headers, and
/// its value.
#[derive(Debug, Default)]
struct Line {
    len: usize,
    name: [u8; NAME_CAPACITY],
    name_len: usize,
    in_value: bool,
    value: Value,
}

impl Line {
    fn push(&mut self, b: u8, request_line: bool) {
        self.len += 1;
        if self.in_value {
            self.value.push(b);
        } else if (request_line && b == b' ') || (!request_line && b == b':') {
            self.in_value = true;
        } else {
            // A longer name than any looked for compares unequal to all of them.
            if self.name_len < NAME_CAPACITY {
                let b = if request_line { b } else { b.to_ascii_lowercase() };
                self.name[self.name_len] = b;
            }
            self.name_len = self.name_len.saturating_add(1);
        }
    }

    fn name(&self) -> &[u8] {
        if self.name_len > NAME_CAPACITY {
            return b"";
        }
        &self.name[..self.name_len]
    }
}

/// A header value as actix reads the few it cares about: trimmed, compared without case, or read
/// as a decimal number.
#[derive(Debug, Default)]
struct Value {
    bytes: [u8; VALUE_CAPACITY],
    len: usize,
    /// Whitespace came after some content.
    trailing: bool,
    /// Content came after inner whitespace: unlike every value looked for, none of which holds
    /// whitespace.
    spaced: bool,
    /// The value as a number, while it is one.
    number: Option<u64>,
}

impl Value {
    fn push(&mut self, b: u8) {
        if b == b' ' || b == b'\t' {
            self.trailing |= self.len > 0;
            return;
        }
        self.spaced |= self.trailing;
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = b;
        }
        let digit = (b as char).to_digit(10).map(u64::from);
        self.number = match (self.len, digit) {
            (0, Some(d)) => Some(d),
            (_, Some(d)) => self.number.and_then(|n| n.checked_mul(10)?.checked_add(d)),
            (_, None) => None,
        };
        self.len += 1;
    }

    fn is(&self, expected: &[u8]) -> bool {
        !self.spaced
            && self.len <= VALUE_CAPACITY
            && self.bytes[..self.len].eq_ignore_ascii_case(expected)
    }

    /// A `Content-Length` actix accepts (digits only, leading zeros allowed): its value.
    fn number(&self) -> Option<u64> {
        if self.spaced {
            return None;
        }
        self.number
    }
}

/// actix-http's chunked decoder (`h1/chunked.rs`), without the bytes: sizes, extensions, data,
/// trailers.
#[derive(Debug, Default)]
struct Chunked {
    state: Chunk,
    size: u64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    #[default]
    SizeFirst,
    SizeRest,
    SizeLws,
    Extension,
    SizeLf,
    Data,
    DataCr,
    DataLf,
    Trailer,
    TrailerLf,
    EndCr,
    EndLf,
}

impl Chunked {
    /// Consumes the start of `bytes` (at least one byte); true when the body ended there.
    fn step(&mut self, bytes: &[u8]) -> (usize, bool) {
        use Chunk::*;
        if self.state == Data {
            let n = self.size.min(bytes.len() as u64);
            self.size -= n;
            if self.size == 0 {
                self.state = DataCr;
            }
            return (n as usize, false);
        }
        let b = bytes[0];
        let hex = (b as char).to_digit(16).map(u64::from);
        self.state = match (self.state, b) {
            (SizeFirst, _) => match hex {
                Some(digit) => {
                    self.size = digit;
                    SizeRest
                }
                None => return self.broken(),
            },
            (SizeRest, _) if hex.is_some() => {
                match self.size.checked_mul(16) {
                    Some(n) => self.size = n + hex.unwrap_or(0),
                    None => return self.broken(),
                }
                SizeRest
            }
            (SizeRest | SizeLws, b'\t' | b' ') => SizeLws,
            (SizeRest | SizeLws | Extension, b';') => Extension,
            (SizeRest | SizeLws | Extension, b'\r') => SizeLf,
            (Extension, 0x00..=0x08 | 0x0a..=0x1f | 0x7f) => return self.broken(),
            (Extension, _) => Extension,
            (SizeLf, b'\n') if self.size > 0 => Data,
            (SizeLf, b'\n') => EndCr,
            (DataCr, b'\r') => DataLf,
            (DataLf, b'\n') => SizeFirst,
            (Trailer, b'\r') => TrailerLf,
            (Trailer, _) => Trailer,
            (TrailerLf, b'\n') => EndCr,
            (EndCr, b'\r') => EndLf,
            (EndCr, _) => Trailer,
            (EndLf, b'\n') => {
                *self = Self::default();
                return (1, true);
            }
            _ => return self.broken(),
        };
        (1, false)
    }

    /// actix refuses the body and reads no further; counting what follows as a head (rather than
    /// passing it through) keeps any disagreement on the safe side.
    fn broken(&mut self) -> (usize, bool) {
        *self = Self::default();
        (1, true)
    }
}

#[cfg(test)]
mod tests;
