import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { FaultClient } from '../../kit/faults';
import { startLoad, type RunningLoad } from '../../kit/load';
import { PrometheusClient } from '../../kit/prometheus';
import { waitUntil } from '../../kit/wait';
import { CASES } from '../../scenarios/cases';
import { BAD_REPLICA } from '../../scenarios/cases/06-bad-replica';
import { PROFILES } from '../../scenarios/lib/profiles';
import { runScenario, type Journal } from '../../scenarios/lib/runner';
import { HAPROXY_BACKEND } from '../../stack/haproxy';
import { statePaths } from '../../stack/components';
import { haproxyCommand, StackError, startStack, type Stack } from '../../stack/stack';
import { blocks, docFiles, expectations, holds, type DocFile } from '../docs/markdown';
import { SOURCE_API_COMMAND, failedProbes, suiteDir } from '../support/native-stack';
import { describeAblations, withoutFaults } from './ablation';

/**
 * This suite's ports (21000-21099). HAProxy's metrics (API + 100) and the replicas (API + 101..103)
 * land on 21100-21103: the replica layout is fixed relative to the API port.
 */
const PORTS = {
  api: 21000,
  prometheus: 21090,
  alertmanager: 21093,
  postgres: 21032,
  postgresExporter: 21087,
  alertSink: 21099,
  risk: 21051,
  controlRoom: 21098,
};

const run = promisify(execFile);
const prometheus = (stack: Stack) => new PrometheusClient(stack.urls.prometheus);

/** The instance that answered each of `count` balance reads through HAProxy, and their statuses. */
async function answers(api: string, count: number): Promise<{ instances: string[]; statuses: number[] }> {
  const instances: string[] = [];
  const statuses: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const res = await fetch(`${api}/api/balance`);
    await res.arrayBuffer();
    instances.push(res.headers.get('x-instance-id') ?? '');
    statuses.push(res.status);
  }
  return { instances, statuses };
}

describe('case 6 (bad replica), end to end on three replicas behind HAProxy (fast profile)', function () {
  this.timeout(5 * 60_000);
  let dir: string;
  let stack: Stack;
  let journal: Journal;
  const scenario = CASES[6]!(PROFILES.fast, {});

  before(async () => {
    dir = suiteDir('fintech-bad-replica-');
    stack = await startStack({
      stateDir: path.join(dir, 'stack'),
      ports: PORTS,
      profile: 'fast',
      components: ['postgres', 'alert-sink', 'alertmanager', 'api', 'prometheus'],
      replicas: 3,
      apiCommand: SOURCE_API_COMMAND,
      apiEnv: { LOG_LEVEL: 'warn' },
      readyTimeoutMs: 60_000,
    });
    journal = await runScenario(scenario, {
      apiUrl: stack.urls.api,
      prometheusUrl: stack.urls.prometheus,
      alertmanagerUrl: stack.urls.alertmanager,
      profile: PROFILES.fast,
      log: (line) => process.stdout.write(`      ${line.replaceAll('\n', '\n      ')}\n`),
    });
  });

  after(async () => {
    await stack?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('passes within 90 s: api-2 degraded, the other two healthy, a third of the errors overall', () => {
    expect(failedProbes(journal), 'failed probes').to.deep.equal([]);
    expect(journal.verdict).to.equal('pass');
    expect(journal.seconds).to.be.below(90);
  });

  // Not every key alone: without the fault on every replica, and with nothing injected at all.
  describeAblations(
    () => stack,
    [withoutFaults(scenario, ['latency_ms', 'error_rate']), withoutFaults(scenario, ['instances'])],
  );

  describe(`${scenario.doc}, followed on the replicas`, () => {
    const page = docFiles().find((f) => f.rel === scenario.doc) as DocFile;
    const makeHaproxy = /^make haproxy CMD='([^']+)'$/;
    // What test/docs cannot run against one API process: the on-replicas blocks and the runtime commands.
    const steps = blocks(page).filter((b) => b.onReplicas !== undefined || makeHaproxy.test(b.body.trim()));
    const rewrite = (text: string) =>
      text
        .replaceAll('http://127.0.0.1:5000', stack.urls.api)
        .replaceAll('.run/logs', path.dirname(statePaths(stack.stateDir).log('api')));
    let load: RunningLoad | undefined;

    before(() => {
      load = startLoad({ url: stack.urls.api, ...scenario.load, seconds: 120 });
    });
    after(async () => {
      await haproxyCommand(stack.stateDir, `set server ${HAPROXY_BACKEND}/${BAD_REPLICA} state ready`);
      await new FaultClient(stack.urls.api).reset();
      await load?.stop();
    });

    it('runs its replica blocks and runtime commands in page order: api-2 found, out of rotation, back', async () => {
      expect(steps.map((b) => b.lang).sort()).to.deep.equal([
        'promql',
        'promql',
        'promql',
        'promql',
        'promql',
        'sh',
        'sh',
        'sh',
        'sh',
      ]);
      for (const block of steps) {
        const where = `${page.rel}:${block.line}`;
        const command = makeHaproxy.exec(block.body.trim())?.[1];
        if (block.lang === 'promql') {
          // Polled until one sample meets its `# expect:` lines, as test/docs does for the other blocks.
          const exps = expectations(block);
          await waitUntil(
            `${where} to hold`,
            async () => (await prometheus(stack).query(block.body)).map((x) => x.value),
            {
              until: (vs) => vs.some((v) => !Number.isNaN(v) && exps.every((e) => holds(v, e))),
              timeoutMs: 45_000,
              intervalMs: 500,
            },
          );
        } else if (command !== undefined) {
          expect(
            (await haproxyCommand(stack.stateDir, command)).trim(),
            `${where}: the answer of a successful set`,
          ).to.equal('');
          if (command.endsWith('maint')) {
            const { instances, statuses } = await answers(stack.urls.api, 12);
            expect(instances, `${where}: out of rotation`).to.not.include(BAD_REPLICA);
            expect(
              statuses.filter((st) => st !== 200),
              `${where}: no request fails`,
            ).to.deep.equal([]);
          } else {
            await waitUntil(
              `${where}: api-2 back in rotation`,
              async () => (await answers(stack.urls.api, 6)).instances,
              {
                until: (instances) => instances.includes(BAD_REPLICA),
                timeoutMs: 10_000,
              },
            );
          }
        } else {
          const { stdout } = await run('bash', ['-o', 'pipefail', '-c', rewrite(block.body)]);
          if (block.body.includes('grep'))
            expect(stdout, `${where}: HAProxy's log names the server`).to.include(
              ` ${HAPROXY_BACKEND}/${BAD_REPLICA} `,
            );
        }
      }
    });
  });

  it('refuses a runtime command where the API runs as one process (no HAProxy)', async () => {
    const single = path.join(dir, 'single');
    fs.mkdirSync(single);
    fs.writeFileSync(path.join(single, 'stack.json'), JSON.stringify({ replicas: 1 }));
    const err = await haproxyCommand(single, 'show servers state').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(StackError);
    expect((err as Error).message).to.include('make up REPLICAS=3');
  });
});
