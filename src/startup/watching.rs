//! The background task that counts the audience once an interval: the report to the other nodes,
//! and the news to this node's followers (`watching/`).

use std::sync::Arc;

use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::cluster::Peers;
use crate::hub::Hub;

pub(super) fn spawn_watching(
    hub: Arc<Hub>,
    peers: Peers,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        // The first tick is at once: the others learn of this node, and it of them, at its start.
        let mut every = tokio::time::interval(hub.watching().settings().interval);
        every.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                () = shutdown.cancelled() => {
                    // Published before the cluster link flushes and closes (`Stopped::finish`).
                    peers.watching(&hub.watching().farewell());
                    return;
                }
            }
            let tick = hub.watching().tick(Instant::now());
            hub.tell_watching(&tick.news);
            peers.watching(&tick.report);
        }
    })
}
