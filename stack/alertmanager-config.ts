import fs from 'node:fs';
import path from 'node:path';
import { telegramFromEnv } from './options';
import { renderAlertmanagerConfig } from './render';

/**
 * Compose's `alertmanager-config` service: renders SOURCE (alertmanager.docker.yml) to OUT with the
 * same renderer and TELEGRAM_* checks as the native launcher, so Telegram works on both paths.
 * Usage: node dist/stack/alertmanager-config.js SOURCE OUT
 */
function main(argv: string[]): number {
  const [source, out] = argv;
  if (source === undefined || out === undefined) {
    console.error('usage: alertmanager-config SOURCE OUT');
    return 2;
  }
  const problems: string[] = [];
  const telegram = telegramFromEnv(process.env, problems);
  if (problems.length > 0) {
    console.error(`Invalid Telegram settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    return 1;
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, renderAlertmanagerConfig(source, undefined, telegram));
  console.log(
    `rendered ${out} from ${source}; Telegram ${telegram ? `on (chat ${telegram.chatId}, ${telegram.apiUrl})` : 'off'}`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
