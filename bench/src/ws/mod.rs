//! The bits of RFC 6455 the benchmark needs, written out by hand so a client connection costs a few
//! hundred bytes: the upgrade handshake, a frame parser, masked client frames, and reading the two
//! fields of a scorecast message the measurements need.

pub mod frame;
pub mod handshake;
pub mod message;
pub mod read_buf;
pub mod stream;
