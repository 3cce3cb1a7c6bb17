//! The match rows this node's committer wrote last, as read back: the next event of a match
//! finds its row as it left it (the same place in the change sequence) and takes the match from
//! here, instead of parsing the row's state and format again.
//!
//! A place in the change sequence names one version of a row: every writer that changes what a
//! match reads back as (its state, sequence, metadata) moves it, this release in the statement
//! itself (`Backend::move_match`), any other through the triggers; and a place is never taken
//! twice (a Postgres sequence; on SQLite one more than the highest committed). The only write
//! that keeps the place, the state rebuilt from the events and written back (`MatchRow::resolve`),
//! happens to rows whose state is not current, which a row written here never is. Only committed
//! rows are kept: a transaction whose COMMIT failed may have left the row as it was.

use std::collections::HashMap;
use std::sync::Mutex;

use super::MatchRecord;
use crate::domain::MatchId;

/// Whether `record` is what its row reads back as (`MatchRow::parse`): the row keeps a kick-off
/// to the millisecond, in UTC, and a state of another sport than the match's is rebuilt.
fn reads_back_as_is(record: &MatchRecord) -> bool {
    let kickoff = record.meta.kickoff_at;
    record.live.sport() == record.meta.sport
        && kickoff.offset().is_utc()
        && kickoff.nanosecond().is_multiple_of(1_000_000)
}

/// Most matches kept: the matches in play on a busy node, about 1 KB each.
const CAPACITY: usize = 1_024;

#[derive(Default)]
pub(super) struct Written {
    rows: Mutex<HashMap<MatchId, (i64, MatchRecord)>>,
}

impl Written {
    /// The match as written at `place`, if this node wrote it last there; it leaves the cache
    /// (the transaction that asks is about to write the row again).
    pub(super) fn take(&self, id: MatchId, place: i64) -> Option<MatchRecord> {
        let mut rows = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        match rows.remove(&id) {
            Some((at, record)) if at == place => Some(record),
            _ => None,
        }
    }

    /// Keeps the rows of a committed transaction, each with the place it wrote.
    pub(super) fn keep(&self, committed: Vec<(i64, MatchRecord)>) {
        let mut rows = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        for (place, record) in committed.into_iter().filter(|(_, r)| reads_back_as_is(r)) {
            if rows.len() >= CAPACITY && !rows.contains_key(&record.meta.id) {
                // Any one goes: a match it held is read from its row again.
                if let Some(id) = rows.keys().next().copied() {
                    rows.remove(&id);
                }
            }
            rows.insert(record.meta.id, (place, record));
        }
    }
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::*;
    use crate::domain::{LiveState, MatchMeta, Sport};

    fn record(id: i64, kickoff_at: OffsetDateTime) -> MatchRecord {
        let sport = Sport::parse("football").unwrap();
        let format = serde_json::json!({});
        let live = LiveState::initial(sport, &format);
        let meta = MatchMeta {
            id: MatchId::try_from(id).unwrap(),
            sport,
            format,
            home: "Ajax".into(),
            away: "PSV".into(),
            competition: "Eredivisie".into(),
            kickoff_at,
            revision: 0,
        };
        MatchRecord { meta, live }
    }

    #[test]
    fn a_match_is_taken_once_and_only_at_the_place_it_was_written() {
        let kickoff = OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap();
        let (one, two) = (MatchId::try_from(1).unwrap(), MatchId::try_from(2).unwrap());
        let written = Written::default();
        written.keep(vec![(10, record(1, kickoff)), (11, record(2, kickoff))]);
        assert!(written.take(one, 9).is_none(), "another version of the row");
        assert!(written.take(one, 10).is_none(), "gone once asked for");
        assert_eq!(written.take(two, 11).map(|r| r.meta.id), Some(two));
        assert!(written.take(two, 11).is_none());
    }

    #[test]
    fn a_kickoff_finer_than_the_row_keeps_is_read_from_the_row() {
        let kickoff = OffsetDateTime::from_unix_timestamp_nanos(1_795_000_000_000_000_001).unwrap();
        let written = Written::default();
        written.keep(vec![(10, record(1, kickoff))]);
        assert!(written.take(MatchId::try_from(1).unwrap(), 10).is_none());
    }
}
