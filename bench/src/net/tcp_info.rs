//! The kernel's own count of what a TCP socket moved: `getsockopt(TCP_INFO)`.
//!
//! `tcpi_bytes_acked` is what this side sent and the peer acknowledged, `tcpi_bytes_received` what
//! it received; both count TCP payload, so HTTP headers and WebSocket framing are in them and the
//! TCP/IP headers are not. Those are counted by segment: every segment, data or bare ACK, carries
//! [`HEADER_BYTES_PER_SEGMENT`] of IP and TCP header.

use std::io;
use std::os::fd::RawFd;

use serde::{Deserialize, Serialize};

/// IPv4 header (20) + TCP header (20) + the timestamp option Linux sends on every segment (12).
/// Link-layer framing (Ethernet: 14 + 4 FCS + preamble and gap) is not counted: loopback has none.
pub const HEADER_BYTES_PER_SEGMENT: u64 = 52;

/// What one socket (or a sum of sockets) moved, from this side's point of view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TcpCounters {
    /// Payload bytes sent and acknowledged (`tcpi_bytes_acked`, less the one sequence number the
    /// SYN takes; a FIN, once acknowledged, would add one more).
    pub bytes_sent: u64,
    /// Payload bytes received (`tcpi_bytes_received`).
    pub bytes_received: u64,
    /// Segments sent, SYN and bare ACKs included (`tcpi_segs_out`).
    pub segs_out: u64,
    /// Segments received (`tcpi_segs_in`).
    pub segs_in: u64,
}

impl TcpCounters {
    /// Reads the counters of the TCP socket `fd`.
    pub fn of(fd: RawFd) -> io::Result<Self> {
        // SAFETY: tcp_info is plain old data; zeroed is a valid value.
        let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
        let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
        // SAFETY: `info` is writable for `len` bytes; the kernel writes at most that many.
        let rc = unsafe {
            libc::getsockopt(
                fd,
                libc::IPPROTO_TCP,
                libc::TCP_INFO,
                (&mut info as *mut libc::tcp_info).cast(),
                &mut len,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Self {
            bytes_sent: info.tcpi_bytes_acked.saturating_sub(1),
            bytes_received: info.tcpi_bytes_received,
            segs_out: u64::from(info.tcpi_segs_out),
            segs_in: u64::from(info.tcpi_segs_in),
        })
    }

    pub fn add(&mut self, other: &Self) {
        self.bytes_sent += other.bytes_sent;
        self.bytes_received += other.bytes_received;
        self.segs_out += other.segs_out;
        self.segs_in += other.segs_in;
    }

    /// `self - earlier`, counter by counter.
    pub fn since(&self, earlier: &Self) -> Self {
        Self {
            bytes_sent: self.bytes_sent.saturating_sub(earlier.bytes_sent),
            bytes_received: self.bytes_received.saturating_sub(earlier.bytes_received),
            segs_out: self.segs_out.saturating_sub(earlier.segs_out),
            segs_in: self.segs_in.saturating_sub(earlier.segs_in),
        }
    }

    /// Bytes on the wire sent by this side: payload plus IP and TCP headers of every segment.
    pub fn wire_sent(&self) -> u64 {
        self.bytes_sent + self.segs_out * HEADER_BYTES_PER_SEGMENT
    }

    /// Bytes on the wire received by this side.
    pub fn wire_received(&self) -> u64 {
        self.bytes_received + self.segs_in * HEADER_BYTES_PER_SEGMENT
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;

    #[test]
    fn the_kernel_counts_the_bytes_each_side_moved() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        client.write_all(&[7u8; 1000]).unwrap();
        let mut buf = [0u8; 1000];
        server.read_exact(&mut buf).unwrap();
        server.write_all(&[1u8; 10]).unwrap();
        client.read_exact(&mut buf[..10]).unwrap();
        // The acknowledgement of the client's data may still be on its way; the server's data
        // arrived, so the client's ACK for it is the only thing left to wait for.
        std::thread::sleep(std::time::Duration::from_millis(50));
        let c = TcpCounters::of(client.as_raw_fd()).unwrap();
        assert_eq!((c.bytes_sent, c.bytes_received), (1000, 10));
        assert!(c.segs_out >= 2 && c.segs_in >= 2, "{c:?}");
        assert!(c.wire_sent() >= 1000 + 2 * HEADER_BYTES_PER_SEGMENT);
    }
}
