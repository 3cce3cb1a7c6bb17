//! The WebSocket conversation of one connection: its task reads the client's messages and answers
//! them (subscribe, unsubscribe, ping, close), and writes whatever the delivery loop could not
//! write at once. It waits with `poll_read_ready`/`poll_write_ready`, which replace the waker the
//! HTTP dispatcher left on the socket instead of adding one beside it.

use std::task::{Context, Poll};

use actix_http::ws::{CloseCode, OpCode};

use crate::hub::{ConnHandle, Message, Read};
use crate::protocol::{self, ClientMessage};

/// Client frames handled per wake-up before yielding, so one chatty client cannot starve others.
const FRAMES_PER_POLL: usize = 16;

/// Serves the connection until it is over; dropping the handle then forgets it.
pub async fn run(conn: ConnHandle) {
    std::future::poll_fn(|cx| poll(&conn, cx)).await;
}

fn poll(conn: &ConnHandle, cx: &mut Context<'_>) -> Poll<()> {
    for handled in 0.. {
        if handled == FRAMES_PER_POLL {
            cx.waker().wake_by_ref();
            break;
        }
        match conn.poll_read(cx) {
            Poll::Ready(Read::Message(message)) => handle(conn, message),
            Poll::Ready(Read::Invalid(code, reason)) => {
                conn.close(code, &reason);
                break;
            }
            Poll::Ready(Read::Gone) => return Poll::Ready(()),
            Poll::Pending => break,
        }
    }
    conn.poll_flush(cx)
}

fn handle(conn: &ConnHandle, message: Message) {
    match message {
        Message::Text(text) => handle_text(conn, &text),
        Message::Binary => {
            conn.close(CloseCode::Unsupported, "binary frames are not supported; send JSON text")
        }
        Message::Ping(payload) => conn.send_bytes(protocol::control_frame(OpCode::Pong, &payload)),
        Message::Pong => {}
        Message::Close(reason) => conn.close(reason.map_or(CloseCode::Normal, |r| r.code), ""),
    }
}

fn handle_text(conn: &ConnHandle, text: &[u8]) {
    let Ok(text) = std::str::from_utf8(text) else {
        conn.close(CloseCode::Invalid, "text frame is not valid UTF-8");
        return;
    };
    match serde_json::from_str::<ClientMessage>(text) {
        Ok(ClientMessage::Subscribe { matches, competitions, since }) => {
            conn.subscribe(&matches, &competitions, &since)
        }
        Ok(ClientMessage::Unsubscribe { matches, competitions }) => {
            conn.unsubscribe(&matches, &competitions)
        }
        Err(e) => conn.malformed(&e.to_string()),
    }
}
