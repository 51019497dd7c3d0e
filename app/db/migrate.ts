import fs from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { projectRoot } from '../paths';

// Any constant shared by every instance: concurrent starts apply init.sql once.
const MIGRATION_LOCK = 728_104;

/** Applies init.sql (idempotent) when the schema or the transfer function is missing. Returns true when it did. */
export async function migrateIfNeeded(pool: Pool): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const { rows } = await client.query<{ present: boolean }>(
      "SELECT to_regclass('public.ledger_entries') IS NOT NULL AND to_regprocedure('transfer_money(text, text, bigint, text, text, text, text)') IS NOT NULL AS present",
    );
    if (rows[0]?.present) return false;
    const sql = fs.readFileSync(path.join(projectRoot(), 'init.sql'), 'utf8');
    await client.query('BEGIN');
    await client.query(sql);
    await client.query('COMMIT');
    return true;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}
