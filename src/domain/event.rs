//! Match events: what an operator posts, and what is stored and broadcast.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Goals, MatchId, Minute, Name, Score, Side};

/// A card's color.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardColor {
    Yellow,
    Red,
}

/// Phase changes announced by a `period` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
        [
            Self::FirstHalf,
            Self::HalfTime,
            Self::SecondHalf,
            Self::ExtraTime,
            Self::Penalties,
        ]
        .into_iter()
        .find(|p| p.as_str() == raw)
    }
}

/// One match event, as posted by an operator (`{"kind": "goal", "team": "home", "minute": 67}`).
///
/// Deserializing this type is the validation: every field is a parsed domain value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventKind {
    Kickoff {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        minute: Option<Minute>,
    },
    Goal {
        team: Side,
        minute: Minute,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        player: Option<Name>,
    },
    Card {
        team: Side,
        player: Name,
        color: CardColor,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        minute: Option<Minute>,
    },
    Substitution {
        team: Side,
        player_in: Name,
        player_out: Name,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        minute: Option<Minute>,
    },
    Period {
        period: Period,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        minute: Option<Minute>,
    },
    Score {
        home: Goals,
        away: Goals,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        minute: Option<Minute>,
    },
    End {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        minute: Option<Minute>,
    },
}

impl EventKind {
    /// The kind's name as it appears on the wire and in metrics.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Kickoff { .. } => "kickoff",
            Self::Goal { .. } => "goal",
            Self::Card { .. } => "card",
            Self::Substitution { .. } => "substitution",
            Self::Period { .. } => "period",
            Self::Score { .. } => "score",
            Self::End { .. } => "end",
        }
    }

    pub fn minute(&self) -> Option<Minute> {
        match self {
            Self::Goal { minute, .. } => Some(*minute),
            Self::Kickoff { minute }
            | Self::Card { minute, .. }
            | Self::Substitution { minute, .. }
            | Self::Period { minute, .. }
            | Self::Score { minute, .. }
            | Self::End { minute } => *minute,
        }
    }
}

/// A validated event that has not been stored yet.
pub type NewEvent = EventKind;

/// An event as stored, returned by the API and replayed to clients.
#[derive(Debug, Clone, Serialize)]
pub struct StoredEvent {
    pub match_id: MatchId,
    pub seq: i64,
    #[serde(flatten)]
    pub kind: EventKind,
    /// The score after this event.
    pub score: Score,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goal_parses_with_and_without_player() {
        let goal: EventKind =
            serde_json::from_str(r#"{"kind":"goal","team":"home","minute":67,"player":"Lang"}"#)
                .unwrap();
        assert_eq!(goal.name(), "goal");
        assert_eq!(goal.minute(), Some(Minute::try_from(67).unwrap()));
        let bare: EventKind =
            serde_json::from_str(r#"{"kind":"goal","team":"away","minute":3}"#).unwrap();
        assert!(matches!(bare, EventKind::Goal { player: None, .. }));
    }

    #[test]
    fn invalid_fields_are_rejected() {
        for body in [
            r#"{"kind":"goal","team":"home"}"#,
            r#"{"kind":"goal","team":"middle","minute":3}"#,
            r#"{"kind":"goal","team":"home","minute":201}"#,
            r#"{"kind":"card","team":"home","player":"X","color":"blue"}"#,
            r#"{"kind":"penalty_shootout"}"#,
            r#"{"kind":"end","surprise":1}"#,
        ] {
            assert!(serde_json::from_str::<EventKind>(body).is_err(), "{body}");
        }
    }

    #[test]
    fn periods_round_trip_through_their_names() {
        for p in [Period::FirstHalf, Period::HalfTime, Period::Penalties] {
            assert_eq!(Period::parse(p.as_str()), Some(p));
        }
    }
}
