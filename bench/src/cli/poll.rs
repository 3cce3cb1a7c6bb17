//! `poll` flags.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::{Outcome, OutputArgs, ServerArgs};
use crate::common::duration::parse_duration;
use crate::poll::{nginx, run_poll, PollConfig};

#[derive(Debug, Args)]
pub struct PollArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(flatten)]
    pub load: PollLoad,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Load")]
pub struct PollLoad {
    /// Concurrent keep-alive connections, all driven by one load thread.
    #[arg(short = 'c', long, default_value_t = 64)]
    pub connections: usize,
    /// Measured time per case (200 and 304, for scorecast and nginx).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Load before measuring, per case.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub warmup: Duration,
    /// Events posted first, so the snapshot has a realistic size.
    #[arg(long, default_value_t = 5)]
    pub events: usize,
    /// Also measure nginx serving the same bytes as a static file (a process this tool starts).
    #[arg(long)]
    pub with_nginx: bool,
    /// The nginx binary.
    #[arg(long, default_value = nginx::DEFAULT_BINARY)]
    pub nginx_binary: PathBuf,
    /// nginx worker processes [default: one per core].
    #[arg(long)]
    pub nginx_workers: Option<usize>,
    /// Do not draw progress bars.
    #[arg(long)]
    pub no_progress: bool,
}

pub async fn run(args: PollArgs) -> anyhow::Result<Outcome> {
    let l = &args.load;
    let mut cfg = PollConfig::new(args.server.to_config());
    cfg.connections = l.connections;
    cfg.duration = l.duration;
    cfg.warmup = l.warmup;
    cfg.events = l.events;
    cfg.nginx = l.with_nginx.then(|| l.nginx_binary.clone());
    if let Some(n) = l.nginx_workers {
        cfg.nginx_workers = n;
    }
    cfg.progress = !l.no_progress;
    args.output.publish(&mut run_poll(cfg).await?)
}
