use std::time::Duration;

use futures_util::SinkExt;
use serde_json::json;
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::Message;

use crate::backend_tests;
use crate::common::{fresh_database, spawn_app, spawn_app_with, Backend};
use crate::process::Server;
use crate::ws_client::{connect, refused_status, WsClient};

backend_tests!(
    a_client_that_never_reads_delays_no_one_and_is_closed,
    oversized_frames_close_with_1009_and_binary_frames_with_1003,
    repeated_malformed_messages_close_with_1008,
    handshakes_are_refused_for_bad_origins_subprotocols_and_over_the_limit,
    a_client_that_does_not_answer_pings_is_dropped,
    sigterm_closes_websockets_with_1001_and_exits,
);

async fn a_client_that_never_reads_delays_no_one_and_is_closed(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| {
        s.ws_send_buffer_bytes = 4096;
        s.ws_max_pending_bytes = 2048;
        s.ws_slow_consumer_secs = 2;
    })
    .await
    else {
        return;
    };
    let id = app.live_match().await;
    // The stuck client: a small receive window, and it never reads after the handshake.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(2048).unwrap();
    let stream = socket.connect(format!("127.0.0.1:{}", app.port).parse().unwrap()).await.unwrap();
    let url = format!("ws://127.0.0.1:{}/ws?matches={id}", app.port);
    let stream = tokio_tungstenite::MaybeTlsStream::Plain(stream);
    let (stuck, _) = tokio_tungstenite::client_async(url, stream).await.unwrap();
    let mut good = connect(app.port, &format!("matches={id}")).await;
    assert_eq!(good.next().await["s"], 1);

    let events = 600;
    let started = tokio::time::Instant::now();
    let reader = tokio::spawn(async move {
        for seq in 2..=events + 1 {
            assert_eq!(good.next().await["s"], seq);
        }
        tokio::time::Instant::now()
    });
    for chunk in 0..events / 20 {
        let app = &app;
        let posts = (0..20).map(|i| async move {
            let card = json!({"kind": "card", "team": "home", "player": format!("Player {chunk}-{i}"), "color": "yellow"});
            app.post_event(id, &card).await
        });
        for response in futures_util::future::join_all(posts).await {
            assert_eq!(response.status(), 201);
        }
    }
    let posted = tokio::time::Instant::now();
    let received = reader.await.unwrap();
    assert!(
        received.saturating_duration_since(posted) < Duration::from_secs(1),
        "the reading client kept up: last update {:?} after the last post ({:?} of posting)",
        received.saturating_duration_since(posted),
        posted - started
    );

    // The stuck client's backlog was capped (conflated), and it is closed after the deadline.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while app.metric("scorecast_ws_slow_consumer_disconnects_total").await < 1.0 {
        if tokio::time::Instant::now() >= deadline {
            let metrics = app.get("/metrics").await.text().await.unwrap();
            let ws: Vec<&str> = metrics.lines().filter(|l| l.starts_with("scorecast_ws")).collect();
            panic!("the stuck client was not closed; metrics:\n{}", ws.join("\n"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(app.metric("scorecast_ws_conflated_total").await > 0.0, "updates were conflated");
    let mut stuck = WsClient { ws: stuck, protocol: None };
    let code = stuck.close_code().await;
    assert!(matches!(code, None | Some(1013)), "closed with 1013 or cut off, got {code:?}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while app.metric("scorecast_ws_connections").await > 1.0 {
        assert!(tokio::time::Instant::now() < deadline, "the stuck connection was not freed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn oversized_frames_close_with_1009_and_binary_frames_with_1003(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| s.ws_max_frame_bytes = 1024).await else {
        return;
    };
    let mut client = connect(app.port, "").await;
    client.ws.send(Message::Text("x".repeat(1025).into())).await.unwrap();
    assert_eq!(client.close_code().await, Some(1009));
    let mut client = connect(app.port, "").await;
    client.ws.send(Message::Binary(vec![1, 2, 3].into())).await.unwrap();
    assert_eq!(client.close_code().await, Some(1003));
    let mut client = connect(app.port, "").await;
    client.ws.send(Message::Text("x".repeat(1024).into())).await.unwrap();
    assert_eq!(client.next().await["code"], "bad_message", "a frame at the limit is read");
}

async fn repeated_malformed_messages_close_with_1008(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut client = connect(app.port, "").await;
    for _ in 0..3 {
        client.ws.send(Message::Text("{not json".into())).await.unwrap();
        assert_eq!(client.next().await["code"], "bad_message");
    }
    client
        .ws
        .send(Message::Text("{\"op\":\"subscribe\",\"matches\":\"all\"}".into()))
        .await
        .unwrap();
    assert_eq!(client.close_code().await, Some(1008));
}

async fn handshakes_are_refused_for_bad_origins_subprotocols_and_over_the_limit(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| {
        s.ws_allowed_origins = vec!["https://scores.example".into()];
        s.ws_max_connections = 2;
    })
    .await
    else {
        return;
    };
    let p = app.port;
    assert_eq!(refused_status(p, "/ws", &[("Origin", "https://evil.example")]).await, 403);
    assert_eq!(refused_status(p, "/ws", &[("Sec-WebSocket-Protocol", "chat, mqtt")]).await, 400);
    assert_eq!(refused_status(p, "/ws?matches=1,banana", &[]).await, 400);
    let allowed =
        crate::ws_client::connect_with(p, "/ws", &[("Origin", "https://scores.example")]).await;
    let _first = allowed.expect("an allowed origin connects");
    let _second = connect(p, "").await;
    assert_eq!(refused_status(p, "/ws", &[]).await, 503, "over the connection limit");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    for reason in ["origin", "subprotocol", "query", "limit"] {
        let line = format!("scorecast_ws_refused_handshakes_total{{reason=\"{reason}\"}} 1");
        assert!(metrics.contains(&line), "missing {line}\n{metrics}");
    }
}

async fn a_client_that_does_not_answer_pings_is_dropped(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| {
        s.ws_heartbeat_secs = 1;
        s.ws_heartbeat_timeout_secs = 1;
    })
    .await
    else {
        return;
    };
    // tungstenite answers pings while it reads; this one reads, the other never does.
    let mut alive = connect(app.port, "").await;
    let silent = connect(app.port, "").await;
    alive.assert_silent(Duration::from_secs(5)).await;
    assert_eq!(app.metric("scorecast_ws_heartbeat_timeouts_total").await, 1.0);
    // After the close frame, the silent client gets a grace period before its socket is dropped.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while app.metric("scorecast_ws_connections").await > 1.0 {
        assert!(tokio::time::Instant::now() < deadline, "the silent client was not dropped");
        alive.assert_silent(Duration::from_millis(200)).await;
    }
    alive.send_json(&json!({"op": "subscribe", "matches": [1]})).await;
    assert_eq!(alive.next().await["code"], "unknown_match", "the reading client is still served");
    drop(silent);
}

async fn sigterm_closes_websockets_with_1001_and_exits(backend: Backend) {
    let Some(database) = fresh_database(backend).await else {
        return;
    };
    let mut server = Server::start(&database.url).await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        clients.push(connect(server.port, "").await);
    }
    server.signal(libc::SIGTERM);
    for client in &mut clients {
        assert_eq!(client.close_code().await, Some(1001));
    }
    assert!(server.wait().success());
}
