import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newRowId, uuidV7Generator } from '../../src/domain/uuid-v7.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const timestampOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

test('ids are RFC 9562 version 7 UUIDs carrying the millisecond they were made', () => {
  const at = Date.UTC(2026, 10, 27, 4, 30, 0, 123);
  const id = uuidV7Generator(() => at)();
  assert.match(id, V7);
  assert.equal(timestampOf(id), at);
  assert.match(newRowId(), V7);
});

test('ids made in one millisecond sort in the order they were made, and are distinct', () => {
  const next = uuidV7Generator(() => 1_700_000_000_000);
  const ids = Array.from({ length: 5000 }, next);
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids);
  for (const id of ids) assert.match(id, V7);
  // 5,000 ids cannot fit one millisecond's 4,096 counter values: the timestamp carries forward.
  assert.ok(timestampOf(ids.at(-1)!) > 1_700_000_000_000);
});

test('a clock that steps back never makes an id sort before an earlier one', () => {
  const times = [2_000_000, 2_000_000, 1_000_000, 1_999_999, 2_000_001];
  let i = 0;
  const next = uuidV7Generator(() => times[i++]!);
  const ids = times.map(() => next());
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(timestampOf(ids[2]!), 2_000_000);
  assert.equal(timestampOf(ids[4]!), 2_000_001);
});

test('the random part differs between ids of one millisecond', () => {
  const next = uuidV7Generator(() => 5);
  const tails = new Set(Array.from({ length: 1000 }, () => next().slice(19)));
  assert.equal(tails.size, 1000);
});
