//! scorecast-bench: load benchmarks for scorecast, run against a server on this machine.
//!
//! `fanout` measures WebSocket delivery to many subscribers; `floor` measures the same against a
//! trivial broadcaster, the best this machine can do. The binary is a thin shell over
//! [`fanout::run_fanout`] and [`floor::run_floor`], which tests may call in-process.

pub mod cli;
pub mod clock;
pub mod config;
pub mod coordinator;
pub mod fanout;
pub mod floor;
pub mod histogram;
pub mod procfs;
pub mod report;
pub mod worker;
pub mod ws;

pub use config::{LoadConfig, Placement};
pub use fanout::{run_fanout, FanoutConfig, ServerConfig};
pub use floor::{run_floor, FloorConfig};
