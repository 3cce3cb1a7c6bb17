//! Unit tests of one connection: conflation, closing, `*` introductions and declines.

use std::time::Duration;

use bytes::BytesMut;
use tokio::net::TcpStream;

use super::*;

fn message(payload: &'static [u8]) -> Encoded {
    Encoded { ws: Bytes::from_static(payload), sse: Bytes::from_static(payload) }
}

fn id(raw: i64) -> MatchId {
    MatchId::try_from(raw).unwrap()
}

fn seq(raw: i64) -> Seq {
    Seq::try_from(raw).unwrap()
}

async fn conn() -> (Conn, TcpStream) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    let (server, _) = listener.accept().await.unwrap();
    let wire = Wire::websocket(server, None, BytesMut::new());
    (Conn::new(1, wire, Permit::detached(), Default::default(), true), client)
}

#[tokio::test(start_paused = true)]
async fn updates_already_covered_are_skipped_and_a_backlog_conflates() {
    let (mut conn, _client) = conn().await;
    conn.cursors.start(id(7), seq(3));
    let frame = message(b"0123456789012345678901234567890123456789");
    let limits = Limits::for_tests();
    let offer = |c: &mut Conn, m, s| c.offer(id(m), seq(s), &frame, &limits, false, Instant::now());
    assert_eq!(offer(&mut conn, 7, 3), Offer::Skipped, "the client already has seq 3");
    assert_eq!(offer(&mut conn, 8, 9), Offer::Skipped, "not subscribed");
    assert_eq!(offer(&mut conn, 7, 4), Offer::Written(40));
    conn.outbox.push(frame.ws.clone()); // pretend the socket is full: something is waiting
    assert_eq!(offer(&mut conn, 7, 5), Offer::Conflated, "40 + 40 bytes exceed 64");
    assert_eq!(offer(&mut conn, 7, 6), Offer::Conflated);
    let start = Instant::now();
    let limits = Limits::for_tests();
    assert_eq!(conn.due(start + Duration::from_secs(30), &limits), Some(Due::TooSlow));
    let snapshots = Snapshots::default();
    assert!(conn.pop_output(&snapshots).is_some(), "the waiting frame");
    assert!(conn.pop_output(&snapshots).is_none(), "one stale match, without a snapshot here");
}

#[tokio::test(start_paused = true)]
async fn a_closing_connection_takes_no_updates_and_is_dropped_after_the_grace_period() {
    let (mut conn, _client) = conn().await;
    conn.cursors.start(id(1), seq(0));
    conn.close(CloseCode::Away, "bye");
    let start = Instant::now();
    assert_eq!(conn.due(start, &Limits::for_tests()), None);
    assert_eq!(conn.due(start + Duration::from_secs(1), &Limits::for_tests()), Some(Due::Drop));
    assert_eq!(
        conn.offer(id(1), seq(1), &message(b"x"), &Limits::for_tests(), false, Instant::now()),
        Offer::Skipped
    );
}

#[tokio::test(start_paused = true)]
async fn a_wildcard_client_gets_a_new_match_as_a_snapshot() {
    let (mut conn, _client) = conn().await;
    let update = message(b"x");
    assert_eq!(
        conn.offer(id(5), seq(9), &update, &Limits::for_tests(), false, Instant::now()),
        Offer::Skipped
    );
    assert_eq!(
        conn.offer(id(5), seq(9), &update, &Limits::for_tests(), true, Instant::now()),
        Offer::Queued,
        "its snapshot is queued (not counted as conflated: the client is not behind)"
    );
    assert!(conn.follows(id(5)));
    assert!(conn.stop(id(5), true));
    assert_eq!(
        conn.offer(id(5), seq(10), &update, &Limits::for_tests(), true, Instant::now()),
        Offer::Skipped,
        "declined"
    );
    conn.start(&test_snapshot(5));
    let again = conn.offer(id(5), seq(10), &update, &Limits::for_tests(), true, Instant::now());
    assert_ne!(again, Offer::Skipped, "followed again after subscribing to it");
}

fn test_snapshot(raw: i64) -> std::sync::Arc<Snapshot> {
    use crate::domain::{LiveState, MatchMeta, Sport, Status};
    let meta = MatchMeta {
        id: id(raw),
        sport: Sport::Football,
        format: serde_json::json!({}),
        home: "Ajax".into(),
        away: "PSV".into(),
        competition: "Eredivisie".into(),
        kickoff_at: time::OffsetDateTime::UNIX_EPOCH,
        revision: 0,
    };
    let mut live = LiveState::initial(Sport::Football, &meta.format);
    live.status = Status::Live;
    live.seq = seq(9);
    Snapshots::default().insert(crate::store::MatchRecord { meta, live })
}

