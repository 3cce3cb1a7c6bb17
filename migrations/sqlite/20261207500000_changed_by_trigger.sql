-- The writer of this release moves `matches.change_seq` in the statement that moves a match; this
-- trigger writes `changed_matches` from it inside that same statement. A second statement did the
-- same work through another round trip to sqlx's SQLite worker thread, per match and per event.
-- (Postgres does both in one statement already: `store/changes.rs`.)
CREATE TRIGGER matches_changed_by_writer AFTER UPDATE OF change_seq ON matches
    WHEN NEW.change_seq IS NOT OLD.change_seq BEGIN
    INSERT INTO changed_matches (match_id, change_seq, updated_at)
        VALUES (NEW.id, NEW.change_seq, NEW.updated_at)
        ON CONFLICT (match_id) DO UPDATE
        SET change_seq = excluded.change_seq, updated_at = excluded.updated_at;
END;
