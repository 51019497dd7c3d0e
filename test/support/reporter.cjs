'use strict';
// Mocha's spec reporter plus the summary line CI reads: "tests: N passed, M failed", with
// ", K skipped" when a suite could not run here (test/support/skips.ts: no Docker engine).
const Mocha = require('mocha');

const { EVENT_RUN_END } = Mocha.Runner.constants;
const SKIPPED = Symbol.for('fintech-chaos-workshop.skipped-suites');

class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const { passes = 0, failures = 0 } = this.stats;
      const skipped = globalThis[SKIPPED] ?? [];
      for (const { title, reason } of skipped) process.stdout.write(`\nSKIPPED: ${title}: ${reason}`);
      const tail = skipped.length > 0 ? `, ${skipped.length} skipped` : '';
      process.stdout.write(`\ntests: ${passes} passed, ${failures} failed${tail}\n`);
    });
  }
}

module.exports = SpecWithSummary;
