//! The admin console scores basketball by keyboard, one key per basket, and runs the operator's
//! clock; for ice hockey it posts goals (their minute from the clock), penalties and the shoot-out.

use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::{json, Value};

use crate::admin::console_with_token;
use crate::admin_lifecycle::{choose, click_and_expect};
use crate::admin_sets::create_in_console;
use crate::common::{spawn_app, Backend, TestApp};
use crate::countdown::sport_match_today;
use crate::driver::{self, Browser};

const WAIT: Duration = Duration::from_secs(10);
/// Fifty posts one after another, each answered once committed, on a loaded machine.
const FIFTY_POSTS: Duration = Duration::from_secs(90);

/// The keys the operator presses: (key, shift) and the side and points each posts, as the page
/// documents them.
const KEYS: [(char, bool, &str, u64); 9] = [
    ('1', false, "home", 1),
    ('2', false, "home", 2),
    ('3', false, "home", 3),
    ('q', false, "away", 1),
    ('w', false, "away", 2),
    ('e', false, "away", 3),
    ('1', true, "away", 1),
    ('2', true, "away", 2),
    ('3', true, "away", 3),
];

/// Presses `key` (with Shift when `shift`) where the page has the focus.
pub async fn press(browser: &Browser, key: char, shift: bool) {
    let mut keys = KeyActions::new("keyboard".into());
    if shift {
        keys = keys.then(KeyAction::Down { value: Key::Shift.into() });
    }
    keys = keys.then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
    if shift {
        keys = keys.then(KeyAction::Up { value: Key::Shift.into() });
    }
    browser.client.perform_actions(keys).await.expect("press a key");
}

async fn events(app: &TestApp, id: i64) -> Vec<Value> {
    let response = app.get(&format!("/api/v1/matches/{id}/events?limit=1000")).await;
    response.json::<Value>().await.unwrap()["events"].as_array().unwrap().clone()
}

