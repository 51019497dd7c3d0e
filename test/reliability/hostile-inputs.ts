import http from 'node:http';
import { gzipSync } from 'node:zlib';

/** One hostile request. Paths and bodies are sent byte for byte (no client-side normalisation). */
export interface HostileCase {
  name: string;
  method: string;
  path: string;
  /** Header values to send; undefined leaves a header out. */
  headers?: Record<string, string | undefined>;
  body?: string | Buffer;
  /** Send the body with Transfer-Encoding: chunked instead of a Content-Length. */
  chunked?: boolean;
  /** The exact status expected; any 4xx otherwise. */
  status?: number;
  /** The exact error code expected. */
  code?: string;
}

/** A POST case: JSON content type plus the route's headers, overridden by the case's own (undefined drops one). */
function postCase(
  path: string,
  headers: Record<string, string>,
  name: string,
  body: string | Buffer,
  extra: Partial<HostileCase> = {},
): HostileCase {
  return {
    ...extra,
    name: `${path}: ${name}`,
    method: 'POST',
    path,
    body,
    headers: { ...JSON_TYPE, ...headers, ...extra.headers },
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Sends one request over a fresh loopback connection and reads the whole answer. */
export function sendRaw(
  baseUrl: string,
  c: Pick<HostileCase, 'method' | 'path' | 'headers' | 'body' | 'chunked'>,
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const body = c.body === undefined ? undefined : Buffer.isBuffer(c.body) ? c.body : Buffer.from(c.body);
  const headers = Object.fromEntries(
    Object.entries(c.headers ?? {}).filter((e): e is [string, string] => e[1] !== undefined),
  );
  if (body && !c.chunked) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method: c.method, path: c.path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error(`${c.method} ${c.path}: no answer within 15 s`)));
    req.on('error', reject);
    if (body && c.chunked) {
      // Several chunks, so no single one tells the size up front.
      for (let i = 0; i < body.length; i += 8192) req.write(body.subarray(i, i + 8192));
      req.end();
    } else {
      req.end(body);
    }
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };
const enc = encodeURIComponent;

