//! Years of matches, written straight into a scorecast database (migrated by a first start of
//! the server), fast: a handful of `INSERT ... SELECT` statements over a generated series, not one
//! request per match. Shared by `scorecast-bench history` and the tests (which include this file).
//!
//! Every match is a football match as the server itself would have stored it: its row (with its
//! current state, so nothing is rebuilt when it is read) and its events' JSON bodies.
//! - `finished`: the history, one kick-off every five minutes going back from three days ago
//!   (a million reach about ten years back), each with a kick-off, a goal and the final whistle;
//! - `live`: kicked off 30 minutes ago, with a kick-off and a goal;
//! - `scheduled`: kicking off within the next 24 hours, no events (their state is left to the
//!   server to derive, as for rows of an earlier release).

use sqlx::{AnyConnection, Connection, Executor};

/// How many matches of each kind to add, as of `now_ms` (unix milliseconds).
#[derive(Debug, Clone, Copy)]
pub struct Seed {
    pub finished: u64,
    pub live: u64,
    pub scheduled: u64,
    pub now_ms: i64,
}

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 24 * 60 * MINUTE_MS;

/// Adds `seed`'s matches and events to the database at `url` (sqlite:// or postgres://).
pub async fn seed(url: &str, seed: &Seed) -> Result<(), sqlx::Error> {
    sqlx::any::install_default_drivers();
    let postgres = !url.starts_with("sqlite:");
    let mut conn = AnyConnection::connect(url).await?;
    let now = seed.now_ms;
    let kinds = [
        // (count, kick-off of match i, events, status)
        (
            seed.finished,
            format!("{} - 3 * {DAY_MS} - ({} - i) * 5 * {MINUTE_MS}", now, seed.finished),
            3,
            "finished",
        ),
        (seed.live, format!("{now} - 30 * {MINUTE_MS}"), 2, "live"),
        (
            seed.scheduled,
            format!("{now} + i * {} / ({} + 1)", DAY_MS, seed.scheduled),
            0,
            "scheduled",
        ),
    ];
    for (count, kickoff, events, status) in kinds {
        if count == 0 {
            continue;
        }
        let before: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM matches")
            .fetch_one(&mut conn)
            .await?;
        conn.execute(matches_sql(postgres, count, &kickoff, events, status, now).as_str()).await?;
        for seq in 1..=events {
            conn.execute(events_sql(postgres, before, seq, status).as_str()).await?;
        }
    }
    conn.close().await
}

/// An ISO 8601 UTC time with milliseconds, from an SQL expression in unix milliseconds.
fn iso(postgres: bool, ms: &str) -> String {
    if postgres {
        format!("to_char(to_timestamp(({ms}) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")
    } else {
        format!("strftime('%Y-%m-%dT%H:%M:%fZ', ({ms}) / 1000.0, 'unixepoch')")
    }
}

/// When event `seq` of a match kicking off at `kickoff` (SQL) was recorded.
fn event_at(kickoff: &str, seq: u32) -> String {
    let minutes = [0, 0, 12, 105][seq as usize];
    format!("({kickoff} + {minutes} * {MINUTE_MS})")
}

fn matches_sql(
    postgres: bool,
    count: u64,
    kickoff: &str,
    events: u32,
    status: &str,
    now: i64,
) -> String {
    let (series, from) = if postgres {
        // bigint: i times a day in milliseconds leaves Postgres's integer past 24 matches.
        (String::new(), format!("generate_series(1::bigint, {count}::bigint) AS s(i)"))
    } else {
        (
            format!("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {count}) "),
            "s".to_owned(),
        )
    };
    let goals = u32::from(events >= 2);
    let state = if events == 0 {
        "NULL".to_owned()
    } else {
        format!(
            "'{{\"v\":1,\"status\":\"{status}\",\"confirmed\":false,\"seq\":{events},\"play\":{{\"football\":\
             {{\"period\":\"first_half\",\"minute\":12,\"period_started_at\":\"' || {} || '\",\
             \"score\":{{\"home\":1,\"away\":0}},\"line\":[[\"first_half\",{{\"home\":1,\"away\":0}}]]}}}}}}'",
            iso(postgres, "k.kickoff")
        )
    };
    let updated =
        if events == 0 { format!("{now} - 7 * {DAY_MS}") } else { event_at("k.kickoff", events) };
    let (period, minute) = if events == 0 { ("NULL", "NULL") } else { ("'first_half'", "12") };
    format!(
        "{series}INSERT INTO matches (home, away, competition, kickoff_at, revision, status, period, \
         minute, home_score, away_score, seq, created_at, updated_at, sport, format, state) \
         SELECT 'Home ' || (k.i % 500), 'Away ' || (k.i % 499), 'League ' || (k.i % 40), k.kickoff, 0, \
         '{status}', {period}, {minute}, {goals}, 0, {events}, {now} - 7 * {DAY_MS}, {updated}, \
         'football', '{{}}', {state} \
         FROM (SELECT i, {kickoff} AS kickoff FROM {from}) k ORDER BY k.i"
    )
}

fn events_sql(postgres: bool, after_id: i64, seq: u32, status: &str) -> String {
    let at = event_at("m.kickoff_at", seq);
    let (kind, extra, score) = match seq {
        1 => ("kickoff", "", "{\"home\":0,\"away\":0}"),
        2 => ("goal", ",\"team\":\"home\",\"minute\":12", "{\"home\":1,\"away\":0}"),
        _ => ("end", "", "{\"home\":1,\"away\":0}"),
    };
    format!(
        "INSERT INTO events (match_id, seq, kind, body, created_at) \
         SELECT m.id, {seq}, '{kind}', '{{\"match_id\":' || m.id || ',\"seq\":{seq},\"kind\":\"{kind}\"{extra},\
         \"score\":{score},\"recorded_at\":\"' || {} || '\"}}', {at} \
         FROM matches m WHERE m.id > {after_id} AND m.status = '{status}' ORDER BY m.id",
        iso(postgres, &at)
    )
}
