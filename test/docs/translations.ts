import path from 'node:path';
import { anchors, blocks, links, tables, type DocFile } from './markdown';

/**
 * The Russian pages (docs/ru/) and what ties each to its English twin: README.md <-> docs/ru/README.md,
 * docs/X <-> docs/ru/X. A translation changes the prose only: its fenced blocks, its links and the code
 * in its tables are those of the English page, in the same order.
 */

export const RU_DIR = 'docs/ru';

/** The English pages that have a Russian twin: what participants and facilitators read. */
export function isTranslated(rel: string): boolean {
  return (
    rel === 'README.md' ||
    ['docs/workshop.md', 'docs/curl-guide.md', 'docs/faults.md'].includes(rel) ||
    /^docs\/cases\/[^/]+\.md$/.test(rel)
  );
}

export const isRussian = (rel: string): boolean => rel.startsWith(`${RU_DIR}/`);

export function russianTwin(rel: string): string {
  return rel === 'README.md' ? `${RU_DIR}/README.md` : `${RU_DIR}/${rel.replace(/^docs\//, '')}`;
}

export function englishTwin(rel: string): string {
  const inner = rel.slice(RU_DIR.length + 1);
  return inner === 'README.md' ? 'README.md' : `docs/${inner}`;
}

/** Languages whose blocks hold prose (a diagram's labels, a commented file tree): translated, not compared. */
const PROSE_BLOCKS = new Set(['', 'mermaid']);

/** Where a page's link leads, the same for both languages: the English twin of the file, the heading by position. */
function destination(file: DocFile, target: string, docs: readonly DocFile[], root: string): string {
  const [pathPart = '', anchor] = target.split('#') as [string, string | undefined];
  const abs = pathPart === '' ? file.abs : path.resolve(path.dirname(file.abs), decodeURIComponent(pathPart));
  const rel = path.relative(root, abs).split(path.sep).join('/');
  const page = isRussian(rel) ? englishTwin(rel) : rel;
  if (anchor === undefined) return page;
  const linked = docs.find((d) => d.rel === rel);
  const index = linked ? [...anchors(linked)].indexOf(anchor) : -1;
  return `${page}#heading-${index < 0 ? `?${anchor}` : index + 1}`;
}

interface Item {
  readonly value: string;
  /** 1-based line in its page, 0 where unknown. */
  readonly line: number;
}

/** The level of each heading outside fenced blocks, with its line. */
function headings(file: DocFile): Item[] {
  const out: Item[] = [];
  let fence: string | undefined;
  file.text.split('\n').forEach((line, i) => {
    const f = /^ {0,3}(`{3,})/.exec(line)?.[1];
    if (f && (fence === undefined || line.trim().startsWith(fence))) fence = fence === undefined ? f : undefined;
    else if (fence === undefined && /^#{1,6}\s/.test(line))
      out.push({ value: `level ${line.indexOf(' ')}`, line: i + 1 });
  });
  return out;
}

/** What must be the same in both languages, each list in page order. */
function checked(file: DocFile, docs: readonly DocFile[], root: string): Record<string, Item[]> {
  return {
    blocks: blocks(file).map((b) => {
      const marker =
        b.notRun !== undefined
          ? `<!-- not-run: ${b.notRun} -->\n`
          : b.onReplicas !== undefined
            ? `<!-- on-replicas: ${b.onReplicas} -->\n`
            : b.runWith
              ? `<!-- run-with: ${JSON.stringify(b.runWith)} -->\n`
              : '';
      const answer = b.answer?.varies ? `\n(answer varies at ${b.answer.varies.join(', ')})` : '';
      return {
        value: `${marker}\`\`\`${b.lang}\n${PROSE_BLOCKS.has(b.lang) ? '(prose)' : b.body}${answer}`,
        line: b.line,
      };
    }),
    links: links(file).map((l) => ({ value: destination(file, l.target, docs, root), line: l.line })),
    headings: headings(file),
    'code in tables': tables(file).map((t) => ({
      value: [
        ...t.rows
          .flat()
          .join(' | ')
          .matchAll(/`([^`]+)`/g),
      ]
        .map((m) => m[1])
        .join(' · '),
      line: 0,
    })),
  };
}

/** How a Russian page differs from its English twin in what it must keep: empty when they agree. */
export function parityProblems(en: DocFile, ru: DocFile, docs: readonly DocFile[], root: string): string[] {
  const a = checked(en, docs, root);
  const b = checked(ru, docs, root);
  const where = (file: DocFile, item: Item | undefined) =>
    item
      ? `${file.rel}${item.line ? `:${item.line}` : ''} has ${JSON.stringify(item.value)}`
      : `${file.rel} has nothing`;
  const problems: string[] = [];
  for (const [kind, x] of Object.entries(a)) {
    const y = b[kind] ?? [];
    const at = [...Array(Math.max(x.length, y.length)).keys()].find((i) => x[i]?.value !== y[i]?.value);
    if (at !== undefined) problems.push(`${kind} #${at + 1}: ${where(en, x[at])}, ${where(ru, y[at])}`);
  }
  return problems;
}
