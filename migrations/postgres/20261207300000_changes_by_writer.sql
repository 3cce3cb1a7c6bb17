-- This release sets `change_seq` and `live_status` itself, in the statement that moves a match (an
-- event's state, a fixture change): a trigger function run on every such write cost more database
-- CPU per event than the rest of the write. The trigger stays for a writer that does not set them
-- (a node of an earlier release sharing the database: its rows keep moving `change_seq`), and for
-- the rarer writes that do not (a new match, a state rebuilt from the events), and is now skipped,
-- before any function call, when the statement moved `change_seq` itself or moved nothing.
DROP TRIGGER matches_changed ON matches;

CREATE TRIGGER matches_inserted BEFORE INSERT ON matches
    FOR EACH ROW WHEN (NEW.change_seq = 0) EXECUTE FUNCTION matches_changed();

CREATE TRIGGER matches_changed BEFORE UPDATE ON matches
    FOR EACH ROW WHEN (NEW.change_seq = OLD.change_seq AND (
        NEW.seq IS DISTINCT FROM OLD.seq OR NEW.revision IS DISTINCT FROM OLD.revision
        OR NEW.status IS DISTINCT FROM OLD.status OR NEW.state IS DISTINCT FROM OLD.state))
    EXECUTE FUNCTION matches_changed();
