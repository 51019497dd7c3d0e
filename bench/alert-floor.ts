import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

/** The earliest an alert can fire after its condition becomes true: one scrape, one rule evaluation, its `for:`. */
export interface AlertFloor {
  alert: string;
  scrapeSeconds: number;
  evaluationSeconds: number;
  forSeconds: number;
  floorSeconds: number;
}

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** A Prometheus duration ("10s", "1m30s", "500ms") in seconds. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text)
    throw new Error(`not a Prometheus duration: ${text}`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS[p[2] as string] as number), 0);
}

interface PrometheusConfig {
  global?: { scrape_interval?: string; evaluation_interval?: string };
  rule_files?: string[];
}
interface RuleFile {
  groups?: { interval?: string; rules?: { alert?: string; for?: string }[] }[];
}

/** Reads the floor of every alert from a Prometheus config and the rule files it lists (Prometheus defaults: 1m, 1m, for 0s). */
export function readAlertFloors(configFile: string): Map<string, AlertFloor> {
  const config = YAML.parse(fs.readFileSync(configFile, 'utf8')) as PrometheusConfig;
  const scrapeSeconds = parseDuration(config.global?.scrape_interval ?? '1m');
  const globalEvaluation = parseDuration(config.global?.evaluation_interval ?? '1m');
  const floors = new Map<string, AlertFloor>();
  for (const file of config.rule_files ?? []) {
    const rules = YAML.parse(fs.readFileSync(path.resolve(path.dirname(configFile), file), 'utf8')) as RuleFile;
    for (const group of rules.groups ?? []) {
      const evaluationSeconds = group.interval ? parseDuration(group.interval) : globalEvaluation;
      for (const rule of group.rules ?? []) {
        if (!rule.alert) continue;
        const forSeconds = rule.for ? parseDuration(rule.for) : 0;
        floors.set(rule.alert, {
          alert: rule.alert,
          scrapeSeconds,
          evaluationSeconds,
          forSeconds,
          floorSeconds: scrapeSeconds + evaluationSeconds + forSeconds,
        });
      }
    }
  }
  return floors;
}
