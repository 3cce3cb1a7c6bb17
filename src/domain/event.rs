//! Match events: what an operator posts, and what is stored and broadcast.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

mod corrections;
mod stored;

use corrections::parse_amend;
pub use corrections::{Amend, Void};
pub use stored::{EventState, StoredEvent};

use super::basketball::events::{Foul, Points, Timeout};
use super::countdown::{ClockSet, RemainingMs};
use super::ice_hockey::events::{Assists, Penalty, Shot, Strength};
use super::lifecycle::StatusChange;
use super::period_name::PeriodName;
use super::rally::Point;
use super::{parse_json, FieldError, Goals, Minute, Name, Seq, Side};

/// A card's color.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CardColor {
    Yellow,
    Red,
    /// A second yellow card to the same player, which sends them off: derived when a second
    /// yellow is posted, also accepted when posted.
    YellowRed,
}

impl CardColor {
    /// Whether the card sends the player off.
    pub fn is_red(self) -> bool {
        matches!(self, Self::Red | Self::YellowRed)
    }
}

/// How a goal was scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GoalMethod {
    #[default]
    Regular,
    /// Scored into a side's own goal: the event's `team` is the side credited with it.
    OwnGoal,
    Penalty,
}

/// `{"kind":"start"}`: starts a match of any sport; tennis names the first `server` (required
/// there), volleyball may (home by default); the other sports have no server (422).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minute: Option<Minute>,
    /// Tennis and volleyball: the side serving first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<Side>,
}

/// A kickoff or end: only the optional minute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Moment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minute: Option<Minute>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Goal {
    /// The side credited with the goal (for an own goal, the other side's player scored it).
    pub team: Side,
    pub minute: Minute,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub player: Option<Name>,
    /// `regular` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<GoalMethod>,
    /// Football only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assist: Option<Name>,
    /// Ice hockey only: even (the default), power play or short-handed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strength: Option<Strength>,
    /// Ice hockey only: scored into a net its goaltender had left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty_net: Option<bool>,
    /// Ice hockey only: up to two players credited with an assist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assists: Option<Assists>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Card {
    pub team: Side,
    pub player: Name,
    pub color: CardColor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minute: Option<Minute>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Substitution {
    pub team: Side,
    pub player_in: Name,
    pub player_out: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minute: Option<Minute>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodChange {
    pub period: PeriodName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minute: Option<Minute>,
    /// Basketball and ice hockey: the length of the period's countdown clock, which starts full
    /// and stopped. Derived from the format when the event is stored, so that its compact update
    /// can set a page's clock; refused when posted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(read_only)]
    pub clock_ms: Option<RemainingMs>,
}

/// A kick of the penalty shoot-out, scored or missed: it counts in the shoot-out, not in the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Kick {
    pub team: Side,
    pub scored: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub player: Option<Name>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minute: Option<Minute>,
}

/// Sets the score outright: corrections, and sports whose scoring is not one goal at a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreSet {
    pub home: Goals,
    pub away: Goals,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minute: Option<Minute>,
}

/// An event that takes nothing but its kind (`confirm`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Bare {}

/// The minimum added time announced for the current period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddedTime {
    pub minutes: AddedMinutes,
}

/// Announced added time, 1..=30 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct AddedMinutes(u8);

/// Most added time an official announces, with room to spare (the longest seen are about 20).
const MAX_ADDED_MINUTES: i64 = 30;

impl TryFrom<i64> for AddedMinutes {
    type Error = String;

    fn try_from(raw: i64) -> Result<Self, Self::Error> {
        if (1..=MAX_ADDED_MINUTES).contains(&raw) {
            Ok(Self(raw as u8))
        } else {
            Err(format!("must be between 1 and {MAX_ADDED_MINUTES}, got {raw}"))
        }
    }
}

impl From<AddedMinutes> for i64 {
    fn from(m: AddedMinutes) -> Self {
        i64::from(m.0)
    }
}

impl utoipa::PartialSchema for AddedMinutes {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        super::fields::integer_schema(1, Some(MAX_ADDED_MINUTES), "Announced added time, minutes")
    }
}

impl ToSchema for AddedMinutes {}

/// One match event, as posted by an operator (`{"kind": "goal", "team": "home", "minute": 67}`).
///
/// Parsing this type is the validation: every field is a parsed domain value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// Starts a match of any sport.
    Start(StartBody),
    /// A lifecycle change: delayed, postponed, interrupted, suspended, resumed, abandoned,
    /// cancelled, awarded.
    Status(StatusChange),
    Void(Void),
    Amend(Amend),
    /// Makes the result final.
    Confirm(Bare),
    AddedTime(AddedTime),
    /// A fixture change (what `PATCH` stores): the changed keys.
    Match(super::MatchPatch),
    /// Football's start (`start` works too).
    Kickoff(Moment),
    Goal(Goal),
    Card(Card),
    Substitution(Substitution),
    Period(PeriodChange),
    Score(ScoreSet),
    Kick(Kick),
    End(Moment),
    /// Basketball: a basket or free throw.
    Points(Points),
    /// Basketball and ice hockey: the game clock, as the operator starts, stops or sets it.
    Clock(ClockSet),
    /// Basketball: a personal foul.
    Foul(Foul),
    /// Basketball: a team's timeout.
    Timeout(Timeout),
    /// Ice hockey: a penalty.
    Penalty(Penalty),
    /// Ice hockey: an attempt of the shoot-out.
    Shot(Shot),
    /// Tennis and volleyball: a point won by `team`.
    Point(Point),
}

