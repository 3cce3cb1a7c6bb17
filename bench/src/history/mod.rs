//! The `history` subcommand (issue 28): years of matches in the database, and what a node costs
//! for them. It migrates a fresh database by a first start of the server, starts a node on it
//! empty, seeds `--matches` finished matches and `--hot` in play or kicking off today straight
//! into it (`seed.rs`), starts a node on the seeded database, and measures: its start-up and its
//! RSS beyond the empty node's, the rows and time of the cluster check's query, GETs of cold and
//! hot matches and of lists; with `--cluster K` (Postgres), K idle nodes over NATS and the rows
//! per second Postgres reads for them (`cluster.rs`). Each figure is judged against the issue's
//! aim (`judge.rs`).

pub mod cluster;
pub mod database;
mod judge;
pub mod markdown;
pub mod model;
pub mod requests;
pub mod seed;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use reqwest::Url;
use sqlx::AnyConnection;
use tokio::time::Instant;

use crate::common::meta::Meta;
use crate::common::runner;
use crate::common::scorecast::{Scorecast, ServerConfig};
use crate::procfs;
use database::{DatabaseChoice, HistoryDatabase, Ids};
use model::{HistoryReport, NodeFigures, SeedFigures};

/// Most finished matches one run seeds (the largest history).
pub const MAX_MATCHES: u64 = 1_000_000;
/// Most matches in play or today: far more than a day of any calendar.
pub const MAX_HOT: u64 = 10_000;
/// Most requests in one series, and most runs of the check's query.
pub const MAX_REQUESTS: u64 = 100_000;
/// Most nodes of `--cluster`: the million-subscriber layout runs 51.
pub const MAX_NODES: usize = 64;

#[derive(Debug, Clone)]
pub struct HistoryConfig {
    /// The scorecast binary every node runs, and extra flags for it.
    pub binary: PathBuf,
    pub server_args: Vec<String>,
    pub database: DatabaseChoice,
    /// Finished matches (the history) and matches in play or kicking off today (half each).
    pub matches: u64,
    pub hot: u64,
    /// GETs per series, and runs of the check's query.
    pub requests: u64,
    pub check_runs: u64,
    /// Time after a node is ready before its RSS is read.
    pub settle: Duration,
    /// Longest one series of requests (or of check queries) may take; it stops there.
    pub series_limit: Duration,
    /// Longest the seeding may take.
    pub seed_timeout: Duration,
    /// Nodes of the cluster phase (0: none; Postgres only), their `--nats-check-secs`, and the
    /// window over which Postgres's reads are counted.
    pub cluster: usize,
    pub check_secs: u64,
    pub window: Duration,
}

impl HistoryConfig {
    pub fn new(binary: PathBuf, matches: u64) -> Self {
        Self {
            binary,
            server_args: Vec::new(),
            database: DatabaseChoice::Sqlite,
            matches,
            hot: 200,
            requests: 1_000,
            check_runs: 200,
            settle: Duration::from_secs(3),
            series_limit: Duration::from_secs(120),
            seed_timeout: Duration::from_secs(1800),
            cluster: 0,
            check_secs: 5,
            window: Duration::from_secs(60),
        }
    }

    fn validate(&self) -> anyhow::Result<()> {
        if !(1..=MAX_MATCHES).contains(&self.matches) {
            bail!("--matches must be 1..={MAX_MATCHES}");
        }
        if !(2..=MAX_HOT).contains(&self.hot) {
            bail!("--hot must be 2..={MAX_HOT} (half in play, half kicking off today)");
        }
        if !(1..=MAX_REQUESTS).contains(&self.requests)
            || !(1..=MAX_REQUESTS).contains(&self.check_runs)
        {
            bail!("--requests and --check-runs must be 1..={MAX_REQUESTS}");
        }
        if self.cluster > MAX_NODES {
            bail!("--cluster must be 0..={MAX_NODES}");
        }
        if self.cluster > 0 && matches!(self.database, DatabaseChoice::Sqlite) {
            bail!("--cluster needs Postgres: give --database-url postgres://... or --own-postgres");
        }
        if !(1..=60).contains(&self.check_secs)
            || !(Duration::from_secs(1)..=Duration::from_secs(600)).contains(&self.window)
        {
            bail!("--check-secs must be 1..=60 and --window 1s..=10m");
        }
        Ok(())
    }
}

pub async fn run_history(cfg: HistoryConfig) -> anyhow::Result<HistoryReport> {
    cfg.validate()?;
    let mut meta = Meta::start("history");
    let db = HistoryDatabase::open(&cfg.database, cfg.cluster.max(1)).await?;
    let measured = measure(&cfg, &db, &mut meta).await;
    db.close().await?;
    let mut report = measured?;
    meta.finish();
    report.meta = meta;
    judge::judge(&mut report);
    Ok(report)
}

