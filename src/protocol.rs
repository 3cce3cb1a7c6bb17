//! The wire protocol of both transports: compact JSON messages, each encoded once into a complete
//! WebSocket frame and a complete Server-Sent Events chunk whose bytes every recipient shares.
//!
//! Server messages carry `m` (match id) and `s` (the match's sequence number) and a kind `k`. A goal
//! update is about 70 bytes with its scorer: `{"m":42,"s":17,"k":"goal","t":"h","mn":67,"sc":[2,1],
//! "p":"Brobbey"}`. Keys are only ever added (clients ignore keys they do not know).
//! `docs/protocol.md` describes every message.

use actix_http::ws::{CloseCode, CloseReason, OpCode, Parser};
use bytes::{Bytes, BytesMut};
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::domain::{
    unix_millis, CardColor, EventKind, LiveState, MatchId, MatchMeta, Period, Score, Seq, Side,
    Status, StoredEvent,
};

/// The subprotocol name clients may offer.
pub const SUBPROTOCOL: &str = "scorecast.v1";

/// One message, ready to write on either transport.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// A complete, unmasked WebSocket text frame.
    pub ws: Bytes,
    /// A complete SSE event: `id: <match>:<seq>` (when the message has both) and `data: <json>`.
    pub sse: Bytes,
}

impl Encoded {
    fn new(json: &[u8], id: Option<(MatchId, Seq)>) -> Self {
        let mut sse = BytesMut::with_capacity(json.len() + 32);
        if let Some((m, s)) = id {
            sse.extend_from_slice(format!("id: {m}:{s}\n").as_bytes());
        }
        sse.extend_from_slice(b"data: ");
        sse.extend_from_slice(json);
        sse.extend_from_slice(b"\n\n");
        Self { ws: text_frame(json), sse: sse.freeze() }
    }

    fn of<T: Serialize>(message: &T, id: Option<(MatchId, Seq)>) -> Self {
        Self::new(&serde_json::to_vec(message).expect("messages always serialize"), id)
    }

    /// An update that another node encoded, from its JSON: framed for both transports here, not
    /// serialized again.
    pub fn framed_update(json: &[u8], match_id: MatchId, seq: Seq) -> Self {
        Self::new(json, Some((match_id, seq)))
    }

    /// The message's JSON, without framing (what `framed_update` takes).
    pub fn json(&self) -> &[u8] {
        // A server's frame is unmasked: two header bytes, then 2 or 8 more for longer payloads.
        let offset = match self.ws.get(1).map(|b| b & 0x7f) {
            Some(126) => 4,
            Some(127) => 10,
            _ => 2,
        };
        self.ws.get(offset..).unwrap_or_default()
    }
}

#[derive(Serialize)]
struct Update<'a> {
    m: MatchId,
    s: Seq,
    k: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    t: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mn: Option<i64>,
    sc: [i64; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    st: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pd: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    p: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    po: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    c: Option<&'static str>,
    /// A shoot-out kick: scored (`true`) or missed.
    #[serde(skip_serializing_if = "Option::is_none")]
    ok: Option<bool>,
    /// The shoot-out's score, from the `penalties` period on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pn: Option<[i64; 2]>,
    /// When the period this event starts began (kickoff, period), in unix milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pt: Option<i64>,
}

fn pair(score: Score) -> [i64; 2] {
    [score.home.into(), score.away.into()]
}

fn side(team: Side) -> Option<&'static str> {
    Some(match team {
        Side::Home => "h",
        Side::Away => "a",
    })
}

