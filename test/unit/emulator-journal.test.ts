import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJournal, type JournalEntry, journalBody, queryParams } from '../../src/emulator/journal.js';
import { createScenarios, resolveOperation } from '../../src/emulator/scenarios.js';

const entry = (path: string): JournalEntry => ({ timestamp: 0, method: 'GET', path, query_params: {}, headers: {}, body: null, matched_route: null, response_status: 200 });

test('the journal keeps its capacity, dropping the oldest first; a project reset keeps the order of the rest', () => {
  const journal = createJournal(3);
  for (const [i, p] of ['a', 'b', 'a', 'b', 'a'].entries()) journal.record(entry(`/${i}`), p);
  assert.deepEqual(journal.list({}).map((e) => e.path), ['/2', '/3', '/4']);
  journal.reset('a');
  assert.deepEqual(journal.list({}).map((e) => e.path), ['/3']);
  journal.record(entry('/5'), 'a');
  journal.record(entry('/6'), 'a');
  journal.record(entry('/7'), 'b');
  assert.deepEqual(journal.list({}).map((e) => e.path), ['/5', '/6', '/7']);
  assert.deepEqual(journal.list({ project: 'b' }).map((e) => e.path), ['/7']);
});

test('bodies and queries as the journal writes them', () => {
  assert.equal(journalBody('application/json', Buffer.alloc(0)), null);
  assert.deepEqual(journalBody('application/json; charset=utf-8', Buffer.from('{"a":[1]}')), { a: [1] });
  assert.deepEqual(journalBody('application/x-www-form-urlencoded', Buffer.from('a=1&b=x+y&a=2')), { a: ['1', '2'], b: 'x y' });
  assert.equal(journalBody('text/csv', Buffer.from('n\n1')), 'n\n1');
  assert.equal(journalBody(undefined, Buffer.from('raw')), 'raw');
  assert.deepEqual(queryParams('/x?a=1&a=%20&b'), { a: ['1', ' '], b: [''] });
  assert.deepEqual(queryParams('/x'), {});
});

test('scenario queues: in order per operation, scoped ones skipped by other projects, operation names resolved', () => {
  const s = createScenarios();
  assert.equal(s.empty, true);
  s.push({ operation: 'r.x', status: 500, response: null, headers: {}, project: 'p' });
  s.push({ operation: 'r.x', status: 501, response: null, headers: {} });
  assert.equal(s.take('r.x', 'q')?.status, 501);
  assert.equal(s.take('r.x', 'q'), undefined);
  assert.equal(s.take('r.x', 'p')?.status, 500);
  assert.equal(s.empty, true);
  const known = ['compatibility.create_token', 'relay-rest.create_token', 'relay-rest.list_phone_numbers'];
  assert.deepEqual(resolveOperation('list_phone_numbers', known), { operation: 'relay-rest.list_phone_numbers' });
  assert.deepEqual(resolveOperation('relay-rest.create_token', known), { operation: 'relay-rest.create_token' });
  assert.deepEqual(resolveOperation('create_token', known), { ambiguous: ['compatibility.create_token', 'relay-rest.create_token'] });
  assert.deepEqual(resolveOperation('nope', known), { unknown: true });
});
