//! Result files: every run writes `<subcommand>-<UTC timestamp>.json` and `.md` into the results
//! folder.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

use super::meta::Meta;

/// Where results go unless `--results-dir` says otherwise: this crate's `results/` folder.
pub const DEFAULT_RESULTS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/results");

/// A finished run's result, as written to the results folder.
pub trait Report: Serialize {
    /// The subcommand: the files' name prefix.
    const NAME: &'static str;
    fn meta_mut(&mut self) -> &mut Meta;
    /// Whether the run found nothing wrong.
    fn passed(&self) -> bool;
    fn markdown(&self) -> String;
}

/// `Report` for a result type with `meta` and `passed` fields, rendered by the function `$render`.
macro_rules! impl_report {
    ($type:ty, $name:literal, $render:path) => {
        impl $crate::common::results::Report for $type {
            const NAME: &'static str = $name;
            fn meta_mut(&mut self) -> &mut $crate::common::meta::Meta {
                &mut self.meta
            }
            fn passed(&self) -> bool {
                self.passed
            }
            fn markdown(&self) -> String {
                $render(self)
            }
        }
    };
}
pub(crate) use impl_report;

/// Writes `<name>-<UTC timestamp>.json` and `.md` into `dir`; returns both paths.
pub fn write(
    dir: &Path,
    name: &str,
    json: &impl Serialize,
    markdown: &str,
) -> anyhow::Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"))?;
    let json_path = dir.join(format!("{name}-{stamp}.json"));
    let md_path = dir.join(format!("{name}-{stamp}.md"));
    let mut text = serde_json::to_string_pretty(json)?;
    text.push('\n');
    std::fs::write(&json_path, text).with_context(|| format!("writing {}", json_path.display()))?;
    std::fs::write(&md_path, markdown).with_context(|| format!("writing {}", md_path.display()))?;
    Ok((json_path, md_path))
}
