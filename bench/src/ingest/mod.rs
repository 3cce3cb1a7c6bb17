//! The `ingest` subcommand: durable events per second through `POST /api/v1/matches/{id}/events`
//! at several concurrency levels, the POST's latency, and the time from the POST to the update's
//! arrival at the match's subscriber; plus a paced level at a fixed rate (1,000 events/s). The
//! matches are of one sport or several (`sports`), each posted its sport's scoring events;
//! `versus` runs two sets of sports side by side.

pub mod load;
pub mod markdown;
pub mod model;
pub mod versus;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::common::meta::Meta;
use crate::common::percentiles::Percentiles;
use crate::common::progress::bar;
use crate::common::runner;
use crate::common::scorecast::{Scorecast, ServerConfig};
use crate::common::sport::{Sport, SportMix};
use crate::histogram::Histogram;
use crate::net::subscriber::Subscriber;
use crate::procfs;
use load::{PosterOutcome, Schedule, Shared};
use model::{IngestReport, Level};

/// Most concurrent clients in one level (each holds one connection).
pub const MAX_CONCURRENCY: usize = 4_096;
/// Most events one client posts in a closed level: bounds a level even on a very fast server.
const MAX_PER_CLIENT: u64 = 2_000_000;
/// Time allowed after a level's last POST for its updates to reach the subscribers.
const DRAIN: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub struct IngestConfig {
    pub server: ServerConfig,
    /// For a spawned server: this database instead of a fresh SQLite file.
    pub database_url: Option<String>,
    /// Closed-loop levels: concurrent clients posting back to back.
    pub levels: Vec<usize>,
    pub level_duration: Duration,
    /// Matches each level's events are spread over (fresh ones per level).
    pub matches: usize,
    /// Paced level: events per second (none: skip it), for how long, with how many clients.
    pub paced_rate: Option<f64>,
    pub paced_duration: Duration,
    pub paced_concurrency: usize,
    /// The matches' sports: match `i` of each level is of `sports.of_match(i)`.
    pub sports: SportMix,
    pub progress: bool,
}

impl IngestConfig {
    pub fn new(server: ServerConfig) -> Self {
        Self {
            server,
            database_url: None,
            levels: vec![1, 8, 64, 256],
            level_duration: Duration::from_secs(5),
            matches: 16,
            paced_rate: Some(1000.0),
            paced_duration: Duration::from_secs(10),
            paced_concurrency: 64,
            sports: SportMix::default(),
            progress: false,
        }
    }
}

pub async fn run_ingest(cfg: IngestConfig) -> anyhow::Result<IngestReport> {
    check(&cfg)?;
    measure(&cfg, cfg.database_url.as_deref()).await
}

/// Refuses a configuration that cannot run, or whose tennis or volleyball matches could end.
pub(crate) fn check(cfg: &IngestConfig) -> anyhow::Result<()> {
    let all = cfg.levels.iter().chain(Some(&cfg.paced_concurrency));
    if cfg.levels.is_empty() && cfg.paced_rate.is_none() {
        bail!("nothing to run: give at least one level or a paced rate");
    }
    if all.clone().any(|&c| c == 0 || c > MAX_CONCURRENCY) || cfg.matches == 0 || cfg.matches > 1000
    {
        bail!("concurrency must be 1..={MAX_CONCURRENCY}, matches 1..=1000");
    }
    // Their points keep a match live only in the order they were sent (`Sport::scoring_event`),
    // which holds when no two clients post to one match at once (`load::closed_match`; paced:
    // a match's events are `matches` apart in the schedule, more than the clients in flight).
    let paced = cfg.paced_rate.map(|_| cfg.paced_concurrency);
    let most = cfg.levels.iter().copied().chain(paced).max().unwrap_or(0);
    if cfg.sports.ends_on_a_point() && most > cfg.matches {
        bail!(
            "tennis and volleyball matches need their points in order: give --matches at least \
             the largest concurrency ({most})"
        );
    }
    Ok(())
}

