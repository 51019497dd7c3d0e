import type { RequestHandler } from 'express';
import { defaultInstanceId } from '../../config';
import type { DatabaseHooks } from '../../db/database';
import { AppError, validationError } from '../../errors';
import { currentRequest } from '../../http/request-context';
import type { Logger } from '../../telemetry/logger';
import type { FaultMetrics } from '../../telemetry/metrics';
import { addSpanEvent } from '../../telemetry/trace-context';
import type { Catalogue, ScopeUpdate } from './catalogue';
import { CONTROL_PLANE_PATHS } from './control-plane';
import type { FaultHooks } from './fault';
import { InMemoryFaultStore, type FaultScope, type FaultState, type FaultStore, type StoreStatus } from './store';

export interface FaultView {
  active: boolean;
  started_at?: string;
  expires_at?: string;
  routes?: string[];
  instances?: string[];
  [extra: string]: unknown;
}

/** See FaultRegistry.digest. */
interface StateDigest<Name extends string, Settings extends object> {
  readonly on: readonly [Name, FaultHooks<Settings>][];
  /** Epoch ms of the earliest expiry or mask end; Infinity when none is set. */
  readonly deadline: number;
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
  /** This replica's id, for faults that target named replicas (default: host-pid). */
  instanceId?: string;
  /** The clock of the default in-memory store (a shared store brings its own). */
  now?: () => number;
}

/** No fault is active: where every store starts. */
export function initialFaultState<Name extends string, Settings extends object>(
  catalogue: Pick<Catalogue<Name, Settings, unknown>, 'defaults'>,
): FaultState<Name, Settings> {
  return { settings: { ...catalogue.defaults }, scopes: {}, version: 0 };
}

/**
 * Adds the masking to a state: it lasts while a hidden fault is on or until its own expiry, so a killed game
 * day leaves nothing hidden behind, and a mask without faults needs an expiry (duration_s).
 */
function masking<S extends FaultState<string, object>>(
  state: S,
  hidden: boolean | undefined,
  until: number | undefined,
  now: number,
): S {
  const timed = until !== undefined && until > now;
  if (hidden !== true || (Object.keys(state.scopes).length === 0 && !timed)) return state;
  return { ...state, hidden: true, ...(timed && { hiddenUntil: until }) };
}

const under = (path: string, p: string) => path === p || path.startsWith(`${p}/`);

/** Whether a fault's scope includes this replica (every replica unless it names some). */
const targets = (scope: FaultScope | undefined, instanceId: string) =>
  !scope?.instances || scope.instances.includes(instanceId);

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

/**
 * The one mutable store of a service: the active faults. It validates nothing (the router does),
 * merges updates, expires faults, keeps the fault metrics current and exposes the hooks through
 * which faults act: a request gate and the database hooks (before a connection, before a query).
 * The state itself lives in a FaultStore, shared by every replica or in memory.
 */
export class FaultRegistry<Name extends string, Settings extends object, Context> {
  private readonly faults: Record<Name, FaultHooks<Settings>>;
  private entries?: readonly [Name, FaultHooks<Settings>][];
  /** What the per-request paths need of a state, worked out once per state (states are replaced, never changed). */
  private readonly digests = new WeakMap<FaultState<Name, Settings>, StateDigest<Name, Settings>>();
  private readonly untargeted: readonly string[];
  private readonly timer: NodeJS.Timeout;
  private readonly store: FaultStore<Name, Settings>;
  readonly instanceId: string;
  private expiring: Promise<unknown> | undefined;
  /** What the faults switched off by the latest state let go of (joins the reset answer). */
  private released: { version: number; values: Record<string, unknown> } = { version: -1, values: {} };

