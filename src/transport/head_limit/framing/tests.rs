use proptest::prelude::*;

use super::{Event, Framing};

/// Feeds `pieces` in turn and returns the offset just past each head end, and where the limit was
/// passed, if it was.
fn follow<'a>(
    limit: usize,
    pieces: impl IntoIterator<Item = &'a [u8]>,
) -> (Vec<usize>, Option<usize>) {
    let mut framing = Framing::new(limit);
    let (mut ends, mut offset) = (Vec::new(), 0);
    for piece in pieces {
        let mut rest = piece;
        while !rest.is_empty() {
            let (n, event) = framing.advance(rest);
            offset += n;
            rest = &rest[n..];
            match event {
                Some(Event::HeadEnd) => ends.push(offset),
                Some(Event::Overflow) => return (ends, Some(offset)),
                None => assert!(n > 0, "advance made progress"),
            }
        }
    }
    (ends, None)
}

fn ends_of(limit: usize, stream: &[u8]) -> Vec<usize> {
    let (ends, over) = follow(limit, [stream]);
    assert_eq!(over, None);
    ends
}

const GET: &[u8] = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n";

#[test]
fn a_head_ends_at_its_blank_line_and_the_next_begins_after_it() {
    let stream = [GET, GET].concat();
    assert_eq!(ends_of(1024, &stream), vec![GET.len(), 2 * GET.len()]);
}

#[test]
fn a_content_length_body_is_skipped_even_when_it_looks_like_a_head() {
    let post = b"POST /e HTTP/1.1\r\nHost: x\r\nContent-Length:  20 \r\n\r\n";
    let body = b"GET / HTTP/1.1\r\n\r\n\r\n";
    let stream = [&post[..], body, GET].concat();
    assert_eq!(ends_of(1024, &stream), vec![post.len(), stream.len()]);
}

#[test]
fn a_chunked_body_with_extensions_and_trailers_is_skipped() {
    let head = b"POST /e HTTP/1.1\r\nHost: x\r\ntransfer-encoding: Chunked\r\n\r\n";
    let body = b"5;name=v\r\nhello\r\nA \r\n\r\n\r\n\r\n\r\n\r\n\r\n0\r\nX-Trailer: 1\r\n\r\n";
    let stream = [&head[..], body, GET].concat();
    assert_eq!(ends_of(1024, &stream), vec![head.len(), stream.len()]);
}

#[test]
fn after_a_websocket_upgrade_nothing_is_a_head() {
    let upgrade =
        b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade:  WebSocket\r\nConnection: upgrade\r\n\r\n";
    let frames = [0x81u8; 4096];
    let stream = [&upgrade[..], &frames, GET].concat();
    assert_eq!(ends_of(100, &stream), vec![upgrade.len()]);
}

#[test]
fn a_head_is_refused_one_byte_past_the_limit_not_at_it() {
    assert_eq!(follow(GET.len(), [GET]), (vec![GET.len()], None));
    assert_eq!(follow(GET.len() - 1, [GET]), (vec![], Some(GET.len())));
}

#[test]
fn empty_lines_before_a_request_and_bare_line_feeds_are_read_as_httparse_reads_them() {
    let head = b"\r\n\nGET / HTTP/1.1\nHost: x\n\n";
    assert_eq!(ends_of(1024, head), vec![head.len()]);
}

#[test]
fn a_content_length_that_actix_refuses_is_no_body_here() {
    for value in ["+5", "5 5", "0x10", "", "99999999999999999999999"] {
        let head = format!("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {value}\r\n\r\n");
        let stream = [head.as_bytes(), GET].concat();
        assert_eq!(ends_of(1024, &stream), vec![head.len(), stream.len()], "{value:?}");
    }
}

#[test]
fn a_content_length_with_leading_zeros_is_a_length() {
    let head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 000000000000000000000003\r\n\r\n";
    let stream = [&head[..], b"abc", GET].concat();
    assert_eq!(ends_of(1024, &stream), vec![head.len(), stream.len()]);
}

