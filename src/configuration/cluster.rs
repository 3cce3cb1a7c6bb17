//! Flags of a node that shares its audience with other nodes over NATS.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::catalog::MissCache;
use crate::cluster::{ClusterSettings, Credentials, NatsTls};

#[derive(Debug, Clone, Args)]
pub struct ClusterArgs {
    /// NATS servers, comma-separated (e.g. `nats://127.0.0.1:4222`): with them, this node shares
    /// its subscribers' updates with every other node on the same NATS and Postgres database.
    /// Without, it serves alone.
    #[arg(long, env = "SCORECAST_NATS_URL", value_delimiter = ',', hide_env_values = true)]
    pub nats_url: Vec<String>,

    /// First token of every NATS subject scorecast uses; nodes of one cluster share it.
    #[arg(long, env = "SCORECAST_NATS_SUBJECT_PREFIX", default_value = "scorecast")]
    pub nats_subject_prefix: String,

    /// NATS user (with --nats-password).
    #[arg(long, env = "SCORECAST_NATS_USER")]
    pub nats_user: Option<String>,

    /// NATS password (with --nats-user).
    #[arg(long, env = "SCORECAST_NATS_PASSWORD", hide_env_values = true)]
    pub nats_password: Option<String>,

    /// NATS authentication token.
    #[arg(long, env = "SCORECAST_NATS_TOKEN", hide_env_values = true)]
    pub nats_token: Option<String>,

    /// NATS credentials file (`.creds`: a user JWT and NKey seed).
    #[arg(long, env = "SCORECAST_NATS_CREDENTIALS", hide_env_values = true)]
    pub nats_credentials: Option<PathBuf>,

    /// How long an update that arrived before an earlier one of its match waits for it, in
    /// milliseconds; then the gap is read from the database.
    #[arg(long, env = "SCORECAST_NATS_REORDER_MS", default_value_t = 100)]
    pub nats_reorder_ms: u64,

    /// Seconds between two reads of what changed in the database (which repair what a lost
    /// NATS message left behind). Each reads only the matches changed since the one before.
    #[arg(long, env = "SCORECAST_NATS_CHECK_SECS", default_value_t = 5)]
    pub nats_check_secs: u64,

    /// Seconds a check waits for a place in the change sequence it has not seen (a transaction
    /// that took it may not have committed yet) before going past it. Longer than any write
    /// transaction; meanwhile the changes after it are read again by every check.
    #[arg(long, env = "SCORECAST_NATS_CHECK_SETTLE_SECS", default_value_t = 30)]
    pub nats_check_settle_secs: u64,

    /// Messages waiting to be published to NATS; more are dropped (and repaired by the check).
    #[arg(long, env = "SCORECAST_NATS_PUBLISH_QUEUE", default_value_t = 65_536)]
    pub nats_publish_queue: usize,

    /// Messages from NATS waiting to be applied; beyond that NATS drops them (slow consumer) and
    /// the node repairs from the database.
    #[arg(long, env = "SCORECAST_NATS_RECEIVE_QUEUE", default_value_t = 65_536)]
    pub nats_receive_queue: usize,

    /// Milliseconds a stopping node waits for NATS to take its last messages.
    #[arg(long, env = "SCORECAST_NATS_FLUSH_TIMEOUT_MS", default_value_t = 5_000)]
    pub nats_flush_timeout_ms: u64,

    /// Milliseconds one attempt to connect to a NATS server may take, at start (where credentials
    /// NATS refuses stop the start, and an unreachable NATS leaves the node unready until it
    /// connects) and at every reconnect.
    #[arg(long, env = "SCORECAST_NATS_CONNECT_TIMEOUT_MS", default_value_t = 5_000)]
    pub nats_connect_timeout_ms: u64,

    /// Updates held per match while waiting for an earlier one; later ones are read back from
    /// the database.
    #[arg(long, env = "SCORECAST_NATS_MAX_HELD", default_value_t = 4_096)]
    pub nats_max_held: usize,

    /// Unknown match ids remembered as missing (each looked up in the database once per
    /// --lookup-miss-ttl-ms), on a clustered node.
    #[arg(long, env = "SCORECAST_LOOKUP_MISS_CACHE", default_value_t = 10_000)]
    pub lookup_miss_cache: usize,

    /// PEM certificates of the authorities that sign the NATS servers' certificates, instead of
    /// the system's; TLS to NATS is then required (as with `tls://` URLs).
    #[arg(long, env = "SCORECAST_NATS_TLS_CA")]
    pub nats_tls_ca: Option<PathBuf>,

    /// PEM certificate this node presents to NATS (servers with `verify: true`), with
    /// --nats-tls-key.
    #[arg(long, env = "SCORECAST_NATS_TLS_CERT", requires = "nats_tls_key")]
    pub nats_tls_cert: Option<PathBuf>,

    /// PEM private key of --nats-tls-cert.
    #[arg(
        long,
        env = "SCORECAST_NATS_TLS_KEY",
        requires = "nats_tls_cert",
        hide_env_values = true
    )]
    pub nats_tls_key: Option<PathBuf>,

    /// Milliseconds an unknown match id is remembered as missing.
    #[arg(long, env = "SCORECAST_LOOKUP_MISS_TTL_MS", default_value_t = 1_000)]
    pub lookup_miss_ttl_ms: u64,
}

impl ClusterArgs {
    /// The cluster this node joins, if any; an error names what is wrong with the flags.
    pub fn settings(&self) -> Result<Option<ClusterSettings>, String> {
        if self.nats_url.is_empty() {
            return Ok(None);
        }
        let credentials = match (
            &self.nats_user,
            &self.nats_password,
            &self.nats_token,
            &self.nats_credentials,
        ) {
            (None, None, None, None) => Credentials::None,
            (Some(user), Some(password), None, None) => {
                Credentials::UserPassword(user.clone(), password.clone())
            }
            (None, None, Some(token), None) => Credentials::Token(token.clone()),
            (None, None, None, Some(path)) => Credentials::File(path.clone()),
            (Some(_), None, _, _) | (None, Some(_), _, _) => {
                return Err("--nats-user and --nats-password go together".into())
            }
            _ => {
                return Err("give one kind of NATS credentials: user and password, a token, \
                            or a credentials file"
                    .into())
            }
        };
        Ok(Some(ClusterSettings {
            servers: self.nats_url.clone(),
            subject_prefix: self.nats_subject_prefix.clone(),
            credentials,
            check_interval: Duration::from_secs(self.nats_check_secs.max(1)),
            check_settle: Duration::from_secs(self.nats_check_settle_secs),
            publish_queue: self.nats_publish_queue,
            receive_queue: self.nats_receive_queue,
            flush_timeout: Duration::from_millis(self.nats_flush_timeout_ms),
            connect_timeout: Duration::from_millis(self.nats_connect_timeout_ms.max(1)),
            tls: NatsTls {
                ca: self.nats_tls_ca.clone(),
                client: self.nats_tls_cert.clone().zip(self.nats_tls_key.clone()),
            },
        }))
    }

    pub fn miss_cache(&self) -> MissCache {
        MissCache {
            capacity: self.lookup_miss_cache,
            ttl: Duration::from_millis(self.lookup_miss_ttl_ms),
        }
    }
}
