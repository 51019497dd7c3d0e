import { call } from './http.mjs';
import { createCharts } from './charts.mjs';
import { refreshFaults, replicaCount, setUpFaults } from './faults.mjs';
import { updateAlerts } from './alerts.mjs';
import { updateScenario } from './scenario.mjs';
import { refreshGame, setUpGame } from './game.mjs';

const REFRESH_MS = 2000;
const LARGE_KEY = 'control-room-large-type';

function setUpLargeType() {
  const box = document.getElementById('large-type');
  const apply = () => document.documentElement.classList.toggle('large', box.checked);
  box.checked = localStorage.getItem(LARGE_KEY) === 'true';
  apply();
  box.addEventListener('change', () => {
    localStorage.setItem(LARGE_KEY, String(box.checked));
    apply();
    window.dispatchEvent(new Event('resize'));
  });
}

/** Runs `task` every REFRESH_MS, never two at once; a failure is shown in `noteId` and retried. */
function every(task, noteId) {
  const note = document.getElementById(noteId);
  const base = note.textContent;
  const run = async () => {
    try {
      await task();
      if (note.dataset.failed) {
        note.textContent = base;
        delete note.dataset.failed;
      }
    } catch (err) {
      note.textContent = `Cannot refresh: ${err.message}`;
      note.dataset.failed = 'true';
    }
    setTimeout(run, REFRESH_MS);
  };
  void run();
}

async function main() {
  setUpLargeType();
  const catalogue = (await call('/catalogue.json')).body;
  await setUpFaults(catalogue);
  await refreshFaults();
  setUpGame();
  every(refreshGame, 'game-note');
  await new Promise((resolve) => (window.uPlot ? resolve() : window.addEventListener('load', resolve, { once: true })));
  every(
    createCharts(catalogue, () => replicaCount('api') > 1),
    'signals-note',
  );
  every(updateAlerts, 'alerts-note');
  every(async () => {
    await refreshFaults();
    await updateScenario();
  }, 'scenario-body');
  document.body.dataset.ready = 'true';
}

void main();
