import fs from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { projectRoot } from '../app/paths';

// Not the API's lock: the two services may start side by side.
const RISK_MIGRATION_LOCK = 728_105;

/** Applies risk/schema.sql (idempotent) in one transaction, one instance at a time. */
export async function migrateRisk(pool: Pool): Promise<void> {
  const sql = fs.readFileSync(path.join(projectRoot(), 'risk', 'schema.sql'), 'utf8');
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [RISK_MIGRATION_LOCK]);
    await client.query(sql);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
