//! The statements that move a match (an event's state, a metadata change): the row of `matches`,
//! and its place in the change sequence in `changed_matches`.
//!
//! `matches` carries no index on what moves with every event (`change_seq`, `updated_at`), so that
//! Postgres writes the row in place (a HOT update) and no index of `matches` gets an entry per
//! event; the narrow `changed_matches` carries those indexes instead, for the cluster's check and
//! the hot set. Both are written by one statement: on Postgres a data-modifying `WITH`; on SQLite
//! a trigger on `matches.change_seq` (`matches_changed_by_writer`), which runs inside the UPDATE.

use super::Backend;

/// Writes `changed_matches` from the moved row(s) of `source` (columns `id`, `change_seq`,
/// `updated_at`).
fn upsert_from(source: &str) -> String {
    format!(
        "INSERT INTO changed_matches (match_id, change_seq, updated_at) \
         SELECT id, change_seq, updated_at FROM {source} ON CONFLICT (match_id) DO UPDATE \
         SET change_seq = excluded.change_seq, updated_at = excluded.updated_at"
    )
}

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

    /// The statement that sets `set` (columns of `matches`, `$2` on) on match `$1` and moves it
    /// to the next place in the change sequence (`changed_matches` too). The triggers that do this for writers that do
    /// not (an earlier release sharing the database) are skipped: `change_seq` moved.
    pub(super) fn move_match(self, set: &str) -> String {
        match self {
            Self::Postgres => format!(
                "WITH moved AS (UPDATE matches SET {set}, \
                 change_seq = nextval('match_changes') WHERE id = $1 \
                 RETURNING id, change_seq, updated_at) {}",
                upsert_from("moved")
            ),
            // Writers are serialized, so one more than the highest is free; `changed_matches` is
            // written by the trigger the UPDATE fires (`matches_changed_by_writer`).
            Self::Sqlite => format!(
                "UPDATE matches SET {set}, change_seq = \
                 (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM changed_matches) WHERE id = $1"
            ),
        }
    }
}
