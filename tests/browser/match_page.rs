//! The match page draws each live update from the update alone.

use std::time::Duration;

use serde_json::json;

use crate::common::{spawn_app, Backend};
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
