//! The sports a match may be of. Each brings its event kinds, its rules and its state; the code
//! outside `domain/` only ever sees a match's state through [`super::LiveState`].

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::basketball::{self, Basketball};
use super::event::CORE_KINDS;
use super::football::{self, Football};
use super::ice_hockey::{self, IceHockey};
pub use super::rules::Rules;
use super::tennis::{self, Tennis};
use super::volleyball::{self, Volleyball};
use super::{EventKind, FieldError};

/// A match's sport; `football` when a request leaves it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sport {
    #[default]
    Football,
    Basketball,
    IceHockey,
    Tennis,
    Volleyball,
}

/// Every sport, as the API names them.
pub const SPORTS: [Sport; 5] =
    [Sport::Football, Sport::Basketball, Sport::IceHockey, Sport::Tennis, Sport::Volleyball];

impl Sport {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Football => "football",
            Self::Basketball => "basketball",
            Self::IceHockey => "ice_hockey",
            Self::Tennis => "tennis",
            Self::Volleyball => "volleyball",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        SPORTS.into_iter().find(|s| s.as_str() == raw)
    }

    /// The event kinds of this sport, besides the core's.
    fn own_kinds(self) -> &'static [&'static str] {
        match self {
            Self::Football => football::KINDS,
            Self::Basketball => basketball::KINDS,
            Self::IceHockey => ice_hockey::KINDS,
            Self::Tennis => tennis::KINDS,
            Self::Volleyball => volleyball::KINDS,
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
        self.check_fields(event)?;
        if let EventKind::Amend(amend) = event {
            let within = |e: FieldError, field: &str| FieldError {
                field: Some(format!("event.{field}")),
                detail: format!("event: {}", e.detail),
            };
            check(amend.event.name()).map_err(|e| within(e, "kind"))?;
            self.check_fields(&amend.event)
                .map_err(|e| within(e.clone(), e.field.as_deref().unwrap_or("kind")))?;
        }
        Ok(())
    }

    /// Refuses (422, naming the field) a field or value of a kind that another sport has but not
    /// this one: one body schema per kind, each sport taking its part of it.
    fn check_fields(self, event: &EventKind) -> Result<(), FieldError> {
        if let EventKind::Period(super::PeriodChange { clock_ms: Some(_), .. }) = event {
            return Err(FieldError::at(
                "clock_ms",
                "derived from the format when the period is stored; set the clock with a \
                 `clock` event",
            ));
        }
        match self {
            Self::Football => football::check_fields(event),
            Self::Basketball => basketball::check_fields(event),
            Self::IceHockey => ice_hockey::check_fields(event),
            Self::Tennis => return tennis::check_fields(event),
            Self::Volleyball => return volleyball::check_fields(event),
        }?;
        match event {
            EventKind::Start(start) if start.server.is_some() => Err(FieldError::at(
                "server",
                format!("a {} match has no server (tennis and volleyball do)", self.as_str()),
            )),
            _ => Ok(()),
        }
    }

    /// The schema of `format`, as `parse_format` checks it: an object of every sport's options;
    /// a match takes its own sport's keys only (`422` naming the key otherwise).
    pub fn format_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Type};
        let object = ObjectBuilder::new()
            .schema_type(Type::Object)
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .description(Some(
                "The sport's options, each sport's own keys only (`422` naming another sport's): \
                 `{}` for football; basketball `quarter_minutes`, `overtime_minutes`; ice hockey \
                 `period_minutes`, `overtime`, `shootout_rounds`; tennis `best_of`, \
                 `final_set`, `no_ad`; volleyball `best_of`. Left-out keys take their \
                 defaults, and the match shows every key",
            ));
        let object = basketball::format_properties(object);
        let object = ice_hockey::format_properties(object);
        let object = volleyball::format_properties(tennis::format_properties(object));
        // One key, two sports: its schema says both.
        object
            .property(
                "best_of",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .enum_values(Some([3, 5]))
                    .description(Some(
                        "Tennis: 3 (the default) or 5 sets; volleyball: 5 (the default) or 3 sets",
                    )),
            )
            .into()
    }

    /// The schema of this sport's `format` alone: an object of its own keys and nothing else.
    pub fn own_format_schema(self) -> serde_json::Value {
        use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Type};
        let object = ObjectBuilder::new()
            .schema_type(Type::Object)
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        let object = match self {
            Self::Football => object.description(Some("Football has no options: `{}`")),
            Self::Basketball => basketball::format_properties(object),
            Self::IceHockey => ice_hockey::format_properties(object),
            Self::Tennis => tennis::format_properties(object),
            Self::Volleyball => volleyball::format_properties(object),
        };
        serde_json::to_value(object.build()).expect("schemas serialize")
    }

    /// The sport's options, validated; `{}` for football, which has none.
    pub fn parse_format(self, format: Option<Value>) -> Result<Value, FieldError> {
        let format = format.unwrap_or_else(|| Value::Object(Default::default()));
        let Value::Object(options) = &format else {
            return Err(FieldError::at("format", "must be an object"));
        };
        let within = |e: FieldError| {
            FieldError::at(
                &format!("format.{}", e.field.as_deref().unwrap_or_default()),
                e.detail.clone(),
            )
        };
        match self {
            Self::Football => {
                if let Some(key) = options.keys().next() {
                    return Err(FieldError::at(
                        &format!("format.{key}"),
                        "football has no format options",
                    ));
                }
                Ok(format)
            }
            Self::Basketball => {
                let parsed: basketball::Format = super::parse_json(format).map_err(within)?;
                Ok(serde_json::to_value(parsed).expect("formats serialize"))
            }
            Self::IceHockey => {
                let parsed: ice_hockey::Format = super::parse_json(format).map_err(within)?;
                Ok(serde_json::to_value(parsed).expect("formats serialize"))
            }
            Self::Tennis => {
                let parsed: tennis::Format = super::parse_json(format).map_err(within)?;
                Ok(serde_json::to_value(parsed).expect("formats serialize"))
            }
            Self::Volleyball => {
                let parsed: volleyball::Format = super::parse_json(format).map_err(within)?;
                Ok(serde_json::to_value(parsed).expect("formats serialize"))
            }
        }
    }

    /// A new match's own state, of `format` as `parse_format` left it.
    pub fn initial(self, format: &Value) -> Play {
        match self {
            Self::Football => Play::Football(Football::default()),
            Self::Basketball => Play::Basketball(Basketball::new(
                serde_json::from_value(format.clone()).unwrap_or_default(),
            )),
            Self::IceHockey => Play::IceHockey(IceHockey::new(
                serde_json::from_value(format.clone()).unwrap_or_default(),
            )),
            Self::Tennis => Play::Tennis(Tennis::new(
                serde_json::from_value(format.clone()).unwrap_or_default(),
            )),
            Self::Volleyball => Play::Volleyball(Volleyball::new(
                serde_json::from_value(format.clone()).unwrap_or_default(),
            )),
        }
    }
}

