//! The subscriber transports: WebSocket (`/ws`) and Server-Sent Events (`/sse`). Both admit a
//! client the same way (`admission`), then hand it to this thread's hub worker, which delivers
//! updates to it; what differs is the conversation (`ws/`: handshake, hand-off out of the HTTP
//! dispatcher, client messages; `sse/`: the streaming response body).

pub mod admission;
pub mod handoff;
pub mod head_limit;
pub mod sse;
pub mod ws;
