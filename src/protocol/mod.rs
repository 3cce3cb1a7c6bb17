//! The wire protocol of both transports: compact JSON messages, each encoded once into a complete
//! WebSocket frame and a complete Server-Sent Events chunk whose bytes every recipient shares.
//!
//! Server messages carry `m` (match id) and `s` (the match's sequence number) and a kind `k`. A goal
//! update is about 70 bytes with its scorer: `{"m":42,"s":17,"k":"goal","t":"h","mn":67,"sc":[2,1],
//! "p":"Brobbey"}`. Keys are only ever added (clients ignore keys they do not know).
//! `docs/protocol.md` describes every message.

mod client;
mod encoded;
mod frames;
mod server;

pub use client::ClientMessage;
pub use encoded::Encoded;
pub use frames::{close_frame, control_frame, sse_comment};
pub use server::{error, resumed, snapshot, update, watching};

/// The subprotocol name clients may offer.
pub const SUBPROTOCOL: &str = "scorecast.v1";
