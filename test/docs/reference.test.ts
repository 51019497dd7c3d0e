import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { projectRoot } from '../../app/paths';
import { loadConfig, CONFIG_KEYS } from '../../app/config';
import {
  DEFAULT_SETTINGS,
  FAULT_NAMES,
  SETTING_KEYS,
  catalogue,
  scopeSettings,
  settingsSchema,
} from '../../app/faults/catalogue';
import { METRICS } from '../../app/telemetry/catalogue';
import { CASES } from '../../scenarios/cases';
import { PROFILES } from '../../scenarios/lib/profiles';
import {
  SHELL_LANGS,
  anchors,
  blocks,
  commands,
  docFiles,
  expectations,
  inlineCode,
  links,
  makeTargetsIn,
  holds,
  plain,
  prose,
  answerProblems,
  parseAnswer,
  tables,
  type DocFile,
} from './markdown';
import { isRussian, russianTwin } from './translations';

/**
 * The docs name things that live elsewhere: metrics, recording rules, alerts, dashboard panels,
 * Makefile targets, configuration defaults, fault settings and their limits, other pages. These
 * tests fail when one of them is renamed, removed or changed without the docs following.
 * (Commands and queries are run by commands.test.ts.)
 */

const ROOT = projectRoot();
const DOCS = docFiles();
/** The words the checks read in the tables and sentences of a page, in the page's language. */
const WORDS = {
  en: {
    dashboardPanel: 'Dashboard|Panel',
    variableDefault: 'Variable|Default',
    unset: 'unset',
    empty: 'empty',
    fields: 'Field|Type|Unit|Range|Default',
    prefixes: 'prefixes',
    order: 'in this order:',
  },
  ru: {
    dashboardPanel: 'Дашборд|Панель',
    variableDefault: 'Переменная|По умолчанию',
    unset: 'не задан',
    empty: 'пусто',
    fields: 'Поле|Тип|Единица|Диапазон|По умолчанию',
    prefixes: 'префиксов',
    order: 'в таком порядке:',
  },
};
const wordsOf = (file: DocFile) => WORDS[isRussian(file.rel) ? 'ru' : 'en'];
const headed = (t: { header: string[] }, words: string) =>
  t.header.slice(0, words.split('|').length).join('|') === words;
const doc = (rel: string): DocFile => {
  const found = DOCS.find((d) => d.rel === rel);
  if (!found) throw new Error(`${rel} is missing`);
  return found;
};

