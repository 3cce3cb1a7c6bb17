//! Unit tests of the liveness state machine: heartbeats, receipts and the slow-consumer deadline.

use super::*;

#[tokio::test(start_paused = true)]
async fn a_silent_client_is_pinged_then_dropped_unless_it_answers() {
    let mut live = Liveness::new();
    let (start, l, every) = (Instant::now(), Limits::for_tests(), Duration::from_secs(20));
    let at = |s| start + Duration::from_secs(s);
    assert_eq!(live.due(at(19), &l, None, every, true), None);
    assert_eq!(live.due(at(20), &l, None, every, true), Some(Due::Ping));
    live.pinged(at(20), true);
    assert_eq!(live.due(at(29), &l, None, every, true), None);
    assert_eq!(live.due(at(30), &l, None, every, true), Some(Due::HeartbeatTimeout));
    live.heard(at(25));
    assert_eq!(live.due(at(30), &l, None, every, true), None, "a pong resets the clock");
}

/// docs/protocol.md: an unanswered silence ping closes 1008, unless data sent still awaits
/// its receipt: then the slow-consumer deadline decides, and the close is 1013.
#[tokio::test(start_paused = true)]
async fn a_silence_ping_unanswered_while_data_awaits_its_receipt_is_left_to_the_deadline() {
    let mut live = Liveness::new();
    let two = Duration::from_secs(2);
    let l = Limits { heartbeat_interval: two, heartbeat_timeout: two, ..Limits::for_tests() };
    let start = Instant::now();
    let at = |s| start + Duration::from_secs(s);
    live.sent(at(0), true);
    assert_eq!(live.due(at(2), &l, None, two, true), Some(Due::Ping), "2 s of silence");
    live.pinged(at(2), true);
    assert_eq!(live.due(at(4), &l, None, two, true), None, "the snapshot has 30 s");
    assert_eq!(live.due(at(29), &l, None, two, true), None);
    assert_eq!(live.due(at(30), &l, None, two, true), Some(Due::TooSlow));
}

#[tokio::test(start_paused = true)]
async fn unread_data_past_the_deadline_is_too_slow_and_a_close_ends_after_its_grace() {
    let mut live = Liveness::new();
    let (start, l, every) = (Instant::now(), Limits::for_tests(), Duration::from_secs(20));
    let blocked = Some(start);
    assert_eq!(
        live.due(start + Duration::from_secs(30), &l, blocked, every, true),
        Some(Due::TooSlow)
    );
    assert!(live.begin_close());
    assert!(!live.begin_close(), "closing twice is one close");
    assert_eq!(live.due(start, &l, None, every, true), None);
    assert_eq!(live.due(start + Duration::from_secs(1), &l, None, every, true), Some(Due::Drop));
}

/// One event every 10 s for `secs` seconds, swept every second: the pings that rode along
/// updates, and the first thing the sweep found due, if anything.
fn busy(live: &mut Liveness, l: &Limits, secs: u64, answers: bool) -> (u32, Option<(u64, Due)>) {
    let start = Instant::now();
    let every = l.heartbeat_interval;
    let mut receipts = 0;
    for t in 0..secs {
        let now = start + Duration::from_secs(t);
        if t % 10 == 0 {
            if live.wants_receipt(now, l) {
                receipts += 1;
                live.pinged(now, true);
            }
            live.sent(now, true);
            if answers && live.ping_sent.is_some() {
                live.heard(now + Duration::from_millis(5));
            }
        }
        if let Some(due) = live.due(now + Duration::from_millis(500), l, None, every, true) {
            return (receipts, Some((t, due)));
        }
    }
    (receipts, None)
}

#[tokio::test(start_paused = true)]
async fn a_busy_reader_is_never_pinged_for_silence_only_asked_now_and_then_along_an_update() {
    let (mut live, l) = (Liveness::new(), Limits::for_tests());
    let (receipts, due) = busy(&mut live, &l, 600, true);
    assert_eq!(due, None, "nothing due while updates flow and are read");
    // Slow-consumer 30 s less the 10 s answer time: one ping per three updates.
    assert_eq!(receipts, 20, "one receipt every 30 s over 600 s");
}

#[tokio::test(start_paused = true)]
async fn a_stopped_reader_is_closed_by_the_slow_consumer_deadline_at_one_event_per_10_s() {
    let (mut live, l) = (Liveness::new(), Limits::for_tests());
    let (receipts, due) = busy(&mut live, &l, 600, false);
    assert_eq!(receipts, 1);
    assert_eq!(due, Some((30, Due::TooSlow)), "30 s after the first unread update");
}

