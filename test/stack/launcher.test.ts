import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { COMPONENT_NAMES, type Ports } from '../../stack/options';
import { isPortFree } from '../../stack/probes';
import { isAlive, ProcessRecords, readCmdline, type ProcessRecord } from '../../stack/process';
import { startStack, stopStack, type Stack } from '../../stack/stack';
import { PrometheusClient } from '../../kit/prometheus';
import { waitHealthy } from '../../kit/wait';
import { SOURCE_RISK_COMMAND } from '../support/native-stack';
import { ensureTools, run } from './helpers';

/** Far from the defaults, so the tests run beside a developer's `make up`. */
const PORTS: Ports = {
  api: 19400,
  prometheus: 19490,
  alertmanager: 19493,
  postgres: 19442,
  postgresExporter: 19487,
  alertSink: 19499,
  risk: 19401,
  controlRoom: 19498,
};
/** The API from source, so the test needs no build. */
const API_COMMAND = [process.execPath, '--import', 'tsx', 'app/server.ts'];

function tempStateDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'stack-launcher-'));
}

function recordedProcesses(stateDir: string): ProcessRecord[] {
  const records = new ProcessRecords(path.join(stateDir, 'pids'));
  return COMPONENT_NAMES.flatMap((name) => records.read(name) ?? []);
}