describe('the docs (README.md and docs/)', () => {
  it('are the pages the alerts, the scenarios and the README point at', () => {
    for (const rel of [
      'docs/workshop.md',
      'docs/architecture.md',
      'docs/testing-philosophy.md',
      'docs/curl-guide.md',
      'docs/faults.md',
      'docs/adding-a-fault.md',
      'docs/monitoring.md',
      'docs/cases/01-latency.md',
      'docs/cases/02-error-rate.md',
      'docs/cases/03-slow-database.md',
      'docs/cases/04-memory-leak.md',
      'docs/cases/05-chaos-mix.md',
    ]) {
      expect(
        DOCS.map((d) => d.rel),
        rel,
      ).to.include(rel);
    }
  });

  it('link only to files and headings that exist', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of DOCS) {
      for (const link of links(file)) {
        checked += 1;
        const [target = '', anchor] = link.target.split('#') as [string, string | undefined];
        const abs = target === '' ? file.abs : path.resolve(path.dirname(file.abs), decodeURIComponent(target));
        const where = `${file.rel}:${link.line} -> ${link.target}`;
        if (!abs.startsWith(ROOT) || !fs.existsSync(abs)) {
          broken.push(`${where}: no such file`);
          continue;
        }
        if (anchor === undefined) continue;
        const linked = DOCS.find((d) => d.abs === abs);
        if (!linked) broken.push(`${where}: an anchor into a file that is not a docs page`);
        else if (!anchors(linked).has(anchor)) broken.push(`${where}: no heading "#${anchor}" there`);
      }
    }
    expect(checked, 'links found').to.be.greaterThan(40);
    expect(broken).to.deep.equal([]);
  });

  it('name only metrics of the catalogue (app/telemetry/catalogue.ts) and the recording rules', () => {
    const known = knownMetricNames();
    const records = recordingRuleNames();
    const unknown: string[] = [];
    const seen = new Set<string>();
    for (const file of DOCS) {
      for (const m of file.text.matchAll(/\bfintech_[a-z0-9_]*[a-z0-9]\b/g)) {
        seen.add(m[0]);
        if (!known.has(m[0])) unknown.push(`${file.rel}: ${m[0]}`);
      }
      for (const m of file.text.matchAll(/\bfintech:[a-z0-9_:]*[a-z0-9]\b/g)) {
        seen.add(m[0]);
        if (!records.has(m[0])) unknown.push(`${file.rel}: ${m[0]} (no such recording rule)`);
      }
    }
    console.log(`      ${seen.size} distinct metric and recording rule names checked`);
    expect(seen.size).to.be.greaterThan(20);
    expect([...new Set(unknown)]).to.deep.equal([]);
  });

  it('name only alerts defined in monitoring/prometheus/rules', () => {
    const known = alertNames();
    const unknown: string[] = [];
    for (const file of DOCS) {
      for (const m of file.text.matchAll(/\bFintech[A-Z][A-Za-z0-9]*(\.?\*)?/g)) {
        const name = m[0].replace(/\.?\*$/, '');
        const ok = m[1] ? [...known].some((k) => k.startsWith(name)) : known.has(name);
        if (!ok) unknown.push(`${file.rel}: ${m[0]}`);
      }
    }
    expect(known.size).to.be.greaterThan(10);
    expect([...new Set(unknown)]).to.deep.equal([]);
  });

  it('quote only Grafana dashboards and panels that exist', () => {
    const boards = dashboards();
    const problems: string[] = [];
    let rows = 0;
    for (const file of DOCS) {
      for (const table of tables(file).filter((t) => headed(t, wordsOf(file).dashboardPanel))) {
        for (const row of table.rows) {
          rows += 1;
          const [board = '', panel = ''] = row.map(plain);
          if (!boards.has(board)) problems.push(`${file.rel}: no dashboard "${board}"`);
          else if (!boards.get(board)?.has(panel)) problems.push(`${file.rel}: no panel "${panel}" on "${board}"`);
        }
      }
      for (const m of prose(file).matchAll(/\*\*(Fintech [^*]+)\*\*/g)) {
        if (!boards.has(m[1] as string)) problems.push(`${file.rel}: no dashboard "${m[1]}"`);
      }
    }
    expect(rows, 'dashboard/panel rows in the case pages').to.be.greaterThan(25);
    expect(problems).to.deep.equal([]);
  });

  it('name only Makefile targets that exist', () => {
    const targets = makeTargets();
    const unknown: string[] = [];
    let checked = 0;
    for (const file of DOCS) {
      const named = [
        ...inlineCode(file).flatMap(makeTargetsIn),
        ...blocks(file)
          .filter((b) => SHELL_LANGS.has(b.lang))
          .flatMap((b) => commands(b).flatMap((c) => c.makeTargets ?? [])),
      ];
      for (const t of named) {
        checked += 1;
        if (!targets.has(t)) unknown.push(`${file.rel}: make ${t}`);
      }
    }
    expect(checked).to.be.greaterThan(20);
    expect(unknown).to.deep.equal([]);
  });

  it('quote configuration defaults as app/config.ts has them', () => {
    const defaults = loadConfig({}) as unknown as Record<string, string | number | boolean | string[] | undefined>;
    // A list (CORS_ORIGINS) is configured as comma-separated text.
    const shown = (v: string | number | boolean | string[] | undefined, file: DocFile) =>
      v === undefined ? wordsOf(file).unset : String(v) === '' ? wordsOf(file).empty : String(v);
    const wrong: string[] = [];
    let checked = 0;
    for (const file of DOCS) {
      // `DB_POOL_MAX`, 20 / `DB_CONNECT_TIMEOUT_MS` (2000 ms) / `DB_SLOW_DEFAULT_MS` = 1000 / (default 512 MB)
      for (const m of prose(file).matchAll(
        /`([A-Z][A-Z0-9_]+)`\s*(?:\(|,|=)\s*(?:default\s+|по умолчанию\s+)?(\d+)\b/g,
      )) {
        const key = m[1] as string;
        if (typeof defaults[key] !== 'number') continue;
        checked += 1;
        if (String(defaults[key]) !== m[2])
          wrong.push(`${file.rel}: ${key} ${m[2]} (default is ${String(defaults[key])})`);
      }
      // the "Variable | Default" tables
      for (const table of tables(file).filter((t) => headed(t, wordsOf(file).variableDefault))) {
        for (const [name = '', value = ''] of table.rows.map((r) => r.map(plain))) {
          checked += 1;
          if (!(CONFIG_KEYS as string[]).includes(name))
            wrong.push(`${file.rel}: ${name} is not read by app/config.ts`);
          else if (shown(defaults[name], file) !== value)
            wrong.push(`${file.rel}: ${name} default "${value}" (app/config.ts: ${shown(defaults[name], file)})`);
        }
      }
    }
    expect(checked).to.be.greaterThan(8);
    expect(wrong).to.deep.equal([]);
  });

  it('mark few blocks "not-run", each with a reason, and put every curl in a block that runs', () => {
    const notRun = DOCS.flatMap(blocks).filter((b) => b.notRun !== undefined);
    // A Russian page repeats its English twin's markers (parity.test.ts): counted once.
    expect(notRun.filter((b) => !isRussian(b.file.rel)).map((b) => `${b.file.rel}:${b.line}`)).to.have.length.at.most(
      3,
    );
    for (const b of notRun) expect(b.notRun, `${b.file.rel}:${b.line}`).to.have.length.greaterThan(10);
    const hidden = DOCS.flatMap(blocks).filter((b) => !SHELL_LANGS.has(b.lang) && /(^|\s)curl\s/m.test(b.body));
    expect(hidden.map((b) => `${b.file.rel}:${b.line} (${b.lang || 'no language'})`)).to.deep.equal([]);
  });

  it('write commands the docs test can check: no -D/--dump-header (the test reads statuses through it)', () => {
    const offending = DOCS.flatMap(blocks)
      .filter((b) => SHELL_LANGS.has(b.lang) && b.notRun === undefined)
      .flatMap((b) =>
        commands(b)
          .filter((c) => /\bcurl\b/.test(c.text) && /\s(-D|--dump-header)\s/.test(c.text))
          .map((c) => `${b.file.rel}:${c.line}`),
      );
    expect(offending).to.deep.equal([]);
  });

  it('give answers (json blocks) that are valid JSON, and PromQL expectations that parse', () => {
    const all = DOCS.flatMap(blocks);
    for (const b of all.filter((x) => x.lang === 'json')) {
      expect(() => parseAnswer(b.body), `${b.file.rel}:${b.line}`).not.to.throw();
    }
    const promql = all.filter((b) => b.lang === 'promql');
    expect(promql.length).to.be.greaterThan(30);
    for (const b of promql) expect(() => expectations(b), `${b.file.rel}:${b.line}`).not.to.throw();
  });
});

