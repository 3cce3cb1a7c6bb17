//! A shoot-out, football's penalties and ice hockey's: kept apart from the match's goals (a match
//! drawn 1-1 and won 5-4 on penalties is "1-1 (5-4 pens)"), with its own rules: the teams alternate,
//! a number of rounds each (football 5, ice hockey 3 by default), then sudden death, and it ends as
//! soon as one side cannot be caught. Whether it counts in the score is the sport's business.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;

use crate::domain::{Conflict, Goals, Score, Side};

/// Kicks each side takes before sudden death in football.
pub const FOOTBALL_ROUNDS: u16 = 5;
/// Most kicks one side may take: far beyond any shoot-out played (every player twice is 22), and
/// within what a score holds.
const MAX_KICKS: u16 = 999;

/// One side's kicks so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Kicks {
    taken: u16,
    scored: u16,
}

impl Kicks {
    /// Counts read back from storage; `None` when they cannot be a side's kicks.
    pub fn new(taken: i64, scored: i64) -> Option<Self> {
        let taken = u16::try_from(taken).ok().filter(|t| *t <= MAX_KICKS)?;
        let scored = u16::try_from(scored).ok().filter(|s| *s <= taken)?;
        Some(Self { taken, scored })
    }

    pub fn taken(self) -> i64 {
        self.taken.into()
    }

    pub fn scored(self) -> i64 {
        self.scored.into()
    }
}

/// A shoot-out's kicks, which team kicked first (it kicks first in every round), and the rounds
/// before sudden death.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shootout {
    home: Kicks,
    away: Kicks,
    first: Option<Side>,
    rounds: u16,
}

impl Default for Shootout {
    /// Football's: five rounds.
    fn default() -> Self {
        Self::of_rounds(FOOTBALL_ROUNDS)
    }
}

impl Shootout {
    /// A shoot-out not yet begun, of `rounds` before sudden death.
    pub fn of_rounds(rounds: u16) -> Self {
        Self { home: Kicks::default(), away: Kicks::default(), first: None, rounds }
    }

    /// A shoot-out as stored.
    pub fn from_parts(home: Kicks, away: Kicks, first: Option<Side>, rounds: u16) -> Self {
        Self { home, away, first, rounds }
    }

    /// Rounds each side shoots before sudden death.
    pub fn rounds(&self) -> u16 {
        self.rounds
    }

    pub fn home(&self) -> Kicks {
        self.home
    }

    pub fn away(&self) -> Kicks {
        self.away
    }

    pub fn first(&self) -> Option<Side> {
        self.first
    }

    /// Kicks scored by each side.
    pub fn tally(&self) -> Score {
        let goals = |k: Kicks| Goals::try_from(k.scored()).expect("kicks are bounded by MAX_KICKS");
        Score { home: goals(self.home), away: goals(self.away) }
    }

    /// The side that has won: the other cannot catch up even by scoring every kick it has left.
    pub fn winner(&self) -> Option<Side> {
        // Within the first rounds each side has its remaining ones; in sudden death, the side
        // behind in kicks has the one kick that completes the round.
        let rounds = self.rounds.max(self.home.taken).max(self.away.taken);
        let left = |k: Kicks| rounds - k.taken;
        if self.home.scored > self.away.scored + left(self.away) {
            Some(Side::Home)
        } else if self.away.scored > self.home.scored + left(self.home) {
            Some(Side::Away)
        } else {
            None
        }
    }

    /// The side to kick next; `None` before the first kick (either may start) and once decided.
    pub fn next(&self) -> Option<Side> {
        if self.winner().is_some() {
            return None;
        }
        match self.home.taken.cmp(&self.away.taken) {
            std::cmp::Ordering::Less => Some(Side::Home),
            std::cmp::Ordering::Greater => Some(Side::Away),
            std::cmp::Ordering::Equal => self.first,
        }
    }

