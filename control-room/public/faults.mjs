import { call, token } from './http.mjs';
import { el, formatTime } from './format.mjs';

/** Every fault a page applies expires: the form starts with this duration_s. */
const DEFAULT_DURATION_S = 300;

/** The body schema of POST /api/failures, read from the API's own OpenAPI document. */
async function faultUpdateSchema() {
  const res = await call('/openapi.json');
  if (!res.ok) throw new Error(res.body?.error?.message ?? `the API's OpenAPI document: HTTP ${res.status}`);
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

function fieldFor(name, s) {
  const id = `field-${name}`;
  const hintId = `${id}-hint`;
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

/** The filled fields as a POST /api/failures body, typed as the schema says; the API alone judges the values. */
function bodyOf(form, properties) {
  const body = {};
  for (const [name, s] of Object.entries(properties)) {
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

function showMessage(kind, title, lines = []) {
  const box = document.getElementById('message');
  box.className = kind;
  box.replaceChildren(
    el('p', {}, title),
    ...(lines.length ? [el('ul', {}, ...lines.map((l) => el('li', {}, l)))] : []),
  );
}

/** The API's own error: its message and every problem it lists. */
function showRefusal(res) {
  const error = res.body?.error ?? { code: `HTTP ${res.status}`, message: String(res.body ?? '') };
  const problems = error.details?.problems?.map((p) => `${p.path}: ${p.message}`) ?? [];
  showMessage('error', `Refused (${error.code}): ${error.message}`, problems);
  if (res.status === 401 || res.status === 403) askForToken(error.message);
}

function askForToken(reason) {
  const form = document.getElementById('token-form');
  document.getElementById('token-reason').textContent =
    `${reason} Enter the chaos token (CHAOS_TOKEN) to change faults.`;
  form.hidden = false;
}

function renderCurrent(state) {
  const rows = Object.entries(state.faults).map(([name, f]) =>
    el(
      'tr',
      { 'data-fault': name, 'data-active': String(f.active) },
      el('th', { scope: 'row' }, name),
      el('td', {}, f.active ? 'yes' : 'no'),
      el('td', {}, f.started_at ? formatTime(new Date(f.started_at)) : ''),
      el('td', {}, f.expires_at ? formatTime(new Date(f.expires_at)) : ''),
      el('td', {}, f.routes ? f.routes.join(', ') : ''),
    ),
  );
  document.querySelector('#current tbody').replaceChildren(...rows);
}

export async function refreshFaults() {
  const res = await call('/api/failures');
  if (res.ok) renderCurrent(res.body);
  else if (res.status === 401 || res.status === 403) askForToken(res.body?.error?.message ?? '');
  return res;
}

/** Builds the form from the schema, the presets from the cases, and wires apply, reset and the token. */
export async function setUpFaults(presets) {
  const form = document.getElementById('fault-form');
  const properties = (await faultUpdateSchema()).properties;
  form.querySelector('#fields').append(...Object.entries(properties).map(([name, s]) => fieldFor(name, s)));

  const presetBox = document.getElementById('presets');
  for (const preset of presets) {
    const button = el('button', { type: 'button', 'data-preset': preset.id }, `${preset.id} · ${preset.title}`);
    button.addEventListener('click', () => {
      for (const name of Object.keys(properties)) {
        if (name !== 'duration_s') form.elements.namedItem(name).value = '';
      }
      for (const [name, value] of Object.entries(preset.faults)) form.elements.namedItem(name).value = String(value);
      showMessage('', `Case ${preset.id} (${preset.title}): ${JSON.stringify(preset.faults)}. Press Apply to inject.`);
      document.getElementById('apply').focus();
    });
    presetBox.append(button);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = bodyOf(form, properties);
    const res = await call('/api/failures', { method: 'POST', body });
    if (!res.ok) return showRefusal(res);
    showMessage('ok', `Applied: ${JSON.stringify(body)}`);
    renderCurrent({ faults: res.body.faults });
  });
  document.getElementById('reset').addEventListener('click', async () => {
    const res = await call('/api/reset', { method: 'POST' });
    if (!res.ok) return showRefusal(res);
    showMessage('ok', 'Every fault is off.');
    await refreshFaults();
  });
  document.getElementById('token-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    token.set(document.getElementById('token').value);
    const res = await refreshFaults();
    if (res.ok) {
      document.getElementById('token-form').hidden = true;
      showMessage('ok', 'Token accepted for this tab.');
    } else showRefusal(res);
  });
}
