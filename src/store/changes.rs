//! The statements that move a match (an event's state, a metadata change) and record its place
//! in the change sequence, and those that read the places back: the cluster's check, the hot set's
//! "changed since", the highest place, and the pruning of old places.
//!
//! `matches` carries no index on what moves with every event (`change_seq`, `updated_at`), so that
//! Postgres writes the row in place (a HOT update) and no index of `matches` gets an entry per
//! event. Where the places are kept differs by backend:
//! - Postgres appends one row per move to `change_log (change_seq, match_id, changed_at)`, in the
//!   same statement (a data-modifying `WITH`): an insert with one index entry at the right edge of
//!   its primary key, where an upsert of a row per match wrote a new version of it and an entry
//!   in each of its indexes. The purger deletes rows past the retention.
//! - SQLite keeps one row per match in `changed_matches (match_id, change_seq, updated_at)`,
//!   written by a trigger on `matches.change_seq` (`matches_changed_by_writer`) inside the UPDATE:
//!   it has no row versions to leave behind, and its next place is the indexed highest one.

use super::Backend;

impl Backend {
    /// The statement that reads match `$1` (`columns`) and locks its row until commit.
    pub(super) fn lock_match(self, columns: &str) -> String {
        match self {
            // A lock on the row, not a new version of it: a no-op UPDATE would write one (and its
            // WAL) per event for the page to prune. `NO KEY` as an UPDATE's own lock, so the
            // foreign keys of `events` do not wait on it.
            Self::Postgres => {
                format!("SELECT {columns} FROM matches WHERE id = $1 FOR NO KEY UPDATE")
            }
            // SQLite has no row locks: the transaction holds the database's write lock from its
            // start (`Tx::begin_write`), so a plain read is already what no other writer can
            // change before the commit; a no-op UPDATE would write the row (and its WAL page) once
            // more per event.
            Self::Sqlite => format!("SELECT {columns} FROM matches WHERE id = $1"),
        }
    }

    /// The statement that sets `set` (columns of `matches`, `$2` on) on match `$1`, moves it to
    /// the next place in the change sequence and records that place; it returns the place. The
    /// triggers that do this for writers that do not (an earlier release sharing the database)
    /// are skipped: `change_seq` moved.
    pub(super) fn move_match(self, set: &str) -> String {
        match self {
            Self::Postgres => format!(
                "WITH moved AS (UPDATE matches SET {set}, \
                 change_seq = nextval('match_changes') WHERE id = $1 \
                 RETURNING id, change_seq, updated_at) \
                 INSERT INTO change_log (change_seq, match_id, changed_at) \
                 SELECT change_seq, id, updated_at FROM moved RETURNING change_seq"
            ),
            // Writers are serialized, so one more than the highest is free; `changed_matches` is
            // written by the trigger the UPDATE fires (`matches_changed_by_writer`).
            Self::Sqlite => format!(
                "UPDATE matches SET {set}, change_seq = \
                 (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM changed_matches) WHERE id = $1 \
                 RETURNING change_seq"
            ),
        }
    }

    /// The ids of the matches changed at or after `$3` (unix ms): one arm of the hot set.
    pub(super) fn changed_since(self) -> &'static str {
        match self {
            Self::Postgres => "SELECT match_id FROM change_log WHERE changed_at >= $3",
            Self::Sqlite => "SELECT match_id FROM changed_matches WHERE updated_at >= $3",
        }
    }

    /// The places past `$1` with their match's current `id, seq, revision`, at most `$2`, in
    /// order. On Postgres every place (a match moved twice shows twice, so the check's mark sees
    /// no hole where there is none); on SQLite each match's latest.
    pub(super) fn changes(self) -> &'static str {
        match self {
            Self::Postgres => {
                "SELECT m.id, m.seq, m.revision, c.change_seq FROM change_log c \
                 JOIN matches m ON m.id = c.match_id WHERE c.change_seq > $1 \
                 ORDER BY c.change_seq LIMIT $2"
            }
            Self::Sqlite => {
                "SELECT m.id, m.seq, m.revision, c.change_seq FROM changed_matches c \
                 JOIN matches m ON m.id = c.match_id WHERE c.change_seq > $1 \
                 ORDER BY c.change_seq LIMIT $2"
            }
        }
    }

    /// The highest place so far (NULL with no matches).
    pub(super) fn last_change(self) -> &'static str {
        match self {
            Self::Postgres => "SELECT MAX(change_seq) FROM change_log",
            Self::Sqlite => "SELECT MAX(change_seq) FROM changed_matches",
        }
    }

    /// The statement that deletes the places recorded before `$1` (unix ms), but the highest,
    /// where a starting node's check begins; `None` where places are not a log.
    pub(super) fn prune_changes(self) -> Option<&'static str> {
        match self {
            Self::Postgres => Some(
                "DELETE FROM change_log WHERE changed_at < $1 \
                 AND change_seq < (SELECT MAX(change_seq) FROM change_log)",
            ),
            Self::Sqlite => None,
        }
    }
}
