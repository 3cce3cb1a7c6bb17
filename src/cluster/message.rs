//! What nodes tell each other over NATS, and on which subjects.
//!
//! Subjects are `<prefix>.<version>.event.<match id>` (an event committed),
//! `<prefix>.<version>.match.<match id>` (a match created or changed) and
//! `<prefix>.<version>.watching` (a node's counts of watchers, every interval). The version is in the
//! subject, so a node subscribed to `<prefix>.>` sees messages of every release and ignores (and
//! counts) the versions it does not know; a release that changes a message's shape takes the next
//! version and, during a rolling upgrade, publishes both.
//!
//! An event message carries what a receiving node needs to apply it exactly as its own: the
//! match's state after the event, the stored event as JSON (for snapshots), and the compact update
//! as encoded by the committing node (for subscribers; it is framed, not re-encoded).

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use time::OffsetDateTime;
use tokio::time::Instant;

use crate::domain::{LiveState, MatchId, MatchMeta, StoredEvent};
use crate::hub::Committed;
use crate::protocol::Encoded;
use crate::snapshots::Recent;
use crate::store::MatchRecord;
use crate::watching::{Heard, Report};

/// The format version this release publishes and understands.
///
/// v2: a match's state is the sport-neutral core's one versioned JSON value, and matches carry
/// their sport and format. Nodes of the v1 release ignore (and count) v2 messages and catch up from
/// the database through the periodic check.
pub const VERSION: &str = "v2";

/// A message from another node, ready to apply.
pub enum Incoming {
    Event(Committed),
    Match(MatchRecord),
    /// Another node's counts of watchers.
    Watching(Heard),
    /// This node's own message, already applied when it was committed.
    Own,
}

/// Why a message was ignored.
#[derive(Debug, thiserror::Error)]
pub enum Ignored {
    #[error("format version {0:?} is not known to this release")]
    Version(String),
    #[error("malformed message: {0}")]
    Malformed(String),
}

impl Ignored {
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Version(_) => "version",
            Self::Malformed(_) => "malformed",
        }
    }
}

#[derive(Serialize, Deserialize)]
struct EventMessage<'a> {
    /// The publishing node.
    node: &'a str,
    /// When the event committed, in unix microseconds: the start of the cross-node latency.
    committed_us: i64,
    live: LiveState,
    #[serde(borrow)]
    event: &'a RawValue,
    #[serde(borrow)]
    update: &'a RawValue,
}

#[derive(Serialize, Deserialize)]
struct MatchMessage<'a> {
    node: &'a str,
    id: MatchId,
    sport: crate::domain::Sport,
    format: serde_json::Value,
    home: String,
    away: String,
    competition: String,
    #[serde(with = "time::serde::rfc3339")]
    kickoff_at: OffsetDateTime,
    revision: i64,
    live: LiveState,
}

/// A node's counts of watchers: `n` numbers its reports (1 at its start), `full` when `counts`
/// holds every match it counts (else those that changed, 0 for one no longer counted), `ask` the
/// nodes it wants every count from. Added within v2: nodes of earlier v2 releases count it as
/// malformed and ignore it.
#[derive(Serialize, Deserialize)]
struct WatchingMessage<'a> {
    node: &'a str,
    n: u64,
    full: bool,
    counts: Vec<(MatchId, u32)>,
    #[serde(default)]
    ask: Vec<String>,
}

/// Subjects and messages of one cluster: its prefix and this node's name.
pub struct Codec {
    prefix: String,
    node: String,
}

impl Codec {
    pub fn new(prefix: &str, node: &str) -> Self {
        Self { prefix: prefix.to_owned(), node: node.to_owned() }
    }

    /// What a node subscribes to: every version, so that unknown ones are seen and counted.
    pub fn wildcard(&self) -> String {
        format!("{}.>", self.prefix)
    }

    pub fn event(&self, update: &Committed) -> (String, Bytes) {
        let message = EventMessage {
            node: &self.node,
            committed_us: unix_micros(committed_wall_clock(update.committed_at)),
            live: update.live.clone(),
            event: &update.recent.body,
            update: raw(update.recent.update.json()),
        };
        let subject = format!("{}.{VERSION}.event.{}", self.prefix, update.match_id);
        (subject, Bytes::from(serde_json::to_vec(&message).expect("messages serialize")))
    }

