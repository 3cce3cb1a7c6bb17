//! A real WebSocket client (tokio-tungstenite) with helpers for reading scorecast messages.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for one expected message.
pub const WAIT: Duration = Duration::from_secs(10);

pub struct WsClient {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub protocol: Option<String>,
}

/// Opens `target` (a path with its query, like `/ws?matches=1`) on the server at `port`, with extra
/// handshake headers.
pub async fn connect_with(
    port: u16,
    target: &str,
    headers: &[(&str, &str)],
) -> Result<WsClient, tungstenite::Error> {
    let mut request = format!("ws://127.0.0.1:{port}{target}").into_client_request()?;
    for (name, value) in headers {
        request.headers_mut().insert(
            tungstenite::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    let (ws, response) = tokio_tungstenite::connect_async(request).await?;
    let protocol =
        response.headers().get("sec-websocket-protocol").map(|v| v.to_str().unwrap().to_owned());
    Ok(WsClient { ws, protocol })
}

/// Opens `wss://127.0.0.1:{port}/ws?{query}`, trusting what `tls` trusts.
pub async fn connect_tls(
    port: u16,
    query: &str,
    tls: std::sync::Arc<rustls::ClientConfig>,
) -> Result<WsClient, tungstenite::Error> {
    let request = format!("wss://127.0.0.1:{port}/ws?{query}").into_client_request()?;
    let connector = tokio_tungstenite::Connector::Rustls(tls);
    let (ws, response) =
        tokio_tungstenite::connect_async_tls_with_config(request, None, false, Some(connector))
            .await?;
    let protocol =
        response.headers().get("sec-websocket-protocol").map(|v| v.to_str().unwrap().to_owned());
    Ok(WsClient { ws, protocol })
}

/// Opens `/ws?{query}`.
pub async fn connect(port: u16, query: &str) -> WsClient {
    connect_with(port, &format!("/ws?{query}"), &[]).await.expect("WebSocket handshake")
}

/// The HTTP status a refused handshake to `target` was answered with.
pub async fn refused_status(port: u16, target: &str, headers: &[(&str, &str)]) -> u16 {
    match connect_with(port, target, headers).await {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("the handshake was accepted"),
    }
}

impl WsClient {
    /// The next text message as JSON with its raw size; panics on timeout, close or error.
    pub async fn next_sized(&mut self) -> (Value, usize) {
        loop {
            let message = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("a message in time")
                .expect("the connection is open")
                .expect("a valid frame");
            match message {
                Message::Text(text) => {
                    return (serde_json::from_str(&text).expect("JSON message"), text.len());
                }
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected message {other:?}"),
            }
        }
    }

    /// The next message that is not an audience message (`watching`): a count a node sends when
    /// its followers change, whenever that happens, which tests of updates must not depend on.
    pub async fn next(&mut self) -> Value {
        loop {
            let message = self.next_sized().await.0;
            if message["k"] != "watching" {
                return message;
            }
        }
    }

    /// The next message, audience messages included.
    pub async fn next_any(&mut self) -> Value {
        self.next_sized().await.0
    }

    pub async fn send_json(&mut self, value: &Value) {
        self.ws.send(Message::Text(value.to_string().into())).await.expect("send");
    }

    /// Reads until the server closes; returns the close code and reason (None and empty when the
    /// socket just ended).
    pub async fn close_frame(&mut self) -> (Option<u16>, String) {
        loop {
            match tokio::time::timeout(WAIT, self.ws.next()).await.expect("closed in time") {
                Some(Ok(Message::Close(Some(frame)))) => {
                    return (Some(u16::from(frame.code)), frame.reason.to_string())
                }
                Some(Ok(Message::Close(None))) | Some(Err(_)) | None => {
                    return (None, String::new())
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Reads until the server closes; returns the close code (None when the socket just ended).
    pub async fn close_code(&mut self) -> Option<u16> {
        loop {
            match tokio::time::timeout(WAIT, self.ws.next()).await.expect("closed in time") {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    /// Asserts that nothing but pings arrives within `quiet`.
    pub async fn assert_silent(&mut self, quiet: Duration) {
        let deadline = tokio::time::Instant::now() + quiet;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return,
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                Ok(other) => panic!("expected silence, got {other:?}"),
            }
        }
    }
}