/// Moves the focus off any field, as an operator clicking the page's background does.
pub async fn focus_page(browser: &Browser) {
    browser.js("document.activeElement?.blur(); document.body.focus();", vec![]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_console_posts_fifty_points_by_keyboard_and_the_api_agrees() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    console_with_token(&browser, &app).await;
    // Created in the console, under NBA rules.
    let fill = "document.getElementById('quarter-minutes').value = '12'";
    let id = create_in_console(&browser, "basketball", ("Rockets", "Mavericks"), "NBA", fill).await;
    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["format"]["quarter_minutes"], 12, "{snapshot}");
    // Football's buttons are gone; basketball's are there.
    let visible = |css: &str| format!("document.querySelector('{css}').checkVisibility()");
    assert_eq!(browser.js(&format!("return {}", visible("#yellow")), vec![]).await, false);
    assert_eq!(browser.js(&format!("return {}", visible("#home-3")), vec![]).await, true);

    click_and_expect(&browser, "#start-btn", "events-feedback", "ok", "Stored start").await;
    browser
        .wait_for(
            "the full clock",
            WAIT,
            "document.getElementById('game-clock').textContent === 'Q1 12:00'",
        )
        .await;
    focus_page(&browser).await;
    press(&browser, 'c', false).await;
    browser
        .wait_for(
            "the clock to run",
            WAIT,
            "document.getElementById('game-clock').dataset.running === 'yes'",
        )
        .await;

    // A key typed into a field posts nothing: it is the player's name.
    browser.type_into("#player", "Green 3").await;
    // Fifty baskets, one key each, pressed without waiting for the answers.
    focus_page(&browser).await;
    let mut expected = (0, 0);
    let mut sequence = Vec::new();
    for i in 0..50 {
        let (key, shift, team, value) = KEYS[(i * 7) % KEYS.len()];
        press(&browser, key, shift).await;
        if team == "home" {
            expected.0 += value;
        } else {
            expected.1 += value;
        }
        sequence.push(json!({"team": team, "value": value, "player": "Green 3"}));
    }
    let score = format!(
        "document.getElementById('current').dataset.score === '{}-{}'",
        expected.0, expected.1
    );
    browser.wait_for("the fifty baskets in the console", FIFTY_POSTS, &score).await;
    press(&browser, 'c', false).await;
    browser
        .wait_for(
            "the clock to stop",
            WAIT,
            "document.getElementById('game-clock').dataset.running === 'no'",
        )
        .await;

    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["score"], json!({"home": expected.0, "away": expected.1}), "{snapshot}");
    assert_eq!(snapshot["clock"]["running"], false, "{snapshot}");
    let left = snapshot["clock"]["remaining_ms"].as_u64().unwrap();
    assert!(left < 720_000 && left > 600_000, "the clock stopped at {left} ms");
    // Stored in the order pressed, each as pressed, with the player typed.
    let stored = events(&app, id).await;
    let points: Vec<Value> = stored
        .iter()
        .filter(|e| e["kind"] == "points")
        .map(|e| json!({"team": e["team"], "value": e["value"], "player": e["player"]}))
        .collect();
    assert_eq!(points, sequence);
    let kinds: Vec<&str> = stored.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 53, "start, the clock twice and fifty baskets: {kinds:?}");
    assert_eq!((kinds[0], kinds[1], kinds[52]), ("start", "clock", "clock"));

    // A click is one basket too; the foul key one foul.
    click_and_expect(&browser, "#away-3", "events-feedback", "ok", "Stored points").await;
    focus_page(&browser).await;
    press(&browser, 'f', false).await;
    browser
        .wait_for(
            "the foul",
            WAIT,
            "document.getElementById('events-feedback').textContent.includes('Stored foul')",
        )
        .await;
    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["score"]["away"], expected.1 + 3);
    assert_eq!(snapshot["fouls"]["team"], json!({"home": 1, "away": 0}));
    browser.js("document.getElementById('h-events').scrollIntoView()", vec![]).await;
    browser.screenshot("admin-basketball").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_console_posts_ice_hockey_goals_penalties_periods_and_a_shootout() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = sport_match_today(&app, "ice_hockey", "Sabres", "Canadiens").await;
    console_with_token(&browser, &app).await;
    choose(&browser, id).await;
    click_and_expect(&browser, "#start-btn", "events-feedback", "ok", "Stored start").await;
    // Set to 12:30 left in the first period: a goal then is in the 8th minute.
    browser.type_into("#clock-set", "12:30").await;
    click_and_expect(&browser, "#clock-set-btn", "events-feedback", "ok", "Stored clock").await;
    browser.type_into("#player", "Eichel").await;
    browser.js("document.getElementById('strength').value = 'power_play'", vec![]).await;
    click_and_expect(&browser, "#goal-home", "events-feedback", "ok", "Stored goal").await;
    browser.js("document.getElementById('strength').value = ''", vec![]).await;
    browser.type_into("#player", "Weber").await;
    browser.js("document.getElementById('penalty-minutes').value = '5'", vec![]).await;
    click_and_expect(&browser, "#penalty-away", "events-feedback", "ok", "Stored penalty").await;
    browser.type_into("#player", "").await;
    for period in ["P2", "P3"] {
        let next = format!(
            "document.getElementById('next-period').textContent === 'Next period: {period}'"
        );
        browser.wait_for(&format!("the way to {period}"), WAIT, &next).await;
        click_and_expect(&browser, "#next-period", "events-feedback", "ok", "Stored period").await;
    }
    // 1-1 into overtime, then (regular season) the shoot-out.
    browser.type_into("#minute", "55").await;
    click_and_expect(&browser, "#goal-away", "events-feedback", "ok", "Stored goal").await;
    browser.type_into("#minute", "").await;
    for period in ["OT", "SO"] {
        let next = format!(
            "document.getElementById('next-period').textContent === 'Next period: {period}'"
        );
        browser.wait_for(&format!("the way to {period}"), WAIT, &next).await;
        click_and_expect(&browser, "#next-period", "events-feedback", "ok", "Stored period").await;
    }
    for shot in ["#shot-home-scored", "#shot-away-missed", "#shot-home-scored", "#shot-away-missed"]
    {
        click_and_expect(&browser, shot, "events-feedback", "ok", "Stored shot").await;
    }
    click_and_expect(&browser, "#end", "events-feedback", "ok", "Stored end").await;

    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["score"], json!({"home": 2, "away": 1}), "{snapshot}");
    assert_eq!(snapshot["status"], "finished");
    assert_eq!(snapshot["shootout"]["score"], json!({"home": 2, "away": 0}));
    assert_eq!(
        snapshot["penalties"],
        json!([{"team": "away", "player": "Weber", "minutes": 5, "period": "p1"}])
    );
    let stored = events(&app, id).await;
    let goal = stored.iter().find(|e| e["kind"] == "goal").unwrap();
    // 7:30 played of the first period: the 8th minute.
    assert_eq!(
        (
            goal["team"].clone(),
            goal["minute"].clone(),
            goal["player"].clone(),
            goal["strength"].clone()
        ),
        (json!("home"), json!(8), json!("Eichel"), json!("power_play")),
        "{goal}"
    );
    browser.close().await;
}
