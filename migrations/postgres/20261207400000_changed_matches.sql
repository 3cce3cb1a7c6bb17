-- Every event writes its match's row; that write is cheap only while it changes no indexed column,
-- so that Postgres updates the row in place on its page (a HOT update) instead of adding an entry
-- to every index of `matches`. `change_seq` and `updated_at` move with every event, so their
-- indexes move to a narrow table of their own: `changed_matches` holds, per match, its place in
-- the change sequence (what the cluster's periodic check reads past its mark) and when it last
-- changed (what the hot set at start reads), written in the statement that moves the match.
--
-- `matches.change_seq` stays, unindexed: the writer of this release sets it in the statement that
-- moves a match, which is how the triggers tell it from a writer that does not (a node of an
-- earlier release sharing the database, a new match, a state rebuilt from the events). For those
-- the trigger function now keeps `changed_matches` right too.
--
-- The foreign key is checked at commit: the trigger of a new match writes `changed_matches`
-- before the row of `matches` is in place.
CREATE TABLE changed_matches (
    match_id   BIGINT PRIMARY KEY REFERENCES matches (id) DEFERRABLE INITIALLY DEFERRED,
    change_seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

INSERT INTO changed_matches (match_id, change_seq, updated_at)
    SELECT id, change_seq, updated_at FROM matches;
-- Checks those rows' keys now: DDL on the table refuses to run with the checks pending.
SET CONSTRAINTS ALL IMMEDIATE;

CREATE INDEX changed_matches_change_seq ON changed_matches (change_seq);
CREATE INDEX changed_matches_updated_at ON changed_matches (updated_at);

DROP INDEX matches_change_seq;
DROP INDEX matches_updated_at;
-- A prefix of `matches_competition_kickoff`, which serves every query it did.
DROP INDEX matches_competition;

-- Room on each page for the next version of a row, which a HOT update needs: with none, the new
-- version goes to another page and every index gets an entry after all. (Pages already full get
-- the room as their rows move or are vacuumed.)
ALTER TABLE matches SET (fillfactor = 90);

CREATE OR REPLACE FUNCTION matches_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.seq IS DISTINCT FROM OLD.seq
       OR NEW.revision IS DISTINCT FROM OLD.revision THEN
        NEW.change_seq := nextval('match_changes');
        INSERT INTO changed_matches (match_id, change_seq, updated_at)
            VALUES (NEW.id, NEW.change_seq, NEW.updated_at)
            ON CONFLICT (match_id) DO UPDATE
            SET change_seq = EXCLUDED.change_seq, updated_at = EXCLUDED.updated_at;
    END IF;
    IF TG_OP = 'INSERT' OR NEW.state IS DISTINCT FROM OLD.state
       OR NEW.status IS DISTINCT FROM OLD.status OR NEW.seq IS DISTINCT FROM OLD.seq THEN
        NEW.live_status := CASE
            WHEN NEW.state IS NOT NULL AND (NEW.state::jsonb ->> 'seq')::bigint = NEW.seq
                THEN NEW.state::jsonb ->> 'status'
            ELSE NEW.status END;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