for (const rel of ['docs/faults.md', russianTwin('docs/faults.md')])
  describe(rel, () => {
    const file = doc(rel);
    const words = wordsOf(file);
    const fieldTables = tables(file).filter((t) => headed(t, words.fields));
    const rows = new Map(fieldTables.flatMap((t) => t.rows).map((r) => [plain(r[0] ?? ''), r.map(plain)] as const));
    const dash = (s: string) => s.replace(/\s*[–-]\s*/, '–');

    it('documents every fault setting with the type, range and default of its schema', () => {
      expect(fieldTables, 'the settings and scope tables').to.have.length(2);
      const problems: string[] = [];
      for (const key of SETTING_KEYS) {
        const row = rows.get(key);
        if (!row) {
          problems.push(`${key}: no row`);
          continue;
        }
        const [, type, , range, def] = row as [string, string, string, string, string];
        const schema = settingsSchema.shape[key].unwrap() as unknown as {
          type: string;
          minValue?: number;
          maxValue?: number;
          isInt?: boolean;
        };
        const expectedType = schema.type === 'boolean' ? 'boolean' : schema.isInt ? 'integer' : 'number';
        const expectedRange = schema.type === 'boolean' ? 'true/false' : `${schema.minValue}–${schema.maxValue}`;
        if (type !== expectedType) problems.push(`${key}: type "${type}", schema says ${expectedType}`);
        if (dash(range) !== expectedRange) problems.push(`${key}: range "${range}", schema says ${expectedRange}`);
        if (def !== String(DEFAULT_SETTINGS[key]))
          problems.push(`${key}: default "${def}", schema says ${String(DEFAULT_SETTINGS[key])}`);
      }
      const documented = [...rows.keys()].filter((k) => !(k in scopeSettings));
      const extra = documented.filter((k) => !(SETTING_KEYS as string[]).includes(k));
      expect(problems).to.deep.equal([]);
      expect(extra, 'rows for settings that do not exist').to.deep.equal([]);
    });

    it('documents routes and duration_s with the limits the registry applies', () => {
      const duration = scopeSettings.duration_s.unwrap() as unknown as { minValue: number; maxValue: number };
      expect(dash(rows.get('duration_s')?.[3] ?? '')).to.equal(`${duration.minValue}–${duration.maxValue}`);
      const checks = (
        scopeSettings.routes.unwrap() as unknown as {
          _zod: { def: { checks: { _zod: { def: { check: string; minimum?: number; maximum?: number } } }[] } };
        }
      )._zod.def.checks.map((c) => c._zod.def);
      const min = checks.find((c) => c.check === 'min_length')?.minimum;
      const max = checks.find((c) => c.check === 'max_length')?.maximum;
      expect(dash(rows.get('routes')?.[3] ?? '')).to.equal(`${min}–${max} ${words.prefixes}`);
    });

    it('has one section per fault, for faults that exist', () => {
      const sections = [...prose(file).matchAll(/^### `([a-z_]+)`\s*$/gm)].map((m) => m[1]);
      expect(sections).to.deep.equal([...FAULT_NAMES]);
    });

    it('says that cpu_burn stalls /livez and the control plane too (it blocks the event loop), and no page that they are never affected', () => {
      // test/faults/request-faults.test.ts shows the stall; a page promising otherwise would be wrong.
      const promises = DOCS.flatMap((d) =>
        [...prose(d).matchAll(/never (?:affected|faulted)/gi)].map((m) => `${d.rel}: "${m[0]}"`),
      );
      expect(promises).to.deep.equal([]);
      const cheatSheet = tables(doc('README.md'))
        .flatMap((t) => t.rows)
        .find((r) => plain(r[0] ?? '') === 'cpu_burn_ms');
      expect(cheatSheet?.[1], 'the README cheat-sheet row of cpu_burn_ms')
        .to.include('`/livez`')
        .and.include('control plane');
      const section = /^### `cpu_burn`\s*$([\s\S]*?)^### /m.exec(file.text)?.[1] ?? '';
      expect(section).to.include('`/livez`').and.include('`/api/failures`');
    });

    it('gives the request-gate order of the catalogue', () => {
      const order = FAULT_NAMES.filter((n) => createFaultsForKeys()[n].beforeRequest !== undefined)
        .map((n) => `\`${n}\``)
        .join(', ');
      expect(file.text.replace(/\s+/g, ' ')).to.include(`${words.order} ${order}.`);
    });
  });

describe('docs/curl-guide.md', () => {
  it('injects every fault in an example', () => {
    const bodies = blocks(doc('docs/curl-guide.md'))
      .filter((b) => SHELL_LANGS.has(b.lang))
      .flatMap(commands)
      .filter((c) => c.text.includes('/api/failures') && c.text.includes(' -d '))
      .map((c) => c.text);
    const missing = FAULT_NAMES.filter(
      (name) => !bodies.some((body) => catalogue.keysOf(name).some((k) => body.includes(`"${k}"`))),
    );
    expect(missing).to.deep.equal([]);
  });
});

describe('docs/cases', () => {
  for (const [id, factory] of Object.entries(CASES)) {
    const scenario = factory(PROFILES.fast, {});
    it(`${scenario.doc} is the page of scenario ${id} and injects exactly what make scenario-${id} injects`, () => {
      const page = doc(scenario.doc);
      const injections = blocks(page)
        .filter((b) => SHELL_LANGS.has(b.lang))
        .flatMap(commands)
        .filter((c) => /-X POST \S*\/api\/failures/.test(c.text));
      expect(injections, 'one POST /api/failures').to.have.length(1);
      const body = /-d '([^']*)'/.exec(injections[0]?.text ?? '')?.[1];
      expect(JSON.parse(body ?? 'null')).to.deep.equal(scenario.faults);
      expect(page.text).to.include(`make scenario-${id}`);
    });
  }

  it('of a slow database (db_slow without db_fail) name the 503s it gives, DATABASE_BUSY or DATABASE_TIMEOUT, never DATABASE_UNAVAILABLE', () => {
    const slow = Object.values(CASES)
      .map((factory) => factory(PROFILES.fast, {}))
      .filter((scenario) => 'db_slow' in scenario.faults && !('db_fail' in scenario.faults));
    expect(slow.map((s) => s.doc)).to.include.members(['docs/cases/03-slow-database.md', 'docs/cases/05-chaos-mix.md']);
    for (const scenario of slow) expect(doc(scenario.doc).text, scenario.doc).to.not.include('DATABASE_UNAVAILABLE');
  });

  it("are where every alert's runbook_url points, and each names its alert", () => {
    const problems: string[] = [];
    const all = runbooks();
    expect(all.length).to.be.greaterThan(10);
    for (const { alert, url, path: rel } of all) {
      if (!url.startsWith('https://github.com/') || !rel)
        problems.push(`${alert}: runbook_url "${url}" is not a link into the repository`);
      else if (!fs.existsSync(path.join(ROOT, rel))) problems.push(`${alert}: ${rel} does not exist`);
      else if (!fs.readFileSync(path.join(ROOT, rel), 'utf8').includes(alert))
        problems.push(`${alert}: ${rel} does not mention it`);
    }
    expect(problems).to.deep.equal([]);
  });
});

