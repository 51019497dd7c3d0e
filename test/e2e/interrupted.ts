import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { projectRoot } from '../../app/paths';
import { FaultClient } from '../../kit/faults';
import { PROFILES } from '../../scenarios/lib/profiles';
import { safetyExpirySeconds } from '../../scenarios/lib/runner';
import type { Stack } from '../../stack/stack';
import { waitUntil } from '../../kit/wait';

/** `make scenario-1` as a process of its own, against the stack, on the fast profile. */
function startScenarioCli(stack: Stack, reportsDir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot(), 'scenarios', 'cli.ts'), '1'], {
    cwd: projectRoot(),
    env: {
      ...process.env,
      API_URL: stack.urls.api,
      PROMETHEUS_URL: stack.urls.prometheus,
      ALERTMANAGER_URL: stack.urls.alertmanager,
      SCENARIO_PROFILE: 'fast',
      REPORTS_DIR: reportsDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output, exited };
}

/** Registers the tests of a runner that is interrupted twice or killed, on the shared stack of workshop.test.ts. */
export function describeInterruptedRuns(getStack: () => Stack, reportsDir: () => string): void {
  describe('a scenario run that is interrupted or killed', () => {
    const latencyOn = async (api: FaultClient) => (await api.view()).faults.latency.active;
    const latencyInjected = (api: FaultClient) =>
      waitUntil('the scenario to inject its latency', () => latencyOn(api), { timeoutMs: 90_000 });

    it('rolls back on Ctrl-C even when Ctrl-C comes twice', async () => {
      const stack = getStack();
      const api = new FaultClient(stack.urls.api);
      const run = startScenarioCli(stack, reportsDir());
      try {
        await latencyInjected(api);
        run.child.kill('SIGINT');
        // The second Ctrl-C once the first is being handled (signals sent together may merge into one).
        await waitUntil('the runner to start its rollback', () => run.output.join(''), {
          until: (out) => out.includes('interrupted: rolling back'),
          intervalMs: 10,
          timeoutMs: 10_000,
        });
        run.child.kill('SIGINT');
        const code = await run.exited;
        expect(code, run.output.join('')).to.equal(1);
        expect(run.output.join('')).to.match(/SIGINT again: still rolling back/);
        // Off when the process has exited: the rollback did it, long before the safety expiry.
        expect(await latencyOn(api)).to.equal(false);
      } finally {
        run.child.kill('SIGKILL');
      }
    });

    it('leaves faults that switch themselves off when the runner is SIGKILLed', async function () {
      const expiry = safetyExpirySeconds(PROFILES.fast);
      this.timeout((90 + expiry + 15) * 1000);
      const stack = getStack();
      const api = new FaultClient(stack.urls.api);
      const run = startScenarioCli(stack, reportsDir());
      await latencyInjected(api);
      const expiresAt = Date.parse((await api.view()).faults.latency.expires_at ?? '');
      run.child.kill('SIGKILL');
      await run.exited;
      expect(expiresAt - Date.now(), 'expiry set by the runner, in ms from now').to.be.within(
        (expiry - 5) * 1000,
        expiry * 1000,
      );
      expect(await latencyOn(api), 'still on right after the kill: no rollback ran').to.equal(true);
      await waitUntil('the latency fault to expire by itself', () => latencyOn(api), {
        until: (on) => !on,
        timeoutMs: (expiry + 10) * 1000,
        intervalMs: 500,
      });
      expect(Date.now()).to.be.at.least(expiresAt);
    });
  });
}
