//! The messages the server sends: updates, snapshots, resume announcements and errors.

use serde::Serialize;

use super::Encoded;
use crate::domain::{
    unix_millis, CardColor, EventKind, EventState, GoalMethod, LiveState, MatchId, MatchMeta,
    Period, PeriodName, Score, Seq, Side, Sport, Status, StoredEvent, Timed, Timestamp,
};

mod audience;
mod clocked;
mod sets;

pub use audience::watching;

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
    /// Basketball: a basket's points (1, 2 or 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    v: Option<u8>,
    /// Ice hockey: a penalty's minutes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pm: Option<u8>,
    /// Basketball and ice hockey: the countdown clock after the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    ck: Option<clocked::ClockKey>,
    /// Tennis and volleyball: the set's score, the game's points, the server.
    #[serde(flatten)]
    play: Option<sets::Keys<'a>>,
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
        v: None,
        pm: None,
        ck: clocked::clock_after(event),
        play: None,
    };
    describe(&mut update, &event.kind);
    match &event.kind {
        // A match starts at its minute 0: its update leaves the minute out.
        EventKind::Start(_) | EventKind::Kickoff(_) => {
            update.mn = None;
            entering(&mut update, Period::FirstHalf.into(), event.recorded_at);
        }
        EventKind::Period(change) => entering(&mut update, change.period, event.recorded_at),
        EventKind::End(_) => update.st = Some(Status::Finished.as_str()),
        EventKind::AddedTime(added) => update.added = Some(i64::from(added.minutes)),
        _ => {}
    }
    match (&event.kind, &event.state) {
        // A status change says what it changed: the status, the clock when play resumes (moved by
        // the stoppage), the kickoff when it moved; a confirmation only that.
        (EventKind::Status(_), Some(state)) => {
            update.st = Some(state.status.as_str());
            if state.status == Status::Live {
                update.pt = clock_start(state.period.as_deref(), state.period_started_at);
            }
        }
        (EventKind::Confirm(_), Some(_)) => update.cf = Some(true),
        // The start and corrections carry the whole state they left the match in, so that clients
        // replace theirs from it.
        (_, Some(state)) => with_state(&mut update, state),
        (_, None) => {}
    }
    Encoded::of(&update, Some((event.match_id, event.seq)))
}

/// When the running clock's period began (`pt`), in a period whose clock runs: not in a break nor
/// in the shoot-out, nor in a period of a countdown clock (`ck` is that clock); a period of
/// another sport as its state gives it.
fn clock_start(period: Option<&str>, started_at: Option<time::OffsetDateTime>) -> Option<i64> {
    let countdown = period.and_then(Timed::parse).is_some();
    let runs = !countdown && period.and_then(Period::parse).is_none_or(Period::has_clock);
    started_at.filter(|_| runs).map(unix_millis)
}

/// A period begins: the status it puts the match in, its compact code, and when its clock started
/// (for a period with a clock).
fn entering(update: &mut Update<'_>, period: PeriodName, at: time::OffsetDateTime) {
    let status = if period.is_break() { Status::HalfTime } else { Status::Live };
    update.st = Some(status.as_str());
    update.pd = Some(Period::code_of(period.as_str()));
    // Football's clock counts up from when its period began; a countdown clock is the operator's.
    let counts_up = matches!(period, PeriodName::Football(p) if p.has_clock());
    update.pt = counts_up.then(|| unix_millis(at));
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
        EventKind::Point(point) => sets::describe_point(update, point),
        _ => clocked::describe_clocked(update, kind),
    }
}

fn with_state<'a>(update: &mut Update<'a>, state: &'a EventState) {
    update.st = Some(state.status.as_str());
    update.pd = state.period.as_deref().map(Period::code_of);
    update.pt = clock_start(state.period.as_deref(), state.period_started_at);
    update.added = state.added_time;
    update.cf = state.confirmed.then_some(true);
    update.play = state.play.as_ref().map(sets::keys);
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
    /// Basketball and ice hockey: the countdown clock.
    #[serde(skip_serializing_if = "Option::is_none")]
    ck: Option<clocked::ClockKey>,
    /// Basketball: each team's fouls in the current period.
    #[serde(skip_serializing_if = "Option::is_none")]
    tf: Option<[u16; 2]>,
    home: &'a str,
    away: &'a str,
    comp: &'a str,
    #[serde(with = "time::serde::rfc3339")]
    ko: time::OffsetDateTime,
    /// Present on answers to a resume: `false` when the missed events could not be replayed.
    #[serde(skip_serializing_if = "Option::is_none")]
    rec: Option<bool>,
    /// Tennis and volleyball: the set's score, the game's points, the server.
    #[serde(flatten)]
    play: Option<sets::Keys<'a>>,
}

/// A match's current state in compact form: sent on subscribe, in place of updates a slow client
/// skipped, and (with `recovered: Some(false)`) when a resume could not be served.
pub fn snapshot(meta: &MatchMeta, live: &LiveState, recovered: Option<bool>) -> Encoded {
    let play = sets::keys_now(live);
    let message = SnapshotMessage {
        m: meta.id,
        s: live.seq,
        k: "snapshot",
        st: live.status.as_str(),
        pd: live.period().map(Period::code_of),
        mn: live.minute().map(i64::from),
        pt: clock_start(live.period(), live.period_started_at()),
        sc: pair(live.score()),
        pn: live.shootout().map(|s| pair(s.tally())),
        added: live.added_time().map(i64::from),
        cf: live.confirmed.then_some(true),
        sp: (meta.sport != Sport::Football).then(|| meta.sport.as_str()),
        ck: clocked::clock_now(live),
        tf: clocked::team_fouls(live),
        home: &meta.home,
        away: &meta.away,
        comp: &meta.competition,
        ko: meta.kickoff_at,
        rec: recovered,
        play: play.as_ref().map(sets::keys),
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
mod tests;

#[cfg(test)]
mod sizes;
