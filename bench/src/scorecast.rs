//! The scorecast under test for `bandwidth`, `ingest` and `poll`: a running server or one this tool
//! starts, with the admin calls that set up a match.

use std::net::SocketAddr;

use anyhow::{bail, Context};
use reqwest::Url;
use serde_json::{json, Value};

use crate::coordinator::spawn::{self, ServerProcess};
use crate::coordinator::target::loopback_addr;
use crate::fanout::ServerConfig;
use crate::procfs;

pub struct Scorecast {
    pub url: Url,
    pub addr: SocketAddr,
    pub token: String,
    /// The local process, to read its memory and CPU.
    pub pid: Option<u32>,
    /// `--version` of the binary, when this tool started it.
    pub version: Option<String>,
    process: Option<ServerProcess>,
}

impl Scorecast {
    /// Starts the configured binary (on `database_url`, or a fresh SQLite file) or connects to the
    /// first `--server`.
    pub async fn start(cfg: &ServerConfig, database_url: Option<&str>) -> anyhow::Result<Self> {
        if let Some(binary) = &cfg.spawn_server {
            let (process, token) = spawn::scorecast(binary, &cfg.server_args, database_url)
                .await
                .context("starting scorecast")?;
            tracing::info!(url = %process.url, pid = process.pid, log = ?process.log_path(), "scorecast started");
            return Ok(Self {
                addr: loopback_addr(&process.url)?,
                url: process.url.clone(),
                token,
                pid: Some(process.pid),
                version: crate::fanout::version_of(binary).await,
                process: Some(process),
            });
        }
        if database_url.is_some() {
            bail!("--database-url is for a server this tool starts (--spawn-server)");
        }
        let url = cfg.servers.first().context("give --server URL or --spawn-server PATH")?.clone();
        let token = cfg.admin_token.clone().context("--admin-token is needed to post events")?;
        if let Some(pid) = cfg.server_pid {
            if !procfs::exists(pid) {
                bail!("--server-pid {pid}: no such process on this machine");
            }
        }
        Ok(Self {
            addr: loopback_addr(&url)?,
            url,
            token,
            pid: cfg.server_pid,
            version: None,
            process: None,
        })
    }

    /// Stops the server if this tool started it.
    pub async fn stop(self) -> anyhow::Result<()> {
        match self.process {
            Some(process) => process.stop().await,
            None => Ok(()),
        }
    }

    /// The `Host` header value for requests to this server.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// Creates a match and kicks it off; returns its id.
    pub async fn live_match(&self, http: &reqwest::Client, name: &str) -> anyhow::Result<i64> {
        let kickoff_at = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)?;
        let created = self
            .admin(
                http,
                "api/v1/matches",
                json!({"home": format!("{name} Home"),
                "away": format!("{name} Away"), "competition": "scorecast-bench",
                "kickoff_at": kickoff_at}),
            )
            .await
            .context("creating a match")?;
        let id = created["id"].as_i64().context("the created match has no id")?;
        self.post_event(http, id, json!({"kind": "kickoff"})).await.context("kicking off")?;
        Ok(id)
    }

    /// Posts `event` to match `id` through the admin API; returns the stored event.
    pub async fn post_event(
        &self,
        http: &reqwest::Client,
        id: i64,
        event: Value,
    ) -> anyhow::Result<Value> {
        self.admin(http, &format!("api/v1/matches/{id}/events"), event).await
    }

    async fn admin(
        &self,
        http: &reqwest::Client,
        path: &str,
        body: Value,
    ) -> anyhow::Result<Value> {
        Ok(http
            .post(self.url.join(path)?)
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }
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
