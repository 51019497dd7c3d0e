import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { projectRoot } from '../../app/paths';
import { METRICS, RISK_METRICS } from '../../app/telemetry/catalogue';

describe('docs/monitoring.md metric table', () => {
  const rows = new Map(
    fs
      .readFileSync(path.join(projectRoot(), 'docs', 'monitoring.md'), 'utf8')
      .split('\n')
      .flatMap((line) => {
        const m = /^\| `([a-z_:]+)` \| (counter|gauge|histogram) \| (.+?) \|/.exec(line);
        return m
          ? [
              [
                m[1] as string,
                { type: m[2], labels: (m[3] as string).match(/`(\w+)`/g)?.map((l) => l.slice(1, -1)) ?? [] },
              ] as const,
            ]
          : [];
      }),
  );

  it('lists every metric of the catalogue with its type and labels, and nothing else', () => {
    const catalogue = [...Object.values(METRICS), ...Object.values(RISK_METRICS)];
    expect([...rows.keys()]).to.have.members(catalogue.map((m) => m.name));
    for (const m of catalogue) {
      expect(rows.get(m.name), m.name).to.deep.equal({ type: m.type, labels: [...m.labels] });
    }
  });
});