  constructor(
    readonly catalogue: Catalogue<Name, Settings, Context>,
    private readonly deps: RegistryDeps<Context>,
    store?: FaultStore<Name, Settings>,
  ) {
    this.instanceId = deps.instanceId ?? defaultInstanceId();
    this.store = store ?? new InMemoryFaultStore(this.initialState(), this.instanceId, deps.now);
    this.faults = catalogue.create(deps.context);
    this.untargeted = [...CONTROL_PLANE_PATHS, ...(deps.exempt ?? [])];
    this.store.onChange((next, before) => this.applied(next, before));
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

  private initialState(): FaultState<Name, Settings> {
    return initialFaultState(this.catalogue);
  }

  /** Every fault with its name, in catalogue order (made once: the gate and the query hooks read it on every call). */
  private each(): readonly [Name, FaultHooks<Settings>][] {
    this.entries ??= this.catalogue.names.map((name) => [name, this.faults[name]]);
    return this.entries;
  }

  /**
   * The faults on here under a state, and when its next expiry (or the end of its mask) is due. The
   * gate, the database hooks and current() run on every request and query: with no fault on they
   * find an empty list and a deadline in the future, and allocate nothing.
   */
  private digest(state: FaultState<Name, Settings>): StateDigest<Name, Settings> {
    let digest = this.digests.get(state);
    if (!digest) {
      let deadline = state.hiddenUntil ?? Infinity;
      for (const name of this.catalogue.names) deadline = Math.min(deadline, state.scopes[name]?.expiresAt ?? Infinity);
      digest = { on: this.each().filter(([name]) => this.onHere(name, state)), deadline };
      this.digests.set(state, digest);
    }
    return digest;
  }

  private inScope(scope: FaultScope | undefined, path: string): boolean {
    if (this.untargeted.some((p) => under(path, p))) return false;
    return !scope?.routes || scope.routes.some((prefix) => path.startsWith(prefix));
  }

  /** Whether a fault is on for this replica under a state. */
  private onHere(name: Name, state: FaultState<Name, Settings>): boolean {
    return this.faults[name].isActive(state.settings) && targets(state.scopes[name], this.instanceId);
  }

  /**
   * The current state, after switching off any fault whose time is up (by the store's clock, so every
   * replica agrees). The expiry is applied at once and saved once: a shared store saves it in the background.
   */
  current(): FaultState<Name, Settings> {
    const state = this.store.read();
    const now = this.store.now();
    if (this.digest(state).deadline > now) return state;
    const local = this.withoutExpired(state, now);
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

  private withoutExpired(state: FaultState<Name, Settings>, now: number): FaultState<Name, Settings> | undefined {
    const expired = this.catalogue.names.filter((name) => {
      const at = state.scopes[name]?.expiresAt;
      return at !== undefined && at <= now;
    });
    const maskEnded = state.hiddenUntil !== undefined && state.hiddenUntil <= now;
    if (expired.length === 0 && !maskEnded) return undefined;
    const settings = { ...state.settings };
    const scopes = { ...state.scopes };
    for (const name of expired) {
      for (const key of this.catalogue.keysOf(name)) settings[key] = this.catalogue.defaults[key];
      delete scopes[name];
    }
    return masking({ settings, scopes, version: state.version + 1 }, state.hidden, state.hiddenUntil, now);
  }

  private expired(before: FaultState<Name, Settings>, next: FaultState<Name, Settings>): FaultState<Name, Settings> {
    if (next.version === before.version || before.hidden) return next;
    this.deps.metrics.faultChangesTotal.inc({ action: 'expire' });
    this.deps.logger.info('faults expired', {
      faults: this.catalogue.names.filter((name) => before.scopes[name] && !next.scopes[name]),
    });
    return next;
  }

  /** Merges an already validated update: keys left out keep their values. Rejects unknown replica ids. */
  async update(update: Partial<Settings> & ScopeUpdate, actor: Actor): Promise<FaultState<Name, Settings>> {
    const next = await this.store.change((stored, { now, instances }) => {
      assertKnownInstances(update.instances, instances);
      return this.merge(this.withoutExpired(stored, now) ?? stored, update, now);
    });
    // A hidden change leaves no trace a participant can reach: not even its time.
    if (next.hidden) return next;
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

  private merge(
    before: FaultState<Name, Settings>,
    update: Partial<Settings> & ScopeUpdate,
    now: number,
  ): FaultState<Name, Settings> {
    const { routes, duration_s, instances, hidden, ...given } = update;
    let values = given as Partial<Settings>;
    for (const [, fault] of this.each()) if (fault.complete) values = { ...values, ...fault.complete(values) };
    const settings: Settings = { ...before.settings };
    for (const key of this.catalogue.keys) if (values[key] !== undefined) settings[key] = values[key];
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
        ...(instances !== undefined ? { instances } : previous?.instances && { instances: previous.instances }),
      };
    }
    const until = hidden === true && duration_s !== undefined ? now + duration_s * 1000 : before.hiddenUntil;
    return masking({ settings, scopes, version: before.version + 1 }, hidden ?? before.hidden, until, now);
  }

  /** Switches every fault off on every replica; `released` is what this replica's faults let go of (e.g. released_bytes). */
  async reset(actor: Actor): Promise<{ state: FaultState<Name, Settings>; released: Record<string, unknown> }> {
    const state = await this.store.change((before) => ({ ...this.initialState(), version: before.version + 1 }));
    // What the change switched off was released by applied(); a reset also releases what inactive faults hold.
    let released = this.released.version === state.version ? { ...this.released.values } : {};
    for (const [, fault] of this.each()) released = { ...fault.stop?.(), ...released };
    this.deps.metrics.faultChangesTotal.inc({ action: 'reset' });
    this.deps.logger.info('faults reset', {
      remote_address: actor.address,
      request_id: actor.requestId,
      ...released,
    });
    addSpanEvent('chaos.faults_reset', { 'chaos.remote_address': actor.address ?? '' });
    return { state, released };
  }

  /** Per-fault view for GET /api/failures. */
  view(state: FaultState<Name, Settings> = this.current()): Record<Name, FaultView> {
    const out = {} as Record<Name, FaultView>;
    for (const [name, fault] of this.each()) {
      const scope = state.scopes[name];
      out[name] = {
        active: this.deps.enabled && this.onHere(name, state),
        ...(scope && { started_at: new Date(scope.startedAt).toISOString() }),
        ...(scope?.expiresAt !== undefined && { expires_at: new Date(scope.expiresAt).toISOString() }),
        ...(scope?.routes && { routes: scope.routes }),
        ...(scope?.instances && { instances: scope.instances }),
        ...fault.status?.(),
      };
    }
    return out;
  }

  /** The faults' own top-level fields of GET /api/failures (e.g. leaked_bytes). */
  summary(): Record<string, unknown> {
    return Object.assign({}, ...this.each().map(([, fault]) => fault.summary?.() ?? {})) as Record<string, unknown>;
  }

  /** The store's view of this replica and the others (GET /api/failures). */
  storeStatus(): Promise<StoreStatus> {
    return this.store.status();
  }

  /** Express middleware run before each business handler: runs the request hooks of active faults. */
  gate(): RequestHandler {
    return (req, res, next) => {
      if (!this.deps.enabled) return next();
      const state = this.current();
      const { on } = this.digest(state);
      if (on.length === 0) return next();
      const applied: Name[] = [];
      if (!state.hidden) res.locals.faults = applied;
      const path = req.path;
      const due = on.filter(([name, fault]) => fault.beforeRequest && this.inScope(state.scopes[name], path));
      // Synchronous when no fault acts here: the common case pays for no promise.
      if (due.length === 0) return next();
      return (async () => {
        for (const [name, fault] of due)
          await this.apply(name, () => fault.beforeRequest!(state.settings, { req, res }), state.hidden, applied);
        next();
      })();
    };
  }

  /**
   * Whether a fault with database hooks is on here: only those read the request's context deep in a
   * request (its path, for their route scope), so the context is propagated only while this holds.
   */
  readsRequestContext(): boolean {
    if (!this.deps.enabled) return false;
    return this.digest(this.current()).on.some(
      ([, fault]) => fault.beforeConnect !== undefined || fault.beforeQuery !== undefined,
    );
  }

  /** The database hooks: run the connect and query hooks of active faults for operations of in-scope requests. */
  databaseHooks(): Required<DatabaseHooks> {
    return {
      beforeConnect: (ctx) =>
        this.runDatabaseHook('beforeConnect', (fault, settings) => fault.beforeConnect!(settings, ctx)),
      beforeQuery: (ctx) => this.runDatabaseHook('beforeQuery', (fault, settings) => fault.beforeQuery!(settings, ctx)),
    };
  }

  /** Runs the hook of each fault that acts on this operation; undefined (no promise) when none does. */
  private runDatabaseHook(
    hook: 'beforeConnect' | 'beforeQuery',
    call: (fault: FaultHooks<Settings>, settings: Settings) => Promise<boolean> | boolean,
  ): Promise<void> | undefined {
    if (!this.deps.enabled) return undefined;
    const state = this.current();
    const { on } = this.digest(state);
    if (on.length === 0) return undefined;
    const path = currentRequest()?.path ?? '';
    const due = on.filter(([name, fault]) => fault[hook] && this.inScope(state.scopes[name], path));
    if (due.length === 0) return undefined;
    return (async () => {
      for (const [name, fault] of due) await this.apply(name, () => call(fault, state.settings), state.hidden);
    })();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const [, fault] of this.each()) fault.stop?.();
    await this.store.close();
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

  /** Runs on every new state, made here or by another replica: stops each fault it switches off here. */
  private applied(next: FaultState<Name, Settings>, before: FaultState<Name, Settings>): void {
    const values: Record<string, unknown> = {};
    for (const [name, fault] of this.each())
      if (this.onHere(name, before) && !this.onHere(name, next)) Object.assign(values, fault.stop?.());
    this.released = { version: next.version, values };
    this.publish(next);
  }

  /**
   * Sets the fault gauges. While hidden they read as if every fault were off, and the version stays
   * where it was: a jump would date the injection.
   */
  private publish(state: FaultState<Name, Settings>): void {
    const { metrics } = this.deps;
    if (state.hidden) state = { ...this.initialState(), version: state.version, hidden: true };
    else metrics.faultStateVersion.set(state.version);
    for (const [name] of this.each()) metrics.faultActive.set({ fault: name }, this.onHere(name, state) ? 1 : 0);
    for (const key of this.catalogue.keys) metrics.faultSetting.set({ setting: key }, Number(state.settings[key]));
  }
}
