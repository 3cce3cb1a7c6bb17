//! `corrections` flags.

use std::time::Duration;

use clap::Args;

use super::{Outcome, OutputArgs, ServerArgs};
use crate::common::duration::parse_duration;
use crate::corrections::{run_corrections, CorrectionsConfig};

#[derive(Debug, Args)]
pub struct CorrectionsArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Database of the spawned server, e.g. postgres://postgres@127.0.0.1:5433/bench (an empty
    /// database) [default: a fresh SQLite file].
    #[arg(long, requires = "spawn_server", help_heading = "Server")]
    pub database_url: Option<String>,
    #[command(flatten)]
    pub load: CorrectionsLoad,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Load")]
pub struct CorrectionsLoad {
    /// Events of the long match the corrections refold (at most the server's
    /// --max-correction-depth behind the latest goal).
    #[arg(long, default_value_t = 2_000)]
    pub events: usize,
    /// Corrections posted one after the other.
    #[arg(long, default_value_t = 200)]
    pub corrections: usize,
    /// Other matches posting meanwhile.
    #[arg(long, default_value_t = 4)]
    pub others: usize,
    /// Each other match's events per second.
    #[arg(long, default_value_t = 20.0)]
    pub others_rate: f64,
    /// How long the other matches post alone first, for the comparison.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub baseline: Duration,
}

pub async fn run(args: CorrectionsArgs) -> anyhow::Result<Outcome> {
    let l = &args.load;
    let mut cfg = CorrectionsConfig::new(args.server.to_config());
    cfg.database_url = args.database_url;
    cfg.events = l.events;
    cfg.corrections = l.corrections;
    cfg.others = l.others;
    cfg.others_rate = l.others_rate;
    cfg.baseline = l.baseline;
    args.output.publish(&mut run_corrections(cfg).await?)
}
