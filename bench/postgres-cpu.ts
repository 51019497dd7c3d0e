import fs from 'node:fs';
import path from 'node:path';
import { clockTicks } from './servers';

/**
 * CPU seconds a PostgreSQL server has used: the postmaster, its live backends and, through the
 * postmaster's reaped-children times, the backends that already exited (pgbench's connections
 * close at the end of each run). Linux only; NaN elsewhere.
 */
export function postgresCpuSeconds(dataDir: string): number {
  try {
    const postmaster = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    let ticks = 0;
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const fields = readStat(Number(entry));
      if (!fields) continue;
      const pid = Number(entry);
      // fields from field 3 on: ppid is field 4, utime/stime 14/15, cutime/cstime 16/17
      if (pid === postmaster)
        ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      else if (Number(fields[1]) === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks / clockTicks();
  } catch {
    return NaN;
  }
}

function readStat(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}
