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
