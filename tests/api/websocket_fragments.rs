//! Fragmented client messages (RFC 6455 §5.4), sent by a raw client: put back together within the
//! bounds, control frames between fragments answered, and every breach closed with the code the
//! RFC gives it, without an ERROR line in the log.

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::access_log::Logged;
use crate::common::{spawn_app_with, Backend};
use crate::raw_client::{client_frame, close_frame, next_frame, upgraded};

const TEXT: u8 = 0x1;
const CONTINUE: u8 = 0x0;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;
const PONG: u8 = 0xA;

/// A frame as the client sends it: opcode, final or not, payload.
type Frame<'a> = (u8, bool, &'a [u8]);

async fn send(socket: &mut TcpStream, frames: &[Frame<'_>]) {
    for (opcode, fin, payload) in frames {
        socket.write_all(&client_frame(*opcode, *fin, payload)).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscribe_in_fragments_with_pings_between_is_answered_like_a_whole_one() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.ws_max_fragments = 4).await.unwrap();
    let id = app.live_match().await;
    let mut socket = upgraded(app.port).await;
    let subscribe = format!(r#"{{"op":"subscribe","matches":[{id}]}}"#);
    let (head, tail) = subscribe.as_bytes().split_at(10);
    send(
        &mut socket,
        &[(TEXT, false, head), (PING, true, b"one"), (CONTINUE, false, b""), (PING, true, b"two")],
    )
    .await;
    // The pings are answered before the message is complete.
    assert_eq!(next_frame(&mut socket).await, Some((PONG, b"one".to_vec())));
    assert_eq!(next_frame(&mut socket).await, Some((PONG, b"two".to_vec())));
    send(&mut socket, &[(CONTINUE, true, tail)]).await;
    let (opcode, snapshot) = next_frame(&mut socket).await.unwrap();
    assert_eq!(opcode, TEXT);
    let snapshot: serde_json::Value = serde_json::from_slice(&snapshot).unwrap();
    assert_eq!(snapshot["m"], id, "{snapshot}");
    assert_eq!(snapshot["s"], 1, "{snapshot}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_fragments_and_close_frames_close_with_the_rfc_code_and_log_no_error() {
    let server = Logged::start(&["--ws-max-frame-bytes", "64", "--ws-max-fragments", "4"]).await;
    let half = [b'a'; 40];
    let cases: [(&str, &[Frame], u16, &str); 8] = [
        (
            "a fragmented ping",
            &[(PING, false, b"x")],
            1002,
            "control frames must not be fragmented",
        ),
        (
            "a continuation of nothing",
            &[(CONTINUE, true, b"x")],
            1002,
            "a continuation frame with no message to continue",
        ),
        (
            "a text frame inside a message",
            &[(TEXT, false, b"{"), (TEXT, true, b"}")],
            1002,
            "a new message began before the fragmented one ended",
        ),
        (
            "bad UTF-8 in a middle fragment",
            &[(TEXT, false, b"ok"), (CONTINUE, false, b"\xFF"), (PING, true, b"")],
            1007,
            "text message is not valid UTF-8",
        ),
        (
            "too many bytes across fragments",
            &[(TEXT, false, &half), (CONTINUE, true, &half)],
            1009,
            "message larger than 64 bytes",
        ),
        (
            "too many fragments",
            &[
                (TEXT, false, b""),
                (CONTINUE, false, b""),
                (CONTINUE, false, b""),
                (CONTINUE, false, b""),
                (CONTINUE, false, b""),
            ],
            1009,
            "message in more than 4 fragments",
        ),
        (
            "close code 1004",
            &[(CLOSE, true, b"\x03\xEC")],
            1002,
            "close code 1004 is not one a peer may send",
        ),
        (
            "a close reason that is not UTF-8",
            &[(CLOSE, true, b"\x03\xE8\xC3")],
            1007,
            "the close reason is not valid UTF-8",
        ),
    ];
    for (what, frames, code, reason) in cases {
        let mut socket = upgraded(server.port).await;
        send(&mut socket, frames).await;
        assert_eq!(close_frame(&mut socket).await, Some((code, reason.to_owned())), "{what}");
    }
    let (status, log) = server.terminate();
    assert!(status.success(), "{status}: {log}");
    let errors: Vec<&str> = log.lines().filter(|l| l.contains(r#""level":"ERROR""#)).collect();
    assert!(errors.is_empty(), "a client wrote ERROR lines: {errors:#?}");
}
