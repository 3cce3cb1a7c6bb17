//! Match events: what an operator posts, and what is stored and broadcast.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::football::Period;
use super::lifecycle::{Reason, Status, StatusChange};
use super::{parse_json, FieldError, Goals, MatchId, Minute, Name, Score, Seq, Side};

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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assist: Option<Name>,
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
    pub period: Period,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minute: Option<Minute>,
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

/// `{"kind":"void","target":N}`: event `N` no longer counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Void {
    pub target: Seq,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
}

/// `{"kind":"amend","target":N,"event":{...}}`: event `N` is replaced by `event`, of its kind.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Amend {
    pub target: Seq,
    #[schema(schema_with = amended_event_schema)]
    pub event: Box<EventKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AmendBody {
    target: Seq,
    event: Value,
    #[serde(default)]
    reason: Option<Reason>,
}

impl<'de> Deserialize<'de> for Amend {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let body = AmendBody::deserialize(d)?;
        let event = EventKind::from_json(body.event).map_err(serde::de::Error::custom)?;
        if event.is_correction() {
            return Err(serde::de::Error::custom(
                "a correction cannot be amended into another one",
            ));
        }
        Ok(Self { target: body.target, event: Box::new(event), reason: body.reason })
    }
}

/// The schema of an amend's `event`: any kind but a correction. Each kind's schema is the one the
/// OpenAPI generator names `EventKind{Kind}` (`crate::openapi`, `tagged.rs`).
fn amended_event_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::{schema::OneOfBuilder, Ref};
    let pascal = |kind: &str| -> String {
        kind.split('_').map(|w| w[..1].to_uppercase() + &w[1..]).collect()
    };
    KINDS
        .iter()
        .filter(|kind| !["void", "amend"].contains(kind))
        .fold(OneOfBuilder::new(), |one_of, kind| {
            one_of.item(Ref::from_schema_name(format!("EventKind{}", pascal(kind))))
        })
        .description(Some("The corrected event, of the target's kind; not a correction"))
        .into()
}

/// Parses an amend's body, naming a field of the corrected event as `event.<field>`.
fn parse_amend(rest: Value) -> Result<EventKind, FieldError> {
    let body: AmendBody = parse_json(rest)?;
    let event = EventKind::from_json(body.event).map_err(|e| {
        let field = format!("event.{}", e.field.as_deref().unwrap_or("kind"));
        FieldError { detail: format!("event: {}", e.detail), field: Some(field) }
    })?;
    if event.is_correction() {
        return Err(FieldError::at(
            "event.kind",
            "a correction cannot be amended into another one",
        ));
    }
    Ok(EventKind::Amend(Amend { target: body.target, event: Box::new(event), reason: body.reason }))
}

/// One match event, as posted by an operator (`{"kind": "goal", "team": "home", "minute": 67}`).
///
/// Parsing this type is the validation: every field is a parsed domain value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// Starts a match of any sport.
    Start(Moment),
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
}

/// Every `kind` an event may have, in any sport.
pub const KINDS: [&str; 15] = [
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
        }
    }

    pub fn minute(&self) -> Option<Minute> {
        match self {
            Self::Goal(goal) => Some(goal.minute),
            Self::Kickoff(m) | Self::End(m) | Self::Start(m) => m.minute,
            Self::Status(_) | Self::Void(_) | Self::Confirm(_) | Self::AddedTime(_) => None,
            Self::Match(_) => None,
            Self::Amend(a) => a.event.minute(),
            Self::Card(card) => card.minute,
            Self::Substitution(sub) => sub.minute,
            Self::Period(change) => change.minute,
            Self::Score(set) => set.minute,
            Self::Kick(kick) => kick.minute,
        }
    }
}

/// An event as stored, returned by the API and replayed to clients.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StoredEvent {
    pub match_id: MatchId,
    pub seq: Seq,
    #[serde(flatten)]
    pub kind: EventKind,
    /// The score after this event.
    pub score: Score,
    /// The penalty shoot-out's score after this event, from the `penalties` period on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shootout: Option<Score>,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// Lifecycle and correction events: where the match stands after this event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<EventState>,
    /// Events that change the match's metadata (`match`, a postponement's new kickoff): the
    /// metadata revision they made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<i64>,
    /// Derived, never stored: the `void` that made this event no longer count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voided_by: Option<Seq>,
    /// Derived, never stored: the latest `amend` that replaced this event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amended_by: Option<Seq>,
}