/// The compact update for a committed event. Status and period changes are derived from the event
/// itself, so stored events can be replayed in this form too.
pub fn update(event: &StoredEvent) -> Encoded {
    let mut update = Update {
        m: event.match_id,
        s: event.seq,
        k: event.kind.name(),
        t: None,
        mn: event.kind.minute().map(i64::from),
        sc: pair(event.score),
        st: None,
        pd: None,
        p: None,
        po: None,
        c: None,
        ok: None,
        pn: event.shootout.map(pair),
        pt: None,
    };
    match &event.kind {
        EventKind::Goal(goal) => {
            update.t = side(goal.team);
            // The scorer, so that no client has to ask the history for it on every goal.
            update.p = goal.player.as_ref().map(|p| p.as_ref());
        }
        EventKind::Card(card) => {
            update.t = side(card.team);
            update.p = Some(card.player.as_ref());
            update.c = Some(match card.color {
                CardColor::Yellow => "y",
                CardColor::Red => "r",
            });
        }
        EventKind::Substitution(sub) => {
            update.t = side(sub.team);
            update.p = Some(sub.player_in.as_ref());
            update.po = Some(sub.player_out.as_ref());
        }
        EventKind::Kickoff(_) => {
            update.pt = Some(unix_millis(event.recorded_at));
            update.st = Some(Status::Live.as_str());
            update.pd = Some(Period::FirstHalf.as_str());
        }
        EventKind::Period(change) => {
            update.pt = Some(unix_millis(event.recorded_at));
            let status =
                if change.period == Period::HalfTime { Status::HalfTime } else { Status::Live };
            update.st = Some(status.as_str());
            update.pd = Some(change.period.as_str());
        }
        EventKind::Kick(kick) => {
            update.t = side(kick.team);
            update.p = kick.player.as_ref().map(|p| p.as_ref());
            update.ok = Some(kick.scored);
        }
        EventKind::End(_) => update.st = Some(Status::Finished.as_str()),
        EventKind::Score(_) => {}
    }
    Encoded::of(&update, Some((event.match_id, event.seq)))
}

#[derive(Serialize)]
struct SnapshotMessage<'a> {
    m: MatchId,
    s: Seq,
    k: &'static str,
    st: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pd: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mn: Option<i64>,
    /// When the current period began, in unix milliseconds: with `pd`, a page runs its clock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pt: Option<i64>,
    sc: [i64; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    pn: Option<[i64; 2]>,
    home: &'a str,
    away: &'a str,
    comp: &'a str,
    #[serde(with = "time::serde::rfc3339")]
    ko: time::OffsetDateTime,
    /// Present on answers to a resume: `false` when the missed events could not be replayed.
    #[serde(skip_serializing_if = "Option::is_none")]
    rec: Option<bool>,
}

/// A match's current state in compact form: sent on subscribe, in place of updates a slow client
/// skipped, and (with `recovered: Some(false)`) when a resume could not be served.
pub fn snapshot(meta: &MatchMeta, live: &LiveState, recovered: Option<bool>) -> Encoded {
    let message = SnapshotMessage {
        m: meta.id,
        s: live.seq,
        k: "snapshot",
        st: live.status.as_str(),
        pd: live.period.map(|p| p.as_str()),
        mn: live.minute.map(i64::from),
        pt: live.period_started_at.map(unix_millis),
        sc: pair(live.score),
        pn: live.shootout.map(|s| pair(s.tally())),
        home: &meta.home,
        away: &meta.away,
        comp: &meta.competition,
        ko: meta.kickoff_at,
        rec: recovered,
    };
    Encoded::of(&message, Some((meta.id, live.seq)))
}

#[derive(Serialize)]
struct Resumed {
    m: MatchId,
    s: Seq,
    k: &'static str,
    rec: bool,
    n: usize,
}

/// Announces a successful resume from `since`: the `replayed` missed updates follow, in order.
pub fn resumed(match_id: MatchId, since: Seq, replayed: usize) -> Encoded {
    let message = Resumed { m: match_id, s: since, k: "resume", rec: true, n: replayed };
    Encoded::of(&message, Some((match_id, since)))
}

#[derive(Serialize)]
struct ErrorMessage<'a> {
    k: &'static str,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    m: Option<MatchId>,
    detail: &'a str,
}

/// An error about one client message; the connection stays open.
pub fn error(code: &str, detail: &str, match_id: Option<MatchId>) -> Encoded {
    Encoded::of(&ErrorMessage { k: "error", code, m: match_id, detail }, None)
}

