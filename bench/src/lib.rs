//! scorecast-bench: load benchmarks for scorecast, run against a server on this machine.
//!
//! `fanout` measures WebSocket delivery to many subscribers, against scorecast or the `floor` (a
//! trivial broadcaster, the best this machine can do); `compare` interleaves fan-outs of two
//! scorecast binaries; `cluster` measures nodes sharing one audience over NATS, `million` one
//! match followed by up to a million subscribers over as many nodes as that needs. `bandwidth`
//! compares the bytes of polling and WebSocket per user, `ingest` the durable event rate, `poll`
//! the snapshot endpoint against nginx, `history` what years of matches cost a node, `soak` memory and delivery over a long run with churn;
//! `summary` gathers the latest
//! of each into REPORT.md. What they share (the server under test, the runner, metadata, result
//! files, Markdown) is in `common`. The binary is a thin shell over the `run_*` functions, which
//! tests may call in-process.

pub mod bandwidth;
pub mod cli;
pub mod clock;
pub mod cluster;
pub mod common;
pub mod compare;
pub mod corrections;
pub mod fanout;
pub mod floor;
pub mod histogram;
pub mod history;
pub mod ingest;
pub mod million;
pub mod namespace;
pub mod net;
pub mod poll;
pub mod priority;
pub mod procfs;
pub mod soak;
pub mod summary;
pub mod ws;

pub use bandwidth::{run_bandwidth, run_spread, BandwidthConfig, Spread};
pub use cluster::{run_cluster, ClusterConfig, FailoverConfig, GapConfig};
pub use common::scorecast::ServerConfig;
pub use compare::{run_compare, CompareConfig};
pub use corrections::{run_corrections, CorrectionsConfig};
pub use fanout::{run_fanout, run_floor, FanoutConfig, FloorConfig, LoadConfig, Placement};
pub use history::{run_history, HistoryConfig};
pub use ingest::{run_ingest, IngestConfig};
pub use million::{run_million, MillionConfig};
pub use poll::{run_poll, PollConfig};
pub use soak::{run_soak, SoakConfig};
