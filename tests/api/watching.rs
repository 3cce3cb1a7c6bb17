//! How many are watching: counted over WebSocket and SSE by id and by competition (not `*`),
//! answered by `GET /api/v1/matches/{id}/watching` and in the match list, and told to followers
//! at most once an interval, only when its two significant figures change, never replayed.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;

use crate::backend_tests;
use crate::cluster::eventually;
use crate::common::{spawn_app_with, Backend, TestApp};
use crate::helpers::assert_problem;
use crate::sse_client::SseClient;
use crate::ws_client::{connect, WsClient};

backend_tests!(
    watchers_by_id_and_by_competition_are_counted_over_websocket_and_sse_but_not_star,
    the_count_is_never_replayed_on_resume,
);

/// The interval the tests run with: short, so the news comes quickly.
const INTERVAL: Duration = Duration::from_secs(1);

async fn spawn(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |s| s.watching.watching_interval_secs = INTERVAL.as_secs()).await
}

/// What `GET /api/v1/matches/{id}/watching` answers.
async fn watching(app: &TestApp, id: i64) -> u64 {
    let response = app.get(&format!("/api/v1/matches/{id}/watching")).await;
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.unwrap()["watching"].as_u64().expect("a count")
}

/// The `watching` member of the match's entry in the list.
async fn listed(app: &TestApp, id: i64) -> u64 {
    let page: Value = app.get("/api/v1/matches?limit=500").await.json().await.unwrap();
    let entries = page["matches"].as_array().expect("matches");
    let entry = entries.iter().find(|m| m["id"] == id).expect("listed");
    entry["watching"].as_u64().expect("a watching member")
}

/// The next message that is not about the audience, or the next that is.
async fn next_watching(client: &mut WsClient) -> Value {
    loop {
        let message = client.next_any().await;
        if message["k"] == "watching" {
            return message;
        }
    }
}

