-- Matches with their live state; the state is derived from the events table, kept here so one row
-- answers "where does this match stand" and serialises concurrent writers (row lock).
CREATE TABLE matches (
    id          BIGSERIAL PRIMARY KEY,
    home        TEXT   NOT NULL,
    away        TEXT   NOT NULL,
    competition TEXT   NOT NULL,
    kickoff_at  BIGINT NOT NULL, -- unix milliseconds
    revision    BIGINT NOT NULL DEFAULT 0,
    status      TEXT   NOT NULL,
    period      TEXT,
    minute      BIGINT,
    home_score  BIGINT NOT NULL DEFAULT 0,
    away_score  BIGINT NOT NULL DEFAULT 0,
    seq         BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- Append-only event log; (match_id, seq) is the order clients see.
CREATE TABLE events (
    match_id   BIGINT NOT NULL REFERENCES matches (id),
    seq        BIGINT NOT NULL,
    kind       TEXT   NOT NULL,
    body       TEXT   NOT NULL, -- the event as served, JSON
    created_at BIGINT NOT NULL,
    PRIMARY KEY (match_id, seq)
);

-- Responses of POST .../events kept for retries carrying the same Idempotency-Key.
CREATE TABLE idempotency_keys (
    match_id     BIGINT NOT NULL,
    key          TEXT   NOT NULL,
    request_hash TEXT   NOT NULL,
    response     TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (match_id, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- SHA-256 of the admin token generated at first start (the token itself is never stored).
CREATE TABLE admin_tokens (
    hash       TEXT   PRIMARY KEY,
    created_at BIGINT NOT NULL
);
