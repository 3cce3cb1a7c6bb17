//! The scoreboard and match page show tennis and volleyball: each set's games or points (a
//! tiebreak's as a superscript), the game's points, the server, "Final" and an award's "ret.".

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{spawn_app, Backend, TestApp};
use crate::driver::{self, Browser};

const WAIT: Duration = Duration::from_secs(10);

/// A match of `sport` kicking off now, with `format`, started with `server` serving first.
async fn started(
    app: &TestApp,
    sport: &str,
    format: Value,
    server: &str,
    sides: (&str, &str),
) -> i64 {
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let body = json!({"home": sides.0, "away": sides.1, "competition": "Exhibition",
                      "kickoff_at": now, "sport": sport, "format": format});
    let response = app.post_json("/api/v1/matches", &body).await;
    assert_eq!(response.status(), 201);
    let id = response.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    app.store_event(id, &json!({"kind": "start", "server": server})).await;
    id
}

/// Posts a point won by each side of `sides`, in order (`h` or `a`).
async fn points(app: &TestApp, id: i64, sides: &str) {
    for side in sides.chars() {
        let team = if side == 'h' { "home" } else { "away" };
        app.store_event(id, &json!({"kind": "point", "team": team})).await;
    }
}

/// What card `id` shows: `[sets won home, away, [each set's text], game, serving side, status]`.
async fn card(browser: &Browser, id: i64) -> Value {
    let script = r#"
        const li = document.querySelector(`[data-match="${arguments[0]}"]`);
        if (!li) return null;
        const text = (css) => li.querySelector(css)?.textContent ?? null;
        const serving = li.querySelector(".team.serving");
        return [text(".goals.home"), text(".goals.away"),
          [...li.querySelectorAll(".sets .set")].map((s) => s.textContent + (s.classList.contains("current") ? "*" : "")),
          text(".sets .game"), serving ? (serving.classList.contains("home") ? "home" : "away") : null,
          text(".status")];
    "#;
    browser.js(script, vec![json!(id)]).await
}