async fn watchers_by_id_and_by_competition_are_counted_over_websocket_and_sse_but_not_star(
    backend: Backend,
) {
    let Some(app) = spawn(backend).await else { return };
    let id = app.create_match_today_in("Ajax", "PSV", "Eredivisie").await;
    let other = app.create_match_today_in("Milan", "Inter", "Serie A").await;
    let response = app.get(&format!("/api/v1/matches/{id}/watching")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "max-age=1", "--watching-interval-secs");
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"watching": 0}));

    let mut by_id = connect(app.port, &format!("matches={id}")).await;
    assert_eq!(by_id.next_any().await["k"], "snapshot");
    let mut by_competition = SseClient::open(&app.url("/sse?competitions=Eredivisie"), None).await;
    assert_eq!(by_competition.next_event_any().await.1["m"], id);
    let _star = connect(app.port, "matches=*").await;
    let _sse_star = SseClient::open(&app.url("/sse?matches=*"), None).await;
    eventually(Duration::from_secs(5), "two watch", || async { watching(&app, id).await == 2 })
        .await;
    // Let the `*` subscribers settle: they must still not count.
    tokio::time::sleep(INTERVAL).await;
    assert_eq!(watching(&app, id).await, 2, "`*` subscribers are not counted");
    assert_eq!(listed(&app, id).await, 2);
    assert_eq!(listed(&app, other).await, 0, "followed only through `*`");
    assert_problem(app.get("/api/v1/matches/999999/watching").await, 404).await;
    assert_problem(app.get("/api/v1/matches/abc/watching").await, 404).await;

    // The SSE follower is told too, without an `id:` line (a resume never starts from one).
    loop {
        let (event_id, message) = by_competition.next_event_any().await;
        if message["k"] == "watching" && message["w"] == 2 {
            assert_eq!(event_id, None);
            assert_eq!(message, json!({"m": id, "s": 0, "sc": [0, 0], "k": "watching", "w": 2}));
            break;
        }
    }
    drop(by_id);
    eventually(Duration::from_secs(5), "one left", || async { watching(&app, id).await == 1 })
        .await;
    assert_eq!(listed(&app, id).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_are_told_at_most_once_an_interval_and_only_when_the_shown_count_clearly_changes()
{
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let id = app.live_match_today("Ajax", "PSV").await;
    app.store_event(id, &json!({"kind": "goal", "team": "home", "minute": 3})).await;
    let mut watcher = connect(app.port, &format!("matches={id}")).await;
    assert_eq!(watcher.next_any().await["k"], "snapshot");
    let first = watcher.next_any().await;
    assert_eq!(
        first,
        json!({"m": id, "s": 2, "sc": [1, 0], "k": "watching", "w": 1}),
        "the state now"
    );

    // Five more arrive, one every 300 ms: the watcher is told at most once an interval.
    let port = app.port;
    let arriving = tokio::spawn(async move {
        let mut clients = Vec::new();
        for _ in 0..5 {
            clients.push(connect(port, &format!("matches={id}")).await);
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        clients
    });
    let mut told = vec![Instant::now()];
    loop {
        let message = next_watching(&mut watcher).await;
        told.push(Instant::now());
        if message["w"] == 6 {
            break;
        }
    }
    let mut clients = arriving.await.unwrap();
    for pair in told.windows(2) {
        let apart = pair[1] - pair[0];
        // Half an interval: room for a loaded machine's delays, far above the 300 ms between
        // arrivals that would each be told without the bound.
        assert!(apart >= INTERVAL / 2, "told twice within {apart:?}");
    }

    // From 100 on, only a change of the first two figures is told, a rise once 2 % past the step:
    // 102 to 107 is not, 110 is told at 113 (not at 111), and a fall at once.
    for _ in 0..96 {
        clients.push(connect(port, &format!("matches={id}")).await);
    }
    while next_watching(&mut watcher).await["w"].as_u64().unwrap() < 100 {}
    for _ in 0..5 {
        clients.push(connect(port, &format!("matches={id}")).await);
    }
    eventually(Duration::from_secs(5), "107 watch", || async { watching(&app, id).await == 107 })
        .await;
    watcher.assert_silent(INTERVAL * 3).await;
    for _ in 0..4 {
        clients.push(connect(port, &format!("matches={id}")).await);
    }
    eventually(Duration::from_secs(5), "111 watch", || async { watching(&app, id).await == 111 })
        .await;
    watcher.assert_silent(INTERVAL * 2).await;
    for _ in 0..2 {
        clients.push(connect(port, &format!("matches={id}")).await);
    }
    assert_eq!(next_watching(&mut watcher).await["w"], 113, "110, 2 % past the step, is told");
    clients.truncate(clients.len() - 4);
    assert_eq!(next_watching(&mut watcher).await["w"], 109, "a fall to 100 is told at once");
}

async fn the_count_is_never_replayed_on_resume(backend: Backend) {
    let Some(app) = spawn(backend).await else { return };
    let id = app.live_match_today("Ajax", "PSV").await;
    let mut client = connect(app.port, &format!("matches={id}")).await;
    assert_eq!(client.next_any().await["s"], 1, "the snapshot");
    assert_eq!(next_watching(&mut client).await["w"], 1);
    drop(client);
    for minute in [10, 20] {
        app.store_event(id, &json!({"kind": "goal", "team": "away", "minute": minute})).await;
    }
    tokio::time::sleep(INTERVAL * 2).await;

    let mut back = connect(app.port, &format!("matches={id}&since={id}:1")).await;
    let marker = back.next_any().await;
    assert_eq!((marker["k"].as_str(), marker["n"].as_i64()), (Some("resume"), Some(2)));
    for seq in [2, 3] {
        let update = back.next_any().await;
        assert_eq!((update["k"].as_str(), update["s"].as_i64()), (Some("goal"), Some(seq)));
    }
    // Later messages tell the count now, with the state now: never one from before.
    let deadline = Instant::now() + INTERVAL * 2;
    while let Ok(message) = tokio::time::timeout_at(deadline, back.next_any()).await {
        assert_eq!(message["k"], "watching", "{message}");
        assert_eq!((message["s"].as_i64(), message["w"].as_u64()), (Some(3), Some(1)));
    }
}

/// The page's side, in Node: `scorecast.js` polls the match (its snapshot, `s` 1), is handed a
/// `watching` message as a transport hands it one, and reports it to `onWatching` only: no update,
/// no state change, `since` where it was. Its `formatWatching` shows counts as the server's rule.
const CLIENT_SCRIPT: &str = r#"
const [module, base, id, counts] = process.argv.slice(1);
const { subscribe, formatWatching } = await import(module);
const match = Number(id);
const sub = subscribe([match], { base, transport: "poll", pollInterval: 60000 });
const seen = { updates: 0, watching: [] };
sub.onUpdate(() => seen.updates++).onWatching((m, n) => seen.watching.push([m, n]));
await new Promise((done) => sub.onSnapshot(() => done()));
sub.connection.receive(JSON.stringify({ m: match, s: 1, sc: [0, 0], k: "watching", w: 1234 }));
seen.since = sub.since.get(match);
seen.seq = sub.state.get(match).s;
seen.formatted = JSON.parse(counts).map(formatWatching);
sub.close();
console.log(JSON.stringify(seen));
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scorecast_js_passes_the_count_to_on_watching_without_moving_its_position() {
    let Some(node) = crate::tools::NODE.find() else { return };
    let Some(app) = spawn(Backend::Sqlite).await else { return };
    let id = app.live_match().await;
    let module = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/js/scorecast.js");
    let counts = [0, 7, 99, 980, 987, 1_000, 1_234, 15_400, 150_999, 1_250_000, 3_000_000_000];
    let mut command = std::process::Command::new(node);
    command
        .args(["--input-type=module", "-e", CLIENT_SCRIPT])
        .arg(format!("file://{}", module.display()))
        .args([app.address.clone(), id.to_string(), json!(counts).to_string()]);
    // Node polls this server: wait for it off the runtime's threads, which serve it.
    let output =
        tokio::task::spawn_blocking(move || command.output().expect("run node")).await.unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let seen: Value = serde_json::from_slice(&output.stdout).expect("the script's JSON");
    assert_eq!(seen["watching"], json!([[id, 1234]]));
    assert_eq!(seen["updates"], 0, "not an update");
    assert_eq!((seen["since"].as_i64(), seen["seq"].as_i64()), (Some(1), Some(1)));
    let server: Vec<String> = counts.iter().map(|n| scorecast::watching::format(*n)).collect();
    assert_eq!(
        seen["formatted"],
        json!(server),
        "the client shows counts as the server rounds them"
    );
}
