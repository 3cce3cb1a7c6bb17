use std::process::ExitCode;

use clap::Parser;
use scorecast_bench::cli::{self, Cli, Command};
use scorecast_bench::fanout::worker;
use scorecast_bench::{bandwidth, floor, namespace, soak};

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_env_filter(
            // sqlx warns of every statement over a second: `history`'s seeding is made of them.
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx::query=error".into()),
        )
        .init();
    // Before any thread starts: every later thread and child process must be inside it.
    let own_netns = match &cli.command {
        Command::Million(args) => args.own_netns,
        Command::Bandwidth(args) => args.spread.own_netns,
        _ => false,
    };
    if own_netns {
        if let Err(e) = namespace::enter(namespace::EHASH_BUCKETS) {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    }
    let result = match cli.command {
        Command::FanoutWorker => worker::main_stdio().map(|()| true),
        Command::SoakWorker => soak::worker::main_stdio().map(|()| true),
        Command::BandwidthWorker => bandwidth::spread::worker::main_stdio().map(|()| true),
        Command::FloorServer { listen } => floor::main_stdio(listen).map(|()| true),
        command => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Into::into)
            .and_then(|runtime| runtime.block_on(cli::execute(command))),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
