//! The floor: a measuring stick, not the product.
//!
//! The simplest broadcaster that does the same job as scorecast's fan-out, so that scorecast's
//! numbers can be read against what this machine can do at all: it upgrades `GET /ws`, sends a
//! snapshot-like first frame, and on each `POST /publish` writes one pre-encoded goal update (the
//! size of scorecast's) to every socket. It stores nothing, reads nothing from clients, sends no
//! heartbeats and has no limits or slow-client handling: none of it is meant to be copied. It runs
//! as its own process (hidden subcommand `floor-server`) so its memory and CPU are read from
//! `/proc` exactly like scorecast's, and the same clients measure it the same way (the `fanout`
//! module measures it; this one only serves and starts it).

mod launch;
mod process;
mod server;

pub use launch::Running;
pub use process::{main_stdio, FloorThread};
pub use server::Floor;
