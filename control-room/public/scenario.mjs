import { call } from './http.mjs';
import { el, formatTime } from './format.mjs';

/** The journal of the running (or last) scenario, as the runner writes it: phases, probes, verdict. */
export async function updateScenario() {
  const res = await call('/scenario.json');
  if (res.status === 204 || !res.ok) return;
  const j = res.body;
  const box = document.getElementById('scenario-body');
  const state = j.running ? 'running' : `verdict: ${j.verdict}${j.aborted ? ` (aborted: ${j.aborted})` : ''}`;
  box.replaceChildren(
    el(
      'p',
      {},
      `Case ${j.scenario.id} · ${j.scenario.title} · started ${formatTime(new Date(j.startedAt))} · `,
      el('strong', { class: j.running ? '' : j.verdict, 'data-verdict': j.running ? 'running' : j.verdict }, state),
    ),
    el('p', { class: 'hint' }, j.scenario.hypothesis),
    ...j.phases.map((phase) =>
      el(
        'details',
        { open: phase === j.phases[j.phases.length - 1] },
        el(
          'summary',
          { class: phase.ok ? 'pass' : 'fail' },
          `${phase.phase}: ${phase.ok ? 'held' : j.running && phase === j.phases[j.phases.length - 1] ? 'checking' : 'did not hold'} (${phase.seconds.toFixed(1)} s)`,
        ),
        el(
          'ul',
          {},
          ...phase.probes.map((p) =>
            el(
              'li',
              { class: p.ok ? 'pass' : 'fail' },
              `${p.ok ? '✔' : '✘'} ${p.name}: ${p.value} (expected ${p.expected})`,
            ),
          ),
        ),
      ),
    ),
  );
}
