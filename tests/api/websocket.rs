use std::time::Duration;

use serde_json::{json, Value};

use crate::backend_tests;
use crate::common::{spawn_app, Backend, TestApp};
use crate::ws_client::{connect, connect_with};

backend_tests!(
    a_subscriber_gets_the_snapshot_then_every_update_in_order,
    subscriptions_change_with_messages,
    two_hundred_clients_each_receive_a_hundred_events_in_order_exactly_once,
    a_star_subscriber_follows_live_matches_and_matches_that_start,
    the_handshake_runs_through_the_app_routes_and_middleware,
    a_subscribe_naming_match_zero_is_refused_whole_as_a_bad_message,
    a_star_subscriber_that_unsubscribes_from_a_match_gets_none_of_its_updates,
);

async fn goal(app: &TestApp, id: i64, team: &str, minute: i64) -> Value {
    let response =
        app.post_event(id, &json!({"kind": "goal", "team": team, "minute": minute})).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn a_subscriber_gets_the_snapshot_then_every_update_in_order(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.live_match().await;
    let offer = [("Sec-WebSocket-Protocol", "chat, scorecast.v1")];
    let mut client = connect_with(app.port, &format!("/ws?matches={id}"), &offer).await.unwrap();
    assert_eq!(client.protocol.as_deref(), Some("scorecast.v1"), "the subprotocol is echoed");
    let snapshot = client.next().await;
    assert_eq!(snapshot["k"], "snapshot");
    assert_eq!((snapshot["m"].as_i64(), snapshot["s"].as_i64()), (Some(id), Some(1)));
    assert_eq!((snapshot["home"].as_str(), snapshot["st"].as_str()), (Some("Ajax"), Some("live")));

    goal(&app, id, "home", 67).await;
    let (update, size) = client.next_sized().await;
    assert!(size <= 64, "a goal update is at most 64 bytes, got {size}: {update}");
    assert_eq!(update, json!({"m": id, "s": 2, "k": "goal", "t": "h", "mn": 67, "sc": [1, 0]}));
    let scored = json!({"kind": "goal", "team": "away", "minute": 70, "player": "Lang"});
    assert_eq!(app.post_event(id, &scored).await.status(), 201);
    let (update, size) = client.next_sized().await;
    assert!(size <= 80, "a goal update with its scorer is about 70 bytes, got {size}: {update}");
    let scorer =
        json!({"m": id, "s": 3, "k": "goal", "t": "a", "mn": 70, "sc": [1, 1], "p": "Lang"});
    assert_eq!(update, scorer, "the goal carries its scorer");
    app.post_event(
        id,
        &json!({"kind": "card", "team": "away", "player": "Kees", "color": "yellow"}),
    )
    .await;
    app.post_event(id, &json!({"kind": "end", "minute": 90})).await;
    let mut kinds = Vec::new();
    for expected_seq in 4..=5 {
        let update = client.next().await;
        assert_eq!(update["s"], expected_seq);
        kinds.push(update["k"].as_str().unwrap().to_owned());
        if update["k"] == "end" {
            assert_eq!(update["st"], "finished");
        }
    }
    assert_eq!(kinds, ["card", "end"]);
}

async fn subscriptions_change_with_messages(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (a, b) = (app.live_match().await, app.live_match().await);
    let mut client = connect(app.port, "").await;
    client.send_json(&json!({"op": "subscribe", "matches": [a, 999_999]})).await;
    assert_eq!(client.next().await["k"], "snapshot");
    let unknown = client.next().await;
    assert_eq!(
        (unknown["k"].as_str(), unknown["code"].as_str()),
        (Some("error"), Some("unknown_match"))
    );
    goal(&app, a, "home", 1).await;
    assert_eq!(client.next().await["m"], a);

    client.send_json(&json!({"op": "unsubscribe", "matches": [a]})).await;
    client.send_json(&json!({"op": "subscribe", "matches": [b]})).await;
    assert_eq!(client.next().await["m"], b, "b's snapshot");
    goal(&app, a, "home", 2).await;
    goal(&app, b, "away", 2).await;
    let next = client.next().await;
    assert_eq!(
        (next["m"].as_i64(), next["k"].as_str()),
        (Some(b), Some("goal")),
        "nothing more from a"
    );

    client.send_json(&json!({"op": "dance"})).await;
    let error = client.next().await;
    assert_eq!((error["k"].as_str(), error["code"].as_str()), (Some("error"), Some("bad_message")));
}

async fn two_hundred_clients_each_receive_a_hundred_events_in_order_exactly_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.live_match().await;
    let mut clients = Vec::new();
    for _ in 0..200 {
        let mut client = connect(app.port, &format!("matches={id}")).await;
        assert_eq!(client.next().await["s"], 1);
        clients.push(client);
    }
    let readers: Vec<_> = clients
        .into_iter()
        .map(|mut client| {
            tokio::spawn(async move {
                let mut seqs = Vec::with_capacity(100);
                while seqs.len() < 100 {
                    seqs.push(client.next().await["s"].as_i64().unwrap());
                }
                client.assert_silent(Duration::from_millis(300)).await;
                seqs
            })
        })
        .collect();
    // Ten posters at a time: events commit in groups, and each still gets its own number.
    for chunk in 0..10 {
        let posts = (0..10)
            .map(|i| goal(&app, id, if i % 2 == 0 { "home" } else { "away" }, chunk * 10 + i));
        futures_util::future::join_all(posts).await;
    }
    let expected: Vec<i64> = (2..=101).collect();
    for reader in readers {
        assert_eq!(reader.await.unwrap(), expected);
    }
}

