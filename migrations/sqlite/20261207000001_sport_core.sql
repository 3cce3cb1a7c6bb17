-- A sport-neutral match: its sport and the sport's options, and its whole live state as one
-- versioned JSON value written with each event. Rows of earlier releases have no state (NULL): it
-- is rebuilt from their events when the match is first read, and written back then. The older
-- columns (status, period, scores, shoot-out) are still written, in the values earlier releases
-- know, so that a node of the previous release sharing the database keeps reading every row.
ALTER TABLE matches ADD COLUMN sport TEXT NOT NULL DEFAULT 'football';
ALTER TABLE matches ADD COLUMN format TEXT NOT NULL DEFAULT '{}';
ALTER TABLE matches ADD COLUMN state TEXT;
CREATE INDEX matches_sport_kickoff ON matches (sport, kickoff_at);
CREATE INDEX matches_competition ON matches (competition);
