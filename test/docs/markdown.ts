import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../app/paths';

/**
 * Reads the Markdown the participants follow (README.md and docs/**) into what the docs tests check:
 * fenced blocks with their markers, commands with their expected statuses, PromQL with its
 * expectations, links, headings, tables and inline code. The conventions are described at the top
 * of docs/curl-guide.md.
 */

export interface DocFile {
  /** Path relative to the project root, with forward slashes. */
  readonly rel: string;
  readonly abs: string;
  readonly text: string;
}

export interface Block {
  readonly file: DocFile;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly body: string;
  /** `<!-- not-run: reason -->` on the line above the fence. */
  readonly notRun?: string;
  /** `<!-- run-with: A=1 B=2 -->` on the line above the fence: the environment of an extra API. */
  readonly runWith?: Readonly<Record<string, string>>;
  /** `<!-- varies: $.status, $.checks -->` above a json answer: paths whose values (whole subtrees) are free. */
  readonly varies?: readonly string[];
  /** The `json` block that directly follows (only blank lines, or its varies marker, between): the last command's answer. */
  readonly answer?: Block;
}

export interface Command {
  /** The logical line: a line and its continuation lines (ending in a backslash), as bash will run it. */
  readonly text: string;
  readonly line: number;
  /** Statuses every HTTP answer of the command may have (`# -> 404`, `# -> 200 or 500`); undefined: any 2xx. */
  readonly statuses?: readonly number[];
  /** A `make` invocation: checked against the Makefile, never run. */
  readonly makeTargets?: readonly string[];
}

export type Comparison = '>' | '>=' | '<' | '<=' | '==';

export interface Expectation {
  readonly op: Comparison;
  readonly value: number;
}

export function docFiles(root = projectRoot()): DocFile[] {
  const files = ['README.md'];
  const walk = (dir: string): void => {
    for (const entry of fs
      .readdirSync(path.join(root, dir), { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.md')) files.push(rel);
    }
  };
  walk('docs');
  return files.map((rel) => {
    const abs = path.join(root, rel);
    return { rel, abs, text: fs.readFileSync(abs, 'utf8') };
  });
}

const FENCE = /^ {0,3}(`{3,})\s*([\w-]*)\s*$/;
const MARKER = /^<!--\s*(not-run|run-with|varies):\s*(.*?)\s*-->\s*$/;

/** Every fenced block of a file, in order, with its marker and the json answer that follows it. */
export function blocks(file: DocFile): Block[] {
  const lines = file.text.split('\n');
  const raw: { line: number; lang: string; body: string; end: number; marker?: RegExpExecArray }[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = FENCE.exec(lines[i] as string);
    if (!open) continue;
    const fence = open[1] as string;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j] as string).trim().startsWith(fence)) body.push(lines[j++] as string);
    if (j >= lines.length) throw new Error(`${file.rel}:${i + 1}: unclosed code fence`);
    const above = i > 0 ? MARKER.exec((lines[i - 1] as string).trim()) : null;
    raw.push({
      line: i + 1,
      lang: (open[2] as string).toLowerCase(),
      body: body.join('\n'),
      end: j,
      ...(above && { marker: above }),
    });
    i = j;
  }
  const result: Block[] = [];
  raw.forEach((b, k) => {
    const next = raw[k + 1];
    const between = next ? lines.slice(b.end + 1, next.line - 1) : [];
    const follows =
      next?.lang === 'json' && between.every((l) => l.trim() === '' || MARKER.exec(l.trim())?.[1] === 'varies');
    const marker = b.marker;
    const varies =
      next?.marker?.[1] === 'varies'
        ? parseVaries(next.marker[2] as string, `${file.rel}:${next.line - 1}`)
        : undefined;
    result.push({
      file,
      line: b.line,
      lang: b.lang,
      body: b.body,
      ...(marker?.[1] === 'not-run' && { notRun: marker[2] || '(no reason given)' }),
      ...(marker?.[1] === 'run-with' && { runWith: parseEnv(marker[2] as string, `${file.rel}:${b.line - 1}`) }),
      ...(follows && { answer: { file, line: next.line, lang: 'json', body: next.body, ...(varies && { varies }) } }),
    });
  });
  return result;
}

function parseEnv(text: string, where: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of text.split(/\s+/).filter(Boolean)) {
    const m = /^([A-Z][A-Z0-9_]*)=(\S*)$/.exec(pair);
    if (!m) throw new Error(`${where}: run-with expects NAME=value pairs, not "${pair}"`);
    env[m[1] as string] = m[2] as string;
  }
  if (Object.keys(env).length === 0) throw new Error(`${where}: run-with names no variable`);
  return env;
}

function parseVaries(text: string, where: string): string[] {
  const paths = text.split(/[\s,]+/).filter(Boolean);
  const bad = paths.filter((p) => !/^\$(\.[\w-]+)*$/.test(p));
  if (paths.length === 0 || bad.length > 0)
    throw new Error(`${where}: varies expects paths such as $.status or $.data.alerts, not "${bad.join(' ') || text}"`);
  return paths;
}

export const SHELL_LANGS = new Set(['sh', 'bash', 'shell']);

/** The logical commands of a shell block: `\` continuations joined, blank and comment-only lines skipped. */
export function commands(block: Block): Command[] {
  const out: Command[] = [];
  const lines = block.body.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const first = i;
    let text = lines[i] as string;
    while (text.endsWith('\\') && i + 1 < lines.length) text = `${text}\n${lines[++i] as string}`;
    if (text.trim() === '' || text.trim().startsWith('#')) continue;
    const status = /#\s*->\s*(\d{3}(?:\s*(?:or|,)\s*\d{3})*)\s*$/.exec(text);
    const make = /^\s*(?:[A-Z_][A-Z0-9_]*=\S*\s+)*make\s/.test(text) ? makeTargetsIn(text) : undefined;
    out.push({
      text,
      line: block.line + 1 + first,
      ...(status && { statuses: (status[1] as string).split(/\s*(?:or|,)\s*/).map(Number) }),
      ...(make && { makeTargets: make }),
    });
  }
  return out;
}

/** Targets of every `make <target>` in a text (`make up`, `STACK_PROFILE=fast make up`, `make down && make up`). */
export function makeTargetsIn(text: string): string[] {
  return [...text.matchAll(/(?:^|[\s;&|(`])make\s+([a-z0-9][a-z0-9-]*)/g)].map((m) => m[1] as string);
}

