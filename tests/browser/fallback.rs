//! Without WebSocket the pages keep the score current over SSE, and without SSE by polling.

use std::time::Duration;

use serde_json::json;

use crate::app::spawn_app;
use crate::driver;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_websocket_fails_the_pages_fall_back_to_sse_then_to_polling() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app().await;
    let id = app.live_match("Ajax", "PSV").await;
    let wait = Duration::from_secs(20);

    // `?ws=` points the WebSocket at a path that refuses it, as a proxy without WebSocket would.
    browser.goto(&app.url("/?ws=/no-websocket-here")).await;
    browser
        .wait_for("the SSE fallback", wait, "document.getElementById('conn').dataset.state === 'live' && document.getElementById('conn').dataset.transport === 'sse'")
        .await;
    app.post_event(id, &json!({"kind": "goal", "team": "home", "minute": 5})).await;
    browser
        .wait_for(
            "the goal over SSE",
            wait,
            &format!(
                "document.querySelector('[data-match=\"{id}\"] .goals.home').textContent === '1'"
            ),
        )
        .await;

    // Neither WebSocket nor SSE: the match page polls the snapshot.
    browser
        .goto(&app.url(&format!("/matches/{id}?ws=/no-websocket-here&sse=/no-sse-here&poll=500")))
        .await;
    browser
        .wait_for("polling", wait, "document.getElementById('conn').dataset.state === 'polling'")
        .await;
    app.post_event(id, &json!({"kind": "goal", "team": "away", "minute": 7})).await;
    browser
        .wait_for(
            "the goal by polling",
            wait,
            "document.getElementById('score').innerText === '1–1'",
        )
        .await;
    browser
        .wait_for("the polled goal in the timeline", wait, "[...document.querySelectorAll('#timeline li')].map((li) => li.dataset.seq).join() === '3,2,1'")
        .await;
    browser.close().await;
}
