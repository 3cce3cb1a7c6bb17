//! Favourites and alerts on the scoreboard (issue 25): starred teams and competitions persist and
//! come first; a followed match alerts through the Notification API while the page is in the
//! background, once across tabs, never from a replay, and a void replaces its alert.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{spawn_app, Backend, TestApp};
use crate::driver::{self, Browser};

const WAIT: Duration = Duration::from_secs(15);

/// Records every Notification the page creates (the real one, with the real permission) in
/// `window.__notes`, and makes the page read as in the background.
const RECORD_IN_BACKGROUND: &str = r#"
    window.__notes = [];
    const Real = window.Notification;
    window.Notification = class extends Real {
      constructor(title, options = {}) {
        super(title, options);
        window.__notes.push({ title, body: options.body, tag: options.tag });
      }
    };
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    return Real.permission;
"#;

fn star(css_scope: &str, name: &str) -> String {
    format!("{css_scope} .star[data-name=\"{name}\"]")
}

async fn card_in(browser: &Browser, group: &str, id: i64) {
    let card = format!("document.querySelector('[data-group={group}] [data-match=\"{id}\"]')");
    browser.wait_for(&format!("match {id} among {group}"), WAIT, &card).await;
}

async fn notes(browser: &Browser) -> Vec<Value> {
    let notes = browser.js("return window.__notes", vec![]).await;
    notes.as_array().cloned().unwrap_or_default()
}

async fn wait_for_notes(browser: &Browser, n: usize) -> Vec<Value> {
    browser
        .wait_for(&format!("{n} notifications"), WAIT, &format!("window.__notes.length >= {n}"))
        .await;
    notes(browser).await
}

async fn home_goals(browser: &Browser, id: i64, goals: u32) {
    let shown = format!(
        "document.querySelector('[data-match=\"{id}\"] .goals.home')?.textContent === '{goals}'"
    );
    browser.wait_for(&format!("{goals} home goals"), WAIT, &shown).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starred_teams_and_competitions_persist_across_a_reload_and_come_first() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let eredivisie = app.live_match_today("Ajax", "PSV").await;
    let premier = app.create_match_today_in("Arsenal", "Chelsea", "Premier League").await;
    let other = app.create_match_today_in("Liverpool", "Everton", "Premier League").await;

    browser.goto(&app.url("/")).await;
    browser.wait_for_connection("live", None, WAIT).await;
    card_in(&browser, "upcoming", premier).await;
    // The board follows the matches it shows, by id, not "*".
    let followed =
        browser.js("return [window.scorecast.all, window.scorecast.matches]", vec![]).await;
    assert_eq!(followed, json!([false, [eredivisie, premier, other]]));

    // A team's star, pressed from the keyboard: Enter on the focused button.
    let chelsea = star(&format!("[data-match=\"{premier}\"]"), "Chelsea");
    let button = browser.client.find(fantoccini::Locator::Css(&chelsea)).await.unwrap();
    button.send_keys("\u{E007}").await.unwrap();
    card_in(&browser, "following", premier).await;
    let pressed =
        format!("return document.querySelector('{chelsea}').getAttribute('aria-pressed')");
    assert_eq!(browser.js(&pressed, vec![]).await, json!("true"));
    card_in(&browser, "upcoming", other).await;
    // A competition's star, on its heading.
    browser.click(&star("[data-group=live] .competition-head", "Eredivisie")).await;
    card_in(&browser, "following", eredivisie).await;

    browser.client.refresh().await.unwrap();
    browser.wait_for_connection("live", None, WAIT).await;
    card_in(&browser, "following", premier).await;
    card_in(&browser, "following", eredivisie).await;
    card_in(&browser, "upcoming", other).await;
    let state = browser
        .js(
            &format!(
                "return [document.querySelector('[data-group]').dataset.group, \
                 document.querySelector('{chelsea}').getAttribute('aria-pressed'), \
                 document.querySelector('[data-group=following] .competition-head .star[data-name=Eredivisie]')?.getAttribute('aria-pressed'), \
                 [...document.querySelectorAll('[data-group=following] [data-match]')].map((li) => Number(li.dataset.match))]"
            ),
            vec![],
        )
        .await;
    // Following is the board's first group, with both followed matches.
    assert_eq!(state, json!(["following", "true", "true", [eredivisie, premier]]));
    // The competition followed is subscribed to: a match created in it comes without a reload.
    assert_eq!(
        browser.js("return window.scorecast.competitions", vec![]).await,
        json!(["Eredivisie"])
    );
    let new = app.create_match_today_in("Feyenoord", "AZ", "Eredivisie").await;
    card_in(&browser, "following", new).await;
    browser.screenshot("favourites").await;
    browser.close().await;
}

