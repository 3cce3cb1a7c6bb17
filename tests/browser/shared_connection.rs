//! One connection per browser (issue 25): the tabs of one origin share one WebSocket, held by one
//! tab; when that tab closes another takes over, and no tab misses or repeats an event.

use std::time::Duration;

use fantoccini::wd::WindowHandle;
use serde_json::{json, Value};

use crate::common::{spawn_app, spawn_app_with, Backend, TestApp};
use crate::driver::{self, Browser};

const WAIT: Duration = Duration::from_secs(20);

/// Follows `arguments[0]` (match ids) in a page of the server, recording every update and
/// snapshot as `m:s:k`.
const FOLLOW: &str = r#"
    const [ids, options] = arguments;
    return import("/static/scorecast.js").then((scorecast) => {
      window.seen = [];
      window.sub = scorecast.subscribe(ids, options);
      sub.onSnapshot((state) => seen.push(`${state.m}:${state.s}:snapshot`));
      sub.onUpdate((msg) => seen.push(`${msg.m}:${msg.s}:${msg.k}`));
      return true;
    });
"#;

/// The value of `scorecast_ws_connections` (WebSockets and SSE streams open) once it is `expected`.
async fn wait_for_connections(app: &TestApp, expected: f64) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let now = app.metric("scorecast_ws_connections").await;
        if now == expected {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{now} connections open, not {expected}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Opens a tab on the server following `ids`.
async fn open_tab(browser: &Browser, app: &TestApp, ids: &[i64], options: Value) -> WindowHandle {
    let tab = browser.client.new_window(true).await.unwrap().handle;
    browser.client.switch_to_window(tab.clone()).await.unwrap();
    browser.goto(&app.url("/healthz")).await;
    browser.js(FOLLOW, vec![json!(ids), options]).await;
    tab
}

/// Waits in the current tab until each match of `ids` is held at `seq`.
async fn wait_held(browser: &Browser, ids: &[i64], seq: i64) {
    let condition = format!(
        "{}.every((m) => (window.sub ?? window.scorecast).state.get(m)?.s === {seq})",
        json!(ids)
    );
    browser.wait_for(&format!("{ids:?} at {seq}"), WAIT, &condition).await;
}

/// The `s` of every update the current tab reported for match `m`, in order.
async fn updates_of(browser: &Browser, m: i64) -> Vec<i64> {
    let script = format!(
        "return window.seen.map((e) => e.split(':')).filter(([id, s, k]) => id === '{m}' && k !== 'snapshot').map(([id, s]) => Number(s))"
    );
    serde_json::from_value(browser.js(&script, vec![]).await).unwrap()
}

/// Three matches live today.
async fn three_live_matches(app: &TestApp) -> (i64, i64, i64) {
    (
        app.live_match_today("Ajax", "PSV").await,
        app.live_match_today("AZ", "Twente").await,
        app.live_match_today("Utrecht", "Vitesse").await,
    )
}

async fn goal(app: &TestApp, id: i64, minute: u32) {
    app.store_event(id, &json!({"kind": "goal", "team": "home", "minute": minute})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_tabs_share_one_connection_and_lose_nothing_when_its_tab_closes() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let (a, b, c) = three_live_matches(&app).await;
    // Overlapping: each match is followed by two tabs.
    let follows = [vec![a, b], vec![b, c], vec![a, c]];
    let first = browser.client.window().await.unwrap();
    let mut tabs = Vec::new();
    for ids in &follows {
        let tab = open_tab(&browser, &app, ids, json!({})).await;
        wait_held(&browser, ids, 1).await;
        tabs.push(tab);
    }
    browser.client.switch_to_window(first).await.unwrap();
    browser.client.close_window().await.unwrap();
    wait_for_connections(&app, 1.0).await;

    for (minute, id) in [(10, a), (11, b), (12, c)] {
        goal(&app, id, minute).await;
    }
    let mut leader = None;
    for (tab, ids) in tabs.iter().zip(&follows) {
        browser.client.switch_to_window(tab.clone()).await.unwrap();
        wait_held(&browser, ids, 2).await;
        if browser.js("return window.sub.connection.leading", vec![]).await == json!(true) {
            assert!(leader.replace(tab.clone()).is_none(), "two tabs lead");
        }
    }
    let leader = leader.expect("a tab leads");
    assert_eq!(app.metric("scorecast_ws_connections").await, 1.0, "one connection serves 3 tabs");

    // The leader's tab closes; events keep coming while another tab takes over.
    browser.client.switch_to_window(leader.clone()).await.unwrap();
    browser.client.close_window().await.unwrap();
    for minute in [20, 30] {
        for id in [a, b, c] {
            goal(&app, id, minute).await;
        }
    }
    let remaining: Vec<_> = tabs.iter().zip(&follows).filter(|(tab, _)| **tab != leader).collect();
    assert_eq!(remaining.len(), 2);
    let mut leaders = 0;
    for (tab, ids) in remaining {
        browser.client.switch_to_window((*tab).clone()).await.unwrap();
        wait_held(&browser, ids, 4).await;
        for &m in ids {
            assert_eq!(
                updates_of(&browser, m).await,
                vec![2, 3, 4],
                "match {m}: each event once, in order"
            );
        }
        let leads = browser.js("return window.sub.connection.leading", vec![]).await;
        leaders += usize::from(leads == json!(true));
    }
    assert_eq!(leaders, 1, "one of the remaining tabs took over");
    wait_for_connections(&app, 1.0).await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tab_beyond_the_shared_connections_limit_opens_its_own() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let (a, b, c) = three_live_matches(&app).await;
    let limits = json!({ "shareLimits": { "matches": 2 } });
    let first = open_tab(&browser, &app, &[a, b], limits.clone()).await;
    wait_held(&browser, &[a, b], 1).await;
    // Within the limit (b is already followed): shared.
    open_tab(&browser, &app, &[b], limits.clone()).await;
    wait_held(&browser, &[b], 1).await;
    wait_for_connections(&app, 1.0).await;
    // A third match would make three: that tab follows its matches over a connection of its own.
    open_tab(&browser, &app, &[a, c], limits).await;
    wait_held(&browser, &[a, c], 1).await;
    wait_for_connections(&app, 2.0).await;
    goal(&app, c, 10).await;
    wait_held(&browser, &[c], 2).await;
    browser.client.switch_to_window(first).await.unwrap();
    goal(&app, a, 11).await;
    wait_held(&browser, &[a], 2).await;
    browser.close().await;
}

/// Records, in the current page, the `s` of each update of the page's own subscription.
const RECORD: &str = "window.seen = []; \
     window.scorecast.onUpdate((msg) => seen.push(`${msg.m}:${msg.s}:${msg.k}`)); return true";

/// Opens `path` in a new tab and waits until its page is live, recording its updates.
async fn open_page(browser: &Browser, app: &TestApp, path: &str) -> WindowHandle {
    let tab = browser.client.new_window(true).await.unwrap().handle;
    browser.client.switch_to_window(tab.clone()).await.unwrap();
    browser.goto(&app.url(path)).await;
    browser.wait_for_connection("live", None, WAIT).await;
    browser.js(RECORD, vec![]).await;
    tab
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scoreboard_and_match_pages_in_several_tabs_share_one_connection() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let (a, b) =
        (app.live_match_today("Ajax", "PSV").await, app.live_match_today("AZ", "Twente").await);
    let blank = browser.client.window().await.unwrap();
    let page_a = open_page(&browser, &app, &format!("/matches/{a}")).await;
    browser.client.switch_to_window(blank).await.unwrap();
    browser.client.close_window().await.unwrap();
    browser.client.switch_to_window(page_a.clone()).await.unwrap();
    // The scoreboard follows "*": the shared connection becomes a "*" one.
    let board = open_page(&browser, &app, "/").await;
    wait_for_connections(&app, 1.0).await;
    goal(&app, a, 10).await;
    goal(&app, b, 11).await;
    let card =
        format!("document.querySelector('[data-match=\"{b}\"] .goals.home')?.textContent === '1'");
    browser.wait_for("the goal on the scoreboard", WAIT, &card).await;
    let page_b = open_page(&browser, &app, &format!("/matches/{b}")).await;
    wait_held(&browser, &[b], 2).await;
    browser.client.switch_to_window(page_a.clone()).await.unwrap();
    wait_held(&browser, &[a], 2).await;
    assert_eq!(app.metric("scorecast_ws_connections").await, 1.0, "one connection for 3 pages");

    // Without the scoreboard, the shared connection follows the two matches by id again.
    browser.client.switch_to_window(board).await.unwrap();
    browser.client.close_window().await.unwrap();
    browser.client.switch_to_window(page_b.clone()).await.unwrap();
    goal(&app, a, 20).await;
    goal(&app, b, 21).await;
    for (page, m, seen) in [
        (page_a, a, json!([format!("{a}:2:goal"), format!("{a}:3:goal")])),
        (page_b, b, json!([format!("{b}:3:goal")])),
    ] {
        browser.client.switch_to_window(page).await.unwrap();
        wait_held(&browser, &[m], 3).await;
        assert_eq!(browser.js("return window.seen", vec![]).await, seen, "match {m}");
    }
    wait_for_connections(&app, 1.0).await;
    browser.close().await;
}

/// A server with a lower --ws-max-subscriptions than the client assumes closes the shared
/// connection when the tabs together follow more (1008, naming its limit): the leader keeps to
/// that limit from then on, and the tab beyond it opens its own connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shared_connection_keeps_to_a_lower_server_limit_once_told() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app_with(Backend::Sqlite, |s| s.ws_max_subscriptions = 2).await.unwrap();
    let (a, b, c) = three_live_matches(&app).await;
    let first = open_tab(&browser, &app, &[a, b], json!({})).await;
    wait_held(&browser, &[a, b], 1).await;
    open_tab(&browser, &app, &[c], json!({})).await;
    wait_held(&browser, &[c], 1).await;
    wait_for_connections(&app, 2.0).await;
    goal(&app, c, 10).await;
    wait_held(&browser, &[c], 2).await;
    assert_eq!(browser.js("return window.sub.connection.own !== null", vec![]).await, json!(true));
    browser.client.switch_to_window(first).await.unwrap();
    goal(&app, a, 11).await;
    wait_held(&browser, &[a], 2).await;
    assert_eq!(updates_of(&browser, a).await, vec![2], "each event once");
    browser.close().await;
}

/// Every tab hears how many watch its match, and the browser's shared connection counts once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tab_hears_how_many_watch_and_the_browser_counts_once() {
    let Some(browser) = driver::open().await else { return };
    let app =
        spawn_app_with(Backend::Sqlite, |s| s.watching.watching_interval_secs = 1).await.unwrap();
    let a = app.live_match_today("Ajax", "PSV").await;
    let record =
        "window.watched = 0; window.sub.onWatching((m, n) => { window.watched = n; }); return true";
    let mut tabs = Vec::new();
    for _ in 0..2 {
        tabs.push(open_tab(&browser, &app, &[a], json!({})).await);
        wait_held(&browser, &[a], 1).await;
        browser.js(record, vec![]).await;
    }
    // A page of its own (`share: false`) is a second watcher.
    open_tab(&browser, &app, &[a], json!({ "share": false })).await;
    wait_held(&browser, &[a], 1).await;
    wait_for_connections(&app, 2.0).await;
    for tab in tabs {
        browser.client.switch_to_window(tab).await.unwrap();
        browser.wait_for("two watching", WAIT, "window.watched === 2").await;
    }
    browser.close().await;
}
