//! A match's live state as the REST API shows it: the same keys for every sport.

use serde::{Serialize, Serializer};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{Award, LinePeriod, LiveState, Minute, Reason, Score, Seq, Status};

/// The live part of a match in the REST API (`status`, `score`, `periods`, ...).
#[derive(Serialize, ToSchema)]
#[schema(as = LiveState)]
pub struct LiveView {
    pub status: Status,
    /// The result is final: after it only `awarded` (which clears it) and PATCH are accepted.
    pub confirmed: bool,
    /// Why the status last changed, as the operator said (delays, postponements, stops).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// An awarded result's winner and method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub award: Option<Award>,
    /// The current period, by the sport's names (football: `first_half`, `half_time`, ...).
    pub period: Option<&'static str>,
    pub minute: Option<Minute>,
    /// When the current period began (shifted by the time play was stopped): with `period`, what
    /// a page needs to run a live clock between events.
    #[serde(with = "time::serde::rfc3339::option")]
    pub period_started_at: Option<OffsetDateTime>,
    /// The added time announced for the current period, in minutes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added_time: Option<u8>,
    /// The headline result: goals in football.
    pub score: Score,
    /// The line score: each period in order with its score.
    pub periods: Vec<LinePeriod>,
    /// The penalty shoot-out, kept apart from `score`: present from the `penalties` period on.
    #[schema(value_type = Option<super::ShootoutBody>)]
    pub shootout: Option<super::Shootout>,
    /// Basketball and ice hockey: the countdown clock, as it showed `at`; it runs on from there
    /// only while `running`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock: Option<super::Countdown>,
    /// Basketball: each team's fouls in the period with the bonus, and each player's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fouls: Option<super::basketball::FoulsView>,
    /// Basketball: timeouts taken by each team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeouts: Option<super::basketball::PerSide>,
    /// Tennis and volleyball: the side serving the next point (none once the match is over).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<super::Side>,
    /// Tennis: the current game's points, `["40","A"]` (`"0"`, `"15"`, `"30"`, `"40"`, `"A"`
    /// for advantage), or a tiebreak's points as numbers (`[5,4]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<serde_json::Value>>)]
    pub game: Option<[super::GamePoint; 2]>,
    /// Ice hockey: the penalties called, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub penalties: Option<Vec<super::ice_hockey::PenaltyRecord>>,
    /// Sequence number of the last event; 0 before the first.
    pub seq: Seq,
}

impl LiveView {
    pub fn of(live: &LiveState) -> Self {
        let keys = live.play().rules().keys();
        Self {
            status: live.status,
            confirmed: live.confirmed,
            reason: live.reason.clone(),
            award: live.award,
            period: live.period(),
            minute: live.minute(),
            period_started_at: live.period_started_at(),
            added_time: live.added_time(),
            score: live.score(),
            periods: live.periods(),
            shootout: live.shootout(),
            clock: live.clock(),
            fouls: live.play().basketball().map(|b| b.fouls()),
            timeouts: live.play().basketball().map(|b| b.timeouts()),
            penalties: live.play().ice_hockey().map(|h| h.penalties().to_vec()),
            server: keys.as_ref().and_then(|k| k.sv).map(|sv| match sv {
                super::Short::Home => super::Side::Home,
                super::Short::Away => super::Side::Away,
            }),
            game: live.play().tennis().and_then(|t| t.game()),
            seq: live.seq,
        }
    }
}

/// Serializes a state as its view, for `#[serde(serialize_with)]`.
pub fn serialize_view<S: Serializer>(live: &&LiveState, s: S) -> Result<S::Ok, S::Error> {
    LiveView::of(live).serialize(s)
}
