import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  PROMETHEUS_DIR,
  RULE_FILES,
  filesIn,
  readYaml,
  recordedNames,
  rulesOf,
  runTool,
  unknownMetrics,
} from './tools';

interface PrometheusConfig {
  global: { scrape_interval: string; evaluation_interval: string };
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  rule_files: string[];
  scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
}

const NATIVE = {
  api: '127.0.0.1:5000',
  risk: '127.0.0.1:5001',
  postgres: '127.0.0.1:9187',
  alertmanager: '127.0.0.1:9093',
  prometheus: '127.0.0.1:9090',
};
const COMPOSE = {
  api: 'api:5000',
  risk: 'risk:5001',
  postgres: 'postgres-exporter:9187',
  alertmanager: 'alertmanager:9093',
  prometheus: 'prometheus:9090',
};
const PROFILES = [
  { file: 'prometheus.yml', interval: '5s', hosts: NATIVE },
  { file: 'prometheus.docker.yml', interval: '5s', hosts: COMPOSE },
  { file: 'prometheus.fast.yml', interval: '1s', hosts: NATIVE },
  { file: 'prometheus.docker.fast.yml', interval: '1s', hosts: COMPOSE },
];
const SLO_FILES = ['rules/slo.yml', 'rules/slo-workshop.yml'];
const RUNBOOK_BASE = 'https://github.com/fintech-chaos-workshop/fintech-chaos-workshop/blob/main/docs/cases/';
const CASES = [
  '01-latency.md',
  '02-error-rate.md',
  '03-slow-database.md',
  '04-memory-leak.md',
  '05-chaos-mix.md',
  '07-slow-dependency.md',
  '08-retry-storm.md',
];
/** Alerts the automated scenarios wait for, with the longest `for` that still fires within ~30 s. */
const SCENARIO_ALERTS: Record<string, number> = {
  FintechHighLatencyP99: 15,
  FintechHighLatencyP95: 15,
  FintechHighErrorRatio: 15,
  FintechSlowDatabaseTransactions: 15,
  FintechSlowDatabaseQueries: 15,
  FintechMemoryLeak: 15,
  FintechChaosFaultActive: 0,
};
const CONTRACT_ALERTS = [
  ...Object.keys(SCENARIO_ALERTS),
  'FintechHighMemory',
  'FintechEventLoopBlocked',
  'FintechHighPostgresTransactionRate',
  'FintechApiDown',
  'FintechErrorBudgetBurnFast',
  'FintechErrorBudgetBurnSlow',
  'FintechErrorBudgetBurnTicket',
  'FintechDependencySlow',
  'FintechDependencyBreakerOpen',
  'FintechDependencyRetryRatio',
];

const allRules = RULE_FILES.flatMap((file) => rulesOf(file).map((rule) => ({ file, rule })));
const alerts = allRules.filter(({ rule }) => rule.alert);

function seconds(duration: string | undefined): number {
  if (!duration) return 0;
  const match = /^(\d+)(ms|s|m|h)$/.exec(duration);
  if (!match) throw new Error(`unexpected duration ${duration}`);
  return Number(match[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] as 'ms' | 's' | 'm' | 'h'];
}

