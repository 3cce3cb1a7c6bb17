//! Frames a client library would never send: headers announcing more than the limit, with or
//! without the payload behind them.

use std::time::Duration;

use tokio::io::AsyncWriteExt;

use crate::common::{spawn_app_with, Backend, TestApp};
use crate::raw_client::{close_code, text_frame_header, upgraded};

async fn app_with_max_frame(max_frame: usize) -> TestApp {
    spawn_app_with(Backend::Sqlite, |s| s.ws_max_frame_bytes = max_frame)
        .await
        .expect("SQLite always runs")
}

async fn assert_connections_drop_to_zero(app: &TestApp) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while app.metric("scorecast_ws_connections").await > 0.0 {
        assert!(tokio::time::Instant::now() < deadline, "the connection was never freed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_announcing_more_than_the_limit_is_closed_with_1009_before_any_payload() {
    let app = app_with_max_frame(1024).await;
    let mut socket = upgraded(app.port).await;
    socket.write_all(&text_frame_header(1 << 20)).await.unwrap();
    assert_eq!(close_code(&mut socket).await, Some(1009));
    drop(socket);
    assert_connections_drop_to_zero(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_behind_a_header_announcing_4_gib_is_dropped_and_the_connection_closed() {
    let app = app_with_max_frame(1024).await;
    let socket = upgraded(app.port).await;
    let (mut reader, mut writer) = socket.into_split();
    writer.write_all(&text_frame_header(4 << 30)).await.unwrap();
    let flood = tokio::spawn(async move {
        let chunk = vec![b'x'; 64 * 1024];
        for _ in 0..512 {
            // 32 MiB in all; the server may well have cut the connection before the end.
            if writer.write_all(&chunk).await.is_err() {
                break;
            }
        }
    });
    assert_eq!(close_code(&mut reader).await, Some(1009));
    drop(reader);
    tokio::time::timeout(Duration::from_secs(30), flood).await.expect("the flood ended").unwrap();
    assert_connections_drop_to_zero(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_at_the_limit_is_still_read_after_its_header_arrives_alone() {
    let app = app_with_max_frame(1024).await;
    let mut socket = upgraded(app.port).await;
    socket.write_all(&text_frame_header(1024)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The payload, masked with the header's key [1, 2, 3, 4]: spaces around an unknown op.
    let mut payload = b"{\"op\":\"nope\"}".to_vec();
    payload.resize(1024, b' ');
    for (i, byte) in payload.iter_mut().enumerate() {
        *byte ^= [1, 2, 3, 4][i % 4];
    }
    socket.write_all(&payload).await.unwrap();
    let mut client = crate::ws_client::WsClient {
        ws: tokio_tungstenite::WebSocketStream::from_raw_socket(
            tokio_tungstenite::MaybeTlsStream::Plain(socket),
            tokio_tungstenite::tungstenite::protocol::Role::Client,
            None,
        )
        .await,
        protocol: None,
    };
    assert_eq!(client.next().await["code"], "bad_message");
}