describe('the docs conventions (test/docs/markdown.ts)', () => {
  const fixture = (text: string): DocFile => ({ rel: 'fixture.md', abs: path.join(ROOT, 'fixture.md'), text });
  const page = fixture(
    [
      '<!-- run-with: CHAOS_TOKEN=a-token-of-sixteen+ -->',
      '```sh',
      '# a comment line',
      'make up',
      'curl -s -X POST http://127.0.0.1:5000/api/failures \\',
      "     -d '{}'   # -> 400",
      'curl -s http://127.0.0.1:5000/   # -> 200 or 500',
      '```',
      '',
      '<!-- varies: $.b, $.c.d -->',
      '```json',
      '{"a": 1}',
      '```',
      '<!-- not-run: runs until Ctrl-C -->',
      '```sh',
      'while true; do sleep 1; done',
      '```',
    ].join('\n'),
  );

  it('reads markers, commands with their statuses, make lines and the json answer', () => {
    const [first, second] = blocks(page).filter((b) => b.lang === 'sh');
    expect(first?.runWith).to.deep.equal({ CHAOS_TOKEN: 'a-token-of-sixteen+' });
    expect(first?.answer?.body).to.equal('{"a": 1}');
    expect(first?.answer?.varies).to.deep.equal(['$.b', '$.c.d']);
    expect(second?.notRun).to.equal('runs until Ctrl-C');
    const cmds = commands(first as NonNullable<typeof first>);
    expect(cmds.map((c) => [c.line, c.statuses, c.makeTargets])).to.deep.equal([
      [4, undefined, ['up']],
      [5, [400], undefined],
      [7, [200, 500], undefined],
    ]);
    expect(cmds[1]?.text).to.include('\\\n');
  });

  it('reads a bare ... in an answer as "more keys follow" (objects) or "more elements" (arrays), never inside a string', () => {
    const documented = parseAnswer('{"config": {"latency_ms": 0, ...}, "e": ["GET /", ...], "s": "a ... b"}');
    expect(documented).to.deep.equal({ config: { latency_ms: 0, '...': '...' }, e: ['GET /', '...'], s: 'a ... b' });
    expect(
      answerProblems(documented, {
        config: { latency_ms: 0, db_error_rate: 0 },
        e: ['GET /', 'POST /x'],
        s: 'a ... b',
      }),
    ).to.deep.equal([]);
    expect(answerProblems(documented, { config: { latency_ms: 5 }, e: [], s: 'a ... b' })).to.deep.equal([
      '$.config.latency_ms: 5 where the docs show 0',
    ]);
  });

  it('finds shape differences: a missing key, a key the docs lack, another type, an element of another shape', () => {
    expect(answerProblems({ a: 1, '...': '...' }, { a: 1, z: true })).to.deep.equal([]);
    expect(answerProblems({ a: 1, b: 2 }, { a: 1 })).to.deep.equal(['$.b: missing']);
    expect(answerProblems({ a: 1 }, { a: 1, z: true })).to.deep.equal(['$.z: not in the docs']);
    expect(answerProblems({ a: '1.00' }, { a: 1 })).to.deep.equal(['$.a: number where the docs show string']);
    expect(answerProblems({ a: null }, { a: 'x' })).to.deep.equal(['$.a: string where the docs show null']);
    expect(answerProblems([{ k: 1 }, 'x'], [{ k: 1 }, 'x', { j: 1 }])).to.deep.equal([
      '$[2].k: missing',
      '$[2].j: not in the docs',
    ]);
  });

  it('finds a wrong value: a status, the config just set, an error code, an element, even where the shape is right', () => {
    expect(
      answerProblems(
        { status: 'updated', config: { latency_ms: 300 } },
        { status: 'updated', config: { latency_ms: 301 } },
      ),
    ).to.deep.equal(['$.config.latency_ms: 301 where the docs show 300']);
    expect(answerProblems({ status: 'healthy' }, { status: 'degraded' })).to.deep.equal([
      '$.status: "degraded" where the docs show "healthy"',
    ]);
    expect(
      answerProblems({ error: { code: 'DATABASE_UNAVAILABLE' } }, { error: { code: 'DATABASE_BUSY' } }),
    ).to.deep.equal(['$.error.code: "DATABASE_BUSY" where the docs show "DATABASE_UNAVAILABLE"']);
    expect(answerProblems({ active: false }, { active: true })).to.deep.equal([
      '$.active: true where the docs show false',
    ]);
    expect(answerProblems({ e: ['GET /', '...'] }, { e: ['GET /', 'POST /x'] })).to.deep.equal([]);
    expect(answerProblems({ e: ['GET /'] }, { e: ['GET /', 'POST /x'] })).to.deep.equal([
      '$.e[1]: "POST /x" where the docs show "GET /"',
    ]);
  });

  it('leaves free only what varies: ids, times, measurements, balances, counts, and the paths of a varies marker', () => {
    const documented = {
      request_id: 'a',
      created_at: 't1',
      balance: '1.00',
      latency_ms: 1.5,
      config: { latency_ms: 300 },
      checks: { disk: { status: 'ok' } },
    };
    const actual = {
      request_id: 'b',
      created_at: 't2',
      balance: '2.00',
      latency_ms: 7.2,
      config: { latency_ms: 300 },
      checks: { disk: { status: 'degraded' } },
    };
    expect(answerProblems(documented, actual)).to.deep.equal([
      '$.checks.disk.status: "degraded" where the docs show "ok"',
    ]);
    expect(answerProblems(documented, actual, ['$.checks'])).to.deep.equal([]);
    expect(answerProblems(documented, { ...actual, config: { latency_ms: 1 } }, ['$.checks'])).to.deep.equal([
      '$.config.latency_ms: 1 where the docs show 300',
    ]);
    expect(answerProblems(documented, { ...actual, request_id: 5 }, ['$.checks'])).to.deep.equal([
      '$.request_id: number where the docs show string',
    ]);
  });

  it('reads "# expect:" lines, and refuses one it cannot read', () => {
    const promql = (body: string) => ({ file: page, line: 1, lang: 'promql', body });
    expect(expectations(promql('# expect: > 1.9\n# expect: <= 2.5\nup'))).to.deep.equal([
      { op: '>', value: 1.9 },
      { op: '<=', value: 2.5 },
    ]);
    expect(() => expectations(promql('# expect > 1\nup'))).to.throw(/cannot read/);
    expect(holds(2, { op: '==', value: 2 })).to.equal(true);
    expect(holds(2, { op: '<', value: 2 })).to.equal(false);
  });
});

