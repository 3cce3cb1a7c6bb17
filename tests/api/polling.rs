use serde_json::json;

use crate::backend_tests;
use crate::common::{spawn_app, Backend};

backend_tests!(
    the_snapshot_carries_an_etag_and_answers_304_until_the_match_changes,
    polling_answers_are_counted_in_metrics,
);

async fn the_snapshot_carries_an_etag_and_answers_304_until_the_match_changes(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.live_match().await;
    let path = format!("/api/v1/matches/{id}");
    let first = app.get(&path).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["cache-control"], "no-cache");
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "strong ETag: {etag}");

    let unchanged =
        app.client.get(app.url(&path)).header("If-None-Match", &etag).send().await.unwrap();
    assert_eq!(unchanged.status(), 304);
    assert_eq!(unchanged.headers()["etag"].to_str().unwrap(), etag);
    assert!(unchanged.bytes().await.unwrap().is_empty());

    assert_eq!(
        app.post_event(id, &json!({"kind": "goal", "team": "away", "minute": 2})).await.status(),
        201
    );
    let changed =
        app.client.get(app.url(&path)).header("If-None-Match", &etag).send().await.unwrap();
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);

    // A metadata change is a change too.
    let etag = changed.headers()["etag"].to_str().unwrap().to_owned();
    let patched = app
        .client
        .patch(app.url(&path))
        .bearer_auth(crate::common::TOKEN)
        .json(&json!({"competition": "Cup"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let after = app.client.get(app.url(&path)).header("If-None-Match", &etag).send().await.unwrap();
    assert_eq!(after.status(), 200);
}

async fn polling_answers_are_counted_in_metrics(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.create_match().await;
    let path = format!("/api/v1/matches/{id}");
    let first = app.get(&path).await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let size = first.bytes().await.unwrap().len();
    app.client.get(app.url(&path)).header("If-None-Match", &etag).send().await.unwrap();
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("scorecast_poll_responses_total{status=\"200\"} 1"), "{metrics}");
    assert!(metrics.contains("scorecast_poll_responses_total{status=\"304\"} 1"), "{metrics}");
    assert!(metrics.contains(&format!("scorecast_poll_body_bytes_total {size}")), "{metrics}");
}