/// The levels of `cfg` against its server, spawned on `database_url` if it spawns one.
pub(crate) async fn measure(
    cfg: &IngestConfig,
    database_url: Option<&str>,
) -> anyhow::Result<IngestReport> {
    let mut meta = Meta::start("ingest");
    let (levels, url) =
        runner::with_scorecast(&mut meta, &cfg.server, database_url, async |s, http| {
            let mut levels = Vec::new();
            for &c in &cfg.levels {
                levels.push(run_level(s, http, cfg, c, None).await?);
            }
            if let Some(rate) = cfg.paced_rate {
                levels.push(run_level(s, http, cfg, cfg.paced_concurrency, Some(rate)).await?);
            }
            Ok((levels, s.url.to_string()))
        })
        .await?;
    let mut problems = Vec::new();
    for l in &levels {
        let name = format!("{} {} clients", l.mode, l.concurrency);
        if l.undelivered > 0 {
            problems.push(format!(
                "{name}: {} stored events never reached the subscriber",
                l.undelivered
            ));
        }
        if l.errors > 0 {
            problems.push(format!("{name}: {} connections failed", l.errors));
        }
        if l.stored == 0 {
            problems.push(format!("{name}: nothing was stored"));
        }
        // 503 is the server shedding load; a 4xx says an event did not fit its match (a tennis
        // match that ended, a kind its sport lacks): the load itself is wrong.
        let wrong: u64 =
            l.refused.iter().filter(|(s, _)| (400..500).contains(*s)).map(|e| e.1).sum();
        if wrong > 0 {
            problems.push(format!("{name}: {wrong} events refused as wrong for their match"));
        }
    }
    Ok(IngestReport {
        meta,
        server: url,
        database: describe_database(database_url),
        matches: cfg.matches,
        sports: cfg.sports.clone(),
        levels,
        passed: problems.is_empty(),
        problems,
    })
}

/// The database for the report, without credentials.
pub fn describe_database(url: Option<&str>) -> String {
    match url {
        None => "sqlite (fresh file, WAL, synchronous = FULL)".into(),
        Some(url) => match url::Url::parse(url) {
            Ok(mut u) => {
                let _ = u.set_password(None);
                u.to_string()
            }
            Err(_) => "(unparsable URL)".into(),
        },
    }
}

