-- Matches created with an Idempotency-Key: a retry of the same request, on any node, answers with
-- the match it created instead of creating a second one.
CREATE TABLE match_creations (
    key          TEXT   PRIMARY KEY,
    request_hash TEXT   NOT NULL,
    match_id     BIGINT NOT NULL REFERENCES matches (id),
    created_at   BIGINT NOT NULL
);
CREATE INDEX match_creations_created_at ON match_creations (created_at);
