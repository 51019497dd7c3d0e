import type { RequestHandler } from 'express';
import type { DatabaseHooks } from '../../db/database';
import { AppError } from '../../errors';
import { currentRequest } from '../../http/request-context';
import type { Logger } from '../../telemetry/logger';
import type { FaultMetrics } from '../../telemetry/metrics';
import { addSpanEvent } from '../../telemetry/trace-context';
import type { Catalogue, ScopeUpdate } from './catalogue';
import { CONTROL_PLANE_PATHS } from './control-plane';
import type { FaultHooks } from './fault';
import { InMemoryFaultStore, type FaultScope, type FaultState, type FaultStore } from './store';

export interface FaultView {
  active: boolean;
  started_at?: string;
  expires_at?: string;
  routes?: string[];
  [extra: string]: unknown;
}

export interface Actor {
  address?: string;
  requestId?: string;
}

export interface RegistryDeps<Context> {
  metrics: FaultMetrics;
  logger: Logger;
  enabled: boolean;
  /** What each fault's create() receives (its limits, its own metrics). */
  context: Context;
  /** Paths besides the control plane that no fault targets (e.g. /metrics, /livez). */
  exempt?: readonly string[];
  now?: () => number;
}

const under = (path: string, p: string) => path === p || path.startsWith(`${p}/`);

/**
 * The one mutable store of a service: the active faults. It validates nothing (the router does),
 * merges updates, expires faults, keeps the fault metrics current and exposes the hooks through
 * which faults act: a request gate and the database hooks (before a connection, before a query).
 */