/// Every `kind` an event may have, in any sport.
pub const KINDS: [&str; 22] = [
    "start",
    "status",
    "void",
    "amend",
    "confirm",
    "match",
    "added_time",
    "kickoff",
    "goal",
    "card",
    "substitution",
    "period",
    "score",
    "kick",
    "end",
    "points",
    "clock",
    "foul",
    "timeout",
    "penalty",
    "shot",
    "point",
];

/// The kinds every sport has: the lifecycle, corrections and fixture changes.
pub const CORE_KINDS: [&str; 6] = ["start", "status", "void", "amend", "confirm", "match"];

impl EventKind {
    /// Parses a posted event. The `kind` picks the variant; errors name the field at fault.
    pub fn from_json(value: Value) -> Result<Self, FieldError> {
        let Value::Object(mut fields) = value else {
            return Err(FieldError::whole("an event must be a JSON object"));
        };
        let kind = match fields.remove("kind") {
            Some(Value::String(kind)) => kind,
            Some(_) => return Err(FieldError::at("kind", "must be a string")),
            None => {
                return Err(FieldError::at("kind", format!("missing; one of {}", KINDS.join(", "))))
            }
        };
        let rest = Value::Object(fields);
        let event = match kind.as_str() {
            "start" => parse_json(rest).map(Self::Start),
            "status" => parse_json(rest).map(Self::Status),
            "void" => parse_json(rest).map(Self::Void),
            "amend" => parse_amend(rest),
            "confirm" => parse_json(rest).map(Self::Confirm),
            "match" => parse_json(rest).map(Self::Match),
            "added_time" => parse_json(rest).map(Self::AddedTime),
            "kickoff" => parse_json(rest).map(Self::Kickoff),
            "goal" => parse_json(rest).map(Self::Goal),
            "card" => parse_json(rest).map(Self::Card),
            "substitution" => parse_json(rest).map(Self::Substitution),
            "period" => parse_json(rest).map(Self::Period),
            "score" => parse_json(rest).map(Self::Score),
            "kick" => parse_json(rest).map(Self::Kick),
            "end" => parse_json(rest).map(Self::End),
            "points" => parse_json(rest).map(Self::Points),
            "clock" => parse_json(rest).map(Self::Clock),
            "foul" => parse_json(rest).map(Self::Foul),
            "timeout" => parse_json(rest).map(Self::Timeout),
            "penalty" => parse_json(rest).map(Self::Penalty),
            "shot" => parse_json(rest).map(Self::Shot),
            "point" => parse_json(rest).map(Self::Point),
            other => Err(FieldError::at(
                "kind",
                format!("unknown kind {other:?}; one of {}", KINDS.join(", ")),
            )),
        }?;
        if let Self::Status(change) = &event {
            change.check_fields()?;
        }
        Ok(event)
    }

    /// What the event changes of the match's metadata: a `match` event's keys, a postponement's
    /// new kickoff.
    pub fn meta_change(&self) -> Option<super::MatchPatch> {
        match self {
            Self::Match(patch) => Some(patch.clone()),
            Self::Status(change) if change.kickoff_at.is_some() => {
                Some(super::MatchPatch { kickoff_at: change.kickoff_at, ..Default::default() })
            }
            _ => None,
        }
    }

    /// Whether the event corrects another one (`void`, `amend`).
    pub fn is_correction(&self) -> bool {
        matches!(self, Self::Void(_) | Self::Amend(_))
    }

    /// The event a correction targets.
    pub fn target(&self) -> Option<Seq> {
        match self {
            Self::Void(v) => Some(v.target),
            Self::Amend(a) => Some(a.target),
            _ => None,
        }
    }

    /// The kind's name as it appears on the wire and in metrics.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Start(_) => "start",
            Self::Status(_) => "status",
            Self::Void(_) => "void",
            Self::Amend(_) => "amend",
            Self::Confirm(_) => "confirm",
            Self::Match(_) => "match",
            Self::AddedTime(_) => "added_time",
            Self::Kickoff(_) => "kickoff",
            Self::Goal(_) => "goal",
            Self::Card(_) => "card",
            Self::Substitution(_) => "substitution",
            Self::Period(_) => "period",
            Self::Score(_) => "score",
            Self::Kick(_) => "kick",
            Self::End(_) => "end",
            Self::Points(_) => "points",
            Self::Clock(_) => "clock",
            Self::Foul(_) => "foul",
            Self::Timeout(_) => "timeout",
            Self::Penalty(_) => "penalty",
            Self::Shot(_) => "shot",
            Self::Point(_) => "point",
        }
    }

    pub fn minute(&self) -> Option<Minute> {
        match self {
            Self::Goal(goal) => Some(goal.minute),
            Self::Kickoff(m) | Self::End(m) => m.minute,
            Self::Start(start) => start.minute,
            Self::Status(_) | Self::Void(_) | Self::Confirm(_) | Self::AddedTime(_) => None,
            Self::Match(_) => None,
            Self::Amend(a) => a.event.minute(),
            Self::Card(card) => card.minute,
            Self::Substitution(sub) => sub.minute,
            Self::Period(change) => change.minute,
            Self::Score(set) => set.minute,
            Self::Kick(kick) => kick.minute,
            Self::Penalty(penalty) => penalty.minute,
            Self::Points(_)
            | Self::Clock(_)
            | Self::Foul(_)
            | Self::Timeout(_)
            | Self::Shot(_)
            | Self::Point(_) => None,
        }
    }
}

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