async fn measure(
    cfg: &HistoryConfig,
    db: &HistoryDatabase,
    meta: &mut Meta,
) -> anyhow::Result<HistoryReport> {
    let server = ServerConfig {
        spawn_server: Some(cfg.binary.clone()),
        server_args: cfg.server_args.clone(),
        ..Default::default()
    };
    runner::with_scorecast(meta, &server, Some(&db.url), async |_, _| Ok(()))
        .await
        .context("migrating the database by a first start of the server")?;
    let mut conn = db.connect().await?;
    let (rows, _) = database::row_counts(&mut conn).await?;
    if rows != 0 {
        bail!("the database already holds {rows} matches: give an empty one");
    }
    let empty_node = runner::with_scorecast(meta, &server, Some(&db.url), async |s, _| {
        Ok(node_figures(s, cfg.settle).await)
    })
    .await
    .context("the node on the empty database")?;

    tracing::info!(matches = cfg.matches, hot = cfg.hot, "seeding");
    let seed = seed_history(cfg, db, &mut conn).await?;
    let ids = database::ids(&mut conn).await?;
    tracing::info!(seconds = seed.seconds, "seeded; starting a node on the history");

    let seeded = runner::with_scorecast(meta, &server, Some(&db.url), async |s, http| {
        seeded_node(s, http, cfg, &mut conn, &ids).await
    })
    .await
    .context("the node on the seeded database")?;
    let cluster = match cfg.cluster {
        0 => None,
        _ => Some(cluster::measure(cfg, db, &mut conn, seed.match_rows, meta).await?),
    };
    let rss_beyond_empty_mib = match (seeded.node.rss_kib, empty_node.rss_kib) {
        (Some(node), Some(empty)) => Some((node as f64 - empty as f64) / 1024.0),
        _ => None,
    };
    Ok(HistoryReport {
        meta: Meta::start("history"),
        backend: db.backend().into(),
        database: crate::ingest::describe_database(db.postgres.then_some(db.url.as_str())),
        matches: cfg.matches,
        hot: cfg.hot,
        seed,
        empty_node,
        node: seeded.node,
        rss_beyond_empty_mib,
        held_hot: seeded.held_hot,
        held_cold: seeded.held_cold,
        rss_after_requests_kib: seeded.rss_after_requests_kib,
        held_cold_after_requests: seeded.held_cold_after_requests,
        check: seeded.check,
        requests: seeded.requests,
        cluster,
        aims: Vec::new(),
        problems: Vec::new(),
        passed: false,
    })
}

/// Writes the history (timed), then on Postgres gathers statistics (timed apart).
async fn seed_history(
    cfg: &HistoryConfig,
    db: &HistoryDatabase,
    conn: &mut AnyConnection,
) -> anyhow::Result<SeedFigures> {
    let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let live = cfg.hot / 2;
    let plan = seed::Seed { finished: cfg.matches, live, scheduled: cfg.hot - live, now_ms };
    let started = Instant::now();
    tokio::time::timeout(cfg.seed_timeout, seed::seed(&db.url, &plan))
        .await
        .context("seeding took longer than --seed-timeout")?
        .context("seeding the history")?;
    let seconds = started.elapsed().as_secs_f64();
    let analyze_s = match db.postgres {
        true => Some(database::analyze(conn).await?),
        false => None,
    };
    let (match_rows, event_rows) = database::row_counts(conn).await?;
    Ok(SeedFigures {
        seconds,
        matches_per_s: (cfg.matches + cfg.hot) as f64 / seconds.max(1e-9),
        match_rows,
        event_rows,
        analyze_s,
    })
}

/// The start-up and memory of the first node of `server`, after `settle`.
async fn node_figures(server: &Scorecast, settle: Duration) -> NodeFigures {
    tokio::time::sleep(settle).await;
    let ready_s = server.ready_in.first().map_or(f64::NAN, Duration::as_secs_f64);
    NodeFigures {
        ready_s,
        rss_kib: server.pid.and_then(|pid| procfs::rss_kib(pid).ok()),
        rss_anon_kib: server.pid.and_then(|pid| procfs::rss_anon_kib(pid).ok()),
    }
}

/// What the node on the history is measured for.
struct Seeded {
    node: NodeFigures,
    held_hot: Option<f64>,
    held_cold: Option<f64>,
    check: model::CheckFigures,
    requests: Vec<model::RequestSeries>,
    rss_after_requests_kib: Option<u64>,
    held_cold_after_requests: Option<f64>,
}

async fn seeded_node(
    server: &Scorecast,
    http: &reqwest::Client,
    cfg: &HistoryConfig,
    conn: &mut AnyConnection,
    ids: &Ids,
) -> anyhow::Result<Seeded> {
    let node = node_figures(server, cfg.settle).await;
    let held = |residence: &'static str| {
        let series = format!("scorecast_matches_held{{residence=\"{residence}\"}}");
        async move { metric(http, &server.url, &series).await }
    };
    let (held_hot, held_cold) = (held("hot").await, held("cold").await);
    let check = database::time_check(conn, cfg.check_runs, cfg.series_limit).await?;
    let requests =
        requests::all_series(http, &server.url, ids, cfg.requests, cfg.series_limit).await?;
    Ok(Seeded {
        node,
        held_hot,
        held_cold,
        check,
        requests,
        rss_after_requests_kib: server.pid.and_then(|pid| procfs::rss_kib(pid).ok()),
        held_cold_after_requests: held("cold").await,
    })
}

/// The value of `series` (name and labels, exactly) in the node's `/metrics`.
pub async fn metric(http: &reqwest::Client, node: &Url, series: &str) -> Option<f64> {
    let text = http.get(node.join("metrics").ok()?).send().await.ok()?.text().await.ok()?;
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}
