import type { Messages } from './en';

/**
 * Scenario data of scenarios/cases (titles, hypotheses, signal and probe names) in Russian, keyed by the
 * English text: a changed English sentence has no translation until this table follows (a test checks).
 */
const TEXTS: Record<string, string> = {
  Latency: 'Задержка',
  'Error rate': 'Доля ошибок',
  'Slow database': 'Медленная база',
  'Memory leak': 'Утечка памяти',
  'Combined chaos': 'Хаос-микс',
  'With 2000 ms injected before every handler, clients wait 2000 ms (within 5%), the median lands in the (2, 2.1] s bucket, the latency alerts fire, and p99 returns under the 500 ms SLO after the reset.':
    'При 2000 мс, добавленных перед каждым обработчиком, клиенты ждут 2000 мс (с точностью до 5%), медиана попадает в бакет (2, 2.1] с, срабатывают алерты по задержке, а после сброса p99 возвращается под SLO в 500 мс.',
  'With error_rate 30, the share of 500 answers over the whole fault window (counter increases, the real n) is 30% within three standard deviations, the error alert fires, and the error ratio falls back under 1% after the reset.':
    'При error_rate 30 доля ответов 500 за всё окно сбоя (приросты счётчиков, реальное n) равна 30% в пределах трёх стандартных отклонений, алерт по ошибкам срабатывает, а после сброса доля ошибок падает ниже 1%.',
  "With db_slow (1000 ms inside PostgreSQL per query), PostgreSQL itself shows sessions sleeping in it (pg_stat_activity, wait event PgSleep), a balance read takes the injected 1 s (within 5%) in the database, transfers pile up as open transactions (more than 10 in flight, waiting on the sleeping queries and on each other's row locks), the database alerts fire, and /livez stays fast; all recovers after the reset.":
    'При db_slow (1000 мс внутри PostgreSQL на каждый запрос) сам PostgreSQL показывает спящие в нём сессии (pg_stat_activity, wait event PgSleep), чтение баланса проводит в базе внесённую 1 с (с точностью до 5%), переводы копятся открытыми транзакциями (больше 10 одновременно, они ждут спящие запросы и блокировки строк друг друга), срабатывают алерты по базе, а /livez остаётся быстрым; после сброса всё восстанавливается.',
  'With memory_leak_mb 5 at 4 req/s, resident memory grows at about 20 MB/s (what the load implies), the memory-leak alert fires, the leak stops at its cap, and memory falls back after the reset.':
    'При memory_leak_mb 5 и 4 запросах/с резидентная память растёт примерно на 20 МБ/с (столько, сколько следует из нагрузки), срабатывает алерт об утечке памяти, утечка останавливается на своём лимите, а после сброса память возвращается.',
  'With 800 ms latency, 10% errors and a slow database together, each fault shows on its own: the injected 500s (which never reach the database) take 800 ms, 10% of answers are 500s, PostgreSQL shows sessions sleeping in pg_sleep; the latency, error, database and chaos alerts all fire at the same time, and everything recovers after one reset.':
    'При задержке 800 мс, 10% ошибок и медленной базе вместе каждый сбой виден по отдельности: внесённые 500 (которые до базы не доходят) идут 800 мс, 10% ответов — 500, PostgreSQL показывает сессии, спящие в pg_sleep; алерты по задержке, ошибкам, базе и хаосу срабатывают одновременно, и всё восстанавливается после одного сброса.',
  API: 'API',
  Prometheus: 'Prometheus',
  Alertmanager: 'Alertmanager',
  'API scraped by Prometheus': 'Prometheus скрейпит API',
  'p99 latency': 'p99 задержки',
  'API target up': 'таргет API в up',
  'traffic flowing': 'трафик идёт',
  'error ratio below 1%': 'доля ошибок ниже 1%',
  'p99 latency under the SLO': 'p99 задержки в пределах SLO',
  'clients wait the injected 2000 ms': 'клиенты ждут внесённые 2000 мс',
  'median latency in the (2, 2.1] s bucket': 'медиана задержки в бакете (2, 2.1] с',
  'p99 latency at 2 s or more': 'p99 задержки 2 с или больше',
  'p99 latency back under the SLO': 'p99 задержки снова в пределах SLO',
  'error ratio back below 1%': 'доля ошибок снова ниже 1%',
  'no fault active': 'активных сбоев нет',
  'API RSS below 2 GiB': 'RSS API меньше 2 ГиБ',
  'error ratio': 'доля ошибок',
  'share of HTTP 500 answers at the injected 30%': 'доля ответов HTTP 500 на внесённых 30%',
  'share of HTTP 500 answers at the injected 10%': 'доля ответов HTTP 500 на внесённых 10%',
  'active transactions': 'открытые транзакции',
  'PostgreSQL shows sessions sleeping in PgSleep (average over the fault window)':
    'PostgreSQL показывает сессии, спящие в PgSleep (среднее за окно сбоя)',
  'balance read median in the (1, 1.05] s bucket': 'медиана чтения баланса в бакете (1, 1.05] с',
  'more than 10 transactions in flight': 'больше 10 транзакций в обработке',
  '/livez stays fast': '/livez остаётся быстрым',
  'database query p95 back under 100 ms': 'p95 запросов к базе снова меньше 100 мс',
  'transactions no longer piling up': 'транзакции больше не копятся',
  'resident memory': 'резидентная память',
  'RSS grows at the rate the load implies (observed / implied)':
    'RSS растёт с темпом, который следует из нагрузки (наблюдаемый / ожидаемый)',
  'the leak reaches its cap and stops there': 'утечка доходит до лимита и на нём останавливается',
  'leaked bytes released': 'утёкшие байты освобождены',
  'RSS fell by at least half the cap': 'RSS упал как минимум на половину лимита',
  'injected 500s (no database) take the injected 800 ms': 'внесённые 500 (без базы) идут внесённые 800 мс',
  'all of them firing at once': 'все горят одновременно',
  'Slow dependency': 'Медленная зависимость',
  'Retry storm': 'Шторм повторов',
  'With 3000 ms of latency in the risk service and no timeout, every transfer waits 3000 ms and requests pile up in the API while balance reads stay fast; with a 500 ms timeout, the breaker and the fallback, transfers answer within 1 s, the breaker opens and small transfers still go through.':
    'При задержке 3000 мс в риск-сервисе и без таймаута каждый перевод ждёт 3000 мс и запросы копятся в API, а чтения баланса остаются быстрыми; с таймаутом 500 мс, выключателем и запасным решением переводы отвечают быстрее чем за 1 с, выключатель размыкается, а небольшие переводы по-прежнему проходят.',
  'With the risk service failing 50% of its calls, 5 immediate attempts per call multiply the requests it receives per transfer by about 1.94 (at least 1.75); with exponential backoff, jitter and a circuit breaker the factor stays at 1.5 or below.':
    'Когда риск-сервис отвечает ошибкой на 50% вызовов, 5 немедленных попыток на вызов умножают число запросов, которые он получает на перевод, примерно в 1.94 раза (не меньше 1.75); с экспоненциальной задержкой, разбросом и выключателем множитель остаётся не больше 1.5.',
  'risk service': 'риск-сервис',
  'risk service target up': 'таргет риск-сервиса в up',
  'transfer p99 latency': 'p99 задержки переводов',
  'without policies': 'без политик',
  'with timeout, breaker and fallback': 'с таймаутом, выключателем и запасным решением',
  'transfers wait the injected 3000 ms': 'переводы ждут внесённые 3000 мс',
  'requests pile up in the API (15 or more of the 20 connections in flight)':
    'запросы копятся в API (в обработке 15 или больше из 20 соединений)',
  'balance reads stay under 0.5 s at p99': 'p99 чтений баланса остаётся меньше 0.5 с',
  'transfer p99 under 1 s': 'p99 переводов меньше 1 с',
  'the breaker opened': 'выключатель размыкался',
  'the fallback approves small transfers': 'запасное решение одобряет небольшие переводы',
  'risk requests per transfer': 'запросы к риск-сервису на перевод',
  'aggressive retries, no backoff, no breaker': 'агрессивные повторы, без задержки, без выключателя',
  'backoff, jitter and the breaker': 'задержка, разброс и выключатель',
  'risk requests per transfer at least 1.75': 'не меньше 1.75 запроса к риск-сервису на перевод',
  'risk requests per transfer at most 1.5': 'не больше 1.5 запроса к риск-сервису на перевод',
};

