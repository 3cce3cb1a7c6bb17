-- What changed, and where a match stands, in indexed columns, so that a node reads what is live and
-- what changed instead of every match ever stored.
--
-- `change_seq`: taken from one sequence whenever a match's events or metadata move (its `seq` or
-- `revision`), in the transaction that moves them. A node's periodic check asks for the rows past
-- the last change it saw. A trigger sets it, so rows written by a node of an earlier release (which
-- knows nothing of it) move it too.
-- `live_status`: the status of the match's current state (`live`, `suspended`, ...), for lists
-- filtered by status and for finding the matches in play at start. Taken from `state` when that
-- state is current, else from the older `status` column (rows an earlier release wrote).
ALTER TABLE matches ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE matches ADD COLUMN live_status TEXT NOT NULL DEFAULT 'scheduled';
CREATE SEQUENCE match_changes;

UPDATE matches SET
    change_seq = nextval('match_changes'),
    live_status = CASE
        WHEN state IS NOT NULL AND (state::jsonb ->> 'seq')::bigint = seq THEN state::jsonb ->> 'status'
        ELSE status END;

CREATE FUNCTION matches_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.seq IS DISTINCT FROM OLD.seq
       OR NEW.revision IS DISTINCT FROM OLD.revision THEN
        NEW.change_seq := nextval('match_changes');
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

CREATE TRIGGER matches_changed BEFORE INSERT OR UPDATE ON matches
    FOR EACH ROW EXECUTE FUNCTION matches_changed();

CREATE INDEX matches_change_seq ON matches (change_seq);
CREATE INDEX matches_kickoff_id ON matches (kickoff_at, id);
CREATE INDEX matches_status_kickoff ON matches (live_status, kickoff_at, id);
CREATE INDEX matches_competition_kickoff ON matches (competition, kickoff_at, id);
CREATE INDEX matches_updated_at ON matches (updated_at);
