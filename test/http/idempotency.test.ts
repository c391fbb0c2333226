/**
 * Idempotency-Key on both import endpoints, through the real server: replay, mismatch,
 * in-flight 409, answers that are never kept, scopes (project, operation; the two
 * Compatibility prefixes are one operation) and retention.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseRateLimitSpec } from '../../src/limits/rate-limit-spec.js';
import { basic, startServer, type TestServer } from '../helpers/server.js';

const RELAY_IMPORT = '/api/relay/rest/imported_phone_numbers';
const NUMBERS = '/api/relay/rest/phone_numbers';
const FORM = 'application/x-www-form-urlencoded';

let seq = 0;
const nextNumber = () => `+1555407${String(seq++).padStart(4, '0')}`;
const key = () => `key-${crypto.randomUUID()}`;

describe('Idempotency-Key on imports', () => {
  let server: TestServer;
  let now = Date.parse('2026-03-01T12:00:00.000Z');
  const tick = () => new Date((now += 1000));

  before(async () => {
    server = await startServer({ clock: tick });
  });
  after(async () => server.close());

  const compatImport = (prefix: string, suffix = '', projectId = server.tenant.projectId) => `${prefix}/Accounts/${projectId}/ImportedPhoneNumbers${suffix}`;
  const relayImport = (k: string | undefined, body: unknown, auth?: string) =>
    server.request('POST', RELAY_IMPORT, { body, headers: k === undefined ? {} : { 'idempotency-key': k }, ...(auth === undefined ? {} : { auth }) });
  const activeWith = async (number: string, auth = server.tenant.auth) =>
    (await server.request('GET', `${NUMBERS}?filter_number=${encodeURIComponent(number)}`, { auth })).body.data.filter((n: { number: string }) => n.number === number);
  const importEvents = async (number: string, projectId = server.tenant.projectId) =>
    (await server.store.audit.list(projectId)).filter((e) => e.action === 'number.imported' && JSON.parse(e.summary).number === number);

  describe('Relay REST', () => {
    test('a retry with the same key and body replays the first answer byte for byte, marked Idempotent-Replayed, and imports nothing more', async () => {
      const k = key();
      const body = { number: nextNumber(), number_type: 'longcode', capabilities: ['sms', 'voice'] };
      const first = await relayImport(k, body);
      assert.equal(first.status, 201);
      assert.equal(first.headers.get('idempotent-replayed'), null);
      // The same values in another key order are the same request.
      const retry = await relayImport(k, { capabilities: ['sms', 'voice'], number_type: 'longcode', number: body.number });
      assert.equal(retry.status, 201);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      assert.equal(retry.text, first.text);
      assert.match(retry.headers.get('content-type') ?? '', /^application\/json/);
      assert.notEqual(retry.headers.get('x-request-id'), first.headers.get('x-request-id'), 'the retry is its own request');
      assert.equal((await activeWith(body.number)).length, 1);
      assert.equal((await importEvents(body.number)).length, 1);

      // A replay of a number since updated is still the first answer, exactly.
      await server.request('PUT', `${NUMBERS}/${first.body.id}`, { body: { name: 'renamed' } });
      const later = await relayImport(k, body);
      assert.equal(later.text, first.text);
      // And of a number since released: the first answer, and the number stays free.
      assert.equal((await server.request('DELETE', `${NUMBERS}/${first.body.id}`)).status, 204);
      const afterRelease = await relayImport(k, body);
      assert.deepEqual([afterRelease.status, afterRelease.text, afterRelease.headers.get('idempotent-replayed')], [201, first.text, 'true']);
      assert.equal((await activeWith(body.number)).length, 0);
    });

    test('the same key with another body is 422 idempotency_key_reused and imports nothing', async () => {
      const k = key();
      const first = await relayImport(k, { number: nextNumber(), number_type: 'longcode' });
      assert.equal(first.status, 201);
      const other = nextNumber();
      const res = await relayImport(k, { number: other, number_type: 'longcode' });
      assert.equal(res.status, 422);
      assert.deepEqual(res.body.errors.map((e: { code: string }) => e.code), ['idempotency_key_reused']);
      assert.match(res.body.errors[0].detail, /different request/);
      assert.equal((await activeWith(other)).length, 0);
    });

    test('a refusal of the body (422) is kept: the retry replays it even once the number is free', async () => {
      const taken = nextNumber();
      const holder = await relayImport(undefined, { number: taken, number_type: 'longcode' });
      assert.equal(holder.status, 201);
      const k = key();
      const refused = await relayImport(k, { number: taken, number_type: 'longcode' });
      assert.equal(refused.status, 422);
      assert.equal(refused.body.errors[0].code, 'number_taken');
      assert.equal((await server.request('DELETE', `${NUMBERS}/${holder.body.id}`)).status, 204);
      const retry = await relayImport(k, { number: taken, number_type: 'longcode' });
      assert.deepEqual([retry.status, retry.headers.get('idempotent-replayed'), retry.text], [422, 'true', refused.text]);
      assert.equal((await activeWith(taken)).length, 0, 'the replay imported nothing');

      // A schema refusal is kept the same way.
      const k2 = key();
      const invalid = await relayImport(k2, { number: 'nope', number_type: 'longcode' });
      assert.equal(invalid.status, 422);
      const again = await relayImport(k2, { number: 'nope', number_type: 'longcode' });
      assert.deepEqual([again.headers.get('idempotent-replayed'), again.text], ['true', invalid.text]);
    });

    test('answers given before the body is read (401, 403) are not kept: the retry is processed afresh', async () => {
      const k = key();
      const body = { number: nextNumber(), number_type: 'longcode' };
      const unauthorized = await relayImport(k, body, basic(server.tenant.projectId, 'PT' + '1'.repeat(48)));
      assert.equal(unauthorized.status, 401);
      const scoped = await server.addTenant({ scopes: ['numbers'], partnerApi: false });
      const forbidden = await relayImport(k, body, scoped.auth);
      assert.equal(forbidden.status, 403);
      const res = await relayImport(k, body);
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('idempotent-replayed'), null);
    });

    test('keys are scoped to the project: another project\'s same key is its own', async () => {
      const other = await server.addTenant();
      const k = key();
      const mine = await relayImport(k, { number: nextNumber(), number_type: 'longcode' });
      const theirs = await relayImport(k, { number: nextNumber(), number_type: 'longcode' }, other.auth);
      assert.deepEqual([mine.status, theirs.status], [201, 201]);
      assert.equal(theirs.headers.get('idempotent-replayed'), null);
      assert.notEqual(theirs.body.id, mine.body.id);
    });

    test('concurrent requests with one key: one import; every other answer is 409 or the replay, and 409 creates nothing', async () => {
      const k = key();
      const body = { number: nextNumber(), number_type: 'longcode' };
      const answers = await Promise.all(Array.from({ length: 20 }, () => relayImport(k, body)));
      const fresh = answers.filter((a) => a.status === 201 && a.headers.get('idempotent-replayed') === null);
      assert.equal(fresh.length, 1, JSON.stringify(answers.map((a) => a.status)));
      for (const a of answers) {
        if (a.status === 201) assert.equal(a.text, fresh[0]!.text);
        else {
          assert.equal(a.status, 409, a.text);
          assert.deepEqual(a.body, { error: 'Conflict' });
        }
      }
      assert.ok(answers.some((a) => a.status === 409), 'at least one request overlapped the first');
      assert.equal((await activeWith(body.number)).length, 1);
      assert.equal((await importEvents(body.number)).length, 1);
    });

    test('a malformed key is 422 naming Idempotency-Key, and imports nothing', async () => {
      for (const bad of ['x'.repeat(256), 'caf\u00e9', 'tab\there']) {
        const number = nextNumber();
        const res = await server.request('POST', RELAY_IMPORT, { body: { number, number_type: 'longcode' }, headers: { 'idempotency-key': Buffer.from(bad, 'utf8').toString('latin1') } });
        assert.equal(res.status, 422, bad);
        assert.equal(res.body.errors[0].code, 'invalid_format');
        assert.match(res.body.errors[0].detail, /Idempotency-Key/);
        assert.equal((await activeWith(number)).length, 0);
      }
      const longest = await relayImport('k'.repeat(255), { number: nextNumber(), number_type: 'longcode' });
      assert.equal(longest.status, 201);
    });

    test('a key is honoured for at least 24 hours', async () => {
      const k = key();
      const body = { number: nextNumber(), number_type: 'longcode' };
      const first = await relayImport(k, body);
      now += 23 * 3600 * 1000;
      const retry = await relayImport(k, body);
      assert.deepEqual([retry.headers.get('idempotent-replayed'), retry.text], ['true', first.text]);
    });
  });

  describe('Compatibility', () => {
    test('the two prefixes are one operation: a form import retried as JSON on the other prefix replays the first answer', async () => {
      const k = key();
      const number = nextNumber();
      const first = await server.request('POST', compatImport('/2010-04-01', '.json'), {
        rawBody: `number=${encodeURIComponent(number)}&number_type=longcode&capabilities=voice`,
        headers: { 'content-type': FORM, 'idempotency-key': k },
      });
      assert.equal(first.status, 201, first.text);
      const retry = await server.request('POST', compatImport('/api/laml/2010-04-01'), {
        body: { number, number_type: 'longcode', capabilities: ['voice'] },
        headers: { 'idempotency-key': k },
      });
      assert.deepEqual([retry.status, retry.headers.get('idempotent-replayed')], [201, 'true']);
      assert.equal(retry.text, first.text, 'exactly the first answer, its uri included');
      assert.equal((await activeWith(number)).length, 1);
    });

    test('the Relay and the Compatibility import are two operations: one key names a request on each', async () => {
      const k = key();
      const relay = await relayImport(k, { number: nextNumber(), number_type: 'longcode' });
      const compat = await server.request('POST', compatImport('/api/laml/2010-04-01'), { body: { number: nextNumber(), number_type: 'longcode' }, headers: { 'idempotency-key': k } });
      assert.deepEqual([relay.status, compat.status], [201, 201]);
      assert.equal(compat.headers.get('idempotent-replayed'), null);
      assert.equal(compat.body.sid === relay.body.id, false);
    });

    test('a mismatch is the string-code 422; an in-flight overlap is 409 / 20409', async () => {
      const k = key();
      const number = nextNumber();
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => server.request('POST', compatImport('/api/laml/2010-04-01'), { body: { number, number_type: 'longcode' }, headers: { 'idempotency-key': k } })),
      );
      assert.equal(answers.filter((a) => a.status === 201 && a.headers.get('idempotent-replayed') === null).length, 1);
      for (const a of answers.filter((x) => x.status !== 201)) assert.deepEqual([a.status, a.body.code, a.body.status], [409, 20409, 409]);
      const mismatch = await server.request('POST', compatImport('/api/laml/2010-04-01'), { body: { number: nextNumber(), number_type: 'longcode' }, headers: { 'idempotency-key': k } });
      assert.deepEqual([mismatch.status, mismatch.body.code], [422, 'idempotency_key_reused']);
      assert.equal((await activeWith(number)).length, 1);
    });

    test('a foreign AccountSid (404, said before the body is read) is not kept', async () => {
      const other = await server.addTenant();
      const k = key();
      const body = { number: nextNumber(), number_type: 'longcode' };
      const foreign = await server.request('POST', compatImport('/api/laml/2010-04-01', '', other.projectId), { body, headers: { 'idempotency-key': k } });
      assert.equal(foreign.status, 404);
      const mine = await server.request('POST', compatImport('/api/laml/2010-04-01'), { body, headers: { 'idempotency-key': k } });
      assert.deepEqual([mine.status, mine.headers.get('idempotent-replayed')], [201, null]);
    });
  });
});

describe('Idempotency-Key and the rate limit', () => {
  let server: TestServer;
  let t = 0;
  before(async () => {
    server = await startServer({ limits: { rateLimit: parseRateLimitSpec('writes=2/10s'), now: () => t } });
  });
  after(async () => server.close());

  test('a 429 is not kept: once the window has passed, the same key is processed afresh', async () => {
    const body = { number: nextNumber(), number_type: 'longcode' };
    const k = key();
    for (let i = 0; i < 2; i++) await server.request('POST', RELAY_IMPORT, { body: { number: nextNumber(), number_type: 'longcode' } });
    const limited = await server.request('POST', RELAY_IMPORT, { body, headers: { 'idempotency-key': k } });
    assert.equal(limited.status, 429);
    t += 11_000;
    const res = await server.request('POST', RELAY_IMPORT, { body, headers: { 'idempotency-key': k } });
    assert.deepEqual([res.status, res.headers.get('idempotent-replayed')], [201, null]);
  });
});