/// An SSE comment line, which clients ignore: the SSE heartbeat.
pub fn sse_comment(text: &str) -> Bytes {
    Bytes::from(format!(": {text}\n\n"))
}

/// A close frame with a code and a human-readable reason (at most 123 bytes, per RFC 6455).
pub fn close_frame(code: CloseCode, reason: &str) -> Bytes {
    let mut reason = reason.to_owned();
    while reason.len() > 123 {
        reason.pop();
    }
    let mut frame = BytesMut::new();
    Parser::write_close(&mut frame, Some(CloseReason { code, description: Some(reason) }), false);
    frame.freeze()
}

/// A ping, or the pong answering a client's ping.
pub fn control_frame(op: OpCode, payload: &[u8]) -> Bytes {
    let mut frame = BytesMut::new();
    Parser::write_message(&mut frame, payload, op, true, false);
    frame.freeze()
}

fn text_frame(payload: &[u8]) -> Bytes {
    let mut frame = BytesMut::with_capacity(payload.len() + 4);
    Parser::write_message(&mut frame, payload, OpCode::Text, true, false);
    frame.freeze()
}

/// What a client may send, as JSON text frames.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// `since` maps match ids (as JSON object keys) to the last sequence number the client has.
    Subscribe {
        matches: Vec<MatchId>,
        #[serde(default, deserialize_with = "match_id_keys")]
        since: HashMap<MatchId, Seq>,
    },
    Unsubscribe {
        matches: Vec<MatchId>,
    },
}