    /// The shoot-out after `team`'s kick; or why that kick cannot be taken now.
    pub fn kick(&self, team: Side, scored: bool) -> Result<Self, Conflict> {
        if self.winner().is_some() {
            return Err(Conflict(format!(
                "the shoot-out is decided ({}); post `end`",
                self.describe()
            )));
        }
        if let Some(due) = self.next() {
            if due != team {
                return Err(Conflict(format!(
                    "the teams alternate in a shoot-out: the next kick is the {} team's ({})",
                    due.as_str(),
                    self.describe()
                )));
            }
        }
        let mut next = *self;
        let kicks = match team {
            Side::Home => &mut next.home,
            Side::Away => &mut next.away,
        };
        if kicks.taken >= MAX_KICKS {
            return Err(Conflict(format!("a side takes at most {MAX_KICKS} shoot-out kicks")));
        }
        kicks.taken += 1;
        kicks.scored += u16::from(scored);
        next.first = next.first.or(Some(team));
        Ok(next)
    }

    /// Refuses a goal while a shoot-out is on: its goals are `attempts` events, apart from the
    /// score.
    pub fn refuse_goals(shootout: Option<Self>, attempts: &str) -> Result<(), Conflict> {
        match shootout {
            Some(_) => Err(Conflict(format!(
                "goals of the shoot-out do not count as the match's goals: post them as \
                 `{attempts}` events (scored or missed)"
            ))),
            None => Ok(()),
        }
    }

    /// Why the match cannot end yet, when the shoot-out is not decided.
    pub fn check_decided(&self) -> Result<(), Conflict> {
        if self.winner().is_some() {
            return Ok(());
        }
        Err(Conflict(format!(
            "the shoot-out is not decided ({}): post its kicks until one side cannot be caught, then `end`",
            self.describe()
        )))
    }

    /// "3-2 after 4 and 3 kicks", for conflict messages.
    fn describe(&self) -> String {
        format!(
            "{}-{} after {} and {} kicks",
            self.home.scored, self.away.scored, self.home.taken, self.away.taken
        )
    }
}

/// A shoot-out as JSON: `{"score":{"home":5,"away":4},"kicks":{"home":6,"away":6},"next":null,
/// "winner":"home","rounds":5}`; also what other nodes read back.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(as = Shootout)]
pub struct ShootoutBody {
    /// Kicks scored by each side.
    score: Score,
    /// Kicks taken by each side.
    kicks: Score,
    /// Whose kick is next; `null` once decided.
    next: Option<Side>,
    /// The side that won it; `null` until decided.
    winner: Option<Side>,
    /// Rounds before sudden death: 5 in football (the default when read back without it), the
    /// format's `shootout_rounds` in ice hockey.
    #[serde(default = "football_rounds")]
    #[schema(minimum = 1)]
    rounds: u16,
}

fn football_rounds() -> u16 {
    FOOTBALL_ROUNDS
}

