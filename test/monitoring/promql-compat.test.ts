import { expect } from 'chai';
import { dashboardQueries } from '../../monitoring/grafana/queries';
import { RULE_FILES, rulesOf } from './tools';

/**
 * The native stack runs Prometheus 2.42 (Debian), Compose runs 3.x (docs/versions.md); promtool 2.42
 * checks the rules here, no 3.x can run without Docker. These are the 3.x changes that would make the
 * same expression mean something else, and each must stay out of the rules and dashboards.
 */
const AVOIDED: { what: string; pattern: RegExp }[] = [
  // 3.x stores le/quantile values as OpenMetrics floats (model/labels/float.go): le="1" is ingested as
  // le="1.0", while le="0.5" stays as it is; a regex over those values would depend on the spelling too
  {
    what: 'le or quantile matcher on a whole number, nor a regex one',
    pattern: /\b(le|quantile)\s*((=|!=)\s*"[-+]?\d+"|=~|!~)/,
  },
  { what: 'holt_winters (3.x: double_exponential_smoothing)', pattern: /\bholt_winters\s*\(/ },
];
/**
 * 3.x range selectors leave out a sample exactly on the left edge: a window must still hold the two
 * samples rate() needs at the workshop's 5 s scrape. The error-ratio alert's 10 s branch sits at that
 * edge on purpose: when a missed scrape empties it, its 30 s branch still applies (docs/performance.md).
 */
const MIN_WINDOW_SECONDS = 10;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

const expressions = [
  ...RULE_FILES.flatMap((file) =>
    rulesOf(file).map((rule) => ({ where: `${file}: ${rule.record ?? rule.alert}`, expr: rule.expr })),
  ),
  ...dashboardQueries().map((q) => ({ where: `${q.dashboard} / ${q.panel}`, expr: q.expr })),
];

describe('PromQL valid on Prometheus 2.42 and 3.x alike', () => {
  it('reads every rule and dashboard expression', () => {
    expect(expressions.length).to.be.greaterThan(20);
  });

  for (const { what, pattern } of AVOIDED) {
    it(`uses no ${what}`, () => {
      expect(expressions.filter((e) => pattern.test(e.expr)).map((e) => e.where)).to.deep.equal([]);
    });
  }

  it(`uses no range window shorter than ${MIN_WINDOW_SECONDS} s`, () => {
    const short = expressions.flatMap(({ where, expr }) =>
      [...expr.matchAll(/\[(\d+)(ms|s|m|h|d)(?::[^\]]*)?\]/g)]
        .filter((m) => Number(m[1]) * (UNIT_SECONDS[m[2] ?? 's'] ?? 1) < MIN_WINDOW_SECONDS)
        .map((m) => `${where}: ${m[0]}`),
    );
    expect(short).to.deep.equal([]);
  });

  it('would catch each avoided construct', () => {
    expect(AVOIDED.map((a) => a.pattern.test('sum(x_bucket{le="1"}) + holt_winters(y[1m], 0.5, 0.5)'))).to.not.include(
      false,
    );
    expect(AVOIDED[0]?.pattern.test('sum(x_bucket{le=~"1|2"})')).to.equal(true);
    for (const fine of ['histogram_quantile(0.99, sum by (le) (rate(x_bucket[30s])))', 'x_bucket{le="0.5"}']) {
      expect(AVOIDED[0]?.pattern.test(fine), fine).to.equal(false);
    }
  });
});
