//! `summary` flags: writes REPORT.md from the results already in the folder.

use std::path::PathBuf;

use clap::Args;

use crate::bandwidth::svg;
use crate::common::results::DEFAULT_RESULTS_DIR;
use crate::summary::{render, Inputs};

#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// Folder holding the JSON results; REPORT.md is written there.
    #[arg(long, default_value = DEFAULT_RESULTS_DIR)]
    pub results_dir: PathBuf,
    /// A paragraph for the top of the report (e.g. what was measured, which commit).
    #[arg(long)]
    pub note: Option<String>,
}

/// Writes REPORT.md and prints it; passes when every kind of result was found.
pub fn run(args: SummaryArgs) -> anyhow::Result<bool> {
    let inputs = Inputs::load(&args.results_dir)?;
    let text = render(&inputs, args.note.as_deref());
    let path = args.results_dir.join("REPORT.md");
    std::fs::write(&path, &text)?;
    if let Some((_, bandwidth)) = &inputs.bandwidth {
        std::fs::write(args.results_dir.join(crate::summary::CHART), svg::render(bandwidth))?;
    }
    println!("{text}");
    println!("Report: {}", path.display());
    Ok(inputs.fanout.len() == crate::summary::FANOUT_SIZES.len()
        && inputs.bandwidth.is_some()
        && !inputs.ingest.is_empty()
        && inputs.poll.is_some())
}