describe('Prometheus configuration', () => {
  for (const profile of PROFILES) {
    describe(profile.file, () => {
      const path = join(PROMETHEUS_DIR, profile.file);
      const config = readYaml<PrometheusConfig>(path);

      it('passes promtool check config, including the rule files it loads', () => {
        const result = runTool('promtool', ['check', 'config', path]);
        expect(result.code, result.output).to.equal(0);
      });

      it(`scrapes and evaluates rules every ${profile.interval}`, () => {
        expect(config.global).to.include({ scrape_interval: profile.interval, evaluation_interval: profile.interval });
      });

      it('scrapes the five contract jobs and sends alerts to Alertmanager', () => {
        const jobs = Object.fromEntries(
          config.scrape_configs.map((job) => [job.job_name, job.static_configs.flatMap((c) => c.targets)]),
        );
        expect(jobs).to.deep.equal({
          'fintech-api': [profile.hosts.api],
          risk: [profile.hosts.risk],
          postgres: [profile.hosts.postgres],
          alertmanager: [profile.hosts.alertmanager],
          prometheus: [profile.hosts.prometheus],
        });
        expect(
          config.alerting.alertmanagers.flatMap((am) => am.static_configs.flatMap((c) => c.targets)),
        ).to.deep.equal([profile.hosts.alertmanager]);
      });

      it('names its rule files in its header comment, as the launcher reads them', () => {
        const header = /^# Rule files: (.+)$/m.exec(readFileSync(path, 'utf8'));
        expect(header, 'a "# Rule files: ..." line').to.not.equal(null);
        expect(header![1]!.split(', ')).to.deep.equal(config.rule_files);
      });

      it('loads exactly one SLO profile, so no alert is defined twice', () => {
        expect(config.rule_files.filter((file) => SLO_FILES.includes(file))).to.have.lengthOf(1);
        const names = config.rule_files.flatMap((file) =>
          rulesOf(file.replace(/^rules\//, '')).flatMap((rule) => (rule.alert ? [rule.alert] : [])),
        );
        expect(names).to.have.members(CONTRACT_ALERTS);
        expect(names).to.have.lengthOf(new Set(names).size);
      });
    });
  }
});

describe('Prometheus rules', () => {
  for (const file of RULE_FILES) {
    it(`rules/${file} passes promtool check rules`, () => {
      const result = runTool('promtool', ['check', 'rules', join(PROMETHEUS_DIR, 'rules', file)]);
      expect(result.code, result.output).to.equal(0);
    });
  }

  for (const file of filesIn(join(PROMETHEUS_DIR, 'tests'), '.test.yml')) {
    it(`tests/${file} passes promtool test rules`, function () {
      this.timeout(60_000);
      const result = runTool('promtool', ['test', 'rules', join(PROMETHEUS_DIR, 'tests', file)]);
      expect(result.code, result.output).to.equal(0);
    });
  }

  describe('unit-test coverage', () => {
    type UnitTests = {
      rule_files: string[];
      tests: {
        promql_expr_test?: { expr: string }[];
        alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
      }[];
    };
    const suites = filesIn(join(PROMETHEUS_DIR, 'tests'), '.test.yml').map((file) =>
      readYaml<UnitTests>(join(PROMETHEUS_DIR, 'tests', file)),
    );
    const testsFor = (ruleFile: string) =>
      suites.filter((suite) => suite.rule_files.includes(`../rules/${ruleFile}`)).flatMap((suite) => suite.tests);

    for (const { file, rule } of alerts) {
      it(`asserts ${rule.alert} of rules/${file} both firing and silent`, () => {
        const cases = testsFor(file)
          .flatMap((t) => t.alert_rule_test ?? [])
          .filter((c) => c.alertname === rule.alert);
        expect(
          cases.some((c) => (c.exp_alerts ?? []).length > 0),
          'a firing case',
        ).to.equal(true);
        expect(
          cases.some((c) => (c.exp_alerts ?? []).length === 0),
          'a silent case',
        ).to.equal(true);
      });
    }

    for (const name of [...new Set(allRules.flatMap(({ rule }) => (rule.record ? [rule.record] : [])))]) {
      it(`asserts the values of ${name}`, () => {
        const files = allRules.filter(({ rule }) => rule.record === name).map(({ file }) => file);
        for (const file of new Set(files)) {
          const exprs = testsFor(file)
            .flatMap((t) => t.promql_expr_test ?? [])
            .map((c) => c.expr);
          expect(
            exprs.some((expr) => recordedNames(expr).includes(name)),
            `a promql_expr_test for rules/${file}`,
          ).to.equal(true);
        }
      });
    }
  });

  describe('alerts', () => {
    it('define every alert name the scenarios and docs use', () => {
      const names = alerts.map(({ rule }) => rule.alert);
      expect(names).to.include.members(CONTRACT_ALERTS);
    });

    for (const [name, maxFor] of Object.entries(SCENARIO_ALERTS)) {
      it(`${name} waits at most ${maxFor}s before firing, so scenarios see it within ~30 s`, () => {
        const rule = alerts.find(({ rule }) => rule.alert === name)?.rule;
        expect(rule, name).to.not.equal(undefined);
        expect(seconds(rule!.for)).to.be.at.most(maxFor);
      });
    }

    for (const { file, rule } of alerts) {
      it(`${rule.alert} (rules/${file}) has a severity, a summary, a description with its value and a runbook`, () => {
        expect(rule.labels?.severity).to.be.oneOf(['critical', 'warning', 'info', 'page', 'ticket']);
        expect(rule.annotations?.summary).to.be.a('string').and.not.equal('');
        expect(rule.annotations?.description).to.match(/\{\{ *\$value\b|\{\{ *\$labels\./);
        const runbook = rule.annotations?.runbook_url ?? '';
        expect(runbook.startsWith(RUNBOOK_BASE), runbook).to.equal(true);
        expect(runbook.slice(RUNBOOK_BASE.length)).to.be.oneOf(CASES);
      });
    }
  });

  it('read only catalogue metrics and recorded series that a rule defines', () => {
    const recorded = new Set(allRules.flatMap(({ rule }) => (rule.record ? [rule.record] : [])));
    const problems = allRules.flatMap(({ file, rule }) => [
      ...unknownMetrics(rule.expr).map((name) => `rules/${file}: ${name} is not in app/telemetry/catalogue.ts`),
      ...recordedNames(rule.expr)
        .filter((name) => !recorded.has(name))
        .map((name) => `rules/${file}: ${name} is not recorded by any rule`),
    ]);
    expect(problems).to.deep.equal([]);
  });
});
