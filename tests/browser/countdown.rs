//! Basketball and ice hockey on the pages: the countdown clock runs only while the operator's clock
//! runs, the match page tells each event and keeps the game sheet, and the scoreboard shows an ice
//! hockey game's period and its shoot-out result.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{spawn_app, Backend, TestApp};
use crate::driver::{self, Browser};

const WAIT: Duration = Duration::from_secs(15);
/// The match page's clock, e.g. "9:58 · 1st quarter".
const CLOCK: &str = "document.getElementById('clock').textContent";
/// The line score as text: the heading row, then each team's row, cells joined by spaces.
const LINE: &str = "[...document.querySelectorAll('#line tr')].map((r) => [...r.cells].map((c) => c.textContent).join(' ').trim()).join(' | ')";
/// The timeline's texts, newest first.
const TIMELINE: &str =
    "[...document.querySelectorAll('#timeline .ev-text')].map((e) => e.textContent).join(' / ')";

/// A `sport` match between `home` and `away` kicking off now, so that the pages of the day show it.
pub async fn sport_match_today(app: &TestApp, sport: &str, home: &str, away: &str) -> i64 {
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let body = json!({"home": home, "away": away, "competition": "Exhibition",
                      "kickoff_at": now, "sport": sport});
    let response = app.post_json("/api/v1/matches", &body).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// Seconds shown by a countdown text such as "9:58 · 1st quarter".
fn seconds(text: &Value) -> u64 {
    let text = text.as_str().unwrap_or_else(|| panic!("clock text: {text}"));
    let (mm, rest) = text.split_once(':').unwrap_or_else(|| panic!("not m:ss: {text}"));
    mm.parse::<u64>().unwrap() * 60 + rest[..2].parse::<u64>().unwrap()
}

async fn clock(browser: &Browser) -> Value {
    browser.js(&format!("return {CLOCK}"), vec![]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_match_page_countdown_runs_while_the_clock_runs_and_stands_while_stopped() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = sport_match_today(&app, "basketball", "Rockets", "Mavericks").await;
    app.store_event(id, &json!({"kind": "start"})).await;
    browser.goto(&app.url(&format!("/matches/{id}"))).await;
    browser.wait_for_connection("live", None, WAIT).await;
    // Before the operator starts it, the clock stands full (FIBA's 10-minute quarter).
    browser.wait_for("the full clock", WAIT, &format!("{CLOCK} === '10:00 · 1st quarter'")).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(clock(&browser).await, "10:00 · 1st quarter", "a stopped clock ran");

    app.store_event(id, &json!({"kind": "clock", "running": true, "remaining_ms": 600_000})).await;
    let first = browser
        .wait_for(
            "the clock to run",
            WAIT,
            &format!("/^9:5\\d · 1st quarter$/.test({CLOCK}) && {CLOCK}"),
        )
        .await;
    // Read a second apart, it has gone down; a loaded machine may delay a redraw: up to 10 s.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut later = clock(&browser).await;
    while seconds(&later) >= seconds(&first) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        later = clock(&browser).await;
    }
    assert!(seconds(&later) < seconds(&first), "the clock stood still: {first} then {later}");

    for event in [
        json!({"kind": "points", "team": "home", "value": 3, "player": "Green"}),
        json!({"kind": "foul", "team": "away", "player": "Doncic"}),
        json!({"kind": "timeout", "team": "home"}),
        json!({"kind": "clock", "running": false, "remaining_ms": 590_000}),
    ] {
        app.store_event(id, &event).await;
    }
    browser.wait_for("the stopped clock", WAIT, &format!("{CLOCK} === '9:50 · 1st quarter'")).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(clock(&browser).await, "9:50 · 1st quarter", "a stopped clock ran");
    let told = "Clock stopped at 9:50 / Timeout, Rockets / Foul, Mavericks (Doncic) / \
                3 pts, Rockets (Green) / Clock started at 10:00 / Tip-off";
    browser.wait_for("the events told", WAIT, &format!("{TIMELINE} === {}", json!(told))).await;
    browser
        .wait_for(
            "the line score",
            WAIT,
            &format!("{LINE} === 'Q1 T | Rockets 3 3 | Mavericks 0 0'"),
        )
        .await;
    let sheet = "document.getElementById('sheet').innerText.replace(/\\s+/g, ' ').trim()";
    browser
        .wait_for(
            "the fouls and timeouts",
            WAIT,
            &format!(
                "{sheet} === 'Team fouls Rockets 0, Mavericks 1 Timeouts Rockets 1, Mavericks 0'"
            ),
        )
        .await;
    // The client's state holds the clock and the team fouls as the server's snapshot says them.
    let state = browser.js(&format!("return window.scorecast.state.get({id})"), vec![]).await;
    let snapshot = app.snapshot(id).await;
    assert_eq!(state["ck"], json!([0, 590_000]), "{state}");
    assert_eq!(state["tf"], json!([0, 1]), "{state}");
    assert_eq!(snapshot["fouls"]["team"], json!({"home": 0, "away": 1}));

    // A new quarter: its clock full and stopped, its fouls from 0, a column of its own.
    app.store_event(id, &json!({"kind": "period", "period": "q2"})).await;
    browser
        .wait_for("the second quarter", WAIT, &format!("{CLOCK} === '10:00 · 2nd quarter'"))
        .await;
    let state = browser.js(&format!("return window.scorecast.state.get({id})"), vec![]).await;
    assert_eq!(state["tf"], json!([0, 0]), "{state}");
    browser
        .wait_for(
            "the second quarter's column",
            WAIT,
            &format!("{LINE} === 'Q1 Q2 T | Rockets 3 0 3 | Mavericks 0 0 0'"),
        )
        .await;

    // The scoreboard's card: the quarter and its clock, standing, then running.
    browser.goto(&app.url("/")).await;
    browser.wait_for_connection("live", None, WAIT).await;
    let card = format!("document.querySelector('[data-match=\"{id}\"] .clock')?.textContent");
    browser.wait_for("the card's clock", WAIT, &format!("{card} === 'Q2 10:00'")).await;
    app.store_event(id, &json!({"kind": "clock", "running": true, "remaining_ms": 600_000})).await;
    let running = format!("/^Q2 9:5\\d$/.test({card}) && {card}");
    let first = browser.wait_for("the card's clock to run", WAIT, &running).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut later = first.clone();
    while later == first && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        later = browser.js(&format!("return {card}"), vec![]).await;
    }
    assert!(later.as_str() < first.as_str(), "the card's clock stood still: {first} then {later}");

    // The helper itself: it runs only while the clock runs and the game is live, never below 0.
    let clocks = browser
        .js(
            "return import('/static/scorecast.js').then(({ countdown }) => {
               const at = 1e12;
               const text = (st, ck, now) => countdown({ st, ck }, now)?.text ?? null;
               return [text('live', [1, 5000, at], at + 2500), text('live', [1, 5000, at], at + 9000),
                       text('interrupted', [1, 5000, at], at + 2500), text('live', [0, 61000], at),
                       text('live', [1, 720000, at], at - 3000), text('live', undefined, at),
                       countdown({ st: 'live', ck: [1, 5000, at] }, at + 9000).remaining];
             })",
            vec![],
        )
        .await;
    assert_eq!(clocks, json!(["0:03", "0:00", "0:05", "1:01", "12:00", null, 0]));
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scoreboard_shows_an_ice_hockey_period_and_a_shootout_result() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let playing = sport_match_today(&app, "ice_hockey", "Oilers", "Flames").await;
    for event in [
        json!({"kind": "start"}),
        json!({"kind": "period", "period": "p2"}),
        json!({"kind": "clock", "running": false, "remaining_ms": 754_000}),
    ] {
        app.store_event(playing, &event).await;
    }
    // Sabres 2, Canadiens 1 after a shoot-out the Sabres won 2-0 (the winner's goal in the score).
    let decided = sport_match_today(&app, "ice_hockey", "Sabres", "Canadiens").await;
    for event in [
        json!({"kind": "start"}),
        json!({"kind": "goal", "team": "home", "minute": 12, "player": "Eichel"}),
        json!({"kind": "penalty", "team": "away", "minutes": 2, "player": "Weber", "minute": 15}),
        json!({"kind": "period", "period": "p2"}),
        json!({"kind": "goal", "team": "away", "minute": 31}),
        json!({"kind": "period", "period": "p3"}),
        json!({"kind": "period", "period": "ot1"}),
        json!({"kind": "period", "period": "shootout"}),
        json!({"kind": "shot", "team": "home", "scored": true}),
        json!({"kind": "shot", "team": "away", "scored": false}),
    ] {
        app.store_event(decided, &event).await;
    }
    browser.goto(&app.url("/")).await;
    browser.wait_for_connection("live", None, WAIT).await;
    let card = |id: i64, part: &str| {
        format!("document.querySelector('[data-match=\"{id}\"] {part}')?.textContent")
    };
    browser
        .wait_for(
            "the period and clock",
            WAIT,
            &format!("{} === 'P2 12:34'", card(playing, ".clock")),
        )
        .await;
    browser
        .wait_for("the shoot-out under way", WAIT, &format!("{} === 'SO'", card(decided, ".clock")))
        .await;
    assert_eq!(browser.js(&format!("return {}", card(decided, ".pens")), vec![]).await, "(1–0 SO)");

    // Live: the attempts that decide it, then the end.
    for event in [
        json!({"kind": "shot", "team": "home", "scored": true}),
        json!({"kind": "shot", "team": "away", "scored": false}),
        json!({"kind": "end"}),
    ] {
        app.store_event(decided, &event).await;
    }
    let result = format!(
        "{} === '2–1' && {} === '(2–0 SO)' && {} === 'Final/SO'",
        card(decided, ".score"),
        card(decided, ".pens"),
        card(decided, ".status")
    );
    browser.wait_for("the shoot-out result", WAIT, &result).await;
    let group = format!(
        "document.querySelector('[data-match=\"{decided}\"]').closest('[data-group]').dataset.group"
    );
    assert_eq!(browser.js(&format!("return {group}"), vec![]).await, "finished");
    browser.screenshot("ice-hockey-board").await;

    // The match page: the line score with the shoot-out's goal as a period, its tally apart.
    browser.goto(&app.url(&format!("/matches/{decided}"))).await;
    browser.wait_for_connection("live", None, WAIT).await;
    let line = "P1 P2 P3 OT SO T | Sabres 1 0 0 0 1 2 | Canadiens 0 1 0 0 0 1";
    browser.wait_for("the line score", WAIT, &format!("{LINE} === '{line}'")).await;
    let pens = "document.getElementById('pens').textContent";
    assert_eq!(browser.js(&format!("return {pens}"), vec![]).await, "(2–0 SO)");
    let sheet = "document.querySelector('[data-stat=\"penalties\"] dd')?.textContent";
    browser
        .wait_for("the penalty", WAIT, &format!("{sheet} === 'P1 Canadiens (Weber) 2 min'"))
        .await;
    let texts = browser.js(&format!("return {TIMELINE}"), vec![]).await;
    let texts = texts.as_str().unwrap();
    for told in [
        "Final",
        "Shoot-out: scored, Sabres",
        "Shoot-out",
        "Overtime",
        "3rd period",
        "Penalty, 2 min, Canadiens (Weber)",
        "Goal, Sabres (Eichel)",
        "Face-off",
    ] {
        assert!(texts.split(" / ").any(|t| t == told), "{told:?} not in the timeline: {texts}");
    }
    browser.screenshot("ice-hockey-match").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_polling_the_countdown_starts_and_stops_as_over_websocket() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = sport_match_today(&app, "ice_hockey", "Oilers", "Flames").await;
    app.store_event(id, &json!({"kind": "start"})).await;
    browser.goto(&app.url(&format!("/matches/{id}?transport=poll&poll=500"))).await;
    browser.wait_for_connection("polling", Some("poll"), WAIT).await;
    browser.wait_for("the full clock", WAIT, &format!("{CLOCK} === '20:00 · 1st period'")).await;
    // Polling reads the stored clock events and makes the updates push sends of them.
    app.store_event(id, &json!({"kind": "clock", "running": true, "remaining_ms": 65_000})).await;
    browser
        .wait_for("the clock to run", WAIT, &format!("/^1:0\\d · 1st period$/.test({CLOCK})"))
        .await;
    app.store_event(id, &json!({"kind": "clock", "running": false, "remaining_ms": 42_000})).await;
    app.store_event(id, &json!({"kind": "period", "period": "p2"})).await;
    browser.wait_for("the next period", WAIT, &format!("{CLOCK} === '20:00 · 2nd period'")).await;
    let told = "2nd period / Clock stopped at 0:42 / Clock started at 1:05 / Face-off";
    browser.wait_for("the events told", WAIT, &format!("{TIMELINE} === {}", json!(told))).await;
    browser.close().await;
}
