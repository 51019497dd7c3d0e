import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { projectRoot } from '../../app/paths';

/** The folders of the project's own files (not node_modules, dist, reports or a running stack's state). */
const FOLDERS = ['app', 'bench', 'docs', 'monitoring', 'scenarios', 'scripts', 'stack', 'test'];
/** Lowercase words joined by hyphens, then any extensions: request-context.ts, 01-latency.md, alerts.test.yml. */
const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+)*$/;

describe('file names', () => {
  it('are kebab-case in every source, config, test and docs folder (README.md aside)', () => {
    const root = projectRoot();
    const names = FOLDERS.flatMap((folder) =>
      fs.readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' }).map((rel) => `${folder}/${rel}`),
    );
    expect(names.length, 'files checked').to.be.greaterThan(150);
    const wrong = names.filter((rel) => path.basename(rel) !== 'README.md' && !KEBAB.test(path.basename(rel)));
    expect(wrong).to.deep.equal([]);
  });

  it('flags a snake_case page, so the check can fail', () => {
    expect(KEBAB.test('adding_a_fault.md')).to.equal(false);
    expect(KEBAB.test('adding-a-fault.md')).to.equal(true);
  });
});
