//! Several nodes, one audience: fan-out of committed updates between scorecast nodes over NATS.
//!
//! The database stays the only log. Each node publishes what it committed, once, after the
//! commit; every node applies what others published through its hub's per-match sequencer, the
//! same path as its own commits. Core NATS is at-most-once, so nothing relies on a message
//! arriving: a gap in a match is read back from the database, and a periodic check compares every
//! match with the database, which also covers a publish that never arrived at all.
//!
//! - `message`: subjects and message formats (versioned)
//! - `publish`: the bounded queue from the committer and routes to NATS
//! - `receive`: applying other nodes' messages
//! - `check`: the periodic comparison with the database, and repairs after NATS trouble

mod check;
mod link;
mod mark;
mod message;
mod publish;
mod receive;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use link::Linked;
pub use message::VERSION;
pub use publish::Peers;

use publish::Publisher;

use crate::catalog::Catalog;
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::store::Store;

/// How the node reaches NATS and keeps in step with the other nodes.
#[derive(Debug, Clone)]
pub struct ClusterSettings {
    /// NATS servers, e.g. `nats://127.0.0.1:4222`.
    pub servers: Vec<String>,
    pub subject_prefix: String,
    pub credentials: Credentials,
    /// How often the matches changed in the database are compared with this node's.
    pub check_interval: Duration,
    /// How long the check waits for a place in the change sequence it has not seen.
    pub check_settle: Duration,
    /// Messages waiting to be published; beyond that they are dropped (and the check repairs).
    pub publish_queue: usize,
    /// Messages from NATS waiting to be applied before NATS reports this node a slow consumer.
    pub receive_queue: usize,
    /// How long a stopping node waits for NATS to take its last messages.
    pub flush_timeout: Duration,
    /// How long one attempt to connect to a NATS server may take.
    pub connect_timeout: Duration,
    pub tls: NatsTls,
}

/// TLS to NATS beyond what a `tls://` URL asks for: whom to trust, and who this node is.
#[derive(Debug, Clone, Default)]
pub struct NatsTls {
    /// PEM certificates of the authorities that sign the NATS servers' certificates (instead of
    /// the system's).
    pub ca: Option<PathBuf>,
    /// PEM certificate and key this node presents (servers with `verify: true`).
    pub client: Option<(PathBuf, PathBuf)>,
}

impl NatsTls {
    fn is_set(&self) -> bool {
        self.ca.is_some() || self.client.is_some()
    }

    /// Reads the files now: async-nats reads them only while connecting, in the background,
    /// where a typo would never stop the start.
    fn check(&self) -> anyhow::Result<()> {
        use rustls_pki_types::pem::PemObject;
        use rustls_pki_types::{CertificateDer, PrivateKeyDer};
        let certificates = |path: &PathBuf| -> anyhow::Result<()> {
            let found = CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .with_context(|| format!("reading the PEM certificates in {}", path.display()))?;
            anyhow::ensure!(!found.is_empty(), "no PEM CERTIFICATE in {}", path.display());
            Ok(())
        };
        if let Some(ca) = &self.ca {
            certificates(ca).context("--nats-tls-ca")?;
        }
        if let Some((cert, key)) = &self.client {
            certificates(cert).context("--nats-tls-cert")?;
            PrivateKeyDer::from_pem_file(key)
                .with_context(|| format!("reading the PEM private key in {}", key.display()))
                .context("--nats-tls-key")?;
        }
        Ok(())
    }
}

/// NATS credentials; never printed.
#[derive(Clone, Default)]
pub enum Credentials {
    #[default]
    None,
    UserPassword(String, String),
    Token(String),
    /// A `.creds` file (JWT and NKey seed).
    File(PathBuf),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::None => "None",
            Self::UserPassword(..) => "UserPassword(***)",
            Self::Token(_) => "Token(***)",
            Self::File(_) => "File(***)",
        })
    }
}

/// A node's link to NATS, subscribed but not yet applying: made before the snapshots load, so
/// that nothing committed meanwhile is missed (what arrives early waits in the subscription).
pub struct Joined {
    settings: ClusterSettings,
    client: async_nats::Client,
    subscriber: async_nats::Subscriber,
    codec: message::Codec,
    /// Raised by NATS link events after which messages may have been lost.
    trouble: Arc<Notify>,
    linked: Linked,
}

