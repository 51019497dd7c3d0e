import type { RequestHandler } from 'express';
import type { DatabaseHooks } from '../db/database';
import { currentRequest } from '../http/request-context';
import type { Logger } from '../telemetry/logger';
import type { Metrics } from '../telemetry/metrics';
import { addSpanEvent } from '../telemetry/trace-context';
import {
  DEFAULT_SETTINGS,
  FAULT_NAMES,
  SETTING_KEYS,
  createFaults,
  type FaultName,
  type FaultOptions,
  type FaultSettings,
  type FaultUpdate,
} from './catalogue';
import type { Fault } from './fault';
import { validationError } from '../errors';
import { InMemoryFaultStore, type FaultScope, type FaultState, type FaultStore } from './store';

/** Paths no fault ever targets: the control plane and the scrape/liveness endpoints (a running cpu_burn still stalls them: it blocks the event loop). */
export const CONTROL_PLANE = ['/api/failures', '/api/reset', '/metrics', '/livez'];

/** No fault is active: where every store starts. */
export function initialFaultState(): FaultState {
  return { settings: { ...DEFAULT_SETTINGS }, scopes: {}, version: 0 };
}

/** A 400 listing every requested replica id the store does not know (none is a live replica). */
function assertKnownInstances(requested: readonly string[] | undefined, known: readonly string[]): void {
  const unknown = (requested ?? []).flatMap((id, i) => (known.includes(id) ? [] : [{ id, i }]));
  if (unknown.length === 0) return;
  throw validationError(
    unknown.map(({ id, i }) => ({
      path: `body.instances.${i}`,
      message: `no replica "${id}" (known: ${known.join(', ')})`,
    })),
  );
}

export interface FaultView {
  active: boolean;
  started_at?: string;
  expires_at?: string;
  routes?: string[];
  [extra: string]: unknown;
}

function inScope(scope: FaultScope | undefined, path: string): boolean {
  if (CONTROL_PLANE.some((p) => path === p || path.startsWith(`${p}/`))) return false;
  return !scope?.routes || scope.routes.some((prefix) => path.startsWith(prefix));
}

/** Whether a fault's scope includes this replica (every replica unless it names some). */
function targets(scope: FaultScope | undefined, instanceId: string): boolean {
  return !scope?.instances || scope.instances.includes(instanceId);
}

/**
 * The one mutable store of the kit: the active faults. It validates nothing (the routes do),
 * merges updates, expires faults, keeps the fault metrics current and exposes the hooks through
 * which faults act: a request gate and the database hooks (before a connection, before a query).
 */
export class FaultRegistry {
  private readonly faults: Record<FaultName, Fault>;
  private readonly timer: NodeJS.Timeout;
  private expiring: Promise<unknown> | undefined;

  constructor(
    private readonly deps: { metrics: Metrics; logger: Logger; enabled: boolean; instanceId: string },
    options: Omit<FaultOptions, 'onLeakChange'>,
    private readonly store: FaultStore = new InMemoryFaultStore(initialFaultState(), deps.instanceId),
  ) {
    this.faults = createFaults({ ...options, onLeakChange: (bytes) => deps.metrics.faultLeakedBytes.set(bytes) });
    this.store.onChange((next, before) => this.applied(next, before));
    this.publish(this.store.read());
    // Expiry is also checked on every read; the timer makes it visible without traffic.
    this.timer = setInterval(() => this.current(), 1000);
    this.timer.unref();
  }

  get enabled(): boolean {
    return this.deps.enabled;
  }

  get instanceId(): string {
    return this.deps.instanceId;
  }

  /**
   * The current state, after switching off any fault whose time is up (by the store's clock, so every
   * replica agrees). The expiry is applied at once and saved once: a shared store saves it in the background.
   */
  current(): FaultState {
    const state = this.store.read();
    const local = this.withoutExpired(state, this.store.now());
    if (!local) return state;
    if (this.expiring) return local;
    let mine = false;
    const saved = this.store.change((before, { now }) => {
      const next = this.withoutExpired(before, now);
      mine = next !== undefined;
      return next;
    });
    if (!(saved instanceof Promise)) return this.expired(state, saved);
    this.expiring = saved
      .then((next) => mine && this.expired(state, next))
      .catch((err: Error) => this.deps.logger.warn('could not save an expiry', { err: err.message }))
      .finally(() => (this.expiring = undefined));
    return local;
  }

