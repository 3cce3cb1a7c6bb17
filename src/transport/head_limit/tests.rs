use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::HeadLimit;
use crate::metrics::Metrics;

/// A client end and the server end wrapped, over an in-memory pipe of `pipe` bytes.
fn pair(limit: usize, pipe: usize) -> (DuplexStream, HeadLimit<DuplexStream>) {
    let (client, server) = tokio::io::duplex(pipe);
    (client, HeadLimit::new(server, limit, Arc::new(Metrics::new())))
}

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";

#[tokio::test]
async fn heads_within_the_limit_pass_through_unchanged_and_the_socket_comes_back_whole() {
    let upgrade = b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n";
    let (mut client, mut server) = pair(upgrade.len(), 1 << 16);
    let stream = [GET, GET, &upgrade[..], &[0x81; 64]].concat();
    client.write_all(&stream).await.unwrap();
    let mut read = vec![0; stream.len()];
    server.read_exact(&mut read).await.unwrap();
    assert_eq!(read, stream);

    let mut inner = server.into_inner();
    client.write_all(b"after").await.unwrap();
    let mut after = [0; 5];
    inner.read_exact(&mut after).await.unwrap();
    assert_eq!(&after, b"after", "the stream was handed back with nothing held");
}

#[tokio::test]
async fn the_reader_gets_no_more_than_the_limit_of_a_head_then_the_end_and_a_431_goes_out_at_shutdown(
) {
    let limit = 1000;
    let (mut client, mut server) = pair(limit, 1 << 20);
    let mut big = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
    big.resize(120_000, b'a');
    let stream = [GET, &big[..]].concat();
    client.write_all(&stream).await.unwrap();
    client.shutdown().await.unwrap();

    let mut handed = Vec::new();
    server.read_to_end(&mut handed).await.unwrap();
    assert_eq!(handed.len(), GET.len() + limit, "the earlier request, then the limit's worth");
    assert_eq!(handed, stream[..handed.len()]);

    server.shutdown().await.unwrap();
    let mut answer = String::new();
    client.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"), "{answer}");
    assert!(answer.contains("connection: close\r\n"), "{answer}");
    let body = answer.split_once("\r\n\r\n").unwrap().1;
    let problem: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(problem["status"], 431);
    assert!(problem["detail"].as_str().unwrap().contains("1000 bytes"), "{problem}");
}

#[tokio::test]
async fn a_head_dribbled_a_byte_at_a_time_is_cut_at_the_limit_without_waiting_for_its_end() {
    let limit = 64;
    let (client, mut server) = pair(limit, 16);
    let (mut answers, mut requests) = tokio::io::split(client);
    let writer = tokio::spawn(async move {
        requests.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        // The head never ends.
        while requests.write_all(b"X").await.is_ok() {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    });
    let mut handed = Vec::new();
    server.read_to_end(&mut handed).await.unwrap();
    assert_eq!(handed.len(), limit);
    let closing = tokio::spawn(async move { server.shutdown().await });
    let mut answer = String::new();
    answers.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
    closing.await.unwrap().unwrap();
    writer.await.unwrap();
}

#[tokio::test]
async fn a_shutdown_without_a_refusal_writes_nothing() {
    let (mut client, mut server) = pair(1024, 1024);
    client.write_all(GET).await.unwrap();
    let mut read = vec![0; GET.len()];
    server.read_exact(&mut read).await.unwrap();
    server.shutdown().await.unwrap();
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty());
}