#[tokio::test(start_paused = true)]
async fn an_update_once_the_receipt_window_opens_carries_the_ping_so_none_goes_alone() {
    let (start, every) = (Instant::now(), Duration::from_secs(45));
    let at = |s| start + Duration::from_secs(s);
    // 30 s deadline, 10 s to answer: asked along an update from 15 s, alone at 25 s.
    let l = Limits { receipt_after: Duration::from_secs(15), ..Limits::for_tests() };
    assert_eq!(l.receipt_window(), (Duration::from_secs(15), Duration::from_secs(25)));
    let mut live = Liveness::new();
    live.sent(at(0), true);
    assert!(!live.wants_receipt(at(14), &l));
    assert!(live.wants_receipt(at(16), &l), "the update at 16 s carries it");
    live.pinged(at(16), true);
    live.sent(at(16), true);
    assert_eq!(live.due(at(25), &l, None, every, true), None, "no ping alone");
    // Never answered: the deadline still counts from the first unconfirmed update.
    assert_eq!(live.due(at(29), &l, None, every, true), None);
    assert_eq!(live.due(at(30), &l, None, every, true), Some(Due::TooSlow));
    // Asked only from 20 s (the default), the same update went without it, and the ping
    // went alone.
    let mut before = Liveness::new();
    let l = Limits::for_tests();
    before.sent(at(0), true);
    assert!(!before.wants_receipt(at(16), &l));
    before.sent(at(16), true);
    assert_eq!(before.due(at(25), &l, None, every, true), Some(Due::Ping));
}

#[tokio::test(start_paused = true)]
async fn a_receipt_asked_later_than_the_deadline_allows_is_asked_alone_in_time() {
    let (start, every) = (Instant::now(), Duration::from_secs(45));
    let at = |s| start + Duration::from_secs(s);
    let l = Limits { receipt_after: Duration::from_secs(60), ..Limits::for_tests() };
    assert_eq!(l.receipt_window(), (Duration::from_secs(25), Duration::from_secs(25)));
    let mut live = Liveness::new();
    live.sent(at(0), true);
    assert!(!live.wants_receipt(at(24), &l));
    assert_eq!(live.due(at(24), &l, None, every, true), None);
    assert_eq!(live.due(at(25), &l, None, every, true), Some(Due::Ping));
    // A deadline shorter than the answer time: asked alone after half the answer time (the
    // close then waits for the answer time after the ping, as for any ping).
    let short = Limits { slow_consumer_timeout: Duration::from_secs(2), ..l };
    assert_eq!(short.receipt_window(), (Duration::from_secs(5), Duration::from_secs(5)));
}

#[tokio::test(start_paused = true)]
async fn a_client_asked_late_by_a_busy_server_still_has_the_heartbeat_timeout_to_answer() {
    let mut live = Liveness::new();
    let (start, l, every) = (Instant::now(), Limits::for_tests(), Duration::from_secs(45));
    let at = |s| start + Duration::from_secs(s);
    live.sent(at(0), true);
    // The server fell behind: the ping asking about the data at 0 only went out at 28.
    live.pinged(at(28), true);
    assert_eq!(live.due(at(30), &l, None, every, true), None, "asked 2 s ago");
    assert_eq!(live.due(at(37), &l, None, every, true), None, "asked 9 s ago");
    assert_eq!(live.due(at(38), &l, None, every, true), Some(Due::TooSlow));
    live.heard(at(37));
    assert_eq!(live.due(at(38), &l, None, every, true), None, "it answered in time");
}

#[tokio::test(start_paused = true)]
async fn only_a_connection_silent_both_ways_is_pinged_and_sse_on_the_same_rule() {
    let mut live = Liveness::new();
    let (start, l, every) = (Instant::now(), Limits::for_tests(), Duration::from_secs(20));
    let at = |s| start + Duration::from_secs(s);
    live.sent(at(15), false);
    assert_eq!(live.due(at(34), &l, None, every, true), None, "we spoke at 15");
    assert_eq!(live.due(at(35), &l, None, every, true), Some(Due::Ping));
    // An SSE stream (no answers): its comments follow the same silence, and updates count.
    let mut sse = Liveness::new();
    sse.sent(at(10), true);
    assert_eq!(sse.due(at(29), &l, None, every, false), None);
    assert_eq!(sse.due(at(30), &l, None, every, false), Some(Due::Ping));
    sse.pinged(at(30), false);
    assert_eq!(sse.due(at(49), &l, None, every, false), None, "no answer is awaited");
}

#[tokio::test(start_paused = true)]
async fn the_old_policy_pings_a_receiving_client_whatever_it_is_sent() {
    let mut live = Liveness::new();
    let l = Limits { heartbeat_policy: HeartbeatPolicy::ClientSilence, ..Limits::for_tests() };
    let (start, every) = (Instant::now(), Duration::from_secs(20));
    live.sent(start + Duration::from_secs(19), true);
    assert!(!live.wants_receipt(start + Duration::from_secs(40), &l));
    assert_eq!(live.due(start + Duration::from_secs(20), &l, None, every, true), Some(Due::Ping));
}

