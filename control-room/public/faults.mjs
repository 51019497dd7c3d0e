import { call, token } from './http.mjs';
import { el, formatTime } from './format.mjs';

/** Every fault a page applies expires: the form starts with this duration_s. */
const DEFAULT_DURATION_S = 300;
/** The scope field whose choices are the replicas GET /api/failures lists. */
const INSTANCES = 'instances';

/** Each service's proxied paths, its replicas as last listed, and its panel's elements. */
const panels = new Map();

const lowerFirst = (text) => text.charAt(0).toLowerCase() + text.slice(1);

/** The body schema of POST /api/failures, read from the service's own OpenAPI document. */
async function faultUpdateSchema(base, title) {
  const res = await call(`${base}/openapi.json`);
  if (!res.ok) throw new Error(res.body?.error?.message ?? `${title}'s OpenAPI document: HTTP ${res.status}`);
  const doc = res.body;
  let schema = doc.paths['/api/failures'].post.requestBody.content['application/json'].schema;
  if (schema.$ref) schema = doc.components.schemas[schema.$ref.split('/').pop()];
  return schema;
}

function rangeText(s) {
  const parts = [];
  if (s.type === 'boolean') parts.push('on or off');
  if (s.minimum !== undefined || s.maximum !== undefined) parts.push(`${s.minimum ?? '…'}–${s.maximum ?? '…'}`);
  if (s.type === 'integer') parts.push('whole number');
  if (s.type === 'array') parts.push(`comma-separated, ${s.minItems ?? 0}–${s.maxItems ?? '…'} items`);
  return parts.join(', ');
}

function fieldFor(service, name, s) {
  const id = `${service}-field-${name}`;
  const hintId = `${id}-hint`;
  if (name === INSTANCES) {
    return el(
      'fieldset',
      { class: 'field choices', id, 'aria-describedby': hintId },
      el('legend', {}, name),
      el('div', { class: 'options' }, 'every replica'),
      el('p', { class: 'hint', id: hintId }, `${s.description} Tick none for every replica.`),
    );
  }
  let input;
  if (s.type === 'boolean') {
    input = el(
      'select',
      { id, name, 'aria-describedby': hintId },
      el('option', { value: '' }, '(keep)'),
      el('option', { value: 'true' }, 'on'),
      el('option', { value: 'false' }, 'off'),
    );
  } else if (s.type === 'array') {
    input = el('input', { id, name, type: 'text', 'aria-describedby': hintId, placeholder: '/api/transfers' });
  } else {
    input = el('input', { id, name, type: 'number', inputmode: 'decimal', 'aria-describedby': hintId });
  }
  if (name === 'duration_s') input.value = String(DEFAULT_DURATION_S);
  const hint = [s.description, rangeText(s)].filter(Boolean).join(' · ');
  return el(
    'div',
    { class: 'field' },
    el('label', { for: id }, name),
    input,
    el('p', { class: 'hint', id: hintId }, hint),
  );
}

/** The replicas as tickable choices, ticks kept across refreshes; rebuilt only when the list changes. */
function renderInstanceChoices(panel, ids) {
  const box = panel.form.querySelector(`#${panel.id}-field-${INSTANCES} .options`);
  if (!box || box.dataset.ids === ids.join(',')) return;
  const ticked = new Set([...box.querySelectorAll('input:checked')].map((i) => i.value));
  box.dataset.ids = ids.join(',');
  box.replaceChildren(
    ...ids.map((id) =>
      el(
        'label',
        { class: 'choice' },
        el('input', { type: 'checkbox', name: INSTANCES, value: id, checked: ticked.has(id) }),
        ` ${id}`,
      ),
    ),
  );
}

