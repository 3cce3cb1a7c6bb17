//! `fanout --tls`: the same fan-out against a plain scorecast and one serving TLS itself (a fresh
//! server each, one after the other, in one run), then a reconnect storm against each: what TLS
//! costs per idle subscriber, in latency, in CPU per delivery, and per reconnect with and without
//! session resumption.

mod markdown;
pub mod model;
mod storm;
mod tickets;

use anyhow::{bail, Context};

use super::{measure_scorecast, FanoutConfig};
use crate::common::meta::Meta;
use crate::common::runner;
use crate::common::scorecast::ServerConfig;
use crate::common::tls::bench_ca;
use model::{TlsAims, TlsReport};
pub use storm::StormConfig;

pub async fn run_fanout_tls(cfg: FanoutConfig, storm: StormConfig) -> anyhow::Result<TlsReport> {
    if cfg.server.spawn_server.is_none() {
        bail!("--tls measures servers it starts itself: give --spawn-server");
    }
    let ca = bench_ca()?;
    let mut meta = Meta::start("fanout-tls");
    let plain = measure_scorecast(&mut meta, &cfg.server, &cfg.load).await.context("plain run")?;
    let mut tls_server = cfg.server.clone();
    tls_server.server_args.extend([
        format!("--tls-cert={}", ca.cert.display()),
        format!("--tls-key={}", ca.key.display()),
    ]);
    let tls = measure_scorecast(&mut meta, &tls_server, &cfg.load).await.context("TLS run")?;
    let mut storms = Vec::new();
    for (server, secure) in [(&cfg.server, false), (&tls_server, true)] {
        storms.extend(storm_rounds(&mut meta, server, secure, &storm).await?);
    }
    meta.finish();
    let aims = TlsAims::of(&plain, &tls, &storms);
    Ok(TlsReport { meta, plain, tls, aims, storms })
}

/// The storm rounds against a fresh `server`: plain, or TLS with full handshakes and then resumed.
async fn storm_rounds(
    meta: &mut Meta,
    server: &ServerConfig,
    secure: bool,
    cfg: &StormConfig,
) -> anyhow::Result<Vec<model::StormRound>> {
    runner::with_scorecast(meta, server, None, async |scorecast, http| {
        let live = scorecast.live_match(http, "Storm").await?;
        let target = storm::Target::of(scorecast, live.id)?;
        if !secure {
            return Ok(vec![storm::round("plain", &target, None, false, cfg).await]);
        }
        let resuming = storm::Resuming::new(cfg.clients)?;
        let tls = Some(&resuming);
        let full = storm::round("TLS, full handshakes", &target, tls, false, cfg).await;
        let resumed = storm::round("TLS, resumed sessions", &target, tls, true, cfg).await;
        Ok(vec![full, resumed])
    })
    .await
}
