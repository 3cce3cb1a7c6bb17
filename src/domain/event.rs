//! Match events: what an operator posts, and what is stored and broadcast.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{parse_json, FieldError, Goals, MatchId, Minute, Name, Score, Seq, Side};

/// A card's color.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CardColor {
    Yellow,
    Red,
}

/// Phase changes announced by a `period` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    FirstHalf,
    HalfTime,
    SecondHalf,
    ExtraTime,
    Penalties,
}

impl Period {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FirstHalf => "first_half",
            Self::HalfTime => "half_time",
            Self::SecondHalf => "second_half",
            Self::ExtraTime => "extra_time",
            Self::Penalties => "penalties",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::FirstHalf, Self::HalfTime, Self::SecondHalf, Self::ExtraTime, Self::Penalties]
            .into_iter()
            .find(|p| p.as_str() == raw)
    }
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
    pub team: Side,
    pub minute: Minute,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub player: Option<Name>,
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

/// One match event, as posted by an operator (`{"kind": "goal", "team": "home", "minute": 67}`).
///
/// Parsing this type is the validation: every field is a parsed domain value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    Kickoff(Moment),
    Goal(Goal),
    Card(Card),
    Substitution(Substitution),
    Period(PeriodChange),
    Score(ScoreSet),
    Kick(Kick),
    End(Moment),
}

/// Every `kind` an event may have.
const KINDS: &str = "kickoff, goal, card, substitution, period, score, kick, end";

impl EventKind {
    /// Parses a posted event. The `kind` picks the variant; errors name the field at fault.
    pub fn from_json(value: Value) -> Result<Self, FieldError> {
        let Value::Object(mut fields) = value else {
            return Err(FieldError::whole("an event must be a JSON object"));
        };
        let kind = match fields.remove("kind") {
            Some(Value::String(kind)) => kind,
            Some(_) => return Err(FieldError::at("kind", "must be a string")),
            None => return Err(FieldError::at("kind", format!("missing; one of {KINDS}"))),
        };
        let rest = Value::Object(fields);
        match kind.as_str() {
            "kickoff" => parse_json(rest).map(Self::Kickoff),
            "goal" => parse_json(rest).map(Self::Goal),
            "card" => parse_json(rest).map(Self::Card),
            "substitution" => parse_json(rest).map(Self::Substitution),
            "period" => parse_json(rest).map(Self::Period),
            "score" => parse_json(rest).map(Self::Score),
            "kick" => parse_json(rest).map(Self::Kick),
            "end" => parse_json(rest).map(Self::End),
            other => Err(FieldError::at("kind", format!("unknown kind {other:?}; one of {KINDS}"))),
        }
    }

    /// The kind's name as it appears on the wire and in metrics.
    pub fn name(&self) -> &'static str {
        match self {
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
            Self::Kickoff(m) | Self::End(m) => m.minute,
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
    fn periods_round_trip_through_their_names() {
        for p in [Period::FirstHalf, Period::HalfTime, Period::Penalties] {
            assert_eq!(Period::parse(p.as_str()), Some(p));
        }
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
            kind in prop_oneof![Just("kickoff"), Just("goal"), Just("card"), Just("substitution"),
                Just("period"), Just("score"), Just("kick"), Just("end")],
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
