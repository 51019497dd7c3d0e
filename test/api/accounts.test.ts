import { expect } from 'chai';
import { startApp, type TestApp } from '../support/app';

describe('accounts', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => t?.stop());

  describe('GET /api/balance', () => {
    it('answers the default account ACC-001 with its seeded balance in USD', async () => {
      const res = await t.request.get('/api/balance').expect(200);
      expect(res.body).to.include({
        account: 'ACC-001',
        balance: '10000.00',
        balance_cents: 1_000_000,
        currency: 'USD',
      });
    });
  });

  describe('GET /api/accounts', () => {
    it('lists the demo accounts with number, balance and currency', async () => {
      const res = await t.request.get('/api/accounts').expect(200);
      expect(res.body.accounts).to.have.length.greaterThan(12);
      for (const a of res.body.accounts)
        expect(a).to.have.keys('account', 'owner', 'balance', 'balance_cents', 'currency', 'created_at');
    });

    it('pages with limit and offset', async () => {
      const res = await t.request.get('/api/accounts?limit=2&offset=1').expect(200);
      expect(res.body.accounts.map((a: { account: string }) => a.account)).to.deep.equal(['ACC-002', 'ACC-003']);
    });

    it('rejects a limit above 100 and an unknown query parameter in one answer', async () => {
      const res = await t.request.get('/api/accounts?limit=1000&sort=x').expect(400);
      const paths = res.body.error.details.problems.map((p: { path: string }) => p.path);
      expect(paths).to.have.members(['query.limit', 'query.sort']);
    });
  });

  describe('GET /api/accounts/:number', () => {
    it('answers one account', async () => {
      const res = await t.request.get('/api/accounts/ACC-011').expect(200);
      expect(res.body).to.include({ account: 'ACC-011', currency: 'EUR' });
    });

    it('answers 404 ACCOUNT_NOT_FOUND for an unknown account', async () => {
      const res = await t.request.get('/api/accounts/ACC-999').expect(404);
      expect(res.body.error.code).to.equal('ACCOUNT_NOT_FOUND');
    });

    it('answers 400 for a malformed account number', async () => {
      const res = await t.request.get("/api/accounts/ACC-1'%3B%20DROP%20TABLE%20accounts").expect(400);
      expect(res.body.error.code).to.equal('VALIDATION_FAILED');
    });
  });

  describe('POST /api/accounts', () => {
    it('opens an account with a generated number and the opening balance', async () => {
      const res = await t.request
        .post('/api/accounts')
        .send({ owner: 'Workshop Participant', currency: 'EUR', opening_balance: '250.10' })
        .expect(201);
      expect(res.body).to.include({
        owner: 'Workshop Participant',
        currency: 'EUR',
        balance: '250.10',
        balance_cents: 25010,
      });
      expect(res.body.account).to.match(/^ACC-\d{3,}$/);
      await t.request.get(`/api/accounts/${res.body.account}`).expect(200);
    });

    it('lists every problem of an invalid body at once and opens nothing', async () => {
      const before = await t.request.get('/api/accounts?limit=100').expect(200);
      const res = await t.request
        .post('/api/accounts')
        .send({ owner: '', currency: 'XXX', opening_balance: -5, extra: 1 })
        .expect(400);
      const paths = res.body.error.details.problems.map((p: { path: string }) => p.path);
      expect(paths).to.have.members(['body.owner', 'body.currency', 'body.opening_balance', 'body.extra']);
      const after = await t.request.get('/api/accounts?limit=100').expect(200);
      expect(after.body.accounts).to.have.length(before.body.accounts.length);
    });
  });
});