/// A JSON object keyed by match ids: object keys are strings, so each is parsed as an id.
fn match_id_keys<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<HashMap<MatchId, Seq>, D::Error> {
    let raw = HashMap::<String, Seq>::deserialize(deserializer)?;
    raw.into_iter()
        .map(|(key, seq)| {
            let id = key.parse::<MatchId>().map_err(|e| {
                serde::de::Error::custom(format!("since: key {key:?} is not a match id ({e})"))
            })?;
            Ok((id, seq))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Goal, Minute};

    /// A goal of match 1234567, event 12345, minute 120, 10–11, with `player` as its scorer.
    fn large_goal(player: Option<&str>) -> StoredEvent {
        StoredEvent {
            match_id: MatchId::try_from(1_234_567).unwrap(),
            seq: Seq::try_from(12_345).unwrap(),
            kind: EventKind::Goal(Goal {
                team: Side::Away,
                minute: Minute::try_from(120).unwrap(),
                player: player.map(|p| p.to_owned().try_into().unwrap()),
            }),
            score: Score { home: 10.try_into().unwrap(), away: 11.try_into().unwrap() },
            shootout: None,
            recorded_at: time::OffsetDateTime::now_utc(),
        }
    }

    /// The payload of an update's WebSocket frame, checked to have a one-byte length header.
    fn small_frame_payload(event: &StoredEvent) -> Vec<u8> {
        let frame = update(event).ws;
        let payload = &frame[2..];
        assert_eq!(frame[1] as usize, payload.len(), "one-byte length header, unmasked");
        payload.to_vec()
    }

    #[test]
    fn a_goal_update_without_scorer_fits_in_64_bytes_even_with_large_numbers() {
        let payload = small_frame_payload(&large_goal(None));
        assert!(
            payload.len() <= 64,
            "{} bytes: {}",
            payload.len(),
            String::from_utf8_lossy(&payload)
        );
        let json: serde_json::Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"m":1234567,"s":12345,"k":"goal","t":"a","mn":120,"sc":[10,11]})
        );
    }

    #[test]
    fn a_goal_update_carries_its_scorer_and_still_fits_a_small_frame() {
        // 30 characters, longer than most names: the scorer adds `,"p":""` (7 bytes) and the name
        // to the 64 bytes above, and stays within the 125 bytes of a one-byte frame length.
        let name = "A very long player name indeed";
        let payload = small_frame_payload(&large_goal(Some(name)));
        assert!(payload.len() <= 64 + 7 + name.len(), "{}", String::from_utf8_lossy(&payload));
        let json: serde_json::Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"m":1234567,"s":12345,"k":"goal","t":"a","mn":120,"sc":[10,11],"p":name})
        );
        // The common case, as docs/protocol.md shows it: about 70 bytes.
        let mut typical = large_goal(Some("Brobbey"));
        typical.match_id = MatchId::try_from(42).unwrap();
        typical.seq = Seq::try_from(17).unwrap();
        assert_eq!(
            update(&typical).ws[2..].len(),
            r#"{"m":42,"s":17,"k":"goal","t":"a","mn":120,"sc":[10,11],"p":"Brobbey"}"#.len()
        );
    }

    #[test]
    fn client_messages_parse_and_unknown_ops_do_not() {
        let sub: ClientMessage =
            serde_json::from_str(r#"{"op":"subscribe","matches":[1,2]}"#).unwrap();
        let id = |raw| MatchId::try_from(raw).unwrap();
        let none = HashMap::new();
        assert_eq!(sub, ClientMessage::Subscribe { matches: vec![id(1), id(2)], since: none });
        let resume: ClientMessage =
            serde_json::from_str(r#"{"op":"subscribe","matches":[42],"since":{"42":17}}"#).unwrap();
        let since = HashMap::from([(id(42), Seq::try_from(17).unwrap())]);
        assert_eq!(resume, ClientMessage::Subscribe { matches: vec![id(42)], since });
        let zero = r#"{"op":"subscribe","matches":[1],"since":{"0":1}}"#;
        assert!(serde_json::from_str::<ClientMessage>(zero).is_err(), "0 is not a match id");
        assert!(serde_json::from_str::<ClientMessage>(r#"{"op":"publish","matches":[1]}"#).is_err());
        assert!(serde_json::from_str::<ClientMessage>(r#"{"op":"subscribe"}"#).is_err());
    }

    #[test]
    fn a_kick_update_says_scored_or_missed_and_carries_the_shootout_apart_from_the_score() {
        let mut kick = large_goal(None);
        kick.match_id = MatchId::try_from(42).unwrap();
        kick.seq = Seq::try_from(31).unwrap();
        kick.score = Score { home: 1.try_into().unwrap(), away: 1.try_into().unwrap() };
        kick.shootout = Some(Score { home: 4.try_into().unwrap(), away: 3.try_into().unwrap() });
        kick.kind = EventKind::Kick(crate::domain::Kick {
            team: Side::Home,
            scored: false,
            player: Some("Tadic".to_owned().try_into().unwrap()),
            minute: None,
        });
        let json: serde_json::Value = serde_json::from_slice(&update(&kick).ws[2..]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"m":42,"s":31,"k":"kick","t":"h","sc":[1,1],"p":"Tadic","ok":false,
                               "pn":[4,3]})
        );
    }

    #[test]
    fn close_reasons_are_cut_to_the_protocol_limit() {
        let frame = close_frame(CloseCode::Policy, &"x".repeat(300));
        assert_eq!(frame.len(), 2 + 2 + 123);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn any_text_is_a_client_message_or_an_error(text in "\\PC{0,200}") {
            let _ = serde_json::from_str::<ClientMessage>(&text);
        }

        #[test]
        fn subscribe_messages_keep_only_valid_ids(
            ids in prop::collection::vec(any::<i64>(), 0..5),
            key in any::<i64>(),
            seq in any::<i64>(),
        ) {
            let text = format!(r#"{{"op":"subscribe","matches":{ids:?},"since":{{"{key}":{seq}}}}}"#);
            let parsed = serde_json::from_str::<ClientMessage>(&text);
            let valid = ids.iter().all(|id| *id > 0) && key > 0 && seq >= 0;
            prop_assert_eq!(parsed.is_ok(), valid, "{}", text);
        }
    }
}