/** Probe names that carry an alert: "FintechX fires", "FintechX not firing". */
const ALERT_PATTERNS: [RegExp, string][] = [
  [/^(Fintech\w+) fires$/, '$1 срабатывает'],
  [/^(Fintech\w+) not firing$/, '$1 не горит'],
];

/** What probes answer, in words: replaced in this order, wherever they occur (numbers and units stay). */
const VALUE_WORDS: [RegExp, string][] = [
  [/ \(held on (\d+) of (\d+) polls\)/, ' (держалось $1 из $2 опросов подряд)'],
  [/ \(window not complete\)/, ' (окно ещё не закрылось)'],
  [/^not judged$/, 'не оценено'],
  [/^no data\b/, 'нет данных'],
  [/^not \(yet\) firing: /, '(ещё) не горят: '],
  [/^not firing\b/, 'не горит'],
  [/^firing, in Alertmanager\b/, 'горит, есть в Alertmanager'],
  [/^firing, not yet in Alertmanager\b/, 'горит, в Alertmanager ещё нет'],
  [/^all (\d+) firing\b/, 'горят все $1'],
  [/ firing at once$/, ' горят одновременно'],
  [/^judged after (\S+) s\b/, 'оценивается через $1 с'],
  [/^median (.+) of (\d+) (\d{3}) answers\b/, 'медиана $1 по $2 ответам со статусом $3'],
  [/^median (.+) of (\d+) answers\b/, 'медиана $1 по $2 ответам'],
  [/^(\d+|no answer) in (\d+) ms\b/, '$1 за $2 мс'],
  [/^(\d+) within (\d+) ms$/, '$1 не дольше $2 мс'],
  [/ over (\d+[smh])\b/, ' за $1'],
  [/^HTTP (\d+) from /, 'HTTP $1 от '],
  [/ unreachable \(/, ' недоступен ('],
  [/^no target$/, 'нет таргета'],
  [/^error: /, 'ошибка: '],
];

/** The exact translation of a text, else the first pattern that matches it, else the text itself. */
const translate = (text: string, exact: Record<string, string>, patterns: [RegExp, string][]): string =>
  exact[text] ??
  patterns.reduce<string | undefined>(
    (found, [re, to]) => found ?? (re.test(text) ? text.replace(re, to) : undefined),
    undefined,
  ) ??
  text;

/** Every sentence the scenario runner prints or writes into a report, in Russian (`--lang ru`). */
export const ru: Messages = {
  phases: {
    preflight: 'предпроверка',
    'steady-state': 'норма',
    inject: 'инъекция',
    detect: 'обнаружение',
    rollback: 'откат',
    recovery: 'восстановление',
  },
  text: (english) => translate(english, TEXTS, ALERT_PATTERNS),
  value: (english) => VALUE_WORDS.reduce((text, [re, to]) => text.replace(re, to).trimEnd(), english),

  expected: (value, expected) => `${value} (ожидалось ${expected})`,
  signalLine: (signal, value, held, total) => `${signal}: ${value}; выполнено ${held}/${total}`,
  load: (connections, rate, baselineSeconds) =>
    `нагрузка: ${connections} соединений${rate ? `, ${rate} запросов/с` : ''}; базовая линия ${baselineSeconds} с`,
  injected: (faults, status, expirySeconds) =>
    `${faults}${expirySeconds ? ` (истекает через ${expirySeconds} с)` : ''} -> HTTP ${status}`,
  holding: (seconds) => `держим сбой ещё ${seconds} с для дашбордов`,
  half: (name, policies, status) => `${name}: POST /api/policies ${policies} -> HTTP ${status}`,
  interrupted: 'прервано: откатываем',
  aborted: (reason) => `прервано: ${reason}`,

  header: (id, title, profile) => `=== Сценарий ${id}: ${title} (профиль ${profile}) ===`,
  hypothesisLine: (text) => `Гипотеза: ${text}`,
  files: (md, json) => `отчёт: ${md}\nжурнал: ${json}`,
  allScenarios: 'Все сценарии:',

  outcome: (id, title, verdict, seconds) => `Сценарий ${id}: ${title} — ${verdict} за ${seconds} с`,
  columns: ['фаза', 'итог', 'проба', 'значение', 'ожидалось', 'когда'],
  chartCaption: (signal) => `${signal} за весь прогон (i = сбой внесён, r = откат):`,
  loadTotals: (requests, non2xx, errors, p99Ms) =>
    `нагрузка: ${requests} запросов, не 2xx: ${non2xx}, ошибок: ${errors}, p99 ${p99Ms} мс`,
  report: {
    title: (id, title) => `# Сценарий ${id}: ${title}`,
    verdict: (verdict, seconds, profile, startedAt) =>
      `вердикт: **${verdict}** за ${seconds} с (профиль ${profile}, старт ${startedAt})`,
    hypothesis: 'гипотеза',
    faults: 'сбои',
    aborted: 'прервано',
    load: (requests, non2xx, p99Ms) => `нагрузка: ${requests} запросов, не 2xx: ${non2xx}, p99 ${p99Ms} мс`,
  },
};
