//! An SSE client that stops reading is cut off within the same bound as a WebSocket one, though
//! its response stays in actix's dispatcher, which stops polling the body once it cannot write.

use std::time::Duration;

use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpSocket;

use crate::backend_tests;
use crate::common::{spawn_app_with, Backend};

backend_tests!(an_sse_client_that_never_reads_is_cut_off_after_the_slow_consumer_deadline);

async fn an_sse_client_that_never_reads_is_cut_off_after_the_slow_consumer_deadline(
    backend: Backend,
) {
    let slow_consumer = Duration::from_secs(2);
    let Some(app) = spawn_app_with(backend, |s| {
        s.ws_send_buffer_bytes = 4096;
        s.ws_max_pending_bytes = 2048;
        s.ws_slow_consumer_secs = slow_consumer.as_secs();
    })
    .await
    else {
        return;
    };
    let id = app.live_match().await;
    // The stuck client: a small receive window, and it never reads after its request.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(2048).unwrap();
    let mut stuck =
        socket.connect(format!("127.0.0.1:{}", app.port).parse().unwrap()).await.unwrap();
    let request = format!("GET /sse?matches={id} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    stuck.write_all(request.as_bytes()).await.unwrap();
    while app.metric("scorecast_sse_connections").await < 1.0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Enough to fill the client's window, the server's socket and actix's write buffer (32 KiB):
    // then actix stops taking the body, the stream's own queue fills and its clock starts.
    let name = "A player name long enough to make each update two hundred bytes long, or so";
    for chunk in 0..30 {
        let app = &app;
        let posts = (0..20).map(|i| async move {
            let player = format!("{name} {chunk}-{i}");
            let card = json!({"kind": "card", "team": "home", "player": player, "color": "yellow"});
            app.post_event(id, &card).await
        });
        for response in futures_util::future::join_all(posts).await {
            assert_eq!(response.status(), 201);
        }
    }
    let posted = tokio::time::Instant::now();

    // The deadline, then the close grace (1 s) and the sweep's resolution (1 s): the stream is
    // counted closed and its response dropped, while the client still reads nothing.
    let bound = slow_consumer + Duration::from_secs(2) + Duration::from_secs(3);
    while app.metric("scorecast_sse_connections").await > 0.0 {
        let waited = posted.elapsed();
        assert!(
            waited < bound,
            "the stuck stream is still open {waited:?} after the last post (slow consumers: {})",
            app.metric("scorecast_ws_slow_consumer_disconnects_total").await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.metric("scorecast_ws_slow_consumer_disconnects_total").await, 1.0);
    assert!(app.metric("scorecast_ws_conflated_total").await > 0.0, "its updates were conflated");
    // The server let go of the socket: the client gets the end of the stream, or a reset.
    let mut buf = vec![0u8; 1 << 16];
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            stuck.readable().await.unwrap();
            match stuck.try_read(&mut buf) {
                Ok(0) => return,
                Err(e) if e.kind() != std::io::ErrorKind::WouldBlock => return,
                _ => {}
            }
        }
    });
    assert!(ended.await.is_ok(), "the stuck client's connection was not closed");
}