/// Connects to NATS and subscribes. Connecting goes on in the background if NATS is not up yet:
/// the node serves meanwhile and keeps in step through the periodic check.
pub async fn join(settings: ClusterSettings, metrics: Arc<Metrics>) -> anyhow::Result<Joined> {
    let node = node_name();
    let trouble = Arc::new(Notify::new());
    let servers: Vec<async_nats::ServerAddr> = settings
        .servers
        .iter()
        .map(|s| s.parse().with_context(|| format!("NATS server address {:?}", redact(s))))
        .collect::<anyhow::Result<_>>()?;
    link::try_once(&settings, &servers).await?;
    let linked = Linked::default();
    let events = (metrics.clone(), trouble.clone(), linked.clone());
    let options = link::login(&settings)
        .await?
        .name(format!("scorecast {node}"))
        .retry_on_initial_connect()
        .subscription_capacity(settings.receive_queue.max(1))
        .event_callback(move |event| {
            let (metrics, trouble, linked) = events.clone();
            async move { receive::link_event(event, &metrics, &trouble, &linked) }
        });
    let client = options.connect(servers).await.context("connecting to NATS")?;
    let codec = message::Codec::new(&settings.subject_prefix, &node);
    let subscriber = client.subscribe(codec.wildcard()).await.context("subscribing to NATS")?;
    tracing::info!(node = %node, servers = ?settings.servers.iter().map(|s| redact(s)).collect::<Vec<_>>(), prefix = %settings.subject_prefix, version = VERSION, "joined the cluster");
    Ok(Joined { settings, client, subscriber, codec, trouble, linked })
}

/// A running cluster link: its publisher and background tasks.
pub struct Cluster {
    publisher: Publisher,
    linked: Linked,
    publishing: JoinHandle<()>,
    tasks: Vec<JoinHandle<()>>,
    stop: CancellationToken,
    stop_publishing: CancellationToken,
}

impl Joined {
    /// Starts applying other nodes' messages, checking against the database (from `last_change`,
    /// the place in the change sequence read before the hot set was loaded), and publishing.
    pub fn start(
        self,
        hub: Arc<Hub>,
        catalog: Arc<Catalog>,
        store: Store,
        metrics: Arc<Metrics>,
        last_change: i64,
    ) -> Cluster {
        let Joined { settings, client, subscriber, codec, trouble, linked } = self;
        let codec = Arc::new(codec);
        let stop = CancellationToken::new();
        let stop_publishing = CancellationToken::new();
        let (publisher, publishing) = publish::spawn(
            client,
            codec.clone(),
            metrics.clone(),
            settings.publish_queue,
            settings.flush_timeout,
            stop_publishing.clone(),
        );
        let receiving = tokio::spawn(receive::run(
            subscriber,
            codec,
            hub.clone(),
            catalog.clone(),
            metrics.clone(),
            stop.clone(),
        ));
        let mark = mark::Mark::new(last_change, settings.check_settle);
        let checker = check::Checker { hub, catalog, store, metrics, mark };
        let checking = tokio::spawn(checker.run(settings.check_interval, trouble, stop.clone()));
        Cluster {
            publisher,
            linked,
            publishing,
            tasks: vec![receiving, checking],
            stop,
            stop_publishing,
        }
    }
}

impl Cluster {
    /// The handle through which this node tells the others what it committed.
    pub fn peers(&self) -> Peers {
        Peers::of(self.publisher.clone(), self.linked.clone())
    }

    /// Stops applying and checking, then publishes what is still queued and flushes it to NATS.
    /// Call after the committer has stored and published its last events.
    pub async fn finish(self) {
        self.stop.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
        self.stop_publishing.cancel();
        let _ = self.publishing.await;
    }
}

/// A name for this node in logs and messages: the host name and a random suffix (two nodes on
/// one host, or a restarted node, never share one).
fn node_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    let host = host.trim();
    let suffix: u32 = rand::random();
    if host.is_empty() {
        format!("{suffix:08x}")
    } else {
        format!("{host}-{suffix:08x}")
    }
}

/// A NATS URL without its password or token, for logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}
