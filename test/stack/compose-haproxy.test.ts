import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { waitUntil } from '../../kit/wait';
import { COMPOSE_API, COMPOSE_HAPROXY_FILE } from '../../stack/haproxy-compose';
import { findExecutable, TOOLS } from '../../stack/tools';
import { DnsServer } from '../support/dns-server';
import { ensureTools, ROOT } from './helpers';

/** This suite's ports (21100-21199): HAProxy's two frontends, the DNS stand-in, the replicas' port. */
const PORTS = { api: 21150, metrics: 21151, dns: 21153, replica: 21160 };
/** Loopback addresses standing for the replicas' container addresses (all of 127/8 answers on lo). */
const FIRST = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
const RECREATED = '127.0.0.5';

/**
 * The Compose HAProxy config, run by Debian's HAProxy 2.6 with only its addresses moved here: Docker's DNS
 * becomes a stand-in on 127.0.0.1, the replicas small HTTP servers on loopback addresses that name themselves
 * in X-Instance-Id as the API does (the API itself behind HAProxy: test/replicas, test/stack/replicas-stack).
 */
describe(`${COMPOSE_HAPROXY_FILE} run by HAProxy, the replicas found through DNS`, function () {
  this.timeout(30_000);
  const dns = new DnsServer();
  const replicas = new Map<string, http.Server>();
  let haproxy: ChildProcess | undefined;
  let log = '';
  let dir = '';

  const startReplica = async (address: string): Promise<void> => {
    const server = http.createServer((_req, res) => res.setHeader('x-instance-id', address).end('ok'));
    await new Promise<void>((resolve) => server.listen(PORTS.replica, address, resolve));
    replicas.set(address, server);
  };
  const stopReplica = async (address: string): Promise<void> => {
    const server = replicas.get(address);
    replicas.delete(address);
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  };
  /** Instance ids seen over `count` requests through HAProxy's API frontend. */
  const seen = async (count: number): Promise<string[]> => {
    const ids = new Set<string>();
    for (let i = 0; i < count; i += 1) {
      const res = await fetch(`http://127.0.0.1:${PORTS.api}/api/balance`);
      if (res.status === 200) ids.add(res.headers.get('x-instance-id') ?? '');
    }
    return [...ids].sort();
  };
  const upSlots = async (): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${PORTS.metrics}/metrics`)).text();
    return [...text.matchAll(/^haproxy_server_status\{[^}]*state="UP"\} 1$/gm)].length;
  };

  before(async function () {
    this.timeout(300_000);
    ensureTools();
    const binary = findExecutable(TOOLS.haproxy) ?? expect.fail('haproxy is not installed');
    dns.records.set(COMPOSE_API.service, FIRST);
    await dns.listen(PORTS.dns);
    for (const address of FIRST) await startReplica(address);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-haproxy-'));
    const moved = fs
      .readFileSync(path.join(ROOT, COMPOSE_HAPROXY_FILE), 'utf8')
      .replace(/127\.0\.0\.11:53/, `127.0.0.1:${PORTS.dns}`)
      .replace(/^( {2}bind )\*:(\d+)$/gm, (_m, bind: string, port: string) =>
        Number(port) === COMPOSE_API.port ? `${bind}127.0.0.1:${PORTS.api}` : `${bind}127.0.0.1:${PORTS.metrics}`,
      )
      .replace(`${COMPOSE_API.service}:${COMPOSE_API.port}`, `${COMPOSE_API.service}:${PORTS.replica}`)
      .replace(/stats socket \S+/, `stats socket ${path.join(dir, 'admin.sock')}`);
    const config = path.join(dir, 'haproxy.cfg');
    fs.writeFileSync(config, moved);
    haproxy = spawn(binary, ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    haproxy.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    haproxy.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  });

  after(async () => {
    haproxy?.kill('SIGTERM');
    dns.close();
    for (const address of [...replicas.keys()]) await stopReplica(address);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fills a server slot with each address DNS gives, checks each healthy and balances over all', async () => {
    await waitUntil('every slot UP', upSlots, {
      until: (up) => up === COMPOSE_API.replicas,
      timeoutMs: 15_000,
      intervalMs: 200,
      describe: (up) => `${up} UP; HAProxy said: ${log.slice(-500)}`,
    });
    expect(await seen(3 * FIRST.length)).to.deep.equal(FIRST);
  });

  it("logs each request's server slot next to the replica's X-Instance-Id", async () => {
    await seen(1);
    await waitUntil('a log line with a slot and an instance id', () => Promise.resolve(log), {
      until: (text) => /api\/slot-\d+ .*\{127\.0\.0\.[2-4]\}/.test(text),
      timeoutMs: 5_000,
      intervalMs: 100,
    });
  });

  it('follows a recreated replica to its new address without a restart', async () => {
    await stopReplica(FIRST[2] ?? '');
    await startReplica(RECREATED);
    dns.records.set(COMPOSE_API.service, [...FIRST.slice(0, 2), RECREATED]);
    const expected = [...FIRST.slice(0, 2), RECREATED].sort();
    await waitUntil('requests reach the new address and no longer the old one', () => seen(3 * expected.length), {
      until: (ids) => JSON.stringify(ids) === JSON.stringify(expected),
      timeoutMs: 15_000,
      intervalMs: 200,
    });
    expect(await upSlots()).to.equal(COMPOSE_API.replicas);
  });
});
