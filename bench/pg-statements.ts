import { withClient } from '../kit/postgres';

/** The server flags that make PostgreSQL count the statements clients send (top level only, its default). */
export const COUNT_STATEMENTS_FLAGS = ['-c', 'shared_preload_libraries=pg_stat_statements'];

/**
 * Statements clients have sent to each database so far, by database name, as PostgreSQL counted them
 * (pg_stat_statements, top-level statements: a function's inner statements are not counted). Each one is a
 * round trip for node-postgres and for pgbench's simple protocol.
 */
export async function statementsByDatabase(adminUrl: string): Promise<Map<string, number>> {
  return withClient(adminUrl, async (c) => {
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const { rows } = await c.query<{ datname: string; calls: string }>(
      `SELECT d.datname, sum(s.calls)::text AS calls FROM pg_stat_statements s
       JOIN pg_database d ON d.oid = s.dbid WHERE s.toplevel GROUP BY d.datname`,
    );
    return new Map(rows.map((r) => [r.datname, Number(r.calls)]));
  });
}
