import { expect } from 'chai';
import { waitHealthy, waitUntil, WaitError } from '../../kit/wait';

describe('waitUntil (the kit polling helper)', () => {
  it('returns the first value that is done, as soon as it is', async () => {
    let calls = 0;
    const value = await waitUntil('the third call', () => ++calls, {
      until: (n) => n >= 3,
      timeoutMs: 5_000,
      intervalMs: 10,
    });
    expect([value, calls]).to.deep.equal([3, 3]);
  });

  it('fails after the deadline naming what it awaited and the last value seen', async () => {
    const err = await waitUntil('queue to drain', () => ({ depth: 7 }), {
      until: (v) => v.depth === 0,
      timeoutMs: 100,
      intervalMs: 10,
    }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(WaitError);
    expect((err as WaitError).kind).to.equal('timeout');
    expect((err as WaitError).message).to.match(/^queue to drain: not within 0\.1 s \(last: \{"depth":7\}\)$/);
  });

  it('makes its last attempt at the deadline, told that it is the final one', async () => {
    const attempts: boolean[] = [];
    const started = Date.now();
    await waitUntil('never', ({ final }) => attempts.push(final) && false, { timeoutMs: 200, intervalMs: 1_000 }).catch(
      () => undefined,
    );
    expect(attempts).to.deep.equal([false, true]);
    expect(Date.now() - started).to.be.within(190, 900);
  });

  it('stops at once when the signal aborts, even in the middle of a pause', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const started = Date.now();
    const err = await waitUntil('never', () => false, {
      timeoutMs: 10_000,
      intervalMs: 5_000,
      signal: ac.signal,
    }).catch((e: unknown) => e);
    expect((err as WaitError).kind).to.equal('aborted');
    expect(Date.now() - started).to.be.below(1_000);
  });

  it('retries a throwing check with its error as the reason, or rethrows it when asked', async () => {
    const refused = () =>
      Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));
    const retried = await waitUntil('db', refused, { timeoutMs: 50, intervalMs: 10 }).catch((e: unknown) => e);
    expect((retried as WaitError).reason).to.contain('last: connection refused');
    const thrown = await waitUntil('db', refused, { timeoutMs: 5_000, errors: 'throw' }).catch((e: unknown) => e);
    expect(thrown).not.to.be.instanceOf(WaitError);
  });
});

describe('waitHealthy', () => {
  it('resolves as soon as the probe reports healthy', async () => {
    let calls = 0;
    await waitHealthy('third call', () => Promise.resolve(++calls < 3 ? 'not yet' : undefined), {
      timeoutMs: 5_000,
      intervalMs: 10,
    });
    expect(calls).to.equal(3);
  });

  it('fails with the last reason the probe gave', async () => {
    const err = await waitHealthy('prometheus on 127.0.0.1:1', () => Promise.resolve('HTTP 503'), {
      timeoutMs: 100,
      intervalMs: 10,
    }).catch((e: unknown) => e);
    expect((err as WaitError).message).to.match(/^prometheus on 127\.0\.0\.1:1: not within .*\(last: HTTP 503\)/);
  });

  it('gives up at once when giveUp reports a reason', async () => {
    const started = Date.now();
    const err = await waitHealthy('api', () => Promise.resolve('connection refused'), {
      timeoutMs: 10_000,
      giveUp: () => 'exited with code 1',
    }).catch((e: unknown) => e);
    expect([(err as WaitError).kind, (err as WaitError).reason]).to.deep.equal(['gave-up', 'exited with code 1']);
    expect(Date.now() - started).to.be.below(1_000);
  });
});
