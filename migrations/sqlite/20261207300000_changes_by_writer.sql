-- This release sets `change_seq` and `live_status` itself, in the statement that moves a match (an
-- event's state, a fixture change): the triggers' extra UPDATEs of the row on every such write cost
-- more than the write. The triggers stay for a writer that does not set them (a node of an earlier
-- release: its rows keep moving `change_seq`) and for the rarer writes that do not (a new match, a
-- state rebuilt from the events), and are skipped when the statement moved `change_seq` itself.
DROP TRIGGER matches_inserted;
DROP TRIGGER matches_moved;
DROP TRIGGER matches_restated;

CREATE TRIGGER matches_inserted AFTER INSERT ON matches WHEN NEW.change_seq = 0 BEGIN
    UPDATE matches SET
        change_seq = (SELECT MAX(change_seq) FROM matches) + 1,
        live_status = CASE
            WHEN NEW.state IS NOT NULL AND json_extract(NEW.state, '$.seq') = NEW.seq
                THEN json_extract(NEW.state, '$.status')
            ELSE NEW.status END
    WHERE id = NEW.id;
END;

CREATE TRIGGER matches_moved AFTER UPDATE OF seq, revision ON matches
    WHEN (NEW.seq IS NOT OLD.seq OR NEW.revision IS NOT OLD.revision)
        AND NEW.change_seq = OLD.change_seq BEGIN
    UPDATE matches SET change_seq = (SELECT MAX(change_seq) FROM matches) + 1 WHERE id = NEW.id;
END;

CREATE TRIGGER matches_restated AFTER UPDATE OF state, status ON matches
    WHEN (NEW.state IS NOT OLD.state OR NEW.status IS NOT OLD.status)
        AND NEW.change_seq = OLD.change_seq BEGIN
    UPDATE matches SET live_status = CASE
            WHEN NEW.state IS NOT NULL AND json_extract(NEW.state, '$.seq') = NEW.seq
                THEN json_extract(NEW.state, '$.status')
            ELSE NEW.status END
    WHERE id = NEW.id;
END;
