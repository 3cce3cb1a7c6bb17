//! How a match's snapshot moves on with its events.

use super::*;
use crate::domain::{EventKind, Seq, Sport, StoredEvent};

fn event(seq: i64) -> (LiveState, Recent) {
    let seq = Seq::try_from(seq).unwrap();
    let kind: EventKind =
        serde_json::from_str(r#"{"kind":"card","team":"home","player":"X","color":"yellow"}"#)
            .expect("a card");
    let event = StoredEvent {
        match_id: MatchId::try_from(1).unwrap(),
        seq,
        kind,
        score: Default::default(),
        shootout: None,
        recorded_at: time::OffsetDateTime::now_utc(),
        state: None,
        revision: None,
        voided_by: None,
        amended_by: None,
    };
    let body = serde_json::to_string(&event).unwrap();
    let mut live = LiveState::initial(Sport::Football, &serde_json::json!({}));
    live.seq = seq;
    (live, Recent::new(&event, body).unwrap())
}

fn seqs(snapshot: &Snapshot) -> Vec<i64> {
    snapshot.recent.iter().map(|e| e.seq.get()).collect()
}

#[test]
fn a_snapshot_a_reader_holds_keeps_its_events_when_the_match_moves_on() {
    let id = MatchId::try_from(1).unwrap();
    let meta = MatchMeta {
        id,
        sport: Sport::Football,
        format: serde_json::json!({}),
        home: "Ajax".into(),
        away: "PSV".into(),
        competition: "Eredivisie".into(),
        kickoff_at: time::OffsetDateTime::UNIX_EPOCH,
        revision: 0,
    };
    let live = LiveState::initial(Sport::Football, &meta.format);
    let snapshots = Snapshots::default();
    snapshots.insert(MatchRecord { meta, live });
    for seq in 1..=3 {
        let (live, recent) = event(seq);
        snapshots.record_event(id, live, recent);
    }
    let held = snapshots.get(id).unwrap();
    let (live, recent) = event(4);
    let next = snapshots.record_event(id, live, recent).unwrap();
    assert_eq!((seqs(&held), seqs(&next)), (vec![1, 2, 3], vec![1, 2, 3, 4]));
    drop((held, next));
    let (live, recent) = event(5);
    let next = snapshots.record_event(id, live, recent).unwrap();
    assert_eq!(seqs(&next), [1, 2, 3, 4, 5]);
    let body: serde_json::Value = serde_json::from_slice(next.body()).unwrap();
    assert_eq!(body["events"].as_array().map(Vec::len), Some(5));
}
