//! What every scenario shares: the scorecast under test (reached, or started and stopped) and the
//! processes this tool starts, the start-measure-stop runner, run metadata, result files,
//! Markdown helpers, durations on the command line, progress bars, and the sports a run's matches
//! are of.

pub mod duration;
pub mod markdown;
pub mod meta;
pub mod percentiles;
pub mod process;
pub mod progress;
pub mod results;
pub mod runner;
pub mod scorecast;
pub mod sport;
pub mod tls;
pub mod workers;