    pub fn match_changed(&self, record: &MatchRecord) -> (String, Bytes) {
        let MatchMeta { id, sport, format, home, away, competition, kickoff_at, revision } =
            &record.meta;
        let message = MatchMessage {
            node: &self.node,
            id: *id,
            sport: *sport,
            format: format.clone(),
            home: home.clone(),
            away: away.clone(),
            competition: competition.clone(),
            kickoff_at: *kickoff_at,
            revision: *revision,
            live: record.live.clone(),
        };
        let subject = format!("{}.{VERSION}.match.{id}", self.prefix);
        (subject, Bytes::from(serde_json::to_vec(&message).expect("messages serialize")))
    }

    pub fn watching(&self, report: &Report) -> (String, Bytes) {
        let message = WatchingMessage {
            node: &self.node,
            n: report.number,
            full: report.full,
            counts: report.counts.clone(),
            ask: report.ask.clone(),
        };
        let subject = format!("{}.{VERSION}.watching", self.prefix);
        (subject, Bytes::from(serde_json::to_vec(&message).expect("messages serialize")))
    }

    pub fn decode(&self, subject: &str, payload: &[u8]) -> Result<Incoming, Ignored> {
        let malformed = |e: &dyn std::fmt::Display| Ignored::Malformed(e.to_string());
        let rest = subject
            .strip_prefix(&self.prefix)
            .and_then(|r| r.strip_prefix('.'))
            .ok_or_else(|| malformed(&format!("subject {subject:?} is outside the prefix")))?;
        let mut parts = rest.splitn(3, '.');
        let (version, kind) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        if version != VERSION {
            return Err(Ignored::Version(version.to_owned()));
        }
        match kind {
            "event" => {
                let message: EventMessage<'_> =
                    serde_json::from_slice(payload).map_err(|e| malformed(&e))?;
                if message.node == self.node {
                    return Ok(Incoming::Own);
                }
                Ok(Incoming::Event(committed(message).map_err(|e| malformed(&e))?))
            }
            "match" => {
                let message: MatchMessage<'_> =
                    serde_json::from_slice(payload).map_err(|e| malformed(&e))?;
                if message.node == self.node {
                    return Ok(Incoming::Own);
                }
                let meta = MatchMeta {
                    id: message.id,
                    sport: message.sport,
                    format: message.format,
                    home: message.home,
                    away: message.away,
                    competition: message.competition,
                    kickoff_at: message.kickoff_at,
                    revision: message.revision,
                };
                Ok(Incoming::Match(MatchRecord { meta, live: message.live }))
            }
            "watching" => {
                let message: WatchingMessage<'_> =
                    serde_json::from_slice(payload).map_err(|e| malformed(&e))?;
                if message.node == self.node {
                    return Ok(Incoming::Own);
                }
                Ok(Incoming::Watching(Heard {
                    node: message.node.to_owned(),
                    number: message.n,
                    full: message.full,
                    counts: message.counts,
                    asks_me: message.ask.contains(&self.node),
                }))
            }
            other => Err(malformed(&format!("unknown message kind {other:?}"))),
        }
    }
}

fn committed(message: EventMessage<'_>) -> serde_json::Result<Committed> {
    let event: StoredEvent = serde_json::from_str(message.event.get())?;
    if event.seq != message.live.seq {
        return Err(serde::de::Error::custom("the event's seq differs from the state's"));
    }
    let update = Encoded::framed_update(message.update.get().as_bytes(), event.match_id, event.seq);
    let body = RawValue::from_string(message.event.get().to_owned())?.into();
    let recent = Recent::encoded(&event, body, update);

    Ok(Committed {
        match_id: event.match_id,
        live: message.live,
        recent,
        committed_at: local_instant(message.committed_us),
    })
}

fn raw(json: &[u8]) -> &RawValue {
    let text = std::str::from_utf8(json).expect("encoded messages are UTF-8 JSON");
    serde_json::from_str(text).expect("encoded messages are JSON")
}

fn unix_micros(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000) as i64
}

