import { waitFor } from './wait';

/** One scrape target as Prometheus's /api/v1/targets reports it. */
export interface ScrapeTarget {
  job: string;
  address: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

export async function fetchTargets(prometheusUrl: string): Promise<ScrapeTarget[]> {
  const res = await fetch(`${prometheusUrl}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(2_000) });
  if (!res.ok) throw new Error(`GET /api/v1/targets: HTTP ${res.status}`);
  const body = (await res.json()) as {
    data: {
      activeTargets: {
        labels: Record<string, string>;
        scrapeUrl: string;
        health: ScrapeTarget['health'];
        lastError: string;
      }[];
    };
  };
  return body.data.activeTargets.map((t) => ({
    job: t.labels['job'] ?? '',
    address: new URL(t.scrapeUrl).host,
    health: t.health,
    lastError: t.lastError,
  }));
}

/**
 * Waits until Prometheus has scraped every target that belongs to this stack (its address is one
 * of `ownAddresses`) successfully. Returns those targets and the ones left out (components not started).
 */
export async function waitForTargetsUp(
  prometheusUrl: string,
  ownAddresses: ReadonlySet<string>,
  options: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<{ up: ScrapeTarget[]; skipped: ScrapeTarget[] }> {
  let targets: ScrapeTarget[] = [];
  await waitFor(
    'Prometheus targets',
    async () => {
      targets = await fetchTargets(prometheusUrl);
      const own = targets.filter((t) => ownAddresses.has(t.address));
      if (own.length === 0) return 'no target of this stack in the Prometheus config';
      const notUp = own.filter((t) => t.health !== 'up');
      if (notUp.length === 0) return undefined;
      return notUp.map((t) => `${t.job} (${t.address}) ${t.health}${t.lastError ? `: ${t.lastError}` : ''}`).join('; ');
    },
    { timeoutMs: options.timeoutMs, intervalMs: 500, signal: options.signal },
  );
  return {
    up: targets.filter((t) => ownAddresses.has(t.address)),
    skipped: targets.filter((t) => !ownAddresses.has(t.address)),
  };
}
