//! Results: the JSON model, the Markdown rendering, and where both are written.

pub mod markdown;
pub mod model;

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

use model::Meta;

/// Where results go unless `--results-dir` says otherwise: this crate's `results/` folder.
pub const DEFAULT_RESULTS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/results");

impl Meta {
    /// Facts about this machine, and the start time of `subcommand`.
    pub fn start(subcommand: &str) -> Self {
        Self {
            tool: format!("scorecast-bench {}", env!("CARGO_PKG_VERSION")),
            subcommand: subcommand.into(),
            started_at: now_rfc3339(),
            finished_at: String::new(),
            cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            mem_total_kib: std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
                m.lines()
                    .find(|l| l.starts_with("MemTotal:"))?
                    .split_whitespace()
                    .nth(1)?
                    .parse()
                    .ok()
            }),
            open_file_limit: open_file_limit(),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .ok()
                .map(|s| s.trim().to_owned()),
            loadavg_start: loadavg(),
            loadavg_finish: None,
            scorecast_version: None,
            note: None,
        }
    }

    pub fn finish(&mut self) {
        self.finished_at = now_rfc3339();
        self.loadavg_finish = loadavg();
    }
}

fn loadavg() -> Option<String> {
    std::fs::read_to_string("/proc/loadavg").ok().map(|s| s.trim().to_owned())
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn open_file_limit() -> Option<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes into the struct passed.
    (unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0).then_some(limit.rlim_cur)
}

/// Writes `<subcommand>-<UTC timestamp>.json` and `.md` into `dir`; returns both paths.
pub fn write(
    dir: &Path,
    subcommand: &str,
    json: &impl Serialize,
    markdown: &str,
) -> anyhow::Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"))?;
    let json_path = dir.join(format!("{subcommand}-{stamp}.json"));
    let md_path = dir.join(format!("{subcommand}-{stamp}.md"));
    let mut text = serde_json::to_string_pretty(json)?;
    text.push('\n');
    std::fs::write(&json_path, text).with_context(|| format!("writing {}", json_path.display()))?;
    std::fs::write(&md_path, markdown).with_context(|| format!("writing {}", md_path.display()))?;
    Ok((json_path, md_path))
}