/** The filled fields as a POST /api/failures body, typed as the schema says; the service alone judges the values. */
function bodyOf(form, properties) {
  const body = {};
  for (const [name, s] of Object.entries(properties)) {
    if (name === INSTANCES) {
      const ids = [...form.querySelectorAll(`input[name="${INSTANCES}"]:checked`)].map((i) => i.value);
      if (ids.length > 0) body[name] = ids;
      continue;
    }
    const raw = form.elements.namedItem(name).value.trim();
    if (raw === '') continue;
    if (s.type === 'boolean') body[name] = raw === 'true';
    else if (s.type === 'array')
      body[name] = raw
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean);
    else body[name] = Number.isNaN(Number(raw)) ? raw : Number(raw);
  }
  return body;
}

export function showMessage(box, kind, title, lines = []) {
  box.className = `message ${kind}`;
  box.replaceChildren(
    el('p', {}, title),
    ...(lines.length ? [el('ul', {}, ...lines.map((l) => el('li', {}, l)))] : []),
  );
}

/** A service's own error: its message and every problem it lists. */
export function showRefusal(box, res) {
  const error = res.body?.error ?? { code: `HTTP ${res.status}`, message: String(res.body ?? '') };
  const problems = error.details?.problems?.map((p) => `${p.path}: ${p.message}`) ?? [];
  showMessage(box, 'error', `Refused (${error.code}): ${error.message}`, problems);
  if (res.status === 401 || res.status === 403) askForToken(error.message);
}

function askForToken(reason) {
  const form = document.getElementById('token-form');
  document.getElementById('token-reason').textContent =
    `${reason} Enter the chaos token (CHAOS_TOKEN) to change faults.`;
  form.hidden = false;
}

function activeText(f) {
  if (f.active) return 'yes';
  // set in the shared state but targeted at other replicas than the one that answered
  return f.started_at ? 'on its replicas' : 'no';
}

function renderCurrent(panel, state) {
  const rows = Object.entries(state.faults).map(([name, f]) =>
    el(
      'tr',
      { 'data-fault': name, 'data-active': String(f.active) },
      el('th', { scope: 'row' }, name),
      el('td', {}, activeText(f)),
      el('td', {}, f.started_at ? formatTime(new Date(f.started_at)) : ''),
      el('td', {}, f.expires_at ? formatTime(new Date(f.expires_at)) : ''),
      el('td', {}, f.routes ? f.routes.join(', ') : ''),
      el('td', {}, f.instances ? f.instances.join(', ') : f.started_at ? 'every replica' : ''),
    ),
  );
  panel.current.replaceChildren(...rows);
}

function renderReplicas(panel, state) {
  const replicas = state.store?.replicas ?? [];
  panel.replicas = replicas.map((r) => r.instance_id);
  renderInstanceChoices(panel, panel.replicas);
  panel.replicaNote.textContent = `Replicas: ${replicas.map((r) => `${r.instance_id} (state version ${r.applied_version})`).join(', ') || 'none listed'}.`;
}

async function refreshPanel(panel) {
  const res = await call(`${panel.base}/api/failures`);
  if (res.ok) {
    renderCurrent(panel, res.body);
    renderReplicas(panel, res.body);
  } else if (res.status === 401 || res.status === 403) askForToken(res.body?.error?.message ?? '');
  else panel.replicaNote.textContent = `Cannot read ${panel.title}'s faults: ${res.body?.error?.message ?? res.status}`;
  return res;
}

/** Re-reads every service's faults; resolves to the answers, in the catalogue's order. */
export function refreshFaults() {
  return Promise.all([...panels.values()].map(refreshPanel));
}

/** How many replicas of a service its last GET /api/failures listed. */
export function replicaCount(service) {
  return panels.get(service)?.replicas.length ?? 0;
}

