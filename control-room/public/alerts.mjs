import { call } from './http.mjs';
import { el, formatTime } from './format.mjs';

/** Pending and firing alerts from Prometheus, each marked with whether Alertmanager holds it (it notifies from there). */
export async function updateAlerts() {
  const [prometheus, alertmanager] = await Promise.all([
    call('/prometheus/api/v1/alerts'),
    call('/alertmanager/api/v2/alerts?active=true'),
  ]);
  const note = document.getElementById('alerts-note');
  if (!prometheus.ok) throw new Error(`Prometheus alerts: ${prometheus.body?.error?.message ?? prometheus.status}`);
  const notified = new Set(alertmanager.ok ? alertmanager.body.map((a) => a.labels.alertname) : []);
  const alerts = prometheus.body.data.alerts.sort(
    (a, b) => a.state.localeCompare(b.state) || a.labels.alertname.localeCompare(b.labels.alertname),
  );
  const rows = alerts.map((a) => {
    const since = new Date(a.activeAt);
    const runbook = a.annotations.runbook_url;
    return el(
      'tr',
      { 'data-alertname': a.labels.alertname, 'data-state': a.state },
      el('th', { scope: 'row' }, a.labels.alertname),
      el('td', { class: a.state }, a.state),
      el('td', {}, a.labels.severity ?? ''),
      el(
        'td',
        {},
        el('time', { datetime: a.activeAt }, `${formatTime(since)} (${Math.round((Date.now() - since) / 1000)} s)`),
      ),
      el('td', {}, alertmanager.ok ? (notified.has(a.labels.alertname) ? 'received' : 'not yet') : 'unreachable'),
      el('td', {}, a.annotations.summary ?? ''),
      el('td', {}, runbook ? el('a', { href: runbook }, `runbook for ${a.labels.alertname}`) : ''),
    );
  });
  document.querySelector('#alerts tbody').replaceChildren(...rows);
  note.textContent = alerts.length === 0 ? 'No alert is pending or firing.' : '';
}
