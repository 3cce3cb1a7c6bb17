//! The GET series of a `history` run: single matches (old ones, read from the database, and hot
//! ones, held in memory) and lists (in play, today, a past day), each a bounded number of
//! sequential requests over one keep-alive connection, timed to the end of the body.

use std::time::Duration;

use reqwest::Url;
use tokio::time::Instant;

use super::database::Ids;
use super::model::RequestSeries;
use crate::common::percentiles::Percentiles;
use crate::histogram::Histogram;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// The series, by name.
pub const COLD: &str = "GET a cold match (random old id)";
pub const HOT: &str = "GET a hot match (in play or today)";
pub const LIVE: &str = "GET /api/v1/matches?status=live";
pub const TODAY: &str = "GET today's list (UTC day)";
pub const PAST_DAY: &str = "GET a past day's list (random day of the history)";

/// Makes the path of a series' next request.
type PathMaker = Box<dyn FnMut() -> String>;

/// Every series of a run, `count` requests each, each stopped at `limit` if not done by then.
pub async fn all_series(
    http: &reqwest::Client,
    node: &Url,
    ids: &Ids,
    count: u64,
    limit: Duration,
) -> anyhow::Result<Vec<RequestSeries>> {
    let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    // The scoreboard's day view: today, midnight to midnight UTC.
    let today = now_ms - now_ms.rem_euclid(DAY_MS);
    let (oldest, newest) = ids.history_kickoffs;
    // A past day: any 24 hours within the history (all of it when it is shorter).
    let past_day = move || {
        let from = if newest - oldest > DAY_MS {
            rand::random_range(oldest..=newest - DAY_MS)
        } else {
            oldest
        };
        format!("api/v1/matches?from={}&to={}", rfc3339(from), rfc3339(from + DAY_MS))
    };
    if ids.hot.is_empty() {
        anyhow::bail!("no match in play or kicking off today was seeded");
    }
    let (cold, hot) = (ids.cold, ids.hot.clone());
    let hot_id = move || hot[rand::random_range(0..hot.len())];
    let mut series = Vec::new();
    let cases: Vec<(&str, PathMaker)> = vec![
        (COLD, Box::new(move || format!("api/v1/matches/{}", rand::random_range(cold.0..=cold.1)))),
        (HOT, Box::new(move || format!("api/v1/matches/{}", hot_id()))),
        (LIVE, Box::new(|| "api/v1/matches?status=live".to_owned())),
        (
            TODAY,
            Box::new(move || {
                format!("api/v1/matches?from={}&to={}", rfc3339(today), rfc3339(today + DAY_MS))
            }),
        ),
        (PAST_DAY, Box::new(past_day)),
    ];
    for (name, path) in cases {
        series.push(one_series(http, node, name, count, limit, path).await?);
    }
    Ok(series)
}

/// `count` GETs of the paths `path` makes, one after the other, until `limit` passes.
async fn one_series(
    http: &reqwest::Client,
    node: &Url,
    name: &str,
    count: u64,
    limit: Duration,
    mut path: impl FnMut() -> String,
) -> anyhow::Result<RequestSeries> {
    let deadline = Instant::now() + limit;
    let (mut timed, mut errors, mut timed_out) = (Histogram::default(), 0, false);
    let mut example = String::new();
    for n in 0..count {
        if Instant::now() > deadline {
            timed_out = true;
            break;
        }
        let path = path();
        let url = node.join(&path)?;
        if n == 0 {
            example = format!("/{path}");
        }
        let started = Instant::now();
        let answered = match http.get(url).send().await {
            Ok(response) if response.status() == 200 => response.bytes().await.is_ok(),
            Ok(response) => {
                tracing::warn!(status = %response.status(), %path, "unexpected answer");
                false
            }
            Err(e) => {
                tracing::warn!(error = %e, %path, "request failed");
                false
            }
        };
        timed.record(started.elapsed().as_nanos() as u64);
        if !answered {
            errors += 1;
        }
    }
    Ok(RequestSeries {
        name: name.into(),
        example,
        requests: timed.count(),
        errors,
        timed_out,
        latency_ms: Percentiles::from_ns(&timed),
    })
}

/// Unix milliseconds as RFC 3339 in UTC (`...Z`), as the list's `from` and `to` take them.
fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_bounds_are_utc_rfc3339_without_characters_to_escape() {
        // 2026-12-07T12:00:00Z is 1796644800 s after the epoch (date -u -d @1796644800).
        assert_eq!(rfc3339(1_796_644_800_000), "2026-12-07T12:00:00Z");
        assert_eq!(rfc3339(1_796_644_800_250), "2026-12-07T12:00:00.25Z");
    }
}
