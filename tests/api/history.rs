//! Years of matches: a node holds the hot set in memory and reads the rest from the database when
//! asked, and every answer is the same either way (ETags included). The history is written
//! straight into the database by the bench's seeder (`bench/src/history/seed.rs`).

use std::collections::HashSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::backend_tests;
use crate::common::seed::{seed, Seed};
use crate::common::{spawn_app, Backend, TestApp};
use crate::helpers::assert_problem;
use crate::ws_client::connect;

backend_tests!(
    an_old_match_is_answered_from_the_database_as_it_was_from_memory,
    lists_are_read_a_page_at_a_time_with_a_cursor,
    a_followed_old_match_stays_in_memory_and_gets_its_updates,
    an_old_match_changed_within_the_window_is_hot_at_the_next_start,
);

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

/// A node on a database holding `finished` old matches, 3 in play and 3 kicking off today,
/// with room for `cold` old matches in memory.
async fn node_on_history(backend: Backend, finished: u64, cold: usize) -> Option<TestApp> {
    let mut app = spawn_app(backend).await?;
    app.stop().await;
    let history = Seed { finished, live: 3, scheduled: 3, now_ms: now_ms() };
    seed(&app.database.url, &history).await.expect("seeding the history");
    Some(app.restart_with(0, |s| s.memory.cold_cache_matches = cold).await)
}

/// How many matches `app` holds in memory: (hot, cold).
pub async fn held(app: &TestApp) -> (f64, f64) {
    let hot = app.metric("scorecast_matches_held{residence=\"hot\"}").await;
    (hot, app.metric("scorecast_matches_held{residence=\"cold\"}").await)
}

/// The body, ETag and history of match `id`, and the status of a poll with that ETag.
pub async fn answers(app: &TestApp, id: i64) -> (Value, String, Value, u16) {
    let response = app.get(&format!("/api/v1/matches/{id}")).await;
    assert_eq!(response.status(), 200);
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    let history: Value =
        app.get(&format!("/api/v1/matches/{id}/events")).await.json().await.unwrap();
    let poll = app
        .client
        .get(app.url(&format!("/api/v1/matches/{id}")))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    (body, etag, history, poll.status().as_u16())
}

async fn an_old_match_is_answered_from_the_database_as_it_was_from_memory(backend: Backend) {
    let Some(mut app) = node_on_history(backend, 40, 4).await else { return };
    assert_eq!(held(&app).await, (6.0, 0.0), "the hot set: 3 in play, 3 kicking off today");
    let cold = answers(&app, 1).await;
    assert_eq!(cold.0["status"], "finished");
    assert_eq!(cold.0["events"].as_array().unwrap().len(), 3);
    assert_eq!(cold.3, 304, "its ETag is current");
    assert_eq!(held(&app).await, (6.0, 1.0), "read into the cold cache");
    for id in 2..=12 {
        assert_eq!(app.get(&format!("/api/v1/matches/{id}")).await.status(), 200);
    }
    assert_eq!(held(&app).await, (6.0, 4.0), "the cache keeps at most --cold-cache-matches");
    assert_eq!(answers(&app, 1).await, cold, "read again after it was let go");
    app.stop().await;

    // As a node holding every match in memory answered before the hot set.
    let everything = app.restart_with(0, |s| s.memory.hot_window_hours = 8784).await;
    assert_eq!(held(&everything).await, (46.0, 0.0));
    assert_eq!(answers(&everything, 1).await, cold);
    assert_eq!(everything.get("/api/v1/matches/47").await.status(), 404);
}

