//! Without WebSocket the pages keep the score current over SSE, and without SSE by polling.

use std::time::Duration;

use serde_json::json;

use crate::common::{spawn_app, Backend};
use crate::driver;

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_websocket_fails_the_pages_fall_back_to_sse_then_to_polling() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = app.live_match_today("Ajax", "PSV").await;

    // `?ws=` points the WebSocket at a path that refuses it, as a proxy without WebSocket would.
    browser.goto(&app.url("/?ws=/no-websocket-here")).await;
    browser.wait_for_connection("live", Some("sse"), WAIT).await;
    app.store_event(id, &json!({"kind": "goal", "team": "home", "minute": 5})).await;
    let home_goals =
        format!("document.querySelector('[data-match=\"{id}\"] .goals.home').textContent");
    browser.wait_for("the goal over SSE", WAIT, &format!("{home_goals} === '1'")).await;

    // Neither WebSocket nor SSE: the match page polls the snapshot.
    let page = format!("/matches/{id}?ws=/no-websocket-here&sse=/no-sse-here&poll=500");
    browser.goto(&app.url(&page)).await;
    browser.wait_for_connection("polling", Some("poll"), WAIT).await;
    app.store_event(id, &json!({"kind": "goal", "team": "away", "minute": 7})).await;
    browser
        .wait_for(
            "the goal by polling",
            WAIT,
            "document.getElementById('score').innerText === '1–1'",
        )
        .await;
    let timeline =
        "[...document.querySelectorAll('#timeline li')].map((li) => li.dataset.seq).join()";
    browser
        .wait_for("the polled goal in the timeline", WAIT, &format!("{timeline} === '3,2,1'"))
        .await;
    browser.close().await;
}