/// Follows Ajax, turns alerts on with a click, and records notifications in the background.
async fn follow_ajax_with_alerts(browser: &Browser, app: &TestApp, id: i64) {
    browser.goto(&app.url("/")).await;
    browser.wait_for_connection("live", None, WAIT).await;
    card_in(browser, "live", id).await;
    browser.click(&star(&format!("[data-match=\"{id}\"]"), "Ajax")).await;
    card_in(browser, "following", id).await;
    alerts_on_in_background(browser).await;
}

async fn alerts_on_in_background(browser: &Browser) {
    let permission = browser.js(RECORD_IN_BACKGROUND, vec![]).await;
    assert_eq!(permission, json!("granted"), "the test's Chromium grants notifications");
    if browser
        .js("return document.getElementById('notify').getAttribute('aria-pressed')", vec![])
        .await
        != json!("true")
    {
        browser.click("#notify").await;
    }
    let on = "document.getElementById('notify').getAttribute('aria-pressed') === 'true'";
    browser.wait_for("alerts on", WAIT, on).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_followed_goal_alerts_once_in_the_background_a_void_replaces_it_and_a_replay_never_alerts(
) {
    let Some(browser) = driver::open_granting_notifications().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = app.live_match_today("Ajax", "PSV").await;
    let unfollowed = app.create_match_today_in("Arsenal", "Chelsea", "Premier League").await;
    app.store_event(unfollowed, &json!({"kind": "kickoff"})).await;
    follow_ajax_with_alerts(&browser, &app, id).await;

    let goal = json!({"kind": "goal", "team": "home", "minute": 10, "player": "Brobbey"});
    app.store_event(id, &goal).await; // s = 2
    let notes = wait_for_notes(&browser, 1).await;
    let tag = format!("scorecast:{id}:2");
    assert_eq!(
        notes[0],
        json!({"title": "Goal, Ajax (Brobbey)", "body": "Ajax 1–0 PSV · Eredivisie", "tag": tag})
    );
    // Neither a yellow card nor a goal of a match not followed alerts.
    let yellow =
        json!({"kind": "card", "team": "away", "player": "Kees", "color": "yellow", "minute": 20});
    app.store_event(id, &yellow).await; // s = 3
    app.store_event(unfollowed, &json!({"kind": "goal", "team": "home", "minute": 21})).await;
    app.store_event(id, &json!({"kind": "void", "target": 2, "reason": "offside"})).await; // s = 4
    let notes = wait_for_notes(&browser, 2).await;
    assert_eq!(
        notes[1],
        json!({"title": "Voided: Goal, Ajax (Brobbey)", "body": "Ajax 0–0 PSV", "tag": tag}),
        "the void replaces the goal's alert: {notes:?}"
    );
    let red =
        json!({"kind": "card", "team": "away", "player": "Veerman", "color": "red", "minute": 30});
    app.store_event(id, &red).await; // s = 5
    let notes = wait_for_notes(&browser, 3).await;
    assert_eq!(notes[2]["title"], json!("Red card, Veerman (PSV)"));

    // The connection drops and cannot come back while a goal is scored; the resume replays it.
    browser
        .js(
            r#"const connection = window.scorecast.connection;
               const Real = connection.WebSocket;
               window.__hold = true;
               connection.WebSocket = class extends Real {
                 constructor(url, protocols) {
                   super(window.__hold ? String(url).replace("/ws", "/no-ws-while-held") : url, protocols);
                 }
               };
               connection.ws.close();
               return true;"#,
            vec![],
        )
        .await;
    browser.wait_for_connection("reconnecting", None, WAIT).await;
    let replayed = json!({"kind": "goal", "team": "home", "minute": 40, "player": "Taylor"});
    app.store_event(id, &replayed).await; // s = 6
    browser.js("window.__hold = false; return true", vec![]).await;
    browser.wait_for_connection("live", None, WAIT).await;
    home_goals(&browser, id, 1).await;
    let live = json!({"kind": "goal", "team": "home", "minute": 50, "player": "Berghuis"});
    app.store_event(id, &live).await; // s = 7
    let notes = wait_for_notes(&browser, 4).await;
    assert_eq!(
        notes[3]["title"],
        json!("Goal, Ajax (Berghuis)"),
        "no alert from the replay: {notes:?}"
    );
    app.store_event(id, &json!({"kind": "end", "minute": 90})).await;
    let notes = wait_for_notes(&browser, 5).await;
    assert_eq!(notes[4]["title"], json!("Full time: Ajax 2–0 PSV"));
    assert_eq!(notes.len(), 5, "{notes:?}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_background_tabs_show_one_notification_per_event() {
    let Some(browser) = driver::open_granting_notifications().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = app.live_match_today("Ajax", "PSV").await;
    follow_ajax_with_alerts(&browser, &app, id).await;
    let first = browser.client.window().await.unwrap();
    let second = browser.client.new_window(true).await.unwrap().handle;
    browser.client.switch_to_window(second.clone()).await.unwrap();
    browser.goto(&app.url("/")).await;
    browser.wait_for_connection("live", None, WAIT).await;
    // The favourite and the alerts switch are this browser's: the new tab has them.
    card_in(&browser, "following", id).await;
    alerts_on_in_background(&browser).await;

    for goals in 1..=3u32 {
        let goal = json!({"kind": "goal", "team": "home", "minute": 10 + goals});
        app.store_event(id, &goal).await;
        home_goals(&browser, id, goals).await;
        browser.client.switch_to_window(first.clone()).await.unwrap();
        home_goals(&browser, id, goals).await;
        browser.client.switch_to_window(second.clone()).await.unwrap();
    }
    // Both tabs have handled every goal; give a late one a moment to show up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let tags = |notes: &[Value]| -> Vec<String> {
        let mut tags: Vec<String> =
            notes.iter().map(|n| n["tag"].as_str().unwrap().to_owned()).collect();
        tags.sort();
        tags
    };
    let in_second = notes(&browser).await;
    browser.client.switch_to_window(first.clone()).await.unwrap();
    let in_first = notes(&browser).await;
    let all = tags(&[in_first.clone(), in_second.clone()].concat());
    let expected: Vec<String> = (2..=4).map(|s| format!("scorecast:{id}:{s}")).collect();
    assert_eq!(
        all, expected,
        "one notification per goal across both tabs: {in_first:?} {in_second:?}"
    );

    // The alerting tab closes: the other one alerts from then on.
    let (alerting, other) =
        if in_first.is_empty() { (second.clone(), first) } else { (first, second.clone()) };
    browser.client.switch_to_window(alerting).await.unwrap();
    browser.client.close_window().await.unwrap();
    browser.client.switch_to_window(other).await.unwrap();
    let before = notes(&browser).await.len();
    app.store_event(id, &json!({"kind": "goal", "team": "home", "minute": 30})).await;
    let after = wait_for_notes(&browser, before + 1).await;
    assert_eq!(after[before]["tag"], json!(format!("scorecast:{id}:5")));
    browser.close().await;
}

/// Tennis: 24 points in a row win a set 6-0 (4 points a game, 6 games; ITF Rules of Tennis, rules
/// 5 and 6), 48 the match of best of three sets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_followed_tennis_player_alerts_on_each_set_won_and_on_the_match_won_not_on_points() {
    let Some(browser) = driver::open_granting_notifications().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let body = json!({"home": "Sinner", "away": "Alcaraz", "competition": "Roland Garros",
                      "kickoff_at": now, "sport": "tennis"});
    let response = app.post_json("/api/v1/matches", &body).await;
    assert_eq!(response.status(), 201);
    let id = response.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    app.store_event(id, &json!({"kind": "start", "server": "home"})).await;

    browser.goto(&app.url("/")).await;
    browser.wait_for_connection("live", None, WAIT).await;
    card_in(&browser, "live", id).await;
    browser.click(&star(&format!("[data-match=\"{id}\"]"), "Sinner")).await;
    card_in(&browser, "following", id).await;
    alerts_on_in_background(&browser).await;

    for _ in 0..24 {
        app.store_event(id, &json!({"kind": "point", "team": "home"})).await;
    }
    let notes = wait_for_notes(&browser, 1).await;
    assert_eq!(
        notes[0],
        json!({"title": "Set won by Sinner", "body": "Sinner 1–0 Alcaraz · Roland Garros",
               "tag": format!("scorecast:{id}:25")})
    );
    for _ in 0..24 {
        app.store_event(id, &json!({"kind": "point", "team": "home"})).await;
    }
    let notes = wait_for_notes(&browser, 2).await;
    assert_eq!(notes[1]["title"], json!("Match won by Sinner"));
    assert_eq!(notes[1]["body"], json!("Sinner 2–0 Alcaraz · Roland Garros"));
    assert_eq!(
        notes.len(),
        2,
        "one alert for the match point, none for the other points: {notes:?}"
    );
    browser.close().await;
}