async fn lists_are_read_a_page_at_a_time_with_a_cursor(backend: Backend) {
    let Some(app) = node_on_history(backend, 120, 4).await else { return };
    let page = |query: String| {
        let app = &app;
        async move { app.get(&format!("/api/v1/matches?{query}")).await.json::<Value>().await.unwrap() }
    };
    let ids = |page: &Value| -> Vec<i64> {
        page["matches"].as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect()
    };
    let mut walked = Vec::new();
    let mut query = "limit=50".to_owned();
    loop {
        let page = page(query.clone()).await;
        assert_eq!(page["total"], 126);
        walked.extend(ids(&page));
        match page["next"].as_str() {
            Some(next) => query = format!("limit=50&after={next}"),
            None => break,
        }
    }
    let by_offset: Vec<i64> = [0, 50, 100]
        .into_iter()
        .map(|offset| page(format!("limit=50&offset={offset}")))
        .collect::<futures_util::future::JoinAll<_>>()
        .await
        .iter()
        .flat_map(ids)
        .collect();
    assert_eq!(walked, by_offset, "the cursor walks the same order as offsets");
    assert_eq!(walked.iter().collect::<HashSet<_>>().len(), 126, "every match once");
    assert_eq!(walked[..3], [1, 2, 3], "oldest kick-off first");

    let live = page("status=live".into()).await;
    assert_eq!(ids(&live), [121, 122, 123]);
    assert_eq!(page("status=finished&limit=500".into()).await["total"], 120);
    // One day: the matches kicking off in the next 24 hours.
    let now = time::OffsetDateTime::now_utc();
    let day =
        |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap();
    let today =
        page(format!("from={}&to={}", day(now), day(now + Duration::from_secs(86_400)))).await;
    assert_eq!(ids(&today), [124, 125, 126]);
    let competitions = app.get("/api/v1/competitions").await.json::<Value>().await.unwrap();
    let counted: i64 = competitions["competitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["matches"].as_i64().unwrap())
        .sum();
    assert_eq!(counted, 126);

    // An offset given with a cursor counts from the cursor.
    let first = page("limit=50".into()).await;
    let next = first["next"].as_str().unwrap();
    let skipped = page(format!("limit=5&after={next}&offset=10")).await;
    assert_eq!(ids(&skipped), walked[60..65], "five matches from the 61st");
    for bad in ["yesterday", "", "+5_1", "5_01", "5_0", "1000000000000000000_1", "5_1_2"] {
        let bad = app.get(&format!("/api/v1/matches?after={bad}")).await;
        assert_eq!(assert_problem(bad, 422).await["field"], "after");
    }
}

async fn a_followed_old_match_stays_in_memory_and_gets_its_updates(backend: Backend) {
    let Some(app) = node_on_history(backend, 30, 0).await else { return };
    let mut client = connect(app.port, "matches=2").await;
    let snapshot = client.next().await;
    assert_eq!((snapshot["k"].as_str(), snapshot["s"].as_i64()), (Some("snapshot"), Some(3)));
    assert_eq!(held(&app).await, (7.0, 0.0), "followed: hot, whatever the cache holds");
    for id in 3..=8 {
        assert_eq!(app.get(&format!("/api/v1/matches/{id}")).await.status(), 200);
    }
    let fixed = app.patch_json("/api/v1/matches/2", &json!({"competition": "Cup"})).await;
    assert_eq!(fixed.status(), 200);
    let update = client.next().await;
    assert_eq!((update["k"].as_str(), update["s"].as_i64()), (Some("match"), Some(4)), "{update}");
    drop(client);
    // Once its follower has left, the next sweep lets it go as the old match it is.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.snapshot(2).await["competition"], "Cup");
}

/// What changed is found through the places in the change sequence (`change_log.changed_at` on
/// Postgres, `changed_matches.updated_at` on SQLite), not the row of `matches`, whose `updated_at`
/// has no index.
async fn an_old_match_changed_within_the_window_is_hot_at_the_next_start(backend: Backend) {
    let Some(mut app) = node_on_history(backend, 10, 0).await else { return };
    assert_eq!(held(&app).await, (6.0, 0.0), "the hot set: 3 in play, 3 kicking off today");
    let fixed = app.patch_json("/api/v1/matches/1", &json!({"competition": "Cup"})).await;
    assert_eq!(fixed.status(), 200);
    app.stop().await;
    let again = app.restart_with(0, |s| s.memory.cold_cache_matches = 0).await;
    assert_eq!(held(&again).await, (7.0, 0.0), "and the old match changed today");
    assert_eq!(again.snapshot(1).await["competition"], "Cup");
}
