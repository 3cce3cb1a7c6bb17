//! The match page rides out a server restart: it resumes and shows each missed event once.

use std::time::Duration;

use serde_json::json;

use crate::common::{spawn_app, Backend};
use crate::driver;

/// The sequence numbers shown in the timeline, top (newest) first.
const TIMELINE: &str =
    "[...document.querySelectorAll('#timeline li')].map((li) => Number(li.dataset.seq))";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_match_page_recovers_the_events_posted_after_a_server_restart_once_each() {
    let Some(browser) = driver::open().await else { return };
    let mut app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = app.live_match_today("Ajax", "PSV").await;
    app.store_event(
        id,
        &json!({"kind": "goal", "team": "home", "minute": 12, "player": "Brobbey"}),
    )
    .await;
    let wait = Duration::from_secs(15);

    browser.goto(&app.url(&format!("/matches/{id}"))).await;
    browser.wait_for_connection("live", None, wait).await;
    browser.wait_for("the history", wait, &format!("{TIMELINE}.join() === '2,1'")).await;

    app.stop().await;
    browser.wait_for_connection("reconnecting", None, wait).await;
    let app = app.restart().await;
    app.store_event(id, &json!({"kind": "goal", "team": "away", "minute": 30})).await;
    app.store_event(id, &json!({"kind": "card", "team": "home", "player": "Taylor", "color": "yellow", "minute": 33})).await;

    browser.wait_for("both events", wait, &format!("{TIMELINE}.length >= 4")).await;
    browser.wait_for_connection("live", None, wait).await;
    // Anything shown twice would come with the resume: give it time to show up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let shown = browser.js(&format!("return {TIMELINE}"), vec![]).await;
    assert_eq!(shown, json!([4, 3, 2, 1]), "each event once, newest first");
    let score = browser.js("return document.getElementById('score').innerText", vec![]).await;
    assert_eq!(score, json!("1–1"));
    let card = browser.js("return document.querySelector('#timeline li').innerText", vec![]).await;
    assert!(card.as_str().unwrap().contains("Yellow card, Taylor (Ajax)"), "{card}");
    browser.screenshot("match").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_match_page_redraws_from_the_snapshot_when_its_resume_is_not_recovered() {
    let Some(browser) = driver::open().await else { return };
    let mut app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = app.live_match_today("Ajax", "PSV").await;
    let wait = Duration::from_secs(15);
    browser.goto(&app.url(&format!("/matches/{id}"))).await;
    browser.wait_for_connection("live", None, wait).await;
    browser.wait_for("the history", wait, &format!("{TIMELINE}.join() === '1'")).await;

    browser.js("window.__rec = []; window.scorecast.onSnapshot((state, msg) => window.__rec.push(msg.rec))", vec![]).await;
    // While the page's server is down, another server on the same database takes three events.
    app.stop().await;
    let mut elsewhere = app.restart_with(0, |_| {}).await;
    elsewhere.store_event(id, &json!({"kind": "goal", "team": "home", "minute": 3})).await;
    elsewhere.store_event(id, &json!({"kind": "goal", "team": "home", "minute": 4})).await;
    elsewhere
        .store_event(id, &json!({"kind": "period", "period": "half_time", "minute": 45}))
        .await;
    elsewhere.stop().await;
    // Back on the page's port, with a history window too short to replay them: "rec":false.
    let app = app.restart_with(app.port, |s| s.history_window_events = 1).await;

    browser
        .wait_for("the redrawn score", wait, "document.getElementById('score').innerText === '2–0'")
        .await;
    browser.wait_for("the missed events", wait, &format!("{TIMELINE}.join() === '4,3,2,1'")).await;
    let status = browser.js("return document.getElementById('status').innerText", vec![]).await;
    assert_eq!(status, json!("Half-time"));
    let recovered = browser.js("return window.__rec", vec![]).await;
    assert_eq!(recovered, json!([false]), "one snapshot, marked not recovered");
    app.store_event(id, &json!({"kind": "period", "period": "second_half", "minute": 46})).await;
    browser
        .wait_for("the next event, live", wait, &format!("{TIMELINE}.join() === '5,4,3,2,1'"))
        .await;
    browser.close().await;
}
