import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { projectRoot } from '../../app/paths';
import { CASES } from '../../scenarios/cases';
import { PROFILES } from '../../scenarios/lib/profiles';
import { PrometheusClient } from '../../kit/prometheus';
import { runScenario, type Journal } from '../../scenarios/lib/runner';
import { API_MALLOC_ENV } from '../../stack/components';
import type { Stack } from '../../stack/stack';
import { failedProbes, startSourceStack, suiteDir } from '../support/native-stack';
import { waitUntil } from '../../kit/wait';

const MB = 1024 * 1024;

/**
 * Two leak/reset cycles of the real memory-leak fault in a fresh process (5 MB per request, 200 MB):
 * the RSS each reset gives back, in MB. Small allocations between the leaked buffers stand in for
 * request handling.
 */
function leakTwice(env: NodeJS.ProcessEnv): number[] {
  const script = `
    const { memoryLeak } = require(${JSON.stringify(path.join(projectRoot(), 'app', 'faults', 'memory-leak.ts'))});
    const rss = () => process.memoryUsage().rss / ${MB};
    const fault = memoryLeak.create({ memoryCapBytes: ${400 * MB}, onLeakChange: () => {} });
    const live = [];
    (async () => {
      const released = [];
      for (let cycle = 0; cycle < 2; cycle++) {
        for (let i = 0; i < 40; i++) {
          fault.beforeRequest({ memory_leak_mb: 5 });
          for (let j = 0; j < 50; j++) { const b = Buffer.alloc(2048 + j * 97, 1); if (j % 10 === 0) live.push(b); }
        }
        const peak = rss();
        fault.stop();
        // V8 frees array buffers on a background thread after the collection.
        await new Promise((r) => setTimeout(r, 1000));
        released.push(peak - rss());
      }
      console.log(JSON.stringify(released));
    })();`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out.trim().split('\n').at(-1) as string) as number[];
}

describe('RSS after a memory-leak reset', () => {
  describe('the cause: glibc raises its mmap threshold after the first reset', () => {
    it('without a fixed threshold, the second reset gives back less than half of the 200 MB', () => {
      const [first, second] = leakTwice({});
      expect(first, 'first reset').to.be.above(160);
      expect(second, 'second reset').to.be.below(100);
    });

    it('with the API_MALLOC_ENV the stack and the Docker image set, both resets give back at least 160 MB', () => {
      const [first, second] = leakTwice(API_MALLOC_ENV);
      expect(first, 'first reset').to.be.above(160);
      expect(second, 'second reset').to.be.above(160);
    });

    it('the Dockerfile sets the same environment as the native stack', () => {
      const dockerfile = fs.readFileSync(path.join(projectRoot(), 'Dockerfile'), 'utf8');
      for (const [key, value] of Object.entries(API_MALLOC_ENV))
        expect(dockerfile).to.match(new RegExp(`^ENV ${key}=${value}$`, 'm'));
    });
  });

  describe('case 4 twice in a row on one API (native stack, fast profile)', function () {
    this.timeout(10 * 60_000);
    /** Ports of this file only (18800-18899). */
    const PORTS = {
      api: 18800,
      prometheus: 18890,
      alertmanager: 18893,
      postgres: 18832,
      postgresExporter: 18887,
      alertSink: 18899,
      risk: 18801,
      controlRoom: 18898,
    };
    /**
     * The workshop's default cap. With 256 MB the ramp took 13 s and FintechMemoryLeak (30 s window, `for: 10s`)
     * was true for only ~15 s: cycle 2 missed it once in CI. At 512 MB it is true for ~25 s.
     */
    const CAP_MB = 512;
    let dir: string;
    let stack: Stack;
    const journals: Journal[] = [];
    const resolvedAfter: number[] = [];

    before(async () => {
      dir = suiteDir('fintech-memory-cycles-');
      stack = await startSourceStack(path.join(dir, 'stack'), PORTS, { MEMORY_LEAK_CAP_MB: String(CAP_MB) });
      const prometheus = new PrometheusClient(stack.urls.prometheus);
      const options = {
        apiUrl: stack.urls.api,
        prometheusUrl: stack.urls.prometheus,
        alertmanagerUrl: stack.urls.alertmanager,
        profile: PROFILES.fast,
      };
      for (let cycle = 0; cycle < 2; cycle++) {
        const log = (line: string) =>
          process.stdout.write(`      [cycle ${cycle + 1}] ${line.replaceAll('\n', '\n      ')}\n`);
        journals.push(
          await runScenario(CASES[4]!(PROFILES.fast, { memoryCapBytes: CAP_MB * MB }), { ...options, log }),
        );
        const started = Date.now();
        await waitUntil('FintechMemoryLeak no longer firing', () => prometheus.firingAlerts(), {
          until: (firing) => !firing.includes('FintechMemoryLeak'),
          timeoutMs: 90_000,
          intervalMs: 500,
        });
        resolvedAfter.push((Date.now() - started) / 1000);
      }
    });

    after(async () => {
      await stack?.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    for (const cycle of [1, 2]) {
      it(`cycle ${cycle}: the leak is detected, and after the reset RSS falls by at least half the cap and the alert resolves`, () => {
        const j = journals[cycle - 1];
        const failed = failedProbes(j);
        expect(failed, 'failed probes').to.deep.equal([]);
        expect(j?.verdict).to.equal('pass');
        expect(resolvedAfter[cycle - 1], 'seconds until FintechMemoryLeak resolved').to.be.a('number');
      });
    }
  });
});
