import { expect } from 'chai';
import { endpointList, routeTable } from '../../app/routes';
import { openApiPath } from '../../app/openapi';
import { startApp, type TestApp } from '../support/app';

const SAMPLE_PARAMS: Record<string, string> = { number: 'ACC-001', id: '00000000-0000-4000-8000-000000000000' };
const ROUTES = routeTable({ risk: false });
const concrete = (path: string) => path.replace(/:(\w+)/g, (_m, name: string) => SAMPLE_PARAMS[name] ?? 'x');

describe('the route table', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => t?.stop());

  it('is the endpoint list of GET /', async () => {
    const res = await t.request.get('/').expect(200);
    expect(res.body.endpoints).to.deep.equal(endpointList(ROUTES));
  });

  it('is the OpenAPI document, less the index and the docs themselves', async () => {
    const doc = (await t.request.get('/openapi.json').expect(200)).body as { paths: Record<string, object> };
    const operations = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(operations).to.have.members(
      ROUTES.filter((r) => !r.undocumented).map((r) => `${r.method} ${openApiPath(r.path)}`),
    );
  });

  describe('with every request failing by fault (error_rate 100, status 599)', () => {
    afterEach(async () => {
      await t.request.post('/api/reset').expect(200);
    });
    for (const route of ROUTES) {
      const faultable = route.plane === 'business';
      it(`${route.method.toUpperCase()} ${route.path} (${route.plane}) ${faultable ? 'fails' : 'is not affected'}`, async () => {
        await t.request.post('/api/failures').send({ error_rate: 100, error_status: 599 }).expect(200);
        const res = await t.request[route.method](concrete(route.path)).send({});
        if (faultable) {
          expect(res.status).to.equal(599);
          expect(res.body.error.code).to.equal('FAULT_INJECTED');
        } else {
          expect(res.status, 'mounted').not.to.equal(404);
          expect(res.status).not.to.equal(599);
        }
      });
    }
  });
});
