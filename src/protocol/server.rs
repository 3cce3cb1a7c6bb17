//! The messages the server sends: updates, snapshots, resume announcements and errors.

use serde::Serialize;

use super::Encoded;
use crate::domain::{
    unix_millis, CardColor, EventKind, EventState, GoalMethod, LiveState, MatchId, MatchMeta,
    Period, Score, Seq, Side, Sport, Status, StoredEvent, Timestamp,
};

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
    pd: Option<&'a str>,
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
    /// A goal's method, when not regular: `og` (own goal), `pen` (penalty).
    #[serde(skip_serializing_if = "Option::is_none")]
    gm: Option<&'static str>,
    /// Added time announced for the current period, in minutes.
    #[serde(rename = "at", skip_serializing_if = "Option::is_none")]
    added: Option<i64>,
    /// A correction: the sequence number of the event it voids or amends.
    #[serde(skip_serializing_if = "Option::is_none")]
    of: Option<Seq>,
    /// The result is confirmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    cf: Option<bool>,
    /// A fixture change (`match`): the changed names, kickoff and sport.
    #[serde(skip_serializing_if = "Option::is_none")]
    home: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    away: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comp: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    ko: Option<time::OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sp: Option<&'static str>,
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
        gm: None,
        added: None,
        of: event.kind.target(),
        cf: None,
        home: None,
        away: None,
        comp: None,
        ko: None,
        sp: None,
    };
    describe(&mut update, &event.kind);
    match &event.kind {
        EventKind::Kickoff(_) => {
            update.pt = Some(unix_millis(event.recorded_at));
            update.st = Some(Status::Live.as_str());
            update.pd = Some(Period::FirstHalf.as_str());
        }
        EventKind::Period(change) => {
            update.pt = Some(unix_millis(event.recorded_at));
            let status = if change.period.is_break() { Status::HalfTime } else { Status::Live };
            update.st = Some(status.as_str());
            update.pd = Some(change.period.as_str());
        }
        EventKind::End(_) => update.st = Some(Status::Finished.as_str()),
        EventKind::AddedTime(added) => update.added = Some(i64::from(added.minutes)),
        _ => {}
    }
    // Lifecycle and correction events carry the state they left the match in, so that clients
    // replace theirs from it.
    if let Some(state) = &event.state {
        with_state(&mut update, state);
    }
    Encoded::of(&update, Some((event.match_id, event.seq)))
}

/// The keys that describe what happened: the side, the players, the card.
fn describe<'a>(update: &mut Update<'a>, kind: &'a EventKind) {
    match kind {
        EventKind::Goal(goal) => {
            update.t = side(goal.team);
            // The scorer, so that no client has to ask the history for it on every goal.
            update.p = goal.player.as_ref().map(|p| p.as_ref());
            update.gm = match goal.method {
                Some(GoalMethod::OwnGoal) => Some("og"),
                Some(GoalMethod::Penalty) => Some("pen"),
                Some(GoalMethod::Regular) | None => None,
            };
        }
        EventKind::Card(card) => {
            update.t = side(card.team);
            update.p = Some(card.player.as_ref());
            update.c = Some(match card.color {
                CardColor::Yellow => "y",
                CardColor::Red => "r",
                CardColor::YellowRed => "yr",
            });
        }
        EventKind::Substitution(sub) => {
            update.t = side(sub.team);
            update.p = Some(sub.player_in.as_ref());
            update.po = Some(sub.player_out.as_ref());
        }
        EventKind::Kick(kick) => {
            update.t = side(kick.team);
            update.p = kick.player.as_ref().map(|p| p.as_ref());
            update.ok = Some(kick.scored);
        }
        // An amend says what the event now is, in the same keys.
        EventKind::Amend(amend) => describe(update, &amend.event),
        EventKind::Match(patch) => {
            update.home = patch.home.as_ref().map(|n| n.as_ref());
            update.away = patch.away.as_ref().map(|n| n.as_ref());
            update.comp = patch.competition.as_ref().map(|n| n.as_ref());
            update.ko = patch.kickoff_at.map(Timestamp::get);
            update.sp = patch.sport.map(Sport::as_str);
        }
        EventKind::Status(change) => update.ko = change.kickoff_at.map(Timestamp::get),
        _ => {}
    }
}

