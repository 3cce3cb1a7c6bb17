//! The node the operator posts to. In production it is a machine of its own behind the admin
//! API's address, serving no subscriber, so the audience's fan-out never holds up a POST's answer
//! (issue 26: the operator is never kept waiting). Here it shares the two cores with the fan-out
//! nodes and the clients, so it, and Postgres whose commit every POST waits for, run some nice
//! levels above the fan-out nodes: the head start a machine of their own would give them. Events
//! reach the fan-out nodes over NATS, as from any node.

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::common::scorecast::{metric_sums, Scorecast};
use crate::priority;

/// Events a node committed, summed over kinds.
const INGESTED: &str = "scorecast_events_ingested_total";
/// WebSocket messages a node sent.
const WS_SENT: &str = "scorecast_ws_messages_sent_total";

/// What the ingest node did in a phase, read from the nodes' metrics before they stop.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IngestReport {
    /// Nice levels the ingest node and Postgres ran above the fan-out nodes.
    pub priority: i32,
    /// Events the ingest node committed, and the fan-out nodes (0: every POST went to the ingest
    /// node).
    pub ingest_node_events: f64,
    pub fanout_node_events: f64,
    /// WebSocket messages the ingest node sent (0: no subscriber reached it).
    pub ingest_node_ws_messages: f64,
}

/// Starts the phase's nodes: with `priority`, an ingest node first (it applies the migrations)
/// raised by that many nice levels, then `nodes` fan-out nodes; without, `nodes` nodes whose
/// first takes the POSTs and subscribers like the rest.
pub async fn spawn(
    binary: &Path,
    args: &[String],
    database: &str,
    nodes: usize,
    priority: Option<i32>,
) -> anyhow::Result<Scorecast> {
    let Some(levels) = priority else {
        return Scorecast::spawn(binary, args, Some(database), nodes).await;
    };
    let ingest = Scorecast::spawn(binary, args, Some(database), 1)
        .await
        .context("starting the ingest node")?;
    let raised = ingest.pids.iter().try_for_each(|&pid| priority::raise(pid, levels));
    let fanout = match raised {
        Ok(()) => Scorecast::spawn(binary, args, Some(database), nodes).await,
        Err(e) => Err(e),
    };
    match fanout {
        Ok(fanout) => Ok(Scorecast::beside_ingest(ingest, fanout)),
        Err(e) => {
            if let Err(stop) = ingest.stop().await {
                tracing::warn!("stopping the ingest node: {stop:#}");
            }
            Err(e)
        }
    }
}

/// The ingest node's share of the phase's work, from the nodes' metrics (`None` without one).
pub async fn report(
    http: &reqwest::Client,
    scorecast: &Scorecast,
    priority: Option<i32>,
) -> Option<IngestReport> {
    let priority = priority?;
    let wanted = |name: &str| name.starts_with(INGESTED) || name == WS_SENT;
    // `+ 0.0`: an empty sum is -0.0.
    let total = |sums: &std::collections::BTreeMap<String, f64>, prefix: &str| {
        sums.iter().filter(|(name, _)| name.starts_with(prefix)).map(|(_, v)| v).sum::<f64>() + 0.0
    };
    let ingest = metric_sums(http, std::slice::from_ref(&scorecast.url), wanted).await;
    let fanout = metric_sums(http, &scorecast.nodes, wanted).await;
    Some(IngestReport {
        priority,
        ingest_node_events: total(&ingest, INGESTED),
        fanout_node_events: total(&fanout, INGESTED),
        ingest_node_ws_messages: total(&ingest, WS_SENT),
    })
}
