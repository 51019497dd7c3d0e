import express from 'express';
import { expect } from 'chai';
import { Registry } from 'prom-client';
import supertest from 'supertest';
import { z } from 'zod';
import { AppError } from '../../app/errors';
import { FaultRegistry, createCatalogue, createFaultMetrics, defineFault, faultRouter } from '../../app/faults/engine';
import { errorHandler } from '../../app/http/error-handler';
import { createLogger } from '../../app/telemetry/logger';
import { createMetrics } from '../../app/telemetry/metrics';

// A made-up downstream service with two faults of its own, mounted on a bare Express app: the engine
// must work unchanged, with nothing of the API's catalogue, routes or configuration.
const teapot = defineFault({
  name: 'teapot',
  settings: { teapot_rate: z.number().int().min(0).max(100).default(0).describe('Share of refused brews, percent.') },
  create: () => ({
    isActive: (s) => s.teapot_rate > 0,
    beforeRequest() {
      throw new AppError('FAULT_INJECTED', { status: 503, message: 'I am a teapot.', details: { fault: 'teapot' } });
    },
  }),
});

const spill = defineFault({
  name: 'spill',
  settings: { spill_cups: z.number().int().min(0).max(10).default(0).describe('Cups spilled per request.') },
  create: ({ onSpill }: { onSpill: (cups: number) => void }) => {
    let spilled = 0;
    return {
      isActive: (s) => s.spill_cups > 0,
      beforeRequest(s) {
        spilled += s.spill_cups;
        onSpill(spilled);
        return true;
      },
      stop() {
        const mopped = spilled;
        spilled = 0;
        return { mopped_cups: mopped };
      },
      summary: () => ({ spilled_cups: spilled }),
    };
  },
});

function riskService(options: { token?: string; now?: () => number } = {}) {
  const promRegistry = new Registry();
  const spills: number[] = [];
  const logger = createLogger({ level: 'silent', service: 'risk' });
  const registry = new FaultRegistry(createCatalogue([teapot, spill]), {
    metrics: createFaultMetrics(promRegistry),
    logger,
    enabled: true,
    context: { onSpill: (cups: number) => spills.push(cups) },
    ...(options.now && { now: options.now }),
  });
  const app = express();
  app.use(express.json());
  app.use(faultRouter(registry, { token: options.token, corsOrigins: [] }));
  app.get('/api/score', registry.gate(), (_req, res) => void res.json({ score: 42 }));
  app.use(errorHandler(logger, createMetrics(new Registry(), { service: 'risk', version: '0', exemplars: false })));
  return { request: supertest(app), registry, promRegistry, spills };
}

describe('the fault engine reused by another service', () => {
  let service: ReturnType<typeof riskService>;
  beforeEach(() => {
    service = riskService();
  });
  afterEach(() => service.registry.close());

  it('serves GET /api/failures for its own catalogue', async () => {
    const res = await service.request.get('/api/failures').expect(200);
    const { store, instance_id, ...own } = res.body as { store: { kind: string }; instance_id: string };
    expect(own).to.deep.equal({
      current_config: { teapot_rate: 0, spill_cups: 0 },
      enabled: true,
      faults: { teapot: { active: false }, spill: { active: false } },
      spilled_cups: 0,
      version: 0,
    });
    expect(store.kind).to.equal('memory');
    expect(instance_id).to.match(/^[A-Za-z0-9._-]{1,63}$/);
  });

  it('rejects a bad update with every problem listed and changes nothing', async () => {
    const res = await service.request
      .post('/api/failures')
      .send({ teapot_rate: 101, spill_cups: 1, latency_ms: 5, duration_s: 0 })
      .expect(400);
    expect(res.body.error.code).to.equal('VALIDATION_FAILED');
    const paths = (res.body.error.details.problems as { path: string }[]).map((p) => p.path);
    expect(paths).to.have.members(['body.teapot_rate', 'body.latency_ms', 'body.duration_s']);
    expect((await service.request.get('/api/failures')).body.current_config).to.deep.equal({
      teapot_rate: 0,
      spill_cups: 0,
    });
  });

  it('runs an active fault in its gate, never on the control plane', async () => {
    await service.request.post('/api/failures').send({ teapot_rate: 100 }).expect(200);
    const res = await service.request.get('/api/score').expect(503);
    expect(res.body.error).to.include({ code: 'FAULT_INJECTED', message: 'I am a teapot.' });
    await service.request.get('/api/failures').expect(200);
  });

  it('resets with what the faults released, and exports the fault metrics', async () => {
    await service.request.post('/api/failures').send({ spill_cups: 2 }).expect(200);
    await service.request.get('/api/score').expect(200);
    await service.request.get('/api/score').expect(200);
    expect(service.spills).to.deep.equal([2, 4]);
    const metrics = await service.promRegistry.metrics();
    expect(metrics).to.include('fintech_fault_active{fault="spill"} 1');
    expect(metrics).to.include('fintech_fault_affected_requests_total{fault="spill"} 2');
    const reset = await service.request.post('/api/reset').expect(200);
    expect(reset.body).to.deep.include({ status: 'reset complete', mopped_cups: 4 });
    expect(await service.promRegistry.metrics()).to.include('fintech_fault_active{fault="spill"} 0');
  });

  it('switches a fault off when its duration is up', async () => {
    let now = 1_000_000;
    await service.registry.close();
    service = riskService({ now: () => now });
    const set = await service.request.post('/api/failures').send({ teapot_rate: 50, duration_s: 5 }).expect(200);
    expect(set.body.faults.teapot).to.include({ active: true, expires_at: new Date(now + 5000).toISOString() });
    now += 5000;
    expect((await service.request.get('/api/failures')).body.faults.teapot).to.deep.equal({ active: false });
  });

  it('guards the control plane with the bearer token', async () => {
    await service.registry.close();
    service = riskService({ token: 'risk-token-0123456789' });
    await service.request.get('/api/failures').expect(401);
    await service.request.get('/api/failures').set('Authorization', 'Bearer risk-token-0123456789').expect(200);
  });

  it('refuses a catalogue where two faults share a setting', () => {
    const twin = defineFault({ name: 'twin', settings: teapot.settings, create: () => ({ isActive: () => false }) });
    expect(() => createCatalogue([teapot, twin])).to.throw(/teapot_rate belongs to both teapot and twin/);
  });
});
