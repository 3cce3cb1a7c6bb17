//! The match page draws each live update from the update alone.

use std::time::Duration;

use serde_json::json;

use crate::common::{spawn_app, Backend, TestApp};
use crate::driver;

/// The text of the newest timeline entry.
const NEWEST: &str = "document.querySelector('#timeline li .ev-text')?.textContent";

/// Every HTTP request the page has made so far (fetches, scripts, styles), as URLs.
const REQUESTS: &str = "return performance.getEntriesByType('resource').map((e) => e.name)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_goal_shows_its_scorer_without_any_request_to_the_server() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = app.live_match_today("Ajax", "PSV").await;
    let wait = Duration::from_secs(15);
    browser.goto(&app.url(&format!("/matches/{id}"))).await;
    browser.wait_for_connection("live", None, wait).await;
    browser.wait_for("the kickoff", wait, &format!("{NEWEST} === 'Kick-off'")).await;
    // Room for every entry, so none is dropped from the list while we look.
    browser.js("performance.setResourceTimingBufferSize(10000)", vec![]).await;
    let before = browser.js(REQUESTS, vec![]).await;

    let goal = json!({"kind": "goal", "team": "home", "minute": 12, "player": "Brobbey"});
    app.store_event(id, &goal).await;
    browser.wait_for("the scorer", wait, &format!("{NEWEST} === 'Goal, Ajax (Brobbey)'")).await;
    app.store_event(id, &json!({"kind": "goal", "team": "away", "minute": 20})).await;
    browser.wait_for("the goal without scorer", wait, &format!("{NEWEST} === 'Goal, PSV'")).await;
    // A request made because of an update would start right after it: give it time to.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = browser.js(REQUESTS, vec![]).await;
    assert_eq!(after, before, "the page made HTTP requests because updates arrived");
    browser.close().await;
}

/// Ajax–PSV, live, with a goal by Lang (event 2) for Ajax and one by Kees (event 3) for PSV.
pub async fn two_goals(app: &TestApp) -> i64 {
    let id = app.live_match_today("Ajax", "PSV").await;
    app.store_event(id, &json!({"kind": "goal", "team": "home", "minute": 10, "player": "Lang"}))
        .await;
    app.store_event(id, &json!({"kind": "goal", "team": "away", "minute": 20, "player": "Kees"}))
        .await;
    id
}

/// The timeline entry of event `seq`.
fn entry(seq: u64) -> String {
    format!("document.querySelector('#timeline li[data-seq=\"{seq}\"]')")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voided_goal_is_struck_through_with_its_reason_and_corrections_stops_and_awards_show_live(
) {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = two_goals(&app).await;
    let wait = Duration::from_secs(15);
    browser.goto(&app.url(&format!("/matches/{id}"))).await;
    browser.wait_for_connection("live", None, wait).await;
    browser.wait_for("the goals", wait, &entry(3)).await;

    let void = json!({"kind": "void", "target": 2, "reason": "offside (VAR)"});
    app.store_event(id, &void).await;
    let struck = format!(
        "{}?.classList.contains('voided') && {0}.querySelector('del')?.textContent === 'Goal, Ajax (Lang)' \
         && {0}.querySelector('.ev-note').textContent",
        entry(2)
    );
    let note = browser.wait_for("the struck goal", wait, &struck).await;
    assert_eq!(note, json!("Voided: offside (VAR)"));
    assert_eq!(browser.js(&format!("return {NEWEST}"), vec![]).await, "Voided: Goal, Ajax (Lang)");
    let score = "document.getElementById('score').textContent";
    assert_eq!(browser.js(&format!("return {score}"), vec![]).await, "0–1");

    let amend = json!({"kind": "amend", "target": 3,
                       "event": {"kind": "goal", "team": "away", "minute": 20, "player": "Godts"}});
    app.store_event(id, &amend).await;
    let amended = format!(
        "{}?.classList.contains('amended') && {0}.querySelector('.ev-text').textContent",
        entry(3)
    );
    let text = browser.wait_for("the amended scorer", wait, &amended).await;
    assert_eq!(text, json!("Goal, PSV (Godts)Amended"));

    let stop = json!({"kind": "status", "status": "interrupted", "reason": "storm"});
    app.store_event(id, &stop).await;
    let status = "document.getElementById('status').textContent";
    browser.wait_for("the stop", wait, &format!("{status} === 'Interrupted: storm'")).await;
    browser.wait_for("its entry", wait, &format!("{NEWEST} === 'Interrupted: storm'")).await;

    // A page opened afterwards tells the same story, from the history.
    browser.goto(&app.url(&format!("/matches/{id}"))).await;
    let note = browser
        .wait_for(
            "the struck goal again",
            wait,
            &format!("{}?.querySelector('del') && {}", entry(2), struck),
        )
        .await;
    assert_eq!(note, json!("Voided: offside (VAR)"));
    assert_eq!(browser.wait_for("the amendment again", wait, &amended).await, text);
    browser.wait_for("the reason again", wait, &format!("{status} === 'Interrupted: storm'")).await;
    let award = json!({"kind": "status", "status": "awarded", "winner": "away", "home": 0,
                       "away": 3, "method": "walkover"});
    app.store_event(id, &award).await;
    let awarded = format!("{status} === 'Awarded 0–3 to PSV (walkover)'");
    browser.wait_for("the award", wait, &awarded).await;
    browser.screenshot("match-corrections").await;
    browser.close().await;
}

/// Moves the page's clock `minutes` ahead of the real one (0: back to it).
async fn shift_clock(browser: &driver::Browser, minutes: u64) {
    let script = "window.__realNow ??= Date.now.bind(Date); \
                  Date.now = () => window.__realNow() + arguments[0] * 60000;";
    browser.js(script, vec![json!(minutes)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn added_time_shows_beside_the_clock_and_extra_time_second_half_counts_from_106() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = app.live_match_today("Ajax", "PSV").await;
    app.store_event(id, &json!({"kind": "added_time", "minutes": 4})).await;
    let wait = Duration::from_secs(15);
    browser.goto(&app.url(&format!("/matches/{id}"))).await;
    browser.wait_for_connection("live", None, wait).await;
    let clock = "document.getElementById('clock').textContent";
    browser
        .wait_for(
            "the announced time",
            wait,
            &format!("/^0:\\d\\d \\(\\+4\\) · 1st half$/.test({clock})"),
        )
        .await;
    // 47 minutes into the half: the third minute of stoppage time, of the four announced.
    shift_clock(&browser, 47).await;
    browser
        .wait_for("stoppage time", wait, &format!("{clock} === \"45+3' (+4) · 1st half\""))
        .await;
    shift_clock(&browser, 0).await;

    for period in
        ["half_time", "second_half", "extra_time", "extra_time_half_time", "extra_time_second_half"]
    {
        app.store_event(id, &json!({"kind": "period", "period": period})).await;
    }
    // A new period has no added time; the second half of extra time runs from 105:00.
    browser
        .wait_for(
            "the extra time clock",
            wait,
            &format!("/^105:\\d\\d · Extra time, 2nd half$/.test({clock})"),
        )
        .await;
    browser.goto(&app.url("/")).await;
    let card = format!("document.querySelector('[data-match=\"{id}\"] .clock')?.textContent");
    browser.wait_for("the card's minute", wait, &format!("{card} === \"106'\"")).await;
    shift_clock(&browser, 15).await;
    browser.wait_for("stoppage time", wait, &format!("{card} === \"120+1'\"")).await;
    browser.close().await;
}
