-- Each event moved its match's row of `changed_matches` (its place in the change sequence, when
-- it last changed): an update, which wrote a new row version and an entry in each of the table's
-- three indexes (the place moved), and left the old version for vacuum. Measured, that was about
-- half of what the change sequence cost ingest. In its place an append-only log: each move of a
-- match adds one row (its place, the match, when), with one index entry, on the place, which is
-- always on the index's rightmost page.
--
-- What reads it: the cluster's periodic check (the rows past its mark, joined to `matches`); the
-- hot set at start (the matches with a row since the window's start: `change_log_changed_at`, a
-- BRIN index, which costs nothing per insert and is summarized by vacuum a range of pages at a
-- time, as rows of an append-only table come in time order); the highest place (where a starting
-- node's check begins). The purger deletes rows older than `--change-log-hours` (never less than
-- the hot window), always keeping the newest. No foreign key: its check would read `matches` for
-- every event, and matches are never deleted.
CREATE TABLE change_log (
    change_seq BIGINT PRIMARY KEY,
    match_id   BIGINT NOT NULL,
    changed_at BIGINT NOT NULL
);

-- Each match's last change: what the hot set and the check read until now.
INSERT INTO change_log (change_seq, match_id, changed_at)
    SELECT change_seq, match_id, updated_at FROM changed_matches;

CREATE INDEX change_log_changed_at ON change_log USING brin (changed_at);

-- The triggers' function (a writer of an earlier release, a new match, a state rebuilt from the
-- events), with the same guards: it appends to the log where it upserted `changed_matches`.
CREATE OR REPLACE FUNCTION matches_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.seq IS DISTINCT FROM OLD.seq
       OR NEW.revision IS DISTINCT FROM OLD.revision THEN
        NEW.change_seq := nextval('match_changes');
        INSERT INTO change_log (change_seq, match_id, changed_at)
            VALUES (NEW.change_seq, NEW.id, NEW.updated_at);
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

DROP TABLE changed_matches;