/// One request of a generated stream: its bytes and where its head ends within them.
#[derive(Debug, Clone)]
struct Request {
    bytes: Vec<u8>,
    head_len: usize,
}

fn header_name(name: &'static str) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<bool>(), name.len()).prop_map(move |upper| {
        name.chars().zip(upper).map(|(c, up)| if up { c.to_ascii_uppercase() } else { c }).collect()
    })
}

fn padding() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just(""), Just(" "), Just("\t "), Just("  ")]
}

fn line_end() -> impl Strategy<Value = &'static str> {
    prop_oneof![4 => Just("\r\n"), 1 => Just("\n")]
}

fn filler() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 :;,./-]{0,40}".prop_map(|s| s.trim_start().to_owned())
}

/// A request with no body, a `Content-Length` body, or a chunked body (with extensions and
/// trailers), with headers in any case and values padded with whitespace.
fn request() -> impl Strategy<Value = Request> {
    let body = prop_oneof![
        Just(None),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(|b| Some((b, false))),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(|b| Some((b, true))),
    ];
    (
        body,
        header_name("content-length"),
        header_name("transfer-encoding"),
        padding(),
        line_end(),
        filler(),
        1usize..5,
    )
        .prop_map(|(body, cl, te, pad, eol, filler, chunks)| {
            let mut head = format!("POST /e HTTP/1.1{eol}Host: x{eol}X-Filler: {filler}{eol}");
            let mut payload = Vec::new();
            match body {
                None => {}
                Some((bytes, false)) => {
                    head += &format!("{cl}:{pad}{}{pad}{eol}", bytes.len());
                    payload = bytes;
                }
                Some((bytes, true)) => {
                    head += &format!("{te}:{pad}chunked{pad}{eol}");
                    let size = bytes.len().div_ceil(chunks).max(1);
                    for chunk in bytes.chunks(size) {
                        payload.extend(format!("{:X};ext=1\r\n", chunk.len()).bytes());
                        payload.extend_from_slice(chunk);
                        payload.extend_from_slice(b"\r\n");
                    }
                    payload.extend_from_slice(b"0\r\nX-Sum: 1\r\n\r\n");
                }
            }
            head += eol;
            let head_len = head.len();
            let mut bytes = head.into_bytes();
            bytes.extend(payload);
            Request { bytes, head_len }
        })
}

/// Several requests, then maybe a WebSocket upgrade and arbitrary bytes after it, and the offsets
/// just past each head.
fn stream() -> impl Strategy<Value = (Vec<u8>, Vec<usize>)> {
    let tail = proptest::option::of(proptest::collection::vec(any::<u8>(), 0..500));
    (proptest::collection::vec(request(), 1..6), tail).prop_map(|(requests, tail)| {
        let (mut bytes, mut ends) = (Vec::new(), Vec::new());
        for request in requests {
            ends.push(bytes.len() + request.head_len);
            bytes.extend(request.bytes);
        }
        if let Some(tail) = tail {
            bytes.extend_from_slice(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n");
            ends.push(bytes.len());
            bytes.extend(tail);
        }
        (bytes, ends)
    })
}

proptest! {
    #[test]
    fn any_split_of_a_stream_of_requests_gives_the_same_head_ends(
        (bytes, ends) in stream(),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
        cuts.sort_unstable();
        let mut pieces = Vec::new();
        let mut start = 0;
        for cut in cuts.into_iter().chain([bytes.len()]) {
            pieces.push(&bytes[start..cut]);
            start = cut;
        }
        prop_assert_eq!(follow(1024, pieces), (ends, None));
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_always_make_progress(
        bytes in proptest::collection::vec(any::<u8>(), 0..2000),
        limit in 1usize..300,
    ) {
        let (ends, over) = follow(limit, bytes.chunks(7));
        let mut start = 0;
        for end in ends.iter().copied().chain(over) {
            prop_assert!(end > start);
            start = end;
        }
        if let Some(over) = over {
            prop_assert!(over <= bytes.len());
        }
    }
}
