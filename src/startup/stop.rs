//! Stopping what the HTTP server leaves behind: queued events, background tasks, the cluster
//! link and the database.

use anyhow::Context;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::cluster::Cluster;
use crate::store::Store;

/// What is left to stop once the HTTP server has.
pub(super) struct Stopped {
    pub(super) shutdown: CancellationToken,
    pub(super) tasks: Vec<JoinHandle<()>>,
    pub(super) cluster: Option<Cluster>,
    pub(super) store: Store,
}

impl Stopped {
    /// Stores every queued event, publishes it to the other nodes, stops background tasks, and
    /// closes the database.
    pub(super) async fn finish(self, server: std::io::Result<()>) -> anyhow::Result<()> {
        self.shutdown.cancel();
        for task in self.tasks {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "background task ended abnormally");
            }
        }
        // After the committer: its last events are queued for publishing by now.
        if let Some(cluster) = self.cluster {
            cluster.finish().await;
        }
        self.store.close().await;
        tracing::info!("stopped");
        server.context("HTTP server failed")
    }
}
