import { Router } from 'express';
import { parseRequest } from '../http/validate';
import { refuseForeignOrigins, requireBearer } from '../faults/auth';
import { policyUpdateSchema } from './policies';
import type { RiskClient } from './client';

/** The risk client's policies at runtime, guarded like the fault API (same token, same origin rule, 400 lists every problem). */
export function policyRoutes(client: RiskClient, options: { token?: string; corsOrigins: string }): Router {
  const router = Router();
  const origin = refuseForeignOrigins(options.corsOrigins);
  const auth = requireBearer(options.token);

  router.get('/api/policies', origin, auth, (_req, res) => void res.json(client.view()));

  router.post('/api/policies', origin, auth, (req, res) => {
    const { body } = parseRequest({ body: [policyUpdateSchema, req.body] });
    client.configure(body);
    res.json({ status: 'updated', ...client.view() });
  });

  router.post('/api/policies/reset', origin, auth, (_req, res) => {
    client.reset();
    res.json({ status: 'reset complete', ...client.view() });
  });

  return router;
}
