//! Settings, from command-line flags or their environment variables (`scorecast --help`).

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

mod cluster;
mod memory;
mod tls;
mod watching;

pub use cluster::ClusterArgs;
pub use tls::TlsArgs;

use crate::hub::{AddressLimits, HeartbeatPolicy, HistoryWindow, HubSettings, Limits, Window};
use crate::store::DatabaseSettings;

/// Time a closing WebSocket client gets to answer the close frame: one round trip and then some.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// actix-http's own read buffer stops at 128 KiB (past it: an empty 431 of its own); half of it
/// leaves room for the bytes that follow a head.
const MAX_HEAD_LIMIT: u64 = 64 * 1024;

/// Default SQLite database: a file under ./data, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/scorecast.db";

/// scorecast: live match scores, stored durably and pushed to every subscriber.
#[derive(Debug, Clone, Parser)]
#[command(name = "scorecast", version, about, long_about = None)]
pub struct Settings {
    /// Without a subcommand, scorecast serves.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Address to listen on for HTTP and WebSocket (and the one `healthcheck` probes).
    #[arg(long, env = "SCORECAST_LISTEN", default_value = "127.0.0.1:8080", global = true)]
    pub listen: SocketAddr,

    /// Connections waiting to be accepted (the kernel caps it at net.core.somaxconn).
    #[arg(long, env = "SCORECAST_LISTEN_BACKLOG", default_value_t = 4096)]
    pub listen_backlog: u32,

    /// Database URL: `sqlite://PATH` (created if missing) or `postgres://USER:PASS@HOST/DB`.
    // hide_env_values: a Postgres URL holds a password, which --help would otherwise print.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,

    /// Admin API bearer tokens, comma-separated. Without any, a token is generated at first start,
    /// printed once, and kept (hashed) in the database for later starts.
    #[arg(
        long = "admin-token",
        env = "SCORECAST_ADMIN_TOKENS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub admin_tokens: Vec<String>,

    /// Replace the stored generated admin token by a new one and print it (when no token is configured).
    #[arg(long)]
    pub rotate_admin_token: bool,

    /// Largest accepted request head (request line and headers), in bytes, from 256 to 65536; a
    /// larger head is answered 431 and the connection closed as soon as it passes the limit.
    #[arg(long, env = "SCORECAST_MAX_HEADER_BYTES", default_value_t = 16 * 1024,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(256..=MAX_HEAD_LIMIT))]
    pub max_header_bytes: usize,

    /// Largest accepted request body, in bytes.
    #[arg(long, env = "SCORECAST_MAX_BODY_BYTES", default_value_t = 16 * 1024)]
    pub max_body_bytes: usize,

    /// Milliseconds a body refused with 413 is still read (and dropped) before the answer, so a
    /// client that writes its whole body before reading gets the 413, not a reset.
    #[arg(long, env = "SCORECAST_REFUSED_BODY_LINGER_MS", default_value_t = 1_000)]
    pub refused_body_linger_ms: u64,

    /// Bytes of a body refused with 413 read and dropped before the answer; past them (or the
    /// time) the answer is sent and the connection closed.
    #[arg(long, env = "SCORECAST_REFUSED_BODY_LINGER_BYTES", default_value_t = 1024 * 1024)]
    pub refused_body_linger_bytes: usize,

    /// Database connections in the pool.
    #[arg(long, env = "SCORECAST_DB_POOL_SIZE", default_value_t = 8)]
    pub db_pool_size: u32,

    /// How long a request waits for a database connection before answering 503, in milliseconds.
    #[arg(long, env = "SCORECAST_DB_ACQUIRE_TIMEOUT_MS", default_value_t = 5_000)]
    pub db_acquire_timeout_ms: u64,

    /// Events that may wait for the committer; beyond that, posts are refused with 503.
    #[arg(long, env = "SCORECAST_INGEST_QUEUE", default_value_t = 4_096)]
    pub ingest_queue: usize,

    /// Most events stored in one group commit.
    #[arg(long, env = "SCORECAST_COMMIT_BATCH", default_value_t = 256)]
    pub commit_batch: usize,

    /// How far back a `void` or `amend` may reach: the last this many events of a match (older:
    /// 409). A correction refolds the match's events inside the group commit, so this bounds its
    /// cost.
    #[arg(long, env = "SCORECAST_MAX_CORRECTION_DEPTH", default_value_t = 2_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_correction_depth: u64,

    /// How long Idempotency-Key answers are kept, in hours.
    #[arg(long, env = "SCORECAST_IDEMPOTENCY_HOURS", default_value_t = 24)]
    pub idempotency_hours: u64,