/// A match's state as its sport keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Play {
    Football(Football),
    Basketball(Basketball),
    IceHockey(IceHockey),
    Tennis(Tennis),
    Volleyball(Volleyball),
}

impl Play {
    pub fn sport(&self) -> Sport {
        match self {
            Self::Football(_) => Sport::Football,
            Self::Basketball(_) => Sport::Basketball,
            Self::IceHockey(_) => Sport::IceHockey,
            Self::Tennis(_) => Sport::Tennis,
            Self::Volleyball(_) => Sport::Volleyball,
        }
    }

    /// The sport's rules and state.
    pub fn rules(&self) -> &dyn Rules {
        match self {
            Self::Football(f) => f,
            Self::Basketball(b) => b,
            Self::IceHockey(h) => h,
            Self::Tennis(t) => t,
            Self::Volleyball(v) => v,
        }
    }

    pub fn rules_mut(&mut self) -> &mut dyn Rules {
        match self {
            Self::Football(f) => f,
            Self::Basketball(b) => b,
            Self::IceHockey(h) => h,
            Self::Tennis(t) => t,
            Self::Volleyball(v) => v,
        }
    }

    /// Basketball's own state, for what only basketball shows (fouls, timeouts).
    pub fn basketball(&self) -> Option<&Basketball> {
        match self {
            Self::Basketball(b) => Some(b),
            _ => None,
        }
    }

    /// Tennis's own state, for what only tennis shows (the current game's points).
    pub fn tennis(&self) -> Option<&Tennis> {
        match self {
            Self::Tennis(t) => Some(t),
            _ => None,
        }
    }

    /// Ice hockey's own state, for what only ice hockey shows (penalties).
    pub fn ice_hockey(&self) -> Option<&IceHockey> {
        match self {
            Self::IceHockey(h) => Some(h),
            _ => None,
        }
    }
}
