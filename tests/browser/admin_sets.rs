//! The admin console scores tennis by keyboard, one key per point, and creates and starts tennis
//! and volleyball matches with their formats and the side serving first.

use std::time::Duration;

use serde_json::{json, Value};

use crate::admin::console_with_token;
use crate::admin_lifecycle::click_and_expect;
use crate::admin_sports::{focus_page, press};
use crate::common::{spawn_app, Backend, TestApp};
use crate::driver::{self, Browser};

const WAIT: Duration = Duration::from_secs(10);
/// Fifty posts one after another, each answered once committed, on a loaded machine.
const FIFTY_POSTS: Duration = Duration::from_secs(90);

/// Fifty points (`h` home, `a` away), chosen so that their score is known by hand: a first set
/// won 6-0 by home; in the second, a game each, then a game through deuce and both advantages
/// won by home (2-1), then 0-40, 30-40, deuce, away's advantage and deuce again.
const POINTS: &str = concat!(
    "hhhhhhhhhhhhhhhhhhhhhhhh", // 6-0
    "aaaa",                     // 0-1
    "hhhh",                     // 1-1
    "hahaha",
    "a",
    "h",
    "hh", // deuce, A away, deuce, A home, game: 2-1
    "aaa",
    "hh",
    "h",
    "a",
    "h", // 0-40, 30-40, deuce, A away, deuce
);

/// Creates a match of `sport` in `competition` in the console, with `format` set by `fill` (a
/// script), and waits for it to be chosen; its id.
pub(crate) async fn create_in_console(
    browser: &Browser,
    sport: &str,
    sides: (&str, &str),
    competition: &str,
    fill: &str,
) -> i64 {
    browser.type_into("#home", sides.0).await;
    browser.type_into("#away", sides.1).await;
    browser.type_into("#competition", competition).await;
    let choose = format!(
        "const s = document.getElementById('sport'); s.value = '{sport}'; s.dispatchEvent(new Event('change'));"
    );
    browser.js(&choose, vec![]).await;
    browser.js(fill, vec![]).await;
    browser.click("#create").await;
    let created = browser
        .wait_for(
            "the new match",
            WAIT,
            "document.getElementById('create-feedback').textContent.match(/Created match #(\\d+)/)?.[1]",
        )
        .await;
    let id: i64 = created.as_str().unwrap().parse().unwrap();
    let chosen = format!(
        "document.getElementById('match').value === '{id}' && \
         document.getElementById('events-form').dataset.sport === '{sport}'"
    );
    browser.wait_for("the match to be chosen", WAIT, &chosen).await;
    id
}

async fn stored_points(app: &TestApp, id: i64) -> Vec<Value> {
    let response = app.get(&format!("/api/v1/matches/{id}/events?limit=1000")).await;
    let events = response.json::<Value>().await.unwrap()["events"].as_array().unwrap().clone();
    events.into_iter().filter(|e| e["kind"] == "point").map(|e| e["team"].clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_console_posts_fifty_tennis_points_by_keyboard_and_the_api_agrees() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    console_with_token(&browser, &app).await;
    let fill = "document.getElementById('tennis-best-of').value = '5'; \
                document.getElementById('final-set').value = 'tiebreak_10';";
    let id = create_in_console(&browser, "tennis", ("Sinner", "Zverev"), "Exhibition", fill).await;
    let snapshot = app.snapshot(id).await;
    assert_eq!(
        snapshot["format"],
        json!({"best_of": 5, "final_set": "tiebreak_10", "no_ad": false}),
        "{snapshot}"
    );
    // Football's and basketball's controls are gone; the points are there.
    let visible = |css: &str| format!("return document.querySelector('{css}').checkVisibility()");
    assert_eq!(browser.js(&visible("#yellow"), vec![]).await, false);
    assert_eq!(browser.js(&visible("#home-3"), vec![]).await, false);
    assert_eq!(browser.js(&visible("#end"), vec![]).await, false);
    assert_eq!(browser.js(&visible("#point-home"), vec![]).await, true);

    // Started with the away side serving first.
    browser.js("document.getElementById('server').value = 'away'", vec![]).await;
    click_and_expect(&browser, "#start-sets", "events-feedback", "ok", "Stored start").await;
    assert_eq!(app.snapshot(id).await["server"], "away");

    // A key typed into a field posts nothing (the player field is not shown for tennis).
    assert_eq!(browser.js(&visible("#player"), vec![]).await, false);
    browser.type_into("#status-reason", "12").await;
    // Fifty points, one key each (1 home, 2 away), pressed without waiting for the answers.
    focus_page(&browser).await;
    for side in POINTS.chars() {
        press(&browser, if side == 'h' { '1' } else { '2' }, false).await;
    }
    let done = "document.getElementById('current').dataset.score === '1-0' && \
                document.getElementById('set-state').textContent.startsWith('Set 2: 2–1, 40–40')";
    let expected: Vec<Value> =
        POINTS.chars().map(|c| json!(if c == 'h' { "home" } else { "away" })).collect();
    assert_eq!(expected.len(), 50);
    // The console shows the match once its queue is empty, which may happen before the last key.
    let deadline = tokio::time::Instant::now() + FIFTY_POSTS;
    let mut stored = stored_points(&app, id).await;
    while stored.len() < expected.len() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        stored = stored_points(&app, id).await;
    }
    // Stored in the order pressed.
    assert_eq!(stored, expected);
    browser.wait_for("the fifty points in the console", WAIT, done).await;
    // The score by hand: sets 1-0, the first 6-0, the second 2-1 at deuce; ten games played
    // from the away side's first serve, so home serves the tenth.
    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["score"], json!({"home": 1, "away": 0}), "{snapshot}");
    assert_eq!(
        snapshot["periods"],
        json!([{"period": "s1", "score": {"home": 6, "away": 0}},
               {"period": "s2", "score": {"home": 2, "away": 1}}]),
        "{snapshot}"
    );
    assert_eq!(snapshot["game"], json!(["40", "40"]), "{snapshot}");
    assert_eq!(snapshot["server"], "home", "{snapshot}");
    let state = browser.js("return document.getElementById('set-state').textContent", vec![]).await;
    assert_eq!(state, "Set 2: 2–1, 40–40, home serving");

    // A click is one point too: home's advantage.
    click_and_expect(&browser, "#point-home", "events-feedback", "ok", "Stored point").await;
    assert_eq!(app.snapshot(id).await["game"], json!(["A", "40"]));
    browser.js("document.getElementById('h-events').scrollIntoView()", vec![]).await;
    browser.screenshot("admin-tennis").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_console_creates_and_starts_a_volleyball_match_and_posts_its_rallies() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    console_with_token(&browser, &app).await;
    let fill = "document.getElementById('volleyball-best-of').value = '3';";
    let id =
        create_in_console(&browser, "volleyball", ("Italy", "Poland"), "Exhibition", fill).await;
    assert_eq!(app.snapshot(id).await["format"], json!({"best_of": 3}));
    browser.js("document.getElementById('server').value = 'away'", vec![]).await;
    click_and_expect(&browser, "#start-sets", "events-feedback", "ok", "Stored start").await;
    focus_page(&browser).await;
    for key in ['1', '1', '2'] {
        press(&browser, key, false).await;
    }
    let done = "document.getElementById('set-state').textContent === 'Set 1: 2–1, away serving'";
    browser.wait_for("the rallies in the console", WAIT, done).await;
    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["periods"], json!([{"period": "s1", "score": {"home": 2, "away": 1}}]));
    assert_eq!(snapshot["server"], "away");
    browser.close().await;
}
