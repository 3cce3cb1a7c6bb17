//! WebSocket frames: parsing what a server sends, and writing what a client or the floor sends.

use thiserror::Error;

pub const OP_CONTINUATION: u8 = 0x0;
pub const OP_TEXT: u8 = 0x1;
pub const OP_BINARY: u8 = 0x2;
pub const OP_CLOSE: u8 = 0x8;
pub const OP_PING: u8 = 0x9;
pub const OP_PONG: u8 = 0xA;

/// Largest frame the client accepts: far above any scorecast message, small enough that a broken
/// length field cannot make a client allocate much.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum FrameError {
    #[error("frame of {0} bytes exceeds the {MAX_FRAME_BYTES}-byte limit")]
    TooLarge(u64),
    #[error("server frames must not be masked")]
    Masked,
    #[error("reserved bits set")]
    Reserved,
}

/// One complete frame at the start of a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub fin: bool,
    pub opcode: u8,
    /// Where the payload lies in the buffer.
    pub payload: std::ops::Range<usize>,
    /// Bytes the whole frame takes, header included.
    pub len: usize,
}

/// Parses the frame at the start of `buf` (unmasked, as servers send them). `Ok(None)`: not all of
/// it is there yet.
pub fn parse(buf: &[u8]) -> Result<Option<Parsed>, FrameError> {
    if buf.len() < 2 {
        return Ok(None);
    }
    let (b0, b1) = (buf[0], buf[1]);
    if b0 & 0x70 != 0 {
        return Err(FrameError::Reserved);
    }
    if b1 & 0x80 != 0 {
        return Err(FrameError::Masked);
    }
    let (header, len) = match b1 & 0x7F {
        126 => {
            if buf.len() < 4 {
                return Ok(None);
            }
            (4, u64::from(u16::from_be_bytes([buf[2], buf[3]])))
        }
        127 => {
            if buf.len() < 10 {
                return Ok(None);
            }
            let mut be = [0u8; 8];
            be.copy_from_slice(&buf[2..10]);
            (10, u64::from_be_bytes(be))
        }
        short => (2, u64::from(short)),
    };
    if len > MAX_FRAME_BYTES as u64 {
        return Err(FrameError::TooLarge(len));
    }
    let total = header + len as usize;
    if buf.len() < total {
        return Ok(None);
    }
    Ok(Some(Parsed { fin: b0 & 0x80 != 0, opcode: b0 & 0x0F, payload: header..total, len: total }))
}

/// The status code a close frame's payload starts with, if it has one.
pub fn close_code(payload: &[u8]) -> Option<u16> {
    payload.get(..2).map(|c| u16::from_be_bytes([c[0], c[1]]))
}

/// Appends a final, masked frame (as clients must send them) to `out`.
pub fn write_masked(out: &mut Vec<u8>, opcode: u8, payload: &[u8], mask: [u8; 4]) {
    write_header(out, opcode, payload.len(), true);
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
}

/// Appends a final, unmasked frame (as servers send them) to `out`.
pub fn write_unmasked(out: &mut Vec<u8>, opcode: u8, payload: &[u8]) {
    write_header(out, opcode, payload.len(), false);
    out.extend_from_slice(payload);
}

fn write_header(out: &mut Vec<u8>, opcode: u8, len: usize, masked: bool) {
    let mask_bit = if masked { 0x80 } else { 0 };
    out.push(0x80 | opcode);
    match len {
        0..=125 => out.push(mask_bit | len as u8),
        126..=0xFFFF => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
}

/// Removes the mask of a client frame's payload in place (for the floor server).
pub fn unmask(payload: &mut [u8], mask: [u8; 4]) {
    for (i, b) in payload.iter_mut().enumerate() {
        *b ^= mask[i % 4];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_text_frame_parses_only_once_complete() {
        let mut frame = Vec::new();
        write_unmasked(&mut frame, OP_TEXT, br#"{"m":1,"s":2,"k":"goal"}"#);
        assert_eq!(frame[1] as usize, 24);
        for cut in 0..frame.len() {
            assert_eq!(parse(&frame[..cut]), Ok(None), "cut at {cut}");
        }
        frame.extend_from_slice(b"\x89\x00"); // a ping right behind it
        let parsed = parse(&frame).unwrap().unwrap();
        assert_eq!(
            (parsed.fin, parsed.opcode, parsed.payload.clone(), parsed.len),
            (true, OP_TEXT, 2..26, 26)
        );
        let next = parse(&frame[parsed.len..]).unwrap().unwrap();
        assert_eq!((next.opcode, next.len), (OP_PING, 2));
    }

    #[test]
    fn extended_lengths_are_understood() {
        let payload = vec![b'x'; 300];
        let mut frame = Vec::new();
        write_unmasked(&mut frame, OP_TEXT, &payload);
        assert_eq!(&frame[..4], &[0x81, 126, 1, 44]);
        assert_eq!(parse(&frame[..250]), Ok(None));
        assert_eq!(parse(&frame).unwrap().unwrap().payload, 4..304);
        let huge = [0x81, 127, 0, 0, 0, 0, 0, 2, 0, 0];
        assert_eq!(parse(&huge), Err(FrameError::TooLarge(131_072)));
    }

    #[test]
    fn masked_frames_round_trip_and_are_refused_from_a_server() {
        let mut frame = Vec::new();
        write_masked(&mut frame, OP_PONG, b"abc", [1, 2, 3, 4]);
        assert_eq!(&frame[..2], &[0x8A, 0x83]);
        assert_eq!(parse(&frame), Err(FrameError::Masked));
        let mut payload = frame[6..].to_vec();
        unmask(&mut payload, [1, 2, 3, 4]);
        assert_eq!(payload, b"abc");
    }
}
