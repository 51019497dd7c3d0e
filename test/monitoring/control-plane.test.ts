import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { NOT_CONTROL_PLANE } from '../../app/faults/engine';
import { projectRoot } from '../../app/paths';
import { q } from '../../scenarios/lib/queries';

const ROOT = projectRoot();
const MONITORING = ['monitoring/prometheus/rules', 'monitoring/grafana/dashboards', 'docs/cases', 'docs/ru/cases'];
const ENDPOINT_EXCLUSION = /endpoint!~\\?"[^"\\]*\\?"/g;

function exclusions(): { file: string; matcher: string }[] {
  return MONITORING.flatMap((dir) =>
    fs.readdirSync(path.join(ROOT, dir)).flatMap((name) => {
      const text = fs.readFileSync(path.join(ROOT, dir, name), 'utf8');
      return [...text.matchAll(ENDPOINT_EXCLUSION)].map((m) => ({
        file: `${dir}/${name}`,
        matcher: m[0].replaceAll('\\"', '"'),
      }));
    }),
  );
}

// Rules (YAML), dashboards (JSON) and the case pages cannot import the constant: this holds them to it.
describe('the control plane left out of the SLIs', () => {
  it('is the one constant in every rule and dashboard expression that excludes endpoints', () => {
    const found = exclusions();
    expect(found.length, 'endpoint exclusions found').to.be.greaterThan(10);
    expect(found.filter((f) => f.matcher !== NOT_CONTROL_PLANE)).to.deep.equal([]);
    for (const dir of ['rules', 'dashboards'])
      expect(
        found.some((f) => f.file.includes(`/${dir}/`)),
        `an exclusion in ${dir}`,
      ).to.equal(true);
  });

  it("is the constant in the scenarios' PromQL", () => {
    for (const expr of [q.requestRate(), q.errorRatio(), q.latencyQuantile(0.99), q.requestsAnswered(500)])
      expect(expr).to.include(`${NOT_CONTROL_PLANE}`);
  });

  it('would catch a rule that drifted from the constant', () => {
    const drifted = 'sum(rate(fintech_requests_total{endpoint!~"/api/failures"}[30s]))';
    const matcher = [...drifted.matchAll(ENDPOINT_EXCLUSION)].map((m) => m[0]);
    expect(matcher).to.have.length(1);
    expect(matcher[0]).not.to.equal(NOT_CONTROL_PLANE);
  });
});