impl Serialize for Shootout {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let kicks = Score {
            home: Goals::try_from(self.home.taken()).expect("bounded"),
            away: Goals::try_from(self.away.taken()).expect("bounded"),
        };
        let body = ShootoutBody {
            score: self.tally(),
            kicks,
            next: self.next(),
            winner: self.winner(),
            rounds: self.rounds,
        };
        body.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Shootout {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let body = ShootoutBody::deserialize(d)?;
        let side = |taken: Goals, scored: Goals| {
            Kicks::new(taken.into(), scored.into())
                .ok_or_else(|| serde::de::Error::custom("a side scored more kicks than it took"))
        };
        let home = side(body.kicks.home, body.score.home)?;
        let away = side(body.kicks.away, body.score.away)?;
        // The side that kicked first is the one ahead in kicks, or whose turn it is when level
        // (once decided and level, no kick follows and it no longer matters).
        let first = match home.taken().cmp(&away.taken()) {
            std::cmp::Ordering::Greater => Some(Side::Home),
            std::cmp::Ordering::Less => Some(Side::Away),
            std::cmp::Ordering::Equal if home.taken() == 0 => None,
            std::cmp::Ordering::Equal => body.next.or(Some(Side::Home)),
        };
        Ok(Self::from_parts(home, away, first, body.rounds.max(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Side::{Away, Home};

    /// The shoot-out after `kicks`, each `(team, scored)`, all of them allowed.
    fn after(kicks: &[(Side, bool)]) -> Shootout {
        kicks.iter().fold(Shootout::default(), |s, (team, scored)| {
            s.kick(*team, *scored).unwrap_or_else(|e| panic!("{e} after {s:?}"))
        })
    }

    fn tally(s: &Shootout) -> (i64, i64) {
        let t = s.tally();
        (t.home.into(), t.away.into())
    }

    #[test]
    fn a_shoot_out_read_back_from_its_json_is_the_same_shoot_out() {
        let shootouts = [
            after(&[]),
            after(&[(Away, true)]),
            after(&[(Away, true), (Home, false)]),
            after(&[
                (Home, true),
                (Away, false),
                (Home, true),
                (Away, false),
                (Home, true),
                (Away, false),
            ]),
        ];
        for s in shootouts {
            let json = serde_json::to_string(&s).unwrap();
            let back: Shootout = serde_json::from_str(&json).unwrap();
            assert_eq!(serde_json::to_string(&back).unwrap(), json);
            if s.next().is_some() {
                assert_eq!(back, s, "{json}");
            }
        }
    }

    #[test]
    fn either_side_may_start_and_then_the_teams_alternate() {
        let s = after(&[(Away, true)]);
        assert_eq!(s.next(), Some(Home));
        let err = s.kick(Away, true).unwrap_err();
        assert!(err.0.contains("next kick is the home team's"), "{err}");
        let s = after(&[(Away, true), (Home, false)]);
        assert_eq!(s.next(), Some(Away), "the side that started starts every round");
    }

    #[test]
    fn it_ends_as_soon_as_one_side_cannot_be_caught() {
        // 3-0 after three rounds: the away side has two kicks left and cannot reach three.
        let s = after(&[(Home, true), (Away, false), (Home, true), (Away, false), (Home, true)]);
        assert_eq!(s.winner(), None, "away still has three kicks");
        let s = s.kick(Away, false).unwrap();
        assert_eq!((s.winner(), s.next()), (Some(Home), None));
        assert!(s.kick(Home, true).unwrap_err().0.contains("decided (3-0"));
        assert!(s.check_decided().is_ok());
    }

    #[test]
    fn level_after_five_goes_to_sudden_death() {
        let five: Vec<(Side, bool)> = (0..5).flat_map(|_| [(Home, true), (Away, true)]).collect();
        let s = after(&five);
        assert_eq!((tally(&s), s.winner()), ((5, 5), None));
        assert!(s.check_decided().unwrap_err().0.contains("not decided (5-5 after 5 and 5"));
        // Round six: home misses, away may still miss too.
        let s = s.kick(Home, false).unwrap();
        assert_eq!(s.winner(), None);
        let s = s.kick(Away, false).unwrap();
        assert_eq!(s.winner(), None, "both missed: another round");
        let s = s.kick(Home, true).unwrap();
        assert_eq!(s.winner(), None, "away can still level");
        let s = s.kick(Away, false).unwrap();
        assert_eq!((tally(&s), s.winner()), ((6, 5), Some(Home)));
    }

    #[test]
    fn five_four_is_decided_only_by_the_last_kick() {
        let mut kicks: Vec<(Side, bool)> =
            (0..4).flat_map(|_| [(Home, true), (Away, true)]).collect();
        kicks.push((Home, true));
        let s = after(&kicks);
        assert_eq!(s.winner(), None, "5-4, away has its fifth kick");
        assert_eq!(s.kick(Away, false).unwrap().winner(), Some(Home));
        assert_eq!(s.kick(Away, true).unwrap().winner(), None);
    }

    #[test]
    fn stored_counts_are_checked() {
        assert!(Kicks::new(3, 4).is_none(), "more scored than taken");
        assert!(Kicks::new(-1, 0).is_none());
        assert!(Kicks::new(1000, 0).is_none());
        assert_eq!(Kicks::new(6, 5).map(|k| (k.taken(), k.scored())), Some((6, 5)));
    }

    #[test]
    fn it_serializes_with_its_score_kicks_turn_and_winner() {
        let s = after(&[(Home, true)]);
        assert_eq!(
            serde_json::to_value(s).unwrap(),
            serde_json::json!({"score":{"home":1,"away":0},"kicks":{"home":1,"away":0},
                               "next":"away","winner":null,"rounds":5})
        );
    }
}