  private withoutExpired(state: FaultState, now: number): FaultState | undefined {
    const expired = FAULT_NAMES.filter((name) => {
      const at = state.scopes[name]?.expiresAt;
      return at !== undefined && at <= now;
    });
    if (expired.length === 0) return undefined;
    const settings = { ...state.settings };
    const scopes = { ...state.scopes };
    for (const name of expired) {
      for (const key of this.faults[name].keys) (settings as Record<string, unknown>)[key] = DEFAULT_SETTINGS[key];
      delete scopes[name];
    }
    return { settings, scopes, version: state.version + 1 };
  }

  private expired(before: FaultState, next: FaultState): FaultState {
    if (next.version === before.version) return next;
    this.deps.metrics.faultChangesTotal.inc({ action: 'expire' });
    this.deps.logger.info('faults expired', {
      faults: FAULT_NAMES.filter((name) => before.scopes[name] && !next.scopes[name]),
    });
    return next;
  }

  /** Merges an already validated update: keys left out keep their values. Rejects unknown replica ids. */
  async update(update: FaultUpdate, actor: { address?: string; requestId?: string }): Promise<FaultState> {
    const next = await this.store.change((stored, { now, instances }) => {
      assertKnownInstances(update.instances, instances);
      return this.merge(this.withoutExpired(stored, now) ?? stored, update, now);
    });
    this.deps.metrics.faultChangesTotal.inc({ action: 'update' });
    this.deps.logger.info('faults updated', {
      change: update,
      remote_address: actor.address,
      request_id: actor.requestId,
    });
    addSpanEvent('chaos.faults_updated', {
      'chaos.change': JSON.stringify(update),
      'chaos.remote_address': actor.address ?? '',
    });
    return next;
  }

  private merge(before: FaultState, update: FaultUpdate, now: number): FaultState {
    const settings: FaultSettings = { ...before.settings };
    const { routes, duration_s, instances, ...values } = update;
    for (const key of SETTING_KEYS) {
      if (values[key] !== undefined) (settings as Record<string, unknown>)[key] = values[key];
    }
    // Setting a database delay means "make the database slow".
    if (values.db_latency_ms !== undefined && values.db_latency_ms > 0 && values.db_slow === undefined)
      settings.db_slow = true;
    const scopes = { ...before.scopes };
    for (const name of FAULT_NAMES) {
      const fault = this.faults[name];
      const touched =
        fault.keys.some((k) => values[k] !== undefined) ||
        (name === 'db_slow' && settings.db_slow !== before.settings.db_slow);
      if (!fault.isActive(settings)) {
        delete scopes[name];
        continue;
      }
      if (!touched) continue;
      const previous = scopes[name];
      scopes[name] = {
        startedAt: previous && fault.isActive(before.settings) ? previous.startedAt : now,
        // Like the settings, scope keys left out keep their values.
        ...(duration_s !== undefined
          ? { expiresAt: now + duration_s * 1000 }
          : previous?.expiresAt !== undefined && { expiresAt: previous.expiresAt }),
        ...(routes !== undefined ? { routes } : previous?.routes && { routes: previous.routes }),
        ...(instances !== undefined ? { instances } : previous?.instances && { instances: previous.instances }),
      };
    }
    return { settings, scopes, version: before.version + 1 };
  }

  /** Switches every fault off and releases what they hold. Returns the bytes the memory leak released. */
  async reset(actor: { address?: string; requestId?: string }): Promise<{ state: FaultState; releasedBytes: number }> {
    const releasedBytes = this.leakedBytes();
    const next = await this.store.change((before) => ({
      settings: { ...DEFAULT_SETTINGS },
      scopes: {},
      version: before.version + 1,
    }));
    // A reset releases what every fault holds here, active or not; other replicas release on the change.
    for (const name of FAULT_NAMES) this.faults[name].stop?.();
    this.deps.metrics.faultChangesTotal.inc({ action: 'reset' });
    this.deps.logger.info('faults reset', {
      remote_address: actor.address,
      request_id: actor.requestId,
      released_bytes: releasedBytes,
    });
    addSpanEvent('chaos.faults_reset', { 'chaos.remote_address': actor.address ?? '' });
    return { state: next, releasedBytes };
  }

  leakedBytes(): number {
    return Number(this.faults.memory_leak.status?.().leaked_bytes ?? 0);
  }

