import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { renderHaproxyConfig, replicaLayout } from './haproxy';

/**
 * The API of a native stack started with REPLICAS > 1, as one process the launcher starts and stops:
 * N API processes (INSTANCE_ID api-1..api-N, one shared fault store in PostgreSQL) and HAProxy on the
 * API's public port in front of them. A replica that dies stays dead (HAProxy routes around it, as in
 * case 6); HAProxy dying ends the whole group. SIGTERM stops every child, then this process.
 */
function main(): void {
  const env = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  const count = Number(env('REPLICAS'));
  const port = Number(env('PORT'));
  const dir = env('REPLICAS_DIR');
  const apiCommand = JSON.parse(env('API_COMMAND')) as string[];
  const layout = replicaLayout(port, count);
  fs.mkdirSync(dir, { recursive: true });
  const config = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(
    config,
    renderHaproxyConfig({
      port,
      metricsPort: layout.metricsPort,
      socket: path.join(dir, 'admin.sock'),
      replicas: layout.replicas,
    }),
  );

  const children: ChildProcess[] = layout.replicas.map((r) => {
    const child = spawn(apiCommand[0]!, apiCommand.slice(1), {
      env: { ...process.env, PORT: String(r.port), INSTANCE_ID: r.id, FAULT_STORE: 'postgres' },
      stdio: 'inherit',
    });
    child.on('exit', (code, signal) => console.error(`replica ${r.id} (pid ${child.pid}) exited: ${signal ?? code}`));
    return child;
  });
  const haproxy = spawn(env('HAPROXY_BIN'), ['-db', '-f', config], { stdio: 'inherit' });
  children.push(haproxy);

  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
    if (alive.length === 0) process.exit(code);
    let left = alive.length;
    for (const c of alive) {
      c.once('exit', () => (left -= 1) === 0 && process.exit(code));
      c.kill('SIGTERM');
    }
  };
  haproxy.on('exit', () => stop(1));
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
}

main();