#[tokio::test(start_paused = true)]
async fn an_answer_waiting_unread_in_the_socket_defers_the_verdict_but_a_full_socket_does_not() {
    use tokio::io::AsyncWriteExt;
    let (mut conn, mut client) = conn().await;
    let limits = Limits::for_tests();
    let start = Instant::now();
    conn.ping(start);
    let snapshots = Snapshots::default();
    while conn.pop_output(&snapshots).is_some() {} // the ping went out
    let late = start + limits.heartbeat_timeout + Duration::from_secs(1);
    assert_eq!(conn.due(late, &limits), Some(Due::HeartbeatTimeout), "nothing came");
    // The client's pong is in the server's socket, but no reader has taken it yet.
    client.write_all(&[0x8a, 0x80, 1, 2, 3, 4]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(conn.wire.has_unread_input());
    assert_eq!(conn.due(late, &limits), None, "an answer is waiting to be read");
    conn.outbox.push(Bytes::from_static(b"unwritten")); // the socket is full
    let blocked_long = Instant::now() + limits.slow_consumer_timeout;
    assert_eq!(conn.due(blocked_long, &limits), Some(Due::TooSlow), "input does not excuse it");
}

#[tokio::test(start_paused = true)]
async fn an_audience_message_waits_behind_every_update_and_only_the_latest_is_written() {
    let (mut conn, _client) = conn().await;
    conn.cursors.start(id(7), seq(3));
    let (limits, now) = (Limits::for_tests(), Instant::now());
    conn.outbox.push(Bytes::from_static(b"queued update 3")); // the socket is full
    let (older, newer) = (message(b"w=1"), message(b"w=2"));
    assert_eq!(conn.offer_audience(id(7), seq(3), &older, now), Offer::Queued);
    assert_eq!(conn.offer_audience(id(7), seq(3), &newer, now), Offer::Queued);
    assert_eq!(
        conn.offer(id(7), seq(4), &message(b"update 4"), &limits, false, now),
        Offer::Queued
    );
    let snapshots = Snapshots::default();
    let order: Vec<Bytes> = std::iter::from_fn(|| conn.pop_output(&snapshots)).collect();
    let order: Vec<&[u8]> = order.iter().map(|b| &b[..]).collect();
    assert_eq!(order, vec![&b"queued update 3"[..], b"update 4", b"w=2"], "latest only, last");
    assert_eq!(conn.offer_audience(id(8), seq(0), &older, now), Offer::Skipped, "not followed");
    let ahead = conn.offer_audience(id(7), seq(9), &older, now);
    assert_eq!(ahead, Offer::Skipped, "ahead of the client's copy: it would look like an update");
    assert_eq!(conn.offer_audience(id(7), seq(4), &older, now), Offer::Written(3), "nothing waits");
}

#[tokio::test(start_paused = true)]
async fn an_audience_message_asks_for_no_proof_of_reading_and_an_update_does() {
    let (mut quiet, _quiet_client) = conn().await;
    let (mut conn, _client) = conn().await;
    conn.cursors.start(id(7), seq(3));
    quiet.cursors.start(id(7), seq(3));
    let limits = Limits {
        heartbeat_interval: Duration::from_secs(60),
        receipt_spread: Duration::ZERO,
        ..Limits::for_tests()
    };
    let (_, alone) = limits.receipt_window();
    let start = Instant::now();
    assert_eq!(conn.offer_audience(id(7), seq(3), &message(b"w=1"), start), Offer::Written(3));
    let later = start + alone + Duration::from_secs(1);
    assert_eq!(conn.due(later, &limits), None, "a count alone asks for no receipt");
    let update = conn.offer(id(7), seq(4), &message(b"update 4"), &limits, false, later);
    assert_eq!(update, Offer::Written(8));
    assert_eq!(conn.due(later + alone, &limits), Some(Due::Ping), "the update's receipt, alone");
    let silent = start + limits.heartbeat_interval;
    assert_eq!(quiet.offer_audience(id(7), seq(3), &message(b"w=1"), start), Offer::Written(3));
    assert_eq!(quiet.due(silent, &limits), Some(Due::Ping), "silence still gets its heartbeat");
}
