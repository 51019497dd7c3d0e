import fs from 'node:fs';
import path from 'node:path';
import YAML, { isMap, isScalar, isSeq, type Document } from 'yaml';
import { replicaLayout } from './haproxy';
import { DEFAULT_PORTS, type Ports, type TelegramSettings } from './options';

/** Scrape jobs of the API replicas and of HAProxy in front of them. */
export const API_JOB = 'fintech-api';
export const HAPROXY_JOB = 'haproxy';

/** The Compose service name of each component: the same config may name a component either way. */
const SERVICE_NAMES: Readonly<Record<keyof Ports, string>> = {
  api: 'api',
  prometheus: 'prometheus',
  alertmanager: 'alertmanager',
  postgres: 'postgres',
  postgresExporter: 'postgres-exporter',
  alertSink: 'alert-sink',
  risk: 'risk',
  controlRoom: 'control-room',
};

/**
 * Points every address of a stack component at this stack: `HOST:DEFAULT_PORT`, where HOST is
 * 127.0.0.1, localhost or the component's Compose service name, becomes `127.0.0.1:PORT`.
 * One pass, so swapped ports (API on 9090, Prometheus on 5000) cannot chain.
 */
export function substitutePorts(text: string, ports: Ports): string {
  const byAddress = new Map<string, number>();
  for (const key of Object.keys(DEFAULT_PORTS) as (keyof Ports)[]) {
    for (const host of ['127.0.0.1', 'localhost', SERVICE_NAMES[key]]) {
      byAddress.set(`${host}:${DEFAULT_PORTS[key]}`, ports[key]);
    }
  }
  return text.replace(/(?<![\w.-])([\w.-]+):(\d+)\b/g, (match: string) => {
    const port = byAddress.get(match);
    return port === undefined ? match : `127.0.0.1:${port}`;
  });
}

/** The Prometheus config for this stack: its ports, and rule_files made absolute (the rendered file lives elsewhere). */
export function renderPrometheusConfig(sourceFile: string, ports: Ports, replicas = 1): string {
  const doc = parseYamlFile(sourceFile);
  substitutePortsInDocument(doc, ports);
  if (replicas > 1) scrapeReplicas(doc, ports.api, replicas, sourceFile);
  const ruleFiles = doc.get('rule_files');
  if (ruleFiles !== undefined && ruleFiles !== null) {
    if (!isSeq(ruleFiles)) throw new Error(`${sourceFile}: rule_files must be a list`);
    for (const item of ruleFiles.items) {
      if (!isScalar(item) || typeof item.value !== 'string')
        throw new Error(`${sourceFile}: rule_files entries must be strings`);
      item.value = path.resolve(path.dirname(sourceFile), item.value);
    }
  }
  return doc.toString();
}

/** With replicas, Prometheus scrapes each replica itself (not through HAProxy, which would mix them) and HAProxy. */
function scrapeReplicas(doc: Document, apiPort: number, count: number, sourceFile: string): void {
  const layout = replicaLayout(apiPort, count);
  const jobs = doc.get('scrape_configs');
  const api = isSeq(jobs) ? jobs.items.find((j) => isMap(j) && j.get('job_name') === API_JOB) : undefined;
  if (!isSeq(jobs) || !isMap(api)) throw new Error(`${sourceFile}: no scrape job named ${API_JOB}`);
  api.set('static_configs', doc.createNode([{ targets: layout.replicas.map((r) => `127.0.0.1:${r.port}`) }]));
  jobs.add(
    doc.createNode({ job_name: HAPROXY_JOB, static_configs: [{ targets: [`127.0.0.1:${layout.metricsPort}`] }] }),
  );
}

/** Next to alertmanager.yml: the telegram_configs block that extends the last receiver ("urgent"). */
export const TELEGRAM_TEMPLATE = 'telegram.receiver.yml';

/**
 * The Alertmanager config of a stack: with `ports` (the native stack), webhook URLs pointed at this
 * stack's sink; with Telegram settings, the filled-in Telegram template appended so that it extends
 * the last receiver. The one renderer of both paths: Compose runs it as `alertmanager-config`.
 * Rendered as text, so the file keeps its comments and layout.
 */
export function renderAlertmanagerConfig(
  sourceFile: string,
  ports: Ports | undefined,
  telegram?: TelegramSettings,
): string {
  let text = fs.readFileSync(sourceFile, 'utf8');
  if (ports !== undefined) text = substitutePorts(text, ports);
  if (telegram !== undefined) {
    const template = fs.readFileSync(path.join(path.dirname(sourceFile), TELEGRAM_TEMPLATE), 'utf8');
    text = `${text.trimEnd()}\n${fillTemplate(template, {
      TELEGRAM_BOT_TOKEN: telegram.botToken,
      TELEGRAM_CHAT_ID: String(telegram.chatId),
      TELEGRAM_API_URL: telegram.apiUrl,
    })}`;
  }
  const doc = YAML.parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`rendered ${sourceFile}: ${doc.errors.map((e) => e.message).join('; ')}`);
  if (telegram !== undefined) {
    const receivers = doc.get('receivers');
    const last = isSeq(receivers) ? receivers.items.at(-1) : undefined;
    if (!isMap(last) || !last.has('telegram_configs')) {
      throw new Error(
        `${TELEGRAM_TEMPLATE} did not extend the last receiver of ${sourceFile}: is receivers still the last key?`,
      );
    }
  }
  return text;
}

/** Replaces each ${NAME}; a placeholder without a value is an error, not an empty string. */
function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{(\w+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${TELEGRAM_TEMPLATE}: no value for \${${name}}`);
    return value;
  });
}

function parseYamlFile(file: string): Document {
  const doc = YAML.parseDocument(fs.readFileSync(file, 'utf8'));
  if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
  return doc;
}

function substitutePortsInDocument(doc: Document, ports: Ports): void {
  YAML.visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string') node.value = substitutePorts(node.value, ports);
    },
  });
}