    /// HTTP worker threads (0: one per core).
    #[arg(long, env = "SCORECAST_WORKERS", default_value_t = 0)]
    pub workers: usize,

    /// Most simultaneous HTTP connections per worker.
    #[arg(long, env = "SCORECAST_MAX_HTTP_CONNECTIONS", default_value_t = 25_000)]
    pub max_http_connections: usize,

    /// Time a client has to send its request headers, in milliseconds.
    #[arg(long, env = "SCORECAST_REQUEST_TIMEOUT_MS", default_value_t = 5_000)]
    pub request_timeout_ms: u64,

    /// Time a client has to send a request's whole body once its handler starts reading it, in
    /// milliseconds (later: 408, and the connection is closed).
    #[arg(long, env = "SCORECAST_REQUEST_BODY_TIMEOUT_MS", default_value_t = 10_000)]
    pub request_body_timeout_ms: u64,

    /// Idle time after which a keep-alive HTTP connection is closed, in seconds.
    #[arg(long, env = "SCORECAST_KEEP_ALIVE_SECS", default_value_t = 30)]
    pub keep_alive_secs: u64,

    /// Time given to in-flight requests at shutdown, in seconds.
    #[arg(long, env = "SCORECAST_DRAIN_SECS", default_value_t = 10)]
    pub drain_secs: u64,

    /// Most subscriber connections (WebSocket and SSE) at once; more are refused with 503
    /// (before the upgrade, for WebSockets).
    #[arg(long, env = "SCORECAST_WS_MAX_CONNECTIONS", default_value_t = 100_000)]
    pub ws_max_connections: usize,

    /// Most subscriber connections (WebSocket and SSE) from one client address; more get 429
    /// (0: no limit; behind a load balancer, set --trusted-proxy first).
    #[arg(long, env = "SCORECAST_WS_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 0)]
    pub ws_max_connections_per_address: usize,

    /// New subscriber connections per second from one client address (also the burst allowed);
    /// more get 429 (0: no limit).
    #[arg(long, env = "SCORECAST_WS_CONNECTS_PER_ADDRESS_PER_SEC", default_value_t = 0)]
    pub ws_connects_per_address_per_sec: u32,

    /// Proxies (load balancers) whose X-Forwarded-For names the client, comma-separated IP
    /// addresses; from any other peer the header is ignored.
    #[arg(long = "trusted-proxy", env = "SCORECAST_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// Largest message a WebSocket client may send, in bytes: one frame, or all the fragments of
    /// one message together (larger: close 1009, refused at the frame header).
    #[arg(long, env = "SCORECAST_WS_MAX_FRAME_BYTES", default_value_t = 4096)]
    pub ws_max_frame_bytes: usize,

    /// Most frames one WebSocket message from a client may be fragmented into (more: close 1009).
    #[arg(long, env = "SCORECAST_WS_MAX_FRAGMENTS", default_value_t = 64)]
    pub ws_max_fragments: usize,

    /// Most matches one subscriber connection (WebSocket or SSE) may follow (`*` aside).
    #[arg(long, env = "SCORECAST_WS_MAX_SUBSCRIPTIONS", default_value_t = 200)]
    pub ws_max_subscriptions: usize,

    /// Most competitions one subscriber connection (WebSocket or SSE) may follow (`competitions=`);
    /// the matches they bring do not count against --ws-max-subscriptions.
    #[arg(long, env = "SCORECAST_WS_MAX_COMPETITIONS", default_value_t = 20)]
    pub ws_max_competitions: usize,

