import { call } from './http.mjs';
import { el } from './format.mjs';
import { showMessage, showRefusal } from './faults.mjs';

const byId = (id) => document.getElementById(id);

/** Replaces a select's options only when they changed, so a choice being made is kept. */
function setOptions(select, values) {
  const current = [...select.options].map((o) => o.value);
  if (current.join('\n') === values.join('\n')) return;
  select.replaceChildren(...values.map((v) => el('option', { value: v }, v)));
}

/** The start form's fields as the body of POST /game/start: empty fields left out (the server's defaults). */
function startOptions(form) {
  const numeric = new Set(['rounds', 'round_seconds', 'seed', 'cooldown', 'load_rate']);
  return Object.fromEntries(
    [...new FormData(form)]
      .map(([name, value]) => [name, String(value).trim()])
      .filter(([, value]) => value !== '')
      .map(([name, value]) => [name, numeric.has(name) && /^-?\d+$/.test(value) ? Number(value) : value]),
  );
}

/** The game panel: a facilitator's start, the open round, the leaderboard, a team's diagnosis, reveal and stop. */
export function setUpGame() {
  const message = byId('game-message');
  const startMessage = byId('game-start-message');
  byId('game-start').addEventListener('submit', async (event) => {
    event.preventDefault();
    const res = await call('/game/start', { method: 'POST', body: startOptions(event.target) });
    if (!res.ok) return showRefusal(startMessage, res);
    const g = res.body;
    showMessage(
      startMessage,
      'ok',
      `Game started with seed ${g.seed}: ${g.rounds} rounds of ${g.round_seconds} s. The same seed replays the same game.`,
    );
    await refreshGame();
  });
  byId('game-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = (name) => byId(`game-${name}`).value;
    const startedAt = new Date(Date.now() - Number(value('started')) * 1000).toISOString();
    const body = { team: value('team'), family: value('family'), scope: value('scope'), started_at: startedAt };
    const res = await call('/game/diagnoses', { method: 'POST', body });
    if (!res.ok) return showRefusal(message, res);
    const v = res.body.verdict;
    const mark = (ok) => (ok ? '✓' : '✗');
    showMessage(
      message,
      v.points > 0 ? 'ok' : 'error',
      `${body.team}: ${v.points} points (family ${mark(v.family)}, scope ${mark(v.scope)}, start ${mark(v.start)})`,
    );
    await refreshGame();
  });
  for (const action of ['reveal', 'stop'])
    byId(`game-${action}`).addEventListener('click', async () => {
      const res = await call(`/game/${action}`, { method: 'POST' });
      if (!res.ok) return showRefusal(message, res);
      showMessage(
        message,
        'ok',
        action === 'reveal' ? 'The round ends now: reveal and reset follow.' : 'The game stops.',
      );
      await refreshGame();
    });
}

/** Reads the game's status and leaderboard; with no game answering, the panel says how to start one. */
export async function refreshGame() {
  const status = await call('/game');
  const play = byId('game-play');
  byId('game-start').hidden = status.ok && !status.body.finished;
  if (!status.ok) {
    byId('game-status').textContent = 'No game runs: the facilitator starts one below or with make gameday.';
    play.hidden = true;
    return;
  }
  const g = status.body;
  byId('game-status').textContent = g.finished
    ? `The game (seed ${g.seed}) is over.`
    : g.round === undefined
      ? `Seed ${g.seed}: between rounds (${g.rounds} rounds of ${g.round_seconds} s).`
      : `Seed ${g.seed}: round ${g.round} of ${g.rounds} open since ${new Date(g.round_opened_at).toLocaleTimeString()}.`;
  setOptions(byId('game-team'), g.teams);
  setOptions(byId('game-family'), g.families);
  setOptions(byId('game-scope'), g.scopes);
  const board = await call('/game/leaderboard');
  if (board.ok)
    byId('game-board')
      .querySelector('tbody')
      .replaceChildren(
        ...board.body.leaderboard.map((l) =>
          el('tr', { 'data-team': l.team, 'data-score': l.score }, el('td', {}, l.team), el('td', {}, String(l.score))),
        ),
      );
  play.hidden = false;
}
