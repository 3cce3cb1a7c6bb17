//! Lean client-side networking shared by `bandwidth`, `ingest` and `poll`: an HTTP/1.1 keep-alive
//! connection, a WebSocket subscriber, and the kernel's per-socket byte and segment counters.

pub mod http1;
pub mod subscriber;
pub mod tcp_info;

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;

use tokio::net::{TcpSocket, TcpStream};

/// Connects to `addr`, from `source` when given (its port left to `connect`, see
/// `bind_address_only`).
pub async fn connect_from(addr: SocketAddr, source: Option<IpAddr>) -> io::Result<TcpStream> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4(),
        SocketAddr::V6(_) => TcpSocket::new_v6(),
    }?;
    if let Some(ip) = source {
        bind_address_only(&socket)?;
        socket.bind(SocketAddr::new(ip, 0))?;
    }
    socket.connect(addr).await
}

/// Binds the source address but leaves the port to `connect`, which may then reuse a port for
/// other destinations: without this, `bind` reserves a port per socket and one source address
/// runs out after ~28,000 sockets whatever their destinations.
pub fn bind_address_only(socket: &TcpSocket) -> io::Result<()> {
    let one: libc::c_int = 1;
    // SAFETY: a valid socket descriptor and a c_int option value of the size passed.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_BIND_ADDRESS_NO_PORT,
            (&one as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