    /// Hours either side of now within which a match's kick-off brings it to `*` and competition
    /// subscribers (at connect, and when it is created or moved into a followed competition);
    /// matches in play are always brought. From 0 to 8784 (a year).
    #[arg(long, env = "SCORECAST_COMPETITION_WINDOW_HOURS", default_value_t = 24,
          value_parser = clap::value_parser!(u64).range(0..=8784))]
    pub competition_window_hours: u64,

    /// Unwritten bytes kept for a slow WebSocket or SSE client before its updates are conflated
    /// into the latest snapshot of each match.
    #[arg(long, env = "SCORECAST_WS_MAX_PENDING_BYTES", default_value_t = 64 * 1024)]
    pub ws_max_pending_bytes: usize,

    /// Seconds a WebSocket or SSE client may leave written data unread before it is closed (1013
    /// on a WebSocket, never sooner than --ws-heartbeat-timeout-secs after the ping that asked it
    /// for proof of reading; an SSE stream just ends).
    #[arg(long, env = "SCORECAST_WS_SLOW_CONSUMER_SECS", default_value_t = 30)]
    pub ws_slow_consumer_secs: u64,

    /// Seconds sent data may go unconfirmed before an update carries a ping asking a WebSocket for
    /// proof of reading (default: --ws-slow-consumer-secs less --ws-heartbeat-timeout-secs). With
    /// no update to carry it, the ping goes alone at --ws-slow-consumer-secs less half of
    /// --ws-heartbeat-timeout-secs. Both come earlier by each connection's share of
    /// --ws-receipt-spread-secs.
    #[arg(long, env = "SCORECAST_WS_RECEIPT_AFTER_SECS")]
    pub ws_receipt_after_secs: Option<u64>,

    /// Seconds over which proof of reading is spread: each WebSocket is asked up to this much
    /// earlier than --ws-receipt-after-secs says (its own share, from its id; at most that
    /// option's value), so subscribers sent the same update are not all asked along one update.
    /// 0 (the default): every connection at the same point; measured, a 10 s spread added
    /// pings and pongs inside fan-outs (CPU per delivery 1.11x at 18,000) and heartbeat bytes.
    #[arg(long, env = "SCORECAST_WS_RECEIPT_SPREAD_SECS", default_value_t = 0)]
    pub ws_receipt_spread_secs: u64,

    /// Seconds a WebSocket may be silent both ways (nothing sent, nothing heard) before the server
    /// pings it; a busy connection is never pinged for silence. Keep it below the idle timeout of
    /// every proxy between the server and its clients (nginx's proxy_read_timeout: 60 s). With no
    /// such proxy a longer one costs less at idle (a ping and its pong, 11-16 us of CPU each:
    /// about 0.3 cores for a million connections at 45 s), but a dead peer that was sent nothing
    /// is found later: by the ping's bytes, --ws-dead-peer-secs after it. From 1 to 3600.
    #[arg(long, env = "SCORECAST_WS_HEARTBEAT_SECS", default_value_t = 45,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub ws_heartbeat_secs: u64,

    /// `idle`: heartbeats only on connections silent both ways, proof of reading asked of busy
    /// WebSockets by a ping riding along an update. `client-silence`: the behaviour before (ping
    /// a WebSocket whose client sent nothing, an SSE comment every interval), for comparison.
    #[arg(long, env = "SCORECAST_WS_HEARTBEAT_POLICY", value_enum, default_value_t = HeartbeatPolicyArg::Idle)]
    pub ws_heartbeat_policy: HeartbeatPolicyArg,

    /// Seconds sent data may stay unacknowledged by a subscriber's kernel before the connection
    /// is dropped (TCP_USER_TIMEOUT): a dead peer, such as a pulled cable.
    #[arg(long, env = "SCORECAST_WS_DEAD_PEER_SECS", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub ws_dead_peer_secs: u64,

    /// Seconds a WebSocket client has to answer a ping before it is closed (1008; while data it
    /// was sent is unconfirmed, the slow-consumer deadline decides instead, 1013).
    #[arg(long, env = "SCORECAST_WS_HEARTBEAT_TIMEOUT_SECS", default_value_t = 10)]
    pub ws_heartbeat_timeout_secs: u64,

    /// Malformed WebSocket client messages tolerated (each answered with an error) before
    /// closing with 1008.
    #[arg(long, env = "SCORECAST_WS_MAX_MALFORMED", default_value_t = 3)]
    pub ws_max_malformed: u32,

    /// Origins allowed to open WebSockets and SSE streams and to read the API across origins
    /// (CORS), comma-separated (e.g. `https://scores.example`); empty allows every origin.
    #[arg(long = "ws-allowed-origin", env = "SCORECAST_WS_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub ws_allowed_origins: Vec<String>,

    /// Updates waiting for one worker thread before its WebSocket and SSE clients skip to the
    /// latest snapshots.
    #[arg(long, env = "SCORECAST_WS_WORKER_QUEUE", default_value_t = 65_536)]
    pub ws_worker_queue: usize,

    /// Kernel send buffer of each WebSocket and SSE socket, in bytes (0: the kernel's default).
    #[arg(long, env = "SCORECAST_WS_SEND_BUFFER_BYTES", default_value_t = 0)]
    pub ws_send_buffer_bytes: usize,

    /// Seconds an SSE stream may be silent before it gets a comment line that keeps it (and
    /// proxies) open; streams with updates get none. A stream whose client closed its end is
    /// dropped then instead. Below 60, as for WebSockets.
    #[arg(long, env = "SCORECAST_SSE_HEARTBEAT_SECS", default_value_t = 45,
          value_parser = clap::value_parser!(u64).range(1..60))]
    pub sse_heartbeat_secs: u64,

    /// Most missed events a resuming client is sent; further behind, it gets a fresh snapshot
    /// marked as not recovered.
    #[arg(long, env = "SCORECAST_HISTORY_WINDOW_EVENTS", default_value_t = 1_000)]
    pub history_window_events: i64,

    /// Oldest missed event, in seconds, a resuming client is sent (older: not recovered).
    #[arg(long, env = "SCORECAST_HISTORY_WINDOW_SECS", default_value_t = 6 * 3600)]
    pub history_window_secs: u64,

    /// How many watch each match, and its bounds.
    #[command(flatten)]
    pub watching: watching::WatchingArgs,

    /// What a node keeps in memory.
    #[command(flatten)]
    pub memory: memory::MemoryArgs,

    /// Several nodes, one audience (NATS).
    #[command(flatten)]
    pub cluster: ClusterArgs,

    /// TLS on the listener.
    #[command(flatten)]
    pub tls: TlsArgs,

    /// Log format: `text` for people, `json` for log collectors.
    #[arg(long, env = "SCORECAST_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Log filter, in `tracing` env-filter syntax (e.g. `info,scorecast=debug`).
    #[arg(long, env = "RUST_LOG", default_value = "info")]
    pub log_filter: String,
}

