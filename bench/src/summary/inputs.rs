//! Finding the latest result of each kind in a results folder.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::de::DeserializeOwned;

use super::FANOUT_SIZES;
use crate::bandwidth::model::BandwidthReport;
use crate::cluster::model::ClusterReport;
use crate::fanout::model::FanoutReport;
use crate::ingest::model::IngestReport;
use crate::poll::model::PollReport;

/// The latest results found, each with the file it came from.
#[derive(Default)]
pub struct Inputs {
    pub fanout: Vec<(String, FanoutReport)>,
    pub bandwidth: Option<(String, BandwidthReport)>,
    pub ingest: Vec<(String, IngestReport)>,
    pub poll: Option<(String, PollReport)>,
    pub cluster: Option<(String, ClusterReport)>,
}

impl Inputs {
    /// Reads `dir`: for each fan-out size the latest run with the floor, the latest bandwidth and
    /// poll runs, and the latest ingest run per database kind.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        // Names end in a UTC timestamp: newest last within each subcommand.
        files.sort();
        let mut inputs = Inputs::default();
        for path in files.iter().rev() {
            let name =
                path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if name.starts_with("fanout-") {
                let Some(r) = read::<FanoutReport>(path) else { continue };
                let n = r.scorecast.subscribers;
                let wanted = FANOUT_SIZES.contains(&n) && r.floor.is_some();
                if wanted && !inputs.fanout.iter().any(|(_, f)| f.scorecast.subscribers == n) {
                    inputs.fanout.push((name, r));
                }
            } else if name.starts_with("bandwidth-") && inputs.bandwidth.is_none() {
                inputs.bandwidth = read(path).map(|r| (name, r));
            } else if name.starts_with("cluster-") && inputs.cluster.is_none() {
                inputs.cluster = read(path).map(|r| (name, r));
            } else if name.starts_with("poll-") && inputs.poll.is_none() {
                inputs.poll = read(path).map(|r| (name, r));
            } else if name.starts_with("ingest-") && !name.starts_with("ingest-sports-") {
                let Some(r) = read::<IngestReport>(path) else { continue };
                let kind = |r: &IngestReport| r.database.starts_with("postgres");
                if !inputs.ingest.iter().any(|(_, i)| kind(i) == kind(&r)) {
                    inputs.ingest.push((name, r));
                }
            }
        }
        inputs.fanout.sort_by_key(|(_, f)| f.scorecast.subscribers);
        inputs.ingest.sort_by_key(|(_, i)| i.database.starts_with("postgres"));
        Ok(inputs)
    }
}

fn read<T: DeserializeOwned>(path: &Path) -> Option<T> {
    let text = std::fs::read_to_string(path).ok()?;
    match serde_json::from_str(&text) {
        Ok(r) => Some(r),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "skipping a result that does not parse");
            None
        }
    }
}
