//! Clients written for the first release, unmodified, against the messages the sport-neutral core
//! added (`status`, `void`, `amend`, `match`, `added_time`): they must show the right score and
//! resume from the right `s`. The first release's `scorecast.js` is kept as a fixture
//! (`tests/fixtures/scorecast-f790c1c.js`); the example client is read from docs/protocol.md.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{spawn_app, Backend, TestApp, TOKEN};
use crate::driver;

const WAIT: Duration = Duration::from_secs(15);

/// The example client's code, as docs/protocol.md shows it.
fn example_client() -> String {
    let doc = include_str!("../../docs/protocol.md");
    let section = &doc[doc.find("## Example client").expect("the example client section")..];
    let start = section.find("```js\n").unwrap() + "```js\n".len();
    section[start..start + section[start..].find("```").unwrap()].to_owned()
}

/// Serves `body` as a JavaScript module to any origin (CORS), on a free loopback port, as a
/// dashboard that hosts the client itself would; returns its URL.
async fn serve_module(body: &'static str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/scorecast.js", listener.local_addr().unwrap());
    tokio::spawn(async move {
        // Bounded: the page asks once; a few more for retries and preflights.
        for _ in 0..16 {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/javascript\r\n\
                 Access-Control-Allow-Origin: *\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(body.as_bytes()).await;
        }
    });
    url
}

async fn post(app: &TestApp, id: i64, event: Value) -> Value {
    app.store_event(id, &event).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_release_clients_show_the_score_and_resume_from_the_last_seq_through_new_messages() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    // The example client follows matches 42 and 43, as written.
    let mut id = 0;
    while id < 43 {
        id = app.create_match_today("Ajax", "PSV").await;
    }
    let id = 42;
    post(&app, id, json!({"kind": "kickoff"})).await;
    let module = serve_module(include_str!("../fixtures/scorecast-f790c1c.js")).await;
    // A page of the server without the pages' Content-Security-Policy: a dashboard of its own.
    browser.goto(&app.url("/healthz")).await;
    let started = browser
        .js(
            r#"const [module, example] = arguments;
               window.render = () => {};
               window.exampleState = new Function(example + "\nreturn state;")();
               return import(module).then((scorecast) => {
                 // Hosted elsewhere, the client is told its server: its documented `base` option.
                 window.oldSub = scorecast.subscribe([42], { transport: "ws", base: location.origin });
                 return true;
               });"#,
            vec![json!(module), json!(example_client())],
        )
        .await;
    assert_eq!(started, json!(true));
    browser
        .wait_for(
            "both clients to hold the kickoff",
            WAIT,
            "window.oldSub.state.get(42)?.s === 1 && window.exampleState.get(42)?.s === 1",
        )
        .await;

    let goal =
        post(&app, id, json!({"kind": "goal", "team": "home", "minute": 10, "player": "Lang"}))
            .await;
    let second = post(&app, id, json!({"kind": "goal", "team": "away", "minute": 20})).await;
    for event in [
        json!({"kind": "added_time", "minutes": 3}),
        json!({"kind": "status", "status": "interrupted", "reason": "storm"}),
        json!({"kind": "status", "status": "live"}),
        json!({"kind": "void", "target": goal["seq"], "reason": "offside"}),
        json!({"kind": "amend", "target": second["seq"],
               "event": {"kind": "goal", "team": "away", "minute": 21, "player": "Kees"}}),
    ] {
        post(&app, id, event).await;
    }
    let patched = app
        .client
        .patch(app.url(&format!("/api/v1/matches/{id}")))
        .bearer_auth(TOKEN)
        .json(&json!({"home": "Ajax Amsterdam"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let snapshot = app.snapshot(id).await;
    let last = snapshot["seq"].as_i64().unwrap();
    assert_eq!(last, 9, "kickoff, two goals, added time, two statuses, void, amend, match");
    let shown = browser
        .wait_for(
            "both clients to reach the last event",
            WAIT,
            &format!(
                "(() => {{ const o = window.oldSub.state.get(42), e = window.exampleState.get(42);
                   return o?.s === {last} && e?.s === {last} &&
                     {{ old: o.sc, example: e.sc, since: window.oldSub.since.get(42),
                        st: [o.st, e.st] }}; }})()"
            ),
        )
        .await;
    assert_eq!(
        shown["old"],
        json!([0, 1]),
        "the old scorecast.js shows the score without the void"
    );
    assert_eq!(shown["example"], json!([0, 1]), "the example client too");
    assert_eq!(shown["since"], json!(last), "and resumes from the last event");
    assert_eq!(shown["st"], json!(["live", "live"]));
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_release_clients_are_not_moved_by_watching_messages() {
    let Some(browser) = driver::open().await else { return };
    let app =
        crate::common::spawn_app_with(Backend::Sqlite, |s| s.watching.watching_interval_secs = 1)
            .await
            .unwrap();
    let mut id = 0;
    while id < 43 {
        id = app.create_match_today("Ajax", "PSV").await;
    }
    post(&app, 42, json!({"kind": "kickoff"})).await;
    post(&app, 42, json!({"kind": "goal", "team": "home", "minute": 10})).await;
    let module = serve_module(include_str!("../fixtures/scorecast-f790c1c.js")).await;
    browser.goto(&app.url("/healthz")).await;
    let started = browser
        .js(
            r#"const [module, example] = arguments;
               // Every message either client receives, by kind.
               const Native = window.WebSocket;
               window.kinds = [];
               window.WebSocket = class extends Native {
                 constructor(...args) {
                   super(...args);
                   this.addEventListener("message", (e) => window.kinds.push(JSON.parse(e.data).k));
                 }
               };
               window.renders = 0;
               window.render = () => window.renders++;
               window.exampleState = new Function(example + "\nreturn state;")();
               return import(module).then((scorecast) => {
                 window.updates = 0;
                 window.oldSub = scorecast.subscribe([42], { transport: "ws", base: location.origin });
                 window.oldSub.onUpdate(() => window.updates++);
                 return true;
               });"#,
            vec![json!(module), json!(example_client())],
        )
        .await;
    assert_eq!(started, json!(true));
    let seen = browser
        .wait_for(
            "both clients to be told how many watch",
            WAIT,
            r#"window.kinds.filter((k) => k === "watching").length >= 2 && (() => {
                 const o = window.oldSub.state.get(42), e = window.exampleState.get(42);
                 return { old: [o.s, o.sc], example: [e.s, e.sc], since: window.oldSub.since.get(42),
                          updates: window.updates, renders: window.renders };
               })()"#,
        )
        .await;
    assert_eq!(seen["old"], json!([2, [1, 0]]), "the old scorecast.js holds the state it had");
    assert_eq!(seen["example"], json!([2, [1, 0]]), "the example client too");
    assert_eq!(seen["since"], json!(2), "and resumes from the last event");
    assert_eq!((&seen["updates"], &seen["renders"]), (&json!(0), &json!(0)), "no update reported");
    browser.close().await;
}
