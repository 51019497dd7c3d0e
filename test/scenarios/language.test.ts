import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { projectRoot } from '../../app/paths';
import { CASES } from '../../scenarios/cases';
import { LANGUAGES, pickLanguage } from '../../scenarios/lib/lang';
import { en } from '../../scenarios/lib/lang/en';
import { ru } from '../../scenarios/lib/lang/ru';
import { PROFILES } from '../../scenarios/lib/profiles';
import { markdown, summary } from '../../scenarios/lib/report';
import type { Journal } from '../../scenarios/lib/runner';

describe('the scenario runner in Russian (scenarios/lib/lang)', () => {
  describe('choosing the language', () => {
    const pick = (argv: string[], env: NodeJS.ProcessEnv = {}) => pickLanguage(argv, env);

    it('is English by default and under a C, POSIX or English locale', () => {
      for (const env of [{}, { LANG: 'C.UTF-8' }, { LANG: 'POSIX' }, { LANG: 'en_US.UTF-8' }, { LANG: 'rus' }]) {
        expect(pick(['1'], env), JSON.stringify(env)).to.deep.equal({ language: 'en', rest: ['1'] });
      }
    });

    it('is Russian under a Russian locale, LC_ALL first', () => {
      expect(pick(['1'], { LANG: 'ru_RU.UTF-8' })).to.deep.include({ language: 'ru' });
      expect(pick(['1'], { LANG: 'ru' })).to.deep.include({ language: 'ru' });
      expect(pick(['1'], { LANG: 'ru_RU.UTF-8', LC_ALL: 'C.UTF-8' })).to.deep.include({ language: 'en' });
    });

    it('follows WORKSHOP_LANG over the locale, and --lang over both, taking the flag out of the arguments', () => {
      expect(pick(['1'], { WORKSHOP_LANG: 'ru', LANG: 'C.UTF-8' })).to.deep.equal({ language: 'ru', rest: ['1'] });
      expect(pick(['1'], { WORKSHOP_LANG: 'en', LANG: 'ru_RU.UTF-8' })).to.deep.equal({ language: 'en', rest: ['1'] });
      expect(pick(['--lang', 'ru', 'all'], { WORKSHOP_LANG: 'en' })).to.deep.equal({ language: 'ru', rest: ['all'] });
      expect(pick(['all', '--lang=en'], { LANG: 'ru_RU.UTF-8' })).to.deep.equal({ language: 'en', rest: ['all'] });
    });

    it('refuses a language it does not have', () => {
      expect(pick(['1', '--lang', 'de'])).to.deep.equal({ error: 'the language must be en or ru, not "de"' });
      expect(pick(['1'], { WORKSHOP_LANG: 'russian' })).to.have.property('error');
    });
  });

  it('has a Russian text for every title, hypothesis, signal and probe name of every case and profile', () => {
    const texts = new Set(['API', 'Prometheus', 'Alertmanager', 'API scraped by Prometheus']);
    for (const factory of Object.values(CASES)) {
      for (const profile of Object.values(PROFILES)) {
        const s = factory(profile, { memoryCapBytes: 512 * 1048576 });
        for (const text of [
          s.title,
          s.hypothesis,
          s.mainSignal.name,
          ...[...s.steadyState, ...s.expectations, ...s.recovery, ...s.guards].map((p) => p.name),
          ...(s.halves ?? []).map((h) => h.name),
          ...(s.target === 'risk' ? ['risk service'] : []),
        ])
          texts.add(text);
        for (const p of s.expectations) if (p.kind === 'alert') texts.add(`${p.alert} not firing`);
      }
    }
    const untranslated = [...texts].filter((t) => ru.text(t) === t && !/^[A-Za-z]+$/.test(t));
    expect(untranslated).to.deep.equal([]);
    expect(ru.text('FintechHighLatencyP99 fires')).to.equal('FintechHighLatencyP99 срабатывает');
  });

  it('says what probes answered in Russian words, numbers and units unchanged', () => {
    for (const [english, russian] of [
      [
        'firing, not yet in Alertmanager (held on 1 of 3 polls)',
        'горит, в Alertmanager ещё нет (держалось 1 из 3 опросов подряд)',
      ],
      [
        'not (yet) firing: FintechHighErrorRatio, FintechHighLatencyP99',
        '(ещё) не горят: FintechHighErrorRatio, FintechHighLatencyP99',
      ],
      ['no data (window not complete)', 'нет данных (окно ещё не закрылось)'],
      ['2.013 s over 30s', '2.013 s за 30s'],
      ['median 803 ms of 80 500 answers', 'медиана 803 ms по 80 ответам со статусом 500'],
      ['200 in 12 ms', '200 за 12 мс'],
      ['30.1 %', '30.1 %'],
    ]) {
      expect(ru.value(english as string)).to.equal(russian);
      expect(en.value(english as string)).to.equal(english);
    }
  });

  describe('a report', () => {
    const journal: Journal = {
      scenario: {
        id: 1,
        slug: 'latency',
        title: 'Latency',
        hypothesis: CASES[1]!(PROFILES.fast, {}).hypothesis,
        faults: { latency_ms: 2000 },
      },
      profile: 'fast',
      startedAt: '2026-11-30T12:00:00.000Z',
      seconds: 61.4,
      verdict: 'fail',
      phases: [
        {
          phase: 'steady-state',
          ok: true,
          startedAt: 3,
          seconds: 2.5,
          probes: [
            { name: 'traffic flowing', ok: true, value: '48.70', expected: '>= 1', heldAt: 4.2 },
            {
              name: 'FintechHighLatencyP99 not firing',
              ok: true,
              value: 'not firing',
              expected: 'not firing',
              heldAt: 4.2,
            },
          ],
        },
        {
          phase: 'detect',
          ok: false,
          startedAt: 6,
          seconds: 40,
          probes: [
            { name: 'p99 latency at 2 s or more', ok: false, value: '1.874 s', expected: '2.000 s .. 2.500 s' },
            {
              name: 'FintechHighLatencyP99 fires',
              ok: true,
              value: 'firing, in Alertmanager',
              expected: 'firing, in Alertmanager',
              heldAt: 31.5,
            },
          ],
        },
      ],
      load: { requests: 3012, non2xx: 7, errors: 0, timeouts: 0, p99Ms: 2087 },
      signal: {
        name: 'p99 latency',
        unit: 's',
        points: [
          { t: 1, v: 0.02 },
          { t: 30, v: 1.874 },
        ],
        marks: [{ t: 6, label: 'i' }],
      },
    };
    const numbers = (text: string) => (text.match(/\d+(?:\.\d+)?/g) ?? []).sort();

    it('is English unless asked', () => {
      expect(markdown(journal)).to.equal(markdown(journal, en));
      expect(markdown(journal)).to.include(
        '| detect | **FAIL** | p99 latency at 2 s or more | 1.874 s | 2.000 s .. 2.500 s |',
      );
    });

    it('in Russian has the same probes, results and numbers, in Russian words', () => {
      const [english, russian] = [markdown(journal, en), markdown(journal, LANGUAGES.ru)];
      expect(numbers(russian)).to.deep.equal(numbers(english));
      expect(russian).to.include(
        '| обнаружение | **FAIL** | p99 задержки 2 с или больше | 1.874 s | 2.000 s .. 2.500 s |',
      );
      expect(russian).to.include('| норма | PASS | FintechHighLatencyP99 не горит | не горит | не горит |');
      expect(russian).to.include('# Сценарий 1: Задержка');
      expect(russian).to.not.match(/\b(verdict|hypothesis|phase|probe|expected|requests|not firing)\b/);
      const [sumEn, sumRu] = [summary(journal, en), summary(journal, ru)];
      expect(numbers(sumRu)).to.deep.equal(numbers(sumEn));
      expect(sumRu).to.include('Сценарий 1: Задержка — FAIL за 61.4 с');
    });
  });

  describe('make scenario-N (scenarios/cli.ts) against a stack that is not running', function () {
    this.timeout(60_000);
    const run = async (args: string[], env: Record<string, string>) => {
      const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'fintech-lang-'));
      // Port 1 refuses at once: the preflight fails and the run ends without touching any stack.
      const closed = 'http://127.0.0.1:1';
      const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scenarios/cli.ts', ...args], {
        cwd: projectRoot(),
        env: {
          PATH: process.env.PATH,
          API_URL: closed,
          PROMETHEUS_URL: closed,
          ALERTMANAGER_URL: closed,
          REPORTS_DIR: reports,
          ...env,
        },
      }).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
      const report = fs
        .readdirSync(reports)
        .filter((f) => f.endsWith('.md'))
        .map((f) => fs.readFileSync(path.join(reports, f), 'utf8'));
      fs.rmSync(reports, { recursive: true, force: true });
      return { ...result, report: report.join('') };
    };

    it('prints and reports in English by default, in Russian with --lang ru or WORKSHOP_LANG=ru', async () => {
      const english = await run(['1'], { LANG: 'C.UTF-8' });
      expect(english.code).to.equal(1);
      expect(english.stdout)
        .to.include('=== Scenario 1: Latency')
        .and.include('preflight')
        .and.include('✘ API: http://127.0.0.1:1/livez unreachable');
      expect(english.report).to.include('# Scenario 1: Latency').and.include('| preflight | **FAIL** | API |');
      for (const [args, env] of [
        [['1', '--lang', 'ru'], { LANG: 'C.UTF-8' }],
        [['1'], { WORKSHOP_LANG: 'ru' }],
      ] as const) {
        const russian = await run([...args], env);
        expect(russian.code).to.equal(1);
        expect(russian.stdout)
          .to.include('=== Сценарий 1: Задержка')
          .and.include('предпроверка')
          .and.include('✘ API: http://127.0.0.1:1/livez недоступен');
        expect(russian.report).to.include('# Сценарий 1: Задержка').and.include('| предпроверка | **FAIL** | API |');
      }
    });

    it('refuses an unknown language with the usage and exit code 2', async () => {
      const refused = await run(['1', '--lang', 'de'], {});
      expect(refused.code).to.equal(2);
    });
  });
});