/// `n` connections (ids 1..=n) that all took one update at 0, then one update a second for
/// `secs` seconds, each read at once: how many receipts rode along each update, by second.
fn crowd(n: u64, secs: u64, l: &Limits, spread: bool) -> Vec<usize> {
    let start = Instant::now();
    let new = |id| if spread { Liveness::for_connection(id) } else { Liveness::new() };
    let mut crowd: Vec<Liveness> = (1..=n).map(new).collect();
    for live in &mut crowd {
        live.sent(start, true);
    }
    let mut receipts = vec![0; secs as usize + 1];
    for t in 1..=secs {
        let now = start + Duration::from_secs(t);
        for live in &mut crowd {
            if live.wants_receipt(now, l) {
                receipts[t as usize] += 1;
                live.pinged(now, true);
                live.sent(now, true);
                live.heard(now + Duration::from_millis(5));
            }
        }
    }
    receipts
}

#[tokio::test(start_paused = true)]
async fn receipts_of_a_crowd_sent_the_same_update_spread_over_the_updates_of_ten_seconds() {
    let l = Limits::for_tests();
    // Before: all 1,000 along the first update 20 s after the one they took together.
    let before = crowd(1000, 25, &l, false);
    assert_eq!(before[20], 1000);
    assert_eq!(before.iter().sum::<usize>(), 1000);
    // Now: from 10 s to 20 s (--ws-receipt-spread-secs 10), about a tenth along each update,
    // none later than before.
    let now = crowd(1000, 25, &l, true);
    assert_eq!(now[..=10].iter().sum::<usize>(), 0, "none by 10 s: {now:?}");
    assert_eq!(now[11..=20].iter().sum::<usize>(), 1000, "all by 20 s: {now:?}");
    let most = *now.iter().max().unwrap();
    assert!(most <= 130, "at most ~a tenth along one update: {now:?}");
}

#[tokio::test(start_paused = true)]
async fn one_later_update_carries_not_much_more_than_half_of_a_crowds_receipts() {
    let (start, l) = (Instant::now(), Limits::for_tests());
    let every = l.heartbeat_interval;
    let n = 1000;
    for update in 1..=30 {
        // The crowd took an update at 0; the sweep sends the pings due alone (answered at once)
        // until a second update comes at `update` s.
        let mut crowd: Vec<Liveness> = (1..=n).map(Liveness::for_connection).collect();
        let mut alone = 0;
        for live in &mut crowd {
            live.sent(start, true);
            for t in 1..update {
                let now = start + Duration::from_secs(t);
                if live.due(now, &l, None, every, true) == Some(Due::Ping) {
                    alone += 1;
                    live.pinged(now, true);
                    live.heard(now + Duration::from_millis(5));
                }
            }
        }
        let at = start + Duration::from_secs(update);
        let riding = crowd.iter().filter(|live| live.wants_receipt(at, &l)).count();
        // The 5 s of the receipt window over the 10 s of the spread, and a sweep's second.
        assert!(riding <= 650, "{riding} receipts along the update at {update} s");
        if update > 25 {
            assert_eq!(alone, n as usize, "all asked alone by 25 s");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn no_connection_is_asked_later_than_without_the_spread_nor_more_than_it_earlier() {
    let (start, l) = (Instant::now(), Limits::for_tests());
    let every = l.heartbeat_interval;
    for id in 0..10_000 {
        let mut live = Liveness::for_connection(id);
        live.sent(start, true);
        let at = |ms| start + Duration::from_millis(ms);
        assert!(!live.wants_receipt(at(10_000), &l), "id {id}");
        assert!(live.wants_receipt(at(20_000), &l), "id {id}");
        assert_eq!(live.due(at(15_000), &l, None, every, true), None, "id {id}");
        assert_eq!(live.due(at(25_000), &l, None, every, true), Some(Due::Ping), "id {id}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_stopped_reader_is_closed_at_the_deadline_whatever_its_share_of_the_spread() {
    let (start, l) = (Instant::now(), Limits::for_tests());
    let every = l.heartbeat_interval;
    for id in 1..=256 {
        // One update every 10 s from 0, never read, never answered; swept once a second.
        let mut live = Liveness::for_connection(id);
        let mut closed = None;
        for t in 0..60 {
            let now = start + Duration::from_secs(t);
            if t % 10 == 0 {
                if live.wants_receipt(now, &l) {
                    live.pinged(now, true);
                }
                live.sent(now, true);
            }
            match live.due(now, &l, None, every, true) {
                Some(Due::Ping) => live.pinged(now, true),
                Some(due) => {
                    closed = Some((t, due));
                    break;
                }
                None => {}
            }
        }
        assert_eq!(closed, Some((30, Due::TooSlow)), "id {id}");
    }
}