async fn a_star_subscriber_follows_live_matches_and_matches_that_start(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let live = app.live_match().await;
    let _scheduled = app.create_match().await;
    let mut client = connect(app.port, "matches=*").await;
    let first = client.next().await;
    assert_eq!(
        (first["k"].as_str(), first["m"].as_i64()),
        (Some("snapshot"), Some(live)),
        "only live matches"
    );
    let later = app.create_match().await;
    assert_eq!(app.post_event(later, &json!({"kind": "kickoff"})).await.status(), 201);
    let start = client.next().await;
    assert_eq!(
        (start["k"].as_str(), start["m"].as_i64()),
        (Some("snapshot"), Some(later)),
        "a new match arrives whole"
    );
    assert_eq!((start["s"].as_i64(), start["home"].as_str()), (Some(1), Some("Ajax")));
    goal(&app, later, "away", 5).await;
    let update = client.next().await;
    assert_eq!((update["k"].as_str(), update["s"].as_i64()), (Some("goal"), Some(2)));
}

async fn the_handshake_runs_through_the_app_routes_and_middleware(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut client = connect(app.port, "").await;
    client.assert_silent(Duration::from_millis(100)).await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics
            .contains(r#"scorecast_http_requests_total{method="GET",route="/ws",status="101"} 1"#),
        "the metrics middleware saw the handshake:\n{metrics}"
    );
    assert!(metrics.contains("scorecast_ws_connections 1"), "{metrics}");
    // An upgrade request to another route gets that route's ordinary answer, then the socket closes.
    assert_eq!(crate::ws_client::refused_status(app.port, "/api/v1/matches", &[]).await, 200);
    assert_eq!(crate::ws_client::refused_status(app.port, "/nowhere", &[]).await, 404);
}

async fn a_subscribe_naming_match_zero_is_refused_whole_as_a_bad_message(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.live_match().await;
    let mut client = connect(app.port, "/ws").await;
    for bad in [
        json!({"op": "subscribe", "matches": [id, 0]}),
        json!({"op": "subscribe", "matches": [id], "since": {"0": 1}}),
        json!({"op": "subscribe", "matches": [id], "since": {id.to_string(): -1}}),
    ] {
        client.send_json(&bad).await;
        let error = client.next().await;
        assert_eq!(
            (error["k"].as_str(), error["code"].as_str()),
            (Some("error"), Some("bad_message")),
            "{bad}: {error}"
        );
    }
    client.assert_silent(Duration::from_millis(200)).await;
    client.send_json(&json!({"op": "subscribe", "matches": [id]})).await;
    assert_eq!(client.next().await["k"], "snapshot", "nothing of the refused messages was applied");
}

async fn a_star_subscriber_that_unsubscribes_from_a_match_gets_none_of_its_updates(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (quiet, other) = (app.live_match().await, app.live_match().await);
    let mut client = connect(app.port, "matches=*").await;
    for _ in 0..2 {
        assert_eq!(client.next().await["k"], "snapshot");
    }
    client.send_json(&json!({"op": "unsubscribe", "matches": [quiet]})).await;
    client.assert_silent(Duration::from_millis(200)).await;
    goal(&app, quiet, "home", 10).await;
    goal(&app, other, "home", 11).await;
    let next = client.next().await;
    assert_eq!((next["m"].as_i64(), next["k"].as_str()), (Some(other), Some("goal")), "{next}");
    client.send_json(&json!({"op": "subscribe", "matches": [quiet]})).await;
    let back = client.next().await;
    assert_eq!(
        (back["m"].as_i64(), back["k"].as_str(), back["s"].as_i64()),
        (Some(quiet), Some("snapshot"), Some(2))
    );
    goal(&app, quiet, "away", 12).await;
    assert_eq!(client.next().await["m"], quiet, "followed again after subscribing");
}
