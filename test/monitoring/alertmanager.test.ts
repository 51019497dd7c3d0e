import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_PORTS, type Ports } from '../../stack/options';
import { renderAlertmanagerConfig } from '../../stack/render';
import { waitUntil } from '../../kit/wait';
import { ALERTMANAGER_DIR, RULE_FILES, rulesOf, runTool } from './tools';

const NATIVE_SINK = 'http://127.0.0.1:9099/alerts';
const COMPOSE_SINK = 'http://alert-sink:9099/alerts';

interface Receiver {
  name: string;
  webhook_configs?: { url: string; send_resolved?: boolean }[];
  telegram_configs?: { bot_token: string; chat_id: number }[];
}

const native = readFileSync(join(ALERTMANAGER_DIR, 'alertmanager.yml'), 'utf8');

const TELEGRAM = { botToken: '123456:test-token', chatId: -1001234, apiUrl: 'https://api.telegram.org' };

/** alertmanager.yml with Telegram, rendered as both stacks render it (stack/render.ts). */
function withTelegram(ports?: Ports, telegram = TELEGRAM): string {
  return renderAlertmanagerConfig(join(ALERTMANAGER_DIR, 'alertmanager.yml'), ports, telegram);
}

describe('Alertmanager configuration', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fintech-am-config-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const file of ['alertmanager.yml', 'alertmanager.docker.yml']) {
    it(`${file} passes amtool check-config`, () => {
      const result = runTool('amtool', ['check-config', join(ALERTMANAGER_DIR, file)]);
      expect(result.code, result.output).to.equal(0);
    });
  }

  it('alertmanager.docker.yml differs from alertmanager.yml only in its first line and the sink address', () => {
    const docker = readFileSync(join(ALERTMANAGER_DIR, 'alertmanager.docker.yml'), 'utf8');
    const body = (text: string) => text.split('\n').slice(1).join('\n');
    expect(body(docker)).to.equal(body(native).split(NATIVE_SINK).join(COMPOSE_SINK));
  });

  it('sends every notification to the alert sink, resolved ones included', () => {
    const receivers = (parse(native) as { receivers: Receiver[] }).receivers;
    for (const receiver of receivers) {
      expect(receiver.webhook_configs, receiver.name).to.deep.equal([{ url: NATIVE_SINK, send_resolved: true }]);
    }
  });

  it('with the Telegram snippet appended, passes amtool check-config and notifies Telegram for urgent alerts only', () => {
    const rendered = withTelegram();
    const file = join(dir, 'alertmanager.telegram.yml');
    writeFileSync(file, rendered);
    const result = runTool('amtool', ['check-config', file]);
    expect(result.code, result.output).to.equal(0);
    const receivers = (parse(rendered) as { receivers: Receiver[] }).receivers;
    expect(receivers.filter((r) => r.telegram_configs).map((r) => r.name)).to.deep.equal(['urgent']);
    expect(receivers.find((r) => r.name === 'urgent')?.telegram_configs).to.deep.equal([
      { bot_token: '123456:test-token', chat_id: -1001234, api_url: 'https://api.telegram.org', send_resolved: true },
    ]);
  });

  const expectedReceiver: Record<string, string> = {
    critical: 'urgent',
    page: 'urgent',
    warning: 'alert-sink',
    ticket: 'alert-sink',
    info: 'alert-sink',
  };
  const severities = [...new Set(RULE_FILES.flatMap((f) => rulesOf(f).flatMap((r) => r.labels?.severity ?? [])))];
  for (const severity of severities) {
    it(`routes ${severity} alerts to ${expectedReceiver[severity] ?? '(no expectation: add one)'}`, () => {
      expect(expectedReceiver, `a route expectation for severity ${severity}`).to.have.property(severity);
      const result = runTool('amtool', [
        'config',
        'routes',
        'test',
        `--config.file=${join(ALERTMANAGER_DIR, 'alertmanager.yml')}`,
        `--verify.receivers=${expectedReceiver[severity]}`,
        `severity=${severity}`,
        'alertname=FintechExample',
      ]);
      expect(result.code, result.output).to.equal(0);
    });
  }
});

