-- The risk service's own table, in its own schema on the same PostgreSQL server (risk/migrate.ts applies
-- this file at every start; it is idempotent). One decision per idempotency key: a retried scoring call
-- answers the stored decision, never a second one. Calls without a key get a decision each (key NULL).
CREATE SCHEMA IF NOT EXISTS risk;

CREATE TABLE IF NOT EXISTS risk.decisions (
  id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  idempotency_key TEXT UNIQUE,
  request_hash    TEXT NOT NULL,
  from_account    TEXT NOT NULL,
  to_account      TEXT NOT NULL,
  amount_cents    BIGINT NOT NULL CHECK (amount_cents > 0),
  currency        CHAR(3),
  decision        TEXT NOT NULL CHECK (decision IN ('approve', 'decline')),
  reason          TEXT NOT NULL,
  score           INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
  -- Scoring calls this key received (retries and replays included): the retry storm, counted at the source.
  calls           INTEGER NOT NULL DEFAULT 1,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_call_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
