//! Fouls, counted and shown, never refusing play: each team's in the current period (the bonus
//! follows from them) and each player's in the game (a player fouls out at the format's limit).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::format::Rules;
use crate::domain::Side;

/// Both sides' count of something (fouls in the period, timeouts taken).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct PerSide {
    pub home: u16,
    pub away: u16,
}

impl PerSide {
    pub fn get(&self, side: Side) -> u16 {
        match side {
            Side::Home => self.home,
            Side::Away => self.away,
        }
    }

    pub fn add_one(&mut self, side: Side) {
        let count = match side {
            Side::Home => &mut self.home,
            Side::Away => &mut self.away,
        };
        *count = count.saturating_add(1);
    }
}

/// One player's personal fouls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlayerFouls {
    pub team: Side,
    pub player: String,
    pub fouls: u16,
    /// Reached the format's limit (5 FIBA, 6 NBA): out of the game.
    pub fouled_out: bool,
}

/// The fouls of a match so far.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Fouls {
    /// Each team's fouls in the current period (FIBA: overtimes go on from the fourth quarter).
    pub team: PerSide,
    /// Whether the current period is an overtime (its bonus may differ).
    #[serde(default)]
    pub overtime: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub players: Vec<PlayerFouls>,
}

/// Fouls as the REST API shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FoulsView {
    /// Each team's fouls in the current period.
    pub team: PerSide,
    /// Whether a side shoots free throws on the other side's next foul (the other side has
    /// reached the bonus count in this period).
    pub bonus: Bonus,
    /// Each player's personal fouls, in the order of their first.
    pub players: Vec<PlayerFouls>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Bonus {
    pub home: bool,
    pub away: bool,
}

impl Fouls {
    /// A foul by `team`, and by `player` when named.
    pub fn add(&mut self, team: Side, player: Option<&str>, rules: &Rules) {
        self.team.add_one(team);
        if let Some(name) = player {
            match self.players.iter_mut().find(|p| p.team == team && p.player == name) {
                Some(p) => p.fouls = p.fouls.saturating_add(1),
                None => self.players.push(PlayerFouls {
                    team,
                    player: name.to_owned(),
                    fouls: 1,
                    fouled_out: false,
                }),
            }
            for p in self.players.iter_mut().filter(|p| p.team == team && p.player == name) {
                p.fouled_out = p.fouls >= u16::from(rules.foul_out);
            }
        }
    }

    /// A new period: team fouls start again, except in an overtime under FIBA rules.
    pub fn new_period(&mut self, overtime: bool, rules: &Rules) {
        if !(overtime && rules.overtime_continues_fourth) {
            self.team = PerSide::default();
        }
        self.overtime = overtime;
    }

    pub fn view(&self, rules: &Rules) -> FoulsView {
        let from = if self.overtime { rules.overtime_bonus_from } else { rules.bonus_from };
        // The penalty applies from the `from`th foul: after one fewer, the next one gives free
        // throws to the other side.
        let reached = |side: Side| self.team.get(side) + 1 >= u16::from(from);
        FoulsView {
            team: self.team,
            bonus: Bonus { home: reached(Side::Away), away: reached(Side::Home) },
            players: self.players.clone(),
        }
    }
}
