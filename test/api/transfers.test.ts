import { expect } from 'chai';
import { DECIMAL_MESSAGE } from '../../app/money';
import { startApp, type TestApp } from '../support/app';
import { auditLedger } from '../support/ledger';

describe('transfers', () => {
  let t: TestApp;
  let url: string;
  before(async () => {
    t = await startApp();
    url = t.config.DATABASE_URL;
  });
  after(async () => t?.stop());

  const balance = async (account: string) =>
    (await t.request.get(`/api/accounts/${account}`).expect(200)).body.balance_cents as number;

  describe('POST /api/transfer (workshop shape)', () => {
    it('moves 100.50 from ACC-001 to ACC-002 and answers with a transaction_id', async () => {
      const [from, to] = [await balance('ACC-001'), await balance('ACC-002')];
      const res = await t.request.post('/api/transfer').send({ amount: 100.5, to_account: 'ACC-002' }).expect(200);
      expect(res.body).to.include({
        status: 'success',
        from_account: 'ACC-001',
        to_account: 'ACC-002',
        amount: '100.50',
        amount_cents: 10050,
      });
      expect(res.body.transaction_id).to.match(/^[0-9a-f-]{36}$/);
      expect(await balance('ACC-001')).to.equal(from - 10050);
      expect(await balance('ACC-002')).to.equal(to + 10050);
    });
  });

  describe('POST /api/transfers', () => {
    it('writes one transaction with two balanced ledger entries', async () => {
      const res = await t.request
        .post('/api/transfers')
        .send({ from_account: 'ACC-003', to_account: 'ACC-004', amount: '12.34' })
        .expect(201);
      const tx = await t.request.get(`/api/transactions/${res.body.transaction_id}`).expect(200);
      expect(tx.body.entries).to.deep.equal([
        { account: 'ACC-003', amount: '-12.34', amount_cents: -1234 },
        { account: 'ACC-004', amount: '12.34', amount_cents: 1234 },
      ]);
    });

    it('keeps amounts exact where floating point would not (0.1 + 0.2 three times)', async () => {
      const before = await balance('ACC-005');
      for (const amount of [0.1, 0.2, 0.1, 0.2, 0.1, 0.2]) {
        await t.request
          .post('/api/transfers')
          .send({ from_account: 'ACC-006', to_account: 'ACC-005', amount })
          .expect(201);
      }
      expect(await balance('ACC-005')).to.equal(before + 90);
    });

    it('rejects an overdraft with 422 INSUFFICIENT_FUNDS and moves nothing', async () => {
      const [from, to] = [await balance('ACC-009'), await balance('ACC-002')];
      const res = await t.request
        .post('/api/transfers')
        .send({ from_account: 'ACC-009', to_account: 'ACC-002', amount: 500.01 })
        .expect(422);
      expect(res.body.error.code).to.equal('INSUFFICIENT_FUNDS');
      expect([await balance('ACC-009'), await balance('ACC-002')]).to.deep.equal([from, to]);
    });

    it('allows a transfer of the whole balance, leaving exactly zero', async () => {
      await t.request
        .post('/api/transfers')
        .send({ from_account: 'ACC-009', to_account: 'ACC-010', amount: '500.00' })
        .expect(201);
      expect(await balance('ACC-009')).to.equal(0);
    });

    it('rejects a transfer between accounts of different currencies with 422 CURRENCY_MISMATCH', async () => {
      const res = await t.request
        .post('/api/transfers')
        .send({ from_account: 'ACC-011', to_account: 'ACC-002', amount: 1 })
        .expect(422);
      expect(res.body.error.code).to.equal('CURRENCY_MISMATCH');
    });

    it('rejects a currency that differs from the accounts currency', async () => {
      const res = await t.request
        .post('/api/transfers')
        .send({ from_account: 'ACC-011', to_account: 'ACC-012', amount: 1, currency: 'USD' })
        .expect(422);
      expect(res.body.error.code).to.equal('CURRENCY_MISMATCH');
    });

    it('answers 404 ACCOUNT_NOT_FOUND naming the unknown account', async () => {
      const res = await t.request
        .post('/api/transfers')
        .send({ from_account: 'ACC-001', to_account: 'ACC-777', amount: 1 })
        .expect(404);
      expect(res.body.error).to.deep.include({ code: 'ACCOUNT_NOT_FOUND', details: { accounts: ['ACC-777'] } });
    });

    for (const [label, amount] of [
      ['zero', 0],
      ['negative', -1],
      ['three fraction digits', 1.005],
      ['NaN as text', 'NaN'],
      ['exponent notation', '1e3'],
      ['above the maximum', 1e12],
      ['a boolean', true],
    ] as const) {
      it(`rejects an amount that is ${label}`, async () => {
        const res = await t.request
          .post('/api/transfers')
          .send({ from_account: 'ACC-001', to_account: 'ACC-002', amount })
          .expect(400);
        expect(res.body.error.details.problems[0].path).to.equal('body.amount');
      });
    }

    describe("one rule for an amount's text, sent as a JSON number or as a string: at most 2 fraction digits, no exponent", () => {
      const raw = (amount: string) =>
        t.request
          .post('/api/transfers')
          .set('content-type', 'application/json')
          .send(`{"from_account":"ACC-001","to_account":"ACC-002","amount":${amount}}`);
      for (const [text, cents] of [
        ['100.50', 10050],
        ['0.01', 1],
        ['7', 700],
        ['999.99', 99_999],
      ] as const) {
        it(`moves ${cents} cents for ${text} and for "${text}"`, async () => {
          for (const amount of [text, `"${text}"`])
            expect((await raw(amount).expect(201)).body.amount_cents, amount).to.equal(cents);
        });
      }
      it('keeps the largest amount exact as a number: an opening balance of 1000000000.00', async () => {
        const res = await t.request
          .post('/api/accounts')
          .set('content-type', 'application/json')
          .send('{"owner":"Max","opening_balance":1000000000.00}')
          .expect(201);
        expect(res.body).to.include({ balance: '1000000000.00', balance_cents: 100_000_000_000 });
      });
      // Before, JSON.parse made 100.5 of the first and 100 of the second and third as numbers, while "1e3" was refused.
      for (const text of ['100.5000000000000001', '1e2', '1E2', '1.5e1', '100.50e0', '1e-2', '1.000', '0.001']) {
        it(`refuses ${text} and "${text}" with the same problem, and moves nothing`, async () => {
          const before = await balance('ACC-002');
          for (const amount of [text, `"${text}"`]) {
            const res = await raw(amount).expect(400);
            expect(res.body.error.details.problems, amount).to.deep.equal([
              { path: 'body.amount', message: DECIMAL_MESSAGE },
            ]);
          }
          expect(await balance('ACC-002')).to.equal(before);
        });
      }
    });

    it('lists every problem at once: same account, bad number, unknown field', async () => {
      const res = await t.request
        .post('/api/transfers')
        .send({ from_account: 'ACC-1', to_account: 'x', amount: 1, memo: 'hi' })
        .expect(400);
      const paths = res.body.error.details.problems.map((p: { path: string }) => p.path);
      expect(paths).to.have.members(['body.from_account', 'body.to_account', 'body.memo']);
    });

    it('rejects a transfer to the same account', async () => {
      const res = await t.request
        .post('/api/transfers')
        .send({ from_account: 'ACC-002', to_account: 'ACC-002', amount: 1 })
        .expect(400);
      expect(res.body.error.details.problems).to.deep.equal([
        { path: 'body.to_account', message: 'must differ from from_account' },
      ]);
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the original result for a retried request and moves the money once', async () => {
      const before = await balance('ACC-007');
      const body = { from_account: 'ACC-007', to_account: 'ACC-008', amount: 10 };
      const first = await t.request.post('/api/transfers').set('Idempotency-Key', 'retry-1').send(body).expect(201);
      const second = await t.request.post('/api/transfers').set('Idempotency-Key', 'retry-1').send(body).expect(200);
      expect(second.headers['idempotent-replayed']).to.equal('true');
      expect(second.body).to.deep.equal(first.body);
      expect(await balance('ACC-007')).to.equal(before - 1000);
    });

    it('rejects the same key with a different body with 409 and moves nothing', async () => {
      const before = await balance('ACC-007');
      await t.request
        .post('/api/transfers')
        .set('Idempotency-Key', 'retry-2')
        .send({ from_account: 'ACC-007', to_account: 'ACC-008', amount: 1 })
        .expect(201);
      const res = await t.request
        .post('/api/transfers')
        .set('Idempotency-Key', 'retry-2')
        .send({ from_account: 'ACC-007', to_account: 'ACC-008', amount: 2 })
        .expect(409);
      expect(res.body.error.code).to.equal('IDEMPOTENCY_KEY_REUSED');
      expect(await balance('ACC-007')).to.equal(before - 100);
    });

    it('keeps a key refused for insufficient funds refused, even after the balance has grown', async () => {
      const over = (await balance('ACC-005')) / 100 + 1;
      const body = { from_account: 'ACC-005', to_account: 'ACC-006', amount: over };
      const first = await t.request.post('/api/transfers').set('Idempotency-Key', 'refused-1').send(body).expect(422);
      expect(first.body.error.code).to.equal('INSUFFICIENT_FUNDS');
      await t.request
        .post('/api/transfers')
        .send({ from_account: 'ACC-006', to_account: 'ACC-005', amount: 5 })
        .expect(201);
      const before = await balance('ACC-005');
      const again = await t.request.post('/api/transfers').set('Idempotency-Key', 'refused-1').send(body).expect(422);
      expect(again.body.error.code).to.equal('INSUFFICIENT_FUNDS');
      const other = await t.request
        .post('/api/transfers')
        .set('Idempotency-Key', 'refused-1')
        .send({ ...body, amount: 1 })
        .expect(409);
      expect(other.body.error.code).to.equal('IDEMPOTENCY_KEY_REUSED');
      expect(await balance('ACC-005')).to.equal(before);
    });

    it('moves money once when the same key arrives 20 times at once', async () => {
      const before = await balance('ACC-004');
      const body = { from_account: 'ACC-004', to_account: 'ACC-003', amount: 7 };
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => t.request.post('/api/transfers').set('Idempotency-Key', 'burst-1').send(body)),
      );
      expect(answers.filter((r) => r.status === 201)).to.have.length(1);
      expect(answers.filter((r) => r.status === 200)).to.have.length(19);
      expect(new Set(answers.map((r) => r.body.transaction_id)).size).to.equal(1);
      expect(await balance('ACC-004')).to.equal(before - 700);
    });

    it('rejects a malformed key', async () => {
      const res = await t.request
        .post('/api/transfers')
        .set('Idempotency-Key', 'bad key with spaces')
        .send({ from_account: 'ACC-004', to_account: 'ACC-003', amount: 1 })
        .expect(400);
      expect(res.body.error.details.problems[0].path).to.equal('headers.idempotency-key');
    });
  });

  describe('under concurrency', () => {
    it('keeps the total balance constant and every transaction balanced across 300 concurrent random transfers', async () => {
      const usd = ['ACC-001', 'ACC-002', 'ACC-003', 'ACC-004', 'ACC-005', 'ACC-006', 'ACC-007', 'ACC-008'];
      const before = await auditLedger(url);
      const pick = () => usd[Math.floor(Math.random() * usd.length)] as string;
      const results = await Promise.all(
        Array.from({ length: 300 }, () => {
          const from = pick();
          let to = pick();
          while (to === from) to = pick();
          return t.request
            .post('/api/transfers')
            .send({ from_account: from, to_account: to, amount: (Math.floor(Math.random() * 50000) + 1) / 100 });
        }),
      );
      const statuses = new Set(results.map((r) => r.status));
      expect(
        [...statuses].every((s) => s === 201 || s === 422),
        `statuses ${[...statuses].join(', ')}`,
      ).to.equal(true);
      const created = results.filter((r) => r.status === 201).length;
      const after = await auditLedger(url);
      expect(after.totalBalanceCents).to.equal(before.totalBalanceCents);
      expect(after).to.include({ negativeBalances: 0, unbalancedTransactions: 0, driftedAccounts: 0 });
      expect(after.transactions - before.transactions).to.equal(created);
    });
  });

  describe('GET /api/transactions', () => {
    it('filters by account and pages newest first', async () => {
      const res = await t.request.get('/api/transactions?account=ACC-009&limit=1').expect(200);
      expect(res.body.transactions).to.have.length(1);
      const tx = res.body.transactions[0];
      expect([tx.from_account, tx.to_account]).to.include('ACC-009');
      expect(res.body.next_offset).to.equal(1);
    });

    it('answers 404 for an unknown transaction id and 400 for a malformed one', async () => {
      await t.request.get('/api/transactions/00000000-0000-4000-8000-000000000000').expect(404);
      const res = await t.request.get('/api/transactions/not-a-uuid').expect(400);
      expect(res.body.error.code).to.equal('VALIDATION_FAILED');
    });
  });
});
