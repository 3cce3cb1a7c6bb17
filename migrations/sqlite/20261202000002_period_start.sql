-- When the current period began (unix milliseconds): with the period, what a page needs to run a
-- live clock between events. Matches already under way take the time their kickoff or latest
-- period event was recorded.
ALTER TABLE matches ADD COLUMN period_started_at INTEGER;
UPDATE matches SET period_started_at = (
    SELECT MAX(e.created_at) FROM events e
    WHERE e.match_id = matches.id AND e.kind IN ('kickoff', 'period'));