function createFaultsForKeys() {
  return catalogue.create({ memoryCapBytes: 1, dbSlowDefaultMs: 1, onLeakChange: () => undefined });
}

/* What the docs may name, read from the code and the configuration they describe. */

interface RuleFile {
  groups: { rules: { record?: string; alert?: string; annotations?: { runbook_url?: string } }[] }[];
}

function ruleFiles(root = projectRoot()): RuleFile[] {
  const dir = path.join(root, 'monitoring', 'prometheus', 'rules');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => parseYaml(fs.readFileSync(path.join(dir, f), 'utf8')) as RuleFile);
}

const rules = () => ruleFiles().flatMap((f) => f.groups.flatMap((g) => g.rules));

/** Metric names the catalogue declares, with the series a histogram exposes. */
function knownMetricNames(): Set<string> {
  const names = new Set<string>();
  for (const m of Object.values(METRICS)) {
    names.add(m.name);
    if (m.type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${m.name}${suffix}`);
  }
  return names;
}

function recordingRuleNames(): Set<string> {
  return new Set(rules().flatMap((r) => (r.record ? [r.record] : [])));
}

function alertNames(): Set<string> {
  return new Set(rules().flatMap((r) => (r.alert ? [r.alert] : [])));
}

/** Each alert with the repository path its runbook_url points at (".../blob/main/<path>"). */
function runbooks(): { alert: string; url: string; path: string | undefined }[] {
  return rules().flatMap((r) => {
    if (!r.alert) return [];
    const url = r.annotations?.runbook_url ?? '';
    return [{ alert: r.alert, url, path: /\/blob\/[^/]+\/(.+)$/.exec(url)?.[1] }];
  });
}

interface Panel {
  title?: string;
  panels?: Panel[];
}

/** Dashboard title -> the titles of its panels (rows and nested panels included). */
function dashboards(root = projectRoot()): Map<string, Set<string>> {
  const dir = path.join(root, 'monitoring', 'grafana', 'dashboards');
  const out = new Map<string, Set<string>>();
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    const json = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { title: string; panels?: Panel[] };
    const titles = new Set<string>();
    const walk = (panels: Panel[] = []): void => {
      for (const p of panels) {
        if (p.title) titles.add(p.title);
        walk(p.panels);
      }
    };
    walk(json.panels);
    out.set(json.title, titles);
  }
  return out;
}

/** The targets the Makefile defines. */
function makeTargets(root = projectRoot()): Set<string> {
  const out = new Set<string>();
  for (const line of fs.readFileSync(path.join(root, 'Makefile'), 'utf8').split('\n')) {
    const m = /^([a-z0-9][a-z0-9 .-]*?)\s*:(?!=)/.exec(line);
    if (m) for (const t of (m[1] as string).split(/\s+/)) out.add(t);
    // The pattern rule runs any case of scenarios/cases, so scenario-N exists exactly for those N.
    if (line.startsWith('scenario-%:')) for (const id of Object.keys(CASES)) out.add(`scenario-${id}`);
  }
  return out;
}