function panelFor(service) {
  const base = `/services/${service.id}`;
  const id = service.id;
  const form = el(
    'form',
    { id: `${id}-fault-form`, novalidate: true },
    el(
      'fieldset',
      { class: 'fields' },
      el(
        'legend',
        {},
        `Settings and scope (from ${lowerFirst(service.title)}'s OpenAPI document; empty fields keep their current value)`,
      ),
    ),
    el(
      'div',
      { class: 'actions' },
      el('button', { type: 'submit' }, `Apply to ${lowerFirst(service.title)}`),
      el('button', { type: 'button', class: 'reset' }, `Reset every fault of ${lowerFirst(service.title)}`),
    ),
  );
  const presets = el(
    'div',
    { class: 'presets', role: 'group', 'aria-labelledby': `${id}-presets-label` },
    el('span', { id: `${id}-presets-label` }, `Fill the form with a case's faults:`),
  );
  const message = el('div', { class: 'message', role: 'status', 'aria-live': 'polite' });
  const current = el('tbody');
  const replicaNote = el('p', { class: 'hint replicas' });
  const section = el(
    'section',
    { id: `faults-${id}`, class: 'service', 'aria-labelledby': `faults-${id}-heading` },
    el('h3', { id: `faults-${id}-heading` }, service.title),
    presets,
    form,
    message,
    el(
      'table',
      { class: 'current' },
      el('caption', {}, `Current faults of ${lowerFirst(service.title)}`),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['Fault', 'Active', 'Started', 'Expires', 'Routes', 'Instances'].map((h) => el('th', { scope: 'col' }, h)),
        ),
      ),
      current,
    ),
    replicaNote,
  );
  return { ...service, base, form, presets, message, current, replicaNote, section, replicas: [] };
}

async function setUpPanel(panel, presets) {
  const { form, message } = panel;
  const properties = (await faultUpdateSchema(panel.base, panel.title)).properties;
  form.querySelector('.fields').append(...Object.entries(properties).map(([name, s]) => fieldFor(panel.id, name, s)));

  for (const preset of presets) {
    const button = el('button', { type: 'button', 'data-preset': preset.id }, `${preset.id} · ${preset.title}`);
    button.addEventListener('click', () => {
      for (const name of Object.keys(properties)) {
        if (name === INSTANCES) form.querySelectorAll(`input[name="${INSTANCES}"]`).forEach((i) => (i.checked = false));
        else if (name !== 'duration_s') form.elements.namedItem(name).value = '';
      }
      for (const [name, value] of Object.entries(preset.faults)) form.elements.namedItem(name).value = String(value);
      showMessage(
        message,
        '',
        `Case ${preset.id} (${preset.title}): ${JSON.stringify(preset.faults)}. Press Apply to inject.`,
      );
      form.querySelector('button[type="submit"]').focus();
    });
    panel.presets.append(button);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = bodyOf(form, properties);
    const res = await call(`${panel.base}/api/failures`, { method: 'POST', body });
    if (!res.ok) return showRefusal(message, res);
    showMessage(message, 'ok', `Applied: ${JSON.stringify(body)}`);
    renderCurrent(panel, { faults: res.body.faults });
  });
  form.querySelector('.reset').addEventListener('click', async () => {
    const res = await call(`${panel.base}/api/reset`, { method: 'POST' });
    if (!res.ok) return showRefusal(message, res);
    showMessage(message, 'ok', `Every fault of ${lowerFirst(panel.title)} is off.`);
    await refreshPanel(panel);
  });
}

/** One panel per service: its form from its schema, its cases' presets, apply and reset; and the shared token. */
export async function setUpFaults(catalogue) {
  const box = document.getElementById('services');
  for (const service of catalogue.services) {
    const panel = panelFor(service);
    panels.set(service.id, panel);
    box.append(panel.section);
    const presets = catalogue.presets.filter((p) => p.service === service.id);
    await setUpPanel(panel, presets).catch((err) =>
      showMessage(panel.message, 'error', `Cannot build the fault form: ${err.message}`),
    );
  }
  const tokenMessage = document.getElementById('token-message');
  document.getElementById('token-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    token.set(document.getElementById('token').value);
    const answers = await refreshFaults();
    const refused = answers.find((res) => res.status === 401 || res.status === 403);
    if (refused === undefined) {
      document.getElementById('token-form').hidden = true;
      showMessage(tokenMessage, 'ok', 'Token accepted for this tab.');
    } else showRefusal(tokenMessage, refused);
  });
}
