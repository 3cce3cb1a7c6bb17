//! The admin console's live panel counts real subscribers from the server's metrics and sets the
//! cost of pushing to them beside what polling would cost.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::common::{spawn_app, Backend};
use crate::driver;

const WAIT: Duration = Duration::from_secs(15);
const WEBSOCKETS: usize = 3;
const STREAMS: usize = 2;

/// The panel's raw numbers, as it keeps them on `#live`.
const NUMBERS: &str = "const d = document.getElementById('live').dataset; \
     return {ws: d.ws, sse: d.sse, subscriptions: d.subscriptions, snapshot: d.snapshotBytes, \
             polls: d.polls, poll: d.pollBytes, deliveries: d.deliveries, push: d.pushBytes}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_panel_shows_real_subscribers_and_the_polling_cost_beside_the_push_cost() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = app.live_match_today("Ajax", "PSV").await;
    let snapshot_bytes =
        app.get(&format!("/api/v1/matches/{id}")).await.bytes().await.unwrap().len();

    let ws_url = format!("ws://127.0.0.1:{}/ws?matches={id}", app.port);
    let mut sockets = Vec::new();
    for _ in 0..WEBSOCKETS {
        let (socket, _) = tokio_tungstenite::connect_async(&ws_url).await.expect("a WebSocket");
        sockets.push(socket);
    }
    let mut streams = Vec::new();
    for _ in 0..STREAMS {
        let response = app.get(&format!("/sse?matches={id}")).await;
        assert_eq!(response.status(), 200);
        streams.push(response.bytes_stream());
    }

    browser.goto(&app.url("/admin")).await;
    let counted = format!(
        "document.getElementById('live-ws').textContent === '{WEBSOCKETS}' && \
         document.getElementById('live-sse').textContent === '{STREAMS}'"
    );
    browser.wait_for("the subscribers in the panel", WAIT, &counted).await;
    let numbers = browser.js(NUMBERS, vec![]).await;
    let subscriptions = (WEBSOCKETS + STREAMS) as f64;
    assert_eq!(numbers["subscriptions"], json!(subscriptions.to_string()), "{numbers}");
    // One match followed: its snapshot is the median, read by every subscription each 5 s.
    assert_eq!(numbers["snapshot"], json!(snapshot_bytes.to_string()), "{numbers}");
    assert_eq!(numbers["polls"], json!((subscriptions / 5.0).to_string()), "{numbers}");
    let poll_bytes = subscriptions / 5.0 * snapshot_bytes as f64;
    assert_eq!(numbers["poll"], json!(poll_bytes.to_string()), "{numbers}");
    let shown =
        browser.js("return document.getElementById('poll-bytes').textContent", vec![]).await;
    assert!(shown.as_str().unwrap().ends_with("B/s"), "{shown}");

    // A goal reaches the five subscribers: deliveries and push bytes per second show it.
    app.store_event(id, &json!({"kind": "goal", "team": "home", "minute": 9})).await;
    for socket in &mut sockets {
        socket.next().await.expect("the snapshot").unwrap();
        socket.next().await.expect("the goal").unwrap();
    }
    for stream in &mut streams {
        let mut text = String::new();
        while !text.contains("\"k\":\"goal\"") {
            let chunk = stream.next().await.expect("the goal over SSE").unwrap();
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
    let delivered = "Number(document.getElementById('live').dataset.deliveries) >= 1 && \
                     Number(document.getElementById('live').dataset.pushBytes) > 0";
    browser.wait_for("the goal's deliveries in the panel", WAIT, delivered).await;
    let ratio =
        browser.js("return document.getElementById('live-ratio').textContent", vec![]).await;
    assert!(ratio.as_str().unwrap().starts_with("Polling would send"), "{ratio}");

    // Subscribers that leave are gone from the panel.
    drop(sockets.pop());
    drop(sockets.pop());
    let fewer = format!("document.getElementById('live-ws').textContent === '{}'", WEBSOCKETS - 2);
    browser.wait_for("the panel after two left", WAIT, &fewer).await;
    let numbers: Value = browser.js(NUMBERS, vec![]).await;
    assert_eq!(numbers["sse"], json!(STREAMS.to_string()), "{numbers}");
    browser.js("document.getElementById('h-live').scrollIntoView()", vec![]).await;
    browser.screenshot("admin-live").await;
    browser.close().await;
}
