//! SIGKILL of the server, again and again, while several posters post with Idempotency-Keys and
//! retry every post whose answer the kill took away, and a subscriber resumes across the kills.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use reqwest::Client;
use serde_json::{json, Value};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

use crate::backend_tests;
use crate::common::{fresh_database, Backend, TOKEN};
use crate::process::Server;
use crate::ws_client::{connect, WsClient};

backend_tests!(repeated_sigkills_under_keyed_posting_lose_and_double_nothing);

/// Kill and restart cycles per run.
const KILLS: usize = 5;
/// Concurrent posters, each with keys of its own.
const POSTERS: usize = 4;
/// New acknowledgements to wait for before each kill, so that every kill lands mid-load.
const ACKS_PER_CYCLE: usize = 40;
/// Bound on one run, kills and restarts included.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);
/// Bound on one request, so a post to a dying server cannot hang a poster.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What the posters learned: per key, the event the server answered with, and how it got there.
#[derive(Default)]
struct Ledger {
    answers: HashMap<String, Answer>,
    /// Posts whose answer was lost (connection reset or refused) and that were retried.
    lost: usize,
}

struct Answer {
    event: Value,
    /// The answer came to a retry after a lost answer.
    retried: bool,
    /// `Idempotency-Replayed: true`: the first try had been stored.
    replayed: bool,
}

async fn repeated_sigkills_under_keyed_posting_lose_and_double_nothing(backend: Backend) {
    let Some(database) = fresh_database(backend).await else {
        return;
    };
    let deadline = Instant::now() + RUN_TIMEOUT;
    let mut server = Server::start(&database.url).await;
    let id = server.create_live_match().await;
    let (base_tx, base_rx) = watch::channel(server.base.clone());
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut posters = Vec::new();

    // The subscriber starts from the snapshot (the kickoff), then resumes after every restart.
    let mut seen = vec![1];
    for cycle in 0..=KILLS {
        let since = *seen.last().unwrap();
        let query = match cycle {
            0 => format!("matches={id}"),
            _ => format!("matches={id}&since={id}:{since}"),
        };
        let mut subscriber = connect(server.port, &query).await;
        let first = subscriber.next().await;
        match cycle {
            0 => {
                assert_eq!((first["k"].as_str(), first["s"].as_i64()), (Some("snapshot"), Some(1)))
            }
            _ => assert_eq!(
                (first["k"].as_str(), first["rec"].as_bool(), first["s"].as_i64()),
                (Some("resume"), Some(true), Some(since)),
                "the resume after kill {cycle} is served: {first}"
            ),
        }
        if cycle == 0 {
            // Posting begins once the subscriber holds the kickoff's snapshot.
            posters = (0..POSTERS)
                .map(|p| tokio::spawn(poster(p, id, base_rx.clone(), ledger.clone(), stop.clone())))
                .collect();
        }
        if cycle == KILLS {
            stop.store(true, Ordering::SeqCst);
            for poster in std::mem::take(&mut posters) {
                tokio::time::timeout_at(deadline.into(), poster)
                    .await
                    .expect("the posters finish their retries in time")
                    .unwrap();
            }
            let stored = check_stored(&server, id, &ledger).await;
            let last = stored.last().unwrap()["seq"].as_i64().unwrap();
            seen.extend(read_until(&mut subscriber, last, deadline).await);
            check_every_key_stored_once(&stored, &ledger);
            break;
        }
        let reader = tokio::spawn(read_until_closed(subscriber, since));
        let acked_before = ledger.lock().unwrap().answers.len();
        while ledger.lock().unwrap().answers.len() < acked_before + ACKS_PER_CYCLE {
            assert!(Instant::now() < deadline, "cycle {cycle}: the posters got too few answers");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.signal(libc::SIGKILL);
        server.wait();
        seen.extend(reader.await.unwrap());
        server = Server::start(&database.url).await;
        base_tx.send_replace(server.base.clone());
        check_stored(&server, id, &ledger).await;
    }

    let expected: Vec<i64> = (1..=*seen.last().unwrap()).collect();
    assert_eq!(seen, expected, "the subscriber saw every event once, in order, across the kills");
    let ledger = ledger.lock().unwrap();
    let retried = ledger.answers.values().filter(|a| a.retried).count();
    let replayed = ledger.answers.values().filter(|a| a.replayed).count();
    eprintln!(
        "{backend:?}: {} events acknowledged over {KILLS} kills; {} answers lost and retried, {} \
         of them replayed (stored before the kill), {} stored by the retry",
        ledger.answers.len(),
        ledger.lost,
        replayed,
        retried - replayed
    );
    assert!(ledger.lost > 0, "some kill landed while posts were in flight");
    assert!(ledger.answers.values().all(|a| a.retried || !a.replayed), "only retries replay");
}

/// Posts goals with keys `p{poster}-{n}` until `stop`, each until it is answered with 201: a post
/// whose answer is lost is retried with the same key and body once the server is back.
async fn poster(
    poster: usize,
    id: i64,
    mut base: watch::Receiver<String>,
    ledger: Arc<Mutex<Ledger>>,
    stop: Arc<AtomicBool>,
) {
    let client = Client::builder().timeout(REQUEST_TIMEOUT).build().unwrap();
    let deadline = Instant::now() + RUN_TIMEOUT;
    for n in 0.. {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let key = format!("p{poster}-{n}");
        let team = if n % 3 == 0 { "away" } else { "home" };
        let body = json!({"kind": "goal", "team": team, "minute": 50, "player": key});
        let mut retried = false;
        loop {
            assert!(Instant::now() < deadline, "{key}: no answer in time");
            let used = base.borrow().clone();
            let sent = client
                .post(format!("{used}/api/v1/matches/{id}/events"))
                .bearer_auth(TOKEN)
                .header("Idempotency-Key", &key)
                .json(&body)
                .send()
                .await;
            let response = match sent {
                Ok(response) => response,
                Err(_) => {
                    // The answer is lost: wait for the server to be back, then retry.
                    ledger.lock().unwrap().lost += 1;
                    retried = true;
                    let back = base.wait_for(|now| *now != used);
                    let _ = tokio::time::timeout_at(deadline.into(), back).await;
                    continue;
                }
            };
            match response.status().as_u16() {
                201 => {
                    let replayed = response.headers().contains_key("idempotency-replayed");
                    let Ok(event) = response.json::<Value>().await else {
                        // Killed between the head and the body: as lost as any other answer.
                        ledger.lock().unwrap().lost += 1;
                        retried = true;
                        continue;
                    };
                    let answer = Answer { event, retried, replayed };
                    let earlier = ledger.lock().unwrap().answers.insert(key.clone(), answer);
                    assert!(earlier.is_none(), "{key} was answered twice");
                    break;
                }
                // Starting up or shutting down: retry shortly.
                503 => tokio::time::sleep(Duration::from_millis(20)).await,
                status => panic!("{key}: unexpected {status}: {}", response.text().await.unwrap()),
            }
        }
    }
}

/// The match's whole history, checked against the ledger: gapless, every acknowledged event
/// stored as it was answered, and no key's event stored twice.
async fn check_stored(server: &Server, id: i64, ledger: &Mutex<Ledger>) -> Vec<Value> {
    // Answers given before the read began are all stored; later ones may or may not be in it.
    let acked: Vec<(String, Value)> = {
        let ledger = ledger.lock().unwrap();
        ledger.answers.iter().map(|(key, a)| (key.clone(), a.event.clone())).collect()
    };
    let mut stored: Vec<Value> = Vec::new();
    loop {
        let since = stored.len();
        let path = format!("/api/v1/matches/{id}/events?since={since}&limit=1000");
        let page = server.get_json(&path).await["events"].as_array().unwrap().clone();
        if page.is_empty() {
            break;
        }
        stored.extend(page);
    }
    let seqs: Vec<i64> = stored.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "the history is gapless");
    let mut keys: HashMap<&str, usize> = HashMap::new();
    for event in &stored[1..] {
        *keys.entry(event["player"].as_str().unwrap_or_default()).or_default() += 1;
    }
    if let Some((key, count)) = keys.iter().find(|(_, count)| **count > 1) {
        panic!("the event of {key} is stored {count} times");
    }
    for (key, event) in acked {
        let seq = event["seq"].as_u64().unwrap() as usize;
        assert_eq!(stored.get(seq - 1), Some(&event), "{key}: stored as it was answered");
    }
    stored
}

