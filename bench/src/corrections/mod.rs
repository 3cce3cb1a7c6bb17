//! The `corrections` subcommand: what a `void` costs on a long match. A correction refolds every
//! event of its match inside the group commit, so it is timed on a match of `--events` events
//! (2,000 by default, the default `--max-correction-depth`), and the POSTs other matches make
//! meanwhile are timed against the same POSTs with no correction running, in the same run.

pub mod markdown;
pub mod model;

use std::time::Duration;

use anyhow::{bail, Context};
use serde_json::json;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::common::meta::Meta;
use crate::common::percentiles::Percentiles;
use crate::common::runner;
use crate::common::scorecast::{event_body, Scorecast, ServerConfig};
use crate::histogram::Histogram;
use model::CorrectionsReport;

/// Most events the long match may have: beyond the server's default correction depth the voids
/// would be refused.
pub const MAX_EVENTS: usize = 100_000;
/// Most corrections one run posts.
pub const MAX_CORRECTIONS: usize = 10_000;

#[derive(Debug, Clone)]
pub struct CorrectionsConfig {
    pub server: ServerConfig,
    pub database_url: Option<String>,
    /// Events of the long match before the corrections.
    pub events: usize,
    /// Corrections posted, one after the other: a void of a recent goal, then a void of that void.
    pub corrections: usize,
    /// Other matches posting meanwhile, and each one's pace (events per second).
    pub others: usize,
    pub others_rate: f64,
    /// The same background load alone, before the corrections, for the comparison.
    pub baseline: Duration,
    /// Aims: a correction's p99, and how much it may add to the other POSTs' p99.
    pub aim_correction_p99_ms: f64,
    pub aim_delay_ms: f64,
}

impl CorrectionsConfig {
    pub fn new(server: ServerConfig) -> Self {
        Self {
            server,
            database_url: None,
            events: 2_000,
            corrections: 200,
            others: 4,
            others_rate: 20.0,
            baseline: Duration::from_secs(10),
            aim_correction_p99_ms: 50.0,
            aim_delay_ms: 10.0,
        }
    }
}

pub async fn run_corrections(cfg: CorrectionsConfig) -> anyhow::Result<CorrectionsReport> {
    if !(2..=MAX_EVENTS).contains(&cfg.events) || !(1..=MAX_CORRECTIONS).contains(&cfg.corrections)
    {
        bail!("--events must be 2..={MAX_EVENTS}, --corrections 1..={MAX_CORRECTIONS}");
    }
    if cfg.others == 0 || cfg.others > 64 || !(0.1..=1_000.0).contains(&cfg.others_rate) {
        bail!("--others must be 1..=64 and --others-rate 0.1..=1000");
    }
    let mut meta = Meta::start("corrections");
    let report = runner::with_scorecast(
        &mut meta,
        &cfg.server,
        cfg.database_url.as_deref(),
        async |s, http| measure(s, http, &cfg).await,
    )
    .await?;
    Ok(CorrectionsReport { meta, ..report })
}

