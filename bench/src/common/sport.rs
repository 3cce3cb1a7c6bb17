//! The sports a benchmark's matches can be of, and the events a run posts to each: the event that
//! starts a match, and its scoring events, one kind per sport (docs/api.md, "Event kinds").

use std::fmt;

use anyhow::bail;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A sport scorecast scores, by its API name.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Sport {
    #[default]
    Football,
    Basketball,
    IceHockey,
    Tennis,
    Volleyball,
}

impl Sport {
    pub const ALL: [Sport; 5] =
        [Sport::Football, Sport::Basketball, Sport::IceHockey, Sport::Tennis, Sport::Volleyball];

    /// The name `POST /api/v1/matches` takes in `sport`.
    pub fn name(self) -> &'static str {
        match self {
            Sport::Football => "football",
            Sport::Basketball => "basketball",
            Sport::IceHockey => "ice_hockey",
            Sport::Tennis => "tennis",
            Sport::Volleyball => "volleyball",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The event that makes a scheduled match live: football's `kickoff` (what every earlier run
    /// posted), tennis's `start` with its required first server, the others' `start`.
    pub fn start_event(self) -> Value {
        match self {
            Sport::Football => json!({"kind": "kickoff"}),
            Sport::Tennis => json!({"kind": "start", "server": "home"}),
            _ => json!({"kind": "start"}),
        }
    }

    /// The `n`-th scoring event (from 0) of one match, as a JSON body. The sides alternate, home
    /// first, so that a tennis game goes to deuce and stays there (40-30, deuce, advantage,
    /// deuce, ...) and a volleyball set never gets two points clear: as long as a match's points
    /// arrive in the order of `n`, no match ends, however many are posted.
    pub fn scoring_event(self, n: u64) -> String {
        let team = if n.is_multiple_of(2) { "home" } else { "away" };
        match self {
            Sport::Football => {
                format!(r#"{{"kind":"goal","team":"{team}","minute":{}}}"#, 1 + n % 90)
            }
            // Twos mostly, some threes and free throws, as a game goes.
            Sport::Basketball => {
                let value = [2, 3, 2, 1][(n / 2 % 4) as usize];
                format!(r#"{{"kind":"points","team":"{team}","value":{value}}}"#)
            }
            Sport::IceHockey => {
                format!(r#"{{"kind":"goal","team":"{team}","minute":{}}}"#, 1 + n % 60)
            }
            Sport::Tennis | Sport::Volleyball => format!(r#"{{"kind":"point","team":"{team}"}}"#),
        }
    }

    /// Whether a scoring event can finish the match (the deciding point), so that its events must
    /// arrive in order for `scoring_event` to keep it live.
    pub fn ends_on_a_point(self) -> bool {
        matches!(self, Sport::Tennis | Sport::Volleyball)
    }
}

impl fmt::Display for Sport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The sports of a run's matches, given as `football`, `mix` (every sport) or a comma-separated
/// list: match `i` is of sport `i mod len`, so the sports are spread evenly over the matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SportMix(Vec<Sport>);

impl SportMix {
    pub fn of(sports: Vec<Sport>) -> anyhow::Result<Self> {
        if sports.is_empty() {
            bail!("give at least one sport");
        }
        Ok(Self(sports))
    }

    pub fn parse(text: &str) -> anyhow::Result<Self> {
        if text.trim() == "mix" {
            return Self::of(Sport::ALL.to_vec());
        }
        let mut sports = Vec::new();
        for name in text.split(',').map(str::trim) {
            match Sport::parse(name) {
                Some(sport) => sports.push(sport),
                None => bail!(
                    "unknown sport {name:?}: give `mix` or names among football, basketball, \
                     ice_hockey, tennis, volleyball"
                ),
            }
        }
        Self::of(sports)
    }

    /// The sport of match number `index`.
    pub fn of_match(&self, index: usize) -> Sport {
        self.0[index % self.0.len()]
    }

    pub fn sports(&self) -> &[Sport] {
        &self.0
    }

    /// Whether any of its sports ends a match on a point.
    pub fn ends_on_a_point(&self) -> bool {
        self.0.iter().any(|s| s.ends_on_a_point())
    }
}

impl Default for SportMix {
    fn default() -> Self {
        Self(vec![Sport::Football])
    }
}

impl fmt::Display for SportMix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == Sport::ALL {
            return f.write_str("mix (football, basketball, ice_hockey, tennis, volleyball)");
        }
        let names: Vec<&str> = self.0.iter().map(|s| s.name()).collect();
        f.write_str(&names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mix_spreads_every_sport_over_the_matches_and_a_list_keeps_its_order() {
        let mix = SportMix::parse("mix").unwrap();
        let first: Vec<Sport> = (0..6).map(|i| mix.of_match(i)).collect();
        assert_eq!(&first[..5], &Sport::ALL);
        assert_eq!(first[5], Sport::Football);
        let list = SportMix::parse("tennis, football").unwrap();
        assert_eq!((list.of_match(0), list.of_match(1)), (Sport::Tennis, Sport::Football));
        assert!(list.ends_on_a_point() && !SportMix::default().ends_on_a_point());
        assert!(SportMix::parse("curling").is_err());
    }

    #[test]
    fn scoring_events_alternate_sides_and_use_each_sports_own_kind() {
        assert_eq!(Sport::Tennis.scoring_event(0), r#"{"kind":"point","team":"home"}"#);
        assert_eq!(Sport::Volleyball.scoring_event(1), r#"{"kind":"point","team":"away"}"#);
        assert_eq!(
            Sport::Basketball.scoring_event(2),
            r#"{"kind":"points","team":"home","value":3}"#
        );
        assert_eq!(
            Sport::IceHockey.scoring_event(61),
            r#"{"kind":"goal","team":"away","minute":2}"#
        );
        assert_eq!(Sport::Football.start_event(), json!({"kind": "kickoff"}));
        assert_eq!(Sport::Tennis.start_event()["server"], "home");
        for sport in Sport::ALL {
            let body: Value = serde_json::from_str(&sport.scoring_event(7)).unwrap();
            assert_eq!(body["team"], "away", "{sport}");
        }
    }
}
