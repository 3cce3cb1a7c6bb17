//! `ingest --versus`: the ingest levels with the matches of two sets of sports side by side, e.g.
//! the five sports mixed against football alone, in interleaved rounds (the order alternating, as
//! in `compare`), each run against a fresh spawned server (a fresh SQLite file, or a fresh
//! database of a Postgres this tool starts); then each level's medians and candidate ÷ baseline.

pub mod markdown;
pub mod model;

use anyhow::{bail, Context};

use super::{check, describe_database, measure, IngestConfig};
use crate::cluster::infra::Postgres;
use crate::common::meta::Meta;
use crate::common::sport::SportMix;
use model::{Run, VersusReport};

/// Most rounds: each is two whole ingest runs.
pub const MAX_ROUNDS: usize = 10;

#[derive(Debug, Clone)]
pub struct VersusConfig {
    /// The levels, matches and server of every run (its `sports` is replaced by each side's).
    pub ingest: IngestConfig,
    /// Measured against (e.g. football alone).
    pub baseline: SportMix,
    /// Under judgement (e.g. `mix`).
    pub candidate: SportMix,
    pub rounds: usize,
    /// Start a throwaway Postgres and give every run a fresh database of it (with a spawned
    /// server; in place of `ingest.database_url`).
    pub own_postgres: bool,
    /// The baseline side spawns this binary instead of `--spawn-server` (e.g. the merge base's
    /// build): two builds side by side on the same sports.
    pub baseline_binary: Option<std::path::PathBuf>,
}

pub async fn run_ingest_versus(cfg: VersusConfig) -> anyhow::Result<VersusReport> {
    if !(1..=MAX_ROUNDS).contains(&cfg.rounds) {
        bail!("--rounds must be between 1 and {MAX_ROUNDS}");
    }
    if cfg.own_postgres
        && (cfg.ingest.server.spawn_server.is_none() || cfg.ingest.database_url.is_some())
    {
        bail!("--own-postgres needs --spawn-server, and no --database-url");
    }
    if cfg.baseline_binary.is_some() && cfg.ingest.server.spawn_server.is_none() {
        bail!("--baseline-binary needs --spawn-server (the candidate's binary)");
    }
    for sports in [&cfg.baseline, &cfg.candidate] {
        check(&IngestConfig { sports: sports.clone(), ..cfg.ingest.clone() })?;
    }
    let mut meta = Meta::start("ingest-sports");
    let mut postgres = match cfg.own_postgres {
        true => Some(Postgres::start().await.context("starting Postgres")?),
        false => None,
    };
    let runs = measure_rounds(&cfg, postgres.as_mut()).await;
    let database = match &postgres {
        Some(pg) => format!(
            "postgres (started by this tool{}, fsync on; a fresh database per run)",
            pg.version.as_deref().map(|v| format!(", {v}")).unwrap_or_default()
        ),
        None => describe_database(cfg.ingest.database_url.as_deref()),
    };
    if let Some(pg) = postgres {
        pg.stop().await?;
    }
    let runs = runs?;
    meta.scorecast_version = runs.iter().find_map(|r| r.report.meta.scorecast_version.clone());
    meta.finish();
    Ok(VersusReport::judge(meta, database, &cfg, runs))
}

/// Every round, the two sides in alternating order.
async fn measure_rounds(
    cfg: &VersusConfig,
    mut postgres: Option<&mut Postgres>,
) -> anyhow::Result<Vec<Run>> {
    let mut runs = Vec::new();
    for round in 1..=cfg.rounds {
        let candidate_first = round % 2 == 0;
        for position in 1..=2 {
            let is_candidate = (position == 1) == candidate_first;
            let sports = if is_candidate { &cfg.candidate } else { &cfg.baseline };
            let database_url = match postgres.as_deref_mut() {
                Some(pg) => Some(pg.fresh_database("ingest").await?),
                None => cfg.ingest.database_url.clone(),
            };
            let mut run_cfg = IngestConfig { sports: sports.clone(), ..cfg.ingest.clone() };
            if let (false, Some(binary)) = (is_candidate, &cfg.baseline_binary) {
                run_cfg.server.spawn_server = Some(binary.clone());
            }
            tracing::info!(round, %sports, "ingest side by side: measuring");
            let report = measure(&run_cfg, database_url.as_deref())
                .await
                .with_context(|| format!("round {round}, {sports}"))?;
            runs.push(Run { round, position, candidate: is_candidate, report });
        }
    }
    Ok(runs)
}
