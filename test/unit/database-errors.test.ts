import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTransientDatabaseError, isUniqueViolation } from '../../src/storage/database-errors.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

test('transient database errors: busy SQLite, unreachable or restarting PostgreSQL, serialization failures', () => {
  for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED', '08006', '08001', '57P01', '57P03', '53300', '40001', '40P01', 'ECONNREFUSED', 'ECONNRESET']) {
    assert.ok(isTransientDatabaseError(withCode(code)), code);
  }
  assert.ok(isTransientDatabaseError(new Error('Connection terminated unexpectedly')));
  assert.ok(isTransientDatabaseError(new Error('timeout exceeded when trying to connect')));
});

test('everything else is a fault, not a retry', () => {
  for (const code of ['23505', '42P01', '22021', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_ERROR', '28P01']) {
    assert.equal(isTransientDatabaseError(withCode(code)), false, code);
  }
  assert.equal(isTransientDatabaseError(new Error('syntax error')), false);
  assert.equal(isTransientDatabaseError(null), false);
  assert.ok(isUniqueViolation(withCode('23505')));
  assert.ok(isUniqueViolation(withCode('SQLITE_CONSTRAINT_UNIQUE')));
  assert.equal(isUniqueViolation(withCode('SQLITE_BUSY')), false);
});
