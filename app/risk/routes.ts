import { Router } from 'express';
import { parseRequest } from '../http/validate';
import { controlPlaneGuards } from '../faults/engine';
import { policyUpdateSchema } from './policies';
import type { RiskClient } from './client';

/** The risk client's policies at runtime, guarded like the fault API (same token, same origin rule, 400 lists every problem). */
export function policyRoutes(client: RiskClient, options: { token?: string; corsOrigins: readonly string[] }): Router {
  const router = Router();
  const guards = controlPlaneGuards(options);

  router.get('/api/policies', ...guards, (_req, res) => void res.json(client.view()));

  router.post('/api/policies', ...guards, (req, res) => {
    const { body } = parseRequest({ body: [policyUpdateSchema, req.body] });
    client.configure(body);
    res.json({ status: 'updated', ...client.view() });
  });

  router.post('/api/policies/reset', ...guards, (_req, res) => {
    client.reset();
    res.json({ status: 'reset complete', ...client.view() });
  });

  return router;
}
