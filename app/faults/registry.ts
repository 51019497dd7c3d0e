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
import { InMemoryFaultStore, type FaultScope, type FaultState, type FaultStore } from './store';

/** Paths no fault ever targets: the control plane and the scrape/liveness endpoints (a running cpu_burn still stalls them: it blocks the event loop). */
export const CONTROL_PLANE = ['/api/failures', '/api/reset', '/metrics', '/livez'];

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

/**
 * The one mutable store of the kit: the active faults. It validates nothing (the routes do),
 * merges updates, expires faults, keeps the fault metrics current and exposes the hooks through
 * which faults act: a request gate and the database hooks (before a connection, before a query).
 */
export class FaultRegistry {
  private readonly faults: Record<FaultName, Fault>;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly deps: { metrics: Metrics; logger: Logger; enabled: boolean; now?: () => number },
    options: Omit<FaultOptions, 'onLeakChange'>,
    private readonly store: FaultStore = new InMemoryFaultStore({
      settings: { ...DEFAULT_SETTINGS },
      scopes: {},
      version: 0,
    }),
  ) {
    this.faults = createFaults({ ...options, onLeakChange: (bytes) => deps.metrics.faultLeakedBytes.set(bytes) });
    this.publish(this.store.read());
    // Expiry is also checked on every read; the timer makes it visible without traffic.
    this.timer = setInterval(() => this.current(), 1000);
    this.timer.unref();
  }

  get enabled(): boolean {
    return this.deps.enabled;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** The current state, after switching off any fault whose time is up. */
  current(): FaultState {
    const state = this.store.read();
    const now = this.now();
    const expired = FAULT_NAMES.filter((name) => {
      const at = state.scopes[name]?.expiresAt;
      return at !== undefined && at <= now;
    });
    if (expired.length === 0) return state;
    const settings = { ...state.settings };
    const scopes = { ...state.scopes };
    for (const name of expired) {
      for (const key of this.faults[name].keys) (settings as Record<string, unknown>)[key] = DEFAULT_SETTINGS[key];
      delete scopes[name];
    }
    const next = this.commit({ settings, scopes, version: state.version + 1 }, state, 'expire');
    this.deps.logger.info('faults expired', { faults: expired });
    return next;
  }

  /** Merges an already validated update: keys left out keep their values. */
  update(update: FaultUpdate, actor: { address?: string; requestId?: string }): FaultState {
    const before = this.current();
    const settings: FaultSettings = { ...before.settings };
    const { routes, duration_s, ...values } = update;
    for (const key of SETTING_KEYS) {
      if (values[key] !== undefined) (settings as Record<string, unknown>)[key] = values[key];
    }
    // Setting a database delay means "make the database slow".
    if (values.db_latency_ms !== undefined && values.db_latency_ms > 0 && values.db_slow === undefined)
      settings.db_slow = true;
    const now = this.now();
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
      };
    }
    const next = this.commit({ settings, scopes, version: before.version + 1 }, before, 'update');
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

  /** Switches every fault off and releases what they hold. Returns the bytes the memory leak released. */
  reset(actor: { address?: string; requestId?: string }): { state: FaultState; releasedBytes: number } {
    const before = this.current();
    const releasedBytes = this.leakedBytes();
    const next = this.commit(
      { settings: { ...DEFAULT_SETTINGS }, scopes: {}, version: before.version + 1 },
      before,
      'reset',
    );
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
        active: this.deps.enabled && fault.isActive(state.settings),
        ...(scope && { started_at: new Date(scope.startedAt).toISOString() }),
        ...(scope?.expiresAt !== undefined && { expires_at: new Date(scope.expiresAt).toISOString() }),
        ...(scope?.routes && { routes: scope.routes }),
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
        if (!fault.beforeRequest || !fault.isActive(state.settings) || !inScope(state.scopes[name], req.path)) continue;
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
      if (!fault[hook] || !fault.isActive(state.settings) || !inScope(state.scopes[name], path)) continue;
      await this.apply(name, () => call(fault, state.settings));
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const name of FAULT_NAMES) this.faults[name].stop?.();
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

  private commit(next: FaultState, before: FaultState, action: 'update' | 'reset' | 'expire'): FaultState {
    this.store.write(next);
    for (const name of FAULT_NAMES) {
      const fault = this.faults[name];
      if (fault.isActive(before.settings) && !fault.isActive(next.settings)) fault.stop?.();
    }
    if (action === 'reset') for (const name of FAULT_NAMES) this.faults[name].stop?.();
    this.deps.metrics.faultChangesTotal.inc({ action });
    this.publish(next);
    return next;
  }

  private publish(state: FaultState): void {
    const { metrics } = this.deps;
    for (const name of FAULT_NAMES)
      metrics.faultActive.set({ fault: name }, this.faults[name].isActive(state.settings) ? 1 : 0);
    for (const key of SETTING_KEYS) metrics.faultSetting.set({ setting: key }, Number(state.settings[key]));
  }
}
