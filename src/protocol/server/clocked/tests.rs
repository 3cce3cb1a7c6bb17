use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::domain::{EventKind, LiveState, MatchId, Sport, StoredEvent};
use crate::protocol::update;

fn at(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap() + time::Duration::milliseconds(ms)
}

/// A match whose events are committed as the committer does: normalized, decided and evolved,
/// stored with the score, the shoot-out's tally and (for the start, status changes and
/// corrections) the state they left.
struct Game {
    live: LiveState,
}

impl Game {
    fn of(sport: Sport, format: Value) -> Self {
        let format = sport.parse_format(Some(format)).unwrap();
        Self { live: LiveState::initial(sport, &format) }
    }

    /// Commits `event` at `ms` and answers its compact update as JSON.
    fn post(&mut self, event: Value, ms: i64) -> Value {
        let kind = EventKind::from_json(event).unwrap();
        self.live.sport().check_kind(&kind).unwrap();
        let kind = self.live.normalize(kind);
        self.live = self.live.apply(&kind, at(ms)).unwrap();
        let carries_state = matches!(
            kind,
            EventKind::Start(_)
                | EventKind::Status(_)
                | EventKind::Void(_)
                | EventKind::Amend(_)
                | EventKind::Confirm(_)
        );
        let stored = StoredEvent {
            match_id: MatchId::try_from(7).unwrap(),
            seq: self.live.seq,
            score: self.live.score(),
            shootout: self.live.shootout().map(|s| s.tally()),
            state: carries_state.then(|| self.live.event_state()),
            kind,
            recorded_at: at(ms),
            revision: None,
            voided_by: None,
            amended_by: None,
        };
        // Replayed from storage, an update is the same as when it was sent.
        let json = serde_json::to_string(&stored).unwrap();
        let replayed: StoredEvent = serde_json::from_str(&json).unwrap();
        assert_eq!(update(&replayed).json(), update(&stored).json());
        serde_json::from_slice(update(&stored).json()).unwrap()
    }
}

#[test]
fn basketball_updates_carry_the_side_the_points_and_the_countdown_clock() {
    let mut game = Game::of(Sport::Basketball, json!({"quarter_minutes":12}));
    let start = game.post(json!({"kind":"start"}), 0);
    assert_eq!(start["pd"], "q1");
    assert_eq!(start["ck"], json!([0, 720_000]), "a quarter starts full and stopped");
    assert!(start.get("pt").is_none(), "no counting-up clock: {start}");
    let clock = game.post(json!({"kind":"clock","running":true,"remaining_ms":720_000}), 1_000);
    assert_eq!(clock["ck"], json!([1, 720_000, 1_800_000_001_000_i64]));
    let three = game.post(json!({"kind":"points","team":"away","value":3,"player":"Curry"}), 9_000);
    assert_eq!(
        three,
        json!({"m":7,"s":3,"k":"points","t":"a","sc":[0,3],"p":"Curry","v":3}),
        "points carry no clock: it runs on"
    );
    let foul = game.post(json!({"kind":"foul","team":"home","player":"Green"}), 10_000);
    assert_eq!((&foul["t"], &foul["p"]), (&json!("h"), &json!("Green")));
    assert_eq!(game.post(json!({"kind":"timeout","team":"home"}), 11_000)["t"], "h");
    // Stopped 20 s after it was started: it shows 700 s.
    let stopped = game.post(json!({"kind":"status","status":"interrupted"}), 21_000);
    assert_eq!(stopped["ck"], json!([0, 700_000]));
    let resumed = game.post(json!({"kind":"status","status":"live"}), 61_000);
    // Running again, from where it stood: at the resumption it shows 700 s.
    let ck = &resumed["ck"];
    assert_eq!(ck[0], 1);
    let shown = ck[1].as_i64().unwrap() - (1_800_000_061_000 - ck[2].as_i64().unwrap());
    assert_eq!(shown, 700_000, "{ck}");
    game.post(json!({"kind":"clock","running":false,"remaining_ms":0}), 70_000);
    let q2 = game.post(json!({"kind":"period","period":"q2"}), 80_000);
    assert_eq!((&q2["pd"], &q2["ck"]), (&json!("q2"), &json!([0, 720_000])));
    // (A correction's refold is the committer's; here the state stays, and its clock is carried.)
    let void = game.post(json!({"kind":"void","target":3}), 90_000);
    assert_eq!((&void["of"], &void["ck"]), (&json!(3), &json!([0, 720_000])));
}

#[test]
fn ice_hockey_updates_carry_penalties_shots_and_the_shootout_winners_goal() {
    let mut game = Game::of(Sport::IceHockey, json!({"shootout_rounds":1}));
    game.post(json!({"kind":"start"}), 0);
    let penalty = game.post(
        json!({"kind":"penalty","team":"away","minutes":2,"player":"Ovechkin","minute":7}),
        1_000,
    );
    assert_eq!(
        penalty,
        json!({"m":7,"s":2,"k":"penalty","t":"a","sc":[0,0],"p":"Ovechkin","pm":2})
    );
    for (n, period) in ["p2", "p3", "ot1"].into_iter().enumerate() {
        let update = game.post(json!({"kind":"period","period":period}), 2_000 + n as i64);
        let length = if period == "ot1" { 300_000 } else { 1_200_000 };
        assert_eq!(update["ck"], json!([0, length]), "{period}");
    }
    let shootout = game.post(json!({"kind":"period","period":"shootout"}), 3_000);
    assert!(shootout.get("ck").is_none(), "no clock in the shoot-out: {shootout}");
    assert_eq!(shootout["pn"], json!([0, 0]));
    let shot = game.post(json!({"kind":"shot","team":"home","scored":true,"player":"Kane"}), 4_000);
    assert_eq!(shot, json!({"m":7,"s":7,"k":"shot","t":"h","sc":[0,0],"ok":true,"pn":[1,0]}));
    let decided = game.post(json!({"kind":"shot","team":"away","scored":false}), 5_000);
    assert_eq!((&decided["sc"], &decided["pn"]), (&json!([1, 0]), &json!([1, 0])));
    assert_eq!(decided["ok"], false);
}
