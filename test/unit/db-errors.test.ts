import { expect } from 'chai';
import { toDatabaseError } from '../../app/db/errors';
import { AppError } from '../../app/errors';

describe('toDatabaseError', () => {
  const code = (err: unknown) =>
    toDatabaseError(err) instanceof AppError ? (toDatabaseError(err) as AppError).code : 'passed through';

  for (const [label, err, expected] of [
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      'DATABASE_UNAVAILABLE',
    ],
    [
      'a server shutting down',
      Object.assign(new Error('terminating connection'), { code: '57P01' }),
      'DATABASE_UNAVAILABLE',
    ],
    [
      'wrong credentials',
      Object.assign(new Error('password authentication failed'), { code: '28P01' }),
      'DATABASE_UNAVAILABLE',
    ],
    [
      'a missing database',
      Object.assign(new Error('database "x" does not exist'), { code: '3D000' }),
      'DATABASE_UNAVAILABLE',
    ],
    ['a pool with no free connection in time', new Error('timeout exceeded when trying to connect'), 'DATABASE_BUSY'],
    [
      'a statement timeout',
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
      'DATABASE_TIMEOUT',
    ],
    ['a client-side query timeout', new Error('Query read timeout'), 'DATABASE_TIMEOUT'],
    [
      'a missing table (a bug, not an outage)',
      Object.assign(new Error('relation "x" does not exist'), { code: '42P01' }),
      'passed through',
    ],
    ['a unique violation', Object.assign(new Error('duplicate key'), { code: '23505' }), 'passed through'],
  ] as const) {
    it(`maps ${label} to ${expected}`, () => {
      expect(code(err)).to.equal(expected);
    });
  }
});
