use super::*;
use crate::domain::testing::stored;
use crate::domain::{Goal, Minute};

/// A goal of match 1234567, event 12345, minute 120, 10–11, with `player` as its scorer.
fn large_goal(player: Option<&str>) -> StoredEvent {
    let goal = EventKind::Goal(Goal {
        team: Side::Away,
        minute: Minute::try_from(120).unwrap(),
        player: player.map(|p| p.to_owned().try_into().unwrap()),
        method: None,
        assist: None,
        strength: None,
        empty_net: None,
        assists: None,
    });
    let score = Score { home: 10.try_into().unwrap(), away: 11.try_into().unwrap() };
    StoredEvent { score, ..stored(1_234_567, 12_345, goal) }
}

/// The payload of an update's WebSocket frame, checked to have a one-byte length header.
fn small_frame_payload(event: &StoredEvent) -> Vec<u8> {
    let frame = update(event).ws;
    let payload = &frame[2..];
    assert_eq!(frame[1] as usize, payload.len(), "one-byte length header, unmasked");
    payload.to_vec()
}

#[test]
fn a_goal_update_without_scorer_fits_in_64_bytes_even_with_large_numbers() {
    let payload = small_frame_payload(&large_goal(None));
    assert!(payload.len() <= 64, "{} bytes: {}", payload.len(), String::from_utf8_lossy(&payload));
    let json: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"m":1234567,"s":12345,"k":"goal","t":"a","mn":120,"sc":[10,11]})
    );
}

#[test]
fn a_goal_update_carries_its_scorer_and_still_fits_a_small_frame() {
    // 30 characters, longer than most names: the scorer adds `,"p":""` (7 bytes) and the name
    // to the 64 bytes above, and stays within the 125 bytes of a one-byte frame length.
    let name = "A very long player name indeed";
    let payload = small_frame_payload(&large_goal(Some(name)));
    assert!(payload.len() <= 64 + 7 + name.len(), "{}", String::from_utf8_lossy(&payload));
    let json: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"m":1234567,"s":12345,"k":"goal","t":"a","mn":120,"sc":[10,11],"p":name})
    );
    // The common case, as docs/protocol.md shows it: about 70 bytes.
    let mut typical = large_goal(Some("Brobbey"));
    typical.match_id = MatchId::try_from(42).unwrap();
    typical.seq = Seq::try_from(17).unwrap();
    assert_eq!(
        update(&typical).ws[2..].len(),
        r#"{"m":42,"s":17,"k":"goal","t":"a","mn":120,"sc":[10,11],"p":"Brobbey"}"#.len()
    );
}

#[test]
fn a_kick_update_says_scored_or_missed_and_carries_the_shootout_apart_from_the_score() {
    let mut kick = large_goal(None);
    kick.match_id = MatchId::try_from(42).unwrap();
    kick.seq = Seq::try_from(31).unwrap();
    kick.score = Score { home: 1.try_into().unwrap(), away: 1.try_into().unwrap() };
    kick.shootout = Some(Score { home: 4.try_into().unwrap(), away: 3.try_into().unwrap() });
    kick.kind = EventKind::Kick(crate::domain::Kick {
        team: Side::Home,
        scored: false,
        player: Some("Tadic".to_owned().try_into().unwrap()),
        minute: None,
    });
    let json: serde_json::Value = serde_json::from_slice(&update(&kick).ws[2..]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"m":42,"s":31,"k":"kick","t":"h","sc":[1,1],"p":"Tadic","ok":false,
                           "pn":[4,3]})
    );
}

#[test]
fn a_tennis_point_update_carries_the_side_the_set_s_games_the_game_s_points_and_the_server() {
    let mut point = large_goal(None);
    point.match_id = MatchId::try_from(42).unwrap();
    point.seq = Seq::try_from(88).unwrap();
    point.score = Score { home: 1.try_into().unwrap(), away: 0.try_into().unwrap() };
    point.kind = EventKind::from_json(serde_json::json!({
        "kind": "point", "team": "away", "after": {"gs": [4, 3], "gp": ["40", "A"], "sv": "h"}
    }))
    .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&update(&point).ws[2..]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"m":42,"s":88,"k":"point","t":"a","sc":[1,0],"gs":[4,3],
                           "gp":["40","A"],"sv":"h"})
    );
    // The match point finishes the match: `st`, the last set's games, no game nor server.
    point.kind = EventKind::from_json(serde_json::json!({
        "kind": "point", "team": "home", "after": {"gs": [7, 5], "over": true}
    }))
    .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&update(&point).ws[2..]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"m":42,"s":88,"k":"point","t":"h","sc":[1,0],"st":"finished",
                           "gs":[7,5]})
    );
}

#[test]
fn a_void_of_a_tennis_point_carries_the_state_keys_it_left() {
    let mut void = large_goal(None);
    void.seq = Seq::try_from(90).unwrap();
    void.kind = EventKind::from_json(serde_json::json!({"kind": "void", "target": 89})).unwrap();
    void.state = Some(EventState {
        status: Status::Live,
        period: Some("s3".into()),
        period_started_at: None,
        added_time: None,
        confirmed: false,
        clock: None,
        play: serde_json::from_value(serde_json::json!({"gs": [6, 5], "gp": [3, 2], "sv": "a"}))
            .unwrap(),
    });
    let json: serde_json::Value = serde_json::from_slice(update(&void).json()).unwrap();
    assert_eq!(
        (&json["st"], &json["pd"], &json["gs"], &json["gp"], &json["sv"], &json["of"]),
        (
            &serde_json::json!("live"),
            &serde_json::json!("s3"),
            &serde_json::json!([6, 5]),
            &serde_json::json!([3, 2]),
            &serde_json::json!("a"),
            &serde_json::json!(89)
        )
    );
    assert!(json.get("pt").is_none(), "no clock in tennis");
}