/// With the posters done, every key they posted is answered, so the history holds exactly the
/// answered events after the kickoff.
fn check_every_key_stored_once(stored: &[Value], ledger: &Mutex<Ledger>) {
    let ledger = ledger.lock().unwrap();
    assert_eq!(stored.len() - 1, ledger.answers.len(), "one stored event per key, no more");
}

/// Updates until the connection ends (the server was killed); panics on anything out of order.
async fn read_until_closed(mut subscriber: WsClient, mut last: i64) -> Vec<i64> {
    let mut seqs = Vec::new();
    while let Some(Ok(message)) = subscriber.ws.next().await {
        if let Message::Text(text) = message {
            let update: Value = serde_json::from_str(&text).unwrap();
            let seq = update["s"].as_i64().unwrap();
            assert_eq!(seq, last + 1, "updates arrive in order, each once: {update}");
            last = seq;
            seqs.push(seq);
        }
    }
    seqs
}

/// Updates until `last` has arrived.
async fn read_until(subscriber: &mut WsClient, last: i64, deadline: Instant) -> Vec<i64> {
    let mut seqs = Vec::new();
    while seqs.last() != Some(&last) {
        assert!(Instant::now() < deadline, "the subscriber did not get up to {last} in time");
        seqs.push(subscriber.next().await["s"].as_i64().unwrap());
    }
    seqs
}
