//! Where and when the numbers were taken: the facts every result starts with.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meta {
    pub tool: String,
    pub subcommand: String,
    pub started_at: String,
    pub finished_at: String,
    pub cores: usize,
    pub mem_total_kib: Option<u64>,
    pub open_file_limit: Option<u64>,
    pub kernel: Option<String>,
    /// `/proc/loadavg` when the run started and finished: other work on the machine shows here.
    pub loadavg_start: Option<String>,
    pub loadavg_finish: Option<String>,
    /// `--version` of the scorecast binary the tool started, if it started one.
    pub scorecast_version: Option<String>,
    /// Free text given with `--note` (what was measured, which commit).
    pub note: Option<String>,
}

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
