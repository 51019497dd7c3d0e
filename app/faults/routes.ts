import { Router } from 'express';
import { AppError } from '../errors';
import { parseRequest } from '../http/validate';
import { updateSchema } from './catalogue';
import type { FaultRegistry } from './registry';
import { refuseForeignOrigins, requireBearer } from './auth';

/** The control plane: GET/POST /api/failures and POST /api/reset. Never subject to faults. */
export function faultRoutes(registry: FaultRegistry, options: { token?: string; corsOrigins: string }): Router {
  const router = Router();
  const sameOrigin = refuseForeignOrigins(options.corsOrigins);
  const auth = requireBearer(options.token);
  const actor = (req: { ip?: string }, res: { locals: Record<string, unknown> }) => ({
    address: req.ip,
    requestId: res.locals.requestId as string | undefined,
  });
  const requireEnabled = () => {
    if (!registry.enabled) throw new AppError('CHAOS_DISABLED');
  };

  router.get('/api/failures', sameOrigin, auth, async (_req, res) => {
    const state = registry.current();
    const store = await registry.storeStatus();
    res.json({
      current_config: state.settings,
      enabled: registry.enabled,
      faults: registry.view(state),
      leaked_bytes: registry.leakedBytes(),
      instance_id: registry.instanceId,
      version: state.version,
      store,
    });
  });

  router.post('/api/failures', sameOrigin, auth, async (req, res) => {
    requireEnabled();
    const { body } = parseRequest({ body: [updateSchema, req.body] });
    const state = await registry.update(body, actor(req, res));
    res.json({ status: 'updated', version: state.version, config: state.settings, faults: registry.view(state) });
  });

  router.post('/api/reset', sameOrigin, auth, async (req, res) => {
    requireEnabled();
    const { state, releasedBytes } = await registry.reset(actor(req, res));
    res.json({
      status: 'reset complete',
      version: state.version,
      config: state.settings,
      released_bytes: releasedBytes,
    });
  });

  return router;
}
