//! The match page's line score: each period's goals and the shoot-out's tally, drawn from the REST
//! snapshot and kept live from updates; a correction moves a goal out of its period.

use std::time::Duration;

use serde_json::json;

use crate::common::{spawn_app, Backend};
use crate::driver;

/// The line score as text: the heading row, then each team's row, cells joined by spaces.
const LINE: &str = "[...document.querySelectorAll('#line tr')].map((r) => [...r.cells].map((c) => c.textContent).join(' ').trim()).join(' | ')";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_line_score_shows_each_half_and_the_shootout_live_and_follows_a_void() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = app.live_match_today("Ajax", "PSV").await;
    let first = app
        .store_event(id, &json!({"kind": "goal", "team": "home", "minute": 10, "player": "Lang"}))
        .await;
    let wait = Duration::from_secs(15);
    browser.goto(&app.url(&format!("/matches/{id}"))).await;
    browser.wait_for_connection("live", None, wait).await;
    // Read from the REST snapshot's `periods`.
    browser
        .wait_for(
            "the first half's goal",
            wait,
            &format!("{LINE} === '1st T | Ajax 1 1 | PSV 0 0'"),
        )
        .await;

    // Live: a new half opens its column, and its goals go to it.
    for event in [
        json!({"kind": "period", "period": "half_time"}),
        json!({"kind": "period", "period": "second_half"}),
        json!({"kind": "goal", "team": "away", "minute": 60}),
        json!({"kind": "goal", "team": "away", "minute": 70}),
    ] {
        app.store_event(id, &event).await;
    }
    browser
        .wait_for(
            "the second half's goals",
            wait,
            &format!("{LINE} === '1st 2nd T | Ajax 1 0 1 | PSV 0 2 2'"),
        )
        .await;

    // A void takes the goal out of the half it was scored in.
    let void = json!({"kind": "void", "target": first["seq"], "reason": "offside"});
    app.store_event(id, &void).await;
    browser
        .wait_for(
            "the voided goal gone from the first half",
            wait,
            &format!("{LINE} === '1st 2nd T | Ajax 0 0 0 | PSV 0 2 2'"),
        )
        .await;

    // Extra time, then the shoot-out's tally in a column of its own, apart from the total.
    for event in [
        json!({"kind": "goal", "team": "home", "minute": 80}),
        json!({"kind": "goal", "team": "home", "minute": 85}),
        json!({"kind": "period", "period": "before_extra_time"}),
        json!({"kind": "period", "period": "extra_time"}),
        json!({"kind": "period", "period": "extra_time_half_time"}),
        json!({"kind": "period", "period": "extra_time_second_half"}),
        json!({"kind": "period", "period": "penalties"}),
        json!({"kind": "kick", "team": "home", "scored": true}),
        json!({"kind": "kick", "team": "away", "scored": false}),
    ] {
        app.store_event(id, &event).await;
    }
    let expected = "1st 2nd ET1 ET2 Pens T | Ajax 0 2 0 0 1 2 | PSV 0 2 0 0 0 2";
    browser
        .wait_for("extra time and the shoot-out", wait, &format!("{LINE} === '{expected}'"))
        .await;
    // A reload of the page draws the same line from REST.
    browser.goto(&app.url(&format!("/matches/{id}"))).await;
    browser.wait_for_connection("live", None, wait).await;
    browser
        .wait_for("the same line after a reload", wait, &format!("{LINE} === '{expected}'"))
        .await;
    browser.close().await;
}
