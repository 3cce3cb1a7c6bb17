//! scorecast-bench: load benchmarks for scorecast, run against a server on this machine.
//!
//! `fanout` measures WebSocket delivery to many subscribers; `floor` measures the same against a
//! trivial broadcaster, the best this machine can do. `bandwidth` compares the bytes of polling and
//! WebSocket per user, `ingest` the durable event rate, `poll` the snapshot endpoint against nginx;
//! `summary` gathers the latest of each into REPORT.md. The binary is a thin shell over the
//! `run_*` functions, which tests may call in-process.

pub mod bandwidth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod coordinator;
pub mod fanout;
pub mod floor;
pub mod histogram;
pub mod ingest;
pub mod net;
pub mod poll;
pub mod procfs;
pub mod report;
pub mod scorecast;
pub mod summary;
pub mod worker;
pub mod ws;

pub use bandwidth::{run_bandwidth, BandwidthConfig};
pub use config::{LoadConfig, Placement};
pub use fanout::{run_fanout, FanoutConfig, ServerConfig};
pub use floor::{run_floor, FloorConfig};
pub use ingest::{run_ingest, IngestConfig};
pub use poll::{run_poll, PollConfig};
