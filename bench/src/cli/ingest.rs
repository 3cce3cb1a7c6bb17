//! `ingest` flags.

use std::time::Duration;

use clap::Args;

use super::{Outcome, OutputArgs, ServerArgs};
use crate::common::duration::parse_duration;
use crate::common::sport::SportMix;
use crate::ingest::versus::{run_ingest_versus, VersusConfig};
use crate::ingest::{run_ingest, IngestConfig};

#[derive(Debug, Args)]
pub struct IngestArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Database of the spawned server, e.g. postgres://postgres@127.0.0.1:5433/bench (an empty
    /// database; scorecast applies its migrations) [default: a fresh SQLite file].
    #[arg(long, requires = "spawn_server", help_heading = "Server")]
    pub database_url: Option<String>,
    /// With --versus: start a throwaway Postgres (initdb in a temp folder) and give every run a
    /// fresh database of it.
    #[arg(long, requires_all = ["spawn_server", "versus"], conflicts_with = "database_url")]
    #[arg(help_heading = "Server")]
    pub own_postgres: bool,
    #[command(flatten)]
    pub load: IngestLoad,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Load")]
pub struct IngestLoad {
    /// Closed-loop levels: concurrent keep-alive clients posting back to back, comma-separated.
    #[arg(short = 'c', long, value_delimiter = ',', default_value = "1,8,64,256")]
    pub concurrency: Vec<usize>,
    /// Time each closed-loop level runs.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub level_duration: Duration,
    /// Matches the events are spread over (fresh ones per level, one subscriber each).
    #[arg(long, default_value_t = 16)]
    pub matches: usize,
    /// Events per second of the paced level; 0 skips it.
    #[arg(long, default_value_t = 1000.0)]
    pub paced_rate: f64,
    /// Time the paced level runs.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub paced_duration: Duration,
    /// Clients of the paced level.
    #[arg(long, default_value_t = 64)]
    pub paced_concurrency: usize,
    /// The matches' sports, spread over each level's matches in turn: `football`, `mix` (all
    /// five), or a comma-separated list (football, basketball, ice_hockey, tennis, volleyball).
    /// With tennis or volleyball, --matches must be at least every concurrency.
    #[arg(long, default_value = "football", value_parser = SportMix::parse)]
    pub sports: SportMix,
    /// Also run these sports as the baseline, side by side with --sports in interleaved rounds
    /// (each run a fresh spawned server), and judge --sports at ≥ 0.9× its events/s.
    #[arg(long, value_parser = SportMix::parse)]
    pub versus: Option<SportMix>,
    /// With --versus: the baseline side spawns this scorecast binary instead of --spawn-server's
    /// (e.g. the merge base's build, with --versus football --sports football)
    #[arg(long, requires = "versus")]
    pub baseline_binary: Option<std::path::PathBuf>,
    /// Rounds of the side-by-side run; the order alternates from round to round.
    #[arg(long, default_value_t = 3, requires = "versus")]
    pub rounds: usize,
    /// Do not draw progress bars.
    #[arg(long)]
    pub no_progress: bool,
}

pub async fn run(args: IngestArgs) -> anyhow::Result<Outcome> {
    let l = &args.load;
    let mut cfg = IngestConfig::new(args.server.to_config());
    cfg.database_url = args.database_url;
    cfg.levels = l.concurrency.clone();
    cfg.level_duration = l.level_duration;
    cfg.matches = l.matches;
    cfg.paced_rate = (l.paced_rate > 0.0).then_some(l.paced_rate);
    cfg.paced_duration = l.paced_duration;
    cfg.paced_concurrency = l.paced_concurrency;
    cfg.sports = l.sports.clone();
    cfg.progress = !l.no_progress;
    match &l.versus {
        None => args.output.publish(&mut run_ingest(cfg).await?),
        Some(baseline) => {
            let versus = VersusConfig {
                baseline: baseline.clone(),
                candidate: l.sports.clone(),
                rounds: l.rounds,
                own_postgres: args.own_postgres,
                baseline_binary: l.baseline_binary.clone(),
                ingest: cfg,
            };
            args.output.publish(&mut run_ingest_versus(versus).await?)
        }
    }
}
