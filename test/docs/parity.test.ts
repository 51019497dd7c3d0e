import path from 'node:path';
import { expect } from 'chai';
import { projectRoot } from '../../app/paths';
import { docFiles, type DocFile } from './markdown';
import { englishTwin, isRussian, isTranslated, parityProblems, russianTwin } from './translations';

const ROOT = projectRoot();
const DOCS = docFiles();
const byRel = new Map(DOCS.map((d) => [d.rel, d]));

describe('the Russian pages (docs/ru/)', () => {
  it('exist for every English page participants read, and only for those', () => {
    const english = DOCS.filter((d) => isTranslated(d.rel));
    expect(english.map((d) => d.rel)).to.include.members([
      'README.md',
      'docs/workshop.md',
      'docs/curl-guide.md',
      'docs/faults.md',
      'docs/cases/01-latency.md',
    ]);
    const untranslated = english
      .filter((d) => !byRel.has(russianTwin(d.rel)))
      .map((d) => `${d.rel}: no ${russianTwin(d.rel)}`);
    const orphans = DOCS.filter(
      (d) => isRussian(d.rel) && !(isTranslated(englishTwin(d.rel)) && byRel.has(englishTwin(d.rel))),
    ).map((d) => `${d.rel}: no English ${englishTwin(d.rel)}`);
    expect([...untranslated, ...orphans]).to.deep.equal([]);
  });

  it('start with a link to their twin, in both languages', () => {
    const wrong: string[] = [];
    for (const en of DOCS.filter((d) => isTranslated(d.rel) && byRel.has(russianTwin(d.rel)))) {
      const ru = byRel.get(russianTwin(en.rel)) as DocFile;
      for (const [page, twin, pattern] of [
        [en, ru, /^English · \[Русский\]\(([^)]+)\)$/],
        [ru, en, /^\[English\]\(([^)]+)\) · Русский$/],
      ] as const) {
        const target = pattern.exec(page.text.split('\n')[0] ?? '')?.[1];
        const resolved =
          target &&
          path
            .relative(ROOT, path.resolve(path.dirname(page.abs), target))
            .split(path.sep)
            .join('/');
        if (resolved !== twin.rel)
          wrong.push(`${page.rel}: first line "${page.text.split('\n')[0]}" does not link to ${twin.rel}`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  for (const en of DOCS.filter((d) => isTranslated(d.rel))) {
    const ru = byRel.get(russianTwin(en.rel));
    if (!ru) continue;
    it(`${ru.rel} has the blocks, links, headings and table code of ${en.rel}, in the same order`, () => {
      expect(parityProblems(en, ru, DOCS, ROOT)).to.deep.equal([]);
    });
  }
});

describe('the parity check (test/docs/translations.ts)', () => {
  const copy = (page: DocFile, edit: (text: string) => string): DocFile => {
    const text = edit(page.text);
    expect(text, 'the edit changed nothing').to.not.equal(page.text);
    return { ...page, text };
  };
  const en = byRel.get('docs/cases/01-latency.md') as DocFile;
  const ru = byRel.get(russianTwin(en.rel)) as DocFile;
  const problems = (changed: DocFile) => parityProblems(en, changed, DOCS, ROOT).join('\n');

  it('maps each page to its twin and back', () => {
    expect(russianTwin('README.md')).to.equal('docs/ru/README.md');
    expect(russianTwin('docs/cases/01-latency.md')).to.equal('docs/ru/cases/01-latency.md');
    expect(englishTwin('docs/ru/README.md')).to.equal('README.md');
    expect(englishTwin('docs/ru/faults.md')).to.equal('docs/faults.md');
  });

  it('finds a changed command', () => {
    expect(problems(copy(ru, (t) => t.replace('curl -s -X POST', 'curl -sS -X POST')))).to.match(
      /^blocks #\d+: .*curl -s -X POST.*curl -sS -X POST/,
    );
  });

  it('finds a changed expected answer: a "# expect:" line, a status, a json block', () => {
    expect(problems(copy(ru, (t) => t.replace('# expect: > 1.9', '# expect: > 1.5')))).to.match(/^blocks #/);
    expect(problems(copy(ru, (t) => t.replace('"released_bytes": 0}', '"released": 0}')))).to.match(/^blocks #/);
    const guide = byRel.get('docs/curl-guide.md') as DocFile;
    const ruGuide = byRel.get('docs/ru/curl-guide.md') as DocFile;
    expect(
      parityProblems(
        guide,
        copy(ruGuide, (t) => t.replace('/api/nothing   # -> 404', '/api/nothing   # -> 400')),
        DOCS,
        ROOT,
      ).join('\n'),
    ).to.match(/^blocks #/);
    expect(
      parityProblems(
        guide,
        copy(ruGuide, (t) => t.replace('\n<!-- varies: $.status, $.checks -->\n', '\n<!-- varies: $.checks -->\n')),
        DOCS,
        ROOT,
      ).join('\n'),
    ).to.match(/^blocks #/);
  });

  it('finds a dropped or changed not-run marker', () => {
    const workshop = byRel.get('docs/workshop.md') as DocFile;
    const ruWorkshop = byRel.get('docs/ru/workshop.md') as DocFile;
    expect(
      parityProblems(
        workshop,
        copy(ruWorkshop, (t) => t.replace(/^<!-- not-run:.*\n/m, '')),
        DOCS,
        ROOT,
      ).join('\n'),
    ).to.match(/^blocks #/);
    expect(
      parityProblems(
        workshop,
        copy(ruWorkshop, (t) => t.replace('<!-- not-run: it runs', '<!-- not-run: it spins')),
        DOCS,
        ROOT,
      ).join('\n'),
    ).to.match(/^blocks #/);
  });

  it('finds a missing block and an extra one', () => {
    expect(problems(copy(ru, (t) => t.replace(/```promql\n# expect: > 0\n[^`]*```\n/, '')))).to.match(/^blocks #/);
    expect(problems(copy(ru, (t) => `${t}\n\`\`\`promql\nup\n\`\`\`\n`))).to.match(
      /^blocks #\d+: .* has nothing, .*up/,
    );
  });

  it('finds a link to another page, to another heading, and links in another order', () => {
    expect(problems(copy(ru, (t) => t.replace('(../workshop.md#программа)', '(../faults.md)')))).to.match(/^links #/);
    expect(problems(copy(ru, (t) => t.replace('(../workshop.md#программа)', '(../workshop.md#роли)')))).to.match(
      /^links #\d+: .*heading-\d+.*heading-\d+/,
    );
    expect(problems(copy(ru, (t) => t.replace('(../workshop.md#программа)', '(../workshop.md#agenda)')))).to.match(
      /heading-\?agenda/,
    );
    const swapped = copy(ru, (t) =>
      t.replace('([программа](../workshop.md#программа))', '([терминал 2](../workshop.md#терминал-2-трафик))'),
    );
    expect(problems(swapped)).to.match(/^links #/);
  });

  it('finds a missing heading and changed code in a table', () => {
    expect(problems(copy(ru, (t) => t.replace('## 4. Реагирование\n', '')))).to.match(/^headings #/);
    expect(
      problems(copy(ru, (t) => t.replace('| `fintech_requests_in_progress` |', '| `fintech_requests_total` |'))),
    ).to.match(/^code in tables #/);
  });

  it('accepts translated prose and translated diagram labels', () => {
    expect(
      problems(copy(ru, (t) => t.replace('Зафиксируйте стационарное состояние', 'Запишите steady state'))),
    ).to.equal('');
    const workshop = byRel.get('docs/workshop.md') as DocFile;
    const ruWorkshop = byRel.get('docs/ru/workshop.md') as DocFile;
    expect(
      parityProblems(
        workshop,
        copy(ruWorkshop, (t) => t.replace('Базовая линия<br/>', 'Baseline<br/>')),
        DOCS,
        ROOT,
      ),
    ).to.deep.equal([]);
  });
});
