//! The subscriber transports: WebSocket (`/ws`) and Server-Sent Events (`/sse`). Both admit a
//! client the same way (`admission`), then hand it to this thread's hub worker, which delivers
//! updates to it; what differs is the conversation (`ws/`: handshake, hand-off out of the HTTP
//! dispatcher, client messages; `sse/`: the streaming response body).

pub mod admission;
pub mod head_limit;
pub mod sse;
pub mod ws;

/// An accepted HTTP connection as the dispatcher and the upgrade service see it: the socket
/// behind the bound on request heads. A stream of another kind (TLS) goes inside the
/// `HeadLimit`; `accept` in `startup.rs` builds it.
pub type Connection = head_limit::HeadLimit<tokio::net::TcpStream>;
