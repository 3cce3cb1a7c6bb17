//! Live matches show a running clock between events, and a shoot-out beside the score.

use std::time::Duration;

use serde_json::json;

use crate::common::{spawn_app, Backend};
use crate::driver;

/// Every HTTP request the page has made so far, as URLs.
const REQUESTS: &str = "return performance.getEntriesByType('resource').map((e) => e.name)";
/// The match page's clock, e.g. "0:03 · 1st half".
const CLOCK: &str = "document.getElementById('clock').textContent";

/// Seconds shown by a clock text such as "0:03 · 1st half".
fn seconds(text: &serde_json::Value) -> u64 {
    let text = text.as_str().unwrap_or_else(|| panic!("clock text: {text}"));
    let (mm, rest) = text.split_once(':').unwrap_or_else(|| panic!("not m:ss: {text}"));
    let ss = &rest[..2];
    mm.parse::<u64>().unwrap() * 60 + ss.parse::<u64>().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clock_of_a_live_match_runs_without_new_events() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = app.live_match_today("Ajax", "PSV").await;
    let wait = Duration::from_secs(15);
    browser.goto(&app.url(&format!("/matches/{id}"))).await;
    browser.wait_for_connection("live", None, wait).await;
    browser.js("performance.setResourceTimingBufferSize(10000)", vec![]).await;
    let first = browser
        .wait_for(
            "a running clock",
            wait,
            &format!("/^\\d+:\\d\\d · 1st half$/.test({CLOCK}) && {CLOCK}"),
        )
        .await;
    let requests = browser.js(REQUESTS, vec![]).await;
    // Redrawn every second; a loaded machine may delay a redraw, so allow up to 10 s for two.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut later = browser.js(&format!("return {CLOCK}"), vec![]).await;
    while seconds(&later) < seconds(&first) + 2 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        later = browser.js(&format!("return {CLOCK}"), vec![]).await;
    }
    assert!(seconds(&later) >= seconds(&first) + 2, "the clock stood still: {first} then {later}");
    assert_eq!(browser.js(REQUESTS, vec![]).await, requests, "the clock asked the server");
    assert_eq!(
        browser.js("return document.querySelectorAll('#timeline li').length", vec![]).await,
        1
    );

    // The scoreboard's card shows the minute under way, and counts stoppage time after 45.
    browser.goto(&app.url("/")).await;
    browser.wait_for_connection("live", None, wait).await;
    let card = format!("document.querySelector('[data-match=\"{id}\"] .clock')?.textContent");
    browser.wait_for("the first minute", wait, &format!("{card} === \"1'\"")).await;
    let minutes = browser
        .js(
            "return import('/static/scorecast.js').then(({ matchClock }) => {
               const at = (pd, min) => ({ st: 'live', pd, pt: 1e12 - min * 60000 });
               return [matchClock(at('first_half', 44.5), 1e12).text,
                       matchClock(at('first_half', 47.2), 1e12).text,
                       matchClock(at('second_half', 21), 1e12).text,
                       matchClock(at('extra_time', 0), 1e12).elapsed,
                       matchClock({ st: 'half_time', pd: 'half_time', pt: 1 }, 1e12)];
             })",
            vec![],
        )
        .await;
    assert_eq!(minutes, json!(["45'", "45+3'", "67'", "90:00", null]));
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shootout_is_shown_beside_the_score_and_updates_live() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = app.live_match_today("Ajax", "PSV").await;
    for event in [
        json!({"kind": "goal", "team": "home", "minute": 10}),
        json!({"kind": "goal", "team": "away", "minute": 80}),
        json!({"kind": "period", "period": "penalties", "minute": 120}),
        json!({"kind": "kick", "team": "home", "scored": true}),
    ] {
        app.store_event(id, &event).await;
    }
    let wait = Duration::from_secs(15);
    browser.goto(&app.url(&format!("/matches/{id}"))).await;
    browser.wait_for_connection("live", None, wait).await;
    let pens = "document.getElementById('pens').textContent";
    browser.wait_for("the shoot-out", wait, &format!("{pens} === '(1–0 pens)'")).await;
    let score = "document.getElementById('score').textContent";
    assert_eq!(browser.js(&format!("return {score}"), vec![]).await, "1–1");
    app.store_event(
        id,
        &json!({"kind": "kick", "team": "away", "scored": false, "player": "Kees"}),
    )
    .await;
    browser.wait_for("the missed kick", wait, &format!("{pens} === '(1–0 pens)' && document.querySelector('#timeline li .ev-text').textContent === 'Penalty missed, PSV (Kees)'")).await;
    app.store_event(id, &json!({"kind": "kick", "team": "home", "scored": true})).await;
    browser.wait_for("the next kick", wait, &format!("{pens} === '(2–0 pens)'")).await;

    browser.goto(&app.url("/")).await;
    let card = format!("document.querySelector('[data-match=\"{id}\"] .pens')?.textContent");
    browser.wait_for("the card's shoot-out", wait, &format!("{card} === '(2–0 pens)'")).await;
    browser.close().await;
}
