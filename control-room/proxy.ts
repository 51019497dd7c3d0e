import type { Request, RequestHandler } from 'express';

/** Headers a browser request may carry through to a component (the bearer token among them). */
const FORWARDED = ['accept', 'authorization', 'content-type'];
const TIMEOUT_MS = 10_000;

/**
 * Forwards the request to `base` + its path without `mountedAt`, body and status unchanged, so the
 * page sees each component's own answers (the API's error list among them) from one origin.
 */
export function forwardTo(name: string, base: string, mountedAt = ''): RequestHandler {
  return async (req: Request, res) => {
    const target = new URL(base.replace(/\/$/, '') + req.originalUrl.slice(mountedAt.length));
    const headers = Object.fromEntries(FORWARDED.flatMap((h) => (req.headers[h] ? [[h, String(req.headers[h])]] : [])));
    const body = Buffer.isBuffer(req.body) && req.body.length > 0 ? new Uint8Array(req.body) : undefined;
    let upstream: Response;
    try {
      upstream = await fetch(target, { method: req.method, headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
      const reason =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      res.status(502).json({
        error: { code: 'UPSTREAM_UNAVAILABLE', message: `${name} at ${base} did not answer: ${reason}` },
      });
      return;
    }
    res.status(upstream.status);
    const type = upstream.headers.get('content-type');
    if (type) res.type(type);
    const auth = upstream.headers.get('www-authenticate');
    if (auth) res.setHeader('WWW-Authenticate', auth);
    res.send(Buffer.from(await upstream.arrayBuffer()));
  };
}
