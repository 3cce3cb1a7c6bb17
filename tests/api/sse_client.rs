//! A Server-Sent Events reader over reqwest: splits the stream into events and comments.

use std::pin::Pin;

use futures_util::{Stream, StreamExt};
use serde_json::Value;

use crate::ws_client::WAIT;

pub struct SseClient {
    body: Pin<Box<dyn Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: String,
}

/// One block of the stream: an event (`id`, `data`), or a comment line.
#[derive(Debug)]
pub enum Block {
    Event { id: Option<String>, data: Value },
    Comment(String),
}

impl SseClient {
    pub async fn open(url: &str, last_event_id: Option<&str>) -> Self {
        Self::open_with(&reqwest::Client::new(), url, last_event_id).await
    }

    /// Like `open`, through `client` (one that trusts a test certificate, for https://).
    pub async fn open_with(
        client: &reqwest::Client,
        url: &str,
        last_event_id: Option<&str>,
    ) -> Self {
        let mut request = client.get(url);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.expect("SSE request");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Self { body: Box::pin(response.bytes_stream()), buffer: String::new() }
    }

    /// The next block, audience messages and comments included; `None` when the server ended
    /// the stream.
    pub async fn next_block(&mut self) -> Option<Block> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                return Some(parse(block.trim_end()));
            }
            let chunk =
                tokio::time::timeout(WAIT, self.body.next()).await.expect("SSE data in time")?;
            self.buffer.push_str(std::str::from_utf8(&chunk.ok()?).expect("UTF-8"));
        }
    }

    /// The next event that is not an audience message (`watching`), skipping comments: a count
    /// a node sends when its followers change, whenever that happens, which tests of updates must
    /// not depend on.
    pub async fn next_event(&mut self) -> (Option<String>, Value) {
        loop {
            let (id, data) = self.next_event_any().await;
            if data["k"] != "watching" {
                return (id, data);
            }
        }
    }

    /// The next event, audience messages included, skipping comments.
    pub async fn next_event_any(&mut self) -> (Option<String>, Value) {
        loop {
            match self.next_block().await.expect("the stream is open") {
                Block::Event { id, data } => return (id, data),
                Block::Comment(_) => continue,
            }
        }
    }
}

fn parse(block: &str) -> Block {
    if let Some(comment) = block.strip_prefix(':') {
        return Block::Comment(comment.trim().to_owned());
    }
    let mut id = None;
    let mut data = String::new();
    for line in block.lines() {
        if let Some(value) = line.strip_prefix("id: ") {
            id = Some(value.to_owned());
        } else if let Some(value) = line.strip_prefix("data: ") {
            data.push_str(value);
        }
    }
    Block::Event { id, data: serde_json::from_str(&data).expect("JSON data") }
}
