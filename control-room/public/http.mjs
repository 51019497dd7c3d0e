const TOKEN_KEY = 'chaos-token';

/** The chaos token lives in this tab's sessionStorage only: never in localStorage, a cookie or the URL. */
export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) ?? '',
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
};

/** Calls the control room's proxy; resolves to { ok, status, body } whatever the answer, body parsed when JSON. */
export async function call(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' };
  if (token.get() !== '') headers.authorization = `Bearer ${token.get()}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { ok: res.ok, status: res.status, body: parsed };
}

/** One Prometheus query over the last `seconds`, one point per `step` seconds. */
export async function queryRange(expr, seconds, step) {
  const end = Math.floor(Date.now() / 1000);
  const params = new URLSearchParams({
    query: expr,
    start: String(end - seconds),
    end: String(end),
    step: String(step),
  });
  const res = await call(`/prometheus/api/v1/query_range?${params}`);
  if (!res.ok) throw new Error(res.body?.error?.message ?? res.body?.error ?? `HTTP ${res.status}`);
  return { start: end - seconds, end, result: res.body.data.result };
}
