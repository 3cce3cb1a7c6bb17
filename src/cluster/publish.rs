//! Publishing to the other nodes: a bounded queue between the committer (and the match routes)
//! and NATS, so that a slow or absent NATS never holds a commit up. A full queue drops the
//! message and counts it; the other nodes then repair from the database within a check interval.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::message::Codec;
use super::Linked;
use crate::hub::Committed;
use crate::metrics::Metrics;
use crate::store::MatchRecord;
use crate::watching::Report;

/// Messages published between two checks of the queue for more: bounds the time a stopping
/// publisher takes to notice.
const PUBLISH_BATCH: usize = 256;

/// The other nodes, as this node tells them what it committed: nobody on a single node.
#[derive(Clone, Default)]
pub struct Peers {
    publisher: Option<Publisher>,
    linked: Option<Linked>,
}

impl Peers {
    /// A single node's: nobody to tell.
    pub fn none() -> Self {
        Self::default()
    }

    pub(super) fn of(publisher: Publisher, linked: Linked) -> Self {
        Self { publisher: Some(publisher), linked: Some(linked) }
    }

    /// Whether this node can hear from the others: always on a single node; on a node of a
    /// cluster, once its link to NATS has been up (later outages are bridged by the check).
    pub fn reachable(&self) -> bool {
        self.linked.as_ref().is_none_or(Linked::has_connected)
    }

    /// Publishes an event this node committed.
    pub fn event(&self, update: &Committed) {
        if let Some(publisher) = &self.publisher {
            publisher.event(update);
        }
    }

    /// Publishes a match this node created or changed.
    pub fn match_changed(&self, record: &MatchRecord) {
        if let Some(publisher) = &self.publisher {
            publisher.match_changed(record);
        }
    }

    /// Publishes this node's counts of watchers.
    pub fn watching(&self, report: &Report) {
        if let Some(publisher) = &self.publisher {
            let (subject, payload) = publisher.codec.watching(report);
            publisher.send(subject, payload, "watching");
        }
    }
}

/// Hands committed updates and match changes to the publishing task; cheap to clone.
#[derive(Clone)]
pub(super) struct Publisher {
    queue: mpsc::Sender<(String, Bytes, &'static str)>,
    codec: Arc<Codec>,
    metrics: Arc<Metrics>,
}

impl Publisher {
    fn event(&self, update: &Committed) {
        let (subject, payload) = self.codec.event(update);
        self.send(subject, payload, "event");
    }

    fn match_changed(&self, record: &MatchRecord) {
        let (subject, payload) = self.codec.match_changed(record);
        self.send(subject, payload, "match");
    }

    fn send(&self, subject: String, payload: Bytes, kind: &'static str) {
        if self.queue.try_send((subject, payload, kind)).is_err() {
            self.metrics.cluster.nats_publish_dropped.inc();
        }
    }
}

/// Starts the publishing task. It ends when `stop` fires, after publishing what is queued and
/// flushing it to NATS (at most `flush_timeout`).
pub(super) fn spawn(
    client: async_nats::Client,
    codec: Arc<Codec>,
    metrics: Arc<Metrics>,
    depth: usize,
    flush_timeout: Duration,
    stop: CancellationToken,
) -> (Publisher, JoinHandle<()>) {
    let (queue, rx) = mpsc::channel(depth.max(1));
    let task = tokio::spawn(run(client, rx, metrics.clone(), flush_timeout, stop));
    (Publisher { queue, codec, metrics }, task)
}

async fn run(
    client: async_nats::Client,
    mut rx: mpsc::Receiver<(String, Bytes, &'static str)>,
    metrics: Arc<Metrics>,
    flush_timeout: Duration,
    stop: CancellationToken,
) {
    let mut batch = Vec::with_capacity(PUBLISH_BATCH);
    loop {
        let received = tokio::select! {
            n = rx.recv_many(&mut batch, PUBLISH_BATCH) => n,
            () = stop.cancelled() => break,
        };
        if received == 0 {
            break;
        }
        publish(&client, batch.drain(..), &metrics).await;
    }
    // Stopping: whatever is still queued goes out, then NATS is asked to take it all.
    rx.close();
    let finishing = async {
        while rx.recv_many(&mut batch, PUBLISH_BATCH).await > 0 {
            publish(&client, batch.drain(..), &metrics).await;
        }
        client.flush().await
    };
    match tokio::time::timeout(flush_timeout, finishing).await {
        Ok(Ok(())) => tracing::info!("published every pending update to NATS"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "could not flush the last updates to NATS; other nodes repair from the database")
        }
        Err(_) => {
            tracing::warn!(timeout = ?flush_timeout, "NATS did not take the last updates in time; other nodes repair from the database")
        }
    }
}

async fn publish(
    client: &async_nats::Client,
    messages: impl Iterator<Item = (String, Bytes, &'static str)>,
    metrics: &Metrics,
) {
    for (subject, payload, kind) in messages {
        match client.publish(subject, payload).await {
            Ok(()) => metrics.cluster.nats_published.with_label_values(&[kind]).inc(),
            Err(e) => {
                metrics.cluster.nats_publish_dropped.inc();
                tracing::debug!(error = %e, "publish to NATS failed");
            }
        }
    }
}
