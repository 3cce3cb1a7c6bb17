use actix_http::ws::{CloseCode, OpCode, Parser};
use bytes::BytesMut;
use proptest::prelude::*;

use super::*;
use crate::hub::MessageBounds;

const BOUNDS: MessageBounds = MessageBounds { max_bytes: 64, max_fragments: 8 };

/// A masked client frame.
fn frame(opcode: OpCode, fin: bool, payload: &[u8]) -> BytesMut {
    let mut wire = BytesMut::new();
    Parser::write_message(&mut wire, payload, opcode, fin, true);
    wire
}

/// Every message in `wire` until it runs out or is refused.
fn decode_all(wire: &[u8]) -> (Vec<Message>, Option<Refusal>) {
    let (mut partial, mut buf, mut messages) = (None, BytesMut::from(wire), Vec::new());
    loop {
        match decode(&mut partial, &mut buf, BOUNDS) {
            Ok(Some(message)) => messages.push(message),
            Ok(None) => return (messages, None),
            Err(refusal) => return (messages, Some(refusal)),
        }
    }
}

fn frames(parts: &[(OpCode, bool, &[u8])]) -> Vec<u8> {
    parts.iter().flat_map(|(op, fin, payload)| frame(*op, *fin, payload).to_vec()).collect()
}

fn code(refusal: Option<Refusal>) -> Option<CloseCode> {
    refusal.map(|(code, _)| code)
}

#[test]
fn fragments_are_put_together_and_control_frames_between_them_pass_at_once() {
    let wire = frames(&[
        (OpCode::Text, false, b"{\"op\":"),
        (OpCode::Ping, true, b"are you there"),
        (OpCode::Continue, false, b""),
        (OpCode::Pong, true, b""),
        (OpCode::Continue, true, b"\"subscribe\"}"),
    ]);
    let (messages, refusal) = decode_all(&wire);
    assert_eq!(refusal, None);
    assert_eq!(
        messages,
        [
            Message::Ping(Bytes::from_static(b"are you there")),
            Message::Pong,
            Message::Text(Bytes::from_static(b"{\"op\":\"subscribe\"}")),
        ]
    );
}

#[test]
fn utf8_cut_by_a_fragment_end_waits_for_the_rest_and_bad_utf8_fails_at_its_fragment() {
    // "é" is C3 A9: cut between the two fragments, it is fine.
    let wire = frames(&[(OpCode::Text, false, b"caf\xC3"), (OpCode::Continue, true, b"\xA9")]);
    assert_eq!(decode_all(&wire), (vec![Message::Text(Bytes::from("café"))], None));

    // An invalid byte fails at once, before the message ends.
    let wire = frames(&[(OpCode::Text, false, b"ok"), (OpCode::Continue, false, b"\xFF")]);
    assert_eq!(code(decode_all(&wire).1), Some(CloseCode::Invalid));

    // A message that ends inside a sequence is invalid.
    let wire = frames(&[(OpCode::Text, false, b"ok"), (OpCode::Continue, true, b"\xC3")]);
    let (_, refusal) = decode_all(&wire);
    assert_eq!(
        refusal.unwrap(),
        (CloseCode::Invalid, "the text message ends inside a UTF-8 sequence".into())
    );
}

#[test]
fn broken_fragment_sequences_are_protocol_errors() {
    let cases: [&[(OpCode, bool, &[u8])]; 4] = [
        &[(OpCode::Continue, true, b"x")],
        &[(OpCode::Text, false, b"x"), (OpCode::Text, true, b"y")],
        &[(OpCode::Text, false, b"x"), (OpCode::Binary, true, b"y")],
        &[(OpCode::Ping, false, b"x")],
    ];
    for parts in cases {
        let (messages, refusal) = decode_all(&frames(parts));
        assert_eq!(messages, []);
        assert_eq!(code(refusal), Some(CloseCode::Protocol), "{parts:?}");
    }
}

