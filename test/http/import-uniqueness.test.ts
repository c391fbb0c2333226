import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';

const PATH = '/api/relay/rest/imported_phone_numbers';
const TAKEN = { errors: [{ detail: 'Number has already been taken', status: '422', title: 'Invalid Attribute', code: 'number_taken' }] };

describe('import: a number is active in one place in the whole installation', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  test('a second import in the same project answers 422 Number has already been taken', async () => {
    const body = { number: '+15550200200', number_type: 'longcode' };
    assert.equal((await server.request('POST', PATH, { body })).status, 201);
    const again = await server.request('POST', PATH, { body });
    assert.equal(again.status, 422);
    assert.deepEqual(again.body, TAKEN);
  });

  test('the same number written without + is the same number', async () => {
    assert.equal((await server.request('POST', PATH, { body: { number: '+15550200201', number_type: 'longcode' } })).status, 201);
    const res = await server.request('POST', PATH, { body: { number: '15550200201', number_type: 'longcode' } });
    assert.deepEqual([res.status, res.body], [422, TAKEN]);
  });

  test('another project, even in another Space, gets the same answer and learns nothing more', async () => {
    assert.equal((await server.request('POST', PATH, { body: { number: '+15550200202', number_type: 'longcode' } })).status, 201);
    const other = await server.addTenant();
    const res = await server.request('POST', PATH, { auth: other.auth, body: { number: '+15550200202', number_type: 'tollfree', capabilities: ['sms'] } });
    assert.equal(res.status, 422);
    assert.equal(res.text, JSON.stringify(TAKEN));
  });

  test('20 concurrent imports of one number give exactly one 201 and 19 422s, never a 500', async () => {
    const tenants = [server.tenant, await server.addTenant(), await server.addTenant()];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        server.request('POST', PATH, { auth: tenants[i % tenants.length]!.auth, body: { number: '+15550200300', number_type: 'longcode' } }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, ...Array<number>(19).fill(422)]);
    for (const r of results.filter((x) => x.status === 422)) assert.deepEqual(r.body, TAKEN);
  });

  test('concurrent imports of distinct numbers all succeed with distinct ids', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        server.request('POST', PATH, { body: { number: `+1555030${String(i).padStart(4, '0')}`, number_type: 'longcode' } }),
      ),
    );
    assert.deepEqual(new Set(results.map((r) => r.status)), new Set([201]));
    assert.equal(new Set(results.map((r) => r.body.id)).size, 50);
  });
});
