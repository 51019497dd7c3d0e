'use strict';
// Mocha's spec reporter plus the summary line CI reads: "tests: N passed, M failed".
const Mocha = require('mocha');

const { EVENT_RUN_END } = Mocha.Runner.constants;

class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const { passes = 0, failures = 0 } = this.stats;
      process.stdout.write(`\ntests: ${passes} passed, ${failures} failed\n`);
    });
  }
}

module.exports = SpecWithSummary;
