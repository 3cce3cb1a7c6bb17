//! A TCP proxy between scorecast and Postgres that, when armed, cuts the connection that sends the
//! next COMMIT: the COMMIT reaches Postgres, which commits and answers, and the answer is dropped
//! with the connection, so scorecast hears only that the connection broke during COMMIT. That is
//! the failure whose outcome scorecast cannot know, with the outcome "stored".
//!
//! Armed with `arm_held`, the proxy cuts the client first and delivers the COMMIT to Postgres
//! only when the test says so: the commit lands after scorecast has already read the match back.
//!
//! sqlx sends COMMIT as a simple query (`Q`, from `PgTransactionManager::commit` through
//! `execute(&str)`); a `Parse` (`P`) of COMMIT is caught too. Every other byte is forwarded as it
//! is. Loopback only; the proxy's tasks end with the test's runtime.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// Largest client message the proxy reads whole (scorecast's batches are far smaller).
const MAX_MESSAGE: usize = 64 * 1024 * 1024;
/// How long a cut connection waits for Postgres to answer the COMMIT before it is dropped anyway.
const ANSWER_WAIT: Duration = Duration::from_secs(10);
/// `ReadyForQuery`: Postgres has finished with the COMMIT.
const READY_FOR_QUERY: &[u8] = b"Z\0\0\0\x05";

pub struct PgProxy {
    pub port: u16,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    armed: AtomicBool,
    /// The armed COMMIT is held until `release`.
    hold: AtomicBool,
    released: AtomicBool,
    release: Notify,
    /// Armed COMMITs intercepted, and those of them done with (answered, or delivered when held).
    caught: AtomicUsize,
    cuts: AtomicUsize,
    cut: Notify,
}

impl PgProxy {
    /// Listens on a free loopback port and forwards every connection to Postgres at
    /// `upstream_port`.
    pub async fn start(upstream_port: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared::default());
        let accepting = shared.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, upstream_port, accepting.clone()));
            }
        });
        Self { port, shared }
    }

    /// `url` (a Postgres URL on loopback) through this proxy.
    pub fn route(&self, url: &str) -> String {
        let (before, after) = url.split_once("@127.0.0.1:").expect("a loopback Postgres URL");
        let rest = after.split_once('/').map_or("", |(_, db)| db);
        format!("{before}@127.0.0.1:{}/{rest}", self.port)
    }

    /// The next COMMIT any connection sends is the one cut.
    pub fn arm(&self) {
        self.shared.armed.store(true, Ordering::SeqCst);
    }

    /// The next COMMIT's connection is cut at once, and the COMMIT delivered to Postgres only on
    /// `release`.
    pub fn arm_held(&self) {
        self.shared.hold.store(true, Ordering::SeqCst);
        self.shared.armed.store(true, Ordering::SeqCst);
    }

    /// Delivers the held COMMIT.
    pub fn release(&self) {
        self.shared.released.store(true, Ordering::SeqCst);
        self.shared.release.notify_waiters();
    }

    /// Waits until `n` connections in all have been cut after their COMMIT was answered (held:
    /// delivered).
    pub async fn cut(&self, n: usize) {
        self.wait(&self.shared.cuts, n).await;
    }

    /// Waits until `n` armed COMMITs in all have been intercepted (their connection cut or about
    /// to be; answered or held).
    pub async fn caught(&self, n: usize) {
        self.wait(&self.shared.caught, n).await;
    }

    async fn wait(&self, count: &AtomicUsize, n: usize) {
        tokio::time::timeout(ANSWER_WAIT * 2, async {
            loop {
                let notified = self.shared.cut.notified();
                if count.load(Ordering::SeqCst) >= n {
                    return;
                }
                notified.await;
            }
        })
        .await
        .expect("the armed COMMIT was intercepted");
    }
}

async fn relay(client: TcpStream, upstream_port: u16, shared: Arc<Shared>) {
    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream_port)).await else {
        return;
    };
    // Messages are forwarded one by one: without this, Nagle holds each behind the last one's ACK.
    let _ = (client.set_nodelay(true), server.set_nodelay(true));
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let cutting = Arc::new(AtomicBool::new(false));
    let to_client = tokio::spawn(answers(server_read, client_write, cutting.clone()));
    match requests(client_read, server_write, &shared, &cutting).await {
        Some(Cut::Sent(server_write)) => {
            // Both sockets close when the answer task ends; Postgres' only after its answer.
            let answered = tokio::time::timeout(ANSWER_WAIT, to_client).await.is_ok();
            drop(server_write);
            if answered {
                shared.cuts.fetch_add(1, Ordering::SeqCst);
                shared.cut.notify_waiters();
            }
        }
        Some(Cut::Held(mut server_write, commit)) => {
            // The client's socket closes now; Postgres' stays open for the COMMIT.
            to_client.abort();
            loop {
                let released = shared.release.notified();
                if shared.released.load(Ordering::SeqCst) {
                    break;
                }
                released.await;
            }
            if server_write.write_all(&commit).await.is_ok() {
                shared.cuts.fetch_add(1, Ordering::SeqCst);
                shared.cut.notify_waiters();
                // Long enough for Postgres to commit before it sees the connection end.
                tokio::time::sleep(ANSWER_WAIT).await;
            }
        }
        None => to_client.abort(),
    }
}

