import fs from 'node:fs';
import path from 'node:path';
import { GameError } from './game';

/** True when a process with this pid exists (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Only one game at a time: a pid file created exclusively. A file left by a dead process is taken
 * over; one held by a live process refuses. Returns the release function.
 */
export function takeGameLock(file: string): () => void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && alive(holder))
        throw new GameError(
          409,
          'GAME_RUNNING',
          `A game is already running (pid ${holder}); stop it first (make gameday-stop, or the control room's Stop).`,
        );
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`could not take the game lock ${file}`);
}
