//! The floor broadcaster itself. It accepts `GET /ws` upgrades and keeps each socket in one of a
//! few shards (one per core, like scorecast's worker threads); `POST /publish` encodes one goal
//! update, the same shape and size as scorecast's, and writes those bytes to every socket, the
//! shards in parallel. Nothing else: no database, no reads from clients after the upgrade, no
//! heartbeats, no per-client queues, no limits. `GET /healthz` answers `ok`.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, RwLock};

use crate::ws::{frame, handshake};

/// Time a client has to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest `POST /publish` body read.
const MAX_BODY: usize = 4096;

/// The match every client follows: id 1, already kicked off (sequence number 1), home scoring.
struct Game {
    seq: i64,
    home: i64,
}

pub struct Floor {
    shards: Vec<Arc<Mutex<Vec<TcpStream>>>>,
    /// Publishes take it exclusively; upgrades share it, so a client is either in a shard before
    /// an update is written, or gets a snapshot that already includes it.
    order: RwLock<Game>,
}

impl Floor {
    pub fn new(shards: usize) -> Arc<Self> {
        Arc::new(Self {
            shards: (0..shards.max(1)).map(|_| Arc::new(Mutex::new(Vec::new()))).collect(),
            order: RwLock::new(Game { seq: 1, home: 0 }),
        })
    }

    /// Accepts connections until `stop` completes.
    pub async fn serve(self: Arc<Self>, listener: TcpListener, stop: impl Future<Output = ()>) {
        let mut stop = std::pin::pin!(stop);
        let mut next_shard = 0;
        loop {
            let (stream, _) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of descriptors, usually: wait rather than spin.
                        tracing::warn!(error = %e, "floor: accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut stop => return,
            };
            next_shard = (next_shard + 1) % self.shards.len();
            let floor = self.clone();
            tokio::spawn(async move {
                if let Err(e) = floor.handle(stream, next_shard).await {
                    tracing::debug!(error = %e, "floor: connection ended");
                }
            });
        }
    }

    async fn handle(self: Arc<Self>, mut stream: TcpStream, shard: usize) -> io::Result<()> {
        stream.set_nodelay(true)?;
        let mut buf = Vec::with_capacity(1024);
        loop {
            let Some(head) = tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut stream, &mut buf))
                .await
                .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "request head"))??
            else {
                return Ok(());
            };
            let (method, target) = handshake::request_line(&head).unwrap_or(("", ""));
            let path = target.split('?').next().unwrap_or("");
            match (method, path) {
                ("GET", "/ws") => return self.upgrade(stream, &head, shard).await,
                ("POST", "/publish") => {
                    let body = read_body(&mut stream, &mut buf, &head).await?;
                    let minute = minute_of(&body);
                    let (seq, sent) = self.publish(minute).await;
                    let json = format!(r#"{{"s":{seq},"sent":{sent}}}"#);
                    respond(&mut stream, "200 OK", "application/json", &json).await?;
                }
                ("GET", "/healthz") => respond(&mut stream, "200 OK", "text/plain", "ok").await?,
                _ => respond(&mut stream, "404 Not Found", "text/plain", "not found").await?,
            }
        }
    }

    async fn upgrade(&self, mut stream: TcpStream, head: &str, shard: usize) -> io::Result<()> {
        let Some(key) = handshake::header(head, "sec-websocket-key") else {
            return respond(&mut stream, "400 Bad Request", "text/plain", "no Sec-WebSocket-Key")
                .await;
        };
        let game = self.order.read().await;
        let mut out = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\n\r\n",
            handshake::accept_key(key)
        )
        .into_bytes();
        let snapshot = format!(
            r#"{{"m":1,"s":{},"k":"snapshot","st":"live","pd":"first_half","mn":0,"sc":[{},0],"home":"Bench Home","away":"Bench Away","comp":"scorecast-bench","ko":"2026-01-01T00:00:00Z"}}"#,
            game.seq, game.home
        );
        frame::write_unmasked(&mut out, frame::OP_TEXT, snapshot.as_bytes());
        stream.write_all(&out).await?;
        self.shards[shard].lock().await.push(stream);
        Ok(())
    }

    /// Writes the next goal update to every socket; returns its sequence number and how many
    /// sockets took it.
    pub async fn publish(&self, minute: i64) -> (i64, usize) {
        let mut game = self.order.write().await;
        game.seq += 1;
        game.home += 1;
        let update = format!(
            r#"{{"m":1,"s":{},"k":"goal","t":"h","mn":{minute},"sc":[{},0]}}"#,
            game.seq, game.home
        );
        let mut encoded = Vec::with_capacity(update.len() + 4);
        frame::write_unmasked(&mut encoded, frame::OP_TEXT, update.as_bytes());
        let encoded: Arc<[u8]> = encoded.into();
        // One task per shard, so a multi-threaded runtime writes the shards on all its cores.
        let writes: Vec<_> = self
            .shards
            .iter()
            .map(|shard| tokio::spawn(write_shard(shard.clone(), encoded.clone())))
            .collect();
        let mut sent = 0;
        for write in writes {
            sent += write.await.unwrap_or(0);
        }
        (game.seq, sent)
    }
}

async fn write_shard(shard: Arc<Mutex<Vec<TcpStream>>>, frame: Arc<[u8]>) -> usize {
    let mut sockets = shard.lock().await;
    let mut sent = 0;
    let mut i = 0;
    while i < sockets.len() {
        if write_frame(&sockets[i], &frame).await.is_ok() {
            sent += 1;
            i += 1;
        } else {
            sockets.swap_remove(i);
        }
    }
    sent
}

async fn write_frame(socket: &TcpStream, frame: &[u8]) -> io::Result<()> {
    let mut at = 0;
    while at < frame.len() {
        match socket.try_write(&frame[at..]) {
            Ok(n) => at += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => socket.writable().await?,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads one request head; `None` when the client closed between requests.
async fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<Option<String>> {
    loop {
        if let Some(len) = handshake::head_len(buf) {
            let head = String::from_utf8_lossy(&buf[..len]).into_owned();
            buf.drain(..len);
            return Ok(Some(head));
        }
        if buf.len() > handshake::MAX_HEAD_BYTES {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "request head too large"));
        }
        if stream.read_buf(buf).await? == 0 {
            return Ok(None);
        }
    }
}

async fn read_body(stream: &mut TcpStream, buf: &mut Vec<u8>, head: &str) -> io::Result<Vec<u8>> {
    let len: usize =
        handshake::header(head, "content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    if len > MAX_BODY {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "body too large"));
    }
    while buf.len() < len {
        if stream.read_buf(buf).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
    Ok(buf.drain(..len).collect())
}

/// `minute` of a publish body like `{"minute":12}`; 0 when absent.
fn minute_of(body: &[u8]) -> i64 {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("minute")?.as_i64())
        .unwrap_or(0)
}

async fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &str,
) -> io::Result<()> {
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await
}
