use time::OffsetDateTime;

use super::*;
use crate::domain::{MatchId, Score};

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
        parse(r#"{"kind":"card","team":"away","player":"Kees","color":"red","minute":3}"#).unwrap();
    let event = StoredEvent {
        match_id: MatchId::try_from(4).unwrap(),
        seq: Seq::try_from(9).unwrap(),
        kind,
        score: Score::default(),
        shootout: None,
        recorded_at: OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap(),
        state: None,
        revision: None,
        voided_by: None,
        amended_by: None,
    };
    let back: StoredEvent = serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
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
fn an_amend_carries_an_event_and_never_a_correction() {
    let amend = parse(
        r#"{"kind":"amend","target":4,"event":{"kind":"goal","team":"home","minute":9,"player":"Lang"}}"#,
    )
    .unwrap();
    assert_eq!(amend.target().map(Seq::get), Some(4));
    let nested = parse(r#"{"kind":"amend","target":4,"event":{"kind":"void","target":3}}"#);
    assert_eq!(nested.unwrap_err().field.as_deref(), Some("event.kind"));
    let bad = parse(r#"{"kind":"amend","target":4,"event":{"kind":"goal","team":"up"}}"#);
    assert!(bad.is_err());
    assert!(parse(r#"{"kind":"added_time","minutes":31}"#).is_err());
    assert!(parse(r#"{"kind":"added_time","minutes":4}"#).is_ok());
}
