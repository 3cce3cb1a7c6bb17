-- Every event writes its match's row; `change_seq` and `updated_at` move with every event, so
-- their indexes move to a narrow table of their own (on Postgres this makes the write of `matches`
-- a HOT update; here it saves the two index updates). `changed_matches` holds, per match, its
-- place in the change sequence (what the cluster's periodic check reads past its mark) and when it
-- last changed (what the hot set at start reads), written in the transaction that moves the match.
--
-- `matches.change_seq` stays, unindexed: the writer of this release sets it in the statement that
-- moves a match, which is how the triggers tell it from a writer that does not (a node of an
-- earlier release, a new match, a state rebuilt from the events). For those the triggers now keep
-- `changed_matches` right too. The next place is one more than the highest in `changed_matches`
-- (indexed; `matches.change_seq` no longer is).
CREATE TABLE changed_matches (
    match_id   INTEGER PRIMARY KEY REFERENCES matches (id),
    change_seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

INSERT INTO changed_matches (match_id, change_seq, updated_at)
    SELECT id, change_seq, updated_at FROM matches;

CREATE INDEX changed_matches_change_seq ON changed_matches (change_seq);
CREATE INDEX changed_matches_updated_at ON changed_matches (updated_at);

DROP INDEX matches_change_seq;
DROP INDEX matches_updated_at;
-- A prefix of `matches_competition_kickoff`, which serves every query it did.
DROP INDEX matches_competition;

DROP TRIGGER matches_inserted;
DROP TRIGGER matches_moved;

CREATE TRIGGER matches_inserted AFTER INSERT ON matches WHEN NEW.change_seq = 0 BEGIN
    UPDATE matches SET
        change_seq = (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM changed_matches),
        live_status = CASE
            WHEN NEW.state IS NOT NULL AND json_extract(NEW.state, '$.seq') = NEW.seq
                THEN json_extract(NEW.state, '$.status')
            ELSE NEW.status END
    WHERE id = NEW.id;
    INSERT INTO changed_matches (match_id, change_seq, updated_at)
        SELECT id, change_seq, updated_at FROM matches WHERE id = NEW.id
        ON CONFLICT (match_id) DO UPDATE
        SET change_seq = excluded.change_seq, updated_at = excluded.updated_at;
END;

CREATE TRIGGER matches_moved AFTER UPDATE OF seq, revision ON matches
    WHEN (NEW.seq IS NOT OLD.seq OR NEW.revision IS NOT OLD.revision)
        AND NEW.change_seq = OLD.change_seq BEGIN
    UPDATE matches SET change_seq = (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM changed_matches)
    WHERE id = NEW.id;
    INSERT INTO changed_matches (match_id, change_seq, updated_at)
        SELECT id, change_seq, updated_at FROM matches WHERE id = NEW.id
        ON CONFLICT (match_id) DO UPDATE
        SET change_seq = excluded.change_seq, updated_at = excluded.updated_at;
END;
