//! The two sides of an ingest level: posters (keep-alive admin clients, closed-loop or paced) and
//! one subscriber per match noting when each update arrives.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::clock::now_ns;
use crate::common::sport::Sport;
use crate::histogram::Histogram;
use crate::net::http1::{self, HttpConn};
use crate::net::subscriber::Subscriber;

/// What every poster shares.
pub struct Shared {
    pub addr: SocketAddr,
    pub token: String,
    pub matches: Vec<i64>,
    /// The sport of each match, and how many of its scoring events it has stored so far.
    pub sports: Vec<Sport>,
    pub stored: Vec<AtomicU64>,
    pub concurrency: usize,
    pub schedule: Schedule,
}

/// The match a closed-loop client posts its `k`-th event to. With no more clients than matches,
/// each client has matches of its own (`client`, `client + c`, ...) and posts to them in turn, so
/// every match's events arrive one at a time and in order (a tennis or volleyball match's
/// points must: see `Sport::scoring_event`). With more clients than matches, the clients share
/// them.
pub fn closed_match(client: usize, k: u64, concurrency: usize, matches: usize) -> usize {
    if concurrency <= matches {
        let owned = (matches - client).div_ceil(concurrency) as u64;
        client + (k % owned) as usize * concurrency
    } else {
        (client + k as usize * concurrency) % matches
    }
}

pub enum Schedule {
    /// Post back to back until `until` (at most `max_per_client` each).
    Closed { until: Instant, max_per_client: u64 },
    /// Event `j` is due at `t0 + j / rate`, for `j < total`; posters take the next one when free.
    Paced { t0: Instant, rate: f64, total: u64, next: AtomicU64 },
}

/// One stored event, as its poster saw it.
pub struct Post {
    pub match_index: usize,
    pub seq: i64,
    pub start_ns: u64,
    pub done_ns: u64,
}

#[derive(Default)]
pub struct PosterOutcome {
    pub posts: Vec<Post>,
    pub posted: u64,
    pub refused: BTreeMap<u16, u64>,
    pub errors: u64,
    pub post_ns: Histogram,
    pub lag_ns: Histogram,
}

/// One admin client posting scoring events (each match's sport's own) over one keep-alive
/// connection.
pub async fn poster(shared: Arc<Shared>, client: usize) -> PosterOutcome {
    let mut out = PosterOutcome::default();
    let Ok(mut conn) = HttpConn::connect(shared.addr).await else {
        out.errors += 1;
        return out;
    };
    let host = shared.addr.to_string();
    let m = shared.matches.len();
    let mut k: u64 = 0;
    loop {
        let match_index = match &shared.schedule {
            Schedule::Closed { until, max_per_client } => {
                if Instant::now() >= *until || k >= *max_per_client {
                    break;
                }
                closed_match(client, k, shared.concurrency, m)
            }
            Schedule::Paced { t0, rate, total, next } => {
                let j = next.fetch_add(1, Ordering::Relaxed);
                if j >= *total {
                    break;
                }
                let due = *t0 + Duration::from_secs_f64(j as f64 / rate);
                tokio::time::sleep_until(due).await;
                out.lag_ns.record(Instant::now().saturating_duration_since(due).as_nanos() as u64);
                j as usize % m
            }
        };
        k += 1;
        let id = shared.matches[match_index];
        // The next event after the stored ones: a refused one (503) is sent again, so that a
        // match with a client of its own never misses a side's turn.
        let n = shared.stored[match_index].load(Ordering::Relaxed);
        let body = shared.sports[match_index].scoring_event(n);
        let request =
            http1::post_json(&host, &format!("/api/v1/matches/{id}/events"), &shared.token, &body);
        let start_ns = now_ns();
        out.posted += 1;
        match conn.request(&request, true).await {
            Ok(r) if r.status == 201 => {
                let done_ns = now_ns();
                shared.stored[match_index].fetch_add(1, Ordering::Relaxed);
                out.post_ns.record(done_ns - start_ns);
                let seq = r.body.as_deref().and_then(seq_of).unwrap_or(-1);
                out.posts.push(Post { match_index, seq, start_ns, done_ns });
            }
            Ok(r) => *out.refused.entry(r.status).or_default() += 1,
            Err(e) => {
                tracing::warn!(error = %e, "an admin connection failed");
                out.errors += 1;
                break;
            }
        }
    }
    out
}

/// `"seq":<integer>` of a stored event's JSON.
fn seq_of(body: &[u8]) -> Option<i64> {
    let at = body.windows(6).position(|w| w == b"\"seq\":")? + 6;
    let digits = body[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&body[at..at + digits]).ok()?.parse().ok()
}

/// What one match's subscriber saw: `(seq, arrival ns)` of every update (not snapshots), and the
/// updates' payload bytes summed.
#[derive(Default)]
pub struct Followed {
    pub arrivals: Vec<(i64, u64)>,
    pub update_bytes: u64,
}

/// Reads updates until `stop`.
pub async fn follow(
    mut sub: Subscriber,
    received: Arc<AtomicU64>,
    mut stop: watch::Receiver<bool>,
) -> Followed {
    let mut followed = Followed::default();
    loop {
        tokio::select! {
            update = sub.next() => match update {
                Ok(u) => {
                    if let Some(m) = u.message.filter(|m| !m.snapshot) {
                        followed.arrivals.push((m.seq, now_ns()));
                        followed.update_bytes += u.payload_bytes as u64;
                        received.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "an ingest subscriber ended");
                    break;
                }
            },
            _ = stop.changed() => break,
        }
    }
    followed
}

#[cfg(test)]
mod tests {
    #[test]
    fn with_no_more_clients_than_matches_every_match_has_one_poster_and_every_match_is_posted_to() {
        for (concurrency, matches) in [(1, 5), (3, 16), (8, 16), (64, 256), (5, 5)] {
            let mut poster = vec![None; matches];
            for client in 0..concurrency {
                for k in 0..(2 * matches as u64) {
                    let m = super::closed_match(client, k, concurrency, matches);
                    assert_eq!(*poster[m].get_or_insert(client), client, "{concurrency}/{matches}");
                }
            }
            assert!(poster.iter().all(Option::is_some), "{concurrency}/{matches}: {poster:?}");
        }
        // As before sports existed: with clients dividing the matches, client 1 of 8 over 16.
        let old: Vec<usize> = (0..4).map(|k| (1 + k * 8) % 16).collect();
        let new: Vec<usize> = (0..4).map(|k| super::closed_match(1, k as u64, 8, 16)).collect();
        assert_eq!(old, new);
        // More clients than matches share them.
        assert_eq!(super::closed_match(17, 0, 64, 16), 1);
    }

    #[test]
    fn the_sequence_number_is_read_from_a_stored_event() {
        assert_eq!(super::seq_of(br#"{"match_id":1,"seq":27,"kind":"goal"}"#), Some(27));
        assert_eq!(super::seq_of(br#"{"type":"about:blank"}"#), None);
    }
}
