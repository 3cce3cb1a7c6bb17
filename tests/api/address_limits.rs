//! Per client address: a cap on open subscriber connections and on the connect rate.

use crate::common::{spawn_app_with, Backend};
use crate::ws_client::{connect, refused_status};

#[tokio::test]
async fn one_address_cannot_take_more_than_its_share_of_subscriber_connections() {
    let app =
        spawn_app_with(Backend::Sqlite, |s| s.ws_max_connections_per_address = 2).await.unwrap();
    let id = app.live_match().await;
    let first = connect(app.port, &format!("matches={id}")).await;
    let sse = app.get(&format!("/sse?matches={id}")).await;
    assert_eq!(sse.status(), 200, "WebSocket and SSE count together");
    assert_eq!(refused_status(app.port, &format!("/ws?matches={id}"), &[]).await, 429);
    let refused = app.get(&format!("/sse?matches={id}")).await;
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["retry-after"], "1");
    drop(first);
    drop(sse);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while refused_status_or_open(app.port, id).await == 429 {
        assert!(std::time::Instant::now() < deadline, "closed connections free their places");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn refused_status_or_open(port: u16, id: i64) -> u16 {
    match crate::ws_client::connect_with(port, &format!("/ws?matches={id}"), &[]).await {
        Ok(_) => 101,
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => r.status().as_u16(),
        Err(other) => panic!("{other}"),
    }
}

#[tokio::test]
async fn a_client_that_reconnects_too_fast_is_told_to_retry() {
    let app =
        spawn_app_with(Backend::Sqlite, |s| s.ws_connects_per_address_per_sec = 3).await.unwrap();
    let id = app.live_match().await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(refused_status_or_open(app.port, id).await);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 101).count(), 3, "a burst of 3: {statuses:?}");
    assert!(statuses[3..].iter().all(|s| *s == 429), "{statuses:?}");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains(r#"scorecast_ws_refused_handshakes_total{reason="address_rate"} 3"#));
}
