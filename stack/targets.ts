import { PrometheusClient, type ScrapeTarget } from '../kit/prometheus';
import { waitHealthy } from '../kit/wait';

/**
 * Waits until Prometheus has scraped every target that belongs to this stack (its address is one
 * of `ownAddresses`) successfully. Returns those targets and the ones left out (components not started).
 */
export async function waitForTargetsUp(
  prometheusUrl: string,
  ownAddresses: ReadonlySet<string>,
  options: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<{ up: ScrapeTarget[]; skipped: ScrapeTarget[] }> {
  const prometheus = new PrometheusClient(prometheusUrl);
  let targets: ScrapeTarget[] = [];
  await waitHealthy(
    'Prometheus targets',
    async () => {
      targets = await prometheus.targets();
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
