//! The sports a match may be of. Each brings its event kinds, its rules and its state; the code
//! outside `domain/` only ever sees a match's state through [`super::LiveState`].

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::event::CORE_KINDS;
use super::football::{self, Football};
use super::{Conflict, EventKind, FieldError, LinePeriod, Minute, Score, Shootout, Status};
use time::OffsetDateTime;

/// A match's sport; `football` when a request leaves it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sport {
    #[default]
    Football,
}

/// Every sport, as the API names them.
pub const SPORTS: [Sport; 1] = [Sport::Football];

impl Sport {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Football => "football",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        SPORTS.into_iter().find(|s| s.as_str() == raw)
    }

    /// The event kinds of this sport, besides the core's.
    fn own_kinds(self) -> &'static [&'static str] {
        match self {
            Self::Football => football::KINDS,
        }
    }

    /// Every event kind a match of this sport takes, the core's first.
    pub fn kinds(self) -> Vec<&'static str> {
        CORE_KINDS.iter().chain(self.own_kinds()).copied().collect()
    }

    /// Refuses (422, field `kind`) an event of a kind this sport does not have.
    pub fn check_kind(self, event: &EventKind) -> Result<(), FieldError> {
        let kinds = self.kinds();
        let check = |name: &str| {
            if kinds.contains(&name) {
                Ok(())
            } else {
                Err(FieldError::at(
                    "kind",
                    format!(
                        "a {} match has no {name:?} events; its kinds are {}",
                        self.as_str(),
                        kinds.join(", ")
                    ),
                ))
            }
        };
        check(event.name())?;
        if let EventKind::Amend(amend) = event {
            check(amend.event.name())
                .map_err(|e| FieldError { field: Some("event.kind".into()), ..e })?;
        }
        Ok(())
    }

    /// The schema of `format`, as `parse_format` checks it: an object; football's takes no key.
    /// (A sport with options would make this a schema per `sport`.)
    pub fn format_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Object)
            .max_properties(Some(0))
            .description(Some("The sport's options: `{}` for football, which has none"))
            .into()
    }

    /// The sport's options, validated; `{}` for football, which has none.
    pub fn parse_format(self, format: Option<Value>) -> Result<Value, FieldError> {
        let format = format.unwrap_or_else(|| Value::Object(Default::default()));
        let Value::Object(options) = &format else {
            return Err(FieldError::at("format", "must be an object"));
        };
        match self {
            Self::Football => {
                if let Some(key) = options.keys().next() {
                    return Err(FieldError::at(
                        &format!("format.{key}"),
                        "football has no format options",
                    ));
                }
            }
        }
        Ok(format)
    }

    /// A new match's own state.
    pub fn initial(self, _format: &Value) -> Play {
        match self {
            Self::Football => Play::Football(Football::default()),
        }
    }
}

/// What every sport's own state answers: its rules (`decide`), what an event does (`evolve`), and
/// what the core shows of it. [`Play`] hands each call to the match's sport.
pub trait Rules {
    /// Whether `event` may happen to a match that is `status`, with this state.
    fn decide(&self, status: Status, event: &EventKind) -> Result<(), Conflict>;
    /// The state after `event`, recorded `at`; the status it moves the match to, if any. Never
    /// fails: events that were accepted once always apply.
    fn evolve(&mut self, event: &EventKind, at: OffsetDateTime) -> Option<Status>;
    /// The event as it is stored (football: a second yellow card becomes `yellow_red`).
    fn normalize(&self, event: EventKind) -> EventKind {
        event
    }
    /// The headline result (goals, points, sets won).
    fn score(&self) -> Score;
    /// Sets the headline result outright (an awarded result, a `score` correction).
    fn set_score(&mut self, score: Score);
    /// The line score, each period in order.
    fn periods(&self) -> Vec<LinePeriod>;
    /// The current period's name.
    fn period(&self) -> Option<&'static str>;
    fn minute(&self) -> Option<Minute> {
        None
    }
    /// When the current period's clock started, for sports with a running clock.
    fn period_started_at(&self) -> Option<OffsetDateTime> {
        None
    }
    fn shootout(&self) -> Option<Shootout> {
        None
    }
    fn added_time(&self) -> Option<u8> {
        None
    }
    /// Moves the clock's start by `by`, the time play was stopped.
    fn resume_clock(&mut self, _by: time::Duration) {}
}

/// A match's state as its sport keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Play {
    Football(Football),
}

impl Play {
    pub fn sport(&self) -> Sport {
        match self {
            Self::Football(_) => Sport::Football,
        }
    }

    /// The sport's rules and state.
    pub fn rules(&self) -> &dyn Rules {
        match self {
            Self::Football(f) => f,
        }
    }

    pub fn rules_mut(&mut self) -> &mut dyn Rules {
        match self {
            Self::Football(f) => f,
        }
    }
}