/// Waits until card `id` shows `expected` (as `card` gives it).
async fn card_shows(browser: &Browser, id: i64, expected: Value, what: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let seen = card(browser, id).await;
        if seen == expected {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: the card shows {seen}, not {expected}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One game of four points won by `side` (`h` or `a`).
fn game(side: char) -> String {
    side.to_string().repeat(4)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scoreboard_shows_a_tennis_matchs_sets_games_points_and_server_live() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = started(&app, "tennis", json!({}), "home", ("Sinner", "Alcaraz")).await;
    browser.goto(&app.url("/")).await;
    browser.wait_for_connection("live", None, WAIT).await;
    card_shows(&browser, id, json!(["0", "0", ["0–0*"], "0–0", "home", "Live"]), "the start").await;

    // 15-0, 15-15, 30-15: the game's points as called, the server unchanged.
    points(&app, id, "hah").await;
    card_shows(&browser, id, json!(["0", "0", ["0–0*"], "30–15", "home", "Live"]), "30-15").await;
    // Deuce, then the receiver's advantage.
    points(&app, id, "aaha").await;
    card_shows(&browser, id, json!(["0", "0", ["0–0*"], "40–A", "home", "Live"]), "advantage")
        .await;
    // The away side breaks: 0-1, and the server changes with the game.
    points(&app, id, "a").await;
    card_shows(&browser, id, json!(["0", "0", ["0–1*"], "0–0", "away", "Live"]), "the break").await;
    // Home takes six games in a row: the set closes at 6-1 and the next opens, served by away
    // (the server alternates by game: seven games were played).
    points(&app, id, &"h".repeat(24)).await;
    card_shows(
        &browser,
        id,
        json!(["1", "0", ["6–1", "0–0*"], "0–0", "away", "Live"]),
        "the first set",
    )
    .await;

    // Set 2 to 6-6, each side holding serve, then a tiebreak won 7-5 by home: 7-6 with the
    // loser's tiebreak points as a superscript, the match over.
    let mut games = String::new();
    for _ in 0..6 {
        games += &game('a');
        games += &game('h');
    }
    points(&app, id, &games).await;
    card_shows(&browser, id, json!(["1", "0", ["6–1", "6–6*"], "0–0", "away", "Live"]), "6-6")
        .await;
    // The tiebreak's points are counted, not called; its server: away for the first point, then
    // two each (home, home, away, away, home...): home serves the seventh.
    points(&app, id, "hhaaha").await;
    card_shows(
        &browser,
        id,
        json!(["1", "0", ["6–1", "6–6*"], "3–3", "home", "Live"]),
        "the tiebreak",
    )
    .await;
    points(&app, id, "aahhhh").await; // 7-5
    card_shows(&browser, id, json!(["2", "0", ["6–1", "7–65"], null, null, "Final"]), "the match")
        .await;
    let sup = browser
        .js(&format!("return document.querySelector('[data-match=\"{id}\"] .set[data-period=s2] sup')?.textContent"), vec![])
        .await;
    assert_eq!(sup, "5", "the tiebreak's loser's points as a superscript");
    let finished =
        format!("document.querySelector('[data-group=finished] [data-match=\"{id}\"]') !== null");
    browser.wait_for("the match among the finished", WAIT, &finished).await;

    // The REST line says the same as the card (the pages follow it from updates alone).
    let snapshot = app.snapshot(id).await;
    assert_eq!(
        snapshot["periods"],
        json!([{"period": "s1", "score": {"home": 6, "away": 1}},
               {"period": "s2", "score": {"home": 7, "away": 6}, "tiebreak": {"home": 7, "away": 5}}]),
        "{snapshot}"
    );

    // The match page: its line score per set, the tiebreak's superscript, the sets won.
    browser.goto(&app.url(&format!("/matches/{id}"))).await;
    browser.wait_for_connection("live", None, WAIT).await;
    let line = r##"
        const rows = [...document.querySelectorAll("#line tbody tr")];
        const heads = [...document.querySelectorAll("#line thead th")].map((th) => th.textContent);
        return rows.length ? [heads, ...rows.map((r) => [...r.children].map((c) => c.textContent))] : null;
    "##;
    let deadline = tokio::time::Instant::now() + WAIT;
    let expected =
        json!([["1", "2", "Sets"], ["Sinner", "6", "7", "2"], ["Alcaraz", "1", "65", "0"]]);
    loop {
        let seen = browser.js(line, vec![]).await;
        if seen == expected {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the line score: {seen}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = browser.js("return document.getElementById('status').textContent", vec![]).await;
    assert_eq!(status, "Final");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_match_page_follows_a_tennis_game_and_its_server_point_by_point() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = started(&app, "tennis", json!({"best_of": 5}), "away", ("Swiatek", "Sabalenka")).await;
    browser.goto(&app.url(&format!("/matches/{id}"))).await;
    browser.wait_for_connection("live", None, WAIT).await;
    let clock = "document.getElementById('clock').textContent";
    browser
        .wait_for("love-all", WAIT, &format!("{clock} === '0–0 · Set 1 · Sabalenka serving'"))
        .await;
    points(&app, id, "aah").await;
    browser
        .wait_for("15-30", WAIT, &format!("{clock} === '15–30 · Set 1 · Sabalenka serving'"))
        .await;
    points(&app, id, "aa").await; // 15-40, then the game
    browser
        .wait_for("the game", WAIT, &format!("{clock} === '0–0 · Set 1 · Swiatek serving'"))
        .await;
    let serving = "document.querySelector('.teams .team.serving')?.id";
    browser.wait_for("the server marked", WAIT, &format!("{serving} === 'home'")).await;
    let cells = "[...document.querySelectorAll('#line tbody td[data-period=s1]')].map((c) => c.textContent).join()";
    browser.wait_for("the set's games", WAIT, &format!("{cells} === '0,1'")).await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scoreboard_shows_a_volleyball_matchs_sets_points_and_server() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = started(&app, "volleyball", json!({"best_of": 3}), "away", ("Italy", "Poland")).await;
    points(&app, id, &"h".repeat(20)).await;
    browser.goto(&app.url("/")).await;
    browser.wait_for_connection("live", None, WAIT).await;
    // From the list's snapshot: the set in play, the rally's winner serving; no game.
    card_shows(&browser, id, json!(["0", "0", ["20–0*"], null, "home", "Live"]), "from REST").await;
    // The first set to 25, then the second under way, live.
    points(&app, id, &format!("{}aah", "h".repeat(5))).await;
    card_shows(&browser, id, json!(["1", "0", ["25–0", "1–2*"], null, "home", "Live"]), "set 2")
        .await;
    points(&app, id, "a").await;
    card_shows(
        &browser,
        id,
        json!(["1", "0", ["25–0", "1–3*"], null, "away", "Live"]),
        "away serves",
    )
    .await;
    // The second set to 25-23 after 23-23 (two clear points): the match, "Final".
    let mut rallies = String::from("hh");
    for _ in 0..20 {
        rallies += "ha";
    }
    rallies += "hh"; // 25-23
    points(&app, id, &rallies).await;
    card_shows(
        &browser,
        id,
        json!(["2", "0", ["25–0", "25–23"], null, null, "Final"]),
        "the match",
    )
    .await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tennis_retirement_shows_ret_with_the_line_standing() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = started(&app, "tennis", json!({}), "home", ("Djokovic", "Nadal")).await;
    points(&app, id, &format!("{}{}hh", game('h'), game('a'))).await;
    browser.goto(&app.url("/")).await;
    browser.wait_for_connection("live", None, WAIT).await;
    card_shows(&browser, id, json!(["0", "0", ["1–1*"], "30–0", "home", "Live"]), "in play").await;
    browser.screenshot("scoreboard-tennis").await;
    app.store_event(
        id,
        &json!({"kind": "status", "status": "awarded", "winner": "home", "method": "retired"}),
    )
    .await;
    // The award's method is not in the compact update: the card reads it, and keeps the line.
    card_shows(&browser, id, json!(["0", "0", ["1–1"], null, null, "ret."]), "the retirement")
        .await;
    let finished =
        format!("document.querySelector('[data-group=finished] [data-match=\"{id}\"]') !== null");
    browser.wait_for("the match among the finished", WAIT, &finished).await;

    // A walkover from the list's snapshot, before any update: "w/o".
    let other = started(&app, "tennis", json!({}), "away", ("Medvedev", "Zverev")).await;
    app.store_event(
        other,
        &json!({"kind": "status", "status": "awarded", "winner": "away", "method": "walkover"}),
    )
    .await;
    browser.goto(&app.url("/")).await;
    browser.wait_for_connection("live", None, WAIT).await;
    card_shows(&browser, other, json!(["0", "0", ["0–0"], null, null, "w/o"]), "the walkover")
        .await;
    // The match page says who won.
    browser.goto(&app.url(&format!("/matches/{id}"))).await;
    let status = "document.getElementById('status').textContent";
    browser
        .wait_for("the status line", WAIT, &format!("{status} === 'ret. · Djokovic wins'"))
        .await;
    browser.close().await;
}