/// How the armed COMMIT's connection was cut.
enum Cut {
    /// The COMMIT went to Postgres: the sending side to it, still open.
    Sent(OwnedWriteHalf),
    /// The COMMIT is held: the sending side and the message.
    Held(OwnedWriteHalf, Vec<u8>),
}

/// Forwards the client's messages until the armed COMMIT, which it forwards or holds.
async fn requests(
    from: OwnedReadHalf,
    to: OwnedWriteHalf,
    shared: &Shared,
    cutting: &AtomicBool,
) -> Option<Cut> {
    // Buffered both ways, flushed whenever nothing more has arrived: one write per burst, not
    // one per message.
    let (mut from, mut to) = (BufReader::new(from), BufWriter::new(to));
    // The first messages have no type byte: an SSLRequest (answered with one byte) and the
    // startup message. After the startup message, every message starts with its type.
    let mut typed = false;
    loop {
        let mut message = Vec::new();
        if typed {
            let Ok(kind) = from.read_u8().await else { return None };
            message.push(kind);
        }
        let Ok(len) = from.read_u32().await else { return None };
        let len = len as usize;
        if !(4..=MAX_MESSAGE).contains(&len) {
            return None;
        }
        message.extend_from_slice(&(len as u32).to_be_bytes());
        let start = message.len();
        message.resize(start + len - 4, 0);
        if from.read_exact(&mut message[start..]).await.is_err() {
            return None;
        }
        let commit = typed && is_commit(&message);
        if !typed {
            // SSLRequest and GSSENCRequest codes; anything else was the startup message.
            let code = message.get(4..8).map(|c| u32::from_be_bytes(c.try_into().unwrap()));
            typed = !matches!(code, Some(80_877_103 | 80_877_104));
        }
        let cut = commit && shared.armed.swap(false, Ordering::SeqCst);
        if cut {
            // Before the COMMIT leaves: from now on nothing from Postgres reaches the client.
            cutting.store(true, Ordering::SeqCst);
            shared.caught.fetch_add(1, Ordering::SeqCst);
            shared.cut.notify_waiters();
            if shared.hold.swap(false, Ordering::SeqCst) {
                to.flush().await.ok()?;
                return Some(Cut::Held(to.into_inner(), message));
            }
        }
        to.write_all(&message).await.ok()?;
        if cut || from.buffer().is_empty() {
            to.flush().await.ok()?;
        }
        if cut {
            return Some(Cut::Sent(to.into_inner()));
        }
    }
}

/// A simple query or a Parse whose text is COMMIT (or END).
fn is_commit(message: &[u8]) -> bool {
    let text = match message[0] {
        b'Q' => &message[5..],
        // Parse: statement name, then the query text, each ending in a NUL.
        b'P' => match message[5..].iter().position(|&b| b == 0) {
            Some(end) => &message[5 + end + 1..],
            None => return false,
        },
        _ => return false,
    };
    let text = text.split(|&b| b == 0).next().unwrap_or_default();
    let text = String::from_utf8_lossy(text);
    let word = text.trim().trim_end_matches(';').trim().to_ascii_uppercase();
    word == "COMMIT" || word == "END"
}

/// Forwards Postgres' answers until the connection is cut; then reads them without forwarding
/// until Postgres is done with the COMMIT, and returns, closing both sockets.
async fn answers(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, cutting: Arc<AtomicBool>) {
    let mut chunk = vec![0u8; 16 * 1024];
    let mut dropped: Vec<u8> = Vec::new();
    loop {
        let n = match from.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if cutting.load(Ordering::SeqCst) {
            dropped.extend_from_slice(&chunk[..n]);
            if dropped.windows(READY_FOR_QUERY.len()).any(|w| w == READY_FOR_QUERY) {
                return;
            }
        } else if to.write_all(&chunk[..n]).await.is_err() {
            return;
        }
    }
}