  /** Per-fault view for GET /api/failures. */
  view(state: FaultState = this.current()): Record<FaultName, FaultView> {
    const out = {} as Record<FaultName, FaultView>;
    for (const name of FAULT_NAMES) {
      const scope = state.scopes[name];
      const fault = this.faults[name];
      out[name] = {
        active: this.deps.enabled && fault.isActive(state.settings) && targets(scope, this.deps.instanceId),
        ...(scope && { started_at: new Date(scope.startedAt).toISOString() }),
        ...(scope?.expiresAt !== undefined && { expires_at: new Date(scope.expiresAt).toISOString() }),
        ...(scope?.routes && { routes: scope.routes }),
        ...(scope?.instances && { instances: scope.instances }),
        ...fault.status?.(),
      };
    }
    return out;
  }

  /** Express middleware placed before each business handler: runs the request hooks of active faults. */
  gate(): RequestHandler {
    return async (req, res, next) => {
      if (!this.deps.enabled) return next();
      const state = this.current();
      const applied: FaultName[] = [];
      res.locals.faults = applied;
      for (const name of FAULT_NAMES) {
        const fault = this.faults[name];
        if (!fault.beforeRequest || !this.appliesHere(name, state, req.path)) continue;
        await this.apply(name, () => fault.beforeRequest!(state.settings, { req, res }), applied);
      }
      next();
    };
  }

  /** The database hooks: run the connect and query hooks of active faults for operations of in-scope requests. */
  databaseHooks(): Required<DatabaseHooks> {
    return {
      beforeConnect: (ctx) =>
        this.runDatabaseHook('beforeConnect', (fault, settings) => fault.beforeConnect!(settings, ctx)),
      beforeQuery: (ctx) => this.runDatabaseHook('beforeQuery', (fault, settings) => fault.beforeQuery!(settings, ctx)),
    };
  }

  private async runDatabaseHook(
    hook: 'beforeConnect' | 'beforeQuery',
    call: (fault: Fault, settings: FaultSettings) => Promise<boolean> | boolean,
  ): Promise<void> {
    if (!this.deps.enabled) return;
    const state = this.current();
    const path = currentRequest()?.path ?? '';
    for (const name of FAULT_NAMES) {
      const fault = this.faults[name];
      if (!fault[hook] || !this.appliesHere(name, state, path)) continue;
      await this.apply(name, () => call(fault, state.settings));
    }
  }

  private appliesHere(name: FaultName, state: FaultState, path: string): boolean {
    const scope = state.scopes[name];
    return this.faults[name].isActive(state.settings) && inScope(scope, path) && targets(scope, this.deps.instanceId);
  }

  /** The store's view of this replica and the others (GET /api/failures). */
  storeStatus() {
    return this.store.status();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const name of FAULT_NAMES) this.faults[name].stop?.();
    await this.store.close();
  }

  /** Runs one hook; a hook that throws (an injected failure) or returns true affected the request. */
  private async apply(name: FaultName, hook: () => Promise<boolean> | boolean, applied?: FaultName[]): Promise<void> {
    let affected = true;
    try {
      affected = await hook();
    } finally {
      if (affected) {
        applied?.push(name);
        this.deps.metrics.faultAffectedRequests.inc({ fault: name });
        addSpanEvent('chaos.fault', { 'chaos.fault': name });
      }
    }
  }

  /** Runs on every new state, made here or by another replica: releases what switched-off faults hold. */
  private applied(next: FaultState, before: FaultState): void {
    for (const name of FAULT_NAMES) {
      const fault = this.faults[name];
      const was = fault.isActive(before.settings) && targets(before.scopes[name], this.deps.instanceId);
      const is = fault.isActive(next.settings) && targets(next.scopes[name], this.deps.instanceId);
      if (was && !is) fault.stop?.();
    }
    this.publish(next);
  }

  private publish(state: FaultState): void {
    const { metrics } = this.deps;
    for (const name of FAULT_NAMES)
      metrics.faultActive.set(
        { fault: name },
        this.faults[name].isActive(state.settings) && targets(state.scopes[name], this.deps.instanceId) ? 1 : 0,
      );
    metrics.faultStateVersion.set(state.version);
    for (const key of SETTING_KEYS) metrics.faultSetting.set({ setting: key }, Number(state.settings[key]));
  }
}
