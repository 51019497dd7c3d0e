import { Router, type Request, type RequestHandler, type Response } from 'express';
import { AppError } from '../../errors';
import { parseRequest } from '../../http/validate';
import type { Operation } from '../../openapi';
import { refuseForeignOrigins, requireBearer } from './auth';
import { CONTROL_PLANE } from './control-plane';
import type { FaultRegistry } from './registry';

/** The fault API in the OpenAPI document and in GET /'s endpoint list. */
export function faultOperations(updateSchema: Operation['body']): Operation[] {
  return [
    {
      method: 'get',
      path: CONTROL_PLANE.failures,
      summary: 'Current faults, when each started and expires',
      tag: 'chaos',
    },
    {
      method: 'post',
      path: CONTROL_PLANE.failures,
      summary: 'Merge settings into the current faults (keys left out keep their values)',
      tag: 'chaos',
      body: updateSchema,
    },
    {
      method: 'post',
      path: CONTROL_PLANE.reset,
      summary: 'Switch every fault off and release held memory',
      tag: 'chaos',
    },
  ];
}

/** What guards a control-plane endpoint: the same-origin rule, then the bearer token when one is set. */
export function controlPlaneGuards(options: { token?: string; corsOrigins: readonly string[] }): RequestHandler[] {
  return [refuseForeignOrigins(options.corsOrigins), requireBearer(options.token)];
}

/**
 * The control plane: GET/POST /api/failures and POST /api/reset. Never subject to faults. An update is
 * validated whole (400 listing every problem) before anything changes.
 */
export function faultRouter<Name extends string, Settings extends object, Context>(
  registry: FaultRegistry<Name, Settings, Context>,
  options: { token?: string; corsOrigins: readonly string[] },
): Router {
  const router = Router();
  const guards = controlPlaneGuards(options);
  const actor = (req: Request, res: Response) => ({
    address: req.ip,
    requestId: res.locals.requestId as string | undefined,
  });
  const requireEnabled = () => {
    if (!registry.enabled) throw new AppError('CHAOS_DISABLED');
  };

  // Without a token anyone may call the control plane, so while hidden its answers name no fault, and
  // neither the state's version nor the replicas' applied versions date the injection.
  const masked = (hidden: boolean | undefined) => hidden === true && options.token === undefined;

  router.get(CONTROL_PLANE.failures, ...guards, async (_req, res) => {
    const state = registry.current();
    if (masked(state.hidden))
      return void res.json({ enabled: registry.enabled, hidden: true, instance_id: registry.instanceId });
    const store = await registry.storeStatus();
    res.json({
      current_config: state.settings,
      enabled: registry.enabled,
      faults: registry.view(state),
      ...(state.hidden && { hidden: true }),
      ...registry.summary(),
      instance_id: registry.instanceId,
      version: state.version,
      store,
    });
  });

  router.post(CONTROL_PLANE.failures, ...guards, async (req, res) => {
    requireEnabled();
    const { body } = parseRequest({ body: [registry.catalogue.updateSchema, req.body] });
    const state = await registry.update(body, actor(req, res));
    if (masked(state.hidden)) return void res.json({ status: 'updated', hidden: true });
    res.json({ status: 'updated', version: state.version, config: state.settings, faults: registry.view(state) });
  });

  router.post(CONTROL_PLANE.reset, ...guards, async (req, res) => {
    requireEnabled();
    const { state, released } = await registry.reset(actor(req, res));
    res.json({ status: 'reset complete', version: state.version, config: state.settings, ...released });
  });

  return router;
}
