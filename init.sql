-- Schema and demo data of the Fintech Chaos Workshop API.
-- Idempotent: the API applies it at start when the schema is missing, and the Docker
-- PostgreSQL image runs it from /docker-entrypoint-initdb.d on first start.
-- Money is integer minor units (cents) in BIGINT: never floating point.

CREATE TABLE IF NOT EXISTS accounts (
  number                TEXT PRIMARY KEY CHECK (number ~ '^ACC-[0-9]{3,12}$'),
  owner                 TEXT NOT NULL CHECK (char_length(owner) BETWEEN 1 AND 100),
  currency              CHAR(3) NOT NULL CHECK (currency IN ('USD', 'EUR', 'GBP')),
  opening_balance_cents BIGINT NOT NULL CHECK (opening_balance_cents >= 0),
  balance_cents         BIGINT NOT NULL CHECK (balance_cents >= 0),
  created_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE SEQUENCE IF NOT EXISTS account_number_seq START 100;

-- One row per transfer; the idempotency key makes a retried request return this row.
CREATE TABLE IF NOT EXISTS transactions (
  id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  from_account    TEXT NOT NULL REFERENCES accounts (number),
  to_account      TEXT NOT NULL REFERENCES accounts (number),
  amount_cents    BIGINT NOT NULL CHECK (amount_cents > 0),
  currency        CHAR(3) NOT NULL,
  description     TEXT,
  idempotency_key TEXT UNIQUE,
  request_hash    TEXT,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK (from_account <> to_account)
);
CREATE INDEX IF NOT EXISTS transactions_from_idx ON transactions (from_account, created_at DESC);
CREATE INDEX IF NOT EXISTS transactions_to_idx ON transactions (to_account, created_at DESC);
CREATE INDEX IF NOT EXISTS transactions_created_idx ON transactions (created_at DESC, id DESC);

-- A transfer refused for insufficient funds, by its Idempotency-Key: a retry with the key gets the same
-- refusal, even if the balance has grown since (the key's first answer is its answer for good).
CREATE TABLE IF NOT EXISTS refused_transfers (
  idempotency_key    TEXT PRIMARY KEY,
  request_hash       TEXT,
  from_balance_cents BIGINT NOT NULL,
  created_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Double entry: every transaction has one debit (negative) and one credit (positive) that sum to zero.
CREATE TABLE IF NOT EXISTS ledger_entries (
  id             BIGSERIAL PRIMARY KEY,
  transaction_id UUID NOT NULL REFERENCES transactions (id),
  account_number TEXT NOT NULL REFERENCES accounts (number),
  amount_cents   BIGINT NOT NULL CHECK (amount_cents <> 0),
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ledger_entries_tx_idx ON ledger_entries (transaction_id);
CREATE INDEX IF NOT EXISTS ledger_entries_account_idx ON ledger_entries (account_number);

INSERT INTO accounts (number, owner, currency, opening_balance_cents, balance_cents) VALUES
  ('ACC-001', 'Workshop Treasury', 'USD', 1000000, 1000000),
  ('ACC-002', 'Alice Anderson',    'USD',  500000,  500000),
  ('ACC-003', 'Bob Brown',         'USD',  250000,  250000),
  ('ACC-004', 'Carol Chen',        'USD',  750000,  750000),
  ('ACC-005', 'Dan Dumitru',       'USD',  100000,  100000),
  ('ACC-006', 'Eve Eriksson',      'USD',  300000,  300000),
  ('ACC-007', 'Frank Fischer',     'USD',  420000,  420000),
  ('ACC-008', 'Grace Garcia',      'USD',  900000,  900000),
  ('ACC-009', 'Heidi Hoang',       'USD',   50000,   50000),
  ('ACC-010', 'Ivan Ivanov',       'USD',  600000,  600000),
  ('ACC-011', 'Judy Jensen',       'EUR',  800000,  800000),
  ('ACC-012', 'Mallory Moreau',    'EUR',  200000,  200000),
  ('ACC-013', 'Oscar Okafor',      'GBP',  350000,  350000)
ON CONFLICT (number) DO NOTHING;

-- A whole transfer in one statement (one round trip): idempotent replay, row locks in a fixed order
-- (no deadlock between opposite transfers), the checks, the transaction row, its two ledger entries
-- and both balances. Every outcome is one row: 'completed', 'replayed' (the key's earlier row, nothing
-- moved), or a refusal ('account_not_found', 'currency_mismatch', 'insufficient_funds') with what its
-- error reports. app/db/migrate.ts applies this file again when the function is missing.
CREATE OR REPLACE FUNCTION transfer_money(
  p_from TEXT, p_to TEXT, p_cents BIGINT, p_currency TEXT, p_description TEXT, p_key TEXT, p_hash TEXT
) RETURNS TABLE (
  outcome TEXT, id UUID, from_account TEXT, to_account TEXT, amount_cents BIGINT, currency CHAR(3),
  description TEXT, idempotency_key TEXT, request_hash TEXT, created_at TIMESTAMPTZ,
  from_currency CHAR(3), to_currency CHAR(3), from_balance_cents BIGINT
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  acc accounts%ROWTYPE;
  src accounts%ROWTYPE;
  dst accounts%ROWTYPE;
  t transactions%ROWTYPE;
  r refused_transfers%ROWTYPE;
BEGIN
  IF p_key IS NOT NULL THEN
    SELECT * INTO t FROM transactions WHERE transactions.idempotency_key = p_key;
  END IF;
  IF t.id IS NULL THEN
    FOR acc IN SELECT * FROM accounts WHERE accounts.number IN (p_from, p_to) ORDER BY accounts.number FOR UPDATE LOOP
      IF acc.number = p_from THEN src := acc; ELSE dst := acc; END IF;
    END LOOP;
    IF src.number IS NULL OR dst.number IS NULL THEN
      RETURN QUERY SELECT 'account_not_found', NULL::uuid, CASE WHEN src.number IS NULL THEN p_from END,
        CASE WHEN dst.number IS NULL THEN p_to END, p_cents, NULL::char(3), NULL, NULL, NULL, NULL::timestamptz, NULL::char(3), NULL::char(3), NULL::bigint;
      RETURN;
    END IF;
    IF src.currency <> dst.currency OR p_currency <> src.currency THEN
      RETURN QUERY SELECT 'currency_mismatch', NULL::uuid, p_from, p_to, p_cents, NULL::char(3), NULL, NULL, NULL, NULL::timestamptz,
        src.currency, dst.currency, NULL::bigint;
      RETURN;
    END IF;
    IF p_key IS NOT NULL THEN
      -- Under the row locks: an attempt with this key that was in flight may have settled it meanwhile.
      SELECT * INTO t FROM transactions WHERE transactions.idempotency_key = p_key;
      IF t.id IS NOT NULL THEN
        RETURN QUERY SELECT 'replayed', t.*, NULL::char(3), NULL::char(3), NULL::bigint;
        RETURN;
      END IF;
      SELECT * INTO r FROM refused_transfers WHERE refused_transfers.idempotency_key = p_key;
      IF r.idempotency_key IS NOT NULL THEN
        RETURN QUERY SELECT CASE WHEN r.request_hash = p_hash THEN 'insufficient_funds' ELSE 'key_reused' END,
          NULL::uuid, p_from, p_to, p_cents, NULL::char(3), NULL, NULL, NULL, NULL::timestamptz,
          src.currency, dst.currency, r.from_balance_cents;
        RETURN;
      END IF;
    END IF;
    IF src.balance_cents < p_cents THEN
      IF p_key IS NOT NULL THEN
        INSERT INTO refused_transfers (idempotency_key, request_hash, from_balance_cents)
          VALUES (p_key, p_hash, src.balance_cents) ON CONFLICT DO NOTHING;
      END IF;
      RETURN QUERY SELECT 'insufficient_funds', NULL::uuid, p_from, p_to, p_cents, NULL::char(3), NULL, NULL, NULL, NULL::timestamptz,
        src.currency, dst.currency, src.balance_cents;
      RETURN;
    END IF;
    INSERT INTO transactions (from_account, to_account, amount_cents, currency, description, idempotency_key, request_hash)
      VALUES (p_from, p_to, p_cents, src.currency, p_description, p_key, p_hash)
      ON CONFLICT ON CONSTRAINT transactions_idempotency_key_key DO NOTHING
      RETURNING * INTO t;
    IF FOUND THEN
      INSERT INTO ledger_entries (transaction_id, account_number, amount_cents) VALUES (t.id, p_from, -p_cents), (t.id, p_to, p_cents);
      UPDATE accounts SET balance_cents = accounts.balance_cents + CASE WHEN accounts.number = p_from THEN -p_cents ELSE p_cents END
        WHERE accounts.number IN (p_from, p_to);
      RETURN QUERY SELECT 'completed', t.*, NULL::char(3), NULL::char(3), NULL::bigint;
      RETURN;
    END IF;
    -- A concurrent request with the same key committed first: answer with its row.
    SELECT * INTO t FROM transactions WHERE transactions.idempotency_key = p_key;
  END IF;
  RETURN QUERY SELECT 'replayed', t.*, NULL::char(3), NULL::char(3), NULL::bigint;
END;
$$;
