//! The admin console's Most watched list (issue 25): real WebSocket followers, the matches ranked
//! by how many follow each, read again once an interval, and a match chosen from the keyboard.

use std::time::Duration;

use fantoccini::Locator;
use serde_json::json;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

use crate::common::{spawn_app_with, Backend, TestApp};
use crate::driver;

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

const WAIT: Duration = Duration::from_secs(15);

/// `n` WebSocket connections following `id`.
async fn followers(app: &TestApp, id: i64, n: usize) -> Vec<Socket> {
    let url = format!("ws://127.0.0.1:{}/ws?matches={id}", app.port);
    let mut sockets = Vec::new();
    for _ in 0..n {
        sockets.push(connect_async(&url).await.expect("a WebSocket").0);
    }
    sockets
}

/// A condition on the ids the list shows, in order.
fn listed(ids: &[i64]) -> String {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("document.getElementById('most-watched').dataset.ids === '{}'", ids.join(","))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_most_watched_list_ranks_matches_by_followers_and_chooses_one_from_the_keyboard() {
    let Some(browser) = driver::open().await else { return };
    // Counted and ranked every second, so the list (read at that interval) follows quickly.
    let app =
        spawn_app_with(Backend::Sqlite, |s| s.watching.watching_interval_secs = 1).await.unwrap();
    let ajax = app.live_match_today("Ajax", "PSV").await;
    let milan = app.create_match_today_in("Milan", "Inter", "Serie A").await;
    let celtic = app.create_match_today_in("Celtic", "Rangers", "Premiership").await;
    let _unwatched = app.create_match_today_in("Porto", "Benfica", "Primeira Liga").await;

    browser.goto(&app.url("/admin")).await;
    browser
        .wait_for("the empty list", WAIT, "!document.getElementById('watched-empty').hidden")
        .await;
    let mut on_milan = followers(&app, milan, 3).await;
    let _on_celtic = followers(&app, celtic, 2).await;
    let _on_ajax = followers(&app, ajax, 1).await;
    browser.wait_for("three matches by count", WAIT, &listed(&[milan, celtic, ajax])).await;
    let first = browser
        .js("return document.querySelector('#most-watched li').textContent.trim()", vec![])
        .await;
    assert_eq!(first, json!(format!("#{milan} Milan–Inter 3 watching")));
    let hidden = browser.js("return document.getElementById('watched-empty').hidden", vec![]).await;
    assert_eq!(hidden, json!(true));

    // The focus stays on its match across a redraw (the list is read again every second).
    let celtic_button = format!("#most-watched button[data-id=\"{celtic}\"]");
    browser.js(&format!("document.querySelector('{celtic_button}').focus()"), vec![]).await;
    let updated = browser.js("return document.getElementById('watched-state').textContent", vec![]);
    let before = updated.await;
    let redrawn = format!(
        "document.getElementById('watched-state').textContent !== {before} && \
         document.activeElement.matches('{celtic_button}')"
    );
    browser.wait_for("a redraw that keeps the focus", WAIT, &redrawn).await;

    // Enter on the focused button chooses the match under Events, which takes the focus.
    let button = browser.client.find(Locator::Css(&celtic_button)).await.unwrap();
    button.send_keys("\u{E007}").await.unwrap();
    let chosen = format!(
        "document.getElementById('match').value === '{celtic}' && \
         document.activeElement.id === 'match' && \
         document.getElementById('current').textContent.startsWith('Celtic')"
    );
    browser.wait_for("Celtic chosen under Events", WAIT, &chosen).await;

    // Followers leave: the list follows.
    on_milan.truncate(1);
    browser.wait_for("Milan down to one", WAIT, &listed(&[celtic, ajax, milan])).await;
    browser.js("document.getElementById('h-watched').scrollIntoView()", vec![]).await;
    browser.screenshot("admin-most-watched").await;
    browser.close().await;
}
