//! What a fan-out measures: a scorecast deployment (one or more nodes sharing a database) or the
//! floor. Each sets up one match its clients follow, and posts its events.

use std::collections::BTreeMap;

use anyhow::Context;
use reqwest::Url;
use serde_json::json;

use super::load::LoadConfig;
use super::worker::protocol::WsTarget;
use crate::clock::now_ns;
use crate::common::scorecast::{loopback_addr, metric_sums, Scorecast};
use crate::common::sport::Sport;

pub enum Target<'a> {
    Scorecast(&'a Scorecast),
    /// One or more floor processes (one holds at most ~20,000 sockets); each event is published
    /// to all of them at once.
    Floor {
        urls: Vec<Url>,
        pids: Vec<u32>,
    },
}

/// The match the clients follow, and where they connect.
pub struct Prepared {
    pub match_id: i64,
    /// Sequence number of the match before the first posted event (every client's snapshot).
    pub first_seq: i64,
    pub ws: Vec<WsTarget>,
}

/// One posted event.
pub struct Posted {
    /// Just before the request was sent, on the shared clock.
    pub start_ns: u64,
    /// Until the answer arrived.
    pub post_ns: u64,
    pub status: u16,
    /// The sequence number the server gave the event.
    pub seq: Option<i64>,
    /// From `start_ns` until every connected client had the update (as its worker told).
    pub complete_ns: Option<u64>,
    /// The server's CPU time over that same window (precise, from `schedstat`).
    pub busy_cpu_ns: Option<u64>,
}

impl Target<'_> {
    pub fn name(&self) -> &'static str {
        match self {
            Target::Scorecast(_) => "scorecast",
            Target::Floor { .. } => "floor",
        }
    }

    /// The local server processes whose memory and CPU are measured (summed), if known: one, or
    /// every node of a cluster this tool started.
    pub fn pids(&self) -> Vec<u32> {
        match self {
            Target::Scorecast(server) => server.pids.clone(),
            Target::Floor { pids, .. } => pids.clone(),
        }
    }

    fn urls(&self) -> Vec<&Url> {
        match self {
            Target::Scorecast(server) => server.nodes.iter().collect(),
            Target::Floor { urls, .. } => urls.iter().collect(),
        }
    }

    /// The sport of the match a run with `load` follows: the floor's is a football goal.
    pub fn sport(&self, load: &LoadConfig) -> Sport {
        match self {
            Target::Scorecast(_) => load.sport,
            Target::Floor { .. } => Sport::Football,
        }
    }

    /// Creates a football match and kicks it off (scorecast); the floor's match exists from the
    /// start.
    pub async fn prepare(&self, http: &reqwest::Client) -> anyhow::Result<Prepared> {
        self.prepare_sport(http, Sport::Football).await
    }

    /// `prepare` with a match of `sport` (scorecast; the floor has its one match).
    pub async fn prepare_sport(
        &self,
        http: &reqwest::Client,
        sport: Sport,
    ) -> anyhow::Result<Prepared> {
        self.prepare_named(http, sport, "Bench").await
    }

    /// `prepare_sport` with a match named after `name` (a run may follow several).
    pub async fn prepare_named(
        &self,
        http: &reqwest::Client,
        sport: Sport,
        name: &str,
    ) -> anyhow::Result<Prepared> {
        let (match_id, first_seq) = match self {
            Target::Floor { .. } => (1, 1),
            Target::Scorecast(server) => {
                let live = server.live_match_of(http, name, sport).await?;
                server.converged(http, live.id, live.seq).await?;
                (live.id, live.seq)
            }
        };
        let ws = self
            .urls()
            .into_iter()
            .map(|url| ws_target(url, match_id))
            .collect::<anyhow::Result<_>>()?;
        Ok(Prepared { match_id, first_seq, ws })
    }

    /// Posts event number `index` (a home goal in minute `index + 1`) to football match
    /// `match_id` and times it.
    pub async fn post_event(
        &self,
        http: &reqwest::Client,
        match_id: i64,
        index: usize,
    ) -> anyhow::Result<Posted> {
        self.post_sport_event(http, match_id, index, Sport::Football).await
    }

    /// `post_event` to a match of `sport`: football's home goal as ever (so that runs stay
    /// comparable with every earlier one), another sport's `index`-th scoring event
    /// (`Sport::scoring_event`: a tennis point, the sides alternating, ...).
    pub async fn post_sport_event(
        &self,
        http: &reqwest::Client,
        match_id: i64,
        index: usize,
        sport: Sport,
    ) -> anyhow::Result<Posted> {
        let minute = (index + 1).min(200);
        let event = match sport {
            Sport::Football => json!({"kind": "goal", "team": "home", "minute": minute}),
            sport => serde_json::from_str(&sport.scoring_event(index as u64))?,
        };
        let requests = match self {
            Target::Scorecast(server) => vec![server.event_request(http, match_id, event)?],
            Target::Floor { urls, .. } => urls
                .iter()
                .map(|url| Ok(http.post(url.join("publish")?).json(&json!({"minute": minute}))))
                .collect::<anyhow::Result<_>>()?,
        };
        send_timed(requests).await
    }

    /// scorecast's WebSocket counters (`scorecast_ws_*`, summed over nodes), for the report.
    pub async fn ws_metrics(&self, http: &reqwest::Client) -> BTreeMap<String, f64> {
        let Target::Scorecast(server) = self else { return BTreeMap::new() };
        metric_sums(http, &server.nodes, |name| name.starts_with("scorecast_ws_")).await
    }
}

/// Sends the requests of one event (one per floor process, or scorecast's one) together and
/// times them from just before the first is sent until the last answer; the event's sequence
/// number is the one every server gave it.
pub(crate) async fn send_timed(requests: Vec<reqwest::RequestBuilder>) -> anyhow::Result<Posted> {
    let start_ns = now_ns();
    let mut sent = tokio::task::JoinSet::new();
    for request in requests {
        sent.spawn(async move {
            let response = request.send().await.context("posting an event")?;
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            anyhow::Ok((status, body.get("seq").or_else(|| body.get("s")).and_then(|s| s.as_i64())))
        });
    }
    // Every server must take it, and all must give it the same sequence number.
    let (mut status, mut seqs) = (200, Vec::new());
    while let Some(answer) = sent.join_next().await {
        let (s, seq) = answer.context("posting an event")??;
        status = if (200..300).contains(&s) { status } else { s };
        seqs.push(seq);
    }
    let post_ns = now_ns() - start_ns;
    let seq = seqs.first().copied().flatten().filter(|s| seqs.iter().all(|x| *x == Some(*s)));
    Ok(Posted { start_ns, post_ns, status, seq, complete_ns: None, busy_cpu_ns: None })
}

/// The WebSocket endpoint of a server URL for `match_id`.
fn ws_target(url: &Url, match_id: i64) -> anyhow::Result<WsTarget> {
    let addr = loopback_addr(url)?;
    let tls_ca = match url.scheme() {
        "https" => Some(crate::common::tls::bench_ca()?.ca_pem.clone()),
        _ => None,
    };
    Ok(WsTarget { addr, host: addr.to_string(), path: format!("/ws?matches={match_id}"), tls_ca })
}
