//! TLS record framing (RFC 8446 §5.1, RFC 5246 §6.2): where one record ends in a stream of
//! bytes, for the session that opens them (`session`) and for the stream that remembers the
//! record a handshake's last read left incomplete (`tracked`).

use std::io;

/// A record's header: content type, legacy version, length.
pub const HEADER: usize = 5;

/// The longest record body a peer may send: 2^14 bytes of plaintext and 2,048 of expansion
/// (TLS 1.2's bound; TLS 1.3's, 256, is smaller).
const MAX_BODY: usize = 16 * 1024 + 2048;

/// The whole length (header included) of the record `buf` starts with, once its header is in.
fn total_len(buf: &[u8]) -> io::Result<Option<usize>> {
    let Some(header) = buf.get(..HEADER) else { return Ok(None) };
    let body = usize::from(u16::from_be_bytes([header[3], header[4]]));
    if body > MAX_BODY {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "TLS record longer than allowed"));
    }
    Ok(Some(HEADER + body))
}

/// Calls `each` on every complete record in what is kept from before (`partial`) followed by
/// `data`, in order, and keeps what is left of an incomplete one in `partial` (which holds no
/// memory once it is empty again). Records inside `data` are passed in place, without a copy.
/// Stops early when `each` answers true, dropping the rest (nothing may follow a TLS close).
pub fn each_record(
    partial: &mut Vec<u8>,
    mut data: &mut [u8],
    mut each: impl FnMut(&mut [u8]) -> io::Result<bool>,
) -> io::Result<bool> {
    while !data.is_empty() {
        if partial.is_empty() {
            if let Some(total) = total_len(data)?.filter(|&total| total <= data.len()) {
                let (record, rest) = std::mem::take(&mut data).split_at_mut(total);
                data = rest;
                if each(record)? {
                    return Ok(true);
                }
                continue;
            }
        }
        // Complete the kept record: its header first, then its body.
        let want = total_len(partial)?.unwrap_or(HEADER);
        let take = (want - partial.len()).min(data.len());
        partial.extend_from_slice(&data[..take]);
        data = &mut std::mem::take(&mut data)[take..];
        if total_len(partial)? == Some(partial.len()) {
            let mut record = std::mem::take(partial);
            if each(&mut record)? {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(body: &[u8]) -> Vec<u8> {
        let mut r = vec![23, 3, 3];
        r.extend_from_slice(&(body.len() as u16).to_be_bytes());
        r.extend_from_slice(body);
        r
    }

    /// The records found when `stream` arrives in pieces of `piece` bytes, and what is kept.
    fn split(stream: &[u8], piece: usize) -> (Vec<Vec<u8>>, Vec<u8>) {
        let (mut partial, mut found) = (Vec::new(), Vec::new());
        for chunk in stream.chunks(piece) {
            let mut chunk = chunk.to_vec();
            each_record(&mut partial, &mut chunk, |r| {
                found.push(r.to_vec());
                Ok(false)
            })
            .unwrap();
        }
        (found, partial)
    }

    #[test]
    fn records_are_found_whatever_the_pieces_they_arrive_in() {
        let records = [record(b"one"), record(&[7; 3000]), record(b""), record(b"four")];
        let stream: Vec<u8> = records.concat();
        for piece in [1, 2, 4, 5, 6, 7, 100, 4096, stream.len()] {
            let (found, partial) = split(&stream, piece);
            assert_eq!(found, records, "pieces of {piece}");
            assert!(partial.is_empty() && partial.capacity() == 0, "pieces of {piece}");
        }
    }

    #[test]
    fn an_incomplete_record_is_kept_as_it_arrived() {
        let mut stream = record(b"whole");
        stream.extend_from_slice(&record(b"cut short")[..9]);
        let (found, partial) = split(&stream, 3);
        assert_eq!(found, [record(b"whole")]);
        assert_eq!(partial, &record(b"cut short")[..9]);
    }

    #[test]
    fn a_record_longer_than_allowed_is_refused_at_its_header() {
        let mut partial = Vec::new();
        let mut header = vec![23, 3, 3, 0xff, 0xff];
        let err = each_record(&mut partial, &mut header, |_| Ok(false)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn nothing_after_a_close_is_looked_at() {
        let mut stream = [record(b"close"), record(b"ignored")].concat();
        let mut seen = 0;
        let closed = each_record(&mut Vec::new(), &mut stream, |_| {
            seen += 1;
            Ok(true)
        });
        assert!(closed.unwrap());
        assert_eq!(seen, 1);
    }
}
