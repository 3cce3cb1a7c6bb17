//! How the database stores what an event changes.

use std::time::Duration;

use scorecast::store::{DatabaseSettings, Store};
use serde_json::json;
use sqlx::AnyPool;
use time::OffsetDateTime;

use crate::cluster::eventually;
use crate::common::{fresh_database, spawn_on, Backend};

/// Matches the events go to: a handful, so that several rows share a page of `matches`.
const MATCHES: usize = 4;
/// Events per match: enough that a page filling up now and then shows in the share.
const EVENTS: usize = 40;

/// The counts of row updates of `matches`, all and HOT (in place on the row's page, with no new
/// index entry), as Postgres' statistics show them.
async fn updates(pool: &AnyPool) -> (i64, i64) {
    sqlx::query_as(
        "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'matches'",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Each event moves its match's row (its state, `seq`, `updated_at`, its place in the change
/// sequence), and lists and the cluster's check read indexes on `matches`: the write must change
/// no indexed column, or Postgres adds an entry to every index of `matches` per event (a HOT
/// update needs none; PostgreSQL documentation, "Heap-Only Tuples (HOT)", storage-hot.html).
#[tokio::test]
async fn an_event_updates_its_match_row_in_place_on_postgres() {
    let Some(database) = fresh_database(Backend::Postgres).await else { return };
    let mut app = spawn_on(database.clone(), |_| {}).await;
    let mut ids = Vec::new();
    for _ in 0..MATCHES {
        ids.push(app.live_match().await);
    }
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(&database.url).await.unwrap();
    // Statistics arrive when a backend is idle, at most once a second: wait for the
    // creations' to settle before taking the base.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let (updated, hot) = updates(&pool).await;

    for i in 0..EVENTS {
        for id in &ids {
            let minute = 1 + i * 80 / EVENTS;
            let team = if i % 2 == 0 { "home" } else { "away" };
            app.store_event(*id, &json!({"kind": "goal", "team": team, "minute": minute})).await;
        }
    }
    // Closing the application's connections sends their last statistics.
    app.stop().await;

    let events = i64::try_from(MATCHES * EVENTS).unwrap();
    eventually(Duration::from_secs(30), "the statistics count every event's update", || async {
        updates(&pool).await.0 - updated >= events
    })
    .await;
    let (updated_now, hot_now) = updates(&pool).await;
    let (all, in_place) = (updated_now - updated, hot_now - hot);
    assert!(
        in_place * 10 >= all * 8,
        "{in_place} of {all} updates of matches were HOT for {events} events"
    );
    pool.close().await;
}

/// On Postgres every move of a match appends a place to the change log; the purger deletes the
/// places past the retention but the newest, so that a database idle for longer still has a
/// highest place (where a starting node's check begins), and the check reads on from there.
#[tokio::test]
async fn pruning_the_change_log_keeps_its_newest_place_and_the_check_reads_on_from_it() {
    let Some(database) = fresh_database(Backend::Postgres).await else { return };
    let mut app = spawn_on(database.clone(), |_| {}).await;
    let (first, second) = (app.live_match().await, app.live_match().await);
    let goal = json!({"kind": "goal", "team": "home", "minute": 3});
    app.store_event(first, &goal).await;
    let settings = DatabaseSettings {
        url: database.url.clone(),
        max_connections: 2,
        acquire_timeout: Duration::from_secs(10),
    };
    let store = Store::connect(&settings).await.unwrap();
    let last = store.last_change().await.unwrap();
    let places = store.changes(0, 100).await.unwrap();
    let moved: Vec<i64> = places.iter().map(|c| c.id.get()).collect();
    // Each creation and kick-off (in that order per match), then the goal: one place each.
    assert_eq!(moved, [first, first, second, second, first], "{places:?}");
    assert_eq!(places.last().map(|c| c.change), Some(last));

    let now = OffsetDateTime::now_utc();
    assert_eq!(store.prune_changes(now - Duration::from_secs(3600)).await.unwrap(), 0);
    assert_eq!(store.prune_changes(now + Duration::from_secs(60)).await.unwrap(), 4);
    assert_eq!(store.last_change().await.unwrap(), last, "the newest place stays");
    assert!(store.changes(last, 100).await.unwrap().is_empty(), "an idle check reads no row");

    app.store_event(second, &goal).await;
    let next = store.changes(last, 100).await.unwrap();
    let read: Vec<(i64, i64)> = next.iter().map(|c| (c.id.get(), c.seq.get())).collect();
    assert_eq!(read, [(second, 2)]);
    store.close().await;
    app.stop().await;
}

/// The committer takes a match it wrote last as it wrote it, without parsing its row again, only
/// while the row is at the place in the change sequence it left it at: a row another writer
/// changed since (here as a node of an earlier release does, which knows nothing of the change
/// sequence: the triggers move it) is read again. Were it not, the next fixture change would be
/// made to the old teams and revision, undoing the other writer's.
async fn a_row_another_writer_changed_is_read_again_by_the_committer(backend: Backend) {
    let Some(database) = fresh_database(backend).await else { return };
    let mut app = spawn_on(database.clone(), |_| {}).await;
    let id = app.live_match().await;
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(&database.url).await.unwrap();
    sqlx::query("UPDATE matches SET home = 'Feyenoord', revision = revision + 1 WHERE id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    let patched = app.patch_json(&format!("/api/v1/matches/{id}"), &json!({"away": "AZ"})).await;
    assert_eq!(patched.status(), 200);
    let (home, away, revision): (String, String, i64) =
        sqlx::query_as("SELECT home, away, revision FROM matches WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((home.as_str(), away.as_str(), revision), ("Feyenoord", "AZ", 2));
    pool.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_row_another_writer_changed_is_read_again_by_the_committer_on_sqlite() {
    a_row_another_writer_changed_is_read_again_by_the_committer(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_row_another_writer_changed_is_read_again_by_the_committer_on_postgres() {
    a_row_another_writer_changed_is_read_again_by_the_committer(Backend::Postgres).await;
}
