import { dockerComposeUnavailable } from '../../stack/docker';

/**
 * Tests whose component cannot exist on this machine. .mocharc forbids pending tests, so such a
 * suite is not registered at all; it is recorded here and test/support/reporter.cjs prints it with
 * its reason and counts it in the closing line ("tests: N passed, M failed, K skipped").
 */
interface Skipped {
  title: string;
  reason: string;
}

const KEY = Symbol.for('fintech-chaos-workshop.skipped-suites');

function skippedSuites(): Skipped[] {
  const registry = globalThis as { [KEY]?: Skipped[] };
  registry[KEY] ??= [];
  return registry[KEY];
}

/**
 * describe() where a Docker engine and the compose plugin answer; elsewhere the suite is reported as
 * skipped with the reason. The only skip there is: REQUIRE_DOCKER=1 (make test-compose) turns it off,
 * so there a missing engine fails the suite instead.
 */
export function describeWhereDockerRuns(title: string, body: (this: Mocha.Suite) => void): void {
  const reason = process.env.REQUIRE_DOCKER === '1' ? undefined : dockerComposeUnavailable();
  if (reason === undefined) describe(title, body);
  else skippedSuites().push({ title, reason });
}

/** describe() unless `reason` says why its component cannot exist here; then it is reported as skipped. */
export function describeUnless(reason: string | undefined, title: string, body: (this: Mocha.Suite) => void): void {
  if (reason === undefined) describe(title, body);
  else skippedSuites().push({ title, reason });
}
