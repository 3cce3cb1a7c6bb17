//! Lean client-side networking shared by `bandwidth`, `ingest` and `poll`: an HTTP/1.1 keep-alive
//! connection, a WebSocket subscriber, and the kernel's per-socket byte and segment counters.

pub mod http1;
pub mod subscriber;
pub mod tcp_info;
