//! How a match's snapshot moves on with its events.

use super::*;
use crate::domain::testing::{football_meta, stored_card};
use crate::domain::Sport;

fn event(seq: i64) -> (LiveState, Recent) {
    let event = stored_card(1, seq);
    let body = serde_json::to_string(&event).unwrap();
    let mut live = LiveState::initial(Sport::Football, &serde_json::json!({}));
    live.seq = event.seq;
    (live, Recent::new(&event, body).unwrap())
}

fn seqs(snapshot: &Snapshot) -> Vec<i64> {
    snapshot.recent.iter().map(|e| e.seq.get()).collect()
}

#[test]
fn a_snapshot_a_reader_holds_keeps_its_events_when_the_match_moves_on() {
    let meta = football_meta(1);
    let id = meta.id;
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