/// What scorecast does instead of serving.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Ask the server at --listen whether it is ready (GET /readyz; on loopback when it listens on
    /// every interface). Exits 0 on 200, 1 otherwise, with a one-line reason. For container health
    /// checks, which have no curl.
    Healthcheck {
        /// Time allowed for the whole probe, in milliseconds.
        #[arg(long, default_value_t = 3_000)]
        timeout_ms: u64,
    },
}

/// `--ws-heartbeat-policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HeartbeatPolicyArg {
    Idle,
    ClientSilence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Settings {
    /// Settings for a server on `database_url` with every other value at its default.
    pub fn with_database(database_url: &str) -> Self {
        let mut settings = Self::parse_from(["scorecast"]);
        settings.database_url = database_url.to_owned();
        settings
    }

    pub fn hub(&self) -> HubSettings {
        HubSettings {
            max_connections: self.ws_max_connections,
            per_address: AddressLimits {
                max_connections: self.ws_max_connections_per_address,
                connects_per_sec: self.ws_connects_per_address_per_sec,
            },
            worker_queue: self.ws_worker_queue,
            send_buffer_bytes: self.ws_send_buffer_bytes,
            limits: Limits {
                max_frame_bytes: self.ws_max_frame_bytes,
                max_fragments: self.ws_max_fragments,
                max_subscriptions: self.ws_max_subscriptions,
                max_competitions: self.ws_max_competitions,
                max_pending_bytes: self.ws_max_pending_bytes,
                heartbeat_interval: Duration::from_secs(self.ws_heartbeat_secs),
                heartbeat_policy: match self.ws_heartbeat_policy {
                    HeartbeatPolicyArg::Idle => HeartbeatPolicy::Idle,
                    HeartbeatPolicyArg::ClientSilence => HeartbeatPolicy::ClientSilence,
                },
                dead_peer_timeout: Duration::from_secs(self.ws_dead_peer_secs),
                heartbeat_timeout: Duration::from_secs(self.ws_heartbeat_timeout_secs),
                slow_consumer_timeout: Duration::from_secs(self.ws_slow_consumer_secs),
                receipt_after: Duration::from_secs(self.ws_receipt_after_secs.unwrap_or(
                    self.ws_slow_consumer_secs.saturating_sub(self.ws_heartbeat_timeout_secs),
                )),
                receipt_spread: Duration::from_secs(self.ws_receipt_spread_secs),
                max_malformed: self.ws_max_malformed,
                close_grace: CLOSE_GRACE,
                sse_heartbeat: Duration::from_secs(self.sse_heartbeat_secs),
            },
            window: Window::hours(self.competition_window_hours),
            history: HistoryWindow {
                events: self.history_window_events,
                age: Duration::from_secs(self.history_window_secs),
            },
            reorder: Duration::from_millis(self.cluster.nats_reorder_ms),
            max_held: self.cluster.nats_max_held,
            watching: self.watching.settings(),
        }
    }

    /// What this node keeps in memory.
    pub fn hot_set(&self) -> crate::catalog::HotSet {
        self.memory.hot_set(self.competition_window_hours)
    }

    /// How long the places in the change sequence are kept.
    pub fn change_log_retention(&self) -> std::time::Duration {
        self.memory.change_log_retention(&self.hot_set())
    }

    pub fn database(&self) -> DatabaseSettings {
        DatabaseSettings {
            url: self.database_url.clone(),
            max_connections: self.db_pool_size.max(2),
            acquire_timeout: Duration::from_millis(self.db_acquire_timeout_ms),
        }
    }
}

#[cfg(test)]
mod tests;
