-- What changed, and where a match stands, in indexed columns, so that a node reads what is live and
-- what changed instead of every match ever stored.
--
-- `change_seq`: one more than the highest so far whenever a match's events or metadata move (its
-- `seq` or `revision`), in the transaction that moves them. Triggers set it, so rows written by a
-- node of an earlier release (which knows nothing of it) move it too.
-- `live_status`: the status of the match's current state (`live`, `suspended`, ...), for lists
-- filtered by status and for finding the matches in play at start. Taken from `state` when that
-- state is current, else from the older `status` column (rows an earlier release wrote).
ALTER TABLE matches ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE matches ADD COLUMN live_status TEXT NOT NULL DEFAULT 'scheduled';

UPDATE matches SET
    change_seq = id,
    live_status = CASE
        WHEN state IS NOT NULL AND json_extract(state, '$.seq') = seq THEN json_extract(state, '$.status')
        ELSE status END;

CREATE INDEX matches_change_seq ON matches (change_seq);
CREATE INDEX matches_kickoff_id ON matches (kickoff_at, id);
CREATE INDEX matches_status_kickoff ON matches (live_status, kickoff_at, id);
CREATE INDEX matches_competition_kickoff ON matches (competition, kickoff_at, id);
CREATE INDEX matches_updated_at ON matches (updated_at);

CREATE TRIGGER matches_inserted AFTER INSERT ON matches BEGIN
    UPDATE matches SET
        change_seq = (SELECT MAX(change_seq) FROM matches) + 1,
        live_status = CASE
            WHEN NEW.state IS NOT NULL AND json_extract(NEW.state, '$.seq') = NEW.seq
                THEN json_extract(NEW.state, '$.status')
            ELSE NEW.status END
    WHERE id = NEW.id;
END;

CREATE TRIGGER matches_moved AFTER UPDATE OF seq, revision ON matches
    WHEN NEW.seq IS NOT OLD.seq OR NEW.revision IS NOT OLD.revision BEGIN
    UPDATE matches SET change_seq = (SELECT MAX(change_seq) FROM matches) + 1 WHERE id = NEW.id;
END;

CREATE TRIGGER matches_restated AFTER UPDATE OF state, status ON matches
    WHEN NEW.state IS NOT OLD.state OR NEW.status IS NOT OLD.status BEGIN
    UPDATE matches SET live_status = CASE
            WHEN NEW.state IS NOT NULL AND json_extract(NEW.state, '$.seq') = NEW.seq
                THEN json_extract(NEW.state, '$.status')
            ELSE NEW.status END
    WHERE id = NEW.id;
END;