fn with_state<'a>(update: &mut Update<'a>, state: &'a EventState) {
    update.st = Some(state.status.as_str());
    update.pd = state.period.as_deref();
    update.pt = state.period_started_at.map(unix_millis);
    update.added = state.added_time;
    update.cf = state.confirmed.then_some(true);
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
    /// Added time announced for the current period, in minutes.
    #[serde(rename = "at", skip_serializing_if = "Option::is_none")]
    added: Option<i64>,
    /// The result is confirmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    cf: Option<bool>,
    /// The sport, for every sport but football (which clients of the first release assume).
    #[serde(skip_serializing_if = "Option::is_none")]
    sp: Option<&'static str>,
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
        pd: live.period(),
        mn: live.minute().map(i64::from),
        pt: live.period_started_at().map(unix_millis),
        sc: pair(live.score()),
        pn: live.shootout().map(|s| pair(s.tally())),
        added: live.added_time().map(i64::from),
        cf: live.confirmed.then_some(true),
        sp: (meta.sport != Sport::Football).then(|| meta.sport.as_str()),
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
                method: None,
                assist: None,
            }),
            score: Score { home: 10.try_into().unwrap(), away: 11.try_into().unwrap() },
            shootout: None,
            recorded_at: time::OffsetDateTime::now_utc(),
            state: None,
            revision: None,
            voided_by: None,
            amended_by: None,
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
}

#[cfg(test)]
mod sizes {
    //! The largest compact message of each kind, with ids below 10^7, `s` below 10^4 and names of
    //! 25 characters: at most 100 bytes for a stored event's update, 400 for snapshots, `match`
    //! and corrections. docs/protocol.md reports these figures.

    use serde_json::json;
    use time::OffsetDateTime;

    use super::*;
    use crate::domain::{EventKind, LiveState, MatchPatch, Sport};

    const NAME: &str = "Abcdefghij Klmnopqrst Uvw";

