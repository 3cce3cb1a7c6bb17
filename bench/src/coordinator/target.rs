//! What a run measures: a scorecast deployment (one or more nodes sharing a database) or the floor.
//! Each sets up one match its clients follow, and posts its events.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use anyhow::{bail, Context};
use reqwest::Url;
use serde_json::json;

use crate::clock::now_ns;
use crate::worker::protocol::WsTarget;

pub enum Target {
    Scorecast { servers: Vec<Url>, token: String, pid: Option<u32>, match_id: Option<i64> },
    Floor { url: Url, pid: Option<u32> },
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

impl Target {
    pub fn name(&self) -> &'static str {
        match self {
            Target::Scorecast { .. } => "scorecast",
            Target::Floor { .. } => "floor",
        }
    }

    /// The local server process whose memory and CPU are measured, if known.
    pub fn pid(&self) -> Option<u32> {
        match self {
            Target::Scorecast { pid, .. } | Target::Floor { pid, .. } => *pid,
        }
    }

    fn urls(&self) -> Vec<&Url> {
        match self {
            Target::Scorecast { servers, .. } => servers.iter().collect(),
            Target::Floor { url, .. } => vec![url],
        }
    }

    /// Creates the match and kicks it off (scorecast); the floor's match exists from the start.
    pub async fn prepare(&mut self, http: &reqwest::Client) -> anyhow::Result<Prepared> {
        let (match_id, first_seq) = match self {
            Target::Floor { .. } => (1, 1),
            Target::Scorecast { servers, token, match_id, .. } => {
                let base = &servers[0];
                let kickoff_at = time::OffsetDateTime::now_utc()
                    .format(&time::format_description::well_known::Rfc3339)?;
                let created: serde_json::Value = http
                    .post(base.join("api/v1/matches")?)
                    .bearer_auth(&*token)
                    .json(&json!({"home": "Bench Home", "away": "Bench Away",
                                  "competition": "scorecast-bench", "kickoff_at": kickoff_at}))
                    .send()
                    .await
                    .context("creating the match")?
                    .error_for_status()
                    .context("creating the match")?
                    .json()
                    .await?;
                let id = created["id"].as_i64().context("the created match has no id")?;
                let kicked: serde_json::Value = http
                    .post(base.join(&format!("api/v1/matches/{id}/events"))?)
                    .bearer_auth(&*token)
                    .json(&json!({"kind": "kickoff"}))
                    .send()
                    .await
                    .context("posting the kickoff")?
                    .error_for_status()
                    .context("posting the kickoff")?
                    .json()
                    .await?;
                *match_id = Some(id);
                (id, kicked["seq"].as_i64().context("the kickoff has no seq")?)
            }
        };
        let ws = self
            .urls()
            .into_iter()
            .map(|url| ws_target(url, match_id))
            .collect::<anyhow::Result<_>>()?;
        Ok(Prepared { match_id, first_seq, ws })
    }

    /// Posts event number `index` (a home goal in minute `index + 1`) and times it.
    pub async fn post_event(&self, http: &reqwest::Client, index: usize) -> anyhow::Result<Posted> {
        let minute = (index + 1).min(200);
        let request = match self {
            Target::Scorecast { servers, token, match_id, .. } => {
                let id = match_id.context("post_event before prepare")?;
                http.post(servers[0].join(&format!("api/v1/matches/{id}/events"))?)
                    .bearer_auth(token)
                    .json(&json!({"kind": "goal", "team": "home", "minute": minute}))
            }
            Target::Floor { url, .. } => {
                http.post(url.join("publish")?).json(&json!({"minute": minute}))
            }
        };
        let start_ns = now_ns();
        let response = request.send().await.context("posting an event")?;
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        let post_ns = now_ns() - start_ns;
        let seq = body.get("seq").or_else(|| body.get("s")).and_then(|s| s.as_i64());
        Ok(Posted { start_ns, post_ns, status, seq, complete_ns: None, busy_cpu_ns: None })
    }

    /// scorecast's WebSocket counters (`scorecast_ws_*`, summed over nodes), for the report.
    pub async fn ws_metrics(&self, http: &reqwest::Client) -> BTreeMap<String, f64> {
        let mut sums = BTreeMap::new();
        let Target::Scorecast { servers, .. } = self else { return sums };
        for server in servers {
            let Ok(url) = server.join("metrics") else { continue };
            let Ok(response) = http.get(url).send().await else { continue };
            let Ok(text) = response.text().await else { continue };
            for line in text.lines().filter(|l| l.starts_with("scorecast_ws_")) {
                if let Some((name, value)) = line.rsplit_once(' ') {
                    if let Ok(value) = value.parse::<f64>() {
                        *sums.entry(name.to_owned()).or_default() += value;
                    }
                }
            }
        }
        sums
    }
}

/// The WebSocket endpoint of a server URL for `match_id`.
fn ws_target(url: &Url, match_id: i64) -> anyhow::Result<WsTarget> {
    let addr = loopback_addr(url)?;
    Ok(WsTarget { addr, host: addr.to_string(), path: format!("/ws?matches={match_id}") })
}

/// The socket address of `url`, which must be on this machine: the benchmark only loads loopback.
pub fn loopback_addr(url: &Url) -> anyhow::Result<SocketAddr> {
    let ip: IpAddr = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.into(),
        Some(url::Host::Ipv6(ip)) => ip.into(),
        Some(url::Host::Domain("localhost")) => Ipv4Addr::LOCALHOST.into(),
        other => bail!("{url}: use a loopback IP address (127.x.x.x or [::1]), not {other:?}"),
    };
    if !ip.is_loopback() {
        bail!(
            "{url}: {ip} is not a loopback address; this tool only loads servers on this machine"
        );
    }
    let port = url.port_or_known_default().context("the URL has no port")?;
    Ok(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_servers_are_accepted() {
        let ok = |s: &str| loopback_addr(&Url::parse(s).unwrap());
        assert_eq!(ok("http://127.0.0.1:8080").unwrap(), "127.0.0.1:8080".parse().unwrap());
        assert_eq!(ok("http://127.0.0.9").unwrap(), "127.0.0.9:80".parse().unwrap());
        assert_eq!(ok("http://localhost:1").unwrap(), "127.0.0.1:1".parse().unwrap());
        assert!(ok("http://[::1]:8080").is_ok());
        assert!(ok("http://10.0.0.1:8080").is_err());
        assert!(ok("http://example.com:8080").is_err());
    }
}