export class FaultRegistry<Name extends string, Settings extends object, Context> {
  private readonly faults: Record<Name, FaultHooks<Settings>>;
  private readonly untargeted: readonly string[];
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly catalogue: Catalogue<Name, Settings, Context>,
    private readonly deps: RegistryDeps<Context>,
    private readonly store: FaultStore<Name, Settings> = new InMemoryFaultStore<Name, Settings>({
      settings: { ...catalogue.defaults },
      scopes: {},
      version: 0,
    }),
  ) {
    this.faults = catalogue.create(deps.context);
    this.untargeted = [...CONTROL_PLANE_PATHS, ...(deps.exempt ?? [])];
    this.publish(this.store.read());
    // Expiry is also checked on every read; the timer makes it visible without traffic.
    this.timer = setInterval(() => this.current(), 1000);
    this.timer.unref();
  }

  get enabled(): boolean {
    return this.deps.enabled;
  }

  /** True while the faults are masked for a game day (docs/gameday.md). */
  get hidden(): boolean {
    return this.current().hidden === true;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private each(): [Name, FaultHooks<Settings>][] {
    return this.catalogue.names.map((name) => [name, this.faults[name]]);
  }

  private inScope(scope: FaultScope | undefined, path: string): boolean {
    if (this.untargeted.some((p) => under(path, p))) return false;
    return !scope?.routes || scope.routes.some((prefix) => path.startsWith(prefix));
  }

  /** The current state, after switching off any fault whose time is up. */
  current(): FaultState<Name, Settings> {
    const state = this.store.read();
    const now = this.now();
    const expired = this.catalogue.names.filter((name) => {
      const at = state.scopes[name]?.expiresAt;
      return at !== undefined && at <= now;
    });
    if (expired.length === 0) return state;
    const settings = { ...state.settings };
    const scopes = { ...state.scopes };
    for (const name of expired) {
      for (const key of this.catalogue.keysOf(name)) settings[key] = this.catalogue.defaults[key];
      delete scopes[name];
    }
    // Masking ends with the last hidden fault, so a killed game day leaves nothing hidden behind.
    const hidden = state.hidden === true && Object.keys(scopes).length > 0;
    const next = this.commit({ settings, scopes, version: state.version + 1, hidden }, state, 'expire');
    if (!state.hidden) this.deps.logger.info('faults expired', { faults: expired });
    return next.state;
  }

  /** Merges an already validated update: keys left out keep their values. */
  update(update: Partial<Settings> & ScopeUpdate, actor: Actor): FaultState<Name, Settings> {
    const before = this.current();
    const { routes, duration_s, hidden: hide, ...given } = update;
    let values = given as Partial<Settings>;
    for (const [, fault] of this.each()) if (fault.complete) values = { ...values, ...fault.complete(values) };
    const settings: Settings = { ...before.settings };
    for (const key of this.catalogue.keys) if (values[key] !== undefined) settings[key] = values[key];
    const now = this.now();
    const scopes = { ...before.scopes };
    for (const [name, fault] of this.each()) {
      if (!fault.isActive(settings)) {
        delete scopes[name];
        continue;
      }
      if (!this.catalogue.keysOf(name).some((k) => values[k] !== undefined)) continue;
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
    const hidden = hide ?? before.hidden === true;
    const next = this.commit({ settings, scopes, version: before.version + 1, hidden }, before, 'update');
    // A hidden change leaves no trace a participant can reach: not even its time.
    if (hidden) return next.state;
    this.deps.logger.info('faults updated', {
      change: update,
      remote_address: actor.address,
      request_id: actor.requestId,
    });
    addSpanEvent('chaos.faults_updated', {
      'chaos.change': JSON.stringify(update),
      'chaos.remote_address': actor.address ?? '',
    });
    return next.state;
  }

  /** Switches every fault off; `released` is what the faults let go of (e.g. released_bytes). */
  reset(actor: Actor): { state: FaultState<Name, Settings>; released: Record<string, unknown> } {
    const before = this.current();
    const next = this.commit(
      { settings: { ...this.catalogue.defaults }, scopes: {}, version: before.version + 1 },
      before,
      'reset',
    );
    this.deps.logger.info('faults reset', {
      remote_address: actor.address,
      request_id: actor.requestId,
      ...next.released,
    });
    addSpanEvent('chaos.faults_reset', { 'chaos.remote_address': actor.address ?? '' });
    return next;
  }

  /** Per-fault view for GET /api/failures. */
  view(state: FaultState<Name, Settings> = this.current()): Record<Name, FaultView> {
    const out = {} as Record<Name, FaultView>;
    for (const [name, fault] of this.each()) {
      const scope = state.scopes[name];
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

  /** The faults' own top-level fields of GET /api/failures (e.g. leaked_bytes). */
  summary(): Record<string, unknown> {
    return Object.assign({}, ...this.each().map(([, fault]) => fault.summary?.() ?? {})) as Record<string, unknown>;
  }

  /** Express middleware run before each business handler: runs the request hooks of active faults. */
  gate(): RequestHandler {
    return async (req, res, next) => {
      if (!this.deps.enabled) return next();
      const state = this.current();
      const applied: Name[] = [];
      if (!state.hidden) res.locals.faults = applied;
      for (const [name, fault] of this.each()) {
        if (!fault.beforeRequest || !fault.isActive(state.settings) || !this.inScope(state.scopes[name], req.path))
          continue;
        await this.apply(name, () => fault.beforeRequest!(state.settings, { req, res }), state.hidden, applied);
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
    call: (fault: FaultHooks<Settings>, settings: Settings) => Promise<boolean> | boolean,
  ): Promise<void> {
    if (!this.deps.enabled) return;
    const state = this.current();
    const path = currentRequest()?.path ?? '';
    for (const [name, fault] of this.each()) {
      if (!fault[hook] || !fault.isActive(state.settings) || !this.inScope(state.scopes[name], path)) continue;
      await this.apply(name, () => call(fault, state.settings), state.hidden);
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const [, fault] of this.each()) fault.stop?.();
  }

  /**
   * Runs one hook; a hook that throws (an injected failure) or returns true affected the request. While
   * hidden, nothing is counted or marked and an injected error is rethrown as the real failure it imitates.
   */
  private async apply(
    name: Name,
    hook: () => Promise<boolean> | boolean,
    hidden: boolean | undefined,
    applied?: Name[],
  ): Promise<void> {
    let affected = true;
    try {
      affected = await hook();
    } catch (err) {
      throw hidden && err instanceof AppError ? err.disguised() : err;
    } finally {
      if (affected && !hidden) {
        applied?.push(name);
        this.deps.metrics.faultAffectedRequests.inc({ fault: name });
        addSpanEvent('chaos.fault', { 'chaos.fault': name });
      }
    }
  }

  /** Stores the next state and stops each fault it switches off (on reset: every fault, once). */
  private commit(
    next: FaultState<Name, Settings>,
    before: FaultState<Name, Settings>,
    action: 'update' | 'reset' | 'expire',
  ): { state: FaultState<Name, Settings>; released: Record<string, unknown> } {
    this.store.write(next);
    const released: Record<string, unknown> = {};
    for (const [, fault] of this.each()) {
      const off = action === 'reset' || (fault.isActive(before.settings) && !fault.isActive(next.settings));
      if (off) Object.assign(released, fault.stop?.());
    }
    if (!next.hidden) this.deps.metrics.faultChangesTotal.inc({ action });
    this.publish(next);
    return { state: next, released };
  }

  /** Sets the fault gauges; while hidden they read as if every fault were off. */
  private publish(state: FaultState<Name, Settings>): void {
    const { metrics } = this.deps;
    if (state.hidden) state = { ...state, settings: { ...this.catalogue.defaults } };
    for (const [name, fault] of this.each())
      metrics.faultActive.set({ fault: name }, fault.isActive(state.settings) ? 1 : 0);
    for (const key of this.catalogue.keys) metrics.faultSetting.set({ setting: key }, Number(state.settings[key]));
  }
}
