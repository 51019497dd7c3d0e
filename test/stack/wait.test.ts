import { expect } from 'chai';
import { waitFor, WaitError } from '../../stack/wait';

describe('waitFor', () => {
  it('resolves as soon as the probe reports healthy', async () => {
    let calls = 0;
    await waitFor('third call', () => Promise.resolve(++calls < 3 ? 'not yet' : undefined), {
      timeoutMs: 5_000,
      intervalMs: 10,
    });
    expect(calls).to.equal(3);
  });

  it('fails after the deadline naming what it awaited and the last reason', async () => {
    const err = await waitFor('prometheus on 127.0.0.1:1', () => Promise.resolve('HTTP 503'), {
      timeoutMs: 100,
      intervalMs: 10,
    }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(WaitError);
    expect((err as WaitError).message).to.match(/^prometheus on 127\.0\.0\.1:1: not ready after .*HTTP 503/);
  });

  it('gives up at once when giveUp reports a reason', async () => {
    const started = Date.now();
    const err = await waitFor('api', () => Promise.resolve('connection refused'), {
      timeoutMs: 10_000,
      giveUp: () => 'exited with code 1',
    }).catch((e: unknown) => e);
    expect((err as WaitError).reason).to.equal('exited with code 1');
    expect(Date.now() - started).to.be.below(1_000);
  });

  it('turns a throwing probe into a short reason', async () => {
    const err = await waitFor(
      'db',
      () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })),
      { timeoutMs: 50, intervalMs: 10 },
    ).catch((e: unknown) => e);
    expect((err as WaitError).reason).to.contain('last: connection refused');
  });
});