#[test]
fn a_message_is_bounded_in_bytes_and_in_fragments_across_its_fragments() {
    let half = [b'a'; 40];
    let wire = frames(&[(OpCode::Text, false, &half), (OpCode::Continue, true, &half)]);
    let (_, refusal) = decode_all(&wire);
    assert_eq!(refusal.unwrap(), (CloseCode::Size, "message larger than 64 bytes".into()));

    // Refused at the header: the payload need not arrive.
    let mut wire = frames(&[(OpCode::Text, false, &half)]);
    wire.extend_from_slice(&frame(OpCode::Continue, true, &half)[..6]);
    assert_eq!(code(decode_all(&wire).1), Some(CloseCode::Size));

    let mut parts = vec![(OpCode::Text, false, &b""[..])];
    parts.extend(std::iter::repeat_n((OpCode::Continue, false, &b""[..]), 8));
    let (_, refusal) = decode_all(&frames(&parts));
    assert_eq!(refusal.unwrap(), (CloseCode::Size, "message in more than 8 fragments".into()));
}

#[test]
fn close_frames_are_checked_and_a_bad_one_is_named() {
    let close = |payload: &[u8]| decode_all(&frame(OpCode::Close, true, payload));
    assert_eq!(close(b""), (vec![Message::Close(None)], None));
    let (messages, _) = close(b"\x03\xE8bye");
    assert_eq!(
        messages,
        [Message::Close(Some(CloseReason {
            code: CloseCode::Normal,
            description: Some("bye".into())
        }))]
    );
    assert_eq!(
        close(b"\x03\xEC").1.unwrap(),
        (CloseCode::Protocol, "close code 1004 is not one a peer may send".into())
    );
    assert_eq!(code(close(b"\x03").1), Some(CloseCode::Protocol));
    assert_eq!(code(close(b"\x03\xE8\xFF").1), Some(CloseCode::Invalid));
    assert_eq!(close(b"\x0F\xA0").1, None, "4000-4999 are the applications' own");
}

proptest! {
    /// Whatever a client sends, in whatever pieces: messages within the bounds, or a close with a
    /// documented code (1002, 1007, 1009), never a panic.
    #[test]
    fn any_bytes_decode_into_messages_within_the_bounds_or_a_documented_close(
        chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..8),
    ) {
        let (mut partial, mut buf) = (None, BytesMut::new());
        'feed: for chunk in chunks {
            buf.extend_from_slice(&chunk);
            loop {
                match decode(&mut partial, &mut buf, BOUNDS) {
                    Ok(Some(Message::Text(text))) => prop_assert!(text.len() <= BOUNDS.max_bytes),
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err((code, reason)) => {
                        prop_assert!(matches!(
                            code,
                            CloseCode::Size | CloseCode::Protocol | CloseCode::Invalid
                        ));
                        prop_assert!(!reason.is_empty() && reason.len() <= 123);
                        break 'feed;
                    }
                }
            }
        }
    }

    /// Any text within the bounds, cut into fragments anywhere (inside UTF-8 sequences too), with
    /// pings between them, comes back whole after the pings.
    #[test]
    fn text_cut_anywhere_into_fragments_comes_back_whole(
        text in "\\PC{0,20}",
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..7),
    ) {
        prop_assume!(text.len() <= BOUNDS.max_bytes);
        let bytes = text.as_bytes();
        let mut at: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        at.sort_unstable();
        let mut pieces = Vec::new();
        let mut from = 0;
        for cut in at.into_iter().chain([bytes.len()]) {
            pieces.push(&bytes[from..cut]);
            from = cut;
        }
        let mut wire = Vec::new();
        let last = pieces.len() - 1;
        for (i, piece) in pieces.iter().enumerate() {
            let opcode = if i == 0 { OpCode::Text } else { OpCode::Continue };
            wire.extend_from_slice(&frame(opcode, i == last, piece));
            if i != last {
                wire.extend_from_slice(&frame(OpCode::Ping, true, b"p"));
            }
        }
        let (messages, refusal) = decode_all(&wire);
        prop_assert_eq!(refusal, None);
        prop_assert_eq!(messages.len(), pieces.len());
        prop_assert_eq!(messages.last(), Some(&Message::Text(Bytes::from(text.clone()))));
    }
}
