import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SCOPES } from '../../src/domain/scopes.js';
import { parseDatabaseUrl } from '../../src/storage/database-url.js';
import { openDatabase } from '../../src/storage/open-database.js';
import { startServer, type Tenant, type TestServer } from '../helpers/server.js';

const IMPORT = '/api/relay/rest/imported_phone_numbers';
const NUMBERS = '/api/relay/rest/phone_numbers';
const NOT_FOUND = '{"error":"Not Found"}';

describe('phone numbers: get and release', () => {
  let server: TestServer;
  let seq = 0;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  async function importNumber(tenant: Tenant = server.tenant, number = `+1555070${String(seq++).padStart(4, '0')}`) {
    const res = await server.request('POST', IMPORT, { auth: tenant.auth, body: { number, number_type: 'longcode' } });
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  const listIds = async (tenant: Tenant = server.tenant) => {
    const res = await server.request('GET', `${NUMBERS}?page_size=1000`, { auth: tenant.auth });
    assert.equal(res.status, 200);
    return res.body.data.map((n: { id: string }) => n.id);
  };

  test('get answers the whole resource, exactly as the import did', async () => {
    const created = await importNumber();
    const res = await server.request('GET', `${NUMBERS}/${created.id}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(res.body, created);
    assert.equal(Object.keys(res.body).length, 41);
  });

  test('an id in upper case names the same number: UUIDs compare case-insensitively', async () => {
    const created = await importNumber();
    const res = await server.request('GET', `${NUMBERS}/${created.id.toUpperCase()}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.id, created.id);
  });

  test('unknown, malformed, released and foreign ids all answer the same 404', async () => {
    const released = await importNumber();
    assert.equal((await server.request('DELETE', `${NUMBERS}/${released.id}`)).status, 204);
    const other = await server.addTenant();
    const foreign = await importNumber(other);
    const ids = [
      crypto.randomUUID(),
      'not-a-uuid',
      '123',
      `${foreign.id}x`,
      foreign.id.replace(/-/g, ''),
      encodeURIComponent("' or 1=1 --"),
      '%00',
      released.id,
      foreign.id,
    ];
    for (const id of ids) {
      const res = await server.request('GET', `${NUMBERS}/${id}`);
      assert.equal(res.status, 404, id);
      assert.equal(res.text, NOT_FOUND, id);
    }
    // The owner still sees its number: the 404 was about visibility, not existence.
    assert.equal((await server.request('GET', `${NUMBERS}/${foreign.id}`, { auth: other.auth })).status, 200);
  });

  test('every operation needs credentials (401) and the numbers scope (403), but not the Partner API', async () => {
    const created = await importNumber();
    const noScope = await server.addTenant({ scopes: SCOPES.filter((s) => s !== 'numbers') });
    const operations: [string, string, unknown][] = [
      ['GET', NUMBERS, undefined],
      ['GET', `${NUMBERS}/${created.id}`, undefined],
      ['PUT', `${NUMBERS}/${created.id}`, { name: 'x' }],
      ['DELETE', `${NUMBERS}/${created.id}`, undefined],
    ];
    for (const [method, path, body] of operations) {
      const anonymous = await server.request(method, path, { auth: null, body });
      assert.equal(anonymous.status, 401, `${method} ${path}`);
      assert.equal(anonymous.text, '{"error":"Unauthorized"}');
      const forbidden = await server.request(method, path, { auth: noScope.auth, body });
      assert.equal(forbidden.status, 403, `${method} ${path}`);
      assert.equal(forbidden.body.errors[0].code, 'missing_scope');
    }
    const numbersOnly = await server.addTenant({ scopes: ['numbers'] });
    const own = await importNumber(numbersOnly);
    // Importing needs the Partner API; managing the number afterwards does not.
    await server.store.tenancy.setPartnerApi(numbersOnly.spaceId, false);
    const refused = await server.request('POST', IMPORT, { auth: numbersOnly.auth, body: { number: '+15550779999', number_type: 'longcode' } });
    assert.equal(refused.body.errors?.[0]?.code, 'partner_api_disabled');
    for (const [method, path, body] of [
      ['GET', NUMBERS, undefined],
      ['GET', `${NUMBERS}/${own.id}`, undefined],
      ['PUT', `${NUMBERS}/${own.id}`, { name: 'x' }],
      ['DELETE', `${NUMBERS}/${own.id}`, undefined],
    ] as const) {
      const res = await server.request(method, path, { auth: numbersOnly.auth, body });
      assert.ok(res.status === 200 || res.status === 204, `${method} ${path}: ${res.status} ${res.text}`);
    }
  });

  test('release answers 204 with no body; the number is gone from get, update, list and a second release', async () => {
    const created = await importNumber();
    assert.ok((await listIds()).includes(created.id));
    const res = await server.request('DELETE', `${NUMBERS}/${created.id}`);
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    for (const [method, body] of [['GET', undefined], ['PUT', { name: 'x' }], ['DELETE', undefined]] as const) {
      const after = await server.request(method, `${NUMBERS}/${created.id}`, { body });
      assert.equal(after.status, 404, method);
      assert.equal(after.text, NOT_FOUND);
    }
    assert.ok(!(await listIds()).includes(created.id));
  });

  test('another project cannot release a number, and learns nothing trying', async () => {
    const created = await importNumber();
    const other = await server.addTenant();
    const res = await server.request('DELETE', `${NUMBERS}/${created.id}`, { auth: other.auth });
    assert.equal(res.status, 404);
    assert.equal(res.text, NOT_FOUND);
    assert.equal((await server.request('GET', `${NUMBERS}/${created.id}`)).status, 200);
  });

  test('a malformed id on release is 404, not 400', async () => {
    const res = await server.request('DELETE', `${NUMBERS}/not-a-uuid`);
    assert.equal(res.status, 404);
    assert.equal(res.text, NOT_FOUND);
  });

  test('a released number can be imported again by the same project and then by another, each time under a new id', async () => {
    const number = '+15550779901';
    const first = await importNumber(server.tenant, number);
    assert.equal((await server.request('DELETE', `${NUMBERS}/${first.id}`)).status, 204);

    const again = await importNumber(server.tenant, number);
    assert.notEqual(again.id, first.id);
    assert.equal((await server.request('GET', `${NUMBERS}/${first.id}`)).status, 404);
    assert.deepEqual((await server.request('GET', `${NUMBERS}/${again.id}`)).body, again);

    const other = await server.addTenant();
    const taken = await server.request('POST', IMPORT, { auth: other.auth, body: { number, number_type: 'longcode' } });
    assert.equal(taken.status, 422, 'still active in the first project');
    assert.equal((await server.request('DELETE', `${NUMBERS}/${again.id}`)).status, 204);
    const moved = await importNumber(other, number);
    assert.ok(![first.id, again.id].includes(moved.id));
    assert.deepEqual(await listIds(other), [moved.id]);
    assert.ok(!(await listIds()).includes(moved.id));
  });

  test('the released row is kept, with released_at set, and its id is never reused', async () => {
    const created = await importNumber();
    assert.equal((await server.request('DELETE', `${NUMBERS}/${created.id}`)).status, 204);
    const { db } = openDatabase(parseDatabaseUrl(server.databaseUrl));
    try {
      const row = await db.selectFrom('phone_numbers').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
      assert.equal(row.number, created.number);
      assert.match(row.released_at ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(row.released_at! >= created.created_at);
    } finally {
      await db.destroy();
    }
  });

  test('concurrent releases of one number: exactly one 204, the rest 404', async () => {
    const created = await importNumber();
    const results = await Promise.all(Array.from({ length: 10 }, () => server.request('DELETE', `${NUMBERS}/${created.id}`)));
    assert.deepEqual(results.map((r) => r.status).sort(), [204, ...Array<number>(9).fill(404)]);
  });
});

describe('DELETE from clients that label every request as JSON', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  test('an empty body with content-type application/json releases the number', async () => {
    const created = await server.request('POST', '/api/relay/rest/imported_phone_numbers', { body: { number: '+15556660001', number_type: 'longcode' } });
    assert.equal(created.status, 201);
    const res = await server.request('DELETE', `/api/relay/rest/phone_numbers/${created.body.id}`, {
      rawBody: '',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
  });
});