async fn measure(
    server: &Scorecast,
    http: &reqwest::Client,
    cfg: &CorrectionsConfig,
) -> anyhow::Result<CorrectionsReport> {
    let long = server.live_match(http, "Corrections long").await?.id;
    let fill = Instant::now();
    // Goals alternate with cards, so there is always a goal among the latest events to void.
    for i in 1..cfg.events {
        let event = if i % 2 == 0 {
            json!({"kind": "goal", "team": "home", "minute": (i % 90) as u64})
        } else {
            event_body(1 + 2 * i as u64, (i % 90) as u64)
        };
        server.post_event(http, long, event).await.context("filling the long match")?;
    }
    let fill_s = fill.elapsed().as_secs_f64();
    let mut others = Vec::with_capacity(cfg.others);
    for i in 0..cfg.others {
        others.push(server.live_match(http, &format!("Corrections other {i}")).await?.id);
    }

    // The background load: each other match posts at its pace, every POST timed and tagged with
    // the phase it was sent in (0: baseline, 1: corrections running).
    let (phase_tx, phase_rx) = watch::channel(0u8);
    let mut background = tokio::task::JoinSet::new();
    for (i, id) in others.iter().copied().enumerate() {
        let (server_url, token) = (server.url.clone(), server.token.clone());
        let (http, mut phase) = (http.clone(), phase_rx.clone());
        let every = Duration::from_secs_f64(1.0 / cfg.others_rate);
        background.spawn(async move {
            let mut timed = [Histogram::default(), Histogram::default()];
            let url = server_url.join(&format!("api/v1/matches/{id}/events"))?;
            let mut next = Instant::now();
            for n in 0u64.. {
                let now_phase = *phase.borrow_and_update();
                if now_phase > 1 {
                    break;
                }
                let started = Instant::now();
                let body = event_body(3 + n * 2 + i as u64, n % 90);
                let answer = http.post(url.clone()).bearer_auth(&token).json(&body).send().await?;
                if answer.status() != 201 {
                    bail!("a background POST was answered {}", answer.status());
                }
                timed[usize::from(now_phase)].record(started.elapsed().as_nanos() as u64);
                next += every;
                tokio::time::sleep_until(next).await;
            }
            anyhow::Ok(timed)
        });
    }
    tokio::time::sleep(cfg.baseline).await;
    phase_tx.send(1)?;

    let mut correction_ns = Histogram::default();
    let corrections_started = Instant::now();
    // Each void targets the latest goal (the kickoff is event 1, then goals are the odd numbers);
    // each second correction voids the void before it, which brings the goal back: every
    // correction refolds the whole match.
    let target = if cfg.events.is_multiple_of(2) { cfg.events - 1 } else { cfg.events } as i64;
    let mut last_void = None;
    for n in 0..cfg.corrections {
        let body = match last_void.take() {
            Some(void) => json!({"kind": "void", "target": void, "reason": "bench: restored"}),
            None => json!({"kind": "void", "target": target, "reason": "bench: disallowed"}),
        };
        let started = Instant::now();
        let stored =
            server.post_event(http, long, body).await.with_context(|| format!("correction {n}"))?;
        correction_ns.record(started.elapsed().as_nanos() as u64);
        if n % 2 == 0 {
            last_void = Some(stored["seq"].as_i64().context("a stored void has a seq")?);
        }
    }
    let corrections_s = corrections_started.elapsed().as_secs_f64();
    phase_tx.send(2)?;
    let mut alone = Histogram::default();
    let mut during = Histogram::default();
    while let Some(done) = background.join_next().await {
        let [a, d] = done??;
        alone.merge(&a);
        during.merge(&d);
    }
    let correction_ms = Percentiles::from_ns(&correction_ns);
    let alone_ms = Percentiles::from_ns(&alone);
    let during_ms = Percentiles::from_ns(&during);
    let delay = match (&alone_ms, &during_ms) {
        (Some(a), Some(d)) => Some(d.p99 - a.p99),
        _ => None,
    };
    let mut problems = Vec::new();
    match &correction_ms {
        Some(p) if p.p99 > cfg.aim_correction_p99_ms => problems.push(format!(
            "a correction's p99 is {:.1} ms, above the aim of {} ms",
            p.p99, cfg.aim_correction_p99_ms
        )),
        None => problems.push("no correction was timed".into()),
        _ => {}
    }
    match delay {
        Some(d) if d > cfg.aim_delay_ms => problems.push(format!(
            "other matches' POST p99 rose by {d:.1} ms while corrections ran, above the aim of {} ms",
            cfg.aim_delay_ms
        )),
        None => problems.push("the background POSTs were not timed in both phases".into()),
        _ => {}
    }
    Ok(CorrectionsReport {
        meta: Meta::start("corrections"),
        server: server.url.to_string(),
        database: crate::ingest::describe_database(cfg.database_url.as_deref()),
        events: cfg.events,
        corrections: cfg.corrections,
        others: cfg.others,
        others_rate: cfg.others_rate,
        fill_s,
        corrections_per_s: cfg.corrections as f64 / corrections_s,
        correction_ms,
        others_alone_ms: alone_ms,
        others_during_ms: during_ms,
        delay_p99_ms: delay,
        aim_correction_p99_ms: cfg.aim_correction_p99_ms,
        aim_delay_ms: cfg.aim_delay_ms,
        passed: problems.is_empty(),
        problems,
    })
}
