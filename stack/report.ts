import type { ReceivedAlert } from './alert-sink';
import type { ComponentName } from './options';
import type { ComponentStatus, Stack } from './stack';

/** The table `up` ends with: where to point a browser or a client. */
export function formatUrlTable(stack: Pick<Stack, 'urls' | 'components'>): string {
  const { urls } = stack;
  const rows: [string, string, ComponentName | undefined][] = [
    ['Control room', urls.controlRoom, 'control-room'],
    ['API', urls.api, 'api'],
    ['Prometheus', urls.prometheus, 'prometheus'],
    ['Alertmanager', urls.alertmanager, 'alertmanager'],
    ['postgres_exporter', urls.postgresExporter, 'postgres-exporter'],
    ['Alert sink', urls.alertSink, 'alert-sink'],
    ['PostgreSQL', urls.postgres, 'postgres'],
    ['Grafana', 'http://127.0.0.1:3000  (Docker only)', undefined],
    ['Jaeger', 'http://127.0.0.1:16686 (Docker only)', undefined],
  ];
  return rows
    .map(([name, url, component]) => {
      const note = component !== undefined && !stack.components.includes(component) ? '  (not started)' : '';
      return `  ${name.padEnd(19)}${url}${note}`;
    })
    .join('\n');
}

export function formatStatus(statuses: ComponentStatus[]): string {
  const width = Math.max(...statuses.map((s) => s.url.length)) + 2;
  return statuses
    .map(
      (s) =>
        `${s.healthy ? '✔' : '✘'} ${s.name.padEnd(18)}${s.url.padEnd(width)}${s.healthy ? 'up' : `down (${s.reason})`}`,
    )
    .join('\n');
}

/** One line per alert notification, oldest first. */
export function formatAlerts(alerts: ReceivedAlert[]): string {
  if (alerts.length === 0) return 'no alert notifications received yet';
  const header = ['TIME'.padEnd(20), 'STATUS'.padEnd(9), 'ALERTNAME'.padEnd(28), 'SEVERITY'.padEnd(10), 'SUMMARY'].join(
    '',
  );
  const rows = alerts.map((a) =>
    [
      a.receivedAt.replace('T', ' ').slice(0, 19).padEnd(20),
      a.status.padEnd(9),
      (a.labels['alertname'] ?? '?').padEnd(28),
      (a.labels['severity'] ?? '-').padEnd(10),
      a.annotations['summary'] ?? '',
    ].join(''),
  );
  return [header, ...rows].join('\n');
}
