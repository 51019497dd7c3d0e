import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import YAML from 'yaml';
import { PROMETHEUS_CONFIGS } from '../../stack/components';
import { DEFAULT_PORTS, type Ports } from '../../stack/options';
import { replicaLayout } from '../../stack/haproxy';
import {
  API_JOB,
  HAPROXY_JOB,
  renderAlertmanagerConfig,
  renderPrometheusConfig,
  substitutePorts,
} from '../../stack/render';
import { ensureTools, ROOT, run } from './helpers';

const PORTS: Ports = {
  api: 19400,
  prometheus: 19490,
  alertmanager: 19493,
  postgres: 19442,
  postgresExporter: 19487,
  alertSink: 19499,
  risk: 19401,
  controlRoom: 19498,
};
const ALERTMANAGER_CONFIG = path.join(ROOT, 'monitoring', 'alertmanager', 'alertmanager.yml');
const TELEGRAM = { botToken: '123456:ABC-def_ghi', chatId: -100123, apiUrl: 'http://127.0.0.1:19698' };

interface PrometheusConfig {
  rule_files: string[];
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
}

interface AlertmanagerConfig {
  receivers: { name: string; webhook_configs?: { url: string }[]; telegram_configs?: Record<string, unknown>[] }[];
}

describe('config rendering', () => {
  let dir: string;

  before(function () {
    this.timeout(300_000);
    ensureTools();
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-render-'));
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('substitutePorts', () => {
    it('moves each component address at its default port to 127.0.0.1 and this stack port', () => {
      const text = "targets: ['127.0.0.1:5000', 'localhost:9187', 'alert-sink:9099'] url: http://alertmanager:9093/x";
      expect(substitutePorts(text, PORTS)).to.equal(
        "targets: ['127.0.0.1:19400', '127.0.0.1:19487', '127.0.0.1:19499'] url: http://127.0.0.1:19493/x",
      );
    });

    it('leaves other hosts and ports alone', () => {
      const text = 'http://jaeger:4318 127.0.0.1:1234 example.com:9090 api:50001';
      expect(substitutePorts(text, PORTS)).to.equal(text);
    });

    it('does not chain replacements when two components swap ports', () => {
      const swapped = { ...DEFAULT_PORTS, api: 9090, prometheus: 5000 };
      expect(substitutePorts('127.0.0.1:5000 127.0.0.1:9090', swapped)).to.equal('127.0.0.1:9090 127.0.0.1:5000');
    });
  });

  for (const [profile, file] of Object.entries(PROMETHEUS_CONFIGS)) {
    describe(`Prometheus config of the ${profile} profile (${file})`, () => {
      const source = path.join(ROOT, 'monitoring', 'prometheus', file);

      it('points every scrape target and Alertmanager at the ports of this stack', () => {
        const config = YAML.parse(renderPrometheusConfig(source, PORTS)) as PrometheusConfig;
        const targets = config.scrape_configs.flatMap((s) => s.static_configs.flatMap((c) => c.targets));
        const ours = new Set(Object.values(PORTS).map((p) => `127.0.0.1:${p}`));
        expect(targets).to.not.have.lengthOf(0);
        expect(targets.filter((t) => !ours.has(t))).to.deep.equal([]);
        expect(config.alerting.alertmanagers[0]?.static_configs[0]?.targets).to.deep.equal([
          `127.0.0.1:${PORTS.alertmanager}`,
        ]);
      });

      it('names every rule file by an absolute path that exists', () => {
        const config = YAML.parse(renderPrometheusConfig(source, PORTS)) as PrometheusConfig;
        expect(config.rule_files).to.not.have.lengthOf(0);
        for (const rules of config.rule_files) {
          expect(path.isAbsolute(rules), rules).to.equal(true);
          expect(fs.existsSync(rules), rules).to.equal(true);
        }
      });

      it('with 3 replicas, scrapes each replica on its own port and HAProxy, and passes promtool', () => {
        const text = renderPrometheusConfig(source, PORTS, 3);
        const config = YAML.parse(text) as PrometheusConfig & { scrape_configs: { job_name: string }[] };
        const job = (name: string) =>
          config.scrape_configs.find((s) => s.job_name === name)?.static_configs.flatMap((c) => c.targets);
        const layout = replicaLayout(PORTS.api, 3);
        expect(job(API_JOB)).to.deep.equal(layout.replicas.map((r) => `127.0.0.1:${r.port}`));
        expect(job(HAPROXY_JOB)).to.deep.equal([`127.0.0.1:${layout.metricsPort}`]);
        const rendered = path.join(dir, 'prometheus-replicas.yml');
        fs.writeFileSync(rendered, text);
        const { status, output } = run('promtool', ['check', 'config', rendered], dir);
        expect(status, output).to.equal(0);
      });

      it('passes promtool check config from outside monitoring/prometheus', () => {
        const rendered = path.join(dir, 'prometheus.yml');
        fs.writeFileSync(rendered, renderPrometheusConfig(source, PORTS));
        const { status, output } = run('promtool', ['check', 'config', rendered], dir);
        expect(status, output).to.equal(0);
      });
    });
  }

  describe('Alertmanager config', () => {
    it('sends every webhook to the alert sink of this stack', () => {
      const config = YAML.parse(renderAlertmanagerConfig(ALERTMANAGER_CONFIG, PORTS)) as AlertmanagerConfig;
      const urls = config.receivers.flatMap((r) => (r.webhook_configs ?? []).map((w) => w.url));
      expect(urls).to.not.have.lengthOf(0);
      expect(new Set(urls)).to.deep.equal(new Set([`http://127.0.0.1:${PORTS.alertSink}/alerts`]));
    });

    it('has no Telegram receiver without Telegram settings', () => {
      const config = YAML.parse(renderAlertmanagerConfig(ALERTMANAGER_CONFIG, PORTS)) as AlertmanagerConfig;
      expect(config.receivers.filter((r) => r.telegram_configs)).to.deep.equal([]);
    });

    it('adds Telegram to the last receiver only, with the given token and chat id', () => {
      const config = YAML.parse(renderAlertmanagerConfig(ALERTMANAGER_CONFIG, PORTS, TELEGRAM)) as AlertmanagerConfig;
      const withTelegram = config.receivers.filter((r) => r.telegram_configs);
      expect(withTelegram.map((r) => r.name)).to.deep.equal([config.receivers.at(-1)?.name]);
      expect(withTelegram[0]?.telegram_configs?.[0]).to.include({
        bot_token: TELEGRAM.botToken,
        chat_id: TELEGRAM.chatId,
      });
    });

    for (const telegram of [undefined, TELEGRAM]) {
      it(`passes amtool check-config ${telegram ? 'with' : 'without'} Telegram`, () => {
        const rendered = path.join(dir, 'alertmanager.yml');
        fs.writeFileSync(rendered, renderAlertmanagerConfig(ALERTMANAGER_CONFIG, PORTS, telegram));
        const { status, output } = run('amtool', ['check-config', rendered], dir);
        expect(status, output).to.equal(0);
      });
    }
  });

  describe("Compose's alertmanager-config service (stack/alertmanager-config.ts)", () => {
    const script = path.join(ROOT, 'stack', 'alertmanager-config.ts');
    const source = path.join(ROOT, 'monitoring', 'alertmanager', 'alertmanager.docker.yml');
    const telegramEnv = {
      TELEGRAM_BOT_TOKEN: TELEGRAM.botToken,
      TELEGRAM_CHAT_ID: String(TELEGRAM.chatId),
      TELEGRAM_API_URL: TELEGRAM.apiUrl,
    };

    it('renders the Compose config with Telegram from TELEGRAM_*, keeping the service addresses, and amtool accepts it', function () {
      this.timeout(60_000);
      const out = path.join(dir, 'rendered', 'alertmanager.yml');
      const { status, output } = run(process.execPath, ['--import', 'tsx', script, source, out], ROOT, telegramEnv);
      expect(status, output).to.equal(0);
      const config = YAML.parse(fs.readFileSync(out, 'utf8')) as AlertmanagerConfig;
      expect(config.receivers.at(-1)?.telegram_configs?.[0]).to.include({
        chat_id: TELEGRAM.chatId,
        api_url: TELEGRAM.apiUrl,
      });
      expect(new Set(config.receivers.flatMap((r) => (r.webhook_configs ?? []).map((w) => w.url)))).to.deep.equal(
        new Set(['http://alert-sink:9099/alerts']),
      );
      expect(run('amtool', ['check-config', out], dir).status).to.equal(0);
    });

    it('refuses invalid Telegram settings, naming them, and writes nothing', function () {
      this.timeout(60_000);
      const out = path.join(dir, 'refused.yml');
      const { status, output } = run(process.execPath, ['--import', 'tsx', script, source, out], ROOT, {
        ...telegramEnv,
        TELEGRAM_CHAT_ID: '@channel',
      });
      expect(status).to.equal(1);
      expect(output).to.include('TELEGRAM_CHAT_ID=@channel');
      expect(fs.existsSync(out)).to.equal(false);
    });
  });
});
