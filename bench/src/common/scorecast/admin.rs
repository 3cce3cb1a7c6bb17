//! The admin calls that set up a match on the scorecast under test, and the HTTP client they use.

use std::time::Duration;

use anyhow::{bail, Context};
use reqwest::Url;
use serde_json::{json, Value};

use super::Scorecast;
use crate::common::sport::Sport;

/// Time the nodes of a cluster get to agree on a new match's state (the periodic check repairs
/// within 5 s by default even if a publish was lost).
const CONVERGE_TIMEOUT: Duration = Duration::from_secs(15);

/// A match created and kicked off.
pub struct LiveMatch {
    pub id: i64,
    /// The kickoff's sequence number: every new subscriber's snapshot has it.
    pub seq: i64,
}

impl Scorecast {
    /// Creates a football match named after `name` and kicks it off.
    pub async fn live_match(
        &self,
        http: &reqwest::Client,
        name: &str,
    ) -> anyhow::Result<LiveMatch> {
        self.live_match_of(http, name, Sport::Football).await
    }

    /// Creates a match of `sport` named after `name` (its format the sport's default) and starts
    /// it.
    pub async fn live_match_of(
        &self,
        http: &reqwest::Client,
        name: &str,
        sport: Sport,
    ) -> anyhow::Result<LiveMatch> {
        let kickoff_at = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)?;
        let mut body = json!({"home": format!("{name} Home"), "away": format!("{name} Away"),
                              "competition": "scorecast-bench", "kickoff_at": kickoff_at});
        // Football is the default: its matches are created exactly as before sports existed.
        if sport != Sport::Football {
            body["sport"] = json!(sport.name());
        }
        let created = self.admin(http, "api/v1/matches", body).await.context("creating a match")?;
        let id = created["id"].as_i64().context("the created match has no id")?;
        let started = self
            .post_event(http, id, sport.start_event())
            .await
            .with_context(|| format!("starting a {sport} match"))?;
        Ok(LiveMatch { id, seq: started["seq"].as_i64().context("the start has no seq")? })
    }

    /// `seq` of match `id`'s snapshot on `node` (`GET /api/v1/matches/{id}`), if it answers.
    pub async fn snapshot_seq(http: &reqwest::Client, node: &Url, id: i64) -> Option<i64> {
        let url = node.join(&format!("api/v1/matches/{id}")).ok()?;
        let body: Value = http.get(url).send().await.ok()?.json().await.ok()?;
        body.get("seq")?.as_i64()
    }

    /// Waits until every node's snapshot of match `id` has reached `seq` (the other nodes of a
    /// cluster learn of a commit a moment later), so that every client's first snapshot is the same.
    pub async fn converged(&self, http: &reqwest::Client, id: i64, seq: i64) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + CONVERGE_TIMEOUT;
        for node in &self.nodes {
            while Self::snapshot_seq(http, node, id).await < Some(seq) {
                if tokio::time::Instant::now() > deadline {
                    bail!("{node} did not reach seq {seq} of match {id} in {CONVERGE_TIMEOUT:?}");
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        Ok(())
    }

    /// Posts `event` to match `id`; returns the stored event (an error unless it was stored).
    pub async fn post_event(
        &self,
        http: &reqwest::Client,
        id: i64,
        event: Value,
    ) -> anyhow::Result<Value> {
        Ok(self.event_request(http, id, event)?.send().await?.error_for_status()?.json().await?)
    }

    /// The request that posts `event` to match `id`, for a caller that times it or reads refusals.
    pub fn event_request(
        &self,
        http: &reqwest::Client,
        id: i64,
        event: Value,
    ) -> anyhow::Result<reqwest::RequestBuilder> {
        self.request(http, &format!("api/v1/matches/{id}/events"), event)
    }

    async fn admin(
        &self,
        http: &reqwest::Client,
        path: &str,
        body: Value,
    ) -> anyhow::Result<Value> {
        Ok(self.request(http, path, body)?.send().await?.error_for_status()?.json().await?)
    }

    fn request(
        &self,
        http: &reqwest::Client,
        path: &str,
        body: Value,
    ) -> anyhow::Result<reqwest::RequestBuilder> {
        Ok(http.post(self.url.join(path)?).bearer_auth(&self.token).json(&body))
    }
}

/// The HTTP client for admin calls: keeps its connection alive so each POST is timed without a
/// TCP handshake, and never goes through a proxy (every target is on loopback).
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30));
    // Servers this run started with its own certificate: trust its authority too.
    if let Some(ca) = crate::common::tls::made_ca() {
        builder = builder
            .use_rustls_tls()
            .add_root_certificate(reqwest::Certificate::from_pem(ca.ca_pem.as_bytes())?);
    }
    builder.build().context("building the HTTP client")
}

/// A plausible event for match minute `minute`, chosen by `pick` (any number): mostly goals and
/// cards, some substitutions, as a live match produces them.
pub fn event_body(pick: u64, minute: u64) -> Value {
    let team = if pick.is_multiple_of(2) { "home" } else { "away" };
    let minute = minute.min(200);
    match pick % 5 {
        0 | 1 => json!({"kind": "goal", "team": team, "minute": minute, "player": "Bench Striker"}),
        2 | 3 => {
            json!({"kind": "card", "team": team, "player": "Bench Defender", "color": "yellow", "minute": minute})
        }
        _ => {
            json!({"kind": "substitution", "team": team, "player_in": "Bench Sub", "player_out": "Bench Starter", "minute": minute})
        }
    }
}
