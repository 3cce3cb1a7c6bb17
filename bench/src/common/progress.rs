//! Progress bars on the terminal while a run connects, posts or waits.

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar of `len` steps, or a hidden one when `enabled` is false.
pub fn bar(enabled: bool, len: u64, message: &'static str) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template("{spinner} {msg:16} [{bar:40}] {pos}/{len} {elapsed}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    ProgressBar::new(len).with_style(style).with_message(message)
}
