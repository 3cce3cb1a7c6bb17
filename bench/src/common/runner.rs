//! The start-measure-stop runner every scenario against scorecast goes through: reach or start the
//! server, measure, stop the server (also when the measurement failed), and date the run.

use super::meta::Meta;
use super::results::Report;
use super::scorecast::{http_client, Scorecast, ServerConfig};

/// Runs `measure` against the configured scorecast (spawned on `database_url` or a fresh SQLite
/// file, or reached), then stops a spawned server; notes its version and the finish in `meta`.
pub async fn with_scorecast<T>(
    meta: &mut Meta,
    server: &ServerConfig,
    database_url: Option<&str>,
    measure: impl AsyncFnOnce(&Scorecast, &reqwest::Client) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let http = http_client()?;
    let scorecast = Scorecast::start(server, database_url).await?;
    let result = measure(&scorecast, &http).await;
    meta.scorecast_version = scorecast.version.clone();
    // Its idle keep-alive connection would hold up the server's graceful stop.
    drop(http);
    scorecast.stop().await?;
    let value = result?;
    meta.finish();
    Ok(value)
}

/// `with_scorecast` for a scenario whose measurement is its whole report: the report gets the
/// run's metadata (started under its subcommand's name).
pub async fn run_report<R: Report>(
    server: &ServerConfig,
    database_url: Option<&str>,
    measure: impl AsyncFnOnce(&Scorecast, &reqwest::Client) -> anyhow::Result<R>,
) -> anyhow::Result<R> {
    let mut meta = Meta::start(R::NAME);
    let mut report = with_scorecast(&mut meta, server, database_url, measure).await?;
    *report.meta_mut() = meta;
    Ok(report)
}
