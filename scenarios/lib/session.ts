import { CASES } from '../cases';
import { FaultClient } from '../../kit/faults';
import { PrometheusClient } from '../../kit/prometheus';
import { PROFILES, type Profile } from './profiles';
import { writeLiveJournal, writeReports, summary } from './report';
import { runScenario, type Journal, type RunnerOptions } from './runner';
import { en } from './lang/en';

export interface SessionOptions extends Omit<RunnerOptions, 'profile'> {
  profile?: Profile;
  reportsDir?: string;
}

/** Picks the profile from the scrape interval Prometheus really uses (1 s: fast, otherwise workshop). */
export async function detectProfile(prometheusUrl: string): Promise<Profile> {
  const seconds = await new PrometheusClient(prometheusUrl).scrapeIntervalSeconds().catch(() => undefined);
  return seconds !== undefined && seconds <= 1 ? PROFILES.fast : PROFILES.workshop;
}

/** Runs the given cases one after another; prints the summary and writes the reports of each. */
export async function runCases(ids: number[], options: SessionOptions): Promise<Journal[]> {
  const profile = options.profile ?? (await detectProfile(options.prometheusUrl));
  const log = options.log ?? ((line: string) => console.log(line));
  const m = options.messages ?? en;
  const journals: Journal[] = [];
  for (const id of ids) {
    const factory = CASES[id];
    if (!factory) throw new Error(`no scenario ${id}`);
    const view = await new FaultClient(options.apiUrl, { token: options.chaosToken }).view().catch(() => undefined);
    const cap = view?.faults.memory_leak.cap_bytes;
    const scenario = factory(profile, { memoryCapBytes: typeof cap === 'number' ? cap : undefined });
    log(
      `\n${m.header(scenario.id, m.text(scenario.title), profile.name)}\n${m.hypothesisLine(m.text(scenario.hypothesis))}\n`,
    );
    const reportsDir = options.reportsDir;
    const live = reportsDir === undefined ? undefined : (j: Journal) => writeLiveJournal(j, reportsDir, true);
    const journal = await runScenario(scenario, { ...options, profile, log, ...(live && { onProgress: live }) });
    log(summary(journal, m));
    if (options.reportsDir) {
      writeLiveJournal(journal, options.reportsDir, false);
      const files = writeReports(journal, options.reportsDir, m);
      log(`\n${m.files(files.md, files.json)}`);
    }
    journals.push(journal);
    if (options.signal?.aborted) break;
  }
  return journals;
}