/// The state a lifecycle or correction event left the match in: what its compact update carries
/// besides the score, so that it can be replayed from storage as it was sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventState {
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub period_started_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_time: Option<i64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub confirmed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goal_parses_with_and_without_player() {
        let goal = parse(r#"{"kind":"goal","team":"home","minute":67,"player":"Lang"}"#).unwrap();
        assert_eq!(goal.name(), "goal");
        assert_eq!(goal.minute(), Some(Minute::try_from(67).unwrap()));
        let bare = parse(r#"{"kind":"goal","team":"away","minute":3}"#).unwrap();
        assert!(matches!(bare, EventKind::Goal(Goal { player: None, .. })));
    }

    fn parse(json: &str) -> Result<EventKind, FieldError> {
        EventKind::from_json(serde_json::from_str(json).unwrap())
    }

    #[test]
    fn invalid_fields_are_rejected_by_name() {
        for (body, field) in [
            (r#"{"kind":"goal","team":"home"}"#, Some("minute")),
            (r#"{"kind":"goal","team":"middle","minute":3}"#, Some("team")),
            (r#"{"kind":"goal","team":"home","minute":201}"#, Some("minute")),
            (r#"{"kind":"card","team":"home","player":"X","color":"blue"}"#, Some("color")),
            (r#"{"kind":"penalty_shootout"}"#, Some("kind")),
            (r#"{"kind":"kick","team":"home","scored":"yes"}"#, Some("scored")),
            (r#"{"kind":"kick","team":"home"}"#, Some("scored")),
            (r#"{"team":"home"}"#, Some("kind")),
            (r#"{"kind":"end","surprise":1}"#, Some("surprise")),
            (r#"[1]"#, None),
        ] {
            let err = parse(body).expect_err(body);
            assert_eq!(err.field.as_deref(), field, "{body}: {err}");
        }
    }

    #[test]
    fn stored_events_read_back_as_written() {
        let kind =
            parse(r#"{"kind":"card","team":"away","player":"Kees","color":"red","minute":3}"#)
                .unwrap();
        let event = StoredEvent {
            match_id: MatchId::try_from(4).unwrap(),
            seq: Seq::try_from(9).unwrap(),
            kind,
            score: Score::default(),
            shootout: None,
            recorded_at: OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap(),
            state: None,
            revision: None,
            voided_by: None,
            amended_by: None,
        };
        let back: StoredEvent =
            serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
        assert_eq!(
            (back.match_id, back.seq, back.kind, back.recorded_at),
            (event.match_id, event.seq, event.kind, event.recorded_at)
        );
    }

    #[test]
    fn events_serialize_with_their_kind() {
        let goal = parse(r#"{"kind":"goal","team":"home","minute":67}"#).unwrap();
        let json = serde_json::to_value(&goal).unwrap();
        assert_eq!(json, serde_json::json!({"kind":"goal","team":"home","minute":67}));
    }

    #[test]
    fn an_amend_carries_an_event_and_never_a_correction() {
        let amend = parse(
            r#"{"kind":"amend","target":4,"event":{"kind":"goal","team":"home","minute":9,"player":"Lang"}}"#,
        )
        .unwrap();
        assert_eq!(amend.target().map(Seq::get), Some(4));
        let nested = parse(r#"{"kind":"amend","target":4,"event":{"kind":"void","target":3}}"#);
        assert_eq!(nested.unwrap_err().field.as_deref(), Some("event.kind"));
        let bad = parse(r#"{"kind":"amend","target":4,"event":{"kind":"goal","team":"up"}}"#);
        assert!(bad.is_err());
        assert!(parse(r#"{"kind":"added_time","minutes":31}"#).is_err());
        assert!(parse(r#"{"kind":"added_time","minutes":4}"#).is_ok());
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use serde_json::{json, Value};

    use super::*;

    /// Any JSON value, biased towards objects that look like events.
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|f| json!(f)),
            "[a-z_]{0,12}".prop_map(Value::String),
            prop_oneof![Just("home"), Just("away"), Just("goal"), Just("card"), Just("red")]
                .prop_map(|s| json!(s)),
        ];
        leaf.prop_recursive(3, 32, 6, |inner| {
            let key = prop_oneof![
                Just("kind".to_owned()),
                Just("team".to_owned()),
                Just("minute".to_owned()),
                Just("player".to_owned()),
                Just("color".to_owned()),
                "[a-z]{1,8}",
            ];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(key, inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_json_parses_into_an_event_or_an_error_that_says_why(value in json_value()) {
            match EventKind::from_json(value) {
                Ok(kind) => {
                    // A parsed event serializes back into something that parses the same way.
                    let again = EventKind::from_json(serde_json::to_value(&kind).unwrap()).unwrap();
                    prop_assert_eq!(again, kind);
                }
                Err(err) => prop_assert!(!err.detail.is_empty()),
            }
        }

        #[test]
        fn any_kind_with_any_fields_never_panics(
            kind in prop::sample::select(KINDS.to_vec()),
            minute in any::<i64>(),
            team in "[a-z]{0,6}",
        ) {
            let value = json!({"kind": kind, "minute": minute, "team": team});
            if let Err(err) = EventKind::from_json(value) {
                prop_assert!(err.field.is_some() || !err.detail.is_empty());
            }
        }
    }
}