/** A raw JSON text with the given members, written in order (so duplicates and special keys survive). */
function members(...pairs: [string, string][]): string {
  return `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

const oversized = (limitKb: number) => JSON.stringify({ pad: 'a'.repeat((limitKb + 1) * 1024) });

/** Body problems every JSON route must reject before its handler runs (the reset route included). */
function envelopeCases(path: string, headers: Record<string, string>, limitKb: number): HostileCase[] {
  const post = (name: string, body: string | Buffer, extra: Partial<HostileCase> = {}) =>
    postCase(path, headers, name, body, extra);
  const gzipBomb = gzipSync(Buffer.from(JSON.stringify({ pad: 'a'.repeat(8 * 1024 * 1024) })));
  return [
    post('truncated JSON', '{"amount": 1,', { status: 400, code: 'INVALID_JSON' }),
    post('unquoted keys', '{amount: 1}', { status: 400, code: 'INVALID_JSON' }),
    post('single quotes', "{'amount': 1}", { status: 400, code: 'INVALID_JSON' }),
    post('trailing comma', '{"amount": 1,}', { status: 400, code: 'INVALID_JSON' }),
    post('NaN literal', '{"amount": NaN}', { status: 400, code: 'INVALID_JSON' }),
    post('a comment', '{"amount": 1 /* one */}', { status: 400, code: 'INVALID_JSON' }),
    post('a bare string', '"hello"', { status: 400, code: 'INVALID_JSON' }),
    post('a bare number', '42', { status: 400, code: 'INVALID_JSON' }),
    post('null', 'null', { status: 400, code: 'INVALID_JSON' }),
    post('two documents', '{}{}', { status: 400, code: 'INVALID_JSON' }),
    post('a lone surrogate escape inside a broken string', '{"a":"\\ud800', { status: 400, code: 'INVALID_JSON' }),
    post('binary garbage', Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x00, 0x22]), { status: 400 }),
    post('duplicate keys', '{"a":1,"a":2}', { status: 400, code: 'INVALID_JSON' }),
    post('duplicate keys nested', '{"x":{"a":1,"a":2}}', { status: 400, code: 'INVALID_JSON' }),
    post('duplicate keys spelt differently (\\u escape)', '{"ab":1,"a\\u0062":2}', {
      status: 400,
      code: 'INVALID_JSON',
    }),
    post('text/plain', '{}', {
      headers: { 'content-type': 'text/plain' },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    }),
    post('a form', 'amount=1&to_account=ACC-002', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      status: 415,
    }),
    post('multipart', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--', {
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      status: 415,
    }),
    post('a JSON-like type', '{}', { headers: { 'content-type': 'application/jsonp' }, status: 415 }),
    post('no content type', '{}', { headers: { 'content-type': undefined }, status: 415 }),
    post('latin1 charset', '{}', { headers: { 'content-type': 'application/json; charset=latin1' }, status: 415 }),
    post('utf-7 charset', '{}', { headers: { 'content-type': 'application/json; charset=utf-7' }, status: 415 }),
    post('an unknown content encoding', '{}', { headers: { 'content-encoding': 'compress' }, status: 415 }),
    post('gzip that is not gzip', 'not gzip at all', { headers: { 'content-encoding': 'gzip' }, status: 400 }),
    post(`a body above ${limitKb} KB`, oversized(limitKb), { status: 413, code: 'PAYLOAD_TOO_LARGE' }),
    post(`a chunked body above ${limitKb} KB`, oversized(limitKb), {
      chunked: true,
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    }),
    post('a gzip bomb (8 MB inflated)', gzipBomb, {
      headers: { 'content-encoding': 'gzip' },
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    }),
  ];
}

/** Valid JSON whose shape is wrong for a route that reads a body (every such route except reset). */
function shapeCases(path: string, headers: Record<string, string>, base: Record<string, unknown>): HostileCase[] {
  const post = (name: string, body: string, extra: Partial<HostileCase> = {}) =>
    postCase(path, headers, name, body, { status: 400, ...extra });
  const baseMembers = Object.entries(base).map(([k, v]) => [k, JSON.stringify(v)] as [string, string]);
  const firstKey = Object.keys(base)[0] as string;
  return [
    post('an empty object', '{}', { code: 'VALIDATION_FAILED' }),
    post('an array', '[]', { code: 'VALIDATION_FAILED' }),
    post('an array of the valid body', `[${JSON.stringify(base)}]`, { code: 'VALIDATION_FAILED' }),
    post('an unknown key', members(...baseMembers, ['surprise', '1']), { code: 'VALIDATION_FAILED' }),
    post('a __proto__ key', members(...baseMembers, ['__proto__', '{"admin":true}']), { code: 'VALIDATION_FAILED' }),
    post('a constructor key', members(...baseMembers, ['constructor', '{"prototype":{"admin":true}}']), {
      code: 'VALIDATION_FAILED',
    }),
    post('a prototype key', members(...baseMembers, ['prototype', '{}']), { code: 'VALIDATION_FAILED' }),
    post(`a duplicate ${firstKey}`, members(...baseMembers, [firstKey, JSON.stringify(base[firstKey])]), {
      code: 'INVALID_JSON',
    }),
    post('5000 nested arrays', `${'['.repeat(5_000)}${']'.repeat(5_000)}`, { code: 'VALIDATION_FAILED' }),
    post('2000 nested objects', `${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}`, { code: 'VALIDATION_FAILED' }),
    post('an empty body', '', { code: 'VALIDATION_FAILED' }),
  ];
}

/** Amounts no transfer may carry, as raw JSON values. */
const BAD_AMOUNTS: [string, string][] = [
  ['zero', '0'],
  ['negative zero', '-0'],
  ['negative', '-1'],
  ['negative cents', '-0.01'],
  ['one tenth of a cent', '0.001'],
  ['three fraction digits', '1.005'],
  ['three fraction digits as text', '"1.005"'],
  ['NaN as text', '"NaN"'],
  ['Infinity as text', '"Infinity"'],
  ['1e400 (Infinity once parsed)', '1e400'],
  ['1e308', '1e308'],
  ['above the maximum', '100000000000.01'],
  ['2^53 + 1', '9007199254740993'],
  ['exponent notation as text', '"1e3"'],
  // JSON numbers are judged on their own text, by the same rule as strings (JSON.parse would round them first).
  ['more digits than a double holds', '100.5000000000000001'],
  ['one cent and a trailing 1e-17', '0.01000000000000001'],
  ['exponent notation', '1e2'],
  ['exponent notation with a capital E', '1E2'],
  ['an exponent with a plus sign', '1e+2'],
  ['a negative exponent', '1e-2'],
  ['a fractional mantissa with an exponent', '1.5e1'],
  ['an exponent of zero', '100.50e0'],
  ['three fraction digits, all zero', '1.000'],
  ['three fraction digits, all zero, as text', '"1.000"'],
  ['exponent notation with a capital E as text', '"1E3"'],
  ['hexadecimal text', '"0x10"'],
  ['leading zeros', '"00.5"'],
  ['a leading dot', '".5"'],
  ['a trailing dot', '"5."'],
  ['a plus sign', '"+5"'],
  ['padded with spaces', '" 1"'],
  ['a comma decimal', '"1,00"'],
  ['full-width digits', '"１"'],
  ['arabic-indic digits', '"١٢"'],
  ['an empty string', '""'],
  ['null', 'null'],
  ['true', 'true'],
  ['an array', '[1]'],
  ['an object', '{"value":1}'],
  ['SQL', `"1; DROP TABLE accounts;--"`],
];

/** Account numbers that must never reach the database, as JS strings (or other JSON values). */
const BAD_ACCOUNTS: [string, unknown][] = [
  ['too short', 'ACC-1'],
  ['lower case', 'acc-001'],
  ['a NUL byte', 'ACC-001\u0000'],
  ['a trailing newline', 'ACC-001\n'],
  ['a unicode hyphen', 'ACC\u2010001'],
  ['a right-to-left override', '\u202eACC-001'],
  ['a zero-width space', 'ACC-\u200b001'],
  ['full-width digits', 'ACC-\uff10\uff10\uff11'],
  ['SQL tautology', "ACC-001' OR '1'='1"],
  ['SQL statement', 'ACC-001; DROP TABLE accounts;--'],
  ['path traversal', '../../etc/passwd'],
  ['13 digits', `ACC-${'9'.repeat(13)}`],
  ['a number', 1],
  ['null', null],
  ['an object', { $ne: null }],
];

const TRANSFER = { from_account: 'ACC-001', to_account: 'ACC-002', amount: 1 };
const LEGACY_TRANSFER = { amount: 1, to_account: 'ACC-002' };
const ACCOUNT = { owner: 'Mallory', currency: 'USD', opening_balance: 0 };

function transferCases(path: '/api/transfers' | '/api/transfer', base: Record<string, unknown>): HostileCase[] {
  const post = (name: string, body: string, extra: Partial<HostileCase> = {}) =>
    postCase(path, {}, name, body, { status: 400, ...extra });
  const others = (key: string) =>
    Object.entries(base)
      .filter(([k]) => k !== key)
      .map(([k, v]) => [k, JSON.stringify(v)] as [string, string]);
  const withMember = (key: string, raw: string) => members(...others(key), [key, raw]);
  return [
    ...BAD_AMOUNTS.map(([label, raw]) =>
      post(`amount ${label}`, withMember('amount', raw), { code: 'VALIDATION_FAILED' }),
    ),
    ...BAD_ACCOUNTS.map(([label, value]) =>
      post(`to_account ${label}`, withMember('to_account', JSON.stringify(value)), { code: 'VALIDATION_FAILED' }),
    ),
    ...BAD_ACCOUNTS.slice(0, 4).map(([label, value]) =>
      post(`from_account ${label}`, withMember('from_account', JSON.stringify(value)), { code: 'VALIDATION_FAILED' }),
    ),
    post('the same account on both sides', withMember('to_account', '"ACC-001"'), { code: 'VALIDATION_FAILED' }),
    post('an account that does not exist', withMember('to_account', '"ACC-999"'), {
      status: 404,
      code: 'ACCOUNT_NOT_FOUND',
    }),
    post('no amount', JSON.stringify({ ...base, amount: undefined }), { code: 'VALIDATION_FAILED' }),
    post('currency in lower case', withMember('currency', '"usd"'), { code: 'VALIDATION_FAILED' }),
    post('an unknown currency', withMember('currency', '"BTC"'), { code: 'VALIDATION_FAILED' }),
    post('a currency that is not the accounts', withMember('currency', '"EUR"'), {
      status: 422,
      code: 'CURRENCY_MISMATCH',
    }),
    post('a description with a NUL byte', withMember('description', JSON.stringify('lunch\u0000')), {
      code: 'VALIDATION_FAILED',
    }),
    post('a description with a bell', withMember('description', JSON.stringify('\u0007')), {
      code: 'VALIDATION_FAILED',
    }),
    post('a description of 141 characters', withMember('description', JSON.stringify('x'.repeat(141))), {
      code: 'VALIDATION_FAILED',
    }),
    post('a description that is an object', withMember('description', '{"toString":"x"}'), {
      code: 'VALIDATION_FAILED',
    }),
    post(
      'an amount sent twice, the second one larger',
      members(...others('amount'), ['amount', '1'], ['amount', '1000000']),
      { code: 'INVALID_JSON' },
    ),
    post('an Idempotency-Key of 129 characters', JSON.stringify(base), {
      headers: { 'idempotency-key': 'k'.repeat(129) },
      code: 'VALIDATION_FAILED',
    }),
    post('an Idempotency-Key with spaces', JSON.stringify(base), {
      headers: { 'idempotency-key': 'two words' },
      code: 'VALIDATION_FAILED',
    }),
    post('an Idempotency-Key with SQL', JSON.stringify(base), {
      headers: { 'idempotency-key': "k'; DROP TABLE transactions;--" },
      code: 'VALIDATION_FAILED',
    }),
    post('an Idempotency-Key in latin1', JSON.stringify(base), {
      headers: { 'idempotency-key': 'cl\u00e9' },
      code: 'VALIDATION_FAILED',
    }),
    post('an empty Idempotency-Key', JSON.stringify(base), {
      headers: { 'idempotency-key': '' },
      code: 'VALIDATION_FAILED',
    }),
  ];
}

function accountCases(): HostileCase[] {
  const path = '/api/accounts';
  const post = (name: string, body: Record<string, unknown> | string) =>
    postCase(path, {}, name, typeof body === 'string' ? body : JSON.stringify(body), {
      status: 400,
      code: 'VALIDATION_FAILED',
    });
  return [
    post('an empty owner', { ...ACCOUNT, owner: '' }),
    post('an owner of spaces', { ...ACCOUNT, owner: '   ' }),
    post('an owner of 101 characters', { ...ACCOUNT, owner: 'o'.repeat(101) }),
    post('an owner with a NUL byte', { ...ACCOUNT, owner: 'Mal\u0000lory' }),
    post('an owner with an escape sequence', { ...ACCOUNT, owner: '\u001b[31mred' }),
    post('an owner with a right-to-left override', { ...ACCOUNT, owner: '\u202eyrollaM' }),
    post('an owner with a zero-width joiner', { ...ACCOUNT, owner: 'Mal\u200dlory' }),
    post('an owner that is a number', { ...ACCOUNT, owner: 42 }),
    post('no owner', { currency: 'USD' }),
    post('currency in lower case', { ...ACCOUNT, currency: 'usd' }),
    post('an unknown currency', { ...ACCOUNT, currency: 'BTC' }),
    post('a negative opening balance', { ...ACCOUNT, opening_balance: -1 }),
    post('an over-precise opening balance', { ...ACCOUNT, opening_balance: 0.001 }),
    post('an opening balance above the maximum', { ...ACCOUNT, opening_balance: 1e12 }),
    post('an opening balance in exponent notation', { ...ACCOUNT, opening_balance: '1e3' }),
    post('an opening balance of 1e400', '{"owner":"Mallory","opening_balance":1e400}'),
    post('an opening balance of 1e2', '{"owner":"Mallory","opening_balance":1e2}'),
    post('an opening balance with 17 significant digits', '{"owner":"Mallory","opening_balance":250.00000000000001}'),
    post('a chosen account number', { ...ACCOUNT, number: 'ACC-001' }),
    post('a chosen balance', { ...ACCOUNT, balance_cents: 100 }),
  ];
}

function faultCases(auth: Record<string, string>): HostileCase[] {
  const path = '/api/failures';
  const post = (name: string, body: string) =>
    postCase(path, auth, name, body, { status: 400, code: 'VALIDATION_FAILED' });
  const bad: [string, string][] = [
    ['error_rate above 100', '{"error_rate":101}'],
    ['a negative error_rate', '{"error_rate":-1}'],
    ['error_rate as text', '{"error_rate":"30"}'],
    ['error_rate of 1e400', '{"error_rate":1e400}'],
    ['error_rate null', '{"error_rate":null}'],
    ['a fractional latency_ms', '{"latency_ms":1.5}'],
    ['latency_ms above a minute', '{"latency_ms":60001}'],
    ['a negative latency_ms', '{"latency_ms":-1}'],
    ['latency_ms of 2^53 + 1', '{"latency_ms":9007199254740993}'],
    ['latency_ms in exponent notation', '{"latency_ms":1e3}'],
    ['a duration_s of 60.000', '{"latency_ms":1,"duration_s":60.000}'],
    ['an error_status of 404', '{"error_status":404}'],
    ['an error_status of 600', '{"error_status":600}'],
    ['db_slow as text', '{"db_slow":"true"}'],
    ['db_fail as a number', '{"db_fail":1}'],
    ['a negative db_latency_ms', '{"db_latency_ms":-5}'],
    ['memory_leak_mb above 100', '{"memory_leak_mb":101}'],
    ['cpu_burn_ms above 5 s', '{"cpu_burn_ms":5001}'],
    ['routes as a string', '{"latency_ms":1,"routes":"/"}'],
    ['no routes', '{"latency_ms":1,"routes":[]}'],
    ['a route without a slash', '{"latency_ms":1,"routes":["api"]}'],
    ['a route with a space', '{"latency_ms":1,"routes":["/a b"]}'],
    ['a route with a NUL byte', '{"latency_ms":1,"routes":["/a\\u0000"]}'],
    ['a route with SQL', `{"latency_ms":1,"routes":["/'; DROP TABLE accounts;--"]}`],
    ['21 routes', JSON.stringify({ latency_ms: 1, routes: Array.from({ length: 21 }, (_, i) => `/r${i}`) })],
    ['duration_s of 0', '{"latency_ms":1,"duration_s":0}'],
    ['a fractional duration_s', '{"latency_ms":1,"duration_s":1.5}'],
    ['duration_s above a day', '{"latency_ms":1,"duration_s":86401}'],
    ['an unknown fault', '{"chaos_monkey":true}'],
    ['an unknown fault next to a valid one', '{"latency_ms":1,"chaos_monkey":true}'],
  ];
  return [
    ...bad.map(([name, body]) => post(name, body)),
    { ...post('error_rate sent twice, 0 then 100', '{"error_rate":0,"error_rate":100}'), code: 'INVALID_JSON' },
    post('a __proto__ key carrying settings', '{"__proto__":{"error_rate":100}}'),
    post('a constructor key carrying settings', '{"constructor":{"prototype":{"error_rate":100}}}'),
  ];
}

/** Authorization headers that must not open the control plane. */
function authCases(token: string): HostileCase[] {
  const routes: [string, string][] = [
    ['GET', '/api/failures'],
    ['POST', '/api/failures'],
    ['POST', '/api/reset'],
  ];
  const variants: [string, Record<string, string>, number][] = [
    ['no Authorization', {}, 401],
    ['an empty bearer', { authorization: 'Bearer ' }, 401],
    ['Basic credentials', { authorization: `Basic ${Buffer.from(`admin:${token}`).toString('base64')}` }, 401],
    ['the token without "Bearer"', { authorization: token }, 401],
    ['a wrong token', { authorization: 'Bearer wrong-token' }, 403],
    ['the token with one character less', { authorization: `Bearer ${token.slice(0, -1)}` }, 403],
    ['the token with one character more', { authorization: `Bearer ${token}x` }, 403],
    ['a 10 KB token', { authorization: `Bearer ${'t'.repeat(10_240)}` }, 403],
    ['the token in a cookie', { cookie: `token=${token}` }, 401],
  ];
  const cases: HostileCase[] = [];
  for (const [method, path] of routes) {
    for (const [name, headers, status] of variants) {
      cases.push({
        name: `${path}: ${name}`,
        method,
        path,
        headers: { ...(method === 'POST' && JSON_TYPE), ...headers },
        ...(method === 'POST' && { body: path === '/api/reset' ? '{}' : '{"error_rate":100}' }),
        status,
      });
    }
    for (const param of ['token', 'access_token', 'chaos_token']) {
      cases.push({
        name: `${path}: the token in ?${param}=`,
        method,
        path: `${path}?${param}=${enc(token)}`,
        headers: method === 'POST' ? JSON_TYPE : {},
        ...(method === 'POST' && { body: path === '/api/reset' ? '{}' : '{"error_rate":100}' }),
        status: 401,
        code: 'UNAUTHORIZED',
      });
    }
  }
  return cases;
}

function pathCases(): HostileCase[] {
  const get = (name: string, path: string, extra: Partial<HostileCase> = {}): HostileCase => ({
    name,
    method: 'GET',
    path,
    ...extra,
  });
  const accounts: [string, string, Partial<HostileCase>][] = [
    ['too short', 'ACC-1', { status: 400 }],
    ['lower case', 'acc-001', { status: 400 }],
    ['unknown', 'ACC-999', { status: 404, code: 'ACCOUNT_NOT_FOUND' }],
    ['SQL tautology', enc("ACC-001' OR '1'='1"), { status: 400 }],
    ['SQL union', enc("ACC-001' UNION SELECT * FROM accounts--"), { status: 400 }],
    ['encoded traversal', '..%2F..%2Fpackage.json', { status: 400 }],
    ['encoded dots', '%2e%2e', { status: 400 }],
    ['a NUL byte', 'ACC-001%00', { status: 400 }],
    ['a newline', 'ACC-001%0A', { status: 400 }],
    ['a right-to-left override', enc('\u202eACC-001'), { status: 400 }],
    ['full-width digits', enc('ACC-\uff10\uff10\uff11'), { status: 400 }],
    ['a malformed escape', '%E0%A4%A', { status: 400 }],
    ['a lone percent sign', '%', { status: 400 }],
    ['an overlong UTF-8 slash', '%C0%AF', { status: 400 }],
    ['a 5000-character number', `ACC-${'1'.repeat(5_000)}`, { status: 400 }],
    ['__proto__', '__proto__', { status: 400 }],
    ['constructor', 'constructor', { status: 400 }],
    ['an extra segment', 'ACC-001/extra', { status: 404, code: 'NOT_FOUND' }],
  ];
  const transactions: [string, string, Partial<HostileCase>][] = [
    ['not a uuid', 'not-a-uuid', { status: 400 }],
    ['an unknown uuid', '00000000-0000-4000-8000-000000000000', { status: 404, code: 'TRANSACTION_NOT_FOUND' }],
    ['a uuid with SQL', enc("00000000-0000-4000-8000-000000000000' OR '1'='1"), { status: 400 }],
    ['a uuid with a NUL byte', '00000000-0000-4000-8000-000000000000%00', { status: 400 }],
    ['encoded traversal', '..%2F..%2F..%2Fetc%2Fpasswd', { status: 400 }],
    ['a malformed escape', '%ZZ', { status: 400 }],
    ['__proto__', '__proto__', { status: 400 }],
    ['a uuid of full-width digits', enc('\uff10'.repeat(8)), { status: 400 }],
  ];
  const query = (path: string, qs: string[]) =>
    qs.map((q) =>
      get(`${path}?${q.length > 40 ? `${q.slice(0, 20)}... (${q.length} characters)` : q}`, `${path}?${q}`, {
        status: 400,
        code: 'VALIDATION_FAILED',
      }),
    );
  const pageQueries = [
    'limit=0',
    'limit=101',
    'limit=-1',
    'limit=abc',
    'limit=1.5',
    'limit=1e400',
    'limit=99999999999999999999',
    'limit=',
    'limit=1&limit=2',
    'limit[]=1',
    'limit[a]=1',
    'offset=-1',
    'offset=1000001',
    'offset=NaN',
    'unknown=1',
    '__proto__=1',
    'constructor=1',
    'limit=%00',
    `limit=${'9'.repeat(5_000)}`,
  ];
  return [
    ...accounts.map(([name, p, extra]) => get(`/api/accounts/:number ${name}`, `/api/accounts/${p}`, extra)),
    ...transactions.map(([name, p, extra]) => get(`/api/transactions/:id ${name}`, `/api/transactions/${p}`, extra)),
    ...query('/api/accounts', pageQueries),
    ...query('/api/transactions', [
      ...pageQueries,
      'account=acc-001',
      `account=${enc("ACC-001' OR 1=1--")}`,
      'account=ACC-001&account=ACC-002',
      'account[]=ACC-001',
      `account=${enc('ACC-001\u0000')}`,
    ]),
    get('a raw ../ traversal', '/api/../../etc/passwd', { status: 404 }),
    get('an encoded ../ traversal', '/%2e%2e/%2e%2e/etc/passwd', { status: 404 }),
    get('a NUL in an unknown path', '/api/%00', { status: 404 }),
    {
      name: '/api/transfers',
      method: 'PUT',
      path: '/api/transfers',
      headers: JSON_TYPE,
      body: JSON.stringify(TRANSFER),
      status: 404,
    },
    { name: '/api/accounts/ACC-001', method: 'DELETE', path: '/api/accounts/ACC-001', status: 404 },
    {
      name: '/api/failures',
      method: 'PATCH',
      path: '/api/failures',
      headers: JSON_TYPE,
      body: '{"error_rate":100}',
      status: 404,
    },
  ];
}

/**
 * Every hostile input the suite sends, grouped by endpoint. `token` is the CHAOS_TOKEN of the app under
 * test: the fault endpoints get it, except in the cases that attack the authorisation itself.
 */
export function hostileCases(token: string, limitKb: number): HostileCase[] {
  const auth = { authorization: `Bearer ${token}` };
  return [
    ...envelopeCases('/api/transfers', {}, limitKb),
    ...envelopeCases('/api/transfer', {}, limitKb),
    ...envelopeCases('/api/accounts', {}, limitKb),
    ...envelopeCases('/api/failures', auth, limitKb),
    ...envelopeCases('/api/reset', auth, limitKb),
    ...shapeCases('/api/transfers', {}, TRANSFER),
    ...shapeCases('/api/transfer', {}, LEGACY_TRANSFER),
    ...shapeCases('/api/accounts', {}, ACCOUNT),
    ...transferCases('/api/transfers', TRANSFER),
    ...transferCases('/api/transfer', LEGACY_TRANSFER),
    ...accountCases(),
    ...faultCases(auth),
    ...authCases(token),
    ...pathCases(),
    // A GET carries no body, but one sent anyway is still parsed and bounded.
    {
      name: '/api/failures: invalid JSON in a body',
      method: 'GET',
      path: '/api/failures',
      headers: { ...JSON_TYPE, ...auth },
      body: '{"a":',
      status: 400,
      code: 'INVALID_JSON',
    },
    {
      name: '/api/failures: an oversized body',
      method: 'GET',
      path: '/api/failures',
      headers: { ...JSON_TYPE, ...auth },
      body: oversized(limitKb),
      status: 413,
    },
    {
      name: '/api/accounts/ACC-001: invalid JSON in a body',
      method: 'GET',
      path: '/api/accounts/ACC-001',
      headers: JSON_TYPE,
      body: '{"a":',
      status: 400,
      code: 'INVALID_JSON',
    },
  ];
}

/** Signs that a response carries a stack trace or a server-side path. */
export const STACK_TRACE =
  /\n\s+at |\bat [\w$.<>]+ \(|\(?\/[\w./-]+\.(?:ts|js|cjs|mjs):\d+|node_modules|\bTypeError\b|\bRangeError\b|\bSyntaxError\b/;
/** Signs that a response carries SQL of the app or a PostgreSQL error text. */
export const SQL_TEXT =
  /\b(?:FROM|INTO|UPDATE)\s+(?:accounts|transactions|ledger_entries)\b|syntax error at|relation "|violates .* constraint|duplicate key value|SQLSTATE|invalid input syntax/i;
