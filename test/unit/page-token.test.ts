import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { openPageToken, type PageCursor, type PageTokenScope, signPageToken } from '../../src/numbers/page-token.js';

const KEY = Buffer.alloc(32, 1);
const SCOPE: PageTokenScope = { projectId: '4b457169-fa07-4869-884e-a6e01fdcb760', filterName: null, filterNumber: '555', pageSize: 50 };
const CURSOR: PageCursor = { direction: 'next', createdAt: '2026-01-02T03:04:05.678Z', id: '62ed13bc-7d5e-4fea-bb72-8e303cf2224b', pageNumber: 3 };

test('page token: opens to the cursor it was signed with, in both directions', () => {
  for (const cursor of [CURSOR, { ...CURSOR, direction: 'prev' as const, pageNumber: 1 }]) {
    const token = signPageToken(KEY, SCOPE, cursor);
    assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/, 'URL-safe as is');
    assert.deepEqual(openPageToken(KEY, SCOPE, token), cursor);
  }
});

test('page token: refused for any other scope or key', () => {
  const token = signPageToken(KEY, SCOPE, CURSOR);
  const others: [string, PageTokenScope | undefined, Buffer | undefined][] = [
    ['another project', { ...SCOPE, projectId: '00000000-0000-4000-8000-000000000000' }, undefined],
    ['another page size', { ...SCOPE, pageSize: 49 }, undefined],
    ['another number filter', { ...SCOPE, filterNumber: '5555' }, undefined],
    ['number filter dropped', { ...SCOPE, filterNumber: null }, undefined],
    ['a name filter added', { ...SCOPE, filterName: '555' }, undefined],
    ['the filter moved to the other field', { ...SCOPE, filterName: '555', filterNumber: null }, undefined],
    ['an empty filter is not an absent one', { ...SCOPE, filterName: '' }, undefined],
    ['another key', undefined, Buffer.alloc(32, 2)],
  ];
  for (const [label, scope, key] of others) assert.equal(openPageToken(key ?? KEY, scope ?? SCOPE, token), undefined, label);
});

test('page token: malformed, altered or oversized tokens open to nothing, without throwing', () => {
  const token = signPageToken(KEY, SCOPE, CURSOR);
  const [payload, mac] = token.split('.') as [string, string];
  const bad = [
    '',
    '.',
    'abc',
    `${payload}.`,
    `.${mac}`,
    `${payload}.${mac}.`,
    `${payload}=.${mac}`,
    `${payload}.${mac.slice(1)}`,
    `${payload.slice(1)}.${mac}`,
    `${payload}.${'A'.repeat(43)}`,
    'x'.repeat(10_000),
  ];
  for (const t of bad) assert.equal(openPageToken(KEY, SCOPE, t), undefined, JSON.stringify(t.slice(0, 40)));
});

test('page token: a correctly signed payload of the wrong shape is still refused', () => {
  // Signed the way the codec signs (its format is part of what this test pins down), so
  // only the shape check stands between these payloads and a cursor.
  const signed = (fields: unknown) => {
    const p = Buffer.from(JSON.stringify(fields)).toString('base64url');
    const message = JSON.stringify(['numberspace/page-token/v1', SCOPE.projectId, SCOPE.filterName, SCOPE.filterNumber, SCOPE.pageSize, p]);
    return `${p}.${createHmac('sha256', KEY).update(message).digest('base64url')}`;
  };
  assert.deepEqual(openPageToken(KEY, SCOPE, signed(['n', 3, CURSOR.createdAt, CURSOR.id])), CURSOR, 'the replica signs like the codec');
  const shapes: unknown[] = [
    ['n', 3, CURSOR.createdAt, CURSOR.id, 'extra'],
    ['x', 3, CURSOR.createdAt, CURSOR.id],
    ['n', 0, CURSOR.createdAt, CURSOR.id],
    ['n', 1.5, CURSOR.createdAt, CURSOR.id],
    ['n', '3', CURSOR.createdAt, CURSOR.id],
    ['n', 3, '2026-01-02', CURSOR.id],
    ['n', 3, CURSOR.createdAt, 42],
    { d: 'n', p: 3, c: CURSOR.createdAt, i: CURSOR.id },
    null,
  ];
  for (const fields of shapes) assert.equal(openPageToken(KEY, SCOPE, signed(fields)), undefined, JSON.stringify(fields));
  const notJson = Buffer.from('{').toString('base64url');
  const message = JSON.stringify(['numberspace/page-token/v1', SCOPE.projectId, SCOPE.filterName, SCOPE.filterNumber, SCOPE.pageSize, notJson]);
  assert.equal(openPageToken(KEY, SCOPE, `${notJson}.${createHmac('sha256', KEY).update(message).digest('base64url')}`), undefined, 'not JSON');
});
