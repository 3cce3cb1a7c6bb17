//! `scorecast.js` following `*` reconnects by resuming what it holds (issue 27, item 7): no page of
//! the match list is read again, and a match that ended while it was away gets its end.

use std::time::Duration;

use serde_json::json;

use crate::common::{spawn_app, Backend};
use crate::driver;

const WAIT: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_star_client_resumes_on_reconnect_without_reading_the_match_list() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = app.live_match_today("Ajax", "PSV").await;
    // A page of the server without the pages' own subscriptions.
    browser.goto(&app.url("/healthz")).await;
    browser
        .js(
            r#"window.listReads = 0;
               const fetch = window.fetch;
               window.fetch = (url, ...rest) => {
                 if (String(url).includes("/api/v1/matches?")) window.listReads += 1;
                 return fetch(url, ...rest);
               };
               return import("/static/scorecast.js").then(({ subscribe }) => {
                 window.sub = subscribe("*", { transport: "ws" });
                 return true;
               });"#,
            vec![],
        )
        .await;
    browser
        .wait_for("the match's snapshot", WAIT, &format!("window.sub.state.get({id})?.s === 1"))
        .await;
    // The connection drops; the match ends while the client is away.
    browser.js("window.sub.connection.ws.close(); return true", vec![]).await;
    app.store_event(id, &json!({"kind": "goal", "team": "home", "minute": 80})).await;
    app.store_event(id, &json!({"kind": "end"})).await;
    let state = browser
        .wait_for(
            "the end, resumed",
            WAIT,
            &format!("(() => {{ const s = window.sub.state.get({id}); return s?.st === 'finished' && s; }})()"),
        )
        .await;
    assert_eq!(state["sc"], json!([1, 0]));
    assert_eq!(browser.js("return window.listReads", vec![]).await, json!(0), "no list was read");
    browser.close().await;
}

/// With `*`, a match is let go once its result is confirmed, or `forgetAfter` after it ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_star_client_forgets_a_match_once_confirmed_or_long_ended() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let confirmed = app.live_match_today("Ajax", "PSV").await;
    let ended = app.live_match_today("AZ", "Twente").await;
    browser.goto(&app.url("/healthz")).await;
    browser
        .js(
            r#"return import("/static/scorecast.js").then(({ subscribe }) => {
                 window.sub = subscribe("*", { transport: "ws", forgetAfter: 1500 });
                 window.seen = [];
                 window.sub.onUpdate((msg) => window.seen.push([msg.m, msg.k]));
                 return true;
               });"#,
            vec![],
        )
        .await;
    let both = format!("window.sub.state.has({confirmed}) && window.sub.state.has({ended})");
    browser.wait_for("both snapshots", WAIT, &both).await;
    app.store_event(confirmed, &json!({"kind": "end"})).await;
    app.store_event(ended, &json!({"kind": "end"})).await;
    browser
        .wait_for("both ends", WAIT, "window.seen.filter(([m, k]) => k === 'end').length === 2")
        .await;
    app.store_event(confirmed, &json!({"kind": "confirm"})).await;
    browser
        .wait_for(
            "the confirmed match reported, then forgotten",
            WAIT,
            &format!("window.seen.some(([m, k]) => m === {confirmed} && k === 'confirm') && !window.sub.state.has({confirmed})"),
        )
        .await;
    assert_eq!(
        browser.js(&format!("return window.sub.state.has({ended})"), vec![]).await,
        json!(true),
        "an ended match is kept a while"
    );
    // The sweep runs every forgetAfter (at most a minute): the ended match goes after 1.5 s.
    browser
        .wait_for("the ended match forgotten", WAIT, &format!("!window.sub.state.has({ended})"))
        .await;
    browser.close().await;
}
