-- The penalty shoot-out is scored apart from the match (1-1, won 5-4 on penalties): its kicks per
-- side, and the side that kicked first (it kicks first in every round).
ALTER TABLE matches
    ADD COLUMN pens_first TEXT,
    ADD COLUMN pens_home_taken BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN pens_home_scored BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN pens_away_taken BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN pens_away_scored BIGINT NOT NULL DEFAULT 0;

-- Before this, goals posted during the `penalties` period counted in the match score. Each becomes a
-- scored shoot-out kick, and the scores stored with it and with every later event drop by it.
-- An event is in the shoot-out when the last period event at or before it announced `penalties`.
-- (Rewritten bodies go through jsonb, so their members come out in jsonb's order and spacing.)
CREATE TEMP TABLE shootout_events AS
SELECT e.match_id, e.seq, e.kind, e.body::jsonb ->> 'team' AS team
FROM events e
WHERE (SELECT p.body::jsonb ->> 'period' FROM events p
       WHERE p.match_id = e.match_id AND p.kind = 'period' AND p.seq <= e.seq
       ORDER BY p.seq DESC LIMIT 1) = 'penalties';

CREATE TEMP TABLE shootout_kicks AS
SELECT match_id, seq, team FROM shootout_events WHERE kind = 'goal';

-- Per event of an affected match: the kicks that its stored score counted. A `score` event set the
-- score outright, so only kicks after the last one at or before the event are counted.
CREATE TEMP TABLE shootout_fix AS
SELECT e.match_id, e.seq,
       (SELECT COUNT(*) FROM shootout_kicks k WHERE k.match_id = e.match_id AND k.seq <= e.seq
          AND k.team = 'home' AND k.seq > c.last_set) AS home_counted,
       (SELECT COUNT(*) FROM shootout_kicks k WHERE k.match_id = e.match_id AND k.seq <= e.seq
          AND k.team = 'away' AND k.seq > c.last_set) AS away_counted,
       (SELECT COUNT(*) FROM shootout_kicks k WHERE k.match_id = e.match_id AND k.seq <= e.seq
          AND k.team = 'home') AS home_kicks,
       (SELECT COUNT(*) FROM shootout_kicks k WHERE k.match_id = e.match_id AND k.seq <= e.seq
          AND k.team = 'away') AS away_kicks,
       EXISTS (SELECT 1 FROM shootout_events s WHERE s.match_id = e.match_id AND s.seq = e.seq)
         AS in_shootout
FROM events e
JOIN (SELECT x.match_id, x.seq,
             COALESCE((SELECT MAX(p.seq) FROM events p WHERE p.match_id = x.match_id
                       AND p.kind = 'score' AND p.seq <= x.seq), 0) AS last_set
      FROM events x) c ON c.match_id = e.match_id AND c.seq = e.seq
WHERE e.match_id IN (SELECT match_id FROM shootout_events);

UPDATE events SET kind = 'kick',
    body = (body::jsonb || jsonb_build_object('kind', 'kick', 'scored', true))::text
WHERE kind = 'goal'
  AND EXISTS (SELECT 1 FROM shootout_kicks k WHERE k.match_id = events.match_id AND k.seq = events.seq);

UPDATE events SET body = jsonb_set(events.body::jsonb, '{score}', jsonb_build_object(
    'home', GREATEST(0, (events.body::jsonb -> 'score' ->> 'home')::bigint - f.home_counted),
    'away', GREATEST(0, (events.body::jsonb -> 'score' ->> 'away')::bigint - f.away_counted)))::text
FROM shootout_fix f
WHERE f.match_id = events.match_id AND f.seq = events.seq
  AND f.home_counted + f.away_counted > 0;

UPDATE events SET body = (events.body::jsonb
    || jsonb_build_object('shootout', jsonb_build_object('home', f.home_kicks, 'away', f.away_kicks)))::text
FROM shootout_fix f
WHERE f.match_id = events.match_id AND f.seq = events.seq AND f.in_shootout;

-- The match rows: the score of their last event, and the shoot-out's kicks (every one scored: a
-- missed kick could not be posted before).
UPDATE matches SET
    home_score = (SELECT (e.body::jsonb -> 'score' ->> 'home')::bigint FROM events e
                  WHERE e.match_id = matches.id AND e.seq = matches.seq),
    away_score = (SELECT (e.body::jsonb -> 'score' ->> 'away')::bigint FROM events e
                  WHERE e.match_id = matches.id AND e.seq = matches.seq),
    pens_home_taken = (SELECT COUNT(*) FROM shootout_kicks k WHERE k.match_id = matches.id AND k.team = 'home'),
    pens_away_taken = (SELECT COUNT(*) FROM shootout_kicks k WHERE k.match_id = matches.id AND k.team = 'away'),
    pens_first = (SELECT k.team FROM shootout_kicks k WHERE k.match_id = matches.id ORDER BY k.seq LIMIT 1)
WHERE id IN (SELECT match_id FROM shootout_kicks);
UPDATE matches SET pens_home_scored = pens_home_taken, pens_away_scored = pens_away_taken
WHERE id IN (SELECT match_id FROM shootout_kicks);

-- A retry with the Idempotency-Key of a rewritten event gets the event as it is stored now.
UPDATE idempotency_keys SET response = (
    SELECT e.body FROM events e
    WHERE e.match_id = idempotency_keys.match_id
      AND e.seq = (idempotency_keys.response::jsonb ->> 'seq')::bigint)
WHERE match_id IN (SELECT match_id FROM shootout_kicks)
  AND EXISTS (SELECT 1 FROM events e WHERE e.match_id = idempotency_keys.match_id
              AND e.seq = (idempotency_keys.response::jsonb ->> 'seq')::bigint);

DROP TABLE shootout_fix;
DROP TABLE shootout_kicks;
DROP TABLE shootout_events;
