import { en, type Messages } from './en';
import { ru } from './ru';

export type { Messages };

export const LANGUAGES = { en, ru } as const;
export type Language = keyof typeof LANGUAGES;

/**
 * The language of the runner's output: `--lang ru|en`, else WORKSHOP_LANG, else Russian when the locale
 * (LC_ALL, LC_MESSAGES, LANG) is a Russian one, else English. Returns an error message for an unknown value.
 */
export function pickLanguage(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): { language: Language; rest: string[] } | { error: string } {
  const rest = [...argv];
  let chosen: string | undefined;
  const at = rest.findIndex((a) => a === '--lang' || a.startsWith('--lang='));
  if (at >= 0) {
    const arg = rest[at] as string;
    chosen = arg.includes('=') ? arg.slice('--lang='.length) : rest[at + 1];
    rest.splice(at, arg.includes('=') ? 1 : 2);
  }
  chosen ??= env.WORKSHOP_LANG || undefined;
  if (chosen !== undefined) {
    return chosen in LANGUAGES
      ? { language: chosen as Language, rest }
      : { error: `the language must be en or ru, not "${chosen}"` };
  }
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return { language: /^ru([_.@-]|$)/i.test(locale) ? 'ru' : 'en', rest };
}