const EXPECT = /^#\s*expect:\s*(>=|<=|==|>|<)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/i;

/** The `# expect: > 1.9` lines of a PromQL block. A comment that starts like one but does not parse is an error. */
export function expectations(block: Block): Expectation[] {
  const out: Expectation[] = [];
  for (const line of block.body.split('\n').map((l) => l.trim())) {
    if (!/^#\s*expect\b/i.test(line)) continue;
    const m = EXPECT.exec(line);
    if (!m) throw new Error(`${block.file.rel}:${block.line}: cannot read "${line}" (write e.g. "# expect: > 1.9")`);
    out.push({ op: m[1] as Comparison, value: Number(m[2]) });
  }
  return out;
}

export function holds(value: number, e: Expectation): boolean {
  switch (e.op) {
    case '>':
      return value > e.value;
    case '>=':
      return value >= e.value;
    case '<':
      return value < e.value;
    case '<=':
      return value <= e.value;
    case '==':
      return value === e.value;
  }
}

/** Markdown outside fenced blocks (code blocks hold commands and queries, not prose). */
export function prose(file: DocFile): string {
  return file.text.replace(/^ {0,3}(`{3,})[^\n]*\n[\s\S]*?^ {0,3}\1\s*$/gm, '');
}

/** Inline code spans of the prose. */
export function inlineCode(file: DocFile): string[] {
  return [...prose(file).matchAll(/(`+)([^`\n]+?)\1/g)].map((m) => m[2] as string);
}

export interface Link {
  readonly file: DocFile;
  readonly target: string;
  readonly line: number;
}

/** Markdown links and images of the prose, external ones (http, https, mailto) left out. */
export function links(file: DocFile): Link[] {
  const out: Link[] = [];
  const text = prose(file);
  for (const m of text.matchAll(/!?\[[^\]\n]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1] as string;
    if (/^(https?|mailto):/i.test(target)) continue;
    out.push({ file, target, line: lineOf(file.text, target) });
  }
  return out;
}

function lineOf(text: string, needle: string): number {
  const at = text.indexOf(`(${needle}`);
  return at < 0 ? 0 : text.slice(0, at).split('\n').length;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped (except - and _), spaces to dashes. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Anchors of a file's headings, numbered like GitHub does for repeats (`x`, `x-1`, ...). */
export function anchors(file: DocFile): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(file).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1] as string);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

export interface Table {
  readonly file: DocFile;
  readonly header: string[];
  readonly rows: string[][];
}

/** Every pipe table of the prose: header cells and body rows, cells trimmed. */
export function tables(file: DocFile): Table[] {
  const out: Table[] = [];
  const lines = prose(file).split('\n');
  const cells = (line: string) =>
    line
      .trim()
      .replace(/^\||\|$/g, '')
      .split(/(?<!\\)\|/)
      .map((c) => c.trim());
  for (let i = 0; i + 1 < lines.length; i += 1) {
    if (!/^\s*\|/.test(lines[i] as string) || !/^\s*\|?\s*:?-{3,}/.test(lines[i + 1] as string)) continue;
    const header = cells(lines[i] as string);
    const rows: string[][] = [];
    let j = i + 2;
    while (j < lines.length && /^\s*\|/.test(lines[j] as string)) rows.push(cells(lines[j++] as string));
    out.push({ file, header, rows });
    i = j - 1;
  }
  return out;
}

/** A table cell without the code, bold or italic marks around it. */
export function plain(cell: string): string {
  return cell.replace(/^[`*_]+|[`*_]+$/g, '').trim();
}

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Keys whose values differ on every run or machine wherever they appear: ids, times, measurements,
 * balances and counts (docs/curl-guide.md, "How to read this page", says so to the reader). A path
 * ("$.latency_ms", the measured one, unlike "$.config.latency_ms") names one place only. Their
 * shape is still compared.
 */
export const VARYING: readonly string[] = [
  'request_id',
  'trace_id',
  'transaction_id',
  'fingerprint',
  'timestamp',
  'created_at',
  'started_at',
  'expires_at',
  'activeAt',
  'startsAt',
  'endsAt',
  'updatedAt',
  'receivedAt',
  '$.latency_ms',
  '$.uptime_s',
  'balance',
  'balance_cents',
  'leaked_bytes',
  'released_bytes',
  'capped_requests',
  // the fault state's version counts every change; a replica's id defaults to host-pid
  'version',
  'applied_version',
  'instance_id',
  'applied_at',
  'seen_at',
];

/**
 * Reads a documented answer: JSON in which a bare `...` elides the rest: more keys of an object
 * (`{"latency_ms": 300, ...}`, read as a "..." key) or more elements of an array (read as "...").
 */
export function parseAnswer(text: string): unknown {
  const open: string[] = [];
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] as string;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (text.startsWith('...', i)) {
      out += open.at(-1) === '{' ? '"...": "..."' : '"..."';
      i += 2;
    } else {
      if (c === '{' || c === '[') open.push(c);
      if (c === '}' || c === ']') open.pop();
      out += c;
    }
  }
  return JSON.parse(out);
}

/**
 * Where an answer differs from the documented one: the same keys and JSON types at every level, and the
 * same values except where they vary (VARYING, or the block's `varies` paths, whose subtrees are free).
 * A documented object with a "..." key (a bare `...` in the page) may have other keys; each element of an answer's array must match
 * one documented element, and a documented "..." element matches any.
 */
export function answerProblems(
  documented: unknown,
  actual: unknown,
  varies: readonly string[] = [],
  at = '$',
): string[] {
  const path = at.replace(/\[\d+\]/g, '');
  const key = /\.([^.[\]]+)$/.exec(path)?.[1];
  const free =
    varies.some((v) => path === v || path.startsWith(`${v}.`)) ||
    VARYING.some((v) => (v.startsWith('$') ? path === v : key === v));
  if (typeOf(documented) !== typeOf(actual))
    return [`${at}: ${typeOf(actual)} where the docs show ${typeOf(documented)}`];
  if (Array.isArray(documented) && Array.isArray(actual)) {
    if (documented.length === 0) return [];
    return actual.flatMap((item, i) => {
      const each = documented.map((d) => (d === '...' ? [] : answerProblems(d, item, varies, `${at}[${i}]`)));
      return each.some((p) => p.length === 0) ? [] : (each[0] as string[]);
    });
  }
  if (typeOf(documented) !== 'object')
    return free || documented === actual
      ? []
      : [`${at}: ${JSON.stringify(actual)} where the docs show ${JSON.stringify(documented)}`];
  const d = documented as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  const open = '...' in d;
  const problems: string[] = [];
  for (const k of Object.keys(d).filter((k) => k !== '...')) {
    if (!(k in a)) problems.push(`${at}.${k}: missing`);
    else problems.push(...answerProblems(d[k], a[k], varies, `${at}.${k}`));
  }
  if (!open) for (const k of Object.keys(a).filter((k) => !(k in d))) problems.push(`${at}.${k}: not in the docs`);
  return problems;
}
