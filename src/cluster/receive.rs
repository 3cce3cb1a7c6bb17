//! Applying what other nodes published: events go through the hub's sequencer like this node's
//! own commits; matches created or changed elsewhere go into the catalog.

use std::sync::Arc;

use futures_util::StreamExt;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::message::{Codec, Incoming};
use super::Linked;
use crate::catalog::Catalog;
use crate::hub::Hub;
use crate::metrics::Metrics;

pub(super) async fn run(
    mut subscriber: async_nats::Subscriber,
    codec: Arc<Codec>,
    hub: Arc<Hub>,
    catalog: Arc<Catalog>,
    metrics: Arc<Metrics>,
    stop: CancellationToken,
) {
    loop {
        let message = tokio::select! {
            message = subscriber.next() => message,
            () = stop.cancelled() => return,
        };
        let Some(message) = message else {
            tracing::error!(
                "the NATS subscription ended; only the periodic check keeps this node in step"
            );
            return;
        };
        match codec.decode(message.subject.as_str(), &message.payload) {
            Ok(Incoming::Own) => {}
            Ok(Incoming::Event(update)) => {
                metrics.cluster.nats_received.with_label_values(&["event"]).inc();
                hub.deliver(update);
            }
            Ok(Incoming::Match(record)) => {
                metrics.cluster.nats_received.with_label_values(&["match"]).inc();
                let before = catalog.snapshots().get(record.meta.id);
                hub.introduce(before.as_deref(), &catalog.learned(record));
            }
            Ok(Incoming::Watching(heard)) => {
                metrics.cluster.nats_received.with_label_values(&["watching"]).inc();
                hub.watching().heard(heard, tokio::time::Instant::now());
            }
            Err(ignored) => {
                metrics.cluster.nats_ignored.with_label_values(&[ignored.reason()]).inc();
                tracing::debug!(subject = %message.subject, %ignored, "NATS message ignored");
            }
        }
    }
}

/// Counts an event of the NATS link; after one that may have lost messages (a disconnect, or
/// messages dropped for a slow consumer), the check runs at once.
pub(super) fn link_event(
    event: async_nats::Event,
    metrics: &Metrics,
    trouble: &Notify,
    linked: &Linked,
) {
    let cluster = &metrics.cluster;
    let label = match &event {
        async_nats::Event::Connected => {
            cluster.nats_connected.set(1);
            linked.connected();
            tracing::info!("connected to NATS");
            // Whatever was published while this node was away is read from the database.
            trouble.notify_one();
            "connected"
        }
        async_nats::Event::Disconnected => {
            cluster.nats_connected.set(0);
            tracing::warn!("disconnected from NATS; reconnecting (the periodic check keeps this node in step meanwhile)");
            "disconnected"
        }
        async_nats::Event::SlowConsumer(_) => {
            tracing::warn!(
                "NATS dropped messages for this node (slow consumer); repairing from the database"
            );
            trouble.notify_one();
            "slow_consumer"
        }
        async_nats::Event::ServerError(_) | async_nats::Event::ClientError(_) => {
            // Wrong credentials show up here, again at every reconnect attempt.
            tracing::warn!(%event, "NATS link error");
            "error"
        }
        other => {
            tracing::info!(event = %other, "NATS link event");
            "other"
        }
    };
    cluster.nats_connection_events.with_label_values(&[label]).inc();
}