/// The wall-clock time of an instant in this process (for telling another node when).
fn committed_wall_clock(at: Instant) -> OffsetDateTime {
    OffsetDateTime::now_utc() - at.elapsed()
}

/// The instant in this process of another node's wall-clock time (clocks of nodes on one network
/// agree to well under a millisecond with NTP; a clock ahead is taken as now).
fn local_instant(unix_us: i64) -> Instant {
    let ago_us = unix_micros(OffsetDateTime::now_utc()).saturating_sub(unix_us).max(0);
    let now = Instant::now();
    now.checked_sub(std::time::Duration::from_micros(ago_us as u64)).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event_update() -> Committed {
        let match_id = MatchId::try_from(7).unwrap();
        let initial = LiveState::initial(crate::domain::Sport::Football, &serde_json::json!({}));
        let live = initial.apply(&kickoff(), OffsetDateTime::now_utc()).unwrap();
        let event = StoredEvent {
            score: live.score(),
            ..crate::domain::testing::stored(match_id.get(), live.seq.get(), kickoff())
        };
        let body = serde_json::to_string(&event).unwrap();
        Committed {
            match_id,
            live,
            recent: Recent::new(&event, body).unwrap(),
            committed_at: Instant::now(),
        }
    }

    fn kickoff() -> crate::domain::EventKind {
        serde_json::from_str(r#"{"kind":"kickoff"}"#).unwrap()
    }

    #[test]
    fn an_event_arrives_on_another_node_with_the_same_bytes_for_subscribers() {
        let sent = event_update();
        let (subject, payload) = Codec::new("scorecast", "a").event(&sent);
        assert_eq!(subject, "scorecast.v2.event.7");
        let Incoming::Event(got) = Codec::new("scorecast", "b").decode(&subject, &payload).unwrap()
        else {
            panic!("an event");
        };
        assert_eq!(got.recent.update.ws, sent.recent.update.ws);
        assert_eq!(got.recent.update.sse, sent.recent.update.sse);
        assert_eq!(got.recent.body.get(), sent.recent.body.get());
        assert_eq!(got.live, sent.live);
    }

    #[test]
    fn a_watching_report_arrives_with_whether_it_asks_the_receiver_for_every_count() {
        let id = MatchId::try_from(9).unwrap();
        let report =
            Report { number: 4, full: false, counts: vec![(id, 12)], ask: vec!["b".into()] };
        let (subject, payload) = Codec::new("scorecast", "a").watching(&report);
        assert_eq!(subject, "scorecast.v2.watching");
        let decoded = |node: &str| Codec::new("scorecast", node).decode(&subject, &payload);
        let Ok(Incoming::Watching(heard)) = decoded("b") else { panic!("a report") };
        assert_eq!(heard.node, "a");
        assert_eq!(
            (heard.number, heard.full, heard.counts, heard.asks_me),
            (4, false, vec![(id, 12)], true)
        );
        let Ok(Incoming::Watching(heard)) = decoded("c") else { panic!("a report") };
        assert!(!heard.asks_me);
        assert!(matches!(decoded("a"), Ok(Incoming::Own)));
        let zero_id = br#"{"node":"a","n":1,"full":true,"counts":[[0,1]]}"#;
        let bad = Codec::new("scorecast", "b").decode(&subject, zero_id);
        assert!(matches!(bad, Err(Ignored::Malformed(_))), "0 is no match id");
    }

    #[test]
    fn a_node_knows_its_own_messages_and_ignores_unknown_versions() {
        let codec = Codec::new("scorecast", "a");
        let (subject, payload) = codec.event(&event_update());
        assert!(matches!(codec.decode(&subject, &payload), Ok(Incoming::Own)));
        let v3 = subject.replace(".v2.", ".v3.");
        assert!(matches!(codec.decode(&v3, &payload), Err(Ignored::Version(v)) if v == "v3"));
        let v1 = subject.replace(".v2.", ".v1.");
        assert!(matches!(codec.decode(&v1, &payload), Err(Ignored::Version(v)) if v == "v1"));
        let bad = Codec::new("scorecast", "b").decode(&subject, b"{}");
        assert!(matches!(bad, Err(Ignored::Malformed(_))));
    }
}