describe('Alertmanager running alertmanager.yml, with Telegram', function () {
  this.timeout(30_000);
  const received: { receiver: string; status: string; alertname: string }[] = [];
  /** Requests to the loopback stand-in for Telegram's Bot API (Alertmanager's telegram_configs api_url). */
  const telegram: { path: string; body: Record<string, unknown> }[] = [];
  let sink: http.Server;
  let alertmanager: ChildProcess;
  let dir: string;
  let url: string;
  let logs = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fintech-am-'));
    sink = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (req.url?.startsWith('/bot')) {
          telegram.push({ path: req.url, body: JSON.parse(body) as Record<string, unknown> });
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({
              ok: true,
              result: { message_id: telegram.length, date: 0, chat: { id: TELEGRAM.chatId, type: 'group' } },
            }),
          );
          return;
        }
        const notification = JSON.parse(body) as {
          receiver: string;
          alerts: { status: string; labels: Record<string, string> }[];
        };
        for (const alert of notification.alerts) {
          received.push({
            receiver: notification.receiver,
            status: alert.status,
            alertname: alert.labels.alertname ?? '',
          });
        }
        res.end();
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const sinkPort = (sink.address() as AddressInfo).port;
    const standIn = { ...TELEGRAM, apiUrl: `http://127.0.0.1:${sinkPort}` };
    writeFileSync(join(dir, 'alertmanager.yml'), withTelegram({ ...DEFAULT_PORTS, alertSink: sinkPort }, standIn));

    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    runTool('prometheus-alertmanager', ['--version']); // a clear error when it is not installed
    alertmanager = spawn(
      'prometheus-alertmanager',
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    alertmanager.stdout?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    alertmanager.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    await waitUntil('Alertmanager to be ready', async () => (await fetch(`${url}/-/ready`)).status, {
      until: (status) => status === 200,
      timeoutMs: 15_000,
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${logs}`);
    });
  });

  after(async () => {
    if (alertmanager && alertmanager.exitCode === null) {
      const exited = new Promise((resolve) => alertmanager.once('exit', resolve));
      alertmanager.kill('SIGTERM');
      await exited;
    }
    await new Promise((resolve) => sink?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const post = async (alerts: { labels: Record<string, string>; endsAt?: string }[]): Promise<void> => {
    const res = await fetch(`${url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts.map((a) => ({ ...a, annotations: { summary: 'test' } }))),
    });
    expect(res.status, await res.text()).to.equal(200);
  };
  const alertStatus = async (alertname: string) => {
    const res = await fetch(`${url}/api/v2/alerts?filter=${encodeURIComponent(`alertname="${alertname}"`)}`);
    const alerts = (await res.json()) as { status: { state: string; inhibitedBy: string[] } }[];
    return alerts[0]?.status;
  };

  it('delivers a critical alert to the sink through the urgent receiver within seconds', async () => {
    await post([{ labels: { alertname: 'FintechHighErrorRatio', severity: 'critical' } }]);
    const seen = await waitUntil(
      'FintechHighErrorRatio at the sink',
      () => received.filter((r) => r.alertname === 'FintechHighErrorRatio'),
      { until: (list) => list.length > 0, timeoutMs: 5_000 },
    );
    expect(seen[0]).to.deep.include({ receiver: 'urgent', status: 'firing' });
  });

  it('sends a critical alert to Telegram through the configured Bot API URL, with the chat id', async () => {
    const message = await waitUntil(
      'a sendMessage about FintechHighErrorRatio at the Bot API stand-in',
      () => telegram.find((t) => String(t.body['text']).includes('FintechHighErrorRatio')),
      { until: (found) => found !== undefined, timeoutMs: 5_000 },
    );
    expect(message?.path).to.equal(`/bot${TELEGRAM.botToken}/sendMessage`);
    expect(String(message?.body['chat_id'])).to.equal(String(TELEGRAM.chatId));
  });

  it('does not send a warning to Telegram', async () => {
    await post([{ labels: { alertname: 'FintechHighMemory', severity: 'warning' } }]);
    await waitUntil('FintechHighMemory at the sink', () => received.some((r) => r.alertname === 'FintechHighMemory'), {
      until: Boolean,
      timeoutMs: 5_000,
    });
    expect(telegram.filter((t) => String(t.body['text']).includes('FintechHighMemory'))).to.deep.equal([]);
  });

  it('delivers the resolution of an alert too', async () => {
    await post([
      { labels: { alertname: 'FintechHighErrorRatio', severity: 'critical' }, endsAt: new Date().toISOString() },
    ]);
    await waitUntil(
      'the resolved FintechHighErrorRatio at the sink',
      () => received.filter((r) => r.alertname === 'FintechHighErrorRatio' && r.status === 'resolved'),
      { until: (list) => list.length > 0, timeoutMs: 5_000 },
    );
  });

  it('suppresses symptom alerts while FintechApiDown fires, but not FintechApiDown itself', async () => {
    await post([{ labels: { alertname: 'FintechApiDown', severity: 'critical', job: 'fintech-api' } }]);
    await waitUntil('FintechApiDown at the sink', () => received.some((r) => r.alertname === 'FintechApiDown'), {
      until: Boolean,
      timeoutMs: 5_000,
    });
    await post([{ labels: { alertname: 'FintechHighLatencyP99', severity: 'critical' } }]);
    const status = await waitUntil(
      'FintechHighLatencyP99 to be suppressed',
      () => alertStatus('FintechHighLatencyP99'),
      { until: (s) => s?.state === 'suppressed', timeoutMs: 5_000 },
    );
    expect(status?.inhibitedBy).to.have.lengthOf(1);
    expect((await alertStatus('FintechApiDown'))?.state).to.equal('active');
    expect(received.map((r) => r.alertname)).to.not.include('FintechHighLatencyP99');
  });
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