    fn at() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
            + time::Duration::milliseconds(123)
    }

    /// The largest state a football match reaches: a shoot-out in the second half of extra time
    /// stopped, with added time announced and the result confirmed.
    fn worst_state() -> EventState {
        EventState {
            status: Status::Interrupted,
            period: Some("extra_time_second_half".into()),
            period_started_at: Some(at()),
            added_time: Some(30),
            confirmed: true,
        }
    }

    /// The update's size; `in_shootout` adds the shoot-out's tally, as every update from the
    /// `penalties` period on carries.
    fn size(kind: EventKind, state: Option<EventState>) -> usize {
        let in_shootout = matches!(
            kind,
            EventKind::Kick(_)
                | EventKind::End(_)
                | EventKind::Void(_)
                | EventKind::Amend(_)
                | EventKind::Status(_)
                | EventKind::Confirm(_)
        );
        let name = kind.name();
        let event = StoredEvent {
            match_id: MatchId::try_from(9_999_999).unwrap(),
            seq: Seq::try_from(9_999).unwrap(),
            kind,
            score: Score { home: 99.try_into().unwrap(), away: 99.try_into().unwrap() },
            shootout: in_shootout
                .then(|| Score { home: 99.try_into().unwrap(), away: 99.try_into().unwrap() }),
            recorded_at: at(),
            state,
            revision: None,
            voided_by: None,
            amended_by: None,
        };
        let bytes = update(&event).json().len();
        eprintln!("largest {name}: {bytes} bytes");
        bytes
    }

    fn kind(value: serde_json::Value) -> EventKind {
        EventKind::from_json(value).unwrap()
    }

    /// The largest update of every kind, as measured here.
    fn largest_updates() -> Vec<(&'static str, usize)> {
        let goal = json!({"kind":"goal","team":"home","minute":120,"player":NAME,"method":"own_goal","assist":NAME});
        let plain = [
            json!({"kind":"start","minute":120}),
            json!({"kind":"kickoff","minute":120}),
            goal.clone(),
            json!({"kind":"card","team":"home","player":NAME,"color":"yellow_red","minute":120}),
            json!({"kind":"substitution","team":"away","player_in":NAME,"player_out":NAME,"minute":120}),
            json!({"kind":"period","period":"extra_time_second_half","minute":120}),
            json!({"kind":"score","home":99,"away":99,"minute":120}),
            json!({"kind":"kick","team":"away","scored":false,"player":NAME,"minute":120}),
            json!({"kind":"added_time","minutes":30}),
            json!({"kind":"end","minute":120}),
        ];
        let with_state = [
            json!({"kind":"status","status":"postponed","kickoff_at":"2027-01-09T14:30:00Z"}),
            json!({"kind":"confirm"}),
            json!({"kind":"void","target":9998,"reason":"x".repeat(200)}),
            json!({"kind":"amend","target":9998,"event":goal}),
        ];
        let mut sizes: Vec<(&'static str, usize)> = plain
            .into_iter()
            .map(kind)
            .map(|k| (k.name(), size(k, None)))
            .chain(
                with_state.into_iter().map(kind).map(|k| (k.name(), size(k, Some(worst_state())))),
            )
            .collect();
        let patch = MatchPatch {
            home: Some(NAME.to_owned().try_into().unwrap()),
            away: Some(NAME.to_owned().try_into().unwrap()),
            competition: Some(NAME.to_owned().try_into().unwrap()),
            kickoff_at: Some(Timestamp::try_from("2027-01-15T17:20:00.123Z".to_owned()).unwrap()),
            sport: Some(Sport::Football),
            format: None,
        };
        sizes.push(("match", size(EventKind::Match(patch), None)));
        sizes
    }

    /// docs/protocol.md reports the largest message of each kind; it must say what the code sends,
    /// and snapshots, `match` updates and corrections stay within 400 bytes.
    #[test]
    fn the_largest_update_of_each_kind_is_the_one_docs_report() {
        let measured: Vec<(String, usize)> =
            largest_updates().into_iter().map(|(k, b)| (k.to_owned(), b)).collect();
        let documented: Vec<(String, usize)> =
            crate::doc_tables::rows(include_str!("../../docs/protocol.md"), "<!-- sizes -->")
                .into_iter()
                .map(|cells| (cells[0].clone(), cells[1].parse().unwrap()))
                .filter(|(k, _)| k != "snapshot")
                .collect();
        assert_eq!(documented, measured);
        for (kind, bytes) in measured {
            if ["void", "amend", "match"].contains(&kind.as_str()) {
                assert!(bytes <= 400, "{kind}: {bytes} bytes");
            }
        }
    }

    #[test]
    fn the_largest_snapshot_fits_400_bytes() {
        let meta = MatchMeta {
            id: MatchId::try_from(9_999_999).unwrap(),
            sport: Sport::Football,
            format: json!({}),
            home: NAME.into(),
            away: NAME.into(),
            competition: NAME.into(),
            kickoff_at: at(),
            revision: 0,
        };
        let mut live = LiveState::initial(Sport::Football, &meta.format);
        let kicks = (0..3).flat_map(|_| {
            [
                json!({"kind":"kick","team":"home","scored":true}),
                json!({"kind":"kick","team":"away","scored":false}),
            ]
        });
        let events =
            [json!({"kind":"kickoff","minute":120}), json!({"kind":"period","period":"penalties"})]
                .into_iter()
                .chain(kicks)
                .chain([json!({"kind":"end"}), json!({"kind":"confirm"})]);
        for (i, event) in events.into_iter().enumerate() {
            live = live.apply(&kind(event), at() + time::Duration::seconds(i as i64)).unwrap();
        }
        live.seq = Seq::try_from(9_999).unwrap();
        let bytes = snapshot(&meta, &live, Some(false)).json().len();
        eprintln!("largest snapshot: {bytes} bytes");
        assert!(bytes <= 400, "{bytes} bytes");
    }
}