async fn run_level(
    server: &Scorecast,
    http: &reqwest::Client,
    cfg: &IngestConfig,
    concurrency: usize,
    rate: Option<f64>,
) -> anyhow::Result<Level> {
    let mut matches = Vec::with_capacity(cfg.matches);
    let sports: Vec<Sport> = (0..cfg.matches).map(|i| cfg.sports.of_match(i)).collect();
    for (i, &sport) in sports.iter().enumerate() {
        let name = format!("Ingest {concurrency}/{i}");
        matches.push(server.live_match_of(http, &name, sport).await?.id);
    }
    let received = Arc::new(AtomicU64::new(0));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut followers = JoinSet::new();
    for (index, id) in matches.iter().enumerate() {
        let mut sub = Subscriber::connect(server.addr, &format!("/ws?matches={id}"))
            .await
            .context("connecting a subscriber")?;
        tokio::time::timeout(Duration::from_secs(10), sub.next())
            .await
            .context("no snapshot")??;
        let follow = load::follow(sub, received.clone(), stop_rx.clone());
        followers.spawn(async move { (index, follow.await) });
    }

    let duration = if rate.is_some() { cfg.paced_duration } else { cfg.level_duration };
    let t0 = Instant::now();
    let schedule = match rate {
        None => Schedule::Closed { until: t0 + duration, max_per_client: MAX_PER_CLIENT },
        Some(rate) => Schedule::Paced {
            t0,
            rate,
            total: (rate * duration.as_secs_f64()).round() as u64,
            next: AtomicU64::new(0),
        },
    };
    let shared = Arc::new(Shared {
        addr: server.addr,
        token: server.token.clone(),
        matches: matches.clone(),
        stored: sports.iter().map(|_| AtomicU64::new(0)).collect(),
        sports,
        concurrency,
        schedule,
    });
    let cpu_before = server.pid.and_then(|pid| procfs::cpu_us(pid).ok());
    let own_before = procfs::cpu_us(std::process::id()).ok();
    let mut posters = JoinSet::new();
    for client in 0..concurrency {
        posters.spawn(load::poster(shared.clone(), client));
    }
    let label = if rate.is_some() { "paced" } else { "closed" };
    let progress = bar(cfg.progress, duration.as_secs().max(1), label);
    let ticker = async {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            progress.inc(1);
        }
    };
    let outcomes = tokio::select! {
        outcomes = posters.join_all() => outcomes,
        () = ticker => unreachable!("the ticker never ends"),
    };
    let elapsed = t0.elapsed().as_secs_f64();
    progress.finish_and_clear();
    let cpu_after = server.pid.and_then(|pid| procfs::cpu_us(pid).ok());
    let own_after = procfs::cpu_us(std::process::id()).ok();
    let stored: u64 = outcomes.iter().map(|o| o.posts.len() as u64).sum();
    let drain_until = Instant::now() + DRAIN;
    while received.load(Ordering::Relaxed) < stored && Instant::now() < drain_until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop_tx.send_replace(true);
    let mut arrivals: Vec<HashMap<i64, u64>> = vec![HashMap::new(); matches.len()];
    let (mut updates, mut update_bytes) = (0u64, 0u64);
    for (index, followed) in followers.join_all().await {
        updates += followed.arrivals.len() as u64;
        update_bytes += followed.update_bytes;
        for (seq, at) in followed.arrivals {
            arrivals[index].entry(seq).or_insert(at);
        }
    }
    let mut level = summarize(&outcomes, &arrivals);
    level.update_bytes_mean = (updates > 0).then(|| update_bytes as f64 / updates as f64);
    level.mode = label.into();
    level.concurrency = concurrency;
    level.target_rate = rate;
    level.duration_s = elapsed;
    level.events_per_s = stored as f64 / elapsed;
    let per_event = |before: Option<u64>, after: Option<u64>| match (before, after) {
        (Some(a), Some(b)) if stored > 0 => Some(b.saturating_sub(a) as f64 / stored as f64),
        _ => None,
    };
    level.server_cpu_us_per_event = per_event(cpu_before, cpu_after);
    level.client_cpu_us_per_event = per_event(own_before, own_after);
    tracing::info!(mode = label, concurrency, events_per_s = level.events_per_s, "level done");
    Ok(level)
}

/// Merges the posters' records and matches each stored event with its update's arrival.
fn summarize(outcomes: &[PosterOutcome], arrivals: &[HashMap<i64, u64>]) -> Level {
    let mut level = Level::default();
    let (mut post, mut lag, mut delivery, mut after_ack) =
        (Histogram::default(), Histogram::default(), Histogram::default(), Histogram::default());
    for o in outcomes {
        level.posted += o.posted;
        level.errors += o.errors;
        for (status, n) in &o.refused {
            *level.refused.entry(*status).or_default() += n;
        }
        post.merge(&o.post_ns);
        lag.merge(&o.lag_ns);
        for p in &o.posts {
            level.stored += 1;
            match arrivals[p.match_index].get(&p.seq) {
                Some(&at) => {
                    delivery.record(at.saturating_sub(p.start_ns));
                    after_ack.record(at.saturating_sub(p.done_ns));
                    level.delivered_before_ack += u64::from(at < p.done_ns);
                }
                None => level.undelivered += 1,
            }
        }
    }
    level.post_ms = Percentiles::from_ns(&post);
    level.delivery_ms = Percentiles::from_ns(&delivery);
    level.after_ack_ms = Percentiles::from_ns(&after_ack);
    level.send_lag_ms = Percentiles::from_ns(&lag);
    level
}
