//! A match to post events to in the domain's tests, as the committer posts them: corrections
//! refold, other events are decided then evolved. Events are one second apart.

use time::OffsetDateTime;

use super::{
    correct, Conflict, EventKind, LiveState, Logged, MatchId, MatchMeta, Seq, Sport, StoredEvent,
};

pub fn at(s: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000 + s).unwrap()
}

pub fn event(json: &str) -> EventKind {
    EventKind::from_json(serde_json::from_str(json).unwrap()).unwrap()
}

/// `kind` as stored at `seq` of match `match_id`, now, 0–0, neither voided nor amended.
pub fn stored(match_id: i64, seq: i64, kind: EventKind) -> StoredEvent {
    StoredEvent {
        match_id: MatchId::try_from(match_id).unwrap(),
        seq: Seq::try_from(seq).unwrap(),
        kind,
        score: Default::default(),
        shootout: None,
        recorded_at: OffsetDateTime::now_utc(),
        state: None,
        revision: None,
        voided_by: None,
        amended_by: None,
    }
}

/// A home yellow card, stored at `seq` of match `match_id`.
pub fn stored_card(match_id: i64, seq: i64) -> StoredEvent {
    stored(match_id, seq, event(r#"{"kind":"card","team":"home","player":"X","color":"yellow"}"#))
}

/// Ajax against PSV, a football match of the Eredivisie kicking off at the epoch.
pub fn football_meta(id: i64) -> MatchMeta {
    MatchMeta {
        id: MatchId::try_from(id).unwrap(),
        sport: Sport::Football,
        format: serde_json::json!({}),
        home: "Ajax".into(),
        away: "PSV".into(),
        competition: "Eredivisie".into(),
        kickoff_at: OffsetDateTime::UNIX_EPOCH,
        revision: 0,
    }
}

#[derive(Clone)]
pub struct Match {
    pub log: Vec<Logged>,
    pub state: LiveState,
    initial: LiveState,
}

impl Match {
    pub fn of(sport: Sport, format: serde_json::Value) -> Self {
        let format = sport.parse_format(Some(format)).unwrap();
        let initial = LiveState::initial(sport, &format);
        Self { log: Vec::new(), state: initial.clone(), initial }
    }

    /// Posts `json`; the sport's field check (a 422) panics, a rule's refusal is the error.
    pub fn post(&mut self, json: &str) -> Result<&LiveState, Conflict> {
        let kind = event(json);
        self.state.sport().check_kind(&kind).unwrap_or_else(|e| panic!("{json}: {e}"));
        self.post_kind(kind)
    }

    /// Posts `json`, which must be accepted.
    pub fn ok(&mut self, json: &str) -> &LiveState {
        let at = self.log.len();
        self.post(json).unwrap_or_else(|e| panic!("event {} {json}: {e}", at + 1))
    }

    pub fn post_kind(&mut self, kind: EventKind) -> Result<&LiveState, Conflict> {
        let at = at(self.log.len() as i64);
        let kind = self.state.normalize(kind);
        self.state.decide(&kind)?;
        let next = if kind.is_correction() {
            correct(self.initial.clone(), &self.log, &kind, at, 2_000)?
        } else {
            let mut next = self.state.clone();
            next.evolve(&kind, at);
            next
        };
        self.log.push(Logged { seq: next.seq, kind, at });
        self.state = next;
        Ok(&self.state)
    }

    /// The fold of this match's events without the one numbered `seq`, as if never posted (the
    /// later ones keep their numbers and times); `None` when the rest breaks the rules.
    pub fn fold_without(&self, seq: super::Seq) -> Option<LiveState> {
        let mut state = self.initial.clone();
        for e in self.log.iter().filter(|e| e.seq != seq) {
            state.decide(&e.kind).ok()?;
            state.evolve(&e.kind, e.at);
            state.seq = e.seq;
        }
        Some(state)
    }

    pub fn score(&self) -> (i64, i64) {
        (self.state.score().home.into(), self.state.score().away.into())
    }

    /// The line score as `[("q1", home, away), ...]`.
    pub fn line(&self) -> Vec<(String, i64, i64)> {
        self.state
            .periods()
            .into_iter()
            .map(|p| (p.period, p.score.home.into(), p.score.away.into()))
            .collect()
    }
}