function postmasterPid(stateDir: string): number {
  return Number(fs.readFileSync(path.join(stateDir, 'postgres', 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/** True while the pid runs the command it ran when recorded (a recycled pid does not count). */
function stillRuns(pid: number, cmdline: string[] | undefined): boolean {
  return isAlive(pid) && readCmdline(pid)?.join(' ') === cmdline?.join(' ');
}

describe('native stack launcher', function () {
  this.timeout(90_000);

  before(function () {
    this.timeout(300_000);
    ensureTools();
  });

  describe('a whole stack on its own ports and state directory', () => {
    let stateDir: string;
    let stack: Stack;

    before(async () => {
      stateDir = tempStateDir();
      stack = await startStack({
        stateDir,
        ports: PORTS,
        profile: 'fast',
        apiCommand: API_COMMAND,
        riskCommand: SOURCE_RISK_COMMAND,
        apiEnv: { LOG_LEVEL: 'warn' },
        readyTimeoutMs: 60_000,
      });
    });

    after(async () => {
      await stopStack(stateDir);
      fs.rmSync(stateDir, { recursive: true, force: true });
    });

    it('has Prometheus scrape the API, the risk service, the exporter, Alertmanager and itself', async () => {
      const targets = await new PrometheusClient(stack.urls.prometheus).targets();
      const health = Object.fromEntries(targets.map((t) => [t.address, t.health]));
      expect(health).to.include({
        [`127.0.0.1:${PORTS.api}`]: 'up',
        [`127.0.0.1:${PORTS.risk}`]: 'up',
        [`127.0.0.1:${PORTS.postgresExporter}`]: 'up',
        [`127.0.0.1:${PORTS.alertmanager}`]: 'up',
        [`127.0.0.1:${PORTS.prometheus}`]: 'up',
      });
    });

    it('reports every started component healthy', async () => {
      const statuses = await stack.status();
      expect(statuses.map((s) => [s.name, s.healthy, s.reason])).to.deep.equal(
        COMPONENT_NAMES.map((c) => [c, true, undefined]),
      );
    });

    it('gives the API the risk service: a transfer is scored, and its decision stored under its key', async () => {
      const res = await fetch(`${stack.urls.api}/api/transfers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'launcher-risk-1' },
        body: JSON.stringify({ from_account: 'ACC-001', to_account: 'ACC-002', amount: '1.00' }),
      });
      expect(res.status, await res.text()).to.equal(201);
      const client = new pg.Client({ connectionString: stack.urls.postgres });
      await client.connect();
      try {
        const { rows } = await client.query<{ decision: string }>(
          'SELECT decision FROM risk.decisions WHERE idempotency_key = $1',
          ['launcher-risk-1'],
        );
        expect(rows).to.deep.equal([{ decision: 'approve' }]);
      } finally {
        await client.end();
      }
    });

    it('serves the fintech database, with the schema the API applied', async () => {
      const client = new pg.Client({ connectionString: stack.urls.postgres });
      await client.connect();
      try {
        const { rows } = await client.query<{ db: string; ledger: string | null }>(
          "SELECT current_database() AS db, to_regclass('public.ledger_entries')::text AS ledger",
        );
        expect(rows[0]).to.deep.equal({ db: 'fintech', ledger: 'ledger_entries' });
      } finally {
        await client.end();
      }
    });

    it('delivers an alert sent to Alertmanager to the alert sink', async () => {
      const res = await fetch(`${stack.urls.alertmanager}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          { labels: { alertname: 'LauncherTest', severity: 'page' }, annotations: { summary: 'from the test' } },
        ]),
      });
      expect(res.status).to.equal(200);
      await waitHealthy(
        'LauncherTest in the alert sink',
        async () => {
          const alerts = (await (await fetch(`${stack.urls.alertSink}?alertname=LauncherTest`)).json()) as unknown[];
          return alerts.length > 0 ? undefined : 'not received yet';
        },
        { timeoutMs: 20_000, intervalMs: 250 },
      );
    });

    it('answers `status` on the command line with exit code 0', () => {
      const { status, output } = run(process.execPath, ['--import', 'tsx', 'stack/cli.ts', 'status'], undefined, {
        STACK_DIR: stateDir,
      });
      expect(status, output).to.equal(0);
      expect(output).to.contain(`✔ prometheus`);
    });

    it('refuses to start a second stack from the same state directory', async () => {
      const err = await startStack({ stateDir, ports: PORTS, apiCommand: API_COMMAND }).catch((e: unknown) => e);
      expect(String(err)).to.match(/already running/);
    });

    it('refuses ports that are in use, naming each', async () => {
      const otherDir = tempStateDir();
      try {
        const err = await startStack({
          stateDir: otherDir,
          ports: PORTS,
          components: ['postgres', 'prometheus'],
        }).catch((e: unknown) => e);
        expect(String(err))
          .to.contain(`127.0.0.1:${PORTS.postgres} (postgres)`)
          .and.contain(`127.0.0.1:${PORTS.prometheus} (prometheus)`);
        expect(recordedProcesses(otherDir)).to.deep.equal([]);
      } finally {
        fs.rmSync(otherDir, { recursive: true, force: true });
      }
    });

    describe('stop()', () => {
      it('stops every process it started, PostgreSQL cleanly, and frees every port', async () => {
        const records = recordedProcesses(stateDir);
        const postmaster = postmasterPid(stateDir);
        const postmasterCmdline = readCmdline(postmaster);
        expect(records.map((r) => r.name).sort()).to.deep.equal([...COMPONENT_NAMES].sort());

        await stack.stop();

        expect(records.filter((r) => stillRuns(r.pid, r.argv)).map((r) => r.name)).to.deep.equal([]);
        expect(stillRuns(postmaster, postmasterCmdline)).to.equal(false);
        expect(
          fs.existsSync(path.join(stateDir, 'postgres', 'data', 'postmaster.pid')),
          'postmaster.pid after a clean shutdown',
        ).to.equal(false);
        for (const [name, port] of Object.entries(PORTS)) {
          expect(await isPortFree(port), `port ${port} of ${name}`).to.equal(true);
        }
        expect(recordedProcesses(stateDir)).to.deep.equal([]);
      });

      it('does nothing when called again', async () => {
        await stack.stop();
        expect(recordedProcesses(stateDir)).to.deep.equal([]);
      });
    });
  });

  describe('PostgreSQL whose supervisor was killed', () => {
    let stateDir: string;

    before(() => {
      stateDir = tempStateDir();
    });

    after(async () => {
      await stopStack(stateDir);
      fs.rmSync(stateDir, { recursive: true, force: true });
    });

    it('is still stopped by stopStack, through its postmaster.pid', async () => {
      await startStack({ stateDir, ports: { ...PORTS, postgres: 19542 }, components: ['postgres'] });
      const supervisor = recordedProcesses(stateDir)[0] as ProcessRecord;
      const postmaster = postmasterPid(stateDir);
      const postmasterCmdline = readCmdline(postmaster);
      process.kill(supervisor.pid, 'SIGKILL');
      await waitHealthy(
        'supervisor gone',
        () => Promise.resolve(stillRuns(supervisor.pid, supervisor.argv) ? 'running' : undefined),
        { timeoutMs: 5_000 },
      );
      expect(stillRuns(postmaster, postmasterCmdline), 'orphaned server').to.equal(true);

      await stopStack(stateDir);

      expect(stillRuns(postmaster, postmasterCmdline)).to.equal(false);
      expect(await isPortFree(19542)).to.equal(true);
    });
  });

  describe('a component that fails to start', () => {
    let stateDir: string;

    before(() => {
      stateDir = tempStateDir();
    });

    after(async () => {
      await stopStack(stateDir);
      fs.rmSync(stateDir, { recursive: true, force: true });
    });

    it('rejects with the end of its log and stops what had started', async () => {
      const progress: string[] = [];
      const err = await startStack({
        stateDir,
        ports: { ...PORTS, api: 19600, postgres: 19642 },
        // the API starts once PostgreSQL is ready, so there is a running server to stop
        components: ['postgres', 'api'],
        apiCommand: [process.execPath, '-e', 'console.error("cannot reach the database"); process.exit(3)'],
        onProgress: (line) => progress.push(line),
      }).catch((e: unknown) => e);
      expect(String(err)).to.match(/api did not start: exited with code 3[\s\S]*cannot reach the database/);
      expect(
        progress.some((line) => line.startsWith('✔ postgres')),
        progress.join('\n'),
      ).to.equal(true);
      expect(await isPortFree(19642), 'PostgreSQL port').to.equal(true);
      expect(recordedProcesses(stateDir)).to.deep.equal([]);
    });
  });
});
